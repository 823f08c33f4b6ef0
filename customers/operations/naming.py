"""Shared checks and writes of the Organisation section's named objects (presence states,
shortcuts, classifications, connectors, prompts)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.references import refuse_delete_if_referenced
from customers.models import AuditEntry


def clean_text(model, name, value, *, required):
    """A stripped text field value checked against the model field's length and validators."""
    value = (value or "").strip()
    field = model._meta.get_field(name)
    if required and not value:
        raise ValidationError({name: _("This field is required.")}, code="required")
    if len(value) > field.max_length:
        raise ValidationError(
            {name: ValidationError(_("At most %(max)d characters."), params={"max": field.max_length}, code="max_length")}
        )
    try:
        field.run_validators(value)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc
    return value


def check_unique_name(instance):
    """Names are unique in the organisation whatever their case (a field error otherwise)."""
    clash = type(instance).objects.for_organisation(instance.organisation).filter(name__iexact=instance.name)
    if instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("The name “%(name)s” is already used.") % {"name": instance.name}}, code="unique"
        )


def check_fields(function, fields, allowed):
    """Operations take their fields as keywords: an unknown one is a programming error."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{function}() got unexpected fields: {', '.join(sorted(unknown))}")


def clean_choice(name, value, choices, default):
    """`value` (or `default` when empty) if it is one of `choices`, else a field error."""
    value = value or default
    if value not in choices.values:
        raise ValidationError({name: _("Select a valid choice.")}, code="invalid_choice")
    return value


def delete_unreferenced(instance, *, by):
    """Delete `instance` with an audit entry, refused while anything refers to it."""
    with transaction.atomic():
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
        refuse_delete_if_referenced(instance)
        audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=instance, changes=diff(snapshot(instance), {}))
        instance.delete()
