"""Scoped service settings (FEATURES.md SET-1..SET-4, SVC-2..SVC-4, SVC-6, SVC-7, SVC-10, SVC-14,
SVC-15, SVC-18, SVC-20..SVC-23).

Every row belongs to one scope: the organisation (group and user NULL), one user group, or one
user. Settings services keep at most one row per scope (conditional unique constraints);
non-checkbox columns are nullable, NULL meaning "inherit" (see services/definitions.py for what
each column means and its default). Contacts are lists: any number of rows per scope.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.validators import validate_ascii_digits, validate_clean_text
from customers.models import Organisation, OrganisationScopedQuerySet, Prompt, UserGroup
from services.definitions import RING_TONE_CHOICES


class ScopedQuerySet(OrganisationScopedQuerySet):
    def for_scope(self, scope):
        return self.filter(organisation=scope.organisation, group=scope.group, user=scope.user)


class ScopedModel(models.Model):
    """Organisation always set; at most one of group / user (the scope)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    group = models.ForeignKey(
        UserGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("user group")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("user")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def scope_page_url(self, service_slug):
        """The page of service `service_slug` at this row's scope."""
        from django.urls import reverse

        if self.user_id:
            return reverse("services:service_user", args=[service_slug, self.user_id])
        if self.group_id:
            return reverse("services:service_group", args=[service_slug, self.group_id])
        return reverse("services:service", args=[service_slug])

    @property
    def scope_name(self):
        if self.user_id:
            return str(self.user)
        if self.group_id:
            return str(self.group)
        return str(self.organisation)


def _scope_constraints():
    return [
        models.CheckConstraint(
            condition=Q(group__isnull=True) | Q(user__isnull=True), name="%(app_label)s_%(class)s_one_scope"
        ),
        models.UniqueConstraint(
            fields=["organisation"],
            condition=Q(group__isnull=True, user__isnull=True),
            name="%(app_label)s_%(class)s_unique_org",
        ),
        models.UniqueConstraint(fields=["group"], condition=Q(group__isnull=False), name="%(app_label)s_%(class)s_unique_group"),
        models.UniqueConstraint(fields=["user"], condition=Q(user__isnull=False), name="%(app_label)s_%(class)s_unique_user"),
    ]


class ScopedSettings(ScopedModel):
    """One row per scope and service."""

    service_slug = ""
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        abstract = True
        constraints = _scope_constraints()

    def __str__(self):
        from services.definitions import get_service

        return f"{get_service(self.service_slug).title}: {self.scope_name}"

    def get_absolute_url(self):
        """The service page at this row's scope (where a reference to a prompt is changed)."""
        return self.scope_page_url(self.service_slug)


def YesNoField(verbose_name):  # noqa: N802 - reads like a field class in the model bodies
    """A "Ja"/"Nej" dropdown (not a checkbox): NULL = inherit, resolved by priority (SET-3)."""
    return models.BooleanField(verbose_name, null=True, blank=True, default=None)


def InheritCharField(verbose_name, max_length, choices=None):  # noqa: N802
    """Text or choice where NULL means "inherit" and differs from any stored value."""
    return models.CharField(verbose_name, max_length=max_length, choices=choices, null=True, blank=True)  # noqa: DJ001


def _prompt_fk(verbose_name, **kwargs):
    return models.ForeignKey(
        Prompt, on_delete=models.RESTRICT, null=True, blank=True, related_name="+", verbose_name=verbose_name, **kwargs
    )


class WorkingHoursSettings(ScopedSettings):
    """SVC-1 Arbejdstid: the week table, exceptions and additional hours as one value (JSON, see
    services/working_hours.py); NULL = inherit. Resolved whole (SET-3), never day by day."""

    service_slug = "working-hours"

    definition = models.JSONField(_("working hours"), null=True, blank=True)

    class Meta(ScopedSettings.Meta):
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")


class AdvancedSettings(ScopedSettings):
    """SVC-2 Avancerede indstillinger."""

    service_slug = "advanced"

    class DefaultNumber(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        SECONDARY = "secondary", _("Secondary")

    mobile_numbers_visible = YesNoField(_("mobile numbers visible in directory search"))
    default_phone_number = InheritCharField(_("default phone number in directory search"), 16, DefaultNumber.choices)
    users_may_change_photo = YesNoField(_("users may change their own photo"))
    anonymous_calls_allowed = YesNoField(_("anonymous calls allowed"))
    desk_phone_transfer_pending = YesNoField(_("transfer from desk phone pending"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("advanced settings")
        verbose_name_plural = _("advanced settings")


def GroupsField(verbose_name):  # noqa: N802
    """A group multi-select, united over levels (SET-2); in permission services the groups whose
    members may do something to the users of the scope (SET-4)."""
    return models.ManyToManyField(UserGroup, blank=True, related_name="+", verbose_name=verbose_name)


class CallPickupSettings(ScopedSettings):
    """SVC-3 Opkald - Indtrækning: group multi-selects, united over levels (SET-2)."""

    service_slug = "call-pickup"

    pickup_groups = models.ManyToManyField(
        UserGroup, blank=True, related_name="+", verbose_name=_("groups that may answer calls")
    )
    parked_groups = models.ManyToManyField(
        UserGroup, blank=True, related_name="+", verbose_name=_("groups that may retrieve parked calls")
    )

    class Meta(ScopedSettings.Meta):
        verbose_name = _("call pickup settings")
        verbose_name_plural = _("call pickup settings")


class CallQueueSettings(ScopedSettings):
    """SVC-6 Opkald - køer."""

    service_slug = "call-queues"

    class CallbackKey(models.TextChoices):
        NONE = "none", _("(none)")
        FIVE = "5", "5"

    class WhenFull(models.TextChoices):
        BUSY = "busy", _("Busy signal")
        FORWARD = "forward", _("Forward")

    queue_size = models.PositiveSmallIntegerField(
        _("calls in queue"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    callback_key = InheritCharField(_("callback key"), 8, CallbackKey.choices)
    callback_conversion_group = models.ForeignKey(
        UserGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("number conversions for callback (group)"),
    )
    callback_conversion_organisation = models.BooleanField(_("number conversions for callback: organisation"), default=False)
    when_full = InheritCharField(_("when the queue is full"), 8, WhenFull.choices)
    forward_number = InheritCharField(_("forward to number"), 20)
    welcome_prompt = _prompt_fk(_("welcome prompt"))
    welcome_prompt_none = models.BooleanField(_("no welcome prompt"), default=False)
    waiting_prompt = _prompt_fk(_("waiting prompt"))
    status_prompt = _prompt_fk(_("status message"))
    status_prompt_none = models.BooleanField(_("no status message"), default=False)
    status_interval = models.PositiveIntegerField(
        _("status message interval (seconds)"), null=True, blank=True, validators=[MaxValueValidator(86400)]
    )

    class Meta(ScopedSettings.Meta):
        verbose_name = _("call queue settings")
        verbose_name_plural = _("call queue settings")


class FuturePresenceSettings(ScopedSettings):
    """SVC-4 Godkendelse af fremtidig tilstedeværelse."""

    service_slug = "future-presence"

    view_groups = GroupsField(_("groups that may see future presence"))
    edit_groups = GroupsField(_("groups that may add/edit future presence"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("future presence authorization")
        verbose_name_plural = _("future presence authorization")


class CallIntrusionSettings(ScopedSettings):
    """SVC-10 Opkald - indtrængning."""

    service_slug = "call-intrusion"

    intrusion_groups = GroupsField(_("groups that may perform call intrusion"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("call intrusion settings")
        verbose_name_plural = _("call intrusion settings")


class CallMonitoringSettings(ScopedSettings):
    """SVC-14 Opkald - status."""

    service_slug = "call-monitoring"

    status_groups = GroupsField(_("groups that may see the status"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("call monitoring settings")
        verbose_name_plural = _("call monitoring settings")


class DirectorySearchSettings(ScopedSettings):
    """SVC-15 Kontaktfelter - søgning."""

    service_slug = "directory-search"

    search_groups = GroupsField(_("groups that may search the directory fields"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("directory information settings")
        verbose_name_plural = _("directory information settings")


class SmsAuthorizationSettings(ScopedSettings):
    """SVC-18 SMS-Godkendelse: a checkbox, OR-ed over levels (SET-2)."""

    service_slug = "sms-authorization"

    sms_allowed = models.BooleanField(_("SMS from the softphone allowed"), default=False)

    class Meta(ScopedSettings.Meta):
        verbose_name = _("SMS authorization")
        verbose_name_plural = _("SMS authorization")


class DiversionBypassSettings(ScopedSettings):
    """SVC-20 Tilsidesættelse af omdirigering."""

    service_slug = "diversion-bypass"

    bypass_groups = GroupsField(_("groups that may bypass diversion"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("diversion bypass settings")
        verbose_name_plural = _("diversion bypass settings")


class ExtendWorkingHoursSettings(ScopedSettings):
    """SVC-21 Udvidet arbejdstid (the right to extend; the hours themselves are SVC-1)."""

    service_slug = "extend-working-hours"

    extend_groups = GroupsField(_("groups that may extend the working hours"))

    class Meta(ScopedSettings.Meta):
        verbose_name = _("extend working hours settings")
        verbose_name_plural = _("extend working hours settings")


class MusicOnHoldSettings(ScopedSettings):
    """SVC-22 Ventemusik."""

    service_slug = "music-on-hold"

    music = _prompt_fk(_("music on hold"), limit_choices_to={"kind": Prompt.Kind.MUSIC})

    class Meta(ScopedSettings.Meta):
        verbose_name = _("music on hold settings")
        verbose_name_plural = _("music on hold settings")


class VoicemailSettings(ScopedSettings):
    """SVC-23 Voicemail-Indstillinger."""

    service_slug = "voicemail"

    class NotifyEmail(models.TextChoices):
        NO = "no", _("No")
        YES = "yes", _("Yes")
        ATTACH = "attach", _("Yes, attach voicemail")

    class DefaultGreeting(models.TextChoices):
        NAME = "name", _("Standard with name")
        NUMBER = "number", _("Standard with number")

    play_activity = YesNoField(_("play activity information"))
    announce_last_end = YesNoField(_("announce end time of the last event"))
    personal_assistance = YesNoField(_("“For personal assistance, press 1”"))
    personal_assistance_number = InheritCharField(_("personal assistance number"), 20)
    bypass_option = YesNoField(_("“Bypass voicemail, press 2”"))
    notify_sms = YesNoField(_("notify by SMS"))
    notify_email = InheritCharField(_("notify by e-mail"), 8, NotifyEmail.choices)
    download_to_mobile = YesNoField(_("download messages to mobile phone"))
    hide_portal_link = YesNoField(_("hide user portal link"))
    personal_greeting_allowed = YesNoField(_("personal greeting allowed"))
    default_greeting = InheritCharField(_("default greeting"), 8, DefaultGreeting.choices)
    default_greeting_prompt = _prompt_fk(_("default greeting prompt"))
    may_disable_voicemail = YesNoField(_("users may deactivate voicemail"))
    callers_may_leave_messages = YesNoField(_("callers may leave messages"))
    retention_days = models.PositiveSmallIntegerField(
        _("days to keep old messages"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    max_inbox_mb = models.PositiveSmallIntegerField(
        _("maximum inbox size (MB)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )

    class Meta(ScopedSettings.Meta):
        verbose_name = _("voicemail settings")
        verbose_name_plural = _("voicemail settings")


class SwitchboardSettings(ScopedSettings):
    """SVC-5 Hovednummer: a number of the organisation's ranges (resolved by SET-3, so a group
    can have its own main number). Registered in the number registry as a switchboard number,
    unless it is a function number of the organisation (services/switchboard.py)."""

    service_slug = "switchboard"

    switchboard_number = InheritCharField(_("switchboard number"), 16)

    class Meta(ScopedSettings.Meta):
        verbose_name = _("switchboard number")
        verbose_name_plural = _("switchboard numbers")


class CallTransferSettings(ScopedSettings):
    """SVC-9 Opkald - omstilling."""

    service_slug = "call-transfer"

    ring_seconds = models.PositiveSmallIntegerField(
        _("seconds to ring before the transfer is given up"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(300)],
    )

    class Meta(ScopedSettings.Meta):
        verbose_name = _("call transfer settings")
        verbose_name_plural = _("call transfer settings")


# --- SVC-7 contact lists ---------------------------------------------------------------------


class MandatoryContact(ScopedModel):
    """"Obligatoriske kontakter": an internal contact every user of the scope gets: a user of the
    organisation, or (*our decision*, SVC-7) one of its function numbers. A function number is
    referred to by its row in the number registry (`customers.Number`, owned by the function
    number): services does not import functionnumbers, and the reference keeps the function
    number from being deleted while it is a mandatory contact (connect.lib.references)."""

    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    contact_number = models.ForeignKey(
        "customers.Number",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("function number"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mandatory contact")
        verbose_name_plural = _("mandatory contacts")
        ordering = ["contact_user__username", "contact_number__number"]
        constraints = [
            models.CheckConstraint(condition=Q(group__isnull=True) | Q(user__isnull=True), name="mandatorycontact_one_scope"),
            models.CheckConstraint(
                condition=Q(contact_user__isnull=True) ^ Q(contact_number__isnull=True), name="mandatorycontact_user_or_number"
            ),
            models.UniqueConstraint(
                fields=["organisation", "contact_user"],
                condition=Q(group__isnull=True, user__isnull=True),
                name="mandatorycontact_unique_org",
            ),
            models.UniqueConstraint(
                fields=["group", "contact_user"], condition=Q(group__isnull=False), name="mandatorycontact_unique_group"
            ),
            models.UniqueConstraint(
                fields=["user", "contact_user"], condition=Q(user__isnull=False), name="mandatorycontact_unique_user"
            ),
            models.UniqueConstraint(
                fields=["organisation", "contact_number"],
                condition=Q(group__isnull=True, user__isnull=True),
                name="mandatorycontact_unique_org_number",
            ),
            models.UniqueConstraint(
                fields=["group", "contact_number"], condition=Q(group__isnull=False), name="mandatorycontact_unique_group_number"
            ),
            models.UniqueConstraint(
                fields=["user", "contact_number"], condition=Q(user__isnull=False), name="mandatorycontact_unique_user_number"
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.scope_name})"

    def get_absolute_url(self):
        """The contacts page of this row's scope (where the contact is removed)."""
        from services.definitions import CONTACTS

        return self.scope_page_url(CONTACTS.slug)

    @property
    def contact_key(self):
        """The same contact at several levels is shown once (SET-4)."""
        if self.contact_number_id:
            return f"number:{self.contact_number_id}"
        return f"user:{self.contact_user_id}"

    @property
    def label(self):
        """What the list shows: the user's username, or the function number's name and number."""
        if self.contact_number_id:
            owner = self.contact_number.owner
            return str(owner) if owner is not None else numberlib.display(self.contact_number.number)
        return self.contact_user.username

    @property
    def name(self):
        if self.contact_number_id:
            return ""
        return self.contact_user.display_name

    def reference_label(self):
        return _("Mandatory contact of %(scope)s") % {"scope": self.scope_name}


class ExternalContact(ScopedModel):
    """"Eksterne kontakter": an external contact with phone numbers (one preferred)."""

    class ContactType(models.TextChoices):
        PREFERRED = "preferred", _("Preferred")
        CONTACT = "contact", _("Contact")
        VIP = "vip", _("VIP")
        BLOCKED = "blocked", _("Blocked")

    company = models.CharField(_("company"), max_length=64, blank=True, validators=[validate_clean_text])
    department = models.CharField(_("department"), max_length=64, blank=True, validators=[validate_clean_text])
    first_name = models.CharField(_("first name"), max_length=64, blank=True, validators=[validate_clean_text])
    last_name = models.CharField(_("last name"), max_length=64, blank=True, validators=[validate_clean_text])
    short_name = models.CharField(_("short name"), max_length=32, blank=True, validators=[validate_clean_text])
    street = models.CharField(_("street"), max_length=128, blank=True, validators=[validate_clean_text])
    postcode = models.CharField(_("postcode"), max_length=16, blank=True, validators=[validate_clean_text])
    city = models.CharField(_("city"), max_length=64, blank=True, validators=[validate_clean_text])
    country = models.CharField(_("country"), max_length=64, blank=True, validators=[validate_clean_text])
    email = models.EmailField(_("e-mail"), blank=True)
    speed_dial = models.CharField(_("speed dial"), max_length=8, blank=True, validators=[validate_ascii_digits])
    contact_type = models.CharField(
        _("contact type"), max_length=16, choices=ContactType.choices, default=ContactType.CONTACT
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("external contact")
        verbose_name_plural = _("external contacts")
        ordering = ["company", "last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(group__isnull=True) | Q(user__isnull=True), name="externalcontact_one_scope"),
        ]

    def __str__(self):
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        if name and self.company:
            return f"{name}, {self.company}"
        return name or self.company or str(_("(unnamed contact)"))

    @property
    def preferred_number(self):
        for number in self.numbers.all():
            if number.is_preferred:
                return number
        return None

    def dedupe_key(self):
        """Contacts equal in name, company and numbers are shown once (SET-4)."""
        return (
            self.company.casefold(),
            self.first_name.casefold(),
            self.last_name.casefold(),
            tuple(sorted(n.number for n in self.numbers.all())),
        )


class ContactNumberQuerySet(OrganisationScopedQuerySet):
    organisation_field = "contact__organisation"


class ContactNumber(models.Model):
    """A phone number of an external contact ("Tilføj telefonnummer")."""

    class NumberType(models.TextChoices):
        WORK = "work", _("Work")
        MOBILE = "mobile", _("Mobile")
        HOME = "home", _("Home")
        FAX = "fax", _("Fax")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(ExternalContact, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("contact"))
    number_type = models.CharField(_("type"), max_length=8, choices=NumberType.choices, default=NumberType.WORK)
    number = models.CharField(_("phone number"), max_length=20)
    abbreviated = models.CharField(_("abbreviated number"), max_length=8, blank=True, validators=[validate_ascii_digits])
    is_preferred = models.BooleanField(_("preferred number"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ContactNumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact phone number")
        verbose_name_plural = _("contact phone numbers")
        ordering = ["contact", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(is_preferred=True), name="contactnumber_one_preferred"),
        ]

    def __str__(self):
        return self.number


# --- SVC-8 number conversions ----------------------------------------------------------------


class NumberConversion(ScopedModel):
    """"Nummerkonverteringer": one rewrite rule of a scope (services/conversions.py applies them).

    `signature` (prefix, digit count, intervals) is unique per scope: an identical rule twice in
    one scope is refused by the database as well as by the operation."""

    prefix = models.CharField(_("match numbers with prefix"), max_length=16, blank=True)
    digits = models.PositiveSmallIntegerField(
        _("followed by (digits)"), null=True, blank=True, validators=[MaxValueValidator(15)], help_text=_("Empty: any number of digits.")
    )
    intervals = models.JSONField(_("number intervals"), default=list, blank=True)
    rewrite = models.CharField(_("rewrite prefix to"), max_length=20, blank=True)
    signature = models.CharField(max_length=512, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("number conversion")
        verbose_name_plural = _("number conversions")
        ordering = ["prefix", "digits", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(group__isnull=True) | Q(user__isnull=True), name="numberconversion_one_scope"),
            models.UniqueConstraint(
                fields=["organisation", "signature"],
                condition=Q(group__isnull=True, user__isnull=True),
                name="numberconversion_unique_org",
            ),
            models.UniqueConstraint(fields=["group", "signature"], condition=Q(group__isnull=False), name="numberconversion_unique_group"),
            models.UniqueConstraint(fields=["user", "signature"], condition=Q(user__isnull=False), name="numberconversion_unique_user"),
        ]

    def __str__(self):
        from services.conversions import describe

        return describe(self.prefix, self.digits, self.intervals, self.rewrite)
# SVC-19 presence synchronization policies live in their own module.
from services.models_presence import PresenceExclusion, PresenceMapping, PresencePolicy  # noqa: E402, F401

# --- SVC-16, SVC-17 ------------------------------------------------------------------------------


class DirectoryEditSettings(ScopedSettings):
    """SVC-16 Kontaktfelter - redigering: the directory fields (USR-17) users may edit themselves,
    united over levels (SET-2)."""

    service_slug = "edit-directory-fields"

    editable_fields = models.ManyToManyField(
        "customers.DirectoryField", blank=True, related_name="+", verbose_name=_("directory fields users may edit")
    )

    class Meta(ScopedSettings.Meta):
        verbose_name = _("edit directory fields settings")
        verbose_name_plural = _("edit directory fields settings")


class RingToneSettings(ScopedSettings):
    """SVC-17 Ringetoner (Snom phones only): NULL = inherit; "standard" = the phone's own choice."""

    service_slug = "ring-tones"

    internal = InheritCharField(_("internal calls"), 10, RING_TONE_CHOICES)
    external = InheritCharField(_("external calls"), 10, RING_TONE_CHOICES)
    acd = InheritCharField(_("ACD groups"), 10, RING_TONE_CHOICES)
    attendant = InheritCharField(_("attendant ring groups"), 10, RING_TONE_CHOICES)
    ring_group = InheritCharField(_("ring groups"), 10, RING_TONE_CHOICES)

    class Meta(ScopedSettings.Meta):
        verbose_name = _("ring tone settings")
        verbose_name_plural = _("ring tone settings")
# Call routing (SVC-11..SVC-13) lives in its own module; imported here so Django finds the models.
from services.models_routing import (  # noqa: E402, F401
    AllowedDestinationSettings,
    RoutingAction,
    RoutingCondition,
    RoutingRule,
    RoutingRuleSet,
)
