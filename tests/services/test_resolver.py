"""The one resolver (SET-1..SET-4): precedence, priorities, unions, sources, query count."""

import pytest

from customers.operations import usergroup_move
from services import operations, resolver
from services.definitions import NONE, ORGANISATION, get_service
from services.resolver import DEFAULT_SOURCE, resolve_many, resolve_scope, resolve_user
from services.scopes import Scope
from tests.factories import UserFactory, UserGroupFactory
from tests.services.factories import ExternalContactFactory


def save(scope, service, by=None, **data):
    return operations.service_settings_save(service=service, scope=scope, data=data, by=by)


def test_defaults_when_nothing_is_stored(member_a, system_prompts):
    effective = resolve_user("call-queues", member_a)
    assert effective["queue_size"] == (5, DEFAULT_SOURCE)
    assert effective["when_full"].value == "busy"
    assert effective["callback_conversion"].value == ORGANISATION
    assert effective["welcome_prompt"].value == NONE
    # "Ringing" is a system prompt: the default names it, the resolver finds its id.
    assert effective["waiting_prompt"].value == system_prompts["Ringing"].pk
    assert resolve_user("music-on-hold", member_a)["music"].value == system_prompts["ventemusikSamlet"].pk
    voicemail = resolve_user("voicemail", member_a)
    assert voicemail["retention_days"].value == 30
    assert voicemail["max_inbox_mb"].value == 100
    assert voicemail["default_greeting"].value == "name"


def test_user_beats_group_beats_organisation(org_a, groups_a, member_a):
    save(Scope(org_a), "call-queues", queue_size=7, when_full="busy")
    save(Scope(org_a, group=groups_a["Support"]), "call-queues", queue_size=9)
    effective = resolve_user("call-queues", member_a)
    assert effective["queue_size"].value == 9
    assert effective["queue_size"].source.level == "group"
    assert effective["queue_size"].source.name == "Support"
    assert effective["queue_size"].source.label == "inherited from group Support"
    assert effective["when_full"].source.level == "organisation"

    save(Scope(org_a, user=member_a), "call-queues", queue_size=2)
    effective = resolve_user("call-queues", member_a)
    assert effective["queue_size"].value == 2
    assert effective["queue_size"].source.level == "user"
    # Per field, not per form: the organisation still provides when_full.
    assert effective["when_full"].source.level == "organisation"


def test_highest_priority_group_wins_and_reorder_changes_it(org_a, groups_a, member_a, admin_a):
    # member_a is in Salg (priority 2) and Support (priority 3).
    save(Scope(org_a, group=groups_a["Salg"]), "call-queues", queue_size=8)
    save(Scope(org_a, group=groups_a["Support"]), "call-queues", queue_size=9)
    assert resolve_user("call-queues", member_a)["queue_size"].value == 8
    usergroup_move(group=groups_a["Support"], direction="up", by=admin_a)
    assert resolve_user("call-queues", member_a)["queue_size"].value == 9


def test_a_group_the_user_is_not_in_does_not_apply(org_a, groups_a, member_a):
    save(Scope(org_a, group=groups_a["Administration"]), "call-queues", queue_size=1)
    assert resolve_user("call-queues", member_a)["queue_size"].source is DEFAULT_SOURCE


def test_group_multi_selects_are_united_with_most_general_source(org_a, groups_a, member_a):
    admin, salg, support = groups_a["Administration"], groups_a["Salg"], groups_a["Support"]
    save(Scope(org_a), "call-pickup", pickup_groups=[admin.pk])
    save(Scope(org_a, group=salg), "call-pickup", pickup_groups=[salg.pk, admin.pk])
    save(Scope(org_a, user=member_a), "call-pickup", pickup_groups=[support.pk], parked_groups=[salg.pk])
    effective = resolve_user("call-pickup", member_a)
    sources = effective["pickup_groups"].item_sources()
    assert set(sources) == {admin.pk, salg.pk, support.pk}
    assert sources[admin.pk].level == "organisation"
    assert sources[salg.pk].name == "Salg"
    assert sources[support.pk].level == "user"
    assert effective["parked_groups"].value == (salg.pk,)


def test_contacts_are_united_and_duplicates_shown_once(org_a, groups_a, member_a):
    ExternalContactFactory(organisation=org_a, company="Acme", first_name="Ann", last_name="Lee", number="+4570000001")
    # The same contact again on a group: shown once, from the organisation.
    ExternalContactFactory(organisation=org_a, group=groups_a["Salg"], company="Acme", first_name="Ann", last_name="Lee", number="+4570000001")
    ExternalContactFactory(organisation=org_a, group=groups_a["Support"], company="Beta", first_name="Bo", number="+4570000002")
    ExternalContactFactory(organisation=org_a, group=groups_a["Administration"], company="Gamma", number="+4570000003")
    ExternalContactFactory(organisation=org_a, user=member_a, company="Own", number="+4570000004")
    wallboard = UserFactory(organisation=org_a, username="wallboard@a.example")
    operations.mandatory_contact_add(scope=Scope(org_a), contact_user=wallboard, by=None)
    operations.mandatory_contact_add(scope=Scope(org_a, group=groups_a["Salg"]), contact_user=wallboard, by=None)

    effective = resolve_user("contacts", member_a)
    companies = [c.company for c in effective["external_contacts"].value]
    assert sorted(companies) == ["Acme", "Beta", "Own"]
    sources = {c.company: s.level for c, s in zip(*effective["external_contacts"], strict=True)}
    assert sources == {"Acme": "organisation", "Beta": "group", "Own": "user"}
    assert [m.contact_user for m in effective["mandatory_contacts"].value] == [wallboard]
    assert effective["mandatory_contacts"].source[0].level == "organisation"


