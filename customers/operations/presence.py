"""Presence states (ORG-7), presence shortcuts (ORG-2) and the organisation's languages (ORG-8).

Names are unique per organisation whatever their case; feature-code numbers are 0-99 and unique
among activities and among roles. Translated labels are kept only for the organisation's
languages. An activity, role or prompt in use is never deleted (connect.lib.references).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.audit import audit_record, diff, snapshot
from customers.models import (
    Activity,
    AuditEntry,
    Language,
    Organisation,
    PresenceShortcut,
    Prompt,
    Role,
)
from customers.models.presence import FEATURE_CODE_MAX, Availability
from customers.operations.naming import (
    check_fields,
    check_unique_name,
    clean_choice,
    clean_text,
    delete_unreferenced,
)

ACTIVITY_FIELDS = ("name", "feature_code", "show_as", "message", "labels")
ROLE_FIELDS = ("name", "feature_code", "labels")
SHORTCUT_FIELDS = ("name", "activity", "duration", "availability", "icon", "diversion_number")


def _check_feature_code(instance):
    code = instance.feature_code
    if code in (None, ""):
        instance.feature_code = None
        return
    try:
        code = int(code)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"feature_code": _("Enter a whole number from 0 to 99.")}, code="invalid") from exc
    if not 0 <= code <= FEATURE_CODE_MAX:
        raise ValidationError({"feature_code": _("Enter a whole number from 0 to 99.")}, code="range")
    clash = type(instance).objects.for_organisation(instance.organisation).filter(feature_code=code)
    if instance.pk:
        clash = clash.exclude(pk=instance.pk)
    taken = clash.first()
    if taken is not None:
        raise ValidationError(
            {"feature_code": _("The number %(code)s is already used by “%(name)s”.") % {"code": code, "name": taken}},
            code="unique",
        )
    instance.feature_code = code


def _clean_labels(organisation, labels):
    """{language: label} for the organisation's languages only; empty labels dropped."""
    cleaned = {}
    for code in organisation.languages:
        label = (labels or {}).get(code, "")
        label = (label or "").strip()
        if len(label) > 64:
            raise ValidationError({"labels": _("A translated label may be at most 64 characters.")}, code="max_length")
        if label:
            cleaned[code] = label
    return cleaned



def _save(instance, *, before, by):
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent request took the name or the number first
        raise ValidationError(_("The name or the number was just taken by someone else. Try again."), code="unique") from exc
    action = AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE
    audit_record(actor=by, action=action, obj=instance, changes=diff(before, snapshot(instance)))
    return instance



def _apply_state_fields(instance, fields):
    organisation = instance.organisation
    if "name" in fields or instance.pk is None:
        instance.name = clean_text(type(instance), "name", fields.get("name"), required=True)
    if "feature_code" in fields:
        instance.feature_code = fields["feature_code"]
    if "labels" in fields:
        instance.labels = _clean_labels(organisation, fields["labels"])
    check_unique_name(instance)
    _check_feature_code(instance)



def _clean_message(organisation, message):
    if message is None:
        return None
    if not Prompt.objects.for_organisation(organisation).filter(pk=message.pk).exists():
        raise ValidationError({"message": _("Select a valid choice.")}, code="invalid_choice")
    return message


def activity_create(*, organisation, by, **fields):
    """Add an activity ("Ledig", "Forstyr ikke"): name, feature-code number, shown as, message, labels."""
    check_fields("activity_create", fields, ACTIVITY_FIELDS)
    with transaction.atomic():
        activity = Activity(organisation=organisation)
        return _activity_save(activity, fields, before={}, by=by)


def activity_update(*, activity, by, **fields):
    check_fields("activity_update", fields, ACTIVITY_FIELDS)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        return _activity_save(activity, fields, before=snapshot(activity), by=by)


def _activity_save(activity, fields, *, before, by):
    _apply_state_fields(activity, fields)
    if "show_as" in fields or not before:
        activity.show_as = clean_choice("show_as", fields.get("show_as"), Availability, Availability.AVAILABLE)
    if "message" in fields:
        activity.message = _clean_message(activity.organisation, fields["message"])
    return _save(activity, before=before, by=by)


def activity_delete(*, activity, by):
    """Delete an activity no shortcut, function number or rule uses."""
    delete_unreferenced(activity, by=by)


def role_create(*, organisation, by, **fields):
    """Add a role ("Arbejde", "Privat"): name, feature-code number, labels."""
    check_fields("role_create", fields, ROLE_FIELDS)
    with transaction.atomic():
        role = Role(organisation=organisation)
        _apply_state_fields(role, fields)
        return _save(role, before={}, by=by)


def role_update(*, role, by, **fields):
    check_fields("role_update", fields, ROLE_FIELDS)
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        before = snapshot(role)
        _apply_state_fields(role, fields)
        return _save(role, before=before, by=by)


def role_delete(*, role, by):
    """Delete a role nothing uses."""
    delete_unreferenced(role, by=by)


def shortcut_create(*, organisation, by, **fields):
    """Add a presence shortcut (ORG-2) for every user of the organisation."""
    check_fields("shortcut_create", fields, SHORTCUT_FIELDS)
    with transaction.atomic():
        shortcut = PresenceShortcut(organisation=organisation)
        return _shortcut_save(shortcut, fields, before={}, by=by)


