"""The provisioning ticket (PRV-4, ARCHITECTURE.md invariant 6).

One ticket per organisation. The ticket is 256 random bits (``secrets.token_urlsafe(32)``, 43
URL-safe characters). It is looked up by its SHA-256 digest (indexed, unique), so the database
never compares the secret itself and a timing difference can at most reveal digest prefixes; the
found digest is compared again with ``hmac.compare_digest``. The clear ticket is kept encrypted
(connect.lib.crypto) because administrators must see the URLs on the SIP phones page.

Renewal replaces digest and ciphertext in place and bumps ``generation``: the old ticket has no
row any more, so from the moment the renewal commits every web process answers it with 404.
"""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from connect.lib.protected_fields import ProtectedFieldsMixin
from customers.models import Organisation, OrganisationScopedQuerySet


def ticket_digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


class Ticket(ProtectedFieldsMixin, models.Model):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="provisioning_ticket",
        verbose_name=_("organisation"),
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    ticket_encrypted = models.TextField(editable=False)
    generation = models.PositiveIntegerField(_("generation"), default=1, editable=False)
    # Raised whenever something every phone file of the organisation shows changes (name,
    # language, time zone): cached files rendered before carry an older version (RenderedFile).
    config_version = models.PositiveBigIntegerField(_("configuration version"), default=0, editable=False)
    # Written only by explicit updates: a stale instance's save() never revives a renewed ticket.
    protected_fields = ("config_version", "generation", "digest", "ticket_encrypted")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    renewed_at = models.DateTimeField(_("renewed"), null=True, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("provisioning ticket")
        verbose_name_plural = _("provisioning tickets")

    def __str__(self):
        # Never the secret: this string ends up in the audit trail and the admin.
        return str(_("Provisioning ticket of %(organisation)s")) % {"organisation": self.organisation}

    @property
    def ticket(self):
        """The clear ticket, for building the URLs shown to administrators. Never log it."""
        from connect.lib.crypto import decrypt

        return decrypt(self.ticket_encrypted)


class RenderedFile(models.Model):
    """A phone's own configuration file as last rendered, so a fetch costs one query (cache.py).

    ``stamp`` names what it was rendered from (renderer version and settings, the ticket's
    generation and config_version, the phone's config_version); the endpoint serves it only while
    the stamp is still current. ``body`` is compressed and encrypted (it holds the SIP password,
    invariant 6). Deleted with the phone.
    """

    phone = models.ForeignKey("devices.Phone", on_delete=models.CASCADE, related_name="+", verbose_name=_("phone"))
    family = models.CharField(_("family"), max_length=16)
    stamp = models.CharField(max_length=128)
    body = models.TextField()
    rendered_at = models.DateTimeField(_("rendered"), auto_now=True)

    class Meta:
        verbose_name = _("rendered configuration file")
        verbose_name_plural = _("rendered configuration files")
        constraints = [models.UniqueConstraint(fields=["phone", "family"], name="provisioning_renderedfile_phone_family")]

    def __str__(self):
        return f"{self.family} {self.phone_id}"
