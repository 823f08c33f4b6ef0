"""services.operations: validation, tenancy of references, audit trail, idempotent demo seed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import AuditEntry, Prompt
from services import demo, operations
from services.models import (
    CallPickupSettings,
    CallQueueSettings,
    ExternalContact,
    MandatoryContact,
    VoicemailSettings,
)
from services.resolver import resolve_user
from services.scopes import Scope
from tests.factories import UserFactory, UserGroupFactory


def test_save_refuses_other_organisations_groups(org_a, groups_a, group_b, admin_a):
    with pytest.raises(ValidationError) as exc:
        operations.service_settings_save(
            service="call-pickup", scope=Scope(org_a), data={"pickup_groups": [groups_a["Salg"].pk, group_b.pk]}, by=admin_a
        )
    assert "pickup_groups" in exc.value.message_dict
    with pytest.raises(ValidationError):
        operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"callback_conversion": group_b.pk}, by=admin_a)
    assert not CallPickupSettings.objects.exists() and not CallQueueSettings.objects.exists()


def test_save_refuses_other_organisations_prompts_and_wrong_kind(org_a, org_b, admin_a, system_prompts):
    foreign = Prompt.objects.create(organisation=org_b, name="Theirs")
    with pytest.raises(ValidationError):
        operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"waiting_prompt": foreign.pk}, by=admin_a)
    with pytest.raises(ValidationError):
        operations.service_settings_save(service="music-on-hold", scope=Scope(org_a), data={"music": system_prompts["Ringing"].pk}, by=admin_a)
    row = operations.service_settings_save(
        service="call-queues", scope=Scope(org_a), data={"waiting_prompt": system_prompts["fpm-sunshine"].pk}, by=admin_a
    )
    assert row.waiting_prompt == system_prompts["fpm-sunshine"]


@pytest.mark.parametrize(
    "data",
    [{"queue_size": 51}, {"queue_size": "5"}, {"queue_size": True}, {"when_full": "explode"}, {"mobile_numbers_visible": "yes"}],
)
def test_save_refuses_bad_values(org_a, admin_a, data):
    service = "advanced" if "mobile_numbers_visible" in data else "call-queues"
    with pytest.raises(ValidationError):
        operations.service_settings_save(service=service, scope=Scope(org_a), data=data, by=admin_a)


def test_save_refuses_unknown_fields(org_a, admin_a):
    with pytest.raises(TypeError):
        operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"colour": "red"}, by=admin_a)


def test_conditional_rules_checked_in_the_operation(org_a, groups_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"when_full": "forward"}, by=admin_a)
    assert "forward_number" in exc.value.message_dict
    # The number given on the organisation makes a group's "Viderestil" valid.
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"forward_number": "+4588887765"}, by=admin_a)
    operations.service_settings_save(service="call-queues", scope=Scope(org_a, group=groups_a["Salg"]), data={"when_full": "forward"}, by=admin_a)
    with pytest.raises(ValidationError):
        operations.service_settings_save(service="voicemail", scope=Scope(org_a), data={"personal_assistance": True}, by=admin_a)


def test_fields_not_given_keep_their_value_and_unchanged_saves_are_not_audited(org_a, admin_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"queue_size": 7, "callback_key": "5"}, by=admin_a)
    row = operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"queue_size": 8}, by=admin_a)
    assert row.callback_key == "5" and row.queue_size == 8
    entries = AuditEntry.objects.filter(content_type__model="callqueuesettings", object_id=str(row.pk))
    assert [e.action for e in entries.order_by("id")] == ["create", "update"]
    assert entries.order_by("-id").first().changes == {"queue_size": ["7", "8"]}
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"queue_size": 8}, by=admin_a)
    assert entries.count() == 2


def test_one_row_per_scope_is_enforced_by_the_database(org_a, groups_a):
    CallQueueSettings.objects.create(organisation=org_a, group=groups_a["Salg"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CallQueueSettings.objects.create(organisation=org_a, group=groups_a["Salg"])
    CallQueueSettings.objects.create(organisation=org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallQueueSettings.objects.create(organisation=org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallQueueSettings.objects.create(organisation=org_a, group=groups_a["Support"], user=UserFactory(organisation=org_a))


def test_scope_refuses_another_organisations_group(org_a, group_b):
    with pytest.raises(ValueError):
        Scope(org_a, group=group_b)


def test_contact_operations_audit_and_validate(org_a, admin_a):
    with pytest.raises(ValidationError):
        operations.contact_create(scope=Scope(org_a), data={"company": "X"}, numbers=[], by=admin_a)
    with pytest.raises(ValidationError):
        operations.contact_create(scope=Scope(org_a), data={}, numbers=[{"number": "+4570000001"}], by=admin_a)
    contact = operations.contact_create(scope=Scope(org_a), data={"company": "X"}, numbers=[{"number": "70 00 00 01"}], by=admin_a)
    assert contact.numbers.get().number == "+4570000001"
    contact = operations.contact_update(contact=contact, data={"company": "Y"}, numbers=[{"number": "+4570000002"}], by=admin_a)
    operations.contact_delete(contact=contact, by=admin_a)
    actions = list(AuditEntry.objects.filter(content_type__model="externalcontact").order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update", "delete"]


@pytest.fixture
def demo_org(org_a):
    names = ["Administration", "AgentsGroup", "Salg", "Support", "UsersGroup", "Supervisor", "Sweden - Stockholm"]
    groups = [UserGroupFactory(organisation=org_a, name=name) for name in names]
    wallboard = UserFactory(organisation=org_a, username="wallboard@ipvision.dk")
    member = UserFactory(organisation=org_a, username="sweden@ipvision.dk", groups=[groups[-1]])
    Prompt.objects.create(name="Ringing")
    Prompt.objects.create(name="ventemusikSamlet", kind=Prompt.Kind.MUSIC)
    return org_a, groups, wallboard, member


def test_demo_seed_is_complete_and_idempotent(demo_org):
    org, groups, wallboard, member = demo_org
    demo.seed(org)
    audit_count = AuditEntry.objects.count()
    demo.seed(org)
    assert AuditEntry.objects.count() == audit_count
    contact = ExternalContact.objects.get()
    assert contact.company == "ipvision A/S" and contact.contact_type == "preferred"
    assert [(n.number, n.number_type, n.is_preferred) for n in contact.numbers.all()] == [("+4581808088", "mobile", True)]
    assert MandatoryContact.objects.get().contact_user == wallboard
    pickup = resolve_user("call-pickup", member)
    assert set(pickup["pickup_groups"].value) == {g.pk for g in groups} == set(pickup["parked_groups"].value)
    queues = resolve_user("call-queues", member)
    assert queues["queue_size"].value == 5 and queues["queue_size"].source.level == "organisation"
    assert queues["status_prompt"].value == "none"
    assert resolve_user("music-on-hold", member)["music"].source.level == "organisation"
    voicemail = VoicemailSettings.objects.get()
    assert voicemail.group.name == "Sweden - Stockholm"
    assert voicemail.personal_assistance is True and voicemail.personal_assistance_number == "+4655512345"
    effective = resolve_user("voicemail", member)
    assert effective["personal_assistance_number"].source.label == "inherited from group Sweden - Stockholm"
    advanced = resolve_user("advanced", member)
    assert advanced["desk_phone_transfer_pending"].source.level == "organisation"
