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

from customers.models import Organisation, OrganisationScopedQuerySet


def ticket_digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


class Ticket(models.Model):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="provisioning_ticket",
        verbose_name=_("organisation"),
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    ticket_encrypted = models.TextField(editable=False)
    generation = models.PositiveIntegerField(_("generation"), default=1, editable=False)
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
