"""Users (USR-2 … USR-15): create, change, delete, groups, personal lines, mobile phone,
third-party SIP account, copy ("Opret ny bruger baseret på denne bruger") and bulk actions.

Every operation is keyword-only, runs in one transaction, raises ValidationError with translated
messages keyed by the field that holds the bad value, and writes the audit trail. Numbers (lines,
aliases, mobile) come into and out of use only through customers.operations.numbers.
"""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _

from connect.lib import crypto
from connect.lib import numbers as numberlib
from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.validators import validate_clean_text
from customers.models import (
    AuditEntry,
    CalendarConnector,
    GroupMembership,
    Licence,
    Number,
    NumberKind,
    User,
    UserGroup,
    UserLine,
)
from customers.models.users import ThirdPartySipAccount
from customers.operations.numbers import number_register, number_release
from customers.signals import user_copied, users_changed

# Fields an admin may set through user_create / user_update (besides username and password).
USER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "department",
    "title",
    "language",
    "licence",
    "profile",
    "admin_profile",
    "caller_id_number",
    "diversion_enabled",
    "diversion_number",
    "photo",
    "softphone_enabled",
    "mobile_voip_enabled",
    "mobile_licence",
    "mobile_profile",
    "app_softphone_light",
    "app_ipad",
    "app_unified_inbox",
    "app_miteam",
    "calendar_sync_enabled",
    "calendar_sync_id",
    "calendar_connector",
    "is_active",
)

BOOLEAN_FIELDS = (
    "diversion_enabled",
    "softphone_enabled",
    "mobile_voip_enabled",
    "app_softphone_light",
    "app_ipad",
    "app_unified_inbox",
    "app_miteam",
    "calendar_sync_enabled",
    "is_active",
)

# USR-4 "Rediger brugere" and USR-15 copy: the non-personal settings (USR-6/9/12/13).
NON_PERSONAL_FIELDS = (
    "language",
    "licence",
    "profile",
    "admin_profile",
    "softphone_enabled",
    "mobile_voip_enabled",
    "mobile_licence",
    "mobile_profile",
    "app_softphone_light",
    "app_ipad",
    "app_unified_inbox",
    "app_miteam",
)

SIP_PASSWORD_MIN_LENGTH = 12


# --- helpers -----------------------------------------------------------------------------------


def _lock_user(user):
    return User.objects.select_for_update().get(pk=user.pk)


def normalise_username(raw):
    """Usernames are e-mail addresses, trimmed and lower-cased; raises ValidationError."""
    username = str(raw or "").strip().lower()
    if not username:
        raise ValidationError(_("Enter a username."), code="required")
    validate_clean_text(username)
    max_length = User._meta.get_field("username").max_length
    if len(username) > max_length:
        raise ValidationError(_("The username may be at most %(max)d characters.") % {"max": max_length}, code="max_length")
    EmailValidator(message=_("Enter the username in e-mail form, e.g. name@example.com."))(username)
    return username


def _check_username_free(username, exclude_pk=None):
    """Usernames are unique system-wide. The message is the same whichever organisation holds it."""
    clash = User.objects.filter(username__iexact=username)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"username": ValidationError(_("A user with that username already exists."), code="unique")})


