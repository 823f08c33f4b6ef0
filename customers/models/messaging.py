"""Outbound messages (ARCHITECTURE.md convention 6): every e-mail/SMS the portal sends is a row.

READY -> SENDING -> SENT | FAILED | READY or UNKNOWN (to be tried again at `next_attempt_at`).
A sender claims a due row with a conditional update before it talks to the transport, so a
retried or redelivered task never sends the same message twice at once. UNKNOWN means an attempt
went unanswered (a timeout): the gateway may have the message, so it is never reported as failed,
and every later attempt carries the same `idempotency_key`. An UNKNOWN row without a next
attempt is final ("not confirmed"). The body is rendered at send time and not stored: a welcome
message carries a set-password link.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.core import Organisation, OrganisationScopedQuerySet


class OutboundMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Purpose(models.TextChoices):
        WELCOME = "welcome", _("Welcome message")

    class Status(models.TextChoices):
        READY = "ready", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Not confirmed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="outbound_messages", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_messages",
        verbose_name=_("user"),
    )
    job = models.ForeignKey(
        "customers.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages", verbose_name=_("job")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.WELCOME)
    recipient = models.CharField(_("recipient"), max_length=254)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.READY)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Sent with every attempt (Idempotency-Key header): a gateway that honours it delivers once.
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "purpose", "-created_at"], name="outbound_user_purpose"),
            models.Index(fields=["status"], name="outbound_status"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient} ({self.get_status_display()})"
