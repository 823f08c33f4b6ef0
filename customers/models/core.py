"""Tenants and people: organisations, user groups, users, number ranges and the number registry.

Every organisation-scoped model has a queryset with `.for_organisation(org)`; views reach rows
only through `connect.lib.tenancy` which uses it (ARCHITECTURE.md invariant 1).
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import EmailValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.validators import validate_clean_text


class OrganisationScopedQuerySet(models.QuerySet):
    """Base queryset for every model that belongs to an organisation."""

    organisation_field = "organisation"

    def for_organisation(self, organisation):
        return self.filter(**{self.organisation_field: organisation})


class Language(models.TextChoices):
    """System list of languages an organisation can offer (ORG-8)."""

    DANISH = "da", _("Danish")
    ENGLISH = "en", _("English")
    SWEDISH = "sv", _("Swedish")
    NORWEGIAN = "nb", _("Norwegian")
    GERMAN = "de", _("German")


def default_languages():
    return [Language.DANISH, Language.ENGLISH]


class Organisation(models.Model):
    """The tenant (ORG-1). Created by support staff in the Django admin."""

    name = models.CharField(_("name"), max_length=64, unique=True, validators=[validate_clean_text])
    default_language = models.CharField(
        _("default language"), max_length=8, choices=Language.choices, default=Language.DANISH
    )
    languages = models.JSONField(_("languages"), default=default_languages)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Copenhagen")
    linked_organisations = models.ManyToManyField(
        "self", blank=True, verbose_name=_("linked organisations"), symmetrical=True
    )
    require_2fa = models.BooleanField(
        _("require two-factor sign-in for administrators"),
        default=False,
        help_text=_("OrgAdmins must set up an authenticator app before they can use the portal."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        # Support staff need it to act inside an organisation's portal (customers.permissions).
        permissions = [("act_in_organisation", _("Can act inside an organisation's portal as support"))]

    def __str__(self):
        return self.name

    def language_choices(self):
        labels = dict(Language.choices)
        return [(code, labels.get(code, code)) for code in self.languages]


class Licence(models.Model):
    """Licence types as reference data per organisation (ORG-4)."""

    class Kind(models.TextChoices):
        USER = "user", _("User licence")
        MOBILE = "mobile", _("Mobile client licence")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="licences", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.USER)
    is_unified_communication = models.BooleanField(_("unified communication"), default=False)
    quota = models.PositiveIntegerField(_("quota"), null=True, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["organisation", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="licence_unique_name"),
        ]

    def __str__(self):
        return self.name


class UserGroup(models.Model):
    """A user group (USR-16). Priority 1 is the highest; priorities are a gap-free 1..n."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="user_groups", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])
    priority = models.PositiveIntegerField(_("priority"), validators=[MinValueValidator(1)])
    is_schedule_admin = models.BooleanField(
        _("schedule administrator"),
        default=False,
        help_text=_("Members may change schedules."),
    )
    is_acd_supervisor = models.BooleanField(
        _("ACD supervisor"),
        default=False,
        help_text=_("Members may log agents in and out of every ACD and attendant group."),
    )
    is_federated = models.BooleanField(
        _("federated"), default=False, help_text=_("The group is shared across linked organisations.")
    )

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("user group")
        verbose_name_plural = _("user groups")
        ordering = ["organisation", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="usergroup_unique_name"),
            models.UniqueConstraint(fields=["organisation", "priority"], name="usergroup_unique_priority"),
        ]

    def __str__(self):
        return self.name


class UserQuerySet(OrganisationScopedQuerySet):
    pass


class ConnectUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person in an organisation; support staff (is_staff) may have no organisation."""

    class Profile(models.TextChoices):
        STANDARD = "standard", _("Standard user")
        FULL = "full", _("Full access")

    class AdminProfile(models.TextChoices):
        NONE = "", _("(none)")
        ORG_ADMIN = "orgadmin", _("OrgAdmin")

    username = models.CharField(
        _("username"),
        max_length=254,
        unique=True,
        validators=[EmailValidator(message=_("Enter the username in e-mail form, e.g. name@example.com."))],
        help_text=_("In e-mail form, e.g. klj@ipvision.dk. Unique across the whole system."),
        error_messages={"unique": _("A user with that username already exists.")},
    )
    first_name = models.CharField(_("first name"), max_length=64, blank=True, validators=[validate_clean_text])
    last_name = models.CharField(_("last name"), max_length=64, blank=True, validators=[validate_clean_text])
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.DANISH)
    licence = models.ForeignKey(
        Licence,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("licence"),
        limit_choices_to={"kind": Licence.Kind.USER},
    )
    department = models.CharField(_("department"), max_length=64, blank=True, validators=[validate_clean_text])
    title = models.CharField(_("title"), max_length=64, blank=True, validators=[validate_clean_text])
    profile = models.CharField(
        _("user profile"), max_length=16, choices=Profile.choices, default=Profile.STANDARD
    )
    admin_profile = models.CharField(
        _("administrator with profile"), max_length=16, choices=AdminProfile.choices, default="", blank=True
    )
    # USR-6 user details (personal).
    caller_id_number = models.ForeignKey(
        "Number",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller ID"),
        help_text=_("The number presented on outgoing calls. Empty: the primary line."),
    )
    diversion_enabled = models.BooleanField(_("diversion"), default=False)
    diversion_number = models.CharField(_("divert to"), max_length=16, blank=True)
    photo = models.FileField(_("profile picture"), upload_to="users/photos/", blank=True, max_length=255)
    # USR-12 personal phones. The mobile number itself is the user's registry row with purpose
    # "mobile" (at most one); the third-party SIP account is customers.models.users.
    softphone_enabled = models.BooleanField(_("enable softphone"), default=False)
    mobile_voip_enabled = models.BooleanField(_("enable mobile VoIP"), default=False)
    mobile_licence = models.ForeignKey(
        Licence,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mobile client licence"),
        limit_choices_to={"kind": Licence.Kind.MOBILE},
    )
    mobile_profile = models.CharField(
        _("mobile profile"), max_length=16, choices=[("standard", _("Standard"))], default="standard"
    )
    # USR-13 allowed applications.
    app_softphone_light = models.BooleanField(_("Softphone Light"), default=False)
    app_ipad = models.BooleanField(_("iPad"), default=False)
    app_unified_inbox = models.BooleanField(_("Unified inbox"), default=False)
    app_miteam = models.BooleanField(_("MiTeam collaboration"), default=False)
    # USR-14 Exchange calendar sync.
    calendar_sync_enabled = models.BooleanField(_("synchronise presence from Exchange"), default=False)
    calendar_sync_id = models.EmailField(_("user ID for calendar synchronisation"), max_length=254, blank=True)
    calendar_connector = models.ForeignKey(
        "customers.CalendarConnector",
        # RESTRICT: a connector in use cannot be deleted (like PROTECT), but the organisation
        # can, taking its users and connectors with it.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("calendar connector"),
    )
    # Welcome message and client status (USR-2 icons, USR-5, DEV-5). Set by real events only.
    welcome_sent_at = models.DateTimeField(_("welcome message sent"), null=True, blank=True)
    mobile_app_first_used_at = models.DateTimeField(_("mobile app in use since"), null=True, blank=True)
    desktop_client_first_used_at = models.DateTimeField(_("PC/Mac client in use since"), null=True, blank=True)
    user_groups = models.ManyToManyField(
        UserGroup,
        through="GroupMembership",
        related_name="members",
        blank=True,
        verbose_name=_("user groups"),
    )

    objects = ConnectUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        indexes = [models.Index(fields=["organisation", "username"], name="user_org_username")]

    def __str__(self):
        return self.username

    @property
    def is_org_admin(self):
        return self.admin_profile == self.AdminProfile.ORG_ADMIN

    @property
    def display_name(self):
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.username

    def get_absolute_url(self):
        return reverse("customers:user_update", args=[self.pk])

    def reference_label(self):
        """How connect.lib.references lists the user (a connector's users, ...)."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return f"{name} ({self.username})" if name else self.username

    def save(self, *args, **kwargs):
        self.username = self.username.strip().lower()
        if not self.email and "@" in self.username:
            self.email = self.username
        super().save(*args, **kwargs)


class GroupMembershipQuerySet(OrganisationScopedQuerySet):
    organisation_field = "group__organisation"


class GroupMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    group = models.ForeignKey(UserGroup, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user group"))

    objects = GroupMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} ∈ {self.group}"


class NumberKind(models.TextChoices):
    E164 = "e164", _("Full phone number (E.164)")
    LOCAL = "local", _("Local number")


class NumberRange(models.Model):
    """A range of numbers that exist on the organisation (ORG-9)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="number_ranges", verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=NumberKind.choices)
    first = models.CharField(_("from"), max_length=16)
    last = models.CharField(_("to"), max_length=16)
    first_value = models.BigIntegerField(editable=False)
    last_value = models.BigIntegerField(editable=False)
    description = models.CharField(_("description"), max_length=255, blank=True, validators=[validate_clean_text])
    callable_from_ivr = models.BooleanField(_("can be called from IVR"), default=False)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("number range")
        verbose_name_plural = _("number ranges")
        ordering = ["organisation", "kind", "first_value"]
        constraints = [
            models.CheckConstraint(condition=Q(first_value__lte=models.F("last_value")), name="numberrange_ordered"),
        ]

    def __str__(self):
        return f"{self.first}–{self.last}"

    @property
    def size(self):
        return self.last_value - self.first_value + 1


class Number(models.Model):
    """The single number registry (invariant 3): every number in use is one row here."""

    class Purpose(models.TextChoices):
        # The uses connect.lib.numbers.check_use knows, so the registry applies its rules.
        USER_LINE = numberlib.USER_LINE, _("User line")
        ALIAS = numberlib.ALIAS, _("Alias")
        MOBILE = numberlib.MOBILE, _("Mobile phone")
        FUNCTION_NUMBER = numberlib.FUNCTION_NUMBER, _("Function number")
        VOICEMAIL = numberlib.VOICEMAIL, _("Voicemail number")
        SWITCHBOARD = numberlib.SWITCHBOARD, _("Switchboard number")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("organisation")
    )
    number = models.CharField(_("number"), max_length=16)
    kind = models.CharField(_("kind"), max_length=8, choices=NumberKind.choices)
    value = models.BigIntegerField(_("numeric value"))
    purpose = models.CharField(_("used for"), max_length=24, choices=Purpose.choices)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="numbers", verbose_name=_("user")
    )
    line_slot = models.PositiveSmallIntegerField(_("line"), null=True, blank=True)
    owner_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("number")
        verbose_name_plural = _("numbers")
        ordering = ["organisation", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="number_unique_per_organisation"),
        ]
        indexes = [models.Index(fields=["organisation", "kind", "value"], name="number_org_kind_value")]

    def __str__(self):
        return self.number


class UserLineQuerySet(OrganisationScopedQuerySet):
    organisation_field = "user__organisation"


class UserLine(models.Model):
    """A personal line (USR-11): slot 1 = primary, 2 = secondary."""

    class Slot(models.IntegerChoices):
        PRIMARY = 1, _("Primary line")
        SECONDARY = 2, _("Secondary line")

    class LineType(models.TextChoices):
        FIXED = "fixed", _("Office fixed line")
        MOBILE = "mobile", _("Office mobile line")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="lines", verbose_name=_("user"))
    slot = models.PositiveSmallIntegerField(_("line"), choices=Slot.choices)
    line_type = models.CharField(_("line type"), max_length=8, choices=LineType.choices, default=LineType.FIXED)
    number = models.OneToOneField(Number, on_delete=models.PROTECT, related_name="line", verbose_name=_("number"))

    objects = UserLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal line")
        verbose_name_plural = _("personal lines")
        ordering = ["user", "slot"]
        constraints = [models.UniqueConstraint(fields=["user", "slot"], name="userline_unique_slot")]

    def __str__(self):
        return f"{self.user}: {self.number}"


class AuditEntry(models.Model):
    """Who changed what, when (invariant 7). Written by connect.lib.audit only."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")

    # SET_NULL: the trail outlives a deleted organisation (support still sees who deleted it).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    actor_name = models.CharField(_("by"), max_length=254, blank=True)
    via_support = models.BooleanField(_("by support staff"), default=False)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"


class PromptQuerySet(models.QuerySet):
    def for_organisation(self, organisation):
        """System prompts plus the organisation's own."""
        return self.filter(Q(organisation=organisation) | Q(organisation__isnull=True))


class Prompt(models.Model):
    """A voice prompt (ORG-5): system prompts have no organisation; music-on-hold categories are kind MUSIC.
    Its sound is one PromptRecording per language of the organisation (customers.models.prompts)."""

    class Kind(models.TextChoices):
        PROMPT = "prompt", _("Prompt")
        MUSIC = "music", _("Music")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="prompts", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PROMPT)
    description = models.CharField(_("description"), max_length=500, blank=True, validators=[validate_clean_text])

    objects = PromptQuerySet.as_manager()

    class Meta:
        verbose_name = _("voice prompt")
        verbose_name_plural = _("voice prompts")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="prompt_unique_name"),
            models.UniqueConstraint(fields=["name"], condition=Q(organisation__isnull=True), name="prompt_unique_system_name"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("customers:prompt_update", args=[self.pk]) if self.organisation_id else reverse("customers:prompt_list")

    @property
    def is_system(self):
        return self.organisation_id is None
