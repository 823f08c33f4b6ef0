"""SIP phones (DEV-1..4): phones, their function keys, fetch log and the users' SIP accounts.

The supported models are a code constant (`devices.catalog`); `Phone.model` stores a model code.
Writes go through `devices.operations`; reads for other apps (provisioning) through
`devices.queries`.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connect.lib.protected_fields import ProtectedFieldsMixin
from connect.lib.validators import validate_clean_text
from customers.models import Organisation, OrganisationScopedQuerySet
from devices import catalog

_MAC_SEPARATORS = re.compile(r"[\s:\-.]")
_MAC = re.compile(r"[0-9A-F]{12}")


def normalise_mac(raw):
    """`00:04:13:a1:b2:c3`, `00-04-13-A1-B2-C3`, `0004.13a1.b2c3` -> `000413A1B2C3`, else ValidationError."""
    text = _MAC_SEPARATORS.sub("", str(raw or "")).upper()
    if not text:
        raise ValidationError(_("Enter the MAC address."), code="required")
    if not (len(text) == 12 and _MAC.fullmatch(text) and text.isascii()):
        raise ValidationError(
            _("“%(value)s” is not a MAC address: use 12 hexadecimal digits, e.g. 000413A1B2C3."),
            code="invalid_mac",
            params={"value": str(raw)[:40]},
        )
    return text


def is_mac(text):
    """True if `text` is already a normalised MAC (12 upper-case hex digits)."""
    return bool(text) and len(text) == 12 and bool(_MAC.fullmatch(text))


class PhoneQuerySet(OrganisationScopedQuerySet):
    def with_state(self, state):
        """Phones in a derived state (Phone.State)."""
        if state == Phone.State.ASSIGNED:
            return self.filter(free_seating=False, user__isnull=False)
        if state == Phone.State.NOT_PROVISIONED:
            return self.filter(free_seating=False, user__isnull=True)
        if state == Phone.State.SEATED:
            return self.filter(free_seating=True, seated_user__isnull=False)
        if state == Phone.State.FREE_SEATING:
            return self.filter(free_seating=True, seated_user__isnull=True)
        return self

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        q = (
            Q(description__icontains=text)
            | Q(user__username__icontains=text)
            | Q(user__first_name__icontains=text)
            | Q(user__last_name__icontains=text)
            | Q(seated_user__username__icontains=text)
        )
        compact = _MAC_SEPARATORS.sub("", text).upper()
        if compact:
            q |= Q(mac__contains=compact)
        return self.filter(q)


class Phone(ProtectedFieldsMixin, models.Model):
    """A SIP phone of an organisation (DEV-3). The MAC is unique across the whole system."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("User assigned")
        NOT_PROVISIONED = "not_provisioned", _("Not provisioned")
        SEATED = "seated", _("Seated")
        FREE_SEATING = "free_seating", pgettext_lazy("phone state", "Free seating")

    class Registration(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        UNREGISTERED = "unregistered", _("Not registered")
        UNKNOWN = "unknown", _("Unknown")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="phones", verbose_name=_("organisation")
    )
    mac = models.CharField(
        _("MAC address"),
        max_length=12,
        unique=True,
        error_messages={"unique": _("A phone with this MAC address already exists.")},
    )
    model = models.CharField(_("type"), max_length=40, choices=catalog.all_model_choices())
    description = models.CharField(_("description"), max_length=64, blank=True, validators=[validate_clean_text])
    # Line 1 (DEV-4). Deleting the user unassigns the phone, which then gets no credentials.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="desk_phones",
        verbose_name=_("user"),
    )
    free_seating = models.BooleanField(_("free seating"), default=False)
    # Who is logged in on a free-seating phone; reported by the platform (log-in happens on the phone).
    seated_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="seated_phones",
        verbose_name=_("logged-in user"),
    )
    seated_at = models.DateTimeField(_("logged in since"), null=True, blank=True)
    expansion_module = models.CharField(
        _("expansion module"), max_length=8, blank=True, default="", choices=catalog.expansion_choices()
    )
    expansion_module_count = models.PositiveSmallIntegerField(
        _("number of expansion modules"), default=0, validators=[MaxValueValidator(3)]
    )
    # Seen by provisioning (PRV-5).
    firmware = models.CharField(_("firmware version"), max_length=64, blank=True)
    last_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("User-Agent"), max_length=255, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    fetch_count = models.PositiveIntegerField(_("configuration fetches"), default=0)
    # Raised (signals.notify_config_changed) in the same transaction as every change to what the
    # phone receives; provisioning serves a cached file only if it was rendered at this version.
    config_version = models.PositiveBigIntegerField(_("configuration version"), default=0, editable=False)
    protected_fields = ("config_version",)  # written only by explicit updates (connect.lib.protected_fields)
    # Fed by the SIP platform.
    registration_status = models.CharField(
        _("status"), max_length=16, choices=Registration.choices, default=Registration.UNKNOWN
    )
    registration_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    auto_added = models.BooleanField(_("added automatically"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = PhoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("SIP phone")
        verbose_name_plural = _("SIP phones")
        ordering = ["mac"]
        indexes = [models.Index(fields=["organisation", "mac"], name="phone_org_mac")]
        constraints = [
            models.CheckConstraint(
                condition=Q(free_seating=False) | Q(user__isnull=True), name="phone_free_seating_no_user"
            ),
        ]

    def __str__(self):
        return self.mac

    def get_absolute_url(self):
        # The user page lists a user's desk phones (USR-12) and links them through this.
        return reverse("devices:phone_detail", args=[self.pk])

    @property
    def phone_model(self):
        return catalog.get(self.model)

    @property
    def model_name(self):
        m = self.phone_model
        return m.display_name if m else self.model

    @property
    def is_mitel(self):
        m = self.phone_model
        return bool(m and m.is_mitel)

    @property
    def state(self):
        if self.free_seating:
            return self.State.SEATED if self.seated_user_id else self.State.FREE_SEATING
        return self.State.ASSIGNED if self.user_id else self.State.NOT_PROVISIONED

    def get_state_display(self):
        return self.State(self.state).label

    def key_slots(self):
        return catalog.key_slots(self.model, self.expansion_module, self.expansion_module_count)


class FunctionKeyQuerySet(OrganisationScopedQuerySet):
    organisation_field = "phone__organisation"


class FunctionKey(models.Model):
    """A programmable key of a phone (DEV-4), position 2 and up (position 1 is line 1 = Phone.user)."""

    class Type(models.TextChoices):
        LINE = "line", _("Line")
        BLF = "blf", _("BLF (busy lamp)")
        SPEED_DIAL = "speed", _("Speed dial")
        NONE = "none", _("None")

    phone = models.ForeignKey(Phone, on_delete=models.CASCADE, related_name="keys", verbose_name=_("phone"))
    position = models.PositiveSmallIntegerField(_("#"))
    type = models.CharField(_("type"), max_length=8, choices=Type.choices, default=Type.NONE)
    # Speed dial number or BLF extension (normalised with connect.lib.numbers).
    value = models.CharField(_("value"), max_length=32, blank=True)
    label = models.CharField(_("label"), max_length=32, blank=True, validators=[validate_clean_text])
    # Line (shared line) and BLF keys name a user of the same organisation.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phone_keys",
        verbose_name=_("user"),
    )

    objects = FunctionKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("function key")
        verbose_name_plural = _("function keys")
        ordering = ["phone", "position"]
        constraints = [
            models.UniqueConstraint(fields=["phone", "position"], name="functionkey_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=2), name="functionkey_not_line1"),
        ]

    def __str__(self):
        return f"{self.phone} #{self.position} {self.get_type_display()}"


class PhoneFetchQuerySet(OrganisationScopedQuerySet):
    organisation_field = "phone__organisation"


class PhoneFetch(models.Model):
    """One configuration fetch ("sidst set"); only the latest FETCH_LOG_SIZE per phone are kept."""

    # Every fetch inserts a row (issue 14: a boot storm is 10,000 at once), so no index but the
    # one the log is read and pruned by (phone, newest first), which also serves the foreign key.
    phone = models.ForeignKey(
        Phone, on_delete=models.CASCADE, related_name="fetches", verbose_name=_("phone"), db_index=False
    )
    at = models.DateTimeField(_("time"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    firmware = models.CharField(_("firmware version"), max_length=64, blank=True)
    user_agent = models.CharField(_("User-Agent"), max_length=255, blank=True)
    file_name = models.CharField(_("file"), max_length=64, blank=True)

    objects = PhoneFetchQuerySet.as_manager()

    class Meta:
        verbose_name = _("configuration fetch")
        verbose_name_plural = _("configuration fetches")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["phone", "-at"], name="phonefetch_phone_at")]

    def __str__(self):
        return f"{self.phone} {self.at:%Y-%m-%d %H:%M:%S}"


class SipAccountQuerySet(OrganisationScopedQuerySet):
    organisation_field = "user__organisation"


class SipAccount(models.Model):
    """A user's SIP credentials, generated by the portal for the phones (invariant 6).

    The password is stored encrypted (connect.lib.crypto); it is never logged, audited or shown.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sip_account", verbose_name=_("user")
    )
    username = models.CharField(_("SIP username"), max_length=64, unique=True)
    password_encrypted = models.TextField()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    password_changed_at = models.DateTimeField(_("password changed"), auto_now_add=True)

    objects = SipAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("SIP account")
        verbose_name_plural = _("SIP accounts")
        ordering = ["username"]

    def __str__(self):
        return self.username

    @property
    def password(self):
        from connect.lib.crypto import decrypt

        return decrypt(self.password_encrypted)
