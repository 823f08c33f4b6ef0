"""Benchmark: the settings resolver for a whole organisation.

Target (issue 2): an organisation with 10,000 users and 50 groups, each user in 3 groups,
values at all three levels: resolve one service for all 10,000 users in under 1 s and at most
10 queries in total. Prints figures; asserts nothing.

Run against PostgreSQL (the production database) with a database name of your own; the script
creates a throw-away test database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_services \\
        .venv/bin/python bench/bench_resolver.py

Without DATABASE_URL it runs on an in-memory SQLite database.

Services timed: Call queues (nine value fields incl. prompts with a system-prompt default) and
Call pickup (two group multi-selects, united over levels). The users are fetched by the timed
call too (a queryset is passed), so the figures are what a caller pays end to end.
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
USER_LEVEL_SHARE = 0.2  # a fifth of the users have values of their own
REPEAT = 5


def populate():
    from customers.models import GroupMembership, Organisation, Prompt, User, UserGroup
    from services.models import CallPickupSettings, CallQueueSettings

    rng = random.Random(2)
    organisation = Organisation.objects.create(name="bench-resolver")
    Prompt.objects.create(name="Ringing")
    music = Prompt.objects.create(name="ventemusikSamlet", kind=Prompt.Kind.MUSIC)
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

    def queue_values():
        return {
            "queue_size": rng.choice([None, rng.randint(0, 50)]),
            "callback_key": rng.choice([None, "none", "5"]),
            "when_full": rng.choice([None, "busy"]),
            "waiting_prompt": rng.choice([None, music]),
            "status_interval": rng.choice([None, rng.randint(10, 60)]),
        }

    with_values = rng.sample(users, int(USERS * USER_LEVEL_SHARE))
    CallQueueSettings.objects.create(organisation=organisation, queue_size=5, when_full="busy")
    CallQueueSettings.objects.bulk_create([CallQueueSettings(organisation=organisation, group=g, **queue_values()) for g in groups])
    CallQueueSettings.objects.bulk_create(
        [CallQueueSettings(organisation=organisation, user=u, **queue_values()) for u in with_values], batch_size=2000
    )

    org_pickup = CallPickupSettings.objects.create(organisation=organisation)
    group_rows = CallPickupSettings.objects.bulk_create([CallPickupSettings(organisation=organisation, group=g) for g in groups])
    user_rows = CallPickupSettings.objects.bulk_create(
        [CallPickupSettings(organisation=organisation, user=u) for u in with_values], batch_size=2000
    )
    through_pickup = CallPickupSettings.pickup_groups.through
    through_parked = CallPickupSettings.parked_groups.through
    links_pickup, links_parked = [], []
    for row in [org_pickup, *group_rows, *user_rows]:
        for g in rng.sample(groups, rng.randint(0, 3)):
            links_pickup.append(through_pickup(callpickupsettings_id=row.pk, usergroup_id=g.pk))
        for g in rng.sample(groups, rng.randint(0, 2)):
            links_parked.append(through_parked(callpickupsettings_id=row.pk, usergroup_id=g.pk))
    through_pickup.objects.bulk_create(links_pickup, batch_size=5000)
    through_parked.objects.bulk_create(links_parked, batch_size=5000)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    return organisation


def run():
    from customers.models import User
    from services.resolver import resolve_many

    started = time.perf_counter()
    organisation = populate()
    print(
        f"database: {connection.vendor}; {USERS:,} users, {GROUPS} groups, {GROUPS_PER_USER} groups per user, "
        f"values at organisation, every group and {int(USERS * USER_LEVEL_SHARE):,} users "
        f"(setup {time.perf_counter() - started:.1f} s); median/max of {REPEAT} runs"
    )
    for slug in ("call-queues", "call-pickup"):
        times, queries, result = [], [], None
        for _ in range(REPEAT):
            users = User.objects.filter(organisation=organisation).only("id", "username", "organisation_id")
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                result = resolve_many(slug, users, organisation=organisation)
                times.append(time.perf_counter() - start)
            queries.append(len(ctx.captured_queries))
        sources = {}
        for fields in result.values():
            for effective in fields.values():
                for source in effective.source if isinstance(effective.source, tuple) else (effective.source,):
                    sources[source.level] = sources.get(source.level, 0) + 1
        print(
            f"\n{slug}: {len(result):,} users resolved in {statistics.median(times) * 1000:7.1f} ms median, "
            f"{max(times) * 1000:7.1f} ms max; {max(queries)} queries (users included)"
        )
        print("  effective values by source: " + ", ".join(f"{k} {v:,}" for k, v in sorted(sources.items())))


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
