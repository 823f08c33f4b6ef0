"""SVC-19 presence synchronization policies: stored rules per calendar connector.

One `PresencePolicy` per connector that has rules (no rules: no row, so an unused connector
stays deletable), with its ordered mappings and its exclusions as parts (CASCADE). The
connector, the activities and the roles are referred to with RESTRICT foreign keys: while a
rule uses them they cannot be deleted (connect.lib.references lists the rules), while deleting
the whole organisation still removes everything. The rule engine is services.presence_sync.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connect.lib.validators import validate_clean_text
from customers.models import (
    Activity,
    CalendarConnector,
    Organisation,
    OrganisationScopedQuerySet,
    Role,
)
from services.presence_sync import MATCH_MAX_LENGTH, RuleType


class PresencePolicy(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    connector = models.OneToOneField(
        CalendarConnector,
        on_delete=models.RESTRICT,
        related_name="presence_policy",
        verbose_name=_("calendar connector"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("presence synchronization policy")
        verbose_name_plural = _("presence synchronization policies")
        ordering = ["connector__name"]

    def __str__(self):
        return str(self.connector)

    def get_absolute_url(self):
        return reverse("services:presence_sync_connector", args=[self.connector_id])


class PresenceRuleQuerySet(OrganisationScopedQuerySet):
    organisation_field = "policy__organisation"


class PresenceRule(models.Model):
    """What mappings and exclusions share: their policy, position, type and match."""

    # Each subclass declares its `policy` foreign key (with its own related name).
    position = models.PositiveSmallIntegerField(_("position"))
    type = models.CharField(_("type"), max_length=16, choices=RuleType.choices)
    match = models.CharField(
        _("match"), max_length=MATCH_MAX_LENGTH, validators=[validate_clean_text]
    )

    objects = PresenceRuleQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["policy", "position"]

    def get_absolute_url(self):
        return self.policy.get_absolute_url()

    def reference_label(self):
        return f"{self.policy.connector}: {self.get_type_display()} “{self.match}”"


class PresenceMapping(PresenceRule):
    """ "Presence mappings": an Exchange item matching Type/Match gives the user the activity
    and, unless "Do Not Change" (NULL), the role. The first matching mapping wins."""

    policy = models.ForeignKey(
        PresencePolicy, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("policy")
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity"),
    )
    role = models.ForeignKey(
        Role,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role"),
    )

    class Meta(PresenceRule.Meta):
        verbose_name = _("presence mapping")
        verbose_name_plural = _("presence mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="presencemapping_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(activity__isnull=False) | models.Q(role__isnull=False),
                name="presencemapping_activity_or_role",
            ),
        ]

    def __str__(self):
        return f"{self.position + 1}. {self.get_type_display()} “{self.match}”"


class PresenceExclusion(PresenceRule):
    """ "Exclude from mapping and calendar view": a matching Exchange item is ignored."""

    policy = models.ForeignKey(
        PresencePolicy,
        on_delete=models.CASCADE,
        related_name="exclusions",
        verbose_name=_("policy"),
    )

    class Meta(PresenceRule.Meta):
        verbose_name = _("presence exclusion")
        verbose_name_plural = _("presence exclusions")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="presenceexclusion_unique_position"
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} “{self.match}”"
