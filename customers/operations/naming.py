"""Shared checks of the Organisation section's named objects (presence, classifications...)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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