def _clean_password(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _clean_fields(organisation, user, fields):
    """Validate and convert `fields` in place for `user` (which may be unsaved). Raises keyed errors."""
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"unexpected user fields: {', '.join(sorted(unknown))}")
    errors = {}
    for name, value in list(fields.items()):
        try:
            fields[name] = _clean_field(organisation, user, name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return fields


def _clean_field(organisation, user, name, value):
    if name in BOOLEAN_FIELDS:
        return bool(value)
    if name == "language":
        if value not in organisation.languages:
            raise ValidationError(_("Choose one of the organisation's languages."), code="invalid_choice")
        return value
    if name in ("licence", "mobile_licence"):
        if value in (None, ""):
            return None
        kind = Licence.Kind.USER if name == "licence" else Licence.Kind.MOBILE
        if not isinstance(value, Licence) or value.organisation_id != organisation.pk or value.kind != kind:
            raise ValidationError(_("Choose one of the organisation's licences."), code="invalid_choice")
        return value
    if name == "calendar_connector":
        if value in (None, ""):
            return None
        if not isinstance(value, CalendarConnector) or value.organisation_id != organisation.pk:
            raise ValidationError(_("Choose one of the organisation's calendar connectors."), code="invalid_choice")
        return value
    if name == "caller_id_number":
        if value in (None, ""):
            return None
        if not isinstance(value, Number) or value.pk not in set(caller_id_choices(organisation, user).values_list("pk", flat=True)):
            raise ValidationError(_("Choose one of the user's own lines or a group number."), code="invalid_choice")
        return value
    if name == "diversion_number":
        if value in (None, ""):
            return ""
        return numberlib.normalise(value, allow_local=True, use=numberlib.TARGET).number
    if name == "photo":
        return value or ""
    field = User._meta.get_field(name)
    if isinstance(value, str):
        value = value.strip()
    if value is None:
        value = ""
    if name in ("first_name", "last_name") and not value:
        raise ValidationError(_("This field is required."), code="required")
    if name in ("email", "calendar_sync_id") and value:
        value = value.lower()
    max_length = getattr(field, "max_length", None)
    if max_length and isinstance(value, str) and len(value) > max_length:
        raise ValidationError(
            _("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).")
            % {"limit_value": max_length, "show_value": len(value)},
            code="max_length",
        )
    validate_clean_text(value)
    return field.clean(value, user)


def caller_id_choices(organisation, user):
    """Numbers a user may present as caller ID (USR-6, FC-7): own lines, the organisation's
    switchboard numbers, and the numbers of the ACD and attendant groups the user may use as
    outgoing line ("Tillad anvendelse af denne gruppe som udgående brugerlinje" on, and one of the
    user's groups among those that log in to it). customers imports no other app: the group
    numbers come from the number registry's owners (customers.permissions.outgoing_line_number_ids)."""
    from django.db.models import Q

    from customers.permissions import outgoing_line_number_ids

    qs = Number.objects.for_organisation(organisation)
    allowed = Q(purpose=Number.Purpose.SWITCHBOARD)
    if user is not None and user.pk:
        allowed |= Q(purpose=Number.Purpose.USER_LINE, user=user)
        allowed |= Q(purpose=Number.Purpose.FUNCTION_NUMBER, pk__in=outgoing_line_number_ids(user, organisation))
    return qs.filter(allowed).order_by("purpose", "kind", "value")


def _other_org_admins(user):
    return User.objects.filter(
        organisation_id=user.organisation_id, admin_profile=User.AdminProfile.ORG_ADMIN, is_active=True
    ).exclude(pk=user.pk)


def _check_last_org_admin(user, fields, by):
    """USR-9: an OrgAdmin cannot remove his/her own OrgAdmin profile if he/she is the last one."""
    if by is None or by.pk != user.pk or not user.is_org_admin:
        return
    losing = ("admin_profile" in fields and fields["admin_profile"] != User.AdminProfile.ORG_ADMIN) or (
        "is_active" in fields and not fields["is_active"]
    )
    if losing and not _other_org_admins(user).exists():
        raise ValidationError(
            {
                "admin_profile": ValidationError(
                    _("You cannot remove your own OrgAdmin profile: you are the organisation's last OrgAdmin."),
                    code="last_org_admin",
                )
            }
        )


def _apply_calendar_connector(organisation, user, fields):
    """USR-14: a user who synchronises the calendar does so through one of the organisation's
    connectors: the chosen one, or the only one; with several, the choice is required. A user who
    does not synchronise holds none (so the connector is not "in use" by that user)."""
    if not {"calendar_sync_enabled", "calendar_sync_id", "calendar_connector"} & set(fields):
        return
    if not fields.get("calendar_sync_enabled", user.calendar_sync_enabled):
        fields["calendar_connector"] = None
        return
    connector = fields.get("calendar_connector", user.calendar_connector if user.pk else None)
    if connector is None:
        connectors = list(CalendarConnector.objects.for_organisation(organisation).order_by("pk")[:2])
        if len(connectors) > 1:
            raise ValidationError(
                {"calendar_connector": ValidationError(_("Choose the calendar connector the user synchronises through."), code="required")}
            )
        connector = connectors[0] if connectors else None
    fields["calendar_connector"] = connector


def _audit_user(user, before, by, extra=None):
    changes = diff(before, snapshot(user))
    if extra:
        changes.update(extra)
    if changes:
        audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=user, changes=changes)
    return changes