def test_resolve_scope_inherited_hints(org_a, groups_a, member_a):
    save(Scope(org_a), "call-queues", queue_size=7)
    save(Scope(org_a, group=groups_a["Salg"]), "call-queues", queue_size=8)
    group_res = resolve_scope("call-queues", Scope(org_a, group=groups_a["Salg"]))
    assert group_res.own["queue_size"] == 8
    assert group_res.inherited["queue_size"].value == 7
    assert group_res.inherited["queue_size"].source.label == "inherited from the organisation org-a"
    user_res = resolve_scope("call-queues", Scope(org_a, user=member_a))
    assert user_res.own["queue_size"] is None
    assert user_res.inherited["queue_size"].value == 8
    assert user_res.effective["queue_size"].source.name == "Salg"
    org_res = resolve_scope("call-queues", Scope(org_a))
    assert org_res.inherited["queue_size"] == (5, DEFAULT_SOURCE)


def test_query_count_does_not_grow_with_users(org_a, groups_a, django_assert_num_queries):
    group_list = list(groups_a.values())
    users = [UserFactory(organisation=org_a, groups=group_list[: 1 + i % 3]) for i in range(30)]
    save(Scope(org_a), "call-pickup", pickup_groups=[group_list[0].pk])
    save(Scope(org_a, group=group_list[1]), "call-pickup", parked_groups=[group_list[2].pk])
    for user in users[:10]:
        save(Scope(org_a, user=user), "call-pickup", pickup_groups=[group_list[1].pk])
    # groups, memberships, rows, one per group multi-select (2): 5 queries for 3 users or 30.
    with django_assert_num_queries(5):
        few = resolve_many("call-pickup", users[:3], organisation=org_a)
    with django_assert_num_queries(5):
        many = resolve_many("call-pickup", users, organisation=org_a)
    assert few[users[0].pk] == many[users[0].pk]
    assert len(many) == 30


def test_large_user_sets_use_whole_organisation_fetch(org_a, groups_a, monkeypatch):
    group_list = list(groups_a.values())
    users = [UserFactory(organisation=org_a, groups=[group_list[i % 3]]) for i in range(6)]
    save(Scope(org_a, group=group_list[0]), "call-queues", queue_size=11)
    save(Scope(org_a, user=users[1]), "call-queues", queue_size=12)
    small = resolve_many("call-queues", users, organisation=org_a)
    monkeypatch.setattr(resolver, "LARGE", 2)
    large = resolve_many("call-queues", users[:4], organisation=org_a)
    for user in users[:4]:
        assert small[user.pk] == large[user.pk]
    assert large[users[0].pk]["queue_size"].value == 11
    assert large[users[1].pk]["queue_size"].value == 12


def test_users_of_two_organisations_are_refused(member_a, user_b):
    with pytest.raises(ValueError):
        resolve_many("advanced", [member_a, user_b])


def test_other_organisations_values_never_apply(org_a, org_b, member_a, group_b, user_b):
    save(Scope(org_b), "call-queues", queue_size=1)
    save(Scope(org_b, group=group_b), "call-queues", queue_size=2)
    assert resolve_user("call-queues", member_a)["queue_size"].source is DEFAULT_SOURCE
    assert resolve_user("call-queues", user_b)["queue_size"].value == 2


def test_every_definition_column_exists_on_its_model():
    from services.definitions import SERVICES

    for service in SERVICES.values():
        if service.kind != "settings":
            continue
        attnames = {f.attname for f in service.model._meta.concrete_fields}
        m2m = {f.name for f in service.model._meta.many_to_many}
        for field in service.fields:
            if field.kind == "union":
                assert field.name in m2m
            for column in field.columns:
                assert column in attnames, (service.slug, column)


@pytest.mark.parametrize(
    "slug,name,value",
    [
        ("call-queues", "welcome_prompt", NONE),
        ("call-queues", "welcome_prompt", 3),
        ("call-queues", "callback_conversion", ORGANISATION),
        ("call-queues", "callback_conversion", 4),
        ("voicemail", "default_greeting", "number"),
        ("voicemail", "default_greeting", 5),
        ("advanced", "mobile_numbers_visible", False),
    ],
)
def test_composite_columns_round_trip(slug, name, value):
    field = get_service(slug).field(name)
    row = {column: None for column in field.columns}
    row.update(field.write(value))
    assert field.read(row) == value
    cleared = {column: None for column in field.columns}
    cleared.update(field.write(None))
    assert field.read(cleared) is None


def test_group_deletion_drops_its_settings(org_a, groups_a, member_a, admin_a):
    from customers.operations import usergroup_delete

    save(Scope(org_a, group=groups_a["Salg"]), "call-queues", queue_size=8)
    usergroup_delete(group=groups_a["Salg"], by=admin_a)
    assert resolve_user("call-queues", member_a)["queue_size"].source is DEFAULT_SOURCE


def test_new_group_member_resolves(org_a):
    group = UserGroupFactory(organisation=org_a, name="Solo")
    user = UserFactory(organisation=org_a, groups=[group])
    save(Scope(org_a, group=group), "advanced", anonymous_calls_allowed=True)
    assert resolve_user("advanced", user)["anonymous_calls_allowed"].value is True
