"""Sign-in protection (django-axes), shared by the portal login and the Django admin login.

Axes locks a username from one source address after AXES_FAILURE_LIMIT failures, for
AXES_COOLOFF_TIME. Usernames are e-mail addresses stored in lower case, so both login forms
lower-case what was typed: "KLJ@ipvision.dk" and "klj@ipvision.dk" are the same account and
count towards the same lock.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.shortcuts import render


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
