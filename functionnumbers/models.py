"""Function numbers (FEATURES.md FN-1 … FN-11): numbers that are not a person's.

Every function number is one `FunctionNumber` row (the fields FN-1 gives all of them) with its
number in the one number registry (`customers.Number`, purpose FUNCTION_NUMBER or VOICEMAIL,
owner = this row), plus one row of its type's table (multi-table inheritance): `CallGroup` for
ACD and attendant groups (FN-2, FN-7 share everything but a few fields), `HuntGroup`, `IvrMenu`,
`RuleBasedNumber`, `GroupInbox`, `VoicemailNumber`.

Where a call may go next (an overflow, fallback or IVR option) is a *destination*: two columns,
`<name>_function` (a function number of the organisation, RESTRICT, so it cannot be deleted
while it is a target and `connect.lib.references` lists the referrer) and `<name>_number` (the
number as stored: a user's local number or alias, or an external E.164 number). The pair is
read through `Destination` so the call-flow walker, the pages and the visualisation agree.
"""

from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connect.lib import numbers as numberlib
from connect.lib.validators import validate_clean_text
from customers.models import (
    Activity,
    BlockingGroup,
    Number,
    Organisation,
    OrganisationScopedQuerySet,
    Prompt,
    Role,
    User,
    UserGroup,
)


class Kind(models.TextChoices):
    ACD = "acd", _("ACD group")
    ATTENDANT = "attendant", _("Attendant group")
    HUNT = "hunt", _("Hunt group")
    IVR = "ivr", _("IVR number")
    RULE_BASED = "rule_based", _("Rule-based number")
    GROUP_INBOX = "group_inbox", _("Group inbox")
    VOICEMAIL = "voicemail", _("Voicemail number")
    AUTO_ATTENDANT = "auto_attendant", _("Auto attendant group number")


SUPERVISED_KINDS = (Kind.ACD, Kind.ATTENDANT)


class PhoneType(models.TextChoices):
    """FN-2 "Hvilke telefoner kan en agent bruge til at besvare opkald" (also FN-9)."""

    FIXED = "fixed", _("Landline phone")
    SOFTPHONE = "softphone", _("Softphone")
    MOBILE = "mobile", _("Mobile phone")
    MOBILE_VOIP = "mobile_voip", _("Mobile VoIP")
    THIRD_PARTY_SIP = "third_party_sip", _("Third-party SIP phone")


DEFAULT_PHONE_TYPES = [PhoneType.FIXED.value, PhoneType.SOFTPHONE.value]


def default_phone_types():
    return list(DEFAULT_PHONE_TYPES)


@dataclass(frozen=True)
class Destination:
    """Where a call goes: a function number of the organisation, or a number (a user's local
    number/alias or an external number). Empty when neither is set."""

    function: "FunctionNumber | None"
    number: str

    def __bool__(self):
        return self.function is not None or bool(self.number)

    def __str__(self):
        if self.function is not None:
            return self.function.label
        return numberlib.display(self.number)

    @property
    def dialled(self):
        """The number a caller would be sent to ("" when empty)."""
        if self.function is not None:
            return self.function.number.number
        return self.number


def destination_fields(verbose_name):
    """The two columns of a destination (see the module docstring)."""
    function = models.ForeignKey(
        "FunctionNumber",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )
    number = models.CharField(verbose_name, max_length=16, blank=True)
    return function, number


