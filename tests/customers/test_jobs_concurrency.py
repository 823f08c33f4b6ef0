"""Duplicate deliveries running AT THE SAME TIME (PostgreSQL: row locks are real there): the commit
of an import and the sending of a message still happen exactly once."""

import threading
import time

import pytest
from django.db import connection, connections

from customers import tasks
from customers.models import Job, Number, OutboundMessage, User, UserLine
from customers.operations import imports
from customers.operations.imports import UsersImporter
from customers.operations.numbers import number_register
from customers.operations.users import user_create
from customers.operations.welcome import message_send
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import csv_bytes, upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _in_threads(*targets):
    results, errors = {}, []

    def run(name, target):
        try:
            results[name] = target()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for index, thread in enumerate(threads):
        thread.start()
        if index == 0:
            time.sleep(0.3)  # the first one holds the lock
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_two_concurrent_commits_of_one_import_write_once(import_org, admin_a, monkeypatch):
    job = Job.objects.create(
        organisation=import_org,
        kind=Job.Kind.USERS_IMPORT,
        task_name="customers.users_import",
        created_by=admin_a,
        file_format="csv",
        upload=upload("users.csv", csv_bytes(["a@firma.dk;A;A;;;;;+4588887701;;;;;;;;;;;", "b@firma.dk;B;B;;;;;;;;;;;;;;;;"])),
    )
    tasks.users_import(job.pk)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, stage=Job.Stage.COMMIT)
    real_write = UsersImporter.write

    def slow_write(self, results, progress):
        real_write(self, results, progress)
        time.sleep(1.0)  # still inside the transaction, holding the job's row lock

    monkeypatch.setattr(UsersImporter, "write", slow_write)
    results = _in_threads(lambda: tasks.users_import(job.pk), lambda: tasks.users_import(job.pk))
    assert results[0] == Job.Status.SUCCEEDED
    assert results[1] is None  # waited for the lock, then found the job finished
    assert User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).count() == 2
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED


def test_two_concurrent_sends_of_one_message_send_once(import_org, admin_a, monkeypatch):
    from django.core import mail

    from customers.operations import welcome

    user = user_create(organisation=import_org, username="anna@firma.dk", first_name="Anna", last_name="Berg", by=admin_a)
    message = OutboundMessage.objects.create(organisation=import_org, user=user, channel="email", recipient="anna@firma.dk")
    original = welcome._deliver

    def slow_deliver(msg, **kwargs):
        time.sleep(0.8)
        return original(msg, **kwargs)

    monkeypatch.setattr(welcome, "_deliver", slow_deliver)
    results = _in_threads(lambda: message_send(message_id=message.pk), lambda: message_send(message_id=message.pk))
    assert sorted(results.values()) == ["sent", "skipped"]
    assert len(mail.outbox) == 1


def test_two_concurrent_welcome_sends_for_one_user_queue_one_message(import_org, admin_a, monkeypatch, settings):
    """A double click whose two requests run at the same time: the second waits for the first's
    commit (the user's row is locked) and then finds its message."""
    from customers.operations import welcome
    from customers.operations.users import user_set_mobile

    settings.SMS_BACKEND = "locmem"
    user = user_create(organisation=import_org, username="anna@firma.dk", first_name="Anna", last_name="Berg", by=admin_a)
    user_set_mobile(user=user, number="+4520304050", by=admin_a)
    real_audit = welcome.audit_record

    def slow_audit(**kwargs):
        real_audit(**kwargs)
        time.sleep(0.8)  # still inside the first request's transaction

    monkeypatch.setattr(welcome, "audit_record", slow_audit)
    results = _in_threads(*[lambda: welcome.welcome_send(users=[user], by=admin_a)] * 2)
    assert sorted(len(r.messages) for r in results.values()) == [0, 2]
    assert [len(r.repeated) for r in results.values() if not r.messages] == [1]
    assert OutboundMessage.objects.filter(user=user).count() == 2  # one e-mail, one SMS


def test_a_concurrent_request_taking_a_number_during_the_commit_fails_the_import_cleanly(import_org, admin_a, monkeypatch):
    anna = user_create(organisation=import_org, username="anna@firma.dk", first_name="Anna", last_name="Berg", by=admin_a)
    other = user_create(organisation=import_org, username="other@firma.dk", first_name="O", last_name="O", by=admin_a)
    job = Job.objects.create(
        organisation=import_org,
        kind=Job.Kind.USERS_IMPORT,
        task_name="customers.users_import",
        created_by=admin_a,
        file_format="csv",
        upload=upload("users.csv", csv_bytes(["anna@firma.dk;;;;Salg;;;+4588887703;;;;;;;;;;;", "new@firma.dk;N;N;;;;;+4588887704;;;;;;;;;;;"])),
    )
    assert tasks.users_import(job.pk) == Job.Status.PREVIEW
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, stage=Job.Stage.COMMIT)
    real_write = imports.UsersImporter.write
    problems = []

    def take_the_number():
        # Another request, on its own connection, registers the number and commits while the
        # import (validated, not yet written) holds its transaction open.
        try:
            number_register(organisation=import_org, raw="+4588887703", purpose=Number.Purpose.USER_LINE, user=other, line_slot=1, by=admin_a)
        except Exception as exc:  # pragma: no cover - reported below
            problems.append(exc)
        finally:
            connections.close_all()

    def concurrently_taken(self, results, progress):
        # Validated (or the preview's validation reused), not yet written.
        thread = threading.Thread(target=take_the_number)
        thread.start()
        thread.join(30)
        real_write(self, results, progress)

    monkeypatch.setattr(imports.UsersImporter, "write", concurrently_taken)
    assert tasks.users_import(job.pk) == Job.Status.FAILED
    assert not problems, problems
    job.refresh_from_db()
    assert job.message_text == "Row 2, Primær linje: The number +4588887703 is already in use."
    anna.refresh_from_db()
    assert anna.department == ""  # nothing of the import was written
    assert not User.objects.filter(username="new@firma.dk").exists()
    assert not UserLine.objects.filter(user=anna).exists()
    assert Number.objects.get(number="+4588887703").user == other
    assert not Number.objects.filter(number="+4588887704").exists()
