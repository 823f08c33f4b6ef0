"""The one job runner (ARCHITECTURE.md invariant 5, convention 6).

Starting a job: `job_start(organisation=, kind=, task=, by=, upload=..., params=...)` creates the
Job row (and stores the upload) and enqueues `task` with the job's id when the transaction
commits. Imports stop at the preview; `job_confirm` queues the commit stage, `job_cancel`
discards the job, `job_preview_again` previews again with changed params (a column mapping).

A job task is thin (takes the id, re-fetches, calls the runner); its name starts with the app
label and it lives in that app's tasks.py:

    @shared_task(base=JobTask, name="customers.users_import")
    def users_import(job_id):
        run_import_job(job_id, lambda job: UsersImporter(organisation=job.organisation, by=job.created_by))

Safe to run twice. A task claims its job with a conditional UPDATE (status queued/running ->
running, attempts + 1): a finished or cancelled job is never run again. The stages:

- PREVIEW only reads; a duplicate run computes the same preview, and the result is stored with a
  conditional UPDATE, so a late duplicate cannot overwrite anything newer.
- COMMIT runs in ONE transaction that starts by locking the job row (SELECT ... FOR UPDATE) and
  checking it is still running: the data and the job's "succeeded" status commit together. A
  worker killed mid-run rolls the whole write back and leaves the job "running"; the redelivered
  task (acks_late + reject_on_worker_lost in settings) runs it again cleanly, and a concurrent
  duplicate waits for the lock, then sees "succeeded" and stops. After MAX_ATTEMPTS claims the
  job is marked failed instead of looping.
- RUN (exports, bulk sends) is one stage whose handler is idempotent itself (an export rewrites
  its file; each message is claimed READY -> SENDING before it is sent).

Any exception marks the job failed (here and in JobTask.on_failure) with a message the admin can
read; the traceback goes to the log. Messages (the job's, per-row errors, warnings, notes) are
stored as msgid + params (connect.lib.i18n) and rendered in the language of whoever reads the
job, not of whoever started it; the run still happens in the starter's language, for handlers
that return plain text. Progress is written to the job row (throttled) and, while a transaction
hides it, to the cache, which `Job.live_progress()` reads.
"""

import gc
import importlib
import logging
import time

from celery import Task
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from connect.lib.i18n import message, message_text, stored
from connect.lib.imports import FileError, ImportRejected, format_row_error

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROGRESS_INTERVAL = 0.5  # seconds between progress writes
JOB_GC_THRESHOLD = 5000  # allocations between collections of the youngest generation during a job


def _job_model():
    from customers.models import Job

    return Job


def _celery_task(name):
    """The registered task `name`. Task names start with their app's label ("customers.x" lives
    in customers/tasks.py), so a web process that has not imported the module yet finds it."""
    from connect.celery import app

    if name not in app.tasks:
        importlib.import_module(f"{name.split('.')[0]}.tasks")
    return app.tasks[name]


# --- starting, confirming, cancelling --------------------------------------------------------


def enqueue(job):
    """Send the job's task once the current transaction commits (never before: the worker must
    see the row)."""
    task_name, job_id = job.task_name, job.pk

    def send():
        _celery_task(task_name).delay(job_id)

    transaction.on_commit(send, robust=True)


def job_start(*, organisation, kind, task, by, params=None, upload=None, file_name="", file_format="", stage=None):
    """Create a queued Job and enqueue `task` (a Celery task or its name) on commit."""
    Job = _job_model()
    task_name = task if isinstance(task, str) else task.name
    if stage is None:
        stage = Job.Stage.PREVIEW if upload is not None else Job.Stage.RUN
    with transaction.atomic():
        job = Job(
            organisation=organisation,
            kind=kind,
            stage=stage,
            task_name=task_name,
            params=params or {},
            file_name=(file_name or getattr(upload, "name", "") or "")[:255],
            file_format=file_format,
            created_by=by if getattr(by, "pk", None) else None,
        )
        if upload is not None:
            upload.seek(0)
            job.upload.save(job.file_name or "upload", upload, save=False)
        job.save()
        enqueue(job)
    return job


def job_confirm(*, job, by):
    """The admin confirmed the preview: queue the commit stage. Only a preview without errors."""
    Job = _job_model()
    with transaction.atomic():
        updated = (
            Job.objects.filter(pk=job.pk, status=Job.Status.PREVIEW)
            .filter(counts__error=0)
            .update(
                status=Job.Status.QUEUED,
                stage=Job.Stage.COMMIT,
                attempts=0,  # the commit gets its own MAX_ATTEMPTS tries
                progress_done=0,
                progress_total=0,
                updated_at=timezone.now(),
            )
        )
        if not updated:
            raise ValidationError(_("This import can no longer be saved. Upload the file again."), code="stale")
        # What the update changed (not the stored preview: thousands of rows of JSON).
        job.refresh_from_db(fields=["status", "stage", "attempts", "progress_done", "progress_total", "updated_at"])
        enqueue(job)
    return job


