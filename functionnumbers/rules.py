"""Type-specific rules of function numbers (FN-2 … FN-11), called by functionnumbers.operations
for every create and update, whoever calls it (the pages, the admin, imports, tests).

Each type may have a `clean_<type>(instance, *, organisation, fields, m2m)` that raises
ValidationError keyed by field after the plain fields and destinations are set on `instance`,
and an `after_save_<type>(instance, *, fields, by)` for what belongs to the type beyond its row.
The tables at the bottom say which applies to which kind; EXTRA_FIELDS names operation keywords
that are not model fields.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib import crypto
from functionnumbers.models import (
    IVR_KEYS,
    GroupInbox,
    IvrOption,
    Kind,
    PhoneType,
    VoicemailNumber,
    ivr_option_field,
)


def ascii_digits(text):
    """Only 0-9 ("١٢٣٤".isdigit() is true, but no phone keypad has it)."""
    return bool(text) and all("0" <= ch <= "9" for ch in text)


def clean_group_inbox(instance, *, organisation, fields, m2m):
    """FN-4: the inbox code is 2–10 digits, unique among the organisation's group inboxes; the
    PIN (4–8 digits) is required when anonymous callers may listen after entering it."""
    errors = {}
    code = (instance.inbox_code or "").strip()
    instance.inbox_code = code
    if not (ascii_digits(code) and 2 <= len(code) <= 10):
        errors["inbox_code"] = _("Enter 2 to 10 digits.")
    else:
        clash = (
            GroupInbox.objects.for_organisation(organisation)
            .filter(inbox_code=code)
            .exclude(pk=instance.pk)
        )
        if clash.exists():
            errors["inbox_code"] = _("Another group inbox already uses the code %(code)s.") % {
                "code": code
            }
    pin = (fields.get("pin") or "").strip()
    if pin and not (ascii_digits(pin) and 4 <= len(pin) <= 8):
        errors["pin"] = _("The PIN must be 4 to 8 digits.")
    elif instance.anonymous_pin_access and not pin and not instance.pin_encrypted:
        errors["pin"] = _("Enter a PIN when anonymous callers may listen after entering it.")
    if errors:
        raise ValidationError(errors)


def after_save_group_inbox(instance, *, fields, by=None):
    pin = (fields.get("pin") or "").strip()
    if pin:
        instance.pin_encrypted = crypto.encrypt(pin)
        instance.save(update_fields=["pin_encrypted"])


def clean_voicemail(instance, *, organisation, fields, m2m):
    """FN-11: type Gruppeindbakke needs at least one group inbox in the organisation."""
    if instance.inbox_type == VoicemailNumber.InboxType.GROUP:
        if not GroupInbox.objects.for_organisation(organisation).exists():
            raise ValidationError(
                {
                    "inbox_type": _(
                        "Create a group inbox first: a voicemail number of type group inbox needs one."
                    )
                }
            )


def check_phone_types(values, field="phone_types"):
    """FN-2/FN-9 "Hvilke telefoner …": at least one of the known phone types; returns them in
    the choices' order without repeats."""
    values = list(values or [])
    known = [choice for choice in PhoneType.values if choice in values]
    if not known or len(set(values)) != len(known):
        raise ValidationError(
            {field: _("Choose at least one of the phone types offered.")}, code="phone_types"
        )
    return known


def clean_hunt(instance, *, organisation, fields, m2m):
    """FN-9: at least one participating user group and at least one phone type (the ring
    length 5–600 s is the model's validator; activities and roles are the organisation's)."""
    errors = {}
    if "member_groups" in m2m:
        has_groups = bool(m2m["member_groups"])
    elif "member_groups" in fields:
        has_groups = True  # refused already as another organisation's group
    else:
        has_groups = bool(instance.pk) and instance.member_groups.exists()
    if not has_groups:
        errors["member_groups"] = _("Choose at least one user group that takes part.")
    try:
        instance.phone_types = check_phone_types(instance.phone_types)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def clean_rule_based(instance, *, organisation, fields, m2m):
    """FN-8: the prompt language is one of the organisation's languages (ORG-8), or empty for
    the organisation's default."""
    if instance.language and instance.language not in (organisation.languages or []):
        raise ValidationError(
            {"language": _("Choose one of the organisation's languages.")}, code="language"
        )


def ivr_options_resolve(*, organisation, ivr, options):
    """FN-5 options as typed ({key: text}, keys of IVR_KEYS) → {key: (function, number)} for the
    keys with a destination, each resolved like every destination (a user's local number or
    alias, a function number of the organisation other than this IVR, or an external number).
    Raises ValidationError keyed by each key's form field (`ivr_option_field`)."""
    from functionnumbers.operations import destination_resolve

    unknown = set(options) - set(IVR_KEYS)
    if unknown:
        raise TypeError(f"unknown IVR keys: {', '.join(sorted(unknown))}")
    resolved, errors = {}, {}
    for key in IVR_KEYS:
        raw = (options.get(key) or "").strip()
        if not raw:
            continue
        try:
            resolved[key] = destination_resolve(
                organisation=organisation,
                raw=raw,
                field=ivr_option_field(key),
                exclude=ivr if ivr.pk else None,
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return resolved


def clean_ivr(instance, *, organisation, fields, m2m):
    """FN-5: the options' destinations are valid, and the menu has at least one option or
    "Ring til lokalnummer" (which replaces the options). The prompt is required by the model.
    `fields["options"]` ({key: destination as typed}) replaces all options; without it the
    stored options stay."""
    if instance.dial_local_number:
        return
    options = fields.get("options")
    if options is None:
        has_option = bool(instance.pk) and IvrOption.objects.filter(ivr=instance).exists()
        resolved_errors = {}
    else:
        has_option = any((text or "").strip() for text in options.values())
        try:
            ivr_options_resolve(organisation=organisation, ivr=instance, options=options)
            resolved_errors = {}
        except ValidationError as exc:
            resolved_errors = exc.error_dict
    errors = dict(resolved_errors)
    if not has_option:
        errors[NON_FIELD_ERRORS] = [
            ValidationError(
                _("Give at least one key a destination, or tick “Call extension”."),
                code="no_options",
            )
        ]
    if errors:
        raise ValidationError(errors)


def after_save_ivr(instance, *, fields, by=None):
    """Save the options with the IVR (same transaction). With "Ring til lokalnummer" the caller
    dials the extension, so the options no longer apply and are removed."""
    from functionnumbers.operations import ivr_options_set

    options = {} if instance.dial_local_number else fields.get("options")
    if options is not None:
        ivr_options_set(ivr=instance, options=options, by=by)


CLEANERS = {
    Kind.GROUP_INBOX: clean_group_inbox,
    Kind.VOICEMAIL: clean_voicemail,
    Kind.HUNT: clean_hunt,
    Kind.RULE_BASED: clean_rule_based,
    Kind.IVR: clean_ivr,
}
AFTER_SAVE = {
    Kind.GROUP_INBOX: after_save_group_inbox,
    Kind.IVR: after_save_ivr,
}
EXTRA_FIELDS = {
    Kind.GROUP_INBOX: {"pin"},
    Kind.IVR: {"options"},
}


def clean(kind, instance, *, organisation, fields, m2m):
    cleaner = CLEANERS.get(kind)
    if cleaner is not None:
        cleaner(instance, organisation=organisation, fields=fields, m2m=m2m)


def after_save(kind, instance, *, fields, by=None):
    hook = AFTER_SAVE.get(kind)
    if hook is not None:
        hook(instance, fields=fields, by=by)
