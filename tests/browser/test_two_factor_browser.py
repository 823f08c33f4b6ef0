"""Two-factor sign-in in a real browser, in Danish: an OrgAdmin opens it from the user menu, scans
(reads) the key, confirms with a code, sees the recovery codes once, signs out, and signs in again
with password and code."""

from base64 import b32decode
from unittest import mock

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import PASSWORD, OrgAdminFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = 1_800_000_000.0


def code_for(secret, when):
    totp = TOTP(b32decode(secret.replace(" ", "")), 30, 0, 6, 0)
    totp.time = when
    return f"{totp.token():06d}"


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()


def test_org_admin_sets_up_two_factor_and_signs_in_with_a_code(page, live_server, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    admin = OrgAdminFactory(
        organisation=OrganisationFactory(name="Firma"), username="chef@firma.example", language="da"
    )
    fake = mock.Mock()
    fake.time.return_value = NOW
    base = live_server.url
    with mock.patch("django_otp.plugins.otp_totp.models.time", fake):
        sign_in(page, base, admin.username)
        page.locator("#user-menu").click()
        page.get_by_role("link", name="Totrinsbekræftelse").click()
        page.get_by_role("button", name="Opret totrinsbekræftelse").click()
        expect(page.locator("#two-factor-qr svg")).to_be_visible()
        secret = page.locator("#two-factor-secret").inner_text().strip()
        page.get_by_label("Kode").fill(code_for(secret, NOW))
        page.get_by_role("button", name="Bekræft og slå til").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        expect(page.get_by_role("button", name="Udskriv")).to_be_visible()
        page.get_by_role("link", name="Færdig").click()
        expect(page.locator("#two-factor-status")).to_contain_text("Til")

        page.get_by_role("button", name="Log ud").click()
        sign_in(page, base, admin.username)
        expect(page.get_by_role("heading", name="Indtast din kode")).to_be_visible()
        fake.time.return_value = NOW + 30
        page.get_by_label("Kode").fill(code_for(secret, NOW + 30))
        page.get_by_role("button", name="Log ind").click()
        expect(page.locator("#language-switch")).to_be_visible()
        expect(page.locator("#user-menu")).to_have_text(admin.username)
