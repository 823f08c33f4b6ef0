"""Directory fields (USR-17, "Kontaktfelter"): organisation-defined fields on every user.

Six fields exist from the organisation template (Felt 1 … Felt 6; 1-3 searchable). A field
without a name is hidden from users. Values are free text (field type "Generel").
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from connect.lib.validators import validate_clean_text
from customers.models.core import Organisation, OrganisationScopedQuerySet, User

DEFAULT_FIELD_COUNT = 6
DEFAULT_SEARCHABLE = 3


class DirectoryField(models.Model):
    class FieldType(models.TextChoices):
        GENERAL = "general", _("General")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="directory_fields", verbose_name=_("organisation")
    )
    number = models.PositiveSmallIntegerField(_("field ID"), validators=[MinValueValidator(1)])
    name = models.CharField(
        _("name"), max_length=64, blank=True, validators=[validate_clean_text], help_text=_("Unnamed fields are hidden from users.")
    )
    searchable = models.BooleanField(_("searchable"), default=False)
    field_type = models.CharField(_("field type"), max_length=16, choices=FieldType.choices, default=FieldType.GENERAL)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory field")
        verbose_name_plural = _("directory fields")
        ordering = ["organisation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="directoryfield_unique_number"),
        ]

    def __str__(self):
        return self.name or self.default_label

    @property
    def default_label(self):
        return _("Field %(number)d") % {"number": self.number}


class DirectoryFieldValueQuerySet(OrganisationScopedQuerySet):
    organisation_field = "field__organisation"


class DirectoryFieldValue(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="directory_values", verbose_name=_("user"))
    field = models.ForeignKey(DirectoryField, on_delete=models.CASCADE, related_name="values", verbose_name=_("directory field"))
    value = models.CharField(_("value"), max_length=255, blank=True, validators=[validate_clean_text])

    objects = DirectoryFieldValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory field value")
        verbose_name_plural = _("directory field values")
        ordering = ["user", "field__number"]
        constraints = [models.UniqueConstraint(fields=["user", "field"], name="directoryfieldvalue_unique")]

    def __str__(self):
        return f"{self.field}: {self.value}"
