"""Organisations (ORG-1): the template applied on creation; the customers demo data."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import (
    AuditEntry,
    DirectoryField,
    Licence,
    NumberRange,
    Organisation,
    Prompt,
    User,
    UserGroup,
)
from customers.operations import apply_template, organisation_create, organisation_created


def test_new_organisation_gets_the_template(support):
    org = organisation_create(name="dialplantest4", by=support)
    assert (org.default_language, org.languages, org.time_zone) == ("da", ["da", "en"], "Europe/Copenhagen")
    music = set(Prompt.objects.filter(organisation=None, kind=Prompt.Kind.MUSIC).values_list("name", flat=True))
    assert music == {"fpm-calmriver", "fpm-sunshine", "fpm-worldmix", "ventemusikSamlet"}
    assert Prompt.objects.filter(organisation=None, name="Ringing", kind=Prompt.Kind.PROMPT).exists()
    closed = Prompt.objects.get(organisation=org, name="IpvisionLukket")
    assert closed.description == "Vi har lukket"
    # The organisation sees system prompts plus its own.
    assert set(Prompt.objects.for_organisation(org).values_list("name", flat=True)) >= {"Ringing", "IpvisionLukket", "fpm-sunshine"}
    licences = {(lic.name, lic.kind, lic.is_unified_communication) for lic in Licence.objects.filter(organisation=org)}
    assert licences == {
        ("Unified Communication", "user", True),
        ("Standard", "user", False),
        ("Mobilklient", "mobile", False),
    }
    fields = list(DirectoryField.objects.filter(organisation=org).values_list("number", "name", "searchable"))
    assert fields == [(1, "", True), (2, "", True), (3, "", True), (4, "", False), (5, "", False), (6, "", False)]
    assert str(DirectoryField.objects.get(organisation=org, number=4)) == "Field 4"
    entry = AuditEntry.objects.get(content_type__model="organisation", object_id=str(org.pk))
    assert entry.action == "create" and entry.actor == support


def test_system_prompts_are_shared_not_copied(support):
    a = organisation_create(name="a", by=support)
    b = organisation_create(name="b", by=support)
    assert Prompt.objects.filter(organisation=None).count() == 5
    assert Prompt.objects.filter(name="IpvisionLukket").count() == 2
    assert not Prompt.objects.for_organisation(a).filter(organisation=b).exists()


def test_template_can_be_reapplied_without_duplicates(support):
    org = organisation_create(name="again", by=support)
    DirectoryField.objects.filter(organisation=org, number=6).delete()
    counts = (Licence.objects.count(), Prompt.objects.count(), AuditEntry.objects.count())
    apply_template(org, by=support)
    assert DirectoryField.objects.filter(organisation=org).count() == 6
    assert (Licence.objects.count(), Prompt.objects.count()) == counts[:2]
    assert AuditEntry.objects.count() == counts[2] + 1  # only the re-created field


def test_other_apps_add_their_template_part_through_the_signal(support):
    seen = []

    def receiver(sender, organisation, by, **kwargs):
        seen.append((organisation.name, by))

    organisation_created.connect(receiver)
    try:
        organisation_create(name="signalled", by=support)
    finally:
        organisation_created.disconnect(receiver)
    assert seen == [("signalled", support)]


def test_a_failing_template_part_leaves_no_half_made_organisation(support):
    def broken(sender, organisation, **kwargs):
        raise RuntimeError("boom")

    organisation_created.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            organisation_create(name="half", by=support)
    finally:
        organisation_created.disconnect(broken)
    assert not Organisation.objects.filter(name="half").exists()
    assert not Licence.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name."),
        ({"name": "x" * 65}, "name", "The name may be at most 64 characters."),
        ({"name": "nul\x00"}, "name", "The text contains control characters, which are not allowed."),
        ({"name": "ORG-A"}, "name", "An organisation with that name already exists."),
        ({"name": "ok", "default_language": "xx"}, "default_language", "Choose a language from the list."),
        ({"name": "ok", "languages": ["da", "zz"]}, "languages", "Choose languages from the list."),
        ({"name": "ok", "time_zone": "Mars/Olympus"}, "time_zone", "Choose a valid time zone, e.g. Europe/Copenhagen."),
    ],
)
def test_bad_organisation_input_is_refused(org_a, support, kwargs, field, message):
    with pytest.raises(ValidationError) as exc:
        organisation_create(by=support, **kwargs)
    assert exc.value.message_dict[field] == [message]
    assert Organisation.objects.count() == 1


def test_default_language_joins_the_languages(support):
    org = organisation_create(name="svensk", default_language="sv", languages=["da"], by=support)
    assert org.languages == ["sv", "da"]


# --- demo data ------------------------------------------------------------------------------


def test_demo_seed_creates_the_described_data_and_is_idempotent(db):
    from customers.demo import seed

    demo, other = seed()
    assert (demo.name, other.name) == ("dialplantest4", "demo-other")
    groups = list(UserGroup.objects.filter(organisation=demo).order_by("priority").values_list("priority", "name"))
    assert groups == [
        (1, "Administration"),
        (2, "AgentsGroup"),
        (3, "Salg"),
        (4, "Support"),
        (5, "UsersGroup"),
        (6, "Supervisor"),
        (7, "Sweden - Stockholm"),
    ]
    assert UserGroup.objects.get(organisation=demo, name="Administration").is_schedule_admin
    assert UserGroup.objects.get(organisation=demo, name="Supervisor").is_acd_supervisor
    assert UserGroup.objects.get(organisation=demo, name="Sweden - Stockholm").is_federated
    ranges = list(NumberRange.objects.filter(organisation=demo).order_by("kind", "first_value").values_list("first", "last", "callable_from_ivr"))
    assert ranges == [
        ("+4588887700", "+4588887799", True),
        ("200", "299", True),
        ("900", "999", False),
        ("1500", "1899", False),
    ]
    fields = dict(DirectoryField.objects.filter(organisation=demo).values_list("number", "name"))
    assert (fields[1], fields[2], fields[3]) == ("Bilmærker", "Sprog", "")
    support = User.objects.get(username="support@connect.example")
    assert support.is_staff and support.is_superuser and support.organisation is None
    assert support.check_password("connect-demo")
    assert User.objects.filter(username="klj@ipvision.dk", organisation=demo, admin_profile="orgadmin").exists()
    assert User.objects.filter(username="admin@other.example", organisation=other, admin_profile="orgadmin").exists()

    counts = {model: model.objects.count() for model in (Organisation, UserGroup, NumberRange, User, Licence, Prompt, DirectoryField)}
    audit_count = AuditEntry.objects.count()
    seed()
    assert {model: model.objects.count() for model in counts} == counts
    assert AuditEntry.objects.count() == audit_count  # nothing changed, nothing recorded


def test_demo_seed_repairs_a_changed_demo(db):
    from customers.demo import seed

    demo, _other = seed()
    from customers.operations import usergroup_move

    salg = UserGroup.objects.get(organisation=demo, name="Salg")
    usergroup_move(group=salg, direction="up", by=None)
    UserGroup.objects.filter(pk=salg.pk).update(is_federated=True)
    seed()
    salg.refresh_from_db()
    assert (salg.priority, salg.is_federated) == (3, False)
