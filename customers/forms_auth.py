from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "email"}),
    )

    def clean_username(self):
        return (self.cleaned_data.get("username") or "").strip().lower()


class PasswordResetRequestForm(PasswordResetForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app (6 digits) or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args, autofocus=False, **kwargs):
        super().__init__(*args, **kwargs)
        if autofocus:
            self.fields["code"].widget.attrs["autofocus"] = True


class RequireTwoFactorForm(forms.Form):
    """The organisation's "Require two-factor sign-in for administrators" (OrgAdmins only)."""

    require_2fa = forms.BooleanField(
        label=_("Require two-factor sign-in for administrators"),
        required=False,
        help_text=_("OrgAdmins must set up an authenticator app before they can use the portal."),
    )
