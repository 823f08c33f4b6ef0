"""The ACD page in a browser (Playwright + Debian's Chromium): conditional fields follow their
checkbox or choice, and the agent list and login panel work through htmx without reloading."""

import pytest
from playwright.sync_api import expect

from customers.models import GroupMembership
from functionnumbers.models import Agent, AgentLogin, Kind
from tests.browser.conftest import chromium, page  # noqa: F401 - pytest fixtures
from tests.factories import PASSWORD, OrgAdminFactory, OrganisationFactory, UserFactory
from tests.functionnumbers.factories import login_group, make_function_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_conditional_fields_agents_and_logins(page, live_server):  # noqa: F811
    org = OrganisationFactory(name="acd-org")
    OrgAdminFactory(organisation=org, username="admin@acd.example", language="en")
    group = make_function_number(org, Kind.ACD, name="Salg")
    for username, first in (("klj@acd.example", "Kasper"), ("mbr@acd.example", "Morten")):
        user = UserFactory(
            organisation=org, username=username, first_name=first, last_name="Jensen"
        )
        GroupMembership.objects.create(user=user, group=login_group(org))

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill("admin@acd.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    page.evaluate("window.__noReload = true")

    line_number = page.locator("#id_outgoing_line_number")
    expect(line_number).to_be_hidden()
    expect(line_number).to_be_disabled()
    page.locator("#id_outgoing_line_allowed").check()
    expect(line_number).to_be_visible()
    expect(line_number).to_be_enabled()
    expect(page.locator("#id_overflow")).to_be_hidden()
    page.locator("#id_overflow_action").select_option("forward")
    expect(page.locator("#id_overflow")).to_be_visible()
    expect(page.locator("#id_longest_idle")).to_be_hidden()
    page.locator("input[name=distribution][value=skill]").check()
    expect(page.locator("#id_longest_idle")).to_be_visible()

    panel = page.locator("#agents-panel")
    panel.locator("#agent-search").fill("Jensen")
    panel.get_by_role("button", name="Search", exact=True).click()
    panel.get_by_role("button", name="Add klj@acd.example").click()
    expect(panel.locator("#agents-status")).to_contain_text(
        "klj@acd.example was added to the agents."
    )
    panel.locator("#agent-search").fill("Morten")
    panel.get_by_role("button", name="Search", exact=True).click()
    panel.get_by_role("button", name="Add mbr@acd.example").click()
    expect(panel.locator("tbody tr")).to_have_count(2)
    panel.get_by_role("button", name="Move up: mbr@acd.example").click()
    expect(panel.locator("#agents-status")).to_contain_text("mbr@acd.example is now number 1.")
    assert list(Agent.objects.order_by("position").values_list("user__username", flat=True)) == [
        "mbr@acd.example",
        "klj@acd.example",
    ]

    logins = page.locator("#logins-panel")
    logins.get_by_role("button", name="Log in klj@acd.example").click()
    expect(logins.locator("#logins-status")).to_contain_text("klj@acd.example is logged in.")
    assert AgentLogin.objects.get(user__username="klj@acd.example").logged_in
    assert page.evaluate("window.__noReload") is True  # everything above without a page load