# --- create / update / delete ------------------------------------------------------------------


def user_create(*, organisation, username, password=None, first_name, last_name, by, **fields):
    """Create a user of `organisation` (USR-6). Without a password the user gets an unusable one
    (the welcome message carries a set-password link)."""
    errors = {}
    try:
        username = normalise_username(username)
    except ValidationError as exc:
        errors["username"] = exc.messages
    fields = {"first_name": first_name, "last_name": last_name, **fields}
    fields.setdefault("language", organisation.default_language)
    if not fields.get("email") and not errors.get("username"):
        fields["email"] = username
    user = User(organisation=organisation, username=username if not errors else "")
    try:
        _clean_fields(organisation, user, fields)
        _apply_calendar_connector(organisation, user, fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _check_username_free(username)
        for key, value in fields.items():
            setattr(user, key, value)
        if password:
            _clean_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise ValidationError({"username": ValidationError(_("A user with that username already exists."), code="unique")}) from exc
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=user, changes=diff({}, snapshot(user)))
    return user


def user_update(*, user, by, **fields):
    """Change a user's details (USR-6/7/9/12/13/14). Keys: `username`, `password` (empty = keep)
    and USER_FIELDS. Only the given keys change."""
    password = fields.pop("password", None)
    username = fields.pop("username", None)
    with transaction.atomic():
        user = _lock_user(user)
        organisation = user.organisation
        before = snapshot(user)
        errors = {}
        if username is not None:
            try:
                username = normalise_username(username)
                _check_username_free(username, exclude_pk=user.pk)
            except ValidationError as exc:
                errors["username"] = exc.messages
        try:
            _clean_fields(organisation, user, fields)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        _check_last_org_admin(user, fields, by)
        calendar_touched = "calendar_sync_enabled" in fields or "calendar_sync_id" in fields
        if calendar_touched and fields.get("calendar_sync_enabled", user.calendar_sync_enabled) and not fields.get(
            "calendar_sync_id", user.calendar_sync_id
        ):
            raise ValidationError(
                {"calendar_sync_id": ValidationError(_("Enter the user's Exchange e-mail address to synchronise the calendar."), code="required")}
            )
        _apply_calendar_connector(organisation, user, fields)
        if username is not None:
            user.username = username
        old_photo = user.photo.name if "photo" in fields and user.photo else ""
        for key, value in fields.items():
            setattr(user, key, value)
        if old_photo:
            storage = user.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
        extra = None
        if password:
            _clean_password(password, user)
            user.set_password(password)
            extra = {"password": ["", "(changed)"]}
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise ValidationError({"username": ValidationError(_("A user with that username already exists."), code="unique")}) from exc
        _audit_user(user, before, by, extra)
    return user


def user_set_password(*, user, password, by):
    """Set a new password (validated by the password validators). The value is never recorded."""
    return user_update(user=user, by=by, password=password) if password else user


def user_delete(*, user, by):
    """Delete a user and free every number the user had (lines, aliases, mobile). Desk phones
    assigned to the user are unassigned by their foreign key (on_delete=SET_NULL)."""
    if by is not None and by.pk == user.pk:
        raise ValidationError(_("You cannot delete your own user."), code="self")
    with transaction.atomic():
        user = _lock_user(user)
        organisation = user.organisation
        for number in Number.objects.filter(user=user).order_by("pk"):
            number_release(number=number, by=by)
        audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=user, organisation=organisation, changes=diff(snapshot(user), {}))
        if user.photo:
            storage, name = user.photo.storage, user.photo.name
            transaction.on_commit(lambda: storage.delete(name))
        try:
            with transaction.atomic():
                user.delete()
        except (ProtectedError, RestrictedError) as exc:
            used_by = sorted({str(obj) for obj in exc.protected_objects} if isinstance(exc, ProtectedError) else {str(obj) for obj in exc.restricted_objects})
            raise ValidationError(
                _("The user %(user)s cannot be deleted while it is used by: %(objects)s."),
                code="protected",
                params={"user": user.username, "objects": ", ".join(used_by[:10])},
            ) from exc


