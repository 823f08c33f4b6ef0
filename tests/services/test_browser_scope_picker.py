"""The scope picker's htmx parts in a real browser (Playwright + Debian's Chromium).

Reordering priorities and searching users update the page in place (no reload, focus kept on
the arrow); adding a phone number row and saving a contact work from the keyboard.
Uses the browser fixtures of tests/browser (skipped there when Chromium is missing).
"""

import pytest
from playwright.sync_api import expect

from customers.models import UserGroup
from services.models import ExternalContact
from tests.browser.conftest import chromium, page  # noqa: F401 - pytest fixtures
from tests.factories import (
    PASSWORD,
    OrgAdminFactory,
    OrganisationFactory,
    UserFactory,
    UserGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scope_picker_reorders_and_searches_in_place(page, live_server):  # noqa: F811
    org = OrganisationFactory(name="browser-org")
    groups = [UserGroupFactory(organisation=org, name=name) for name in ("Administration", "Salg", "Support")]
    OrgAdminFactory(organisation=org, username="admin@browser.example", language="en")
    UserFactory(organisation=org, username="mbr@browser.example", groups=[groups[1]])

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill("admin@browser.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.get_by_role("button", name="Services").click()
    page.get_by_role("link", name="Call pickup").click()

    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Move Support up").click()
    expect(page.locator("#group-priorities tbody tr").nth(1)).to_contain_text("Support")
    expect(page.get_by_role("button", name="Move Support up")).to_be_focused()
    assert page.evaluate("window.__noReload") is True
    assert list(UserGroup.objects.filter(organisation=org).order_by("priority").values_list("name", flat=True)) == [
        "Administration",
        "Support",
        "Salg",
    ]

    page.locator("#user-search").fill("mbr")
    page.locator("#user-search").press("Enter")
    expect(page.locator("#user-search-results")).to_contain_text("mbr@browser.example")
    assert page.evaluate("window.__noReload") is True
    page.locator("#user-search-results").get_by_role("link", name="mbr@browser.example").click()
    expect(page.get_by_role("heading", name="Configuration of the service for mbr@browser.example")).to_be_visible()

    page.goto(f"{live_server.url}/services/contacts/")
    page.get_by_role("link", name="Create new contact").click()
    page.get_by_label("Company").fill("Acme")
    page.locator("input[name='numbers-0-number']").fill("70 00 00 01")
    page.get_by_role("button", name="Add phone number").click()
    page.locator("input[name='numbers-1-number']").fill("70 00 00 02")
    page.locator("input[name='numbers-1-number']").press("Enter")  # Enter saves
    expect(page.locator("main")).to_contain_text("was saved")
    contact = ExternalContact.objects.get()
    assert [n.number for n in contact.numbers.all()] == ["+4570000001", "+4570000002"]
