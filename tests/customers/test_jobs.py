"""The one job runner (ARCHITECTURE.md invariant 5): enqueued on commit, safe to run twice, never
half-written, failures visible; the job pages (progress, preview, error report) and tenancy."""

import csv
import io

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from connect.lib import jobs as jobslib
from customers import tasks
from customers.models import AuditEntry, GroupMembership, Job, User
from customers.models.jobs import progress_cache_key
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload, upload

URL = "/users/import/"
ROWS = [
    "a@firma.dk;A;A;;;;;+4588887701;;;;;Salg;;;;;;",
    "b@firma.dk;B;B;;;;;+4588887702;;;;;;;;;;;",
]


def _job(org, admin, rows=ROWS, stage=None):
    """A queued users-import job whose task has not run."""
    return Job.objects.create(
        organisation=org,
        kind=Job.Kind.USERS_IMPORT,
        task_name="customers.users_import",
        created_by=admin,
        file_format="csv",
        params={"unit": "row"},
        stage=stage or Job.Stage.PREVIEW,
        upload=upload("users.csv", csv_bytes(rows)),
        file_name="users.csv",
    )


def test_tasks_are_acknowledged_late_and_redelivered_when_the_worker_dies(settings):
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    for task in (tasks.users_import, tasks.directory_sync, tasks.users_export, tasks.welcome_job, tasks.send_message):
        assert task.acks_late is True and task.reject_on_worker_lost is True


def test_the_task_is_enqueued_only_when_the_transaction_commits(import_org, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            job = jobslib.job_start(
                organisation=import_org,
                kind=Job.Kind.USERS_IMPORT,
                task=tasks.users_import,
                by=admin_a,
                upload=upload("users.csv", csv_bytes(ROWS)),
                file_format="csv",
            )
    job.refresh_from_db()
    assert len(callbacks) == 1 and job.status == Job.Status.QUEUED
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW


def test_preview_run_twice_does_nothing_the_second_time(import_org, admin_a):
    job = _job(import_org, admin_a)
    assert tasks.users_import(job.pk) == Job.Status.PREVIEW
    job.refresh_from_db()
    first = (job.status, job.counts, job.preview, job.attempts)
    assert tasks.users_import(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.counts, job.preview, job.attempts) == first
    assert not User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).exists()


def test_commit_run_twice_creates_the_users_once(import_org, admin_a, client_a, django_capture_on_commit_callbacks):
    job = _job(import_org, admin_a)
    tasks.users_import(job.pk)
    job.refresh_from_db()
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED
    # A redelivered or retried task for the same job.
    assert tasks.users_import(job.pk) is None
    assert tasks.users_import.apply(args=[job.pk]).get() is None
    assert User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).count() == 2
    assert GroupMembership.objects.filter(user__username="a@firma.dk").count() == 1
    assert AuditEntry.objects.filter(content_type__model="user", action="create", object_repr="a@firma.dk").count() == 1


def test_a_killed_worker_leaves_a_running_job_that_the_redelivered_task_completes(import_org, admin_a):
    job = _job(import_org, admin_a)
    tasks.users_import(job.pk)
    # The worker claimed the commit stage and was killed before its transaction committed: the
    # job is "running", nothing was written.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, stage=Job.Stage.COMMIT, attempts=1)
    assert tasks.users_import(job.pk) == Job.Status.SUCCEEDED
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).count() == 2


def test_a_crash_in_the_middle_of_the_write_leaves_nothing_half_written(import_org, admin_a, monkeypatch):
    job = _job(import_org, admin_a)
    tasks.users_import(job.pk)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, stage=Job.Stage.COMMIT)

    from customers.operations import imports

    real_insert = imports.insert_rows

    def crash(model, names, rows):
        if model is GroupMembership:
            raise RuntimeError("worker lost its database connection")
        return real_insert(model, names, rows)

    # Users, numbers and lines are inserted, then the group memberships fail.
    monkeypatch.setattr(imports, "insert_rows", crash)
    with pytest.raises(RuntimeError):
        tasks.users_import(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "Nothing was saved" in job.message_text
    assert not User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).exists()


def test_after_too_many_attempts_the_job_is_failed_not_looped(import_org, admin_a):
    job = _job(import_org, admin_a)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=jobslib.MAX_ATTEMPTS)
    assert tasks.users_import(job.pk) is None
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "stopped after 3 attempts" in job.message_text


def test_on_failure_marks_the_job_failed(import_org, admin_a):
    job = _job(import_org, admin_a)
    tasks.users_import.on_failure(RuntimeError("boom"), "task-id", (job.pk,), {}, None)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "internal error" in job.message_text and "boom" not in job.message_text
    # A finished job is never changed again.
    tasks.users_import.on_failure(RuntimeError("boom"), "task-id", (job.pk,), {}, None)
    assert Job.objects.get(pk=job.pk).finished_at == job.finished_at


def test_failed_eager_task_is_marked_failed_through_celery(import_org, admin_a, monkeypatch, settings):
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    job = _job(import_org, admin_a)

    def broken(self, rows):
        raise ValueError("bug")

    from customers.operations.imports import UsersImporter

    monkeypatch.setattr(UsersImporter, "prepare", broken)
    result = tasks.users_import.apply(args=[job.pk])
    assert result.failed()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


