"""The sound of a voice prompt (ORG-5): one recording per language of the organisation (ORG-8),
and the calls the SIP platform makes to record one by phone.

A recording's file is the converted sound (WAV, PCM 16-bit, 8 kHz, mono: what the telephone
platform plays). It is stored under MEDIA_ROOT/prompts/ and served only through the portal's
recording view to signed-in admins of the organisation (system prompts: to every admin), never
through a public MEDIA_URL.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models.core import Language, Organisation, OrganisationScopedQuerySet, Prompt


def recording_path(instance, filename):
    owner = instance.prompt.organisation_id or "system"
    return f"prompts/{owner}/{uuid.uuid4().hex}.wav"


class PromptRecordingQuerySet(models.QuerySet):
    organisation_field = "prompt__organisation"

    def for_organisation(self, organisation):
        """Recordings of the organisation's own prompts and of the system prompts."""
        return self.filter(
            Q(prompt__organisation=organisation) | Q(prompt__organisation__isnull=True)
        )


class PromptRecording(models.Model):
    """One language's sound of a prompt. A new upload or phone recording replaces the file."""

    class Status(models.TextChoices):
        EMPTY = "empty", _("No sound file yet")
        CONVERTING = "converting", _("Converting")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Conversion failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Imported file")
        PHONE = "phone", _("Recorded by phone")
        SYSTEM = "system", _("System")

    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="recordings", verbose_name=_("voice prompt")
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    file = models.FileField(_("sound file"), upload_to=recording_path, blank=True, max_length=255)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.EMPTY
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, blank=True)
    original_name = models.CharField(_("original file"), max_length=255, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # The conversion job whose result this recording waits for (the latest upload wins).
    job = models.ForeignKey(
        "customers.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = PromptRecordingQuerySet.as_manager()

    class Meta:
        verbose_name = _("prompt recording")
        verbose_name_plural = _("prompt recordings")
        ordering = ["prompt", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "language"], name="promptrecording_unique_language"
            ),
        ]

    def __str__(self):
        return f"{self.prompt} ({self.get_language_display()})"

    @property
    def duration_display(self):
        """m:ss.t, e.g. 0:03.5."""
        if self.duration_ms is None:
            return ""
        tenths = round(self.duration_ms / 100)
        minutes, tenths = divmod(tenths, 600)
        return f"{minutes}:{tenths // 10:02d}.{tenths % 10}"


def new_call_reference():
    return secrets.token_urlsafe(24)


class PromptCallQuerySet(OrganisationScopedQuerySet):
    pass


class PromptCall(models.Model):
    """ "Optag filen": the SIP platform calls an OrgAdmin, who records one language of a prompt.
    The platform reports progress to the portal (customers.views.prompts.platform_prompt_call)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Asking the platform to call")
        DIALLING = "dialling", _("Calling your phone")
        ANSWERED = "answered", _("Answered: follow the voice guide")
        RECORDING = "recording", _("Recording")
        DONE = "done", _("Done: the recording is saved")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.DONE, Status.FAILED)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="calls", verbose_name=_("voice prompt")
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    number = models.CharField(_("phone number"), max_length=16)
    reference = models.CharField(
        max_length=64, unique=True, default=new_call_reference, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    detail = models.CharField(_("message"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = PromptCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("prompt recording call")
        verbose_name_plural = _("prompt recording calls")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.prompt} ({self.get_language_display()}) → {self.number}"

    @property
    def is_finished(self):
        return self.status in self.FINISHED