# --- groups (USR-10) ---------------------------------------------------------------------------


def _check_groups(organisation, groups, field="user_groups"):
    groups = list(groups or ())
    if any(not isinstance(g, UserGroup) or g.organisation_id != organisation.pk for g in groups):
        raise ValidationError({field: ValidationError(_("Choose groups of the organisation."), code="invalid_choice")})
    return groups


def _set_memberships(user, wanted_ids, by):
    current = set(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))
    wanted_ids = set(wanted_ids)
    if current == wanted_ids:
        return False
    names = dict(UserGroup.objects.filter(pk__in=current | wanted_ids).values_list("pk", "name"))
    GroupMembership.objects.filter(user=user, group_id__in=current - wanted_ids).delete()
    GroupMembership.objects.bulk_create([GroupMembership(user=user, group_id=pk) for pk in sorted(wanted_ids - current)])
    audit_record(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        obj=user,
        changes={"user_groups": [sorted(names[pk] for pk in current), sorted(names[pk] for pk in wanted_ids)]},
    )
    user._connect_group_ids = None
    # What a user's groups decide reaches the user's phones (SVC-17 ring tones of the groups).
    users_changed.send(sender=User, user_ids=[user.pk])
    return True


def user_set_groups(*, user, groups, by):
    """Make `groups` (the organisation's) exactly the user's groups."""
    groups = _check_groups(user.organisation, groups)
    with transaction.atomic():
        user = _lock_user(user)
        _set_memberships(user, {g.pk for g in groups}, by)
    return user


# --- personal lines (USR-11) -------------------------------------------------------------------


def _split_aliases(aliases):
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = re.split(r"[;,\s]+", aliases)
    return [str(a).strip() for a in aliases if str(a).strip()]


def _normalise_line(raw, aliases, field, errors):
    """(NormalisedNumber or None, [NormalisedNumber alias...]) with errors collected under field keys."""
    line = None
    raw = str(raw or "").strip()
    if raw:
        try:
            line = numberlib.normalise(raw, allow_local=True, use=numberlib.USER_LINE)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    normalised_aliases = []
    alias_field = f"{field}_aliases"
    for alias in _split_aliases(aliases):
        try:
            normalised_aliases.append(numberlib.normalise(alias, allow_local=True, use=numberlib.ALIAS))
        except ValidationError as exc:
            errors.setdefault(alias_field, []).extend(f"{alias}: {m}" for m in exc.messages)
    if normalised_aliases and line is not None and line.kind != NumberKind.E164:
        errors.setdefault(alias_field, []).append(
            str(_("Aliases are allowed only when the line's number is a full phone number."))
        )
    if normalised_aliases and line is None and not errors.get(field):
        errors.setdefault(alias_field, []).append(str(_("Aliases need a line number.")))
    return line, normalised_aliases


def _line_summary(user):
    """{"primary_line": "+45… (fixed) 765", ...} for the audit trail."""
    summary = {}
    lines = {line.slot: line for line in UserLine.objects.filter(user=user).select_related("number")}
    aliases = {}
    for number in Number.objects.filter(user=user, purpose=Number.Purpose.ALIAS).order_by("value"):
        aliases.setdefault(number.line_slot, []).append(number.number)
    for slot, key in ((UserLine.Slot.PRIMARY, "primary_line"), (UserLine.Slot.SECONDARY, "secondary_line")):
        line = lines.get(slot)
        if line is None:
            summary[key] = None
        else:
            text = f"{line.number.number} ({line.line_type})"
            if aliases.get(slot):
                text += " " + ", ".join(aliases[slot])
            summary[key] = text
    return summary


