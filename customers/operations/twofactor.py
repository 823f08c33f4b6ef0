"""Two-factor sign-in (django-otp): an authenticator app (TOTP) plus one-time recovery codes.

A person has at most one confirmed TOTP device and one static device holding their recovery
codes. Setting up creates an unconfirmed TOTP device; it becomes active only when a code from
the app is confirmed. Secrets (the TOTP key, recovery codes) are returned to the caller for
display once and never logged or written to the audit trail.

A code is verified with `two_factor_verify`, used by the sign-in's second step and by the
actions below that need "a current code". django-otp refuses a TOTP code that was already
used (last_t) and slows repeated failures down per device (throttling); the caller adds the
per-address lock-out (connect/lib/signin.py).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry, Organisation
from customers.queries import two_factor_enrolled

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "Authenticator app"
# Never in the audit trail: the shared secret and django-otp's bookkeeping.
_AUDIT_EXCLUDE = (
    "key",
    "last_t",
    "drift",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "last_used_at",
)


def _audit(*, user, by, action, device, before=None):
    after = {} if action == AuditEntry.Action.DELETE else snapshot(device, exclude=_AUDIT_EXCLUDE)
    audit_record(
        actor=by,
        action=action,
        obj=device,
        organisation=user.organisation,
        changes=diff(before or {}, after),
    )


def normalise_code(code):
    """What was typed, without spaces and hyphens, lower case ("123 456", "ABCD-EFGH")."""
    return "".join(ch for ch in str(code or "") if ch not in " -\t").lower()[:32]


def _is_totp_code(code):
    return len(code) == 6 and code.isdigit()


def two_factor_verify(*, user, code, device=None):
    """The device that accepts `code` (the app's 6 digits, or a recovery code, used up), else a
    ValidationError with code "wrong" or "throttled". `device` narrows it to one TOTP device
    (confirming a new app)."""
    code = normalise_code(code)
    throttled = False
    accepted = None
    # The failure count django-otp keeps on the device must survive the refusal, so the
    # transaction ends before the ValidationError is raised.
    with transaction.atomic():
        if device is not None:
            candidates = (
                [TOTPDevice.objects.select_for_update().get(pk=device.pk)]
                if _is_totp_code(code)
                else []
            )
        elif _is_totp_code(code):
            candidates = list(
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        else:
            candidates = list(
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        for candidate in candidates:
            allowed, _info = candidate.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if candidate.verify_token(code):
                accepted = candidate
                break
    if accepted is not None:
        return accepted
    if throttled:
        raise ValidationError(
            _("Too many wrong codes in a row. Wait a little and try again with a new code."),
            code="throttled",
        )
    raise ValidationError(
        _("That code is not correct. Try again with the current code."), code="wrong"
    )


def totp_device_start(*, user):
    """The unconfirmed device whose QR code the set-up page shows (created once, kept until
    confirmed or replaced)."""
    with transaction.atomic():
        if two_factor_enrolled(user):
            raise ValidationError(_("Two-factor sign-in is already set up."), code="enrolled")
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _recovery_codes_replace(user):
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes"}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return device, codes


def totp_device_confirm(*, user, device, code, by=None):
    """Activate `device` with a code from the app; returns the new recovery codes (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("Start the set-up again."), code="stale")
    two_factor_verify(user=user, code=code, device=device)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        _device, codes = _recovery_codes_replace(user)
        _audit(user=user, by=by or user, action=AuditEntry.Action.CREATE, device=device)
    return codes


def recovery_codes_regenerate(*, user, code, by=None):
    """New recovery codes after a current code; the old ones stop working."""
    if not two_factor_enrolled(user):
        raise ValidationError(_("Two-factor sign-in is not set up."), code="not_enrolled")
    two_factor_verify(user=user, code=code)
    with transaction.atomic():
        device, codes = _recovery_codes_replace(user)
        # The codes themselves are secrets: the entry says only that they were replaced.
        audit_record(
            actor=by or user,
            action=AuditEntry.Action.UPDATE,
            obj=device,
            organisation=user.organisation,
        )
    return codes


def two_factor_disable(*, user, code, by=None):
    """Turn two-factor sign-in off after a current code (app or recovery code)."""
    if not two_factor_enrolled(user):
        raise ValidationError(_("Two-factor sign-in is not set up."), code="not_enrolled")
    two_factor_verify(user=user, code=code)
    two_factor_reset(user=user, by=by or user)


def two_factor_reset(*, user, by):
    """Remove every device of `user` (support, for a person who lost phone and codes)."""
    with transaction.atomic():
        for device in list(TOTPDevice.objects.filter(user=user, confirmed=True)):
            _audit(
                user=user,
                by=by,
                action=AuditEntry.Action.DELETE,
                device=device,
                before=snapshot(device, exclude=_AUDIT_EXCLUDE),
            )
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def organisation_set_require_2fa(*, organisation, required, by):
    """Turn "Require two-factor sign-in for administrators" on or off (audited)."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.require_2fa == bool(required):
            return organisation
        before = snapshot(organisation)
        organisation.require_2fa = bool(required)
        organisation.save(update_fields=["require_2fa"])
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            obj=organisation,
            changes=diff(before, snapshot(organisation)),
        )
    return organisation
