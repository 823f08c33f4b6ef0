"""Two-factor sign-in for the signed-in OrgAdmin or staff member (user menu in the top bar):
set up an authenticator app, recovery codes, turn it off; and, for the OrgAdmin, the
organisation's "Require two-factor sign-in for administrators"."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.lib.signin import VERIFIED_SESSION_KEY
from connect.lib.views import no_access_response
from customers import operations, permissions
from customers.forms_auth import RequireTwoFactorForm, TwoFactorCodeForm
from customers.queries import recovery_codes_left, two_factor_enrolled, two_factor_required

# Recovery codes just made, shown once by two_factor_codes and then forgotten.
CODES_SESSION_KEY = "connect_2fa_new_codes"


def _may_set_require(request):
    """The organisation's requirement is a change to the organisation: support staff need their
    change permission for it, not just a view permission."""
    organisation = getattr(request, "organisation", None)
    return organisation is not None and permissions.may(
        request.user, permissions.ADMINISTER_ORGANISATION, organisation=organisation, write=True
    )


def _show_codes(request, codes):
    request.session[CODES_SESSION_KEY] = codes
    return HttpResponseRedirect(reverse("customers:two_factor_codes"))


@never_cache
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """The overview: status, new recovery codes, turn off, and the organisation's requirement."""
    user = request.user
    if not permissions.may_set_up_two_factor(user):
        return no_access_response(request)
    enrolled = two_factor_enrolled(user)
    forms = {
        "regenerate": TwoFactorCodeForm(prefix="regenerate"),
        "disable": TwoFactorCodeForm(prefix="disable"),
    }
    may_require = _may_set_require(request)
    if may_require:
        forms["require"] = RequireTwoFactorForm(
            prefix="require", initial={"require_2fa": request.organisation.require_2fa}
        )
    action = request.POST.get("action") if request.method == "POST" else None
    if action in forms and (enrolled or action == "require"):
        form = forms[action] = type(forms[action])(request.POST, prefix=action)
        if form.is_valid():
            try:
                if action == "regenerate":
                    codes = operations.recovery_codes_regenerate(
                        user=user, code=form.cleaned_data["code"]
                    )
                    messages.success(
                        request, _("New recovery codes are ready. The old ones no longer work.")
                    )
                    return _show_codes(request, codes)
                if action == "disable":
                    operations.two_factor_disable(user=user, code=form.cleaned_data["code"])
                    request.session.pop(VERIFIED_SESSION_KEY, None)
                    messages.success(request, _("Two-factor sign-in is turned off."))
                    return HttpResponseRedirect(reverse("customers:two_factor"))
                operations.organisation_set_require_2fa(
                    organisation=request.organisation,
                    required=form.cleaned_data["require_2fa"],
                    by=user,
                )
                messages.success(request, _("The organisation's sign-in rule was saved."))
                return HttpResponseRedirect(reverse("customers:two_factor"))
            except ValidationError as exc:
                form.add_error("code" if "code" in form.fields else None, exc)
    return render(
        request,
        "customers/two_factor.html",
        {
            "title": _("Two-factor sign-in"),
            "enrolled": enrolled,
            "required": two_factor_required(user),
            "codes_left": recovery_codes_left(user) if enrolled else 0,
            "forms": forms,
        },
    )


def _grouped(text, size=4):
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@never_cache
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up: POST "start" makes the app's secret; the page shows it as a QR code and as text;
    a code from the app confirms it, and the recovery codes are shown once."""
    user = request.user
    if not permissions.may_set_up_two_factor(user):
        return no_access_response(request)
    if two_factor_enrolled(user):
        return HttpResponseRedirect(reverse("customers:two_factor"))
    if request.method == "POST" and request.POST.get("action") == "start":
        operations.totp_device_start(user=user)
        return HttpResponseRedirect(reverse("customers:two_factor_setup"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        return HttpResponseRedirect(reverse("customers:two_factor"))
    form = TwoFactorCodeForm(request.POST or None, autofocus=True)
    if request.method == "POST" and form.is_valid():
        try:
            codes = operations.totp_device_confirm(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            request.session[VERIFIED_SESSION_KEY] = True
            messages.success(
                request,
                _("Two-factor sign-in is on. From now on, sign-in asks for a code from the app."),
            )
            return _show_codes(request, codes)
    qr = segno.make(device.config_url, error="m")
    context = {
        "title": _("Set up two-factor sign-in"),
        "form": form,
        "qr_svg": mark_safe(qr.svg_inline(scale=5, title=_("QR code for your authenticator app"))),
        "secret": _grouped(b32encode(device.bin_key).decode()),
    }
    return render(request, "customers/two_factor_setup.html", context)


@never_cache
@login_required
def two_factor_codes(request):
    """The recovery codes just made: shown this once (print or download them now)."""
    if not permissions.may_set_up_two_factor(request.user):
        return no_access_response(request)
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        return HttpResponseRedirect(reverse("customers:two_factor"))
    grouped = [_grouped(code) for code in codes]
    return render(
        request,
        "customers/two_factor_codes.html",
        {
            "title": _("Your recovery codes"),
            "codes": grouped,
            "codes_text": "\n".join(grouped) + "\n",
        },
    )
