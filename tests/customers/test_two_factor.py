"""Two-factor sign-in: setting up an authenticator app, recovery codes, the code step of the
portal's and the admin's sign-in, lock-out, the organisation's requirement, tenancy, Danish."""

import logging
import re
from base64 import b32encode
from unittest import mock

import polib
import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from customers import operations
from customers.models import AuditEntry
from tests.factories import PASSWORD

LIMIT = django_settings.AXES_FAILURE_LIMIT
NOW = 1_800_000_000.0
TWO_FACTOR = "/account/two-factor/"


@pytest.fixture(autouse=True)
def _no_slow_down(settings):
    """django-otp slows a device down after a wrong code (real time, 1 s, 2 s, 4 s ...); off here
    except in the test about it, so that no test depends on how fast it runs."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def clock():
    """django-otp's clock, fixed and movable: codes are computed for a known time step."""
    fake = mock.Mock()
    fake.time.return_value = NOW
    with mock.patch("django_otp.plugins.otp_totp.models.time", fake):
        yield fake


def code_at(device, when=NOW):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = when
    return f"{totp.token():0{device.digits}d}"


def enrol(user, when=NOW):
    """Set up two-factor sign-in through the operations; returns (device, recovery codes)."""
    device = operations.totp_device_start(user=user)
    codes = operations.totp_device_confirm(user=user, device=device, code=code_at(device, when))
    device.refresh_from_db()
    return device, codes


def password_step(client, user, ip="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip
    )


def code_step(client, code, ip="10.0.0.1"):
    return client.post(reverse("login_code"), {"code": code}, REMOTE_ADDR=ip)


def signed_in(client):
    return "_auth_user_id" in client.session


# --- setting up ---------------------------------------------------------------------------------


