"""SVC-8 engine: conversion_apply and rule_check, with the guide's examples and property tests."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from services import conversions as engine
from services.conversions import (
    ORGANISATION_RANK,
    USER_RANK,
    Rule,
    RuleSet,
    conversion_apply,
    rule_check,
)

GUIDE = [
    Rule("20", 1, (("0", "9"),), "+458877317"),
    Rule("1", 3, (), "+451"),
    Rule("7", 2, (), "+45888877"),
    Rule("15", 2, (), ""),
    Rule("", 8, (("20000000", "99999999"),), "+45"),
    Rule("00", None, (), "+"),
]


def test_guide_examples():
    assert conversion_apply(GUIDE, "205").converted == "+4588773175"
    assert conversion_apply(GUIDE, "1813").converted == "+451813"
    assert conversion_apply(GUIDE, "765").converted == "+4588887765"
    assert conversion_apply(GUIDE, "88887765").converted == "+4588887765"
    assert conversion_apply(GUIDE, "004612345678").converted == "+4612345678"


def test_rule_without_rewrite_matches_but_leaves_the_number():
    result = conversion_apply(GUIDE, "1500")
    assert result.rule.prefix == "15" and result.converted == "1500" and not result.changed


def test_no_match_and_emergency_numbers_pass_unchanged():
    assert conversion_apply(GUIDE, "12345").rule is None
    everything = [Rule("1", None, (), "+99"), Rule("", 3, (("000", "999"),), "+45")]
    for number in ("112", "114"):
        result = conversion_apply(everything, number)
        assert result.converted == number and result.emergency and result.rule is None


def test_most_specific_wins_with_reasons():
    rules = [
        Rule("1", 3, (), "+451", rank=ORGANISATION_RANK, pk=1),
        Rule("18", 2, (), "+4518", rank=ORGANISATION_RANK, pk=2),
        Rule("18", 2, (("00", "20"),), "+45nar", rank=ORGANISATION_RANK, pk=3),
        Rule("18", None, (), "+45any", rank=USER_RANK, pk=4),
    ]
    result = conversion_apply(rules, "1813")
    assert result.rule.pk == 3 and result.converted == "+45nar13"
    assert [(r.pk, why) for r, why in result.losers] == [
        (2, engine.WIDER_INTERVALS),
        (4, engine.ANY_DIGITS),
        (1, engine.SHORTER_PREFIX),
    ]


def test_tie_goes_to_the_higher_scope_then_the_older_rule():
    org = Rule("7", 2, (), "+45org", rank=ORGANISATION_RANK, pk=1)
    group2 = Rule("7", 2, (), "+45g2", rank=2, pk=2)
    group1 = Rule("7", 2, (), "+45g1", rank=1, pk=3)
    user = Rule("7", 2, (), "+45user", rank=USER_RANK, pk=4)
    assert conversion_apply([org, group2, group1], "765").converted == "+45g165"
    result = conversion_apply([org, group2, group1, user], "765")
    assert result.converted == "+45user65"
    assert {why for _r, why in result.losers} == {engine.LOWER_SCOPE}
    older, newer = (
        Rule("7", 2, (("00", "49"),), "+45a", order=1),
        Rule("7", 2, (("10", "59"),), "+45b", order=2),
    )
    result = conversion_apply([newer, older], "720")
    assert result.converted == "+45a20" and result.losers[0][1] == engine.LATER_RULE


def test_applied_once_not_recursively():
    rules = [Rule("1", 3, (), "2"), Rule("2", 3, (), "3")]
    assert conversion_apply(rules, "1000").converted == "2000"


def test_rule_check_codes():
    assert rule_check("20", 1, [["0", "9"]], "+458877317") == {}
    assert rule_check("2a", 1, [], "")["prefix"] == [engine.PREFIX_CHARACTERS]
    assert rule_check("2", 16, [], "")["digits"] == [engine.DIGITS_RANGE]
    assert rule_check("2", None, [["0", "9"]], "")["intervals"] == [
        (engine.INTERVALS_WITH_ANY, None)
    ]
    assert rule_check("2", 2, [["7", "15"]], "")["intervals"] == [(engine.INTERVAL_LENGTH, 0)]
    assert rule_check("2", 2, [["15", "07"]], "")["intervals"] == [(engine.INTERVAL_REVERSED, 0)]
    assert rule_check("2", 2, [["07", "15"], ["15", "29"]], "")["intervals"] == [
        (engine.INTERVAL_OVERLAP, 1)
    ]
    assert rule_check("2", 2, [], "+45x")["rewrite"] == [engine.REWRITE_CHARACTERS]
    assert rule_check("", 2, [], "+45")["prefix"] == [engine.EMPTY_PREFIX]
    for prefix, digits, intervals in [
        ("11", 1, []),
        ("1", None, []),
        ("", 3, [["100", "120"]]),
        ("114", 0, []),
        ("", None, []),
    ]:
        problems = rule_check(prefix, digits, intervals, "+45")
        assert engine.EMERGENCY_MATCH in problems.get(
            "prefix", []
        ) or engine.EMPTY_PREFIX in problems.get("prefix", [])
    assert rule_check("", 3, [["100", "111"], ["113", "113"], ["115", "199"]], "") == {}


# --- properties ----------------------------------------------------------------------------

digit_text = st.text(alphabet="0123456789", min_size=0, max_size=4)


@st.composite
def rules_st(draw):
    prefix = draw(st.sampled_from(["", "1", "2", "20", "00", "+", "45", "7"]))
    digits = draw(st.one_of(st.none(), st.integers(0, 4)))
    intervals = ()
    if digits and draw(st.booleans()):
        lo = draw(st.integers(0, 10**digits - 1))
        hi = draw(st.integers(lo, 10**digits - 1))
        intervals = ((str(lo).zfill(digits), str(hi).zfill(digits)),)
    if prefix == "" and not intervals:
        prefix = "9"
    rewrite = draw(st.sampled_from(["", "+45", "+", "0"]))
    rank = draw(st.sampled_from([USER_RANK, 1, 2, ORGANISATION_RANK]))
    return Rule(prefix, digits, intervals, rewrite, rank=rank, order=draw(st.integers(0, 1000)))


numbers_st = st.builds(
    lambda p, d: p + d, st.sampled_from(["", "1", "2", "20", "00", "+", "45", "7", "9"]), digit_text
)


@settings(max_examples=300, deadline=None)
@given(st.lists(rules_st(), max_size=8), numbers_st, st.sampled_from([0, 32]))
def test_winner_is_a_matching_rule_no_other_match_is_more_specific(rules, number, linear_max):
    # linear_max=0: the prefix index large sets use; 32: the scan of small sets.
    result = conversion_apply(RuleSet(rules, linear_max=linear_max), number)
    matching = [r for r in rules if r.matches(number)]
    if number in engine.EMERGENCY:
        assert result.converted == number and result.rule is None
        return
    if not matching:
        assert result.rule is None and result.converted == number and result.losers == ()
        return
    assert result.rule.matches(number)
    assert all(result.rule.key <= r.key for r in matching)
    # Every other matching rule is listed once as a loser, with a reason.
    assert sorted(map(id, (r for r, _why in result.losers))) == sorted(
        id(r) for r in matching if r is not result.rule
    )
    assert all(
        why
        in {
            engine.SHORTER_PREFIX,
            engine.ANY_DIGITS,
            engine.WIDER_INTERVALS,
            engine.LOWER_SCOPE,
            engine.LATER_RULE,
        }
        for _r, why in result.losers
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(rules_st(), max_size=8), numbers_st)
def test_conversion_replaces_only_the_prefix_and_does_not_depend_on_rule_order(rules, number):
    rules = [replace(r, order=i) for i, r in enumerate(rules)]  # stored rules differ at least in pk
    result = conversion_apply(rules, number)
    if result.rule is not None:
        rest = number[len(result.rule.prefix) :]
        assert result.converted == (result.rule.rewrite + rest if result.rule.rewrite else number)
    shuffled = conversion_apply(RuleSet(list(reversed(rules)), linear_max=0), number)
    assert shuffled.converted == result.converted and shuffled.rule == result.rule


@settings(max_examples=300, deadline=None)
@given(rules_st())
def test_valid_rules_never_match_112_or_114(rule):
    problems = rule_check(rule.prefix, rule.digits, [list(i) for i in rule.intervals], rule.rewrite)
    if not problems:
        assert not any(rule.matches(n) for n in engine.EMERGENCY)
    elif any(rule.matches(n) for n in engine.EMERGENCY):
        assert engine.EMERGENCY_MATCH in problems.get("prefix", [])


@settings(max_examples=200, deadline=None)
@given(st.lists(rules_st(), max_size=6), numbers_st)
def test_a_user_rule_equal_in_specificity_beats_the_organisation(rules, number):
    result = conversion_apply(rules, number)
    if result.rule is None:
        return
    for loser, why in result.losers:
        if loser.specificity == result.rule.specificity:
            assert loser.rank >= result.rule.rank
            assert why in {engine.LOWER_SCOPE, engine.LATER_RULE}