def job_preview_again(*, job, by, params):
    """The admin changed how the file is to be read (the column mapping of a contacts import):
    queue the preview stage again with `params`. Only a job waiting for confirmation; its upload
    is still there, and nothing has been written."""
    Job = _job_model()
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.PREVIEW, stage=Job.Stage.PREVIEW).update(
            status=Job.Status.QUEUED,
            params=params,
            attempts=0,
            progress_done=0,
            progress_total=0,
            counts={},
            preview=[],
            errors=[],
            warnings=[],
            message="",
            updated_at=timezone.now(),
        )
        if not updated:
            raise ValidationError(_("This import can no longer be changed. Upload the file again."), code="stale")
        job.refresh_from_db()
        enqueue(job)
    return job


def job_cancel(*, job, by):
    """Discard a job that has not written anything (queued preview or waiting for confirmation)."""
    Job = _job_model()
    updated = (
        Job.objects.filter(pk=job.pk, status__in=[Job.Status.PREVIEW, Job.Status.QUEUED])
        .exclude(stage=Job.Stage.COMMIT, status=Job.Status.QUEUED)
        .update(status=Job.Status.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now())
    )
    if not updated:
        raise ValidationError(_("This job can no longer be cancelled."), code="stale")
    job.refresh_from_db()
    _discard_upload(job)
    return job


# --- running ----------------------------------------------------------------------------------


class JobTask(Task):
    """Base class of job tasks: acknowledged after the run, redelivered if the worker dies,
    the job marked failed when the task fails."""

    acks_late = True
    reject_on_worker_lost = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is not None:
            mark_failed(job_id, None)


def _language_of(job):
    user = job.created_by
    code = getattr(user, "language", None)
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _progress_writer(job_id, in_transaction):
    state = {"last": 0.0}
    key = f"connect:job:{job_id}:progress"

    def progress(done, total):
        now = time.monotonic()
        if done < total and now - state["last"] < PROGRESS_INTERVAL:
            return
        state["last"] = now
        cache.set(key, (int(done), int(total)), 3600)
        if not in_transaction:
            _job_model().objects.filter(pk=job_id).update(progress_done=int(done), progress_total=int(total), updated_at=timezone.now())

    return progress


_BULKY = ("preview", "errors", "warnings")


def _claim(job_id):
    Job = _job_model()
    updated = Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(
        status=Job.Status.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not updated:
        return None
    # Handlers never read the stored preview and its problems (an import's are megabytes of JSON).
    job = Job.objects.select_related("organisation", "created_by").defer(*_BULKY).get(pk=job_id)
    if job.started_at is None:
        Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=timezone.now())
    if job.attempts > MAX_ATTEMPTS:
        _finish(
            job_id,
            Job.Status.FAILED,
            expect=Job.Status.RUNNING,
            message=message(_("The job was stopped after %(count)d attempts."), count=MAX_ATTEMPTS),
        )
        return None
    return job


def _finish(job_id, status, expect=None, stage=None, **fields):
    Job = _job_model()
    qs = Job.objects.filter(pk=job_id)
    if expect is not None:
        qs = qs.filter(status=expect)
    if stage is not None:
        qs = qs.filter(stage=stage)
    now = timezone.now()
    if status in Job.FINISHED:
        fields.setdefault("finished_at", now)
    updated = qs.update(status=status, updated_at=now, **fields)
    if updated:
        cache.delete(f"connect:job:{job_id}:progress")
        if status in Job.FINISHED:
            job = Job.objects.filter(pk=job_id).only("pk", "upload").first()
            if job is not None:
                transaction.on_commit(lambda: _discard_upload(job))
    return updated


def _discard_upload(job):
    cache.delete(checked_cache_key(job.pk))  # what the preview kept for a commit that will not come
    if job.upload:
        try:
            job.upload.delete(save=False)
        except OSError:  # pragma: no cover - storage trouble must not fail the job
            logger.warning("could not delete the upload of job %s", job.pk)
        _job_model().objects.filter(pk=job.pk).update(upload="")


