"""Presence states (ORG-7: activities and roles) and presence shortcuts (ORG-2).

Activities and roles carry a feature-code number (0-99, unique per kind in the organisation) that
users dial with FC-11/12/13, and one translated label per organisation language (ORG-8), kept as
a {language code: label} mapping. Other settings refer to activities with RESTRICT foreign keys:
one that is in use cannot be deleted (connect.lib.references lists what uses it).
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connect.lib.validators import validate_clean_text
from customers.models.core import Organisation, OrganisationScopedQuerySet, Prompt

FEATURE_CODE_MAX = 99


class Availability(models.TextChoices):
    """"Vis aktivitet som" / "Tilgængelighed": Ledig or Optaget."""

    AVAILABLE = "available", pgettext_lazy("presence", "Available")
    BUSY = "busy", pgettext_lazy("presence", "Busy")


class PresenceState(models.Model):
    """What activities and roles share: name, feature-code number, translated labels.

    Each subclass declares its own `organisation` foreign key (with its own related name)."""

    name = models.CharField(_("name of this state"), max_length=64, validators=[validate_clean_text])
    feature_code = models.PositiveSmallIntegerField(
        _("number used when the state is activated with a feature code"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(FEATURE_CODE_MAX)],
    )
    labels = models.JSONField(_("translated labels"), default=dict, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def label(self, language):
        """The label in `language`, else the name."""
        return self.labels.get(language) or self.name


def _state_constraints(prefix):
    return [
        models.UniqueConstraint("organisation", Lower("name"), name=f"{prefix}_unique_name_ci"),
        models.UniqueConstraint(
            fields=["organisation", "feature_code"],
            condition=Q(feature_code__isnull=False),
            name=f"{prefix}_unique_feature_code",
        ),
        models.CheckConstraint(
            condition=Q(feature_code__isnull=True) | Q(feature_code__lte=FEATURE_CODE_MAX),
            name=f"{prefix}_feature_code_range",
        ),
    ]


class Activity(PresenceState):
    """An activity a user can be in ("Ledig", "Forstyr ikke"...), shown as available or busy."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="activities", verbose_name=_("organisation")
    )
    show_as = models.CharField(_("show activity as"), max_length=16, choices=Availability.choices, default=Availability.AVAILABLE)
    message = models.ForeignKey(
        Prompt,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message used for this activity"),
    )

    class Meta(PresenceState.Meta):
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = _state_constraints("activity")

    def get_absolute_url(self):
        return reverse("customers:activity_update", args=[self.pk])


class Role(PresenceState):
    """A role a user can have ("Arbejde", "Privat")."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="roles", verbose_name=_("organisation")
    )

    class Meta(PresenceState.Meta):
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = _state_constraints("role")

    def get_absolute_url(self):
        return reverse("customers:role_update", args=[self.pk])


class PresenceShortcut(models.Model):
    """ORG-2: a shortcut every user of the organisation gets in the clients."""

    class Duration(models.TextChoices):
        NONE = "none", _("No end time")
        MIN_15 = "15", _("15 minutes")
        MIN_30 = "30", _("30 minutes")
        HOUR_1 = "60", _("1 hour")
        HOUR_2 = "120", _("2 hours")
        HOUR_4 = "240", _("4 hours")
        REST_OF_DAY = "rest_of_day", _("Rest of the day")

    class Icon(models.TextChoices):
        PERSON = "person", pgettext_lazy("icon", "Person")
        MEETING = "meeting", pgettext_lazy("icon", "Meeting")
        CAR = "car", pgettext_lazy("icon", "Car")
        LUNCH = "lunch", pgettext_lazy("icon", "Lunch")
        CLOCK = "clock", pgettext_lazy("icon", "Clock")
        BREAK = "break", pgettext_lazy("icon", "Break")
        PLANE = "plane", pgettext_lazy("icon", "Plane")
        HOME = "home", pgettext_lazy("icon", "Home")

    # Bootstrap Icons class per icon (the vendored icon font).
    ICON_CLASSES = {
        Icon.PERSON: "bi-person-fill",
        Icon.MEETING: "bi-people-fill",
        Icon.CAR: "bi-car-front-fill",
        Icon.LUNCH: "bi-cup-hot-fill",
        Icon.CLOCK: "bi-clock-fill",
        Icon.BREAK: "bi-pause-circle-fill",
        Icon.PLANE: "bi-airplane-fill",
        Icon.HOME: "bi-house-fill",
    }

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="presence_shortcuts", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])
    activity = models.ForeignKey(
        Activity, on_delete=models.RESTRICT, null=True, blank=True, related_name="shortcuts", verbose_name=_("activity")
    )
    duration = models.CharField(_("duration"), max_length=16, choices=Duration.choices, default=Duration.NONE)
    availability = models.CharField(_("availability"), max_length=16, choices=Availability.choices, default=Availability.AVAILABLE)
    icon = models.CharField(_("icon"), max_length=16, choices=Icon.choices, default=Icon.PERSON)
    diversion_number = models.CharField(_("diversion number"), max_length=16, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("presence shortcut")
        verbose_name_plural = _("presence shortcuts")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organisation", Lower("name"), name="shortcut_unique_name_ci")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:shortcut_update", args=[self.pk])

    @property
    def icon_class(self):
        return self.ICON_CLASSES.get(self.icon, "bi-person-fill")
