"""The call-routing engine (SVC-11): effective order and first match wins, as properties."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from customers.numbertypes import classification_table
from services import routing as r
from services.working_hours import working_hours_clean

ACTIVITIES = (1, 2)
ROLES = (10, 11)
TYPES = (100, 101)

conditions = st.one_of(
    st.builds(r.Condition, kind=st.sampled_from([r.BUSY, r.WORKING_HOURS]), expected=st.booleans()),
    st.builds(
        r.Condition,
        kind=st.just(r.ACTIVITY),
        expected=st.booleans(),
        ref=st.sampled_from(ACTIVITIES),
    ),
    st.builds(
        r.Condition, kind=st.just(r.ROLE), expected=st.booleans(), ref=st.sampled_from(ROLES)
    ),
    st.builds(
        r.Condition, kind=st.just(r.NUMBER_TYPE), expected=st.booleans(), ref=st.sampled_from(TYPES)
    ),
    st.builds(
        r.Condition,
        kind=st.just(r.AVAILABILITY),
        expected=st.booleans(),
        value=st.sampled_from(["available", "busy"]),
    ),
    st.builds(
        r.Condition,
        kind=st.just(r.CALLER),
        expected=st.booleans(),
        value=st.sampled_from(["internal", "external"]),
    ),
    st.builds(
        r.Condition,
        kind=st.just(r.NUMBER_PREFIX),
        expected=st.booleans(),
        value=st.sampled_from(["+45", "+4588", "2"]),
    ),
    st.builds(
        r.Condition,
        kind=st.just(r.CALLER_PREFIX),
        expected=st.booleans(),
        value=st.sampled_from(["+45", "+46", "2"]),
    ),
)

calls = st.builds(
    r.Call,
    direction=st.sampled_from([r.INCOMING, r.OUTGOING]),
    on_call=st.booleans(),
    within_working_hours=st.booleans(),
    activity=st.sampled_from((None, *ACTIVITIES)),
    role=st.sampled_from((None, *ROLES)),
    availability=st.sampled_from(["available", "busy"]),
    caller_internal=st.booleans(),
    caller_number=st.sampled_from(["", "+4588887777", "+4612345678", "201"]),
    number=st.sampled_from(["", "+4588887777", "+4512345678", "+4412345678", "201"]),
    number_type=st.sampled_from((None, *TYPES)),
)

_ids = iter(range(10**9))


@st.composite
def rules(draw, rule_list, tier, source):
    trigger = (
        draw(st.sampled_from(["received", "made"]))
        if rule_list == r.FALLBACK
        else r.TRIGGER_OF[rule_list]
    )
    return r.Rule(
        id=next(_ids),
        trigger=trigger,
        conditions=tuple(draw(st.lists(conditions, max_size=3))),
        actions=(r.Action(r.ROUTE, "voicemail"),),
        tier=tier,
        rule_list=rule_list,
        source=source,
    )


@st.composite
def rule_sets(draw, source, tiers):
    found = {}
    for rule_list in (r.INCOMING, r.OUTGOING, r.FALLBACK):
        for tier in tiers:
            found[(rule_list, tier)] = tuple(
                draw(st.lists(rules(rule_list, tier, source), max_size=3))
            )
    return r.RuleSet(source, found)


tiered_sets = st.lists(
    st.integers(0, 10**6).flatmap(lambda n: rule_sets(f"group{n}", (r.REQUIRED, r.OVERRIDABLE))),
    max_size=3,
)
own_sets = st.one_of(st.none(), rule_sets("user", (r.OWN,)))


def _holds(condition, call):
    """Reference semantics of one condition, written out independently of the engine."""
    facts = {
        r.BUSY: call.on_call,
        r.WORKING_HOURS: call.within_working_hours,
        r.ACTIVITY: condition.ref is not None and condition.ref == call.activity,
        r.ROLE: condition.ref is not None and condition.ref == call.role,
        r.NUMBER_TYPE: condition.ref is not None and condition.ref == call.number_type,
        r.AVAILABILITY: condition.value == call.availability,
        r.CALLER: condition.value == ("internal" if call.caller_internal else "external"),
        r.NUMBER_PREFIX: call.number[: len(condition.value)] == condition.value,
        r.CALLER_PREFIX: call.caller_number[: len(condition.value)] == condition.value,
    }
    return facts[condition.kind] is condition.expected


def _brute_force(tiered, own, call):
    """Every (list, tier, set) combination ranked by the documented order; the lowest matching rank."""
    rank_of_tier = {r.REQUIRED: 0, r.OWN: 1, r.OVERRIDABLE: 2}
    trigger = r.TRIGGER_OF[call.direction]
    candidates = []
    owners = [(i, s) for i, s in enumerate(tiered)] + ([(-1, own)] if own is not None else [])
    for set_rank, rule_set in owners:
        for (rule_list, tier), listed in rule_set.rules.items():
            if rule_list not in (call.direction, r.FALLBACK):
                continue
            for position, rule in enumerate(listed):
                if rule.trigger == trigger and all(_holds(c, call) for c in rule.conditions):
                    key = (rule_list == r.FALLBACK, rank_of_tier[tier], set_rank, position)
                    candidates.append((key, rule))
    return min(candidates, key=lambda pair: pair[0])[1] if candidates else None


@settings(max_examples=300, deadline=None)
@given(tiered_sets, own_sets, calls)
def test_evaluation_equals_brute_force(tiered, own, call):
    evaluation = r.routing_evaluate(r.effective_rule_list(tiered, own, call.direction), call)
    assert evaluation.fired == _brute_force(tiered, own, call)


@settings(max_examples=300, deadline=None)
@given(tiered_sets, own_sets, calls)
def test_first_match_wins_and_every_rule_above_says_why_not(tiered, own, call):
    rule_list = r.effective_rule_list(tiered, own, call.direction)
    evaluation = r.routing_evaluate(rule_list, call)
    assert [s.rule for s in evaluation.steps] == list(rule_list)
    fired_at = [i for i, s in enumerate(evaluation.steps) if s.fired]
    assert len(fired_at) <= 1
    above = evaluation.steps[: fired_at[0]] if fired_at else evaluation.steps
    for step in above:
        assert step.failed and all(not result.holds for result in step.failed)
    for step in evaluation.steps[fired_at[0] + 1 :] if fired_at else ():
        assert not step.tried


@settings(max_examples=300, deadline=None)
@given(tiered_sets, own_sets, calls)
def test_a_required_rule_always_beats_a_users_rule(tiered, own, call):
    fired = r.routing_evaluate(r.effective_rule_list(tiered, own, call.direction), call).fired
    trigger = r.TRIGGER_OF[call.direction]
    required_matches = any(
        rule.trigger == trigger and all(_holds(c, call) for c in rule.conditions)
        for rule_set in tiered
        for rule in rule_set.get(call.direction, r.REQUIRED)
    )
    if required_matches:
        assert fired.tier == r.REQUIRED and fired.rule_list == call.direction
    if fired is not None and fired.tier == r.OVERRIDABLE and own is not None:
        # an overridable rule fires only if none of the user's own rules of that list matches
        assert not any(
            rule.trigger == trigger and all(_holds(c, call) for c in rule.conditions)
            for rule in own.get(fired.rule_list, r.OWN)
        )


def test_no_rule_matches_means_no_action():
    busy_only = r.Rule(1, "received", (r.Condition(r.BUSY),), (r.Action(r.ROUTE, "voicemail"),))
    evaluation = r.routing_evaluate((busy_only,), r.Call(on_call=False))
    assert evaluation.fired is None and evaluation.actions == ()
    assert evaluation.steps[0].failed[0].condition.kind == r.BUSY


def test_destinations_ring_in_order_of_delay():
    rule = r.Rule(
        1,
        "received",
        (),
        (r.Action(r.ROUTE, "voicemail", delay=10), r.Action(r.ROUTE, "desk_phone", delay=0)),
    )
    evaluation = r.routing_evaluate((rule,), r.Call())
    assert [a.destination for a in evaluation.destinations] == ["desk_phone", "voicemail"]


def test_call_facts_use_working_hours_and_number_types():
    hours = working_hours_clean(week=[("07:00", "18:00")] * 5 + [("", ""), ("", "")])
    table = classification_table([("+44", 100), ("+4412", 101)])
    friday_evening = dt.datetime(2026, 12, 4, 19, 30, tzinfo=dt.UTC)  # 20:30 in Copenhagen
    call = r.routing_call(
        direction=r.OUTGOING,
        at=friday_evening,
        working_hours=hours,
        classification_table=table,
        number="0044 12 345678",
    )
    assert call.within_working_hours is False
    assert call.number == "+4412345678" and call.number_type == 101
    monday_morning = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    assert r.routing_call(
        direction=r.INCOMING, at=monday_morning, working_hours=hours
    ).within_working_hours
    assert (
        r.routing_call(
            direction=r.INCOMING, at=monday_morning, working_hours=None
        ).within_working_hours
        is False
    )
