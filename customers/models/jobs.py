"""Jobs (ARCHITECTURE.md invariant 5): every import, export and bulk send is one Job row.

A Job is processed by a Celery task through the one runner in connect/lib/jobs.py. Imports run
in two stages: PREVIEW (read and validate the stored upload, store the per-row preview; nothing
is written) and, once the admin confirms, COMMIT (re-validate and write everything in one
transaction). Exports and bulk sends have a single RUN stage.

Messages (`message`, and those in `errors`, `warnings` and `preview`) are stored as msgid +
params (connect.lib.i18n) and rendered in the reader's language (`message_text`,
`format_row_error`); plain text, as older rows hold, is shown as it is.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

from connect.lib.i18n import message_text
from customers.models.core import Organisation, OrganisationScopedQuerySet


def job_upload_path(instance, filename):
    # The original name is kept in Job.file_name; the stored name is random.
    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"jobs/{instance.organisation_id}/{uuid.uuid4().hex}.{ext}"


def progress_cache_key(job_id):
    return f"connect:job:{job_id}:progress"


class JobQuerySet(OrganisationScopedQuerySet):
    def light(self):
        """Without the (possibly large) preview and error lists."""
        return self.defer("preview", "errors", "warnings")


class Job(models.Model):
    class Kind(models.TextChoices):
        USERS_IMPORT = "users_import", _("User import")
        USERS_EXPORT = "users_export", _("User export")
        DIRECTORY_SYNC = "directory_sync", _("Directory synchronisation")
        WELCOME = "welcome", _("Welcome messages")
        PHONES_IMPORT = "phones_import", _("Phone import")
        PREFIXES_IMPORT = "prefixes_import", _("Prefix import")
        LICENCE_REPORT = "licence_report", _("Licence report")
        PROMPT_CONVERT = "prompt_convert", _("Sound file conversion")
        CONTACTS_IMPORT = "contacts_import", _("Contacts import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PREVIEW = "preview", _("Ready for review")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Stage(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        COMMIT = "commit", _("Import")
        RUN = "run", _("Run")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PREVIEW)
    task_name = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file_format = models.CharField(max_length=8, blank=True)
    upload = models.FileField(upload_to=job_upload_path, blank=True, max_length=255)
    result_file = models.FileField(upload_to=job_upload_path, blank=True, max_length=255)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    preview = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    message = models.JSONField(_("message"), default=str, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="job_org_created")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_active(self):
        return self.status in self.ACTIVE

    @property
    def is_finished(self):
        return self.status in self.FINISHED

    @property
    def error_count(self):
        return int((self.counts or {}).get("error", 0) or 0)

    @property
    def warning_count(self):
        return int((self.counts or {}).get("warning", 0) or 0)

    @property
    def message_text(self):
        """The job's message in the active language."""
        return message_text(self.message)

    @property
    def can_confirm(self):
        return self.status == self.Status.PREVIEW and self.error_count == 0

    def live_progress(self):
        """(done, total): the worker's latest figures (kept in the cache while a transaction
        hides them from the database), else the stored ones."""
        if self.status == self.Status.RUNNING:
            value = cache.get(progress_cache_key(self.pk))
            if value:
                return tuple(value)
        return self.progress_done, self.progress_total

    @property
    def percent(self):
        if self.status in (self.Status.SUCCEEDED, self.Status.PREVIEW):
            return 100
        done, total = self.live_progress()
        if not total:
            return 0
        return max(0, min(100, int(done * 100 / total)))
