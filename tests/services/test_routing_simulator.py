"""The routing simulator (SVC-11/SVC-13) and effective rule lists read from the database."""

import pytest
from django.urls import reverse

from customers.models import ClassificationPrefix, NumberClassification
from functionnumbers.models import Kind
from services import routing
from services.models import RoutingAction, RoutingCondition, RoutingRule, RoutingRuleSet
from services.queries_routing import effective_rule_lists
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db


def add_rule(rule_set, rule_list, tier, conditions=(), actions=(), trigger=None):
    trigger = trigger or ("made" if rule_list == "outgoing" else "received")
    position = RoutingRule.objects.filter(rule_set=rule_set, rule_list=rule_list, tier=tier).count()
    rule = RoutingRule.objects.create(
        rule_set=rule_set, rule_list=rule_list, tier=tier, trigger=trigger, position=position
    )
    for i, c in enumerate(conditions):
        RoutingCondition.objects.create(rule=rule, position=i, **c)
    for i, a in enumerate(actions):
        RoutingAction.objects.create(rule=rule, position=i, **a)
    return rule


@pytest.fixture
def setup(org_a):
    group = UserGroupFactory(organisation=org_a, name="UsersGroup")
    user = UserFactory(organisation=org_a, username="anna@a.example", groups=[group])
    org_set = RoutingRuleSet.objects.create(organisation=org_a, position=1)
    group_set = RoutingRuleSet.objects.create(organisation=org_a, group=group, position=2)
    own = RoutingRuleSet.objects.create(organisation=org_a, user=user)
    add_rule(
        org_set,
        "incoming",
        "required",
        [{"kind": "busy"}],
        [{"kind": "route", "destination": "voicemail"}],
    )
    add_rule(
        own,
        "incoming",
        "own",
        [],
        [
            {"kind": "route", "destination": "desk_phone"},
            {"kind": "route", "destination": "voicemail", "delay": 10},
        ],
    )
    abroad = NumberClassification.objects.create(organisation=org_a, name="Udland")
    ClassificationPrefix.objects.create(classification=abroad, prefix="+")
    denmark = NumberClassification.objects.create(organisation=org_a, name="Danmark")
    ClassificationPrefix.objects.create(classification=denmark, prefix="+45")
    add_rule(
        group_set,
        "outgoing",
        "overridable",
        [{"kind": "number_type", "classification": abroad}],
        [{"kind": "block"}],
    )
    return {"user": user, "group": group, "own": own}


def simulate(client, user, **params):
    query = {"direction": "incoming", "availability": "available", **params}
    return client.get(reverse("services:routing_rules_user", args=[user.pk]), query)


def test_a_required_rule_fires_before_the_users_own(client_a, setup):
    response = simulate(client_a, setup["user"], on_call="on")
    steps = response.context["steps"]
    assert [s["step"].fired for s in steps] == [True, False]
    assert steps[1]["why"] == "Not tried: a rule above fired."
    assert response.context["destinations"] == [("voicemail", "without delay")]


def test_the_simulator_says_why_the_rules_above_did_not_fire(client_a, setup):
    response = simulate(client_a, setup["user"])
    page = response.content.decode()
    steps = response.context["steps"]
    assert [s["step"].fired for s in steps] == [False, True]
    assert steps[0]["why"] == "Does not apply: on a call is true does not hold."
    assert response.context["destinations"] == [
        ("desk phone", "without delay"),
        ("voicemail", "after 10 seconds"),
    ]
    assert "Organisation" in page and "anna@a.example" in page


def test_outgoing_calls_use_the_number_types(client_a, setup):
    abroad = simulate(client_a, setup["user"], direction="outgoing", number="+4412345678")
    assert abroad.context["fired_sentence"] == (
        "When a call is made and number type is Udland is true then the call will be blocked"
    )
    home = simulate(client_a, setup["user"], direction="outgoing", number="88887777")
    assert home.context["fired"] is None
    assert "No rule applies" in home.content.decode()


def test_working_hours_decide_a_condition(client_a, org_a, setup):
    add_rule(
        setup["own"],
        "incoming",
        "own",
        [{"kind": "working_hours", "expected": False}],
        [{"kind": "route", "destination": "switchboard"}],
    )
    RoutingRule.objects.filter(rule_set=setup["own"], position=0).update(
        position=5
    )  # the new rule first
    saturday = simulate(client_a, setup["user"], at="2026-12-05T10:00")
    assert saturday.context["destinations"] == [("switchboard number", "without delay")]
    monday = simulate(client_a, setup["user"], at="2026-12-07T10:00")
    assert monday.context["destinations"][0] == ("desk phone", "without delay")


def test_rule_based_numbers_have_their_own_rules_and_simulator(client_a, org_a):
    number = make_function_number(org_a, kind=Kind.RULE_BASED, name="changelanguage")
    rule_set = RoutingRuleSet.objects.create(organisation=org_a, rule_based_number_id=number.pk)
    add_rule(
        rule_set,
        "incoming",
        "own",
        [{"kind": "caller", "value": "external"}],
        [{"kind": "route", "destination": "voicemail"}],
    )
    url = reverse("services:routing_rules_number", args=[number.pk])
    page = client_a.get(url).content.decode()
    assert "Outgoing rules" not in page and "Fallback rules" in page
    response = client_a.get(url, {"direction": "incoming", "availability": "available"})
    assert response.context["destinations"] == [("voicemail", "without delay")]


def test_effective_rule_lists_take_constant_queries(org_a, setup, django_assert_max_num_queries):
    others = [UserFactory(organisation=org_a, groups=[setup["group"]]) for _ in range(5)]
    with django_assert_max_num_queries(6):
        lists = effective_rule_lists(org_a, [setup["user"], *others], routing.OUTGOING)
    assert all(len(rules) == 1 and rules[0].actions[0].kind == "block" for rules in lists.values())
    incoming = effective_rule_lists(org_a, [setup["user"], *others], routing.INCOMING)
    assert [r.tier for r in incoming[setup["user"].pk]] == ["required", "own"]
    assert [r.tier for r in incoming[others[0].pk]] == ["required"]


def test_bulk_lists_equal_the_pure_effective_order(org_a, setup):
    """effective_rule_lists (bulk, in pieces) gives what routing.effective_rule_list gives."""
    from services.queries_routing import load_rule_sets

    second = UserGroupFactory(organisation=org_a, name="Salg")
    setup["user"].memberships.create(group=second)
    second_set = RoutingRuleSet.objects.create(organisation=org_a, group=second, position=3)
    add_rule(
        second_set,
        "incoming",
        "required",
        [{"kind": "working_hours"}],
        [{"kind": "route", "destination": "mobile"}],
    )
    add_rule(
        second_set, "fallback", "overridable", [], [{"kind": "route", "destination": "voicemail"}]
    )
    add_rule(setup["own"], "fallback", "own", [], [{"kind": "busy"}])
    sets = list(RoutingRuleSet.objects.filter(organisation=org_a).order_by("position"))
    data = load_rule_sets(sets)
    tiered = [data[s.pk] for s in sets if s.user_id is None]
    for direction in (routing.INCOMING, routing.OUTGOING):
        expected = routing.effective_rule_list(tiered, data[setup["own"].pk], direction)
        assert effective_rule_lists(org_a, [setup["user"]], direction)[setup["user"].pk] == expected
        many = effective_rule_lists(
            org_a, [setup["user"].pk] + list(range(10**6, 10**6 + 600)), direction
        )
        assert many[setup["user"].pk] == expected
