"""Sign-in protection (django-axes) and the two-step sign-in, shared by the portal login and the
Django admin login.

Axes locks a username from one source address after AXES_FAILURE_LIMIT failures, for
AXES_COOLOFF_TIME. Usernames are e-mail addresses stored in lower case, so both login forms
lower-case what was typed: "KLJ@ipvision.dk" and "klj@ipvision.dk" are the same account and
count towards the same lock.

Two-factor sign-in: after a correct password, a person with an authenticator app is not signed
in yet. The pending sign-in (who, which backend, where to go next) is kept in the session,
signed and valid for OTP_SIGNIN_SECONDS; the second step reads it from there only, so it cannot
be reached without the password. A refused code counts as a failed sign-in for that username
and address (the same lock-out page) and is written to the security log.
"""


from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.shortcuts import render
from django.utils.crypto import constant_time_compare

PENDING_SESSION_KEY = "connect_signin_pending"
# Set on a session that gave a code at sign-in or set up two-factor sign-in in it.
VERIFIED_SESSION_KEY = "connect_2fa_verified"
_PENDING_SALT = "connect.signin.pending"



def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the translated "locked" page, telling the real cool-off time."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, with the username handled like the portal's."""

    def clean_username(self):
        return (self.cleaned_data.get("username") or "").strip().lower()


# --- the pending sign-in between password and code ----------------------------------------------


def pending_signin_start(request, user, *, next_url):
    """The password was right: remember who, until the code is given (or the time is up)."""
    payload = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "next": next_url,
        # A password change in between ends the pending sign-in.
        "auth": user.get_session_auth_hash(),
    }
    request.session[PENDING_SESSION_KEY] = signing.dumps(payload, salt=_PENDING_SALT)


def pending_signin(request):
    """(user, next_url) of a pending sign-in of this session that is still valid, else None."""
    token = request.session.get(PENDING_SESSION_KEY)
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=_PENDING_SALT, max_age=settings.OTP_SIGNIN_SECONDS)
    except signing.BadSignature:
        pending_signin_clear(request)
        return None
    user = get_user_model()._default_manager.filter(pk=payload.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), payload.get("auth", "")):
        pending_signin_clear(request)
        return None
    user.backend = payload["backend"]
    return user, payload.get("next") or ""


def pending_signin_clear(request):
    request.session.pop(PENDING_SESSION_KEY, None)


def signin_complete(request, user, device=None):
    """Sign `user` in (the password step set user.backend) and mark the session verified when a
    code was given."""
    if device is not None:
        user.otp_device = device  # django-otp records the device in the session on login
    pending_signin_clear(request)
    auth_login(request, user, backend=user.backend)
    if device is not None:
        request.session[VERIFIED_SESSION_KEY] = True


# --- lock-out and security log for codes -------------------------------------------------------


def _credentials(user):
    return {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


def code_signin_allowed(request, user):
    """False while the username is locked from this address (django-axes)."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_allowed(request, _credentials(user))


def code_refused(request, user, reason):
    """A refused code: one failed sign-in for the username and address (django-axes marks the
    request locked out when it was the last allowed), and one security-log line."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(request)
    log_two_factor_denied(request, user, reason)
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def log_two_factor_denied(request, user, reason):
    """One fail2ban-ready line in the security log (connect.lib.securitylog); never the code:

        connect-security two-factor-denied ip=203.0.113.7 reason=wrong-code user=42
    """
    from axes.helpers import get_client_ip_address

    from connect.lib.securitylog import log_event

    ip = getattr(request, "axes_ip_address", None) or get_client_ip_address(request) or ""
    log_event("two-factor-denied", ip=ip, reason=reason, user=user.pk)