def user_set_lines(
    *,
    user,
    primary=None,
    primary_type=UserLine.LineType.FIXED,
    primary_aliases=(),
    secondary=None,
    secondary_type=UserLine.LineType.FIXED,
    secondary_aliases=(),
    by,
):
    """Set the user's two personal lines with their aliases (USR-11).

    Rules: a secondary line needs a primary line; a "Kontor mobilnet" primary line forbids a
    "Kontor fastnet" secondary line; aliases are local numbers and only allowed on a line whose
    number is a full phone number; users' local numbers and aliases may not use 1500–1799 (SET-6).
    Every number and alias goes through the number registry (unique per organisation): numbers the
    user keeps stay registered, dropped ones are released, new ones registered — all or nothing.
    """
    errors = {}
    for field, value in (("primary_type", primary_type), ("secondary_type", secondary_type)):
        if value not in UserLine.LineType.values:
            errors[field] = [str(_("Choose a valid line type."))]
    p_line, p_aliases = _normalise_line(primary, primary_aliases, "primary", errors)
    s_line, s_aliases = _normalise_line(secondary, secondary_aliases, "secondary", errors)
    if s_line is not None and p_line is None and not errors.get("primary"):
        errors.setdefault("secondary", []).append(str(_("A secondary line requires a primary line.")))
    if (
        p_line is not None
        and s_line is not None
        and primary_type == UserLine.LineType.MOBILE
        and secondary_type == UserLine.LineType.FIXED
    ):
        errors.setdefault("secondary_type", []).append(
            str(_("With an office mobile line as primary line, the secondary line cannot be an office fixed line."))
        )
    # Each number only once in the request.
    seen = {}
    for field, values in (
        ("primary", [p_line] if p_line else []),
        ("primary_aliases", p_aliases),
        ("secondary", [s_line] if s_line else []),
        ("secondary_aliases", s_aliases),
    ):
        for value in values:
            if value.number in seen:
                errors.setdefault(field, []).append(
                    str(_("The number %(number)s is given more than once.") % {"number": value.number})
                )
            seen[value.number] = field
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        user = _lock_user(user)
        organisation = user.organisation
        before = _line_summary(user)
        wanted = []  # (field, normalised, purpose, slot)
        if p_line:
            wanted.append(("primary", p_line, Number.Purpose.USER_LINE, UserLine.Slot.PRIMARY))
            wanted += [("primary_aliases", a, Number.Purpose.ALIAS, UserLine.Slot.PRIMARY) for a in p_aliases]
        if s_line:
            wanted.append(("secondary", s_line, Number.Purpose.USER_LINE, UserLine.Slot.SECONDARY))
            wanted += [("secondary_aliases", a, Number.Purpose.ALIAS, UserLine.Slot.SECONDARY) for a in s_aliases]
        wanted_numbers = {w[1].number for w in wanted}
        existing = {
            n.number: n
            for n in Number.objects.select_for_update().filter(
                user=user, purpose__in=[Number.Purpose.USER_LINE, Number.Purpose.ALIAS]
            )
        }
        # Lines are rebuilt from scratch (a swap of primary and secondary would otherwise meet the
        # one-to-one constraint half-way); the registry rows of kept numbers stay.
        UserLine.objects.filter(user=user).delete()
        for number, row in existing.items():
            if number not in wanted_numbers:
                number_release(number=row, by=by)
        rows = {}
        errors = {}
        for field, normalised, purpose, slot in wanted:
            row = existing.get(normalised.number)
            if row is not None:
                if row.purpose != purpose or row.line_slot != slot:
                    row.purpose, row.line_slot = purpose, slot
                    row.save(update_fields=["purpose", "line_slot"])
            else:
                try:
                    row = number_register(
                        organisation=organisation,
                        raw=normalised.number,
                        purpose=purpose,
                        user=user,
                        line_slot=slot,
                        by=by,
                        **({"require_range": False} if purpose == Number.Purpose.ALIAS else {}),
                    )
                except ValidationError as exc:
                    errors.setdefault(field, []).extend(f"{normalised.number}: {m}" if field.endswith("aliases") else m for m in exc.messages)
                    continue
            rows[(purpose, slot, normalised.number)] = row
        if errors:
            raise ValidationError(errors)
        if p_line:
            UserLine.objects.create(
                user=user, slot=UserLine.Slot.PRIMARY, line_type=primary_type, number=rows[(Number.Purpose.USER_LINE, UserLine.Slot.PRIMARY, p_line.number)]
            )
        if s_line:
            UserLine.objects.create(
                user=user,
                slot=UserLine.Slot.SECONDARY,
                line_type=secondary_type,
                number=rows[(Number.Purpose.USER_LINE, UserLine.Slot.SECONDARY, s_line.number)],
            )
        after = _line_summary(user)
        changes = diff(before, after)
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=user, changes=changes)
    return user


