"""Benchmark: the contacts import (SVC-7 "Importer kontakter") of a file of 5,000 contacts.

No target is set for it; it prints how long the preview (read, detect the columns, check every
row) and the save ("Gem": every contact created, with its numbers and audit entry, in one
transaction) take through the real job path: `job_start` of a contacts import job, its Celery task
executed in-process, `job_confirm`, the task again. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_contacts .venv/bin/python bench/bench_contacts_import.py

Without DATABASE_URL it runs on an in-memory SQLite database. The script creates a throw-away test
database ("test_<name>") and drops it afterwards.
"""

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

CONTACTS = 5_000
FIRST_NAMES = ["Kasper Leth", "Morten", "Anna", "Søren", "Mette", "Lars", "Ida", "Freja"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Ærø-Åberg", "Andersen", "Berg"]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def contacts_file():
    rng = random.Random(4581808088)
    lines = ["Firma;Afdeling;Fornavn;Efternavn;E-mail;Telefon;Mobil"]
    for i in range(CONTACTS):
        lines.append(
            f"Firma {i % 300} A/S;Salg;{rng.choice(FIRST_NAMES)};{rng.choice(LAST_NAMES)};k{i}@firma.dk;"
            f"+457{i:07d};{20000000 + i}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def run():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from connect.lib.jobs import job_confirm, job_start
    from customers.models import Job, Organisation, User
    from services.models import ExternalContact

    org = Organisation.objects.create(name="bench-contacts")
    admin = User.objects.create_user(username="admin@bench.example", password="x", organisation=org, admin_profile="orgadmin")
    data = contacts_file()
    print(f"database: {connection.vendor}; file of {CONTACTS:,} contacts, {len(data) / 1024:.0f} KiB")
    started = time.perf_counter()
    job = job_start(
        organisation=org,
        kind=Job.Kind.CONTACTS_IMPORT,
        task="services.contacts_import",
        by=admin,
        upload=SimpleUploadedFile("kontakter.txt", data),
        file_name="kontakter.txt",
        file_format="csv",
        params={"level": "organisation", "scope": None, "unit": "row"},
    )
    job.refresh_from_db()
    print(f"  preview {time.perf_counter() - started:6.2f} s   {job.counts}   peak RSS {rss_mb():6.1f} MB")
    started = time.perf_counter()
    job_confirm(job=job, by=admin)
    job.refresh_from_db()
    print(f"  save    {time.perf_counter() - started:6.2f} s   {job.status}: {job.message_text}   peak RSS {rss_mb():6.1f} MB")
    print(f"  contacts in the database: {ExternalContact.objects.count():,}")


def main():
    from django.apps import apps
    from django.conf import settings

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with tempfile.TemporaryDirectory() as media:
            settings.MEDIA_ROOT = media
            run()
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    print(f"\n(test database {test_name} dropped)")


if __name__ == "__main__":
    main()
