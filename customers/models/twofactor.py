"""Two-factor sign-in rows are django-otp's (otp_totp, otp_static). django-otp ships no Danish
and its model names are not marked for translation, so the Django admin shows the
authenticator apps through this proxy, with translated names (customers/admin.py)."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class AuthenticatorApp(TOTPDevice):
    class Meta:
        proxy = True
        verbose_name = _("authenticator app (two-factor sign-in)")
        verbose_name_plural = _("authenticator apps (two-factor sign-in)")
