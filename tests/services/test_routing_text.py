"""Routing rules read as sentences (SVC-11), in Danish and English, generated from the rule."""

import pytest
from django.utils import translation

from services import routing as r
from services.routing_text import delay_text, natural_list, rule_sentence

GUIDE_RULE = r.Rule(
    1,
    "received",
    (r.Condition(r.BUSY),),
    (
        r.Action(r.ROUTE, "desk_phone"),
        r.Action(r.ROUTE, "voicemail", delay=10),
        r.Action(r.ROUTE, "softphone"),
    ),
)


@pytest.fixture
def danish():
    with translation.override("da"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_the_guides_example_in_danish(danish):
    assert rule_sentence(GUIDE_RULE) == (
        "Når et opkald modtages og i samtale er sand derefter vil opkaldet blive dirigeret til "
        "fastnettelefon og softphone uden forsinkelse og voicemail efter 10 sekunder"
    )


def test_the_guides_example_in_english(english):
    assert rule_sentence(GUIDE_RULE) == (
        "When a call is received and on a call is true then the call will be routed to "
        "desk phone and softphone without delay and voicemail after 10 seconds"
    )


def test_lists_read_naturally(danish):
    assert natural_list(["a"]) == "a"
    assert natural_list(["a", "b"]) == "a og b"
    assert natural_list(["a", "b", "c"]) == "a, b og c"
    with translation.override("en"):
        assert natural_list(["a", "b", "c"]) == "a, b and c"


def test_delays_read_naturally(danish):
    assert delay_text(0) == "uden forsinkelse"
    assert delay_text(1) == "efter 1 sekund"
    assert delay_text(300) == "efter 300 sekunder"
    with translation.override("en"):
        assert delay_text(1) == "after 1 second"


def test_several_conditions_and_delay_groups(danish):
    rule = r.Rule(
        2,
        "received",
        (
            r.Condition(r.WORKING_HOURS, expected=False),
            r.Condition(r.ACTIVITY, ref=1, label="Frokost"),
            r.Condition(r.CALLER, value="external"),
        ),
        (
            r.Action(r.ROUTE, "mobile", delay=20),
            r.Action(r.ROUTE, "switchboard"),
            r.Action(r.ROUTE, "other_number", delay=5, number="+4588887777"),
        ),
    )
    assert rule_sentence(rule) == (
        "Når et opkald modtages og inden for arbejdstid er falsk, aktivitet er Frokost er sand og "
        "opkalder er ekstern er sand derefter vil opkaldet blive dirigeret til hovednummer uden forsinkelse, "
        "+4588887777 efter 5 sekunder og mobiltelefon efter 20 sekunder"
    )


def test_outgoing_block_and_presentation(danish):
    block = r.Rule(
        3, "made", (r.Condition(r.NUMBER_TYPE, ref=7, label="Udland"),), (r.Action(r.BLOCK),)
    )
    assert (
        rule_sentence(block)
        == "Når et opkald foretages og nummertype er Udland er sand derefter vil opkaldet blive spærret"
    )
    anonymous = r.Rule(
        4,
        "made",
        (r.Condition(r.NUMBER_PREFIX, value="+46"),),
        (r.Action(r.PRESENT, presented="anonymous"),),
    )
    assert rule_sentence(anonymous) == (
        "Når et opkald foretages og nummer begynder med +46 er sand derefter vil opkaldet blive foretaget anonymt"
    )
    busy = r.Rule(
        5, "received", (r.Condition(r.AVAILABILITY, value="busy"),), (r.Action(r.REJECT_BUSY),)
    )
    assert rule_sentence(busy) == (
        "Når et opkald modtages og tilgængelighed er optaget er sand derefter vil opkaldet blive afvist med optagettone"
    )
    with translation.override("en"):
        assert (
            rule_sentence(block)
            == "When a call is made and number type is Udland is true then the call will be blocked"
        )
        switchboard = r.Rule(6, "made", (), (r.Action(r.PRESENT, presented="switchboard"),))
        assert (
            rule_sentence(switchboard)
            == "When a call is made then the call will be presented with switchboard number"
        )