def test_org_admin_sets_up_an_authenticator_app(client_a, admin_a, clock):
    page = client_a.get(reverse("home")).content.decode()
    assert f'href="{TWO_FACTOR}"' in page  # in the user menu of the top bar
    overview = client_a.get(TWO_FACTOR).content.decode()
    assert "Set up two-factor sign-in" in overview and "Off" in overview

    response = client_a.post(reverse("customers:two_factor_setup"), {"action": "start"})
    assert response.status_code == 302
    setup = client_a.get(reverse("customers:two_factor_setup"))
    html = setup.content.decode()
    device = TOTPDevice.objects.get(user=admin_a)
    assert not device.confirmed
    assert (
        "<svg" in html and "QR code for your authenticator app" in html
    )  # inline, no external service
    secret = b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    assert "no-store" in setup.headers.get("Cache-Control", "")

    wrong = client_a.post(
        reverse("customers:two_factor_setup"),
        {"code": "000000" if code_at(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200 and "That code is not correct" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    done = client_a.post(
        reverse("customers:two_factor_setup"), {"code": code_at(device)}, follow=True
    )
    html = done.content.decode()
    assert "Two-factor sign-in is on" in html
    codes = re.findall(r"<li>([a-z2-7]{4} [a-z2-7]{4})</li>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'download="connect-recovery-codes.txt"' in html and "data-print" in html
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=admin_a).count() == 10
    # Shown once: the page does not show them again.
    assert client_a.get(reverse("customers:two_factor_codes")).url == TWO_FACTOR
    assert "You have 10 unused recovery codes" in client_a.get(TWO_FACTOR).content.decode()
    assert AuditEntry.objects.filter(action="create", object_id=str(device.pk)).exists()


def test_standard_user_has_no_two_factor_page(client, user_a):
    client.force_login(user_a)
    assert client.get(TWO_FACTOR).status_code == 403
    assert (
        client.post(reverse("customers:two_factor_setup"), {"action": "start"}).status_code == 403
    )
    assert not TOTPDevice.objects.filter(user=user_a).exists()
    assert f'href="{TWO_FACTOR}"' not in client.get(reverse("home")).content.decode()


def test_secrets_never_reach_a_log_or_the_audit_trail(client, admin_a, clock, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_a)
    client.post(reverse("customers:two_factor_setup"), {"action": "start"})
    device = TOTPDevice.objects.get(user=admin_a)
    client.post(reverse("customers:two_factor_setup"), {"code": code_at(device)})
    client.logout()
    password_step(client, admin_a)
    code_step(client, "123 123")  # a wrong one
    secret = b32encode(device.bin_key).decode()
    codes = list(StaticToken.objects.filter(device__user=admin_a).values_list("token", flat=True))
    logged = caplog.text + "".join(str(e.changes) for e in AuditEntry.objects.all())
    logged += "".join(a.post_data for a in AccessAttempt.objects.all())
    for secret_text in [device.key, secret, code_at(device), "123 123", *codes]:
        assert secret_text not in logged
    assert "two-factor-denied ip=10.0.0.1 reason=wrong-code" in caplog.text


# --- signing in ---------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password(client, admin_a, clock):
    device, _codes = enrol(admin_a)
    response = password_step(client, admin_a, url=reverse("login") + "?next=/users/")
    assert response.status_code == 302 and response.url == reverse("login_code")
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    page = client.get(reverse("login_code")).content.decode()
    assert "Enter your code" in page and 'autocomplete="one-time-code"' in page

    clock.time.return_value = NOW + 30  # the next code of the app
    response = code_step(client, code_at(device, NOW + 30))
    assert response.status_code == 302 and response.url == "/users/"
    assert signed_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_the_code_step_cannot_be_reached_without_the_password(client, admin_a, clock):
    device, _codes = enrol(admin_a)
    for response in (client.get(reverse("login_code")), code_step(client, code_at(device, NOW))):
        assert response.status_code == 302 and response.url == reverse("login")
    assert not signed_in(client)
    # A wrong password does not open it either.
    client.post(reverse("login"), {"username": admin_a.username, "password": "wrong"})
    assert client.get(reverse("login_code")).url == reverse("login")


def test_the_pending_sign_in_is_short_lived(client, admin_a, clock, settings):
    device, _codes = enrol(admin_a)
    password_step(client, admin_a)
    settings.OTP_SIGNIN_SECONDS = -1  # the time is up
    response = code_step(client, code_at(device, NOW + 30))
    assert (
        response.status_code == 302 and response.url == reverse("login") and not signed_in(client)
    )


def test_the_pending_sign_in_ends_when_the_password_changes(client, admin_a, clock):
    device, _codes = enrol(admin_a)
    password_step(client, admin_a)
    admin_a.set_password("another-pw-2024")
    admin_a.save()
    clock.time.return_value = NOW + 30
    response = code_step(client, code_at(device, NOW + 30))
    assert response.url == reverse("login") and not signed_in(client)


def test_a_used_code_cannot_be_used_again(client, admin_a, clock):
    device, _codes = enrol(admin_a)
    clock.time.return_value = NOW + 30
    password_step(client, admin_a)
    assert code_step(client, code_at(device, NOW + 30)).status_code == 302 and signed_in(client)
    client.logout()
    password_step(client, admin_a)
    clock.time.return_value = NOW + 40  # same time step
    response = code_step(client, code_at(device, NOW + 30))
    assert response.status_code == 200 and "That code is not correct" in response.content.decode()
    assert not signed_in(client)


def test_a_recovery_code_works_once(client, admin_a, clock):
    _device, codes = enrol(admin_a)
    password_step(client, admin_a)
    typed = codes[0][:4].upper() + "-" + codes[0][4:].upper()  # as read from paper
    response = code_step(client, typed)
    assert response.status_code == 302 and signed_in(client)
    client.logout()
    password_step(client, admin_a)
    clock.time.return_value = NOW + 10
    response = code_step(client, codes[0])
    assert response.status_code == 200 and not signed_in(client)
    assert StaticToken.objects.filter(device__user=admin_a).count() == 9


def test_wrong_codes_lock_the_sign_in_like_wrong_passwords(client, admin_a, clock, caplog):
    caplog.set_level(logging.INFO, logger="connect.security")
    device, _codes = enrol(admin_a)
    password_step(client, admin_a)
    wrong = "000000" if code_at(device, NOW + 30) != "000000" else "111111"
    for _attempt in range(LIMIT - 1):
        response = code_step(client, wrong)
        assert (
            response.status_code == 200 and "That code is not correct" in response.content.decode()
        )
    locked = code_step(client, wrong)
    assert (
        locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    )
    assert not signed_in(client)
    # The lock is the same as for passwords: the right code and the right password are refused now.
    assert client.get(reverse("login_code")).url == reverse("login")
    assert password_step(client, admin_a).status_code == 429
    assert (
        caplog.text.count(f"two-factor-denied ip=10.0.0.1 reason=wrong-code user={admin_a.pk}")
        == LIMIT
    )
    # Another address is not locked.
    other = password_step(client, admin_a, ip="10.9.9.9")
    assert other.url == reverse("login_code")


def test_wrong_passwords_and_wrong_codes_add_up(client, admin_a, clock):
    device, _codes = enrol(admin_a)
    for _ in range(LIMIT - 1):
        client.post(
            reverse("login"),
            {"username": admin_a.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )
    password_step(client, admin_a)
    response = code_step(client, "000000" if code_at(device, NOW + 30) != "000000" else "111111")
    assert response.status_code == 429
    assert not signed_in(client)


def test_django_otp_slows_down_repeated_wrong_codes(client, admin_a, clock, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1000  # seconds after the first wrong code
    device, _codes = enrol(admin_a)
    password_step(client, admin_a)
    clock.time.return_value = NOW + 30
    code_step(client, "000000" if code_at(device, NOW + 30) != "000000" else "111111")
    response = code_step(client, code_at(device, NOW + 30))  # right, but straight after a wrong one
    assert "Too many wrong codes in a row" in response.content.decode()
    assert not signed_in(client)


def test_the_admin_sign_in_asks_for_the_code_too(client, support, clock):
    device, _codes = enrol(support)
    response = password_step(client, support, url=reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302 and response.url == reverse("login_code")
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302
    clock.time.return_value = NOW + 30
    response = code_step(client, code_at(device, NOW + 30))
    assert response.status_code == 302 and response.url == "/admin/"
    page = client.get("/admin/").content.decode()
    assert f'href="{TWO_FACTOR}"' in page  # the user links of the admin


def test_the_admin_sign_in_page_is_still_the_admins(client, support, user_a):
    page = client.get(reverse("admin:login") + "?next=/admin/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="login-form"' in html and "Connect support" in html
    client.force_login(support)
    assert client.get(reverse("admin:login")).url == reverse("admin:index")
    # A signed-in person without admin access sees the admin's own notice, not a redirect loop.
    client.force_login(user_a)
    page = client.get(reverse("admin:login") + "?next=/admin/")
    assert page.status_code == 200 and "not authorized to access this page" in page.content.decode()


def test_without_an_app_sign_in_is_one_step(client, admin_a):
    response = password_step(client, admin_a)
    assert response.status_code == 302 and response.url == reverse("home") and signed_in(client)


# --- new recovery codes, turning it off -----------------------------------------------------------


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(client, admin_a, clock):
    device, old_codes = enrol(admin_a)
    client.force_login(admin_a)
    refused = client.post(TWO_FACTOR, {"action": "regenerate", "regenerate-code": "zzzzzzzz"})
    assert refused.status_code == 200 and "That code is not correct" in refused.content.decode()
    assert set(
        StaticToken.objects.filter(device__user=admin_a).values_list("token", flat=True)
    ) == set(old_codes)
    clock.time.return_value = NOW + 30
    page = client.post(
        TWO_FACTOR,
        {"action": "regenerate", "regenerate-code": code_at(device, NOW + 30)},
        follow=True,
    )
    new_codes = [
        c.replace(" ", "")
        for c in re.findall(r"<li>([a-z2-7]{4} [a-z2-7]{4})</li>", page.content.decode())
    ]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert set(
        StaticToken.objects.filter(device__user=admin_a).values_list("token", flat=True)
    ) == set(new_codes)


def test_turning_it_off_needs_a_current_code(client, admin_a, clock):
    device, codes = enrol(admin_a)
    client.force_login(admin_a)
    refused = client.post(TWO_FACTOR, {"action": "disable", "disable-code": "123456"})
    assert "That code is not correct" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=admin_a, confirmed=True).exists()
    response = client.post(TWO_FACTOR, {"action": "disable", "disable-code": codes[3]}, follow=True)
    assert "Two-factor sign-in is turned off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin_a).exists()
    assert not StaticToken.objects.filter(device__user=admin_a).exists()
    client.logout()
    assert password_step(client, admin_a).url == reverse("home")  # one step again


def test_support_removes_a_lost_app_in_the_admin(client, admin_a, support, clock):
    device, _codes = enrol(admin_a)
    client.force_login(support)
    url = reverse("admin:customers_authenticatorapp_delete", args=[device.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=admin_a).exists()
    assert not StaticToken.objects.filter(device__user=admin_a).exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(device.pk)).exists()
    # The key is not shown in the admin.
    device2, _ = enrol(admin_a)
    html = client.get(
        reverse("admin:customers_authenticatorapp_change", args=[device2.pk])
    ).content.decode()
    assert device2.key not in html and b32encode(device2.bin_key).decode() not in html
    assert admin_a.username in html


# --- the organisation's requirement ---------------------------------------------------------------


def test_the_requirement_sends_an_org_admin_to_set_up_first(client, admin_a, admin_b, org_a, clock):
    operations.organisation_set_require_2fa(organisation=org_a, required=True, by=admin_a)
    assert password_step(client, admin_a).status_code == 302
    response = client.get(reverse("customers:user_list"))
    assert response.status_code == 302 and response.url == TWO_FACTOR
    assert client.get(reverse("home")).url == TWO_FACTOR
    htmx = client.get(reverse("customers:user_list"), headers={"HX-Request": "true"})
    assert htmx.headers.get("HX-Redirect") == TWO_FACTOR
    page = client.get(TWO_FACTOR).content.decode()
    assert "Your organisation requires two-factor sign-in for administrators" in page
    client.post(reverse("customers:two_factor_setup"), {"action": "start"})
    device = TOTPDevice.objects.get(user=admin_a)
    client.post(reverse("customers:two_factor_setup"), {"code": code_at(device)})
    assert client.get(reverse("customers:user_list")).status_code == 200
    # Another organisation's admin is not affected.
    client.logout()
    password_step(client, admin_b)
    assert client.get(reverse("customers:user_list")).status_code == 200


def test_the_requirement_does_not_concern_standard_users(client, user_a, org_a, admin_a):
    operations.organisation_set_require_2fa(organisation=org_a, required=True, by=admin_a)
    client.force_login(user_a)
    assert client.get(reverse("home")).status_code == 403  # the usual "no administrator access"


def test_org_admin_turns_the_requirement_on_for_their_organisation_only(
    client, admin_a, admin_b, org_a, org_b
):
    client.force_login(admin_a)
    page = client.get(TWO_FACTOR).content.decode()
    assert "Require two-factor sign-in for administrators" in page
    response = client.post(
        TWO_FACTOR, {"action": "require", "require-require_2fa": "on", "organisation": org_b.pk}
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    org_b.refresh_from_db()
    assert org_a.require_2fa and not org_b.require_2fa
    assert AuditEntry.objects.filter(
        organisation=org_a, action="update", object_id=str(org_a.pk)
    ).exists()
    # Org B's admin sees and changes only org B's setting.
    client.force_login(admin_b)
    page = client.get(TWO_FACTOR).content.decode()
    assert "org-b" in page and "org-a" not in page
    assert not re.search(r'<input[^>]*name="require-require_2fa"[^>]*checked', page)
    client.post(TWO_FACTOR, {"action": "require"})
    org_a.refresh_from_db()
    assert org_a.require_2fa


def test_the_setting_is_in_the_django_admin(client, support, org_a):
    client.force_login(support)
    html = client.get(
        reverse("admin:customers_organisation_change", args=[org_a.pk])
    ).content.decode()
    assert 'name="require_2fa"' in html


def test_staff_must_set_it_up_when_configured(client, support, settings, clock):
    client.force_login(support)
    assert client.get("/admin/").status_code == 200
    settings.OTP_REQUIRED_FOR_STAFF = True
    assert client.get("/admin/").url == TWO_FACTOR
    assert "Support staff must use two-factor sign-in" in client.get(TWO_FACTOR).content.decode()
    # Signing out still works, from the admin too.
    assert client.post(reverse("admin:logout")).url == reverse("login")
    assert not signed_in(client)


# --- Danish -----------------------------------------------------------------------------------------


@pytest.fixture
def danish(client, settings, tmp_path):
    """This area's Danish fragment compiled on its own, to prove the wiring."""
    fragment = polib.pofile(str(django_settings.BASE_DIR / "locale" / "fragments" / "twofa.po"))
    target = tmp_path / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    fragment.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "da"
    return client


def test_pages_in_danish_and_english(danish, admin_a, support, clock):
    admin_a.language = "da"
    admin_a.save()
    device, _codes = enrol(admin_a)
    password_step(danish, admin_a)
    page = danish.get(reverse("login_code")).content.decode()
    assert "Indtast din kode" in page
    clock.time.return_value = NOW + 30
    code_step(danish, code_at(device, NOW + 30))
    page = danish.get(TWO_FACTOR).content.decode()
    assert "Totrinsbekræftelse" in page and "Kræv totrinsbekræftelse for administratorer" in page
    admin_a.language = "en"
    admin_a.save()
    assert (
        "Require two-factor sign-in for administrators" in danish.get(TWO_FACTOR).content.decode()
    )


def test_the_admin_names_django_otp_rows_in_danish(danish, support):
    support.language = "da"
    support.save()
    danish.force_login(support)
    html = danish.get("/admin/").content.decode()
    assert "Godkendelsesapps (totrinsbekræftelse)" in html
    assert "TOTP device" not in html and "Static device" not in html and "Otp_" not in html
