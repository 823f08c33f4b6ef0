"""Benchmark: the licence report (ORG-4) of an organisation with 10,000 users.

Target (issue 9): under 5 s and a peak resident set size under 300 MB, for the CSV and for the
XLSX with its chart. Prints figures; asserts nothing. Runs the real job path: `job_start` of a
licence report job, its Celery task executed in-process (as without a broker), the file written
to storage, the job marked finished.

Run against PostgreSQL with a database name of your own; the script creates a throw-away test
database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_licences .venv/bin/python bench/bench_licences.py

Without DATABASE_URL it runs on an in-memory SQLite database.

Memory: the process's peak resident set size (ru_maxrss) after each report; it includes Django,
the data set-up and everything before, so it is an upper bound of what the report needs.
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

USERS = 10_000
FIRST_NAMES = ["Kasper Leth", "Morten", "Kenneth", "Anna", "Søren", "Mette", "Lars", "Jens", "Ida", "Freja"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Ærø-Åberg", "Andersen", "Christensen", "Larsen", "Berg", "Helmer", "Goldek"]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def populate():
    from customers.models import Licence, Organisation, User

    rng = random.Random(88887765)
    org = Organisation.objects.create(name="bench-licences")
    uc = Licence.objects.create(organisation=org, name="Unified Communication", kind=Licence.Kind.USER, quota=3000)
    std = Licence.objects.create(organisation=org, name="Standard", kind=Licence.Kind.USER, quota=8000)
    mobile = Licence.objects.create(organisation=org, name="Mobilklient", kind=Licence.Kind.MOBILE, quota=2500)
    User.objects.bulk_create(
        [
            User(
                organisation=org,
                username=f"user{i:05d}@bench.example",
                email=f"user{i:05d}@bench.example",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                licence=uc if i % 3 == 0 else (std if i % 10 else None),
                mobile_licence=mobile if i % 4 == 0 else None,
                password="!",
            )
            for i in range(USERS)
        ],
        batch_size=2000,
    )
    admin = User.objects.create_user(
        username="admin@bench.example", password="x", organisation=org, admin_profile="orgadmin", first_name="A", last_name="B"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return org, admin


def report(org, admin, fmt):
    from connect.lib.jobs import job_start
    from customers.models import Job

    started = time.perf_counter()
    job = job_start(organisation=org, kind=Job.Kind.LICENCE_REPORT, task="customers.licence_report", by=admin, params={"format": fmt}, stage=Job.Stage.RUN)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    size = job.result_file.size
    print(f"  {fmt.upper():4} {elapsed:6.2f} s   file {size / 1024:7.0f} KiB   peak RSS so far {rss_mb():6.1f} MB   ({job.message})")


def run():
    from django.conf import settings

    print(f"database: {connection.vendor}; baseline RSS (Django loaded, database created): {rss_mb():.1f} MB")
    started = time.perf_counter()
    org, admin = populate()
    print(f"{USERS:,} users, 3 licence types; setup {time.perf_counter() - started:.1f} s, RSS {rss_mb():.1f} MB\n")
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        for fmt in ("csv", "xlsx"):
            report(org, admin, fmt)
    print("\ntarget: each under 5 s, peak RSS under 300 MB")


def main():
    from django.apps import apps
    from django.conf import settings

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run()
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    print(f"\n(test database {test_name} dropped)")


if __name__ == "__main__":
    main()
