"""The embedded SQLite database (the demo) under concurrent writes: WAL, a busy timeout and
IMMEDIATE transactions (connect/settings.py) mean two requests writing at once queue instead of
failing with "database is locked". Runs the project's settings in a subprocess against a
temporary database file, with two threads writing through the ORM."""

import json
import os
import subprocess
import sys

from django.conf import settings

SCRIPT = r"""
import json
import threading
from datetime import timedelta

import django

django.setup()

from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.utils import timezone

with connection.schema_editor() as editor:
    editor.create_model(Session)
connection.close()

errors = []
start = threading.Barrier(2)


def write(name):
    try:
        start.wait()
        for index in range(50):
            # Read, then write, in one transaction: what a form view does. A deferred transaction
            # would have to upgrade its read lock while the other thread writes: "database is locked".
            with transaction.atomic():
                Session.objects.filter(session_key__startswith=name).count()
                Session.objects.create(session_key=f"{name}-{index}", session_data="x", expire_date=timezone.now() + timedelta(days=1))
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
print(json.dumps({"errors": errors, "rows": Session.objects.count(), "journal": journal}))
"""


def test_two_threads_writing_at_once_never_hit_database_is_locked(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DB_CONN_MAX_AGE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="connect.settings",
        CONNECT_TESTING="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["rows"] == 100
    assert outcome["journal"] == "wal"
