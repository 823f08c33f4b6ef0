"""The demo OrgAdmin's main journey in a real browser (issue: "A browser test ...").

Signs in as klj@ipvision.dk on the seeded demo, switches the UI to English and back to Danish with
the header's language switch, opens "Opkald - køer", chooses the group scope of Salg, sets "Hvor
mange opkald, der kan være i køen", saves, and finds the value inherited, with its source, on the
user-level form of Salg's member mbr@ipvision.dk.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from services.definitions import SERVICES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_LABEL = "Hvor mange opkald, der kan være i køen"


@pytest.fixture
def demo(transactional_db, settings):
    settings.LANGUAGE_CODE = "da"  # the product's default (the suite's conftest uses English)
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))


def sign_in(page, base_url, username, password="connect-demo"):
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page.locator("#language-switch")).to_be_visible()


def test_group_call_queue_value_is_inherited_by_a_member(demo, page, live_server):
    assert "call-queues" in SERVICES
    base = live_server.url
    sign_in(page, base, "klj@ipvision.dk")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()

    # Header language switch: Danish -> English -> Danish (and the choice sticks on the user).
    page.locator("#language-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.locator("#language-switch").get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()

    # Tjenester -> Opkald - køer
    page.get_by_role("button", name="Tjenester").or_(page.get_by_role("link", name="Tjenester")).first.click()
    page.get_by_role("link", name="Opkald - køer").click()
    expect(page).to_have_url(re.compile(r"/services/call-queues/$"))
    expect(page.get_by_label(QUEUE_LABEL)).to_have_value("5")  # DEMO-11: 5 calls for the organisation

    # Group scope: Salg
    page.locator("#group-priorities").get_by_role("link", name="Salg", exact=True).click()
    expect(page).to_have_url(re.compile(r"/services/call-queues/group/\d+/$"))
    queue = page.get_by_label(QUEUE_LABEL)
    queue.fill("12")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_label(QUEUE_LABEL)).to_have_value("12")
    group_url = page.url

    # User scope of Salg's member mbr@ipvision.dk, found with the scope picker's search.
    page.locator("#user-search").fill("mbr")
    page.locator("#scope-picker").get_by_role("button", name="Søg").click()
    page.locator("#user-search-results").get_by_role("link", name="mbr@ipvision.dk").click()
    expect(page).to_have_url(re.compile(r"/services/call-queues/user/\d+/$"))
    field = page.get_by_label(QUEUE_LABEL)
    expect(field).to_have_value("")  # the user has no value of their own: inherits
    form = page.locator("form:has(input[name=queue_size])")
    expect(form).to_contain_text("12")
    expect(form).to_contain_text("arvet fra gruppen Salg")
    assert page.url != group_url
