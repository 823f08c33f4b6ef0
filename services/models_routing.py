"""Call routing (FEATURES.md SVC-11, SVC-12, SVC-13): rule sets, ordered rules, their conditions and
actions, and the allowed destinations.

A rule set belongs to one owner: the organisation, one user group, one user, or one rule-based
number (FN-8). The organisation's and the groups' rule sets are also the rows of the
"Rækkefølge" table (`position`, 1 = first): their required rules come before the user's own,
their overridable rules after. Each set has three lists (incoming, outgoing, fallback); the
organisation's and groups' rules are either required ("Påkrævet") or overridable ("Kan
tilsidesættes"), a user's or rule-based number's rules are their own ("own").

The sentences shown for a rule are generated from these rows (services/routing_text.py), never
stored. Conditions and actions refer to activities, roles, number type classifications, users and
function numbers with RESTRICT: one that a rule uses cannot be deleted (connect.lib.references
lists the rule). The rule-based number is named by its model string only, so services does not
import functionnumbers (ARCHITECTURE.md: both import customers, not each other).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import (
    Activity,
    NumberClassification,
    Organisation,
    OrganisationScopedQuerySet,
    Role,
    UserGroup,
)
from services.models import ScopedSettings

MAX_DELAY = 300  # seconds: "efter N sekunder", 0-300
MAX_RULES_PER_LIST = 1000  # stated on the page; the editor refuses the 1,001st rule


class RuleList(models.TextChoices):
    INCOMING = "incoming", _("Incoming rules")
    OUTGOING = "outgoing", _("Outgoing rules")
    FALLBACK = "fallback", _("Fallback rules")


class Tier(models.TextChoices):
    REQUIRED = "required", _("Required")
    OVERRIDABLE = "overridable", _("Overridable")
    OWN = "own", _("Own rules")


class Trigger(models.TextChoices):
    RECEIVED = "received", _("When a call is received")
    MADE = "made", _("When a call is made")


class ConditionKind(models.TextChoices):
    BUSY = "busy", _("on a call")
    WORKING_HOURS = "working_hours", _("within working hours")
    ACTIVITY = "activity", _("activity is")
    ROLE = "role", _("role is")
    AVAILABILITY = "availability", _("availability is")
    CALLER = "caller", _("caller is")
    CALLER_PREFIX = "caller_prefix", _("caller number begins with")
    NUMBER_TYPE = "number_type", _("number type is")
    NUMBER_PREFIX = "number_prefix", _("number begins with")


class ActionKind(models.TextChoices):
    ROUTE = "route", _("route the call to")
    BUSY = "busy", _("reject with busy tone")
    BLOCK = "block", _("block the call")
    PRESENT = "present", _("present number")


class Destination(models.TextChoices):
    """SVC-12 allowed destinations (our decision on the values), then the additional destinations
    of rule-based numbers (SVC-13: any function number, user or phone number)."""

    DESK_PHONE = "desk_phone", _("desk phone")
    SOFTPHONE = "softphone", _("softphone")
    MOBILE = "mobile", _("mobile phone")
    MOBILE_VOIP = "mobile_voip", _("mobile VoIP")
    THIRD_PARTY_SIP = "third_party_sip", _("third-party SIP phone")
    VOICEMAIL = "voicemail", _("voicemail")
    PERSONAL_QUEUE = "personal_queue", _("personal queue")
    OTHER_NUMBER = "other_number", _("other number")
    SWITCHBOARD = "switchboard", _("switchboard number")
    FUNCTION_NUMBER = "function_number", _("function number")
    USER = "user", _("user")


ALLOWED_DESTINATIONS = tuple(Destination)[:9]  # the SVC-12 check list
RULE_BASED_EXTRA_DESTINATIONS = (
    Destination.FUNCTION_NUMBER,
    Destination.USER,
    Destination.OTHER_NUMBER,
)


class Presented(models.TextChoices):
    OWN_LINE = "own_line", _("own line")
    SWITCHBOARD = "switchboard", _("switchboard number")
    ANONYMOUS = "anonymous", _("anonymous")


class RuleSetQuerySet(OrganisationScopedQuerySet):
    def ordered_tiers(self):
        """The organisation's and groups' sets in "Rækkefølge" order."""
        return self.filter(user__isnull=True, rule_based_number__isnull=True).order_by(
            "position", "pk"
        )


class RoutingRuleSet(models.Model):
    """The rules of one owner (organisation, group, user or rule-based number)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    group = models.ForeignKey(
        UserGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user group"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    rule_based_number = models.ForeignKey(
        "functionnumbers.RuleBasedNumber",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule-based number"),
    )
    # "Rækkefølge" of the organisation and the groups (1 = first); NULL for users and numbers.
    position = models.PositiveIntegerField(_("order"), null=True, blank=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing rule set")
        verbose_name_plural = _("routing rule sets")
        constraints = [
            models.CheckConstraint(
                condition=~Q(group__isnull=False, user__isnull=False)
                & ~Q(group__isnull=False, rule_based_number__isnull=False)
                & ~Q(user__isnull=False, rule_based_number__isnull=False),
                name="routingruleset_one_owner",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(group__isnull=True, user__isnull=True, rule_based_number__isnull=True),
                name="routingruleset_unique_org",
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(group__isnull=False),
                name="routingruleset_unique_group",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(user__isnull=False), name="routingruleset_unique_user"
            ),
            models.UniqueConstraint(
                fields=["rule_based_number"],
                condition=Q(rule_based_number__isnull=False),
                name="routingruleset_unique_number",
            ),
        ]

    def __str__(self):
        if self.user_id:
            return str(self.user)
        if self.group_id:
            return str(self.group)
        if self.rule_based_number_id:
            return str(self.rule_based_number)
        return str(self.organisation)

    @property
    def owner_kind(self):
        if self.user_id:
            return "user"
        if self.group_id:
            return "group"
        if self.rule_based_number_id:
            return "number"
        return "organisation"

    @property
    def has_tiers(self):
        """Organisation and group lists are split into required and overridable rules."""
        return self.owner_kind in ("organisation", "group")

    @property
    def lists(self):
        """Rule-based numbers have incoming and fallback lists only (SVC-13)."""
        if self.owner_kind == "number":
            return (RuleList.INCOMING, RuleList.FALLBACK)
        return tuple(RuleList)


class RuleQuerySet(OrganisationScopedQuerySet):
    organisation_field = "rule_set__organisation"


class RoutingRule(models.Model):
    rule_set = models.ForeignKey(
        RoutingRuleSet, on_delete=models.CASCADE, related_name="rules", verbose_name=_("rule set")
    )
    rule_list = models.CharField(_("list"), max_length=16, choices=RuleList.choices)
    tier = models.CharField(_("priority"), max_length=16, choices=Tier.choices)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["rule_set", "rule_list", "tier", "position", "pk"]
        indexes = [
            models.Index(
                fields=["rule_set", "rule_list", "tier", "position"], name="routingrule_order"
            )
        ]

    def __str__(self):
        return f"{self.rule_set}: {self.get_rule_list_display()} #{self.position}"

    def reference_label(self):
        return str(self)


class ConditionQuerySet(OrganisationScopedQuerySet):
    organisation_field = "rule__rule_set__organisation"


class RoutingCondition(models.Model):
    """ "<condition> er sand/falsk" (AND-ed with the rule's other conditions)."""

    rule = models.ForeignKey(
        RoutingRule, on_delete=models.CASCADE, related_name="conditions", verbose_name=_("rule")
    )
    kind = models.CharField(_("condition"), max_length=16, choices=ConditionKind.choices)
    expected = models.BooleanField(_("is true"), default=True)
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
    classification = models.ForeignKey(
        NumberClassification,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("number type"),
    )
    # availability (available/busy), caller (internal/external) or a prefix
    value = models.CharField(_("value"), max_length=16, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ConditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing condition")
        verbose_name_plural = _("routing conditions")
        ordering = ["rule", "position", "pk"]

    def __str__(self):
        return f"{self.rule}: {self.get_kind_display()}"

    def reference_label(self):
        return str(self.rule)


class ActionQuerySet(OrganisationScopedQuerySet):
    organisation_field = "rule__rule_set__organisation"


class RoutingAction(models.Model):
    """One destination with its delay, or busy / block / present-number."""

    rule = models.ForeignKey(
        RoutingRule, on_delete=models.CASCADE, related_name="actions", verbose_name=_("rule")
    )
    kind = models.CharField(_("action"), max_length=16, choices=ActionKind.choices)
    destination = models.CharField(
        _("destination"), max_length=16, choices=Destination.choices, blank=True
    )
    delay = models.PositiveSmallIntegerField(
        _("delay (seconds)"), default=0, validators=[MaxValueValidator(MAX_DELAY)]
    )
    number = models.CharField(_("phone number"), max_length=20, blank=True)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    target_function_number = models.ForeignKey(
        "functionnumbers.FunctionNumber",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("function number"),
    )
    presented = models.CharField(
        _("presented number"), max_length=16, choices=Presented.choices, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing action")
        verbose_name_plural = _("routing actions")
        ordering = ["rule", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delay__lte=MAX_DELAY), name="routingaction_delay_range"
            ),
        ]

    def __str__(self):
        return f"{self.rule}: {self.get_kind_display()}"

    def reference_label(self):
        return str(self.rule)


class AllowedDestinationSettings(ScopedSettings):
    """SVC-12 Tilladte destinationer: one checkbox per destination, OR-ed over the organisation
    and the user's groups (SET-2)."""

    service_slug = "routing-destinations"

    desk_phone = models.BooleanField(pgettext_lazy("destination", "desk phone"), default=False)
    softphone = models.BooleanField(pgettext_lazy("destination", "softphone"), default=False)
    mobile = models.BooleanField(pgettext_lazy("destination", "mobile phone"), default=False)
    mobile_voip = models.BooleanField(pgettext_lazy("destination", "mobile VoIP"), default=False)
    third_party_sip = models.BooleanField(
        pgettext_lazy("destination", "third-party SIP phone"), default=False
    )
    voicemail = models.BooleanField(pgettext_lazy("destination", "voicemail"), default=False)
    personal_queue = models.BooleanField(
        pgettext_lazy("destination", "personal queue"), default=False
    )
    other_number = models.BooleanField(pgettext_lazy("destination", "other number"), default=False)
    switchboard = models.BooleanField(
        pgettext_lazy("destination", "switchboard number"), default=False
    )

    class Meta(ScopedSettings.Meta):
        verbose_name = _("allowed destinations")
        verbose_name_plural = _("allowed destinations")