def mark_failed(job_id, reason=None, **fields):
    """Mark an unfinished job failed (idempotent). `reason`: a message (connect.lib.i18n) or None
    for the generic one."""
    Job = _job_model()
    job = Job.objects.filter(pk=job_id).only("pk", "status").first()
    if job is None or job.is_finished:
        return 0
    if not reason:
        reason = _("The job failed because of an internal error. Nothing was saved; try again or contact support.")
    return _finish(job_id, Job.Status.FAILED, message=stored(reason), **fields)


def run_job(job_id, handler):
    """Run the claimed stage of job `job_id` with `handler` (an object with `preview(job,
    progress)`, `commit(job, progress)` and/or `run(job, progress)`, each returning a dict of Job
    fields to store: counts, preview, errors, message). See the module docstring."""
    Job = _job_model()
    job = _claim(job_id)
    if job is None:
        return None
    # The process's long-lived objects (Django, the app) need no scanning by the cyclic garbage
    # collector while a job allocates tens of thousands of rows: freeze them for the run, after
    # collecting what earlier jobs left in cycles (frozen, it would stay for good). The youngest
    # generation is collected every 5,000 allocations instead of 700: a job's rows live until
    # its end, and each collection only moved them on (a tenth of a preview's CPU).
    gc.collect()
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(JOB_GC_THRESHOLD, *threshold[1:])
    try:
        with translation.override(_language_of(job)):
            if job.stage == Job.Stage.PREVIEW:
                return _run_preview(job, handler)
            if job.stage == Job.Stage.COMMIT:
                return _run_commit(job, handler)
            return _run_single(job, handler)
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        mark_failed(job_id)
        raise
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _file_failure(job, exc):
    Job = _job_model()
    _finish(job.pk, Job.Status.FAILED, expect=Job.Status.RUNNING, message=stored(exc))
    return Job.Status.FAILED


def _run_preview(job, handler):
    Job = _job_model()
    progress = _progress_writer(job.pk, in_transaction=False)
    try:
        result = handler.preview(job, progress)
    except ValidationError as exc:  # FileError included
        return _file_failure(job, exc)
    _finish(job.pk, Job.Status.PREVIEW, expect=Job.Status.RUNNING, stage=Job.Stage.PREVIEW, **result)
    return Job.Status.PREVIEW


def _run_commit(job, handler):
    Job = _job_model()
    progress = _progress_writer(job.pk, in_transaction=True)
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update(of=("self",)).select_related("organisation", "created_by").defer(*_BULKY).get(pk=job.pk)
            if locked.status != Job.Status.RUNNING or locked.stage != Job.Stage.COMMIT:
                return locked.status  # a duplicate run finished it meanwhile
            result = handler.commit(locked, progress)
            _finish(job.pk, Job.Status.SUCCEEDED, **result)
            return Job.Status.SUCCEEDED
    except ImportRejected as exc:
        preview = exc.preview
        counts = preview.counts()
        _finish(
            job.pk,
            Job.Status.FAILED,
            expect=Job.Status.RUNNING,
            preview=preview.as_rows(),
            counts=counts,
            errors=[e.as_dict() for e in preview.errors],
            warnings=[w.as_dict() for w in preview.warnings],
            message=message(
                _("Nothing was saved: the data changed since the preview and %(count)d rows now have errors."), count=counts["error"]
            )
            if preview.has_errors
            else "",
        )
        return Job.Status.FAILED
    except ValidationError as exc:
        return _file_failure(job, exc)


def _run_single(job, handler):
    Job = _job_model()
    progress = _progress_writer(job.pk, in_transaction=False)
    try:
        result = handler.run(job, progress)
    except ValidationError as exc:
        return _file_failure(job, exc)
    _finish(job.pk, Job.Status.SUCCEEDED, expect=Job.Status.RUNNING, **result)
    return Job.Status.SUCCEEDED


# --- imports --------------------------------------------------------------------------------


def checked_cache_key(job_id):
    """Where an import's preview keeps what its commit may reuse (ImportJobHandler)."""
    return f"connect:job:{job_id}:checked"


