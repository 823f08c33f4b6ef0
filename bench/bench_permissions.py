"""Benchmark: "may A intrude on T" (SVC-10, SET-4) for every user of a large organisation.

Target (issue 12): 10,000 targets answered in under 200 ms with a constant number of queries.
Prints figures; asserts nothing.

The organisation: 10,000 users, 50 groups, each user in 3 groups; call intrusion set at the
organisation level (no group), on every group (0-3 groups each) and on a fifth of the users
(0-2 groups each). The actor is in two groups. Timed: `permitted_targets(actor, "intrude",
<queryset of all users>)`, the users fetched by the timed call; also 1 target and 100 targets,
to show that the number of queries does not grow.

Run against PostgreSQL with a database name of your own; the script creates a throw-away test
database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_services \\
        .venv/bin/python bench/bench_permissions.py

Without DATABASE_URL it runs on an in-memory SQLite database.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

USERS = 10_000
GROUPS = 50
GROUPS_PER_USER = 3
USER_LEVEL_SHARE = 0.2
REPEAT = 7


def populate():
    from customers.models import GroupMembership, Organisation, User, UserGroup
    from services.models import CallIntrusionSettings

    rng = random.Random(12)
    organisation = Organisation.objects.create(name="bench-permissions")
    groups = UserGroup.objects.bulk_create(
        [UserGroup(organisation=organisation, name=f"Group {i:02d}", priority=i + 1) for i in range(GROUPS)]
    )
    users = User.objects.bulk_create(
        [User(organisation=organisation, username=f"user{i:05d}@bench.example", password="!") for i in range(USERS)],
        batch_size=2000,
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(user=u, group=g) for u in users for g in rng.sample(groups, GROUPS_PER_USER)], batch_size=5000
    )
    actor = User.objects.create(organisation=organisation, username="actor@bench.example", password="!")
    GroupMembership.objects.bulk_create([GroupMembership(user=actor, group=g) for g in groups[:2]])

    CallIntrusionSettings.objects.create(organisation=organisation)
    rows = CallIntrusionSettings.objects.bulk_create([CallIntrusionSettings(organisation=organisation, group=g) for g in groups])
    rows += CallIntrusionSettings.objects.bulk_create(
        [CallIntrusionSettings(organisation=organisation, user=u) for u in rng.sample(users, int(USERS * USER_LEVEL_SHARE))],
        batch_size=2000,
    )
    through = CallIntrusionSettings.intrusion_groups.through
    links = [
        through(callintrusionsettings_id=row.pk, usergroup_id=g.pk)
        for row in rows
        for g in rng.sample(groups, rng.randint(0, 3) if row.group_id else rng.randint(0, 2))
    ]
    through.objects.bulk_create(links, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    return organisation, actor


def timed(call):
    times, queries, result = [], [], None
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
    return result, statistics.median(times) * 1000, max(times) * 1000, min(queries), max(queries)


def run():
    from customers.models import User
    from services.queries import permitted_targets

    started = time.perf_counter()
    organisation, actor = populate()
    print(
        f"database: {connection.vendor}; {USERS:,} users, {GROUPS} groups, {GROUPS_PER_USER} groups per user, "
        f"call intrusion on every group and {int(USERS * USER_LEVEL_SHARE):,} users "
        f"(setup {time.perf_counter() - started:.1f} s); median/max of {REPEAT} runs"
    )
    everyone = User.objects.filter(organisation=organisation).exclude(pk=actor.pk).order_by("pk")
    for label, count in (("1 target", 1), ("100 targets", 100), (f"{USERS:,} targets", None)):

        def call(count=count):
            # A fresh actor object each run: nothing cached between runs.
            fresh = User.objects.select_related("organisation").get(pk=actor.pk)
            targets = everyone if count is None else list(everyone[:count])
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                result = permitted_targets(fresh, "intrude", targets)
                elapsed = time.perf_counter() - start
            return result, elapsed, len(ctx.captured_queries)

        times, queries, result = [], [], None
        for _ in range(REPEAT):
            result, elapsed, count_queries = call()
            times.append(elapsed)
            queries.append(count_queries)
        print(
            f"\nmay the actor intrude on {label}: {statistics.median(times) * 1000:7.1f} ms median, "
            f"{max(times) * 1000:7.1f} ms max; {min(queries)}-{max(queries)} queries (targets fetched inside); "
            f"{len(result):,} permitted"
        )


def main():
    from django.apps import apps
    from django.conf import settings

    # Tables straight from the models (like pytest --nomigrations): quicker, and the benchmark
    # measures queries, not migrations.
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
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
