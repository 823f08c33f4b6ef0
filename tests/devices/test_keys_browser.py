"""The function-key table's user search from the keyboard (Playwright + Debian's Chromium).

Guide: "Skriv brugerens fornavn eller brugernavn i søgefeltet, tryk på søgeikonet og vælg
brugeren". Pressing Enter in a search field searches; it must not save the whole key table.
"""

import pytest
from playwright.sync_api import expect

from devices.models import FunctionKey, Phone
from tests.browser.conftest import chromium, page  # noqa: F401 - pytest fixtures
from tests.devices.factories import PhoneFactory
from tests.factories import PASSWORD, OrgAdminFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enter_in_a_user_search_searches_and_saves_nothing(page, live_server):  # noqa: F811
    org = OrganisationFactory(name="keys-org")
    OrgAdminFactory(organisation=org, username="admin@keys.example", language="en")
    UserFactory(organisation=org, username="mhe@keys.example", first_name="Morten", last_name="Helmer")
    phone = PhoneFactory(organisation=org, mac="00085D1610DE", model="mitel-6867i")

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill("admin@keys.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.goto(f"{live_server.url}/devices/phones/{phone.pk}/keys/")

    page.evaluate("window.__noReload = true")
    search = page.locator("#id_line1_user")
    search.fill("Morten")
    search.press("Enter")
    expect(page.locator("#results-line1_user")).to_contain_text("mhe@keys.example")
    assert page.evaluate("window.__noReload") is True  # no form submission, no page load
    page.locator("#results-line1_user").get_by_role("button").first.press("Enter")
    expect(page.locator("#id_line1_user")).to_have_value("mhe@keys.example")
    phone.refresh_from_db()
    assert phone.user is None and not FunctionKey.objects.filter(phone=phone).exists()

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("saved")
    assert Phone.objects.get(pk=phone.pk).user.username == "mhe@keys.example"