# --- mobile phone (USR-12) ---------------------------------------------------------------------


def user_mobile(user):
    """The user's mobile phone registry row, or None."""
    return Number.objects.filter(user=user, purpose=Number.Purpose.MOBILE).first()


def user_set_mobile(*, user, number, licence=None, profile="standard", by):
    """Give the user one mobile phone (E.164, purpose "mobile" in the registry; it need not lie in
    the number ranges), or remove it with `number` empty. Licence: a mobile client licence."""
    organisation = user.organisation
    errors = {}
    normalised = None
    raw = str(number or "").strip()
    if raw:
        try:
            normalised = numberlib.normalise(raw, allow_local=False, use=numberlib.MOBILE)
        except ValidationError as exc:
            errors["mobile_number"] = exc.messages
    try:
        licence = _clean_field(organisation, user, "mobile_licence", licence)
    except ValidationError as exc:
        errors["mobile_licence"] = exc.messages
    if profile not in ("standard",):
        errors["mobile_profile"] = [str(_("The mobile profile must be “Standard”."))]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = _lock_user(user)
        before = snapshot(user)
        current = list(Number.objects.select_for_update().filter(user=user, purpose=Number.Purpose.MOBILE))
        old_number = current[0].number if current else None
        keep = None
        for row in current:
            if normalised is not None and row.number == normalised.number and keep is None:
                keep = row
            else:
                number_release(number=row, by=by)
        if normalised is not None and keep is None:
            try:
                number_register(
                    organisation=organisation,
                    raw=normalised.number,
                    purpose=Number.Purpose.MOBILE,
                    user=user,
                    by=by,
                    allow_local=False,
                    require_range=False,
                )
            except ValidationError as exc:
                raise ValidationError({"mobile_number": exc.messages}) from exc
        user.mobile_licence = licence if normalised is not None else (licence or user.mobile_licence)
        user.mobile_profile = profile
        user.save(update_fields=["mobile_licence", "mobile_profile"])
        new_number = normalised.number if normalised else None
        extra = {"mobile_number": [old_number, new_number]} if old_number != new_number else None
        _audit_user(user, before, by, extra)
    return user


# --- third-party SIP account (USR-12) ----------------------------------------------------------


def validate_sip_password(password):
    """≥ 12 characters with upper case, lower case and digits; printable ASCII only."""
    problems = []
    if len(password) < SIP_PASSWORD_MIN_LENGTH:
        problems.append(_("The password must be at least %(min)d characters long.") % {"min": SIP_PASSWORD_MIN_LENGTH})
    if len(password) > 64:
        problems.append(_("The password may be at most %(max)d characters long.") % {"max": 64})
    if not all(33 <= ord(c) <= 126 for c in password):
        problems.append(_("The password may contain only letters, digits and punctuation (no spaces)."))
    if not (any(c.isupper() for c in password) and any(c.islower() for c in password) and any(c.isdigit() for c in password)):
        problems.append(_("The password must contain upper-case letters, lower-case letters and digits."))
    if problems:
        raise ValidationError(problems, code="weak")


def sip_username_for(user):
    """The SIP username of the user's third-party account: stable, unique system-wide."""
    return f"{user.username.split('@')[0][:40]}.{user.pk}.3p"


