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
from connect.lib import numbers as numberlib
from functionnumbers.models import (
    IVR_KEYS,
    CallGroup,
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


# --- FN-2 ACD groups and FN-7 attendant groups --------------------------------------------------

CALL_GROUP_PROMPTS = ("welcome_prompt", "queue_prompt", "status_prompt", "callback_agent_prompt")
# Phone-number fields that are not destinations: (name, a local number allowed?).
CALL_GROUP_NUMBERS = (
    ("outgoing_line_number", False),
    ("sms_sender_number", False),
    ("help_number", True),
)
CALL_GROUP_DURATIONS = (
    "overflow_wait_seconds",
    "max_wait_seconds",
    "wait_announce_min_seconds",
    "wait_announce_max_seconds",
)
MAX_DURATION_SECONDS = 24 * 3600
RECOMMENDED_CODES = (1500, 1599)


def number_is_local(instance):
    """Is the group's number (the one being saved, else the stored one) a local number? None when
    unknown (the number itself was refused: its own error says why)."""
    kind = getattr(instance, "pending_number_kind", None)
    if kind is None and instance.number_id:
        kind = instance.number.kind
    return None if kind is None else kind == "local"


def call_group_errors(group, *, number_local, login_group_count):
    """FN-2/FN-7 rules between the fields of `group` (a CallGroup with its values set): the
    best practice for local numbers, what each option requires, the ranges the model does not
    hold. Pure: no queries. Returns {field: [message, ...]}."""
    errors = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    try:
        group.phone_types = check_phone_types(
            group.phone_types if isinstance(group.phone_types, list) else []
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    # Generelt: outgoing user line and SMS.
    if group.outgoing_use_internal_number and not group.outgoing_line_allowed:
        add(
            "outgoing_use_internal_number",
            _("This requires “Allow this group to be used as an outgoing user line”."),
        )
    if number_local and group.outgoing_line_allowed and not group.outgoing_line_number:
        add(
            "outgoing_line_number",
            _(
                "The group has an internal number: enter the number to show as line number when "
                "the group is used as an outgoing user line."
            ),
        )
    if group.sms_sender_number and not group.sms_display_name:
        add("sms_display_name", _("Enter a display name: the sender number requires it."))
    # Nummerpræsentering: best practice for internal numbers.
    if number_local and not group.show_caller_number:
        add(
            "show_caller_number",
            _(
                "The group has an internal number: “Show the calling party's number” must be ticked."
            ),
        )
    # Overløb and Håndtering af opkald i kø.
    if group.overflow_action == CallGroup.OverflowAction.FORWARD and not group.overflow:
        add("overflow", _("Enter the number to forward to."))
    if group.max_wait_seconds and not group.max_wait_target:
        add("max_wait", _("Enter where calls that waited too long are forwarded to."))
    if group.max_attempts and not (group.max_wait_target or group.no_agents_target):
        add(
            "max_attempts",
            _(
                "Calls go to the number for calls that waited too long, or else to the number "
                "for no available agents: enter one of them."
            ),
        )
    for name in CALL_GROUP_DURATIONS:
        value = getattr(group, name)
        if value is not None and value > MAX_DURATION_SECONDS:
            add(name, _("At most 24 hours."))
    # Lydfiler: waiting-time announcement limits.
    low, high = group.wait_announce_min_seconds, group.wait_announce_max_seconds
    for name, value in (("wait_announce_min_seconds", low), ("wait_announce_max_seconds", high)):
        if value is not None and not group.announce_wait:
            add(name, _("This requires “Play estimated waiting time”."))
    if low is not None and high is not None and high <= low:
        add("wait_announce_max_seconds", _("Must be more than the lower limit."))
    # Brugergrupper.
    if login_group_count < 1:
        add("login_groups", _("Choose at least one user group."))
    # Camp-on (attendant groups only).
    if group.kind == Kind.ATTENDANT:
        first, everyone = group.camp_on_notify_seconds, group.camp_on_notify_all_seconds
        if group.camp_on_enabled:
            if first is None:
                add("camp_on_notify_seconds", _("Required when camp-on is enabled."))
            if everyone is None:
                add("camp_on_notify_all_seconds", _("Required when camp-on is enabled."))
        if first is not None and everyone is not None and everyone < first:
            add(
                "camp_on_notify_all_seconds",
                _("Must be at least the receptionist's notification time."),
            )
    elif group.camp_on_enabled:
        add("camp_on_enabled", _("Camp-on is only available for attendant groups."))
    return errors


def clean_call_group(instance, *, organisation, fields, m2m):
    """FN-2 / FN-7: phone numbers normalised, prompts of the organisation or the system, and the
    rules of call_group_errors."""
    errors = {}
    for name, allow_local in CALL_GROUP_NUMBERS:
        raw = (getattr(instance, name) or "").strip()
        setattr(instance, name, raw)
        if raw:
            try:
                normalised = numberlib.normalise(raw, allow_local=allow_local, use=numberlib.TARGET)
            except ValidationError as exc:
                errors[name] = exc.messages
            else:
                setattr(instance, name, normalised.number)
    for name in CALL_GROUP_PROMPTS:
        prompt = getattr(instance, name)
        if prompt is not None and prompt.organisation_id not in (None, organisation.pk):
            errors[name] = [_("Select a valid choice.")]
    if "login_groups" in m2m:
        login_group_count = len(m2m["login_groups"])
    elif instance.pk:
        login_group_count = instance.login_groups.count()
    else:
        login_group_count = 0
    found = call_group_errors(
        instance, number_local=number_is_local(instance), login_group_count=login_group_count
    )
    for name, messages in found.items():
        errors.setdefault(name, []).extend(messages)
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


def call_group_warnings(instance):
    """Advice shown after saving, not errors: the guide recommends codes 1500–1599."""
    first, last = RECOMMENDED_CODES
    if instance.code and not (ascii_digits(instance.code) and first <= int(instance.code) <= last):
        return [
            _(
                "The function code %(code)s was saved. The guide recommends a code between "
                "%(first)s and %(last)s for ACD and attendant groups."
            )
            % {"code": instance.code, "first": first, "last": last}
        ]
    return []


CLEANERS = {
    Kind.GROUP_INBOX: clean_group_inbox,
    Kind.VOICEMAIL: clean_voicemail,
    Kind.ACD: clean_call_group,
    Kind.ATTENDANT: clean_call_group,
    Kind.HUNT: clean_hunt,
    Kind.RULE_BASED: clean_rule_based,
    Kind.IVR: clean_ivr,
}
WARNINGS = {
    Kind.ACD: call_group_warnings,
    Kind.ATTENDANT: call_group_warnings,
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


def warnings(kind, instance):
    """Advice for the admin after a successful save (shown as messages), by type."""
    check = WARNINGS.get(kind)
    return check(instance) if check is not None else []
