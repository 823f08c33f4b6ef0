"""A real Celery worker against the configured broker proves the task round trip.

CI sets CELERY_BROKER_URL to the machine's Redis, so this runs there; on a laptop without a
broker it is skipped (the portal then runs tasks in-process). The worker listens on a queue
unique to this test run, so other workers on the same Redis never take its task.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from connect.celery import app, ping

pytestmark = pytest.mark.celery_worker
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def broker_url():
    url = settings.CELERY_BROKER_URL
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set CELERY_BROKER_URL: the worker round trip has to run there")
        pytest.skip("no CELERY_BROKER_URL / REDIS_URL configured: no broker to start a worker against")
    return url


@pytest.fixture
def worker(broker_url, tmp_path):
    queue = f"connect-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CONNECT_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "connect.settings",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "connect", "worker",
                "--pool", "solo", "--queues", queue, "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--hostname", f"{queue}@%h",
            ],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(log.read_text()[-3000:])


def test_ping_task_round_trip_through_a_real_worker(worker, broker_url, settings):
    # The Celery app reads the Django settings live; the suite's conftest makes tasks eager.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url == broker_url
    result = ping.apply_async(args=["hello from the test"], queue=worker)
    assert result.get(timeout=60) == {"pong": "hello from the test"}
    assert result.successful()
    result.forget()