def user_set_third_party_sip(*, user, enabled, password=None, display_as=ThirdPartySipAccount.DisplayAs.FIXED, by):
    """Enable/disable the user's third-party SIP account. `password` empty keeps the stored one;
    enabling without any stored password requires one. Stored encrypted, never returned."""
    password = password or ""
    errors = {}
    if display_as not in ThirdPartySipAccount.DisplayAs.values:
        errors["sip_display_as"] = [str(_("Choose a valid option."))]
    if password:
        try:
            validate_sip_password(password)
        except ValidationError as exc:
            errors["sip_password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = _lock_user(user)
        account = ThirdPartySipAccount.objects.select_for_update().filter(user=user).first()
        if account is None:
            if not enabled and not password:
                return None
            account = ThirdPartySipAccount(user=user, sip_username=sip_username_for(user))
            before = {}
        else:
            before = snapshot(account)
        if enabled and not password and not account.password_encrypted:
            raise ValidationError({"sip_password": ValidationError(_("Enter a password for the SIP account."), code="required")})
        account.enabled = bool(enabled)
        account.display_as = display_as
        if password:
            account.password_encrypted = crypto.encrypt(password)
        is_new = account.pk is None
        account.save()
        changes = diff(before, snapshot(account))
        if password:
            changes["password"] = ["", "(changed)"]
        if changes:
            audit_record(
                actor=by,
                action=AuditEntry.Action.CREATE if is_new else AuditEntry.Action.UPDATE,
                obj=account,
                organisation=user.organisation,
                changes=changes,
            )
    return account


# --- copy (USR-15) -----------------------------------------------------------------------------


def user_copy(*, source, username, first_name, last_name, password=None, email="", by):
    """"Opret ny bruger baseret på denne bruger": a new user with exactly the non-personal
    settings of `source` (NON_PERSONAL_FIELDS and group memberships). Other apps copy their
    user-level settings by connecting to customers.signals.user_copied."""
    organisation = source.organisation
    fields = {name: getattr(source, name) for name in NON_PERSONAL_FIELDS}
    if email:
        fields["email"] = email
    with transaction.atomic():
        target = user_create(
            organisation=organisation,
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            by=by,
            **fields,
        )
        group_ids = list(GroupMembership.objects.filter(user=source).values_list("group_id", flat=True))
        if group_ids:
            _set_memberships(target, group_ids, by)
        user_copied.send(sender=User, source=source, target=target, by=by)
    return target


# --- bulk actions (USR-4) ----------------------------------------------------------------------


def _check_users(organisation, users):
    users = list(users)
    if any(u.organisation_id != organisation.pk for u in users):
        raise ValidationError({"users": ValidationError(_("Choose users of the organisation."), code="invalid_choice")})
    return users


def users_add_to_groups(*, organisation, users, groups, by):
    """Add every user to every group (existing memberships stay)."""
    users = _check_users(organisation, users)
    groups = _check_groups(organisation, groups, field="groups")
    with transaction.atomic():
        for user in users:
            current = set(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))
            _set_memberships(_lock_user(user), current | {g.pk for g in groups}, by)


def users_remove_from_groups(*, organisation, users, groups, by):
    """Remove every user from each of the groups."""
    users = _check_users(organisation, users)
    groups = _check_groups(organisation, groups, field="groups")
    with transaction.atomic():
        for user in users:
            current = set(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))
            _set_memberships(_lock_user(user), current - {g.pk for g in groups}, by)


def users_update(*, organisation, users, by, **fields):
    """"Rediger brugere": apply only the given non-personal fields to every user."""
    unknown = set(fields) - set(NON_PERSONAL_FIELDS)
    if unknown:
        raise TypeError(f"users_update() got non-bulk fields: {', '.join(sorted(unknown))}")
    users = _check_users(organisation, users)
    with transaction.atomic():
        for user in users:
            user_update(user=user, by=by, **dict(fields))


def users_delete(*, organisation, users, by):
    """"Slet brugere": delete every user (frees their numbers); all or nothing."""
    users = _check_users(organisation, users)
    if by is not None and any(u.pk == by.pk for u in users):
        raise ValidationError({"users": ValidationError(_("You cannot delete your own user."), code="self")})
    with transaction.atomic():
        for user in users:
            user_delete(user=user, by=by)