def test_cancelled_job_never_runs(import_org, admin_a):
    job = _job(import_org, admin_a)
    jobslib.job_cancel(job=job, by=admin_a)
    assert tasks.users_import(job.pk) is None
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


def test_progress_partial_shows_the_workers_figures_and_reloads_when_done(client_a, import_org, admin_a):
    job = _job(import_org, admin_a)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, stage=Job.Stage.COMMIT)
    cache.set(progress_cache_key(job.pk), (250, 1000))
    url = reverse("customers:job_progress", args=[job.pk])
    response = client_a.get(url + "?poll=1", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert 'aria-valuenow="25"' in content and "Saving…" in content
    assert 'hx-trigger="load delay:1s"' in content and "HX-Refresh" not in response
    Job.objects.filter(pk=job.pk).update(status=Job.Status.PREVIEW)
    response = client_a.get(url + "?poll=1", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()


def test_job_page_polls_while_queued(client_a, import_org, admin_a):
    job = _job(import_org, admin_a)
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert reverse("customers:job_progress", args=[job.pk]) in page and "Queued" in page


def test_error_report_csv(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["ok@firma.dk;Ok;P;;;;;;;;;;;;;;;;", "bad@firma.dk;Bad;P;nope;;;;;;;;;;;;;;;"])
    _response, job = run_upload(client_a, django_capture_on_commit_callbacks, URL, "users.csv", data)
    response = client_a.get(reverse("customers:job_errors", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Type", "Row", "Column", "Problem", "Message"],
        ["Error", "3", "E-mail", "Enter a valid e-mail address.", "Row 3, E-mail: Enter a valid e-mail address."],
    ]


def test_finished_jobs_can_be_reopened_from_the_list(client_a, import_org, admin_a, org_b, admin_b):
    mine = _job(import_org, admin_a)
    tasks.users_import(mine.pk)
    theirs = Job.objects.create(organisation=org_b, kind=Job.Kind.USERS_EXPORT, task_name="customers.users_export", created_by=admin_b)
    page = client_a.get(reverse("customers:job_list")).content.decode()
    assert reverse("customers:job_detail", args=[mine.pk]) in page
    assert reverse("customers:job_detail", args=[theirs.pk]) not in page
    assert client_a.get(reverse("customers:job_detail", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize(
    "name,method",
    [
        ("job_detail", "get"),
        ("job_progress", "get"),
        ("job_errors", "get"),
        ("job_download", "get"),
        ("job_confirm", "post"),
        ("job_cancel", "post"),
    ],
)
def test_another_organisations_job_is_a_404(client, import_org, admin_a, admin_b, name, method):
    job = _job(import_org, admin_a, rows=["bad@firma.dk;;;x;;;;;;;;;;;;;;;"])
    tasks.users_import(job.pk)
    client.force_login(admin_b)
    response = getattr(client, method)(reverse(f"customers:{name}", args=[job.pk]))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW


def test_standard_user_has_no_access(client, import_org, admin_a, user_a):
    job = _job(import_org, admin_a)
    client.force_login(user_a)
    assert client.get(reverse("customers:job_detail", args=[job.pk])).status_code == 403
    assert client.get(reverse("customers:users_import")).status_code == 403


def test_anonymous_is_sent_to_login(client, import_org, admin_a):
    job = _job(import_org, admin_a)
    response = client.get(reverse("customers:job_detail", args=[job.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_support_acting_in_the_organisation_imports_visibly(client, import_org, support, django_capture_on_commit_callbacks):
    from connect.lib.tenancy import SUPPORT_SESSION_KEY

    client.force_login(support)
    session = client.session
    session[SUPPORT_SESSION_KEY] = import_org.pk
    session.save()
    _response, job = run_upload(client, django_capture_on_commit_callbacks, URL, "users.csv", csv_bytes(ROWS))
    _response, job = confirm(client, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED
    entry = AuditEntry.objects.get(content_type__model="user", object_repr="a@firma.dk")
    assert entry.actor == support and entry.via_support


def test_cleanup_expires_previews_deletes_old_exports_and_fails_lost_jobs(import_org, admin_a, client_a, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    preview = _job(import_org, admin_a)
    tasks.users_import(preview.pk)
    lost = _job(import_org, admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("customers:users_export"), {"format": "csv"})
    export = Job.objects.get(kind=Job.Kind.USERS_EXPORT)
    assert export.result_file
    later = timezone.now() + timedelta(days=8)
    assert tasks.jobs_cleanup() == {"expired": 0, "files": 0, "stalled": 0, "messages": 0}
    assert jobslib.jobs_cleanup(now=later) == {"expired": 1, "files": 1, "stalled": 1}
    preview.refresh_from_db()
    lost.refresh_from_db()
    export.refresh_from_db()
    assert preview.status == Job.Status.CANCELLED and not preview.upload
    assert lost.status == Job.Status.FAILED
    assert not export.result_file
    assert client_a.get(reverse("customers:job_download", args=[export.pk])).status_code == 404


def test_cleanup_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["jobs-cleanup"]["task"] == tasks.jobs_cleanup.name


def test_a_lost_upload_fails_the_job_with_a_clear_message(import_org, admin_a):
    job = _job(import_org, admin_a)
    job.upload.storage.delete(job.upload.name)
    assert tasks.users_import(job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    assert job.message_text == "The uploaded file is no longer available. Upload it again."
