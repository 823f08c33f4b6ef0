"""SVC-19 matching engine (services.presence_sync): examples from the spec and properties."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from services.presence_sync import (
    EXCHANGE_AVAILABILITY,
    Appointment,
    Exclusion,
    Mapping,
    Policy,
    RuleType,
    State,
    clean_match,
    presence_policy_apply,
    rule_matches,
)

TEST = State(3, "Test")
BUSY = State(2, "Forstyr ikke")
PRIVATE_ROLE = State(20, "Privat")
# DEMO-6: Out Of Office -> Test, Busy -> Busy (= Forstyr ikke), both "Do Not Change"; exclude private.
DEMO = Policy(
    exclusions=(Exclusion(RuleType.PRIVATE, "true"),),
    mappings=(
        Mapping(RuleType.AVAILABILITY, "Out Of Office", TEST),
        Mapping(RuleType.AVAILABILITY, "Busy", BUSY),
    ),
)


def test_demo_policy_maps_out_of_office_to_test_without_changing_the_role():
    outcome = presence_policy_apply(
        DEMO, Appointment(availability="out of office", subject="Ferie")
    )
    assert (outcome.mapping, outcome.activity, outcome.role, outcome.excluded) == (
        0,
        TEST,
        None,
        False,
    )
    assert (
        "Mapping 1" in outcome.reasons[0]
        and "Test" in outcome.reasons[0]
        and "Do Not Change" in outcome.reasons[0]
    )


def test_a_private_appointment_is_excluded_before_any_mapping():
    outcome = presence_policy_apply(DEMO, Appointment(availability="Busy", private=True))
    assert outcome.excluded and outcome.exclusion == 0
    assert (outcome.mapping, outcome.activity, outcome.role, outcome.changed) == (
        None,
        None,
        None,
        False,
    )
    assert "Exclusion 1" in outcome.reasons[0]


def test_nothing_matches_means_no_change():
    outcome = presence_policy_apply(DEMO, Appointment(availability="Free", subject="Frokost"))
    assert not outcome.changed and not outcome.excluded and outcome.mapping is None
    assert outcome.reasons == ("No exclusion or mapping matches: no change.",)


def test_first_matching_mapping_wins():
    policy = Policy(
        mappings=(
            Mapping(RuleType.SUBJECT, "møde", BUSY),
            Mapping(RuleType.LOCATION, "Nærum", TEST, PRIVATE_ROLE),
            Mapping(RuleType.SUBJECT, "MØDE med kunde", TEST),
        )
    )
    outcome = presence_policy_apply(policy, Appointment(subject="Møde med kunde", location="Nærum"))
    assert (outcome.mapping, outcome.activity) == (0, BUSY)
    outcome = presence_policy_apply(
        policy, Appointment(subject="Frokost", location="kontoret i nærum")
    )
    assert (outcome.mapping, outcome.activity, outcome.role) == (1, TEST, PRIVATE_ROLE)


@pytest.mark.parametrize(
    ("rule_type", "match", "appointment", "expected"),
    [
        (RuleType.AVAILABILITY, "Busy", Appointment(availability="BUSY"), True),
        (
            RuleType.AVAILABILITY,
            "Busy",
            Appointment(availability="Busy elsewhere"),
            False,
        ),  # equality, not substring
        (RuleType.SUBJECT, "ferie", Appointment(subject="Sommerferie"), True),
        (RuleType.SUBJECT, "ferie", Appointment(location="ferie"), False),
        (RuleType.LOCATION, "Skodsborgvej", Appointment(location="skodsborgvej 305D"), True),
        (RuleType.PRIVATE, "ja", Appointment(private=True), True),
        (RuleType.PRIVATE, "NEJ", Appointment(private=False), True),
        (RuleType.PRIVATE, "false", Appointment(private=True), False),
        (RuleType.PRIVATE, "maybe", Appointment(private=True), False),
        (RuleType.SUBJECT, "  ", Appointment(subject="anything"), False),
    ],
)
def test_rule_matching(rule_type, match, appointment, expected):
    assert rule_matches(rule_type, match, appointment) is expected


@pytest.mark.parametrize(
    ("rule_type", "match", "stored"),
    [
        (RuleType.AVAILABILITY, "out of office", "Out Of Office"),
        (RuleType.AVAILABILITY, " working elsewhere ", "Working Elsewhere"),
        (RuleType.PRIVATE, "Ja", "Ja"),
        (RuleType.SUBJECT, " Ferie ", "Ferie"),
    ],
)
def test_clean_match_accepts(rule_type, match, stored):
    assert clean_match(rule_type, match) == stored


@pytest.mark.parametrize(
    ("rule_type", "match", "message"),
    [
        (RuleType.AVAILABILITY, "Away", "An availability is one of"),
        (RuleType.PRIVATE, "maybe", "true or false"),
        (RuleType.SUBJECT, "", "Enter the text to match"),
        (RuleType.LOCATION, "x" * 129, "at most 128"),
        ("colour", "red", "valid choice"),
    ],
)
def test_clean_match_refuses(rule_type, match, message):
    with pytest.raises(ValidationError, match=message):
        clean_match(rule_type, match)


# --- properties ---------------------------------------------------------------------------------

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
rule_types = st.sampled_from(list(RuleType.values))
matches = st.one_of(
    texts,
    st.sampled_from(EXCHANGE_AVAILABILITY),
    st.sampled_from(["true", "false", "ja", "nej", "JA"]),
)
states = st.none() | st.builds(State, st.integers(1, 5), st.sampled_from(["A", "B", "C"]))
exclusions = st.lists(st.builds(Exclusion, rule_types, matches), max_size=4).map(tuple)
mappings = st.lists(st.builds(Mapping, rule_types, matches, states, states), max_size=6).map(tuple)
policies = st.builds(Policy, exclusions, mappings)
appointments = st.builds(
    Appointment,
    availability=st.one_of(st.sampled_from(EXCHANGE_AVAILABILITY), texts),
    subject=texts,
    location=texts,
    private=st.booleans(),
)


def reference(policy, appointment):
    """The rules written out plainly, as the spec states them."""
    for index, exclusion in enumerate(policy.exclusions):
        if rule_matches(exclusion.type, exclusion.match, appointment):
            return ("excluded", index, None, None)
    for index, mapping in enumerate(policy.mappings):
        if rule_matches(mapping.type, mapping.match, appointment):
            return ("mapped", index, mapping.activity, mapping.role)
    return ("nothing", None, None, None)


@given(policies, appointments)
def test_outcome_follows_exclusions_first_then_first_matching_mapping(policy, appointment):
    outcome = presence_policy_apply(policy, appointment)
    kind, index, activity, role = reference(policy, appointment)
    assert outcome.excluded == (kind == "excluded")
    assert (outcome.exclusion if kind == "excluded" else outcome.mapping) == index
    assert (outcome.activity, outcome.role) == (activity, role)
    assert len(outcome.reasons) == 1 and outcome.reasons[0]


@given(policies, appointments, st.builds(Exclusion, rule_types, matches))
def test_a_matching_exclusion_hides_the_item_whatever_the_mappings(policy, appointment, exclusion):
    if rule_matches(exclusion.type, exclusion.match, appointment):
        outcome = presence_policy_apply(
            Policy(policy.exclusions + (exclusion,), policy.mappings), appointment
        )
        assert outcome.excluded and not outcome.changed


@given(policies, appointments, mappings)
def test_mappings_after_a_match_never_matter(policy, appointment, more):
    first = presence_policy_apply(policy, appointment)
    if first.mapping is not None or first.excluded:
        assert (
            presence_policy_apply(Policy(policy.exclusions, policy.mappings + more), appointment)
            == first
        )


@given(texts, texts, texts, st.sampled_from([RuleType.SUBJECT, RuleType.LOCATION]))
def test_subject_and_location_match_any_case_substring(before, match, after, rule_type):
    if not match.strip():
        return
    value = before + match.swapcase() + after
    appointment = Appointment(**{rule_type.value: value})
    if (
        match.swapcase().casefold() == match.casefold()
    ):  # swapcase keeps the match case-insensitively equal
        assert rule_matches(rule_type, match, appointment)


@given(st.sampled_from(EXCHANGE_AVAILABILITY), st.data())
def test_availability_matches_in_any_case_and_only_itself(value, data):
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in value)
    assert rule_matches(RuleType.AVAILABILITY, value, Appointment(availability=cased))
    for other in EXCHANGE_AVAILABILITY:
        if other != value:
            assert not rule_matches(RuleType.AVAILABILITY, value, Appointment(availability=other))


@given(policies, appointments)
def test_the_engine_is_deterministic_and_leaves_its_input_alone(policy, appointment):
    copy = Policy(tuple(policy.exclusions), tuple(policy.mappings))
    assert presence_policy_apply(policy, appointment) == presence_policy_apply(copy, appointment)
    assert policy == copy
