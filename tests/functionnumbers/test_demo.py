"""DEMO-12 and DEMO-13 in `seed_demo`."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from customers.models import Organisation
from functionnumbers.models import FunctionNumber
from functionnumbers.queries import schedule_state_at

pytestmark = pytest.mark.django_db


def test_demo_function_numbers_and_the_schedule_of_1500():
    call_command("seed_demo", "--force", stdout=StringIO())
    org = Organisation.objects.get(name="dialplantest4")
    numbers = dict(
        FunctionNumber.objects.for_organisation(org).values_list("number__number", "kind")
    )
    assert numbers["1500"] == "acd" and numbers["1501"] == "attendant" and numbers["1502"] == "hunt"
    assert (
        numbers["1800"] == "group_inbox"
        and numbers["1711"] == "rule_based"
        and numbers["1600"] == "ivr"
    )
    from functionnumbers.models import Agent, IvrOption

    assert dict(
        IvrOption.objects.filter(ivr__organisation=org).values_list("key", "destination_number")
    ) == {
        "1": "1502",
        "2": "1500",
        "0": "1501",
    }
    levels = Agent.objects.filter(group__organisation=org).order_by("-skill_level", "position")
    assert [(a.user.username, a.skill_level) for a in levels] == [
        ("klj@ipvision.dk", 5),
        ("mbr@ipvision.dk", 3),
        ("kgo@ipvision.dk", 3),
    ]
    acd = FunctionNumber.objects.get(organisation=org, number__number="1500")
    cph = ZoneInfo("Europe/Copenhagen")
    assert (
        schedule_state_at(acd, dt.datetime(2026, 12, 7, 9, 0, tzinfo=cph)).event.name
        == "Åben Mandag-Torsdag"
    )
    saturday = schedule_state_at(acd, dt.datetime(2026, 12, 12, 9, 0, tzinfo=cph))
    assert (
        saturday.is_default
        and saturday.event.action == "closed"
        and saturday.event.prompt == "IpvisionLukket"
    )
    assert schedule_state_at(acd, dt.datetime(2018, 1, 19, 20, 0, tzinfo=cph)).event.name == "Åben"