def _prompt(verbose_name):
    return models.ForeignKey(
        Prompt,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


def _groups(verbose_name, related_name="+"):
    return models.ManyToManyField(
        UserGroup, blank=True, related_name=related_name, verbose_name=verbose_name
    )


class FunctionNumberQuerySet(OrganisationScopedQuerySet):
    def of_kind(self, kind):
        return self.filter(kind=kind)


class FunctionNumber(models.Model):
    """FN-1: what every function number has."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="function_numbers",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, editable=False)
    number = models.OneToOneField(
        Number, on_delete=models.PROTECT, related_name="function_number", verbose_name=_("number")
    )
    name = models.CharField(_("name"), max_length=64, blank=True, validators=[validate_clean_text])
    exclude_from_search = models.BooleanField(
        _("exclude this number from contact searches"), default=False
    )
    code = models.CharField(_("function code identification code"), max_length=10, blank=True)
    admin_groups = _groups(
        _("can be administered by the group administrator with profile"),
        "administered_function_numbers",
    )
    blocking_groups = models.ManyToManyField(
        BlockingGroup,
        blank=True,
        related_name="function_numbers",
        verbose_name=_("blocking groups"),
    )
    billing_id = models.CharField(
        _("billing ID"), max_length=32, blank=True, validators=[validate_clean_text]
    )
    metadata = models.CharField(
        _("metadata"), max_length=255, blank=True, validators=[validate_clean_text]
    )
    keep_derived_metadata = models.BooleanField(
        _("keep metadata set earlier in the call"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FunctionNumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("function number")
        verbose_name_plural = _("function numbers")
        ordering = ["organisation", "kind", "number__kind", "number__value"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=~Q(code=""),
                name="functionnumber_unique_code",
            ),
        ]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse(f"functionnumbers:{self.kind}_update", args=[self.pk])

    @property
    def label(self):
        if self.name:
            return f"{self.name} ({self.number.number})"
        return self.number.number

    reference_select_related = ("number",)  # read by reference_label (connect.lib.references)

    def reference_label(self):
        return f"{self.get_kind_display()}: {self.label}"

    def specific(self):
        """This function number as its type's model (CallGroup, IvrMenu, ...)."""
        from functionnumbers.layouts import model_for

        model = model_for(self.kind)
        if isinstance(self, model):
            return self
        return model._default_manager.get(pk=self.pk)

    # customers.permissions asks these (SET-5).
    def admin_group_ids(self):
        return [group.pk for group in self.admin_groups.all()]

    def control_group_ids(self):
        return []

    @property
    def supervised_by_acd_supervisors(self):
        """ACD supervisors log agents in and out of every ACD and attendant group (SET-5)."""
        return self.kind in SUPERVISED_KINDS

    # customers.permissions finds these through the number registry's owners (customers imports
    # no other app); static methods, so every type's model shares the one hook.
    @staticmethod
    def delegated_rows(user, organisation):
        from functionnumbers.queries import delegated_function_numbers

        return delegated_function_numbers(user, organisation)

    @staticmethod
    def outgoing_line_numbers(user, organisation):
        from functionnumbers.queries import outgoing_line_number_ids

        return outgoing_line_number_ids(user, organisation)


class CallGroup(FunctionNumber):
    """FN-2 ACD groups and FN-7 attendant groups (kind tells which)."""

    class Distribution(models.TextChoices):
        PRIORITY = "priority", _("Distribute calls by priority")
        SKILL = "skill", _("Distribute calls by skill level")

    class OverflowAction(models.TextChoices):
        BUSY = "busy", _("Send busy tone")
        FORWARD = "forward", _("Forward to another number")

    class CallbackKey(models.TextChoices):
        NONE = "", _("(none)")
        FIVE = "5", "5"

    # Generelt
    outgoing_line_allowed = models.BooleanField(
        _("allow this group as an outgoing user line"), default=False
    )
    outgoing_use_internal_number = models.BooleanField(
        _("use internal number as outgoing identity"), default=False
    )
    outgoing_line_number = models.CharField(
        _("number shown as line number"), max_length=16, blank=True
    )
    sms_display_name = models.CharField(
        _("display name for SMS from this number"), max_length=11, blank=True
    )
    sms_sender_number = models.CharField(
        _("sender number for SMS from this number"), max_length=16, blank=True
    )
    # Agentindstillinger / Receptionistindstillinger
    wrap_up_seconds = models.PositiveIntegerField(_("wrap-up seconds between calls"), default=0)
    logout_after_unanswered = models.PositiveSmallIntegerField(
        _("log out after unanswered calls"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    help_number = models.CharField(_("help number for agents"), max_length=16, blank=True)
    # Fordeling af opkald
    parallel_agents = models.PositiveSmallIntegerField(
        _("agents called in parallel"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    phone_types = models.JSONField(_("phones agents may answer on"), default=default_phone_types)
    ring_seconds = models.PositiveSmallIntegerField(
        _("seconds of ringing before the next agent"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(300)],
    )
    presence_affects_distribution = models.BooleanField(
        _("presence affects distribution"), default=False
    )
    longest_idle = models.BooleanField(_("longest idle among equal skills"), default=False)
    distribution = models.CharField(
        _("distribution"), max_length=8, choices=Distribution.choices, default=Distribution.PRIORITY
    )
    # Overløb ved indgående opkald
    queue_limit = models.PositiveSmallIntegerField(
        _("calls that can queue at once"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    overflow_wait_seconds = models.PositiveIntegerField(
        _("overflow when the longest wait exceeds"), null=True, blank=True
    )
    overflow_action = models.CharField(
        _("when the queue is full"),
        max_length=8,
        choices=OverflowAction.choices,
        default=OverflowAction.BUSY,
    )
    overflow_function, overflow_number = destination_fields(_("overflow number"))
    # Håndtering af opkald i kø
    max_wait_seconds = models.PositiveIntegerField(
        _("forward calls that waited longer than"), default=0
    )
    max_wait_function, max_wait_number = destination_fields(
        _("forward calls that waited too long to")
    )
    no_agents_function, no_agents_number = destination_fields(
        _("forward when no agents are available to")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum distribution attempts"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    # Lydfiler
    welcome_prompt = _prompt(_("what the caller hears when placed in the queue"))
    queue_prompt = _prompt(_("queue message while waiting"))
    status_prompt = _prompt(_("queue message with status"))
    status_interval_seconds = models.PositiveIntegerField(
        _("status message interval (seconds)"), default=0
    )
    ringing_while_offered = models.BooleanField(
        _("caller hears ringing while an agent is offered the call"), default=False
    )
    announce_position = models.BooleanField(_("announce queue position"), default=False)
    announce_wait = models.BooleanField(_("announce estimated waiting time"), default=False)
    alternate_status = models.BooleanField(
        _("alternate status message and position/wait"), default=False
    )
    wait_announce_min_seconds = models.PositiveIntegerField(
        _("do not announce waiting time below"), null=True, blank=True
    )
    wait_announce_max_seconds = models.PositiveIntegerField(
        _("do not announce waiting time above"), null=True, blank=True
    )
    # Indstillinger for tilbagekald
    callback_key = models.CharField(
        _("callback key"),
        max_length=1,
        blank=True,
        choices=CallbackKey.choices,
        default=CallbackKey.NONE,
    )
    callback_ring_seconds = models.PositiveIntegerField(
        _("callback rings before re-queueing (seconds)"), default=30
    )
    callback_attempts = models.PositiveSmallIntegerField(
        _("callback attempts"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    callback_valid_minutes = models.PositiveIntegerField(
        _("callback valid for (minutes)"), default=0
    )
    callback_metadata = models.CharField(
        _("metadata sent to the agent for callbacks"),
        max_length=255,
        blank=True,
        validators=[validate_clean_text],
    )
    callback_agent_prompt = _prompt(_("message played to the agent for callbacks"))
    # Nummerpræsentering
    force_group_number = models.BooleanField(
        _("force group number as diversion number"), default=False
    )
    show_caller_number = models.BooleanField(_("show the calling party's number"), default=False)
    # Brugergrupper og gruppeadministratorer
    login_groups = _groups(_("user groups that can log in and answer calls"), "login_call_groups")
    control_groups = _groups(
        _("groups that can control (log agents in and out)"), "controlled_call_groups"
    )
    # Camp-on (attendant groups)
    camp_on_enabled = models.BooleanField(_("enable camp-on"), default=False)
    camp_on_notify_seconds = models.PositiveIntegerField(
        _("notify the receptionist after (seconds)"), null=True, blank=True
    )
    camp_on_notify_all_seconds = models.PositiveIntegerField(
        _("notify all receptionists after (seconds)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("ACD or attendant group")
        verbose_name_plural = _("ACD and attendant groups")

    def control_group_ids(self):
        return [group.pk for group in self.control_groups.all()]

    @property
    def overflow(self):
        return Destination(self.overflow_function, self.overflow_number)

    @property
    def max_wait_target(self):
        return Destination(self.max_wait_function, self.max_wait_number)

    @property
    def no_agents_target(self):
        return Destination(self.no_agents_function, self.no_agents_number)


class AgentQuerySet(OrganisationScopedQuerySet):
    organisation_field = "group__organisation"


class Agent(models.Model):
    """A user on a call group's agent list (FN-2 "Fordelingsindstillinger"): `position` orders
    the priority list (1 first), `skill_level` (1–10) is used in skill mode."""

    group = models.ForeignKey(
        CallGroup, on_delete=models.CASCADE, related_name="agents", verbose_name=_("group")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="agent_entries", verbose_name=_("user")
    )
    position = models.PositiveIntegerField(_("order"), default=1)
    skill_level = models.PositiveSmallIntegerField(
        _("skill level"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    objects = AgentQuerySet.as_manager()

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["group", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="agent_unique_user")]

    def __str__(self):
        return f"{self.user} @ {self.group}"


class AgentLoginQuerySet(OrganisationScopedQuerySet):
    organisation_field = "function_number__organisation"


class AgentLogin(models.Model):
    """Who is logged in to an ACD, attendant or hunt group (FC-1). A row records the state a
    user was put in; ACD/attendant members without a row are logged out, hunt group members
    without a row are logged in (FN-9)."""

    function_number = models.ForeignKey(
        FunctionNumber,
        on_delete=models.CASCADE,
        related_name="logins",
        verbose_name=_("function number"),
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="agent_logins", verbose_name=_("user")
    )
    logged_in = models.BooleanField(_("logged in"), default=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    changed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    objects = AgentLoginQuerySet.as_manager()

    class Meta:
        verbose_name = _("agent login")
        verbose_name_plural = _("agent logins")
        constraints = [
            models.UniqueConstraint(
                fields=["function_number", "user"], name="agentlogin_unique_user"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.function_number}"


class HuntGroup(FunctionNumber):
    """FN-9 Ringegrupper."""

    class Strategy(models.TextChoices):
        SEQUENTIAL = "sequential", _("Sequential")
        PARALLEL = "parallel", _("Parallel")

    member_groups = _groups(_("user groups taking part in this hunt group"), "hunt_groups")
    ring_seconds = models.PositiveSmallIntegerField(
        _("call length"), default=20, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    strategy = models.CharField(
        _("distribution logic"),
        max_length=12,
        choices=Strategy.choices,
        default=Strategy.SEQUENTIAL,
    )
    fallback_function, fallback_number = destination_fields(_("fallback number"))
    excluding_activities = models.ManyToManyField(
        Activity, blank=True, related_name="+", verbose_name=_("activities that exclude a user")
    )
    excluding_roles = models.ManyToManyField(
        Role, blank=True, related_name="+", verbose_name=_("roles that exclude a user")
    )
    phone_types = models.JSONField(_("phones that can receive calls"), default=default_phone_types)

    class Meta:
        verbose_name = _("hunt group")
        verbose_name_plural = _("hunt groups")

    @property
    def fallback(self):
        return Destination(self.fallback_function, self.fallback_number)


class IvrMenu(FunctionNumber):
    """FN-5 IVR-Numre."""

    dial_local_number = models.BooleanField(_("dial a local number"), default=False)
    prompt = models.ForeignKey(
        Prompt,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("play this voice message when a call is answered"),
    )
    no_input_seconds = models.PositiveSmallIntegerField(
        _("no input after (seconds)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    no_input_function, no_input_number = destination_fields(_("destination on no input"))

    class Meta:
        verbose_name = _("IVR number")
        verbose_name_plural = _("IVR numbers")

    @property
    def no_input(self):
        return Destination(self.no_input_function, self.no_input_number)


IVR_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")
_IVR_KEY_SLUGS = {"*": "star", "#": "hash"}


def ivr_option_field(key):
    """The form field (and error key) of one IVR key: "option_1" … "option_star", "option_hash"."""
    return f"option_{_IVR_KEY_SLUGS.get(key, key)}"


class IvrOptionQuerySet(OrganisationScopedQuerySet):
    organisation_field = "ivr__organisation"


class IvrOption(models.Model):
    """One key of an IVR menu ("Angivelse af valgmuligheder")."""

    ivr = models.ForeignKey(
        IvrMenu, on_delete=models.CASCADE, related_name="options", verbose_name=_("IVR number")
    )
    key = models.CharField(
        pgettext_lazy("IVR key", "key"), max_length=1, choices=[(k, k) for k in IVR_KEYS]
    )
    destination_function, destination_number = destination_fields(_("destination"))

    objects = IvrOptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("IVR option")
        verbose_name_plural = _("IVR options")
        ordering = ["ivr", "key"]
        constraints = [models.UniqueConstraint(fields=["ivr", "key"], name="ivroption_unique_key")]

    def __str__(self):
        return f"{self.ivr} [{self.key}]"

    def get_absolute_url(self):
        return self.ivr.get_absolute_url()

    reference_select_related = ("ivr__number",)

    def reference_label(self):
        return _("%(ivr)s, key %(key)s") % {"ivr": self.ivr.label, "key": self.key}

    @property
    def destination(self):
        return Destination(self.destination_function, self.destination_number)


class RuleBasedNumber(FunctionNumber):
    """FN-8 Regelbaserede numre: handled by call-routing rules (SVC-13). The base's `metadata`
    is "Infomeddelelse til modtageren", `keep_derived_metadata` its override checkbox."""

    language = models.CharField(_("language of voice prompts"), max_length=8, blank=True)
    prefer_as_caller = models.BooleanField(
        _("prefer showing the rule-based number as calling party"), default=False
    )

    class Meta:
        verbose_name = _("rule-based number")
        verbose_name_plural = _("rule-based numbers")


class GroupInbox(FunctionNumber):
    """FN-4 Gruppeindbakker. The PIN is kept encrypted (connect.lib.crypto): the platform needs it."""

    inbox_code = models.CharField(_("code identifying this group inbox"), max_length=10)
    anonymous_pin_access = models.BooleanField(
        _("allow anonymous callers to listen after PIN"), default=False
    )
    pin_encrypted = models.TextField(blank=True, editable=False)
    welcome_prompt = _prompt(_("welcome"))
    member_groups = _groups(_("user groups that are members of this group inbox"), "group_inboxes")
    sms_groups = _groups(_("groups that receive SMS notification"))
    email_groups = _groups(_("groups that receive e-mail notification"))

    class Meta:
        verbose_name = _("group inbox")
        verbose_name_plural = _("group inboxes")

    @property
    def has_pin(self):
        return bool(self.pin_encrypted)


class VoicemailNumber(FunctionNumber):
    """FN-11 Voicemail-numre."""

    class InboxType(models.TextChoices):
        USER = "user", _("User inbox")
        GROUP = "group", _("Group inbox")

    inbox_type = models.CharField(
        _("type"), max_length=8, choices=InboxType.choices, default=InboxType.USER
    )

    class Meta:
        verbose_name = _("voicemail number")
        verbose_name_plural = _("voicemail numbers")


SCHEDULED_KINDS = (Kind.ACD, Kind.ATTENDANT, Kind.HUNT, Kind.IVR, Kind.RULE_BASED)


class ScheduleEventQuerySet(OrganisationScopedQuerySet):
    organisation_field = "function_number__organisation"


class ScheduleEvent(models.Model):
    """One event of a function number's schedule (FN-10). `is_default` marks the fixed last
    row "Rediger planlagt standardbegivenhed" (at most one per function number; without it the
    default is "Altid | Åbent"). Matching: functionnumbers.schedules."""

    class Repeat(models.TextChoices):
        NONE = "none", _("None")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")

    class Action(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        FORWARD = "forward", _("Forward")

    function_number = models.ForeignKey(
        FunctionNumber,
        on_delete=models.CASCADE,
        related_name="schedule_events",
        verbose_name=_("function number"),
    )
    is_default = models.BooleanField(_("default event"), default=False, editable=False)
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(
        _("name of the event"), max_length=64, blank=True, validators=[validate_clean_text]
    )
    repeat = models.CharField(
        _("repeat"), max_length=8, choices=Repeat.choices, default=Repeat.NONE
    )
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    prompt = _prompt(_("message"))
    action = models.CharField(
        _("action"), max_length=8, choices=Action.choices, default=Action.OPEN
    )
    forward_function, forward_number = destination_fields(_("forward to"))
    drop_queued = models.BooleanField(_("drop existing calls in the queue"), default=False)

    objects = ScheduleEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("scheduled event")
        verbose_name_plural = _("scheduled events")
        ordering = ["function_number", "is_default", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["function_number"],
                condition=Q(is_default=True),
                name="scheduleevent_one_default",
            ),
        ]

    def __str__(self):
        return self.name or str(_("Default event"))

    def get_absolute_url(self):
        return reverse("functionnumbers:schedule_detail", args=[self.function_number_id])

    def reference_label(self):
        return _("Schedule of %(number)s: %(event)s") % {
            "number": self.function_number.label,
            "event": self,
        }

    @property
    def forward(self):
        return Destination(self.forward_function, self.forward_number)

    def as_event(self):
        """This row as the plain data functionnumbers.schedules matches on."""
        from functionnumbers import schedules

        return schedules.Event(
            id=self.pk,
            name=self.name,
            repeat=self.repeat,
            weekdays=frozenset(self.weekdays or ()),
            start_date=self.start_date,
            end_date=self.end_date,
            start_time=self.start_time,
            end_time=self.end_time,
            action=self.action,
            prompt=self.prompt.name if self.prompt_id else "",
            forward=self.forward.dialled,
            drop_queued=self.drop_queued,
        )


class AutoAttendant(FunctionNumber):
    """FN-3 Auto Attendant opkaldsgruppe: a call flow built as a tree (`flow`, one validated
    document, functionnumbers.autoattendant). What the tree refers to is mirrored in
    AutoAttendantReference rows, so a referenced function number or prompt cannot be deleted."""

    flow = models.JSONField(_("call flow"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("auto attendant group number")
        verbose_name_plural = _("auto attendant group numbers")


class AutoAttendantReference(models.Model):
    auto_attendant = models.ForeignKey(
        AutoAttendant,
        on_delete=models.CASCADE,
        related_name="references",
        verbose_name=_("auto attendant"),
    )
    function_number = models.ForeignKey(
        FunctionNumber,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("function number"),
    )
    prompt = _prompt(_("voice prompt"))

    class Meta:
        verbose_name = _("auto attendant call flow")
        verbose_name_plural = _("auto attendant call flows")

    def __str__(self):
        return str(self.auto_attendant)

    def get_absolute_url(self):
        return reverse("functionnumbers:auto_attendant_flow", args=[self.auto_attendant_id])

    def reference_label(self):
        return self.auto_attendant.label