def shortcut_update(*, shortcut, by, **fields):
    check_fields("shortcut_update", fields, SHORTCUT_FIELDS)
    with transaction.atomic():
        shortcut = PresenceShortcut.objects.select_for_update().get(pk=shortcut.pk)
        return _shortcut_save(shortcut, fields, before=snapshot(shortcut), by=by)


def _shortcut_save(shortcut, fields, *, before, by):
    organisation = shortcut.organisation
    if "name" in fields or not before:
        shortcut.name = clean_text(PresenceShortcut, "name", fields.get("name"), required=True)
    if "activity" in fields:
        activity = fields["activity"]
        if activity is not None and not Activity.objects.for_organisation(organisation).filter(pk=activity.pk).exists():
            raise ValidationError({"activity": _("Select a valid choice.")}, code="invalid_choice")
        shortcut.activity = activity
    for name, choices in (
        ("duration", PresenceShortcut.Duration),
        ("availability", Availability),
        ("icon", PresenceShortcut.Icon),
    ):
        if name in fields or not before:
            default = PresenceShortcut._meta.get_field(name).default
            setattr(shortcut, name, clean_choice(name, fields.get(name), choices, default))
    if "diversion_number" in fields:
        raw = (fields["diversion_number"] or "").strip()
        try:
            shortcut.diversion_number = numberlib.normalise(raw, use=numberlib.TARGET).number if raw else ""
        except ValidationError as exc:
            raise ValidationError({"diversion_number": exc.messages}) from exc
    check_unique_name(shortcut)
    return _save(shortcut, before=before, by=by)


def shortcut_delete(*, shortcut, by):
    delete_unreferenced(shortcut, by=by)


# --- Languages (ORG-8) ---------------------------------------------------------------------------


def language_removal_effects(organisation, codes):
    """What goes when the languages `codes` are removed: {code: [description, ...]}."""
    effects = {}
    for code in codes:
        lines = []
        for model in (Activity, Role):
            names = [
                str(state)
                for state in model.objects.for_organisation(organisation).order_by("name")
                if state.labels.get(code)
            ]
            if names:
                lines.append(
                    _("Translated labels of %(kind)s: %(names)s")
                    % {"kind": model._meta.verbose_name_plural, "names": ", ".join(names)}
                )
        prompts = list(
            Prompt.objects.filter(organisation=organisation, recordings__language=code).order_by("name").distinct()
        )
        if prompts:
            lines.append(
                _("The recordings in this language of these voice prompts are deleted: %(names)s")
                % {"names": ", ".join(p.name for p in prompts)}
            )
        if lines:
            effects[code] = lines
    return effects


def organisation_languages_set(*, organisation, languages, default, by):
    """Set the ordered list of languages and the default (ORG-8). At least one; the default is in
    the list. Labels and prompt recordings in removed languages are deleted."""
    languages = list(dict.fromkeys(languages or []))
    valid = set(Language.values)
    if not languages:
        raise ValidationError(_("The organisation needs at least one language."), code="required")
    if any(code not in valid for code in languages):
        raise ValidationError(_("Select a valid choice."), code="invalid_choice")
    if default not in languages:
        raise ValidationError(_("The default language must be one of the organisation's languages."), code="invalid")
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = snapshot(organisation)
        removed = [code for code in organisation.languages if code not in languages]
        organisation.languages = languages
        organisation.default_language = default
        organisation.save(update_fields=["languages", "default_language"])
        for model in (Activity, Role):
            for state in model.objects.for_organisation(organisation).select_for_update():
                kept = {code: label for code, label in state.labels.items() if code in languages}
                if kept != state.labels:
                    state_before = snapshot(state)
                    state.labels = kept
                    state.save(update_fields=["labels"])
                    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=state, changes=diff(state_before, snapshot(state)))
        if removed:
            from customers.operations.prompts import prompt_recordings_delete

            prompt_recordings_delete(organisation=organisation, languages=removed, by=by)
        audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=organisation, changes=diff(before, snapshot(organisation)))
    return organisation


# --- The organisation template (ORG-1) and the demo (DEMO-5) -----------------------------------

# (name, feature code, show as, {language: label})
TEMPLATE_ACTIVITIES = (("Ledig", 1, Availability.AVAILABLE, {"da": "Ledig", "en": "Available"}),)
TEMPLATE_ROLES = (("Arbejde", 1, {"da": "Arbejde", "en": "Work"}),)


def ensure_presence_states(organisation, activities, roles, *, by=None):
    """Create the named activities and roles that are missing (safe to run again)."""
    for name, code, show_as, labels in activities:
        if not Activity.objects.for_organisation(organisation).filter(name__iexact=name).exists():
            free = not Activity.objects.for_organisation(organisation).filter(feature_code=code).exists()
            activity_create(
                organisation=organisation, by=by, name=name, feature_code=code if free else None, show_as=show_as, labels=labels
            )
    for name, code, labels in roles:
        if not Role.objects.for_organisation(organisation).filter(name__iexact=name).exists():
            free = not Role.objects.for_organisation(organisation).filter(feature_code=code).exists()
            role_create(organisation=organisation, by=by, name=name, feature_code=code if free else None, labels=labels)
