"""A real Celery worker is killed (SIGKILL) in the middle of writing an import: nothing of it is
in the database, the job is still "running", and the task redelivered to another worker writes
every row exactly once (acks_late + reject_on_worker_lost, one transaction per commit).

Needs PostgreSQL (the worker is another process: it must see the test's database) and the broker
(CI sets CELERY_BROKER_URL); elsewhere it is skipped.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from connect.celery import app
from connect.lib.jobs import job_confirm
from customers import tasks
from customers.models import Job, User
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import csv_bytes, upload

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(settings.BASE_DIR)
ROWS = 5000


@pytest.fixture
def worker_env(settings, media_tmp):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the test database on PostgreSQL")
    broker = settings.CELERY_BROKER_URL
    if not broker:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL")
        pytest.skip("no broker configured")
    queue = f"connect-jobs-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "CONNECT_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "connect.settings",
    }
    return {"env": env, "queue": queue, "logs": []}


def _start_worker(worker_env, name, tmp_path):
    log = tmp_path / f"{name}.log"
    worker_env["logs"].append(log)
    with log.open("w") as out:
        return subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "connect", "worker", "--pool", "solo",
                "--queues", worker_env["queue"], "--loglevel", "INFO", "--without-gossip",
                "--without-mingle", "--without-heartbeat", "--hostname", f"{name}-{worker_env['queue']}@%h",
            ],
            cwd=BASE_DIR, env=worker_env["env"], stdout=out, stderr=subprocess.STDOUT,
        )


def _wait(job, statuses, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job.status
        time.sleep(0.1)
    return job.status


def _wait_for_copy_into_users(timeout):
    """Until another database session is writing users with COPY (the import's write phase), as
    PostgreSQL's pg_stat_activity shows it: the moment a kill lands in the middle of the write."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"
                " AND xact_start IS NOT NULL AND query LIKE %s",
                ['COPY "customers_user"%'],
            )
            if cursor.fetchone():
                return
            time.sleep(0.01)


def test_a_worker_killed_mid_commit_leaves_nothing_and_the_redelivered_task_completes(import_org, admin_a, worker_env, tmp_path):
    assert app.conf.task_default_queue == worker_env["queue"]
    rows = [f"u{i}@firma.dk;U{i};Jensen;;;;;+45888877{i % 100:02d};;;;;;;;;;;" if i < 100 else f"u{i}@firma.dk;U{i};Jensen;;;;;;;;;;;;;;;;" for i in range(ROWS)]
    job = Job.objects.create(
        organisation=import_org,
        kind=Job.Kind.USERS_IMPORT,
        task_name=tasks.users_import.name,
        created_by=admin_a,
        file_format="csv",
        upload=upload("users.csv", csv_bytes(rows)),
    )
    tasks.users_import(job.pk)  # the preview, in this process
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW and job.counts["create"] == ROWS, job.message
    first = _start_worker(worker_env, "first", tmp_path)
    second = None
    try:
        job_confirm(job=job, by=admin_a)  # enqueued now (no transaction open)
        assert _wait(job, {Job.Status.RUNNING, Job.Status.SUCCEEDED}, 60) == Job.Status.RUNNING
        _wait_for_copy_into_users(60)  # the worker is writing inside its transaction
        job.refresh_from_db()
        if job.status != Job.Status.RUNNING:
            pytest.skip("the worker finished before it could be killed")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        # A COMMIT the worker sent just before it died still completes on the server: let the
        # database settle, then read the outcome once. All or nothing is what must hold.
        time.sleep(1.0)
        users = User.objects.filter(organisation=import_org).count()
        job.refresh_from_db()
        if users == ROWS + 1 and job.status == Job.Status.SUCCEEDED:
            pytest.skip("the worker's commit reached the database just before it was killed")
        assert job.status == Job.Status.RUNNING
        assert users == 1  # only the admin: nothing half-written

        second = _start_worker(worker_env, "second", tmp_path)
        assert _wait(job, {Job.Status.SUCCEEDED, Job.Status.FAILED}, 120) == Job.Status.SUCCEEDED, job.message
        assert User.objects.filter(organisation=import_org).count() == ROWS + 1
        assert job.attempts == 2
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        for log in worker_env["logs"]:
            print(log.read_text()[-2000:])
