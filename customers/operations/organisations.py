"""Organisations (ORG-1): creation applies the organisation template.

The template of this app: languages Dansk + Engelsk (ORG-8), the system music-on-hold categories
and the system prompt "Ringing" (created once, shared by every organisation), the organisation
prompt "IpvisionLukket", the licence types (ORG-4), the six directory fields (USR-17), the activity
"Ledig" and the role "Arbejde" (ORG-7).

Other apps add their part of the template (number conversions, presence states, service
defaults...) by connecting a receiver to `organisation_created`; it is sent inside the same
transaction, so a failing receiver leaves no half-made organisation behind. The provisioning
app creates its ticket lazily and needs nothing here.
"""

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry, DirectoryField, Language, Licence, Organisation, Prompt
from customers.models.directory import DEFAULT_FIELD_COUNT, DEFAULT_SEARCHABLE

# Sent as organisation_created.send(sender=Organisation, organisation=org, by=user).
organisation_created = Signal()

SYSTEM_MUSIC = ("fpm-calmriver", "fpm-sunshine", "fpm-worldmix", "ventemusikSamlet")
SYSTEM_PROMPTS = ("Ringing",)
ORGANISATION_PROMPTS = (("IpvisionLukket", "Vi har lukket"),)
# (name, kind, is_unified_communication)
LICENCE_TYPES = (
    ("Unified Communication", Licence.Kind.USER, True),
    ("Standard", Licence.Kind.USER, False),
    ("Mobilklient", Licence.Kind.MOBILE, False),
)
TEMPLATE_LANGUAGES = [Language.DANISH.value, Language.ENGLISH.value]


def ensure_system_prompts():
    """The system prompts every organisation sees; created once, never duplicated."""
    for name in SYSTEM_MUSIC:
        Prompt.objects.get_or_create(organisation=None, name=name, defaults={"kind": Prompt.Kind.MUSIC})
    for name in SYSTEM_PROMPTS:
        Prompt.objects.get_or_create(organisation=None, name=name, defaults={"kind": Prompt.Kind.PROMPT})


def _clean_name(name, exclude_pk=None):
    name = (name or "").strip()
    field = Organisation._meta.get_field("name")
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    if len(name) > field.max_length:
        raise ValidationError({"name": ValidationError(_("The name may be at most %(max)d characters."), params={"max": field.max_length})})
    try:
        field.run_validators(name)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from exc
    clash = Organisation.objects.filter(name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("An organisation with that name already exists.")}, code="unique")
    return name


def validate_linked_organisations(*, organisation, linked):
    """An organisation is linked to other organisations, never to itself."""
    if organisation.pk is not None and any(other.pk == organisation.pk for other in linked or ()):
        message = _("An organisation cannot be linked to itself. Remove “%(name)s” from the list.")
        error = ValidationError(message, params={"name": organisation.name}, code="self_link")
        raise ValidationError({"linked_organisations": error})


def apply_template(organisation, *, by=None):
    """Create the template rows that are missing (safe to run again on an existing organisation)."""
    from customers.operations.presence import (
        TEMPLATE_ACTIVITIES,
        TEMPLATE_ROLES,
        ensure_presence_states,
    )

    ensure_system_prompts()
    ensure_presence_states(organisation, TEMPLATE_ACTIVITIES, TEMPLATE_ROLES, by=by)
    for name, description in ORGANISATION_PROMPTS:
        prompt, created = Prompt.objects.get_or_create(
            organisation=organisation, name=name, defaults={"kind": Prompt.Kind.PROMPT, "description": description}
        )
        if created:
            audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=prompt, organisation=organisation, changes=diff({}, snapshot(prompt)))
    for name, kind, unified in LICENCE_TYPES:
        licence, created = Licence.objects.get_or_create(
            organisation=organisation, name=name, defaults={"kind": kind, "is_unified_communication": unified}
        )
        if created:
            audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=licence, changes=diff({}, snapshot(licence)))
    for number in range(1, DEFAULT_FIELD_COUNT + 1):
        field, created = DirectoryField.objects.get_or_create(
            organisation=organisation, number=number, defaults={"searchable": number <= DEFAULT_SEARCHABLE}
        )
        if created:
            audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=field, changes=diff({}, snapshot(field)))


def organisation_create(*, name, default_language=Language.DANISH, languages=None, time_zone="Europe/Copenhagen", by):
    """Create an organisation and apply the template (ORG-1). Support staff only (Django admin)."""
    languages = list(languages or TEMPLATE_LANGUAGES)
    if default_language not in Language.values:
        raise ValidationError({"default_language": _("Choose a language from the list.")})
    if any(code not in Language.values for code in languages):
        raise ValidationError({"languages": _("Choose languages from the list.")})
    if default_language not in languages:
        languages.insert(0, default_language)
    if time_zone not in available_timezones():
        raise ValidationError({"time_zone": _("Choose a valid time zone, e.g. Europe/Copenhagen.")})
    with transaction.atomic():
        name = _clean_name(name)
        organisation = Organisation(name=name, default_language=default_language, languages=languages, time_zone=time_zone)
        try:
            with transaction.atomic():
                organisation.save()
        except IntegrityError as exc:
            raise ValidationError({"name": _("An organisation with that name already exists.")}) from exc
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=organisation, changes=diff({}, snapshot(organisation)))
        apply_template(organisation, by=by)
        organisation_created.send(sender=Organisation, organisation=organisation, by=by)
    return organisation
