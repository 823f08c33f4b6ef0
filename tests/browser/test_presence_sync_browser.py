"""SVC-19 in a real browser: reorder presence mappings by dragging the handle and, with the
keyboard only, with ▲; both orders are what Save stores."""

import pytest
from playwright.sync_api import expect

from customers.models import Activity
from services.models_presence import PresenceMapping
from services.operations_presence import presence_policy_save
from tests.factories import PASSWORD, CalendarConnectorFactory, OrgAdminFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stored_order(connector):
    return list(
        PresenceMapping.objects.filter(policy__connector=connector)
        .order_by("position")
        .values_list("match", flat=True)
    )


def test_mappings_are_reordered_by_drag_and_by_keyboard(page, live_server):
    organisation = OrganisationFactory(name="presence-browser")
    admin = OrgAdminFactory(
        organisation=organisation, username="admin@presence.example", language="en"
    )
    connector = CalendarConnectorFactory(organisation=organisation, name="ipvexch01")
    test = Activity.objects.create(organisation=organisation, name="Test")
    busy = Activity.objects.create(organisation=organisation, name="Forstyr ikke")
    presence_policy_save(
        connector=connector,
        mappings=[
            {"type": "availability", "match": "Out Of Office", "activity": test, "role": None},
            {"type": "availability", "match": "Busy", "activity": busy, "role": None},
        ],
        exclusions=[],
        by=admin,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(admin.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.goto(f"{live_server.url}/services/presence-sync/")
    expect(page.get_by_role("heading", name="Presence mappings")).to_be_visible()

    rows = page.locator("table[data-prefix=mappings] tr.presence-row")
    rows.nth(1).locator(".presence-handle").drag_to(rows.nth(0), target_position={"x": 5, "y": 3})
    expect(page.get_by_label("Match, row 1")).to_have_value("Busy")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("were saved")).to_be_visible()
    assert stored_order(connector) == ["Busy", "Out Of Office"]

    # Keyboard only: focus row 2's ▲ and press Enter; focus stays on the moved row's arrow.
    page.get_by_role("button", name="Move row 2 up").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Match, row 1")).to_have_value("Out Of Office")
    expect(page.get_by_role("button", name="Move row 1 down")).to_be_focused()
    assert stored_order(connector) == ["Busy", "Out Of Office"]  # not saved yet
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("were saved")).to_be_visible()
    assert stored_order(connector) == ["Out Of Office", "Busy"]
