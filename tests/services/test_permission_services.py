"""Permission services (SET-4): "may user A do X to user T?" from T's effective group sets."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import GroupMembership, Organisation, User, UserGroup
from services import operations
from services.definitions import PERMISSIONS
from services.models import CallIntrusionSettings
from services.queries import may_act_on, permitted_targets
from services.resolver import LARGE, resolve_many, users_with_any
from services.scopes import Scope
from tests.factories import UserFactory


def grant(scope, service, **fields):
    operations.service_settings_save(service=service, scope=scope, data={k: [g.pk for g in v] for k, v in fields.items()}, by=None)


@pytest.fixture
def people(org_a, groups_a):
    """An administrator (Administration), a seller (Salg), a supporter (Support)."""
    return {
        "boss": UserFactory(organisation=org_a, username="boss@a.example", groups=[groups_a["Administration"]]),
        "seller": UserFactory(organisation=org_a, username="seller@a.example", groups=[groups_a["Salg"]]),
        "supporter": UserFactory(organisation=org_a, username="supporter@a.example", groups=[groups_a["Support"]]),
    }


def test_every_permission_service_declares_its_permissions():
    assert set(PERMISSIONS) == {
        "pick_up",
        "retrieve_parked",
        "see_future_presence",
        "edit_future_presence",
        "intrude",
        "see_status",
        "search_directory",
        "bypass_diversion",
        "extend_working_hours",
    }


def test_a_group_set_on_the_targets_group_lets_its_members_act_on_the_groups_members(org_a, groups_a, people):
    # On the scope "Salg": members of Support may intrude on the users in Salg.
    grant(Scope(org_a, group=groups_a["Salg"]), "call-intrusion", intrusion_groups=[groups_a["Support"]])
    supporter, seller, boss = people["supporter"], people["seller"], people["boss"]
    assert may_act_on(supporter, "intrude", seller)
    assert not may_act_on(supporter, "intrude", boss)
    assert not may_act_on(seller, "intrude", supporter)  # the direction matters
    assert not may_act_on(boss, "intrude", seller)
    # Another service's groups grant nothing here.
    assert not may_act_on(supporter, "see_status", seller)


def test_organisation_and_user_levels_add_up(org_a, groups_a, people):
    boss, seller, supporter = people["boss"], people["seller"], people["supporter"]
    grant(Scope(org_a), "call-monitoring", status_groups=[groups_a["Administration"]])
    assert permitted_targets(boss, "see_status", User.objects.filter(organisation=org_a)) == set(
        User.objects.filter(organisation=org_a).values_list("pk", flat=True)
    )
    assert not may_act_on(seller, "see_status", supporter)
    grant(Scope(org_a, user=supporter), "call-monitoring", status_groups=[groups_a["Salg"]])
    assert may_act_on(seller, "see_status", supporter)
    assert not may_act_on(seller, "see_status", boss)
    # An empty list on the user does not take away what the organisation grants (union, SET-2).
    grant(Scope(org_a, user=supporter), "call-monitoring", status_groups=[])
    assert may_act_on(boss, "see_status", supporter)


def test_pickup_and_parked_calls_are_separate_rights(org_a, groups_a, people):
    grant(Scope(org_a, group=groups_a["Salg"]), "call-pickup", parked_groups=[groups_a["Support"]])
    assert may_act_on(people["supporter"], "retrieve_parked", people["seller"])
    assert not may_act_on(people["supporter"], "pick_up", people["seller"])


def test_editing_future_presence_includes_seeing_it(org_a, groups_a, people):
    grant(Scope(org_a, group=groups_a["Salg"]), "future-presence", edit_groups=[groups_a["Support"]])
    assert may_act_on(people["supporter"], "edit_future_presence", people["seller"])
    assert may_act_on(people["supporter"], "see_future_presence", people["seller"])
    grant(Scope(org_a, group=groups_a["Salg"]), "future-presence", edit_groups=[], view_groups=[groups_a["Administration"]])
    assert may_act_on(people["boss"], "see_future_presence", people["seller"])
    assert not may_act_on(people["boss"], "edit_future_presence", people["seller"])


@pytest.mark.parametrize(
    ("service", "field", "permission"),
    [
        ("call-intrusion", "intrusion_groups", "intrude"),
        ("directory-search", "search_groups", "search_directory"),
        ("diversion-bypass", "bypass_groups", "bypass_diversion"),
        ("extend-working-hours", "extend_groups", "extend_working_hours"),
    ],
)
def test_each_service_grants_its_permission(org_a, groups_a, people, service, field, permission):
    assert not may_act_on(people["supporter"], permission, people["seller"])
    grant(Scope(org_a, group=groups_a["Salg"]), service, **{field: [groups_a["Support"]]})
    assert may_act_on(people["supporter"], permission, people["seller"])


def test_other_organisations_and_unknown_permissions(org_a, org_b, groups_a, people, user_b, group_b):
    grant(Scope(org_a), "call-intrusion", intrusion_groups=[groups_a["Support"]])
    assert not may_act_on(people["supporter"], "intrude", user_b)
    assert not may_act_on(user_b, "intrude", people["seller"])
    assert permitted_targets(people["supporter"], "intrude", User.objects.all()) == set(
        User.objects.filter(organisation=org_a).values_list("pk", flat=True)
    )
    with pytest.raises(LookupError):
        may_act_on(people["supporter"], "fly", people["seller"])
    nobody = UserFactory(organisation=org_a)
    assert not may_act_on(nobody, "intrude", people["seller"])


def _many_users(org, groups, count):
    users = User.objects.bulk_create([User(organisation=org, username=f"many{i:04d}@a.example", password="!") for i in range(count)])
    GroupMembership.objects.bulk_create([GroupMembership(user=u, group=groups[i % len(groups)]) for i, u in enumerate(users)])
    return users


def test_constant_queries_for_one_and_for_many_targets(org_a, groups_a, people, django_assert_max_num_queries):
    groups = list(groups_a.values())
    users = _many_users(org_a, groups, LARGE + 100)  # above LARGE: the whole-organisation path too
    grant(Scope(org_a, group=groups_a["Salg"]), "call-intrusion", intrusion_groups=[groups_a["Support"]])
    grant(Scope(org_a, user=users[0]), "call-intrusion", intrusion_groups=[groups_a["Support"]])
    supporter = User.objects.select_related("organisation").get(pk=people["supporter"].pk)
    everyone = User.objects.filter(organisation=org_a)
    with django_assert_max_num_queries(5) as one:
        assert may_act_on(supporter, "intrude", people["seller"])
    with django_assert_max_num_queries(5) as few:
        permitted_targets(supporter, "intrude", users[:50])
    with django_assert_max_num_queries(5) as many:
        permitted = permitted_targets(supporter, "intrude", everyone)
    assert len(one.captured_queries) <= len(many.captured_queries) <= len(one.captured_queries) + 1  # + fetching the targets
    assert len(few.captured_queries) == len(one.captured_queries)
    salg = set(GroupMembership.objects.filter(group=groups_a["Salg"]).values_list("user_id", flat=True))
    assert permitted == salg | {users[0].pk}


# --- the same answer as the effective group sets of the resolver --------------------------------

states = st.fixed_dictionaries(
    {
        "org": st.frozensets(st.integers(0, 3), max_size=2),
        "groups": st.lists(st.none() | st.frozensets(st.integers(0, 3), max_size=2), min_size=4, max_size=4),
        "targets": st.lists(
            st.fixed_dictionaries({"groups": st.frozensets(st.integers(0, 3)), "own": st.none() | st.frozensets(st.integers(0, 3), max_size=2)}),
            min_size=1,
            max_size=5,
        ),
        "actor": st.frozensets(st.integers(0, 3)),
    }
)


class Rollback(Exception):
    pass


@given(states)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_answer_equals_the_resolvers_effective_group_sets(db, state):
    try:
        with transaction.atomic():
            org = Organisation.objects.create(name="hyp-perm")
            groups = [UserGroup.objects.create(organisation=org, name=f"G{i}", priority=i + 1) for i in range(4)]
            if state["org"]:
                CallIntrusionSettings.objects.create(organisation=org).intrusion_groups.set([groups[i] for i in state["org"]])
            for group, chosen in zip(groups, state["groups"], strict=True):
                if chosen is not None:
                    CallIntrusionSettings.objects.create(organisation=org, group=group).intrusion_groups.set([groups[i] for i in chosen])
            targets = []
            for n, spec in enumerate(state["targets"]):
                user = User.objects.create(organisation=org, username=f"t{n}@x.example")
                GroupMembership.objects.bulk_create([GroupMembership(user=user, group=groups[i]) for i in spec["groups"]])
                if spec["own"] is not None:
                    CallIntrusionSettings.objects.create(organisation=org, user=user).intrusion_groups.set([groups[i] for i in spec["own"]])
                targets.append(user)
            actor = User.objects.create(organisation=org, username="actor@x.example")
            GroupMembership.objects.bulk_create([GroupMembership(user=actor, group=groups[i]) for i in state["actor"]])
            actor_groups = {groups[i].pk for i in state["actor"]}

            effective = resolve_many("call-intrusion", targets, organisation=org)
            expected = {t.pk for t in targets if actor_groups & set(effective[t.pk]["intrusion_groups"].value)}
            assert permitted_targets(actor, "intrude", targets) == expected
            assert users_with_any("call-intrusion", ["intrusion_groups"], actor_groups, targets, organisation_id=org.pk) == expected
            raise Rollback
    except Rollback:
        pass
