"""Per-user details that live beside the User row: the third-party SIP account (USR-12) and
directory-field moderation proposals (USR-18).

The mobile phone (USR-12) is the user's number-registry row with purpose "mobile"; its licence and
profile are fields of User.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from connect.lib.validators import validate_clean_text
from customers.models.core import OrganisationScopedQuerySet, User


class UserScopedQuerySet(OrganisationScopedQuerySet):
    organisation_field = "user__organisation"


class ThirdPartySipAccount(models.Model):
    """One SIP account for a device Connect cannot provision (USR-12). The password is stored
    encrypted (connect.lib.crypto) and never rendered back."""

    class DisplayAs(models.TextChoices):
        ANALOG = "analog", _("Analogue phone")
        FIXED = "fixed", _("Desk phone")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="third_party_sip", verbose_name=_("user"))
    enabled = models.BooleanField(_("enable third-party SIP phone"), default=False)
    sip_username = models.CharField(_("SIP username"), max_length=64, unique=True)
    password_encrypted = models.TextField(blank=True)
    display_as = models.CharField(_("show as"), max_length=8, choices=DisplayAs.choices, default=DisplayAs.FIXED)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("third-party SIP phone")
        verbose_name_plural = _("third-party SIP phones")

    def __str__(self):
        return self.sip_username

    @property
    def organisation(self):
        return self.user.organisation

    @property
    def has_password(self):
        return bool(self.password_encrypted)


class DirectoryFieldProposal(models.Model):
    """A user's proposed directory field value waiting for moderation (USR-18).

    One open proposal per user and field: a newer one replaces the older.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="directory_proposals", verbose_name=_("user"))
    field = models.ForeignKey(
        "customers.DirectoryField", on_delete=models.CASCADE, related_name="proposals", verbose_name=_("field")
    )
    value = models.CharField(_("proposed value"), max_length=255, blank=True, validators=[validate_clean_text])
    proposed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("proposed by")
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = UserScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("directory field proposal")
        verbose_name_plural = _("directory field proposals")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "field"], name="directoryproposal_unique_user_field")]

    def __str__(self):
        return f"{self.user}: {self.value}"

    @property
    def organisation(self):
        return self.user.organisation