class ImportJobHandler:
    """Runs an `Importer` (connect.lib.imports) as a two-stage job."""

    def __init__(self, make_importer):
        self.make_importer = make_importer

    def _open(self, job):
        gone = FileError(_("The uploaded file is no longer available. Upload it again."), code="gone")
        if not job.upload:
            raise gone
        try:
            job.upload.open("rb")
        except FileNotFoundError as exc:
            raise gone from exc
        return job.upload

    @staticmethod
    def _fields(preview, message=""):
        return {
            "preview": preview.as_rows(),
            "counts": preview.counts(),
            "errors": [e.as_dict() for e in preview.errors],
            "warnings": [w.as_dict() for w in preview.warnings],
            "progress_done": len(preview.results),
            "progress_total": len(preview.results),
            "message": message,
        }

    def preview(self, job, progress):
        importer = self.make_importer(job)
        upload = self._open(job)
        try:
            preview = importer.preview(upload, job.file_format, progress=progress)
        finally:
            upload.close()
        # What the commit may reuse instead of validating the file again (Importer.checked); the
        # importer decides at the commit whether it still holds. Kept as long as the preview.
        checked = None if preview.has_errors else importer.checked(preview)
        if checked is None:
            cache.delete(checked_cache_key(job.pk))
        else:
            cache.set(checked_cache_key(job.pk), checked, PREVIEW_TTL_HOURS * 3600)
            del checked
        # What validation kept for writing (cleaned values, the objects they refer to, the
        # importer's lookups) only serves a commit, which validates again or reuses `checked`:
        # let it go before the preview is turned into JSON (the peak of a large file's memory).
        for result in preview.results:
            result.cleaned = None
        del importer
        return self._fields(preview)

    def commit(self, job, progress):
        importer = self.make_importer(job)
        upload = self._open(job)
        # Taken from the cache, not read: a commit that fails and runs again validates the file.
        key = checked_cache_key(job.pk)
        checked = cache.get(key)
        cache.delete(key)
        try:
            preview = importer.commit(upload, job.file_format, progress=progress, checked=checked)
        finally:
            upload.close()
        counts = preview.counts()
        saved = message(
            _("Saved: %(create)d created, %(update)d updated, %(unchanged)d unchanged, %(skip)d skipped."),
            **{key: counts[key] for key in ("create", "update", "unchanged", "skip")},
        )
        # The stored preview is what was just written (any difference would have failed the
        # commit), so it is kept as it is; only the figures and the message change.
        return {"counts": counts, "progress_done": len(preview.results), "progress_total": len(preview.results), "message": saved}


def run_import_job(job_id, make_importer):
    """The body of an import task: `make_importer(job)` builds the Importer for the job."""
    return run_job(job_id, ImportJobHandler(make_importer))


def job_report_rows(job):
    """The job's errors, then its warnings, in the active language: dicts with `kind` ("error" /
    "warning"), `number`, `column`, `message` and `text` (the full sentence "Row 7, E-mail: …")."""
    unit = "line" if (job.params or {}).get("unit") == "line" else "row"
    for kind, problems in (("error", job.errors or []), ("warning", job.warnings or [])):
        for problem in problems:
            yield {
                "kind": kind,
                "number": problem["number"],
                "column": problem.get("column", ""),
                "message": message_text(problem["message"]),
                "text": format_row_error(problem, unit),
            }


# --- housekeeping -----------------------------------------------------------------------------

PREVIEW_TTL_HOURS = 48  # an unconfirmed preview expires (its upload is deleted)
RESULT_TTL_HOURS = 7 * 24  # export files are kept a week
STALLED_HOURS = 6  # queued/running without a sign of life: the task was lost


def jobs_cleanup(now=None):
    """Expire unconfirmed previews, delete old export files, fail jobs whose task was lost.
    Run hourly by Celery beat (customers.jobs_cleanup). Returns what it did, for the log."""
    from datetime import timedelta

    Job = _job_model()
    now = now or timezone.now()
    done = {"expired": 0, "files": 0, "stalled": 0}
    expired = Job.objects.filter(status=Job.Status.PREVIEW, updated_at__lt=now - timedelta(hours=PREVIEW_TTL_HOURS))
    for job in expired.only("pk", "upload"):
        if Job.objects.filter(pk=job.pk, status=Job.Status.PREVIEW).update(
            status=Job.Status.CANCELLED, finished_at=now, updated_at=now, message=""
        ):
            _discard_upload(job)
            done["expired"] += 1
    old_files = Job.objects.filter(finished_at__lt=now - timedelta(hours=RESULT_TTL_HOURS)).exclude(result_file="")
    for job in old_files.only("pk", "result_file"):
        try:
            job.result_file.delete(save=False)
        except OSError:  # pragma: no cover
            logger.warning("could not delete the result file of job %s", job.pk)
        Job.objects.filter(pk=job.pk).update(result_file="")
        done["files"] += 1
    stalled = Job.objects.filter(status__in=Job.ACTIVE, updated_at__lt=now - timedelta(hours=STALLED_HOURS))
    for job_id in stalled.values_list("pk", flat=True):
        done["stalled"] += mark_failed(job_id)
    return done
