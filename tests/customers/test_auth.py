"""Sign-in: lock-out after repeated failures (portal and admin share it), password reset by e-mail,
standard users see that they have no admin access."""

import re
from datetime import timedelta

import polib
import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

LIMIT = django_settings.AXES_FAILURE_LIMIT
LOCK_TEXT = "Too many failed sign-in attempts"


def portal_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def admin_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def fail(login, client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = login(client, username, "wrong-password", ip)
    return response


def test_settings_lock_username_and_address_together():
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert 3 <= LIMIT <= 10
    assert "axes.backends.AxesStandaloneBackend" in django_settings.AUTHENTICATION_BACKENDS
    assert "axes.middleware.AxesMiddleware" in django_settings.MIDDLEWARE


def test_portal_locks_after_repeated_failures(client, admin_a):
    response = fail(portal_login, client, admin_a.username, LIMIT - 1)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    locked = portal_login(client, admin_a.username, "wrong-password")
    assert locked.status_code == 429
    assert LOCK_TEXT in locked.content.decode()
    assert "try again in 15 minutes" in locked.content.decode()
    # Even the right password is refused while locked ...
    right = portal_login(client, admin_a.username, PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # ... and the admin login shares the lock.
    assert admin_login(client, admin_a.username, PASSWORD).status_code == 429


def test_lock_is_per_account_and_source_address(client, admin_a, user_a):
    fail(portal_login, client, admin_a.username, LIMIT)
    assert portal_login(client, admin_a.username, PASSWORD).status_code == 429
    # Same account from another address, and another account from the same address, still work.
    assert portal_login(client, admin_a.username, PASSWORD, ip="10.9.9.9").status_code == 302
    client.logout()
    assert portal_login(client, user_a.username, PASSWORD).status_code == 302


def test_username_case_does_not_give_extra_attempts(client, admin_a):
    fail(portal_login, client, admin_a.username.upper(), LIMIT - 1)
    assert portal_login(client, admin_a.username, "wrong").status_code == 429


def test_admin_login_locks_support_staff_too(client, support):
    response = fail(admin_login, client, support.username, LIMIT)
    assert response.status_code == 429 and LOCK_TEXT in response.content.decode()
    assert portal_login(client, support.username, PASSWORD).status_code == 429
    assert admin_login(client, support.username.upper(), PASSWORD, ip="10.1.1.1").status_code == 302


def test_sign_in_works_again_after_cool_off(client, admin_a):
    fail(portal_login, client, admin_a.username, LIMIT)
    assert portal_login(client, admin_a.username, PASSWORD).status_code == 429
    past = timezone.now() - django_settings.AXES_COOLOFF_TIME - timedelta(seconds=5)
    AccessAttempt.objects.update(attempt_time=past)
    response = portal_login(client, admin_a.username, PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")


def test_sign_in_works_again_after_reset(client, admin_a):
    fail(admin_login, client, admin_a.username, LIMIT)
    assert portal_login(client, admin_a.username, PASSWORD).status_code == 429
    reset(username=admin_a.username)
    assert portal_login(client, admin_a.username, PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, admin_a):
    fail(portal_login, client, admin_a.username, LIMIT - 1)
    assert portal_login(client, admin_a.username, PASSWORD).status_code == 302
    client.logout()
    response = fail(portal_login, client, admin_a.username, LIMIT - 1)
    assert response.status_code == 200  # counting started again


def test_lock_message_tells_the_configured_cool_off(client, admin_a, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    response = fail(portal_login, client, admin_a.username, LIMIT)
    assert "try again in 30 minutes" in response.content.decode()


def test_lock_message_is_translated(client, admin_a, settings, tmp_path):
    """The Danish text comes from the catalogue; compile this area's fragment to prove the wiring."""
    fragment = polib.pofile(str(django_settings.BASE_DIR / "locale" / "fragments" / "customers-org.po"))
    target = tmp_path / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    fragment.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "da"
    response = fail(portal_login, client, admin_a.username, LIMIT)
    html = response.content.decode()
    assert response.status_code == 429
    assert "For mange mislykkede login-forsøg" in html and "prøv igen om 15 minutter" in html


# --- password reset by e-mail ---------------------------------------------------------------


def test_password_reset_by_email(client, admin_a):
    response = client.post(reverse("password_reset"), {"email": admin_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_a.email]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Fresh-secret-2024", "new_password2": "Fresh-secret-2024"})
    assert done.status_code == 302
    admin_a.refresh_from_db()
    assert admin_a.check_password("Fresh-secret-2024")
    assert portal_login(client, admin_a.username, "Fresh-secret-2024").status_code == 302
    # The link works once.
    assert "Fresh-secret-2024" not in message.body
    assert client.get(link, follow=True).context.get("validlink") is False


def test_password_reset_does_not_reveal_unknown_addresses(client, admin_a):
    response = client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


# --- who may use the portal -----------------------------------------------------------------


def test_standard_user_gets_a_clear_no_access_page(client, user_a):
    response = portal_login(client, user_a.username, PASSWORD)
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 403
    html = page.content.decode()
    assert "You have no administrator access" in html and user_a.username in html
    assert reverse("customers:usergroup_list") not in html  # no admin menu
    assert client.get(reverse("customers:numberrange_list")).status_code == 403


def test_org_admin_signs_in_to_the_portal(client, admin_a):
    response = portal_login(client, admin_a.username, PASSWORD)
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "Welcome to Connect for org-a" in html
    assert 'id="support-banner"' not in html


def test_support_without_organisation_lands_in_the_admin(client, support):
    response = portal_login(client, support.username, PASSWORD)
    assert client.get(response.url).url == "/admin/"


@pytest.mark.parametrize("bad", ["a\x00b@example.com", "x" * 5000, "٤٥@example.com"])
def test_odd_usernames_are_just_failed_sign_ins(db, client, bad):
    response = portal_login(client, bad, "whatever")
    assert response.status_code in (200, 429) or ("\x00" in bad and response.status_code == 400)
    assert "_auth_user_id" not in client.session
