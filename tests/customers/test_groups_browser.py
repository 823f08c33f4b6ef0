"""Browser checks of the htmx parts of this area: ▲/▼ reorder without a reload, and the
"Vis tilgængelige numre" panel with range filter and "more" paging. Debian's Chromium."""

import pytest

from customers.models import UserGroup
from customers.operations import number_register, numberrange_create, usergroup_create
from tests.browser.conftest import chromium, page  # noqa: F401 - pytest fixtures
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):  # noqa: F811
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def test_reorder_groups_without_reload_keeps_focus(page, live_server, admin_a, org_a):  # noqa: F811
    for name in ("Salg", "Support", "Lager"):
        usergroup_create(organisation=org_a, name=name, by=admin_a)
    sign_in(page, live_server, admin_a)
    page.goto(live_server.url + "/groups/")
    page.evaluate("window.__noReload = true")
    page.get_by_role("button", name="Move Lager up").click()
    page.wait_for_selector("text=“Lager” now has priority 2.", state="attached")
    assert page.evaluate("window.__noReload") is True
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move Lager up"
    rows = page.locator("#usergroup-table tbody tr td:nth-child(2)").all_inner_texts()
    assert rows == ["Salg", "Lager", "Support"]
    page.keyboard.press("Enter")  # the focused ▲ again: Lager to the top
    page.wait_for_selector("text=“Lager” now has priority 1.", state="attached")
    assert list(UserGroup.objects.filter(organisation=org_a).order_by("priority").values_list("name", flat=True)) == [
        "Lager",
        "Salg",
        "Support",
    ]


def test_available_numbers_panel_filters_and_pages(page, live_server, admin_a, org_a):  # noqa: F811
    numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", by=admin_a)
    local = numberrange_create(organisation=org_a, first="200", last="299", by=admin_a)
    number_register(organisation=org_a, raw="200", purpose="user_line", by=admin_a)
    sign_in(page, live_server, admin_a)
    page.goto(live_server.url + "/number-ranges/")
    page.get_by_role("button", name="Show available numbers").first.click()
    panel = page.locator("#free-numbers.free-numbers")
    panel.wait_for()
    assert panel.get_by_text("+4588887700", exact=True).is_visible()
    panel.get_by_label("Number range").select_option(str(local.pk))
    panel.get_by_role("button", name="Show", exact=True).click()
    page.locator("#free-numbers").get_by_text("201", exact=True).wait_for()
    assert page.locator("#free-numbers").get_by_text("200", exact=True).count() == 0
    page.locator("#free-numbers").get_by_role("link", name="Show more").click()
    page.locator("#free-numbers").get_by_text("251", exact=True).wait_for()
    assert page.locator("#free-numbers li").count() == 99  # 201-299, no more link
    page.locator("#free-numbers").get_by_role("button", name="Close").click()
    assert page.locator("#free-numbers").inner_html() == ""
    page.get_by_role("button", name="Show available numbers").first.click()  # opens again
    page.locator("#free-numbers.free-numbers").wait_for()
