"""FN-6: the routing tree of a number with schedules and auto attendants, the picture (SVG, PNG),
and the simulation of a call at a given time."""

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from customers.models import Prompt
from functionnumbers import callflow
from functionnumbers.models import Kind
from functionnumbers.operations import auto_attendant_flow_set
from functionnumbers.operations_schedules import schedule_default_set, schedule_event_create
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def demo(org_a, admin_a):
    inbox = make_function_number(
        org_a, Kind.GROUP_INBOX, number="1800", name="Support indbakke", inbox_code="18"
    )
    hunt = make_function_number(org_a, Kind.HUNT, number="1502", name="Salg æøå", fallback="1800")
    acd = make_function_number(
        org_a, Kind.ACD, number="1500", name="Kundeservice", no_agents="1502"
    )
    closed = Prompt.objects.create(organisation=org_a, name="IpvisionLukket")
    schedule_event_create(
        function_number=acd,
        by=admin_a,
        name="Åben Mandag-Torsdag",
        repeat="weekly",
        weekdays=[0, 1, 2, 3],
        start_time=dt.time(8, 0),
        end_time=dt.time(15, 30),
        action="open",
    )
    schedule_event_create(
        function_number=acd,
        by=admin_a,
        name="Fredag",
        repeat="weekly",
        weekdays=[4],
        action="forward",
        forward="70 20 30 40",
    )
    schedule_default_set(function_number=acd, by=admin_a, prompt=closed, action="closed")
    aa = make_function_number(org_a, Kind.AUTO_ATTENDANT, number="+4588880200", name="Hovedmenu")
    welcome = Prompt.objects.create(organisation=org_a, name="Velkommen")
    auto_attendant_flow_set(
        auto_attendant=aa,
        by=admin_a,
        document={
            "type": "schedule",
            "target": acd.pk,
            "open": {
                "type": "ivr",
                "prompt": welcome.pk,
                "options": {
                    "1": {"type": "group", "target": acd.pk},
                    "2": {"type": "group", "target": hunt.pk},
                },
            },
            "closed": {"type": "inbox", "target": inbox.pk},
        },
    )
    return {"acd": acd, "hunt": hunt, "inbox": inbox, "aa": aa}


def test_the_tree_shows_schedule_events_and_the_auto_attendants_branches(org_a, demo):
    data = callflow.load_flow_data(org_a)
    tree = callflow.callflow_walk(data, "1500")
    reasons = [child.reason for child in tree.children]
    assert "schedule:Fredag" in reasons and "schedule_default" in reasons
    closed = next(child for child in tree.children if child.reason == "schedule_default")
    assert closed.kind == callflow.CLOSED and "IpvisionLukket" in closed.label
    aa = callflow.callflow_walk(data, "+4588880200")
    assert {child.reason for child in aa.children} == {"flow:open/1", "flow:open/2", "flow:closed"}
    assert callflow.reason_label("flow:open/1") == "Open › Key 1"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (
            dt.datetime(2026, 12, 12, 10, 0),
            "matches the default event “Closed”: the caller hears IpvisionLukket and the call ends.",
        ),
        (dt.datetime(2026, 12, 11, 10, 0), "the call is forwarded to +45 70 20 30 40."),
        (dt.datetime(2026, 12, 7, 10, 0), "The call waits in the queue of Kundeservice (1500)"),
    ],
)
def test_simulation_answers_in_a_sentence(org_a, demo, when, expected):
    data = callflow.load_flow_data(org_a)
    result = callflow.callflow_simulate(data, "1500", when)
    assert expected in " ".join(result.sentences)


def test_simulation_follows_the_auto_attendant_and_highlights_the_path(org_a, demo):
    data = callflow.load_flow_data(org_a)
    saturday = callflow.callflow_simulate(
        data, "+4588880200", dt.datetime(2026, 12, 12, 10, 0, tzinfo=CPH)
    )
    assert saturday.path == ["flow:closed"]
    assert "group inbox Support indbakke (1800)" in " ".join(saturday.sentences)
    tree = callflow.callflow_walk(data, "+4588880200")
    marked = callflow.mark_path(tree, saturday.path)
    assert len(marked) == 2
    monday = callflow.callflow_simulate(
        data, "+4588880200", dt.datetime(2026, 12, 7, 10, 0, tzinfo=CPH)
    )
    assert "chooses one of the keys 1, 2" in " ".join(monday.sentences)


def test_the_picture_is_svg_with_every_node_and_a_png(client_a, demo):
    url = reverse("functionnumbers:visualisation_image", args=[demo["aa"].pk, "svg"])
    response = client_a.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    ET.fromstring(svg)  # parses
    import html

    from customers.models import Organisation

    org = Organisation.objects.get(pk=demo["aa"].organisation_id)
    tree = callflow.callflow_walk(callflow.load_flow_data(org), "+4588880200")
    text = html.unescape(svg)
    for node in tree.walk():
        assert node.label in text, node.label
    assert "Salg æøå" in text
    png = client_a.get(reverse("functionnumbers:visualisation_image", args=[demo["aa"].pk, "png"]))
    assert png.content.startswith(b"\x89PNG")


def test_the_page_simulates_and_refuses_a_time_in_the_spring_gap(client_a, demo):
    url = reverse("functionnumbers:visualisation_detail", args=[demo["acd"].pk])
    page = client_a.get(url, {"number": "1500", "date": "2026-12-12", "time": "10:00"})
    assert "the caller hears IpvisionLukket and the call ends" in page.content.decode()
    assert "Saturday 10:00" in page.content.decode()
    gap = client_a.get(url, {"number": "1500", "date": "2027-03-28", "time": "02:30"})
    assert "does not exist" in str(gap.context["form"].errors["time"])
    unknown = client_a.get(url, {"number": "1234", "date": "2026-12-12", "time": "10:00"})
    assert unknown.status_code == 200 and unknown.context["simulation"] is not None


def test_list_page_and_the_expansion_partial(client_a, demo):
    page = client_a.get(reverse("functionnumbers:visualisation_list")).content.decode()
    assert "Kundeservice" in page
    partial = client_a.get(
        reverse("functionnumbers:visualisation_detail", args=[demo["acd"].pk]),
        headers={"HX-Request": "true"},
    )
    assert "Expand all" in partial.content.decode() and "<html" not in partial.content.decode()


def test_cycles_are_shown_once_with_the_mark(org_a, demo, admin_a):
    from functionnumbers.operations import function_number_update

    function_number_update(function_number=demo["hunt"], fallback="1500", by=admin_a)
    data = callflow.load_flow_data(org_a)
    tree = callflow.callflow_walk(data, "1500")
    assert sum(1 for node in tree.walk() if node.cycle) >= 1


def test_another_organisations_admin_gets_404(client_b, demo):
    assert (
        client_b.get(
            reverse("functionnumbers:visualisation_detail", args=[demo["acd"].pk])
        ).status_code
        == 404
    )
    assert (
        client_b.get(
            reverse("functionnumbers:visualisation_image", args=[demo["acd"].pk, "svg"])
        ).status_code
        == 404
    )
