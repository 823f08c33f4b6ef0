"""Benchmark: number conversions (SVC-8).

Targets (issue 12): the effective conversions of 10,000 users (50 groups, 3 groups per user,
rules at organisation, every group and a fifth of the users) in under 1 s and at most 10
queries; converting 100,000 numbers with 200 rules in under 1 s. Prints figures; asserts
nothing.

Run against PostgreSQL with a database name of your own; the script creates a throw-away test
database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_conversions \\
        .venv/bin/python bench/bench_conversions.py

The figures give wall-clock time and this process's CPU time (on a shared, loaded machine the
CPU time is the fairer figure; the database's own time counts only in the wall clock).
Without DATABASE_URL it runs on an in-memory SQLite database. The users are fetched by the
timed call (a queryset is passed), so the loader figure is what a caller pays end to end.
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
RULES = 200
NUMBERS = 100_000
REPEAT = 5


def random_rule(rng):
    """A valid rule (services.conversions.rule_check): prefix 2-9 digits long or a local prefix."""
    from services.conversions import rule_check

    while True:
        digits = rng.choice([None, *range(0, 9)])
        prefix = rng.choice(["00", "+45", "+46", "", "7", "20", "15", "16"]) + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(0, 3))
        )
        intervals = []
        if digits and rng.random() < 0.4:
            lo = rng.randint(0, 10**digits - 1)
            hi = rng.randint(lo, 10**digits - 1)
            intervals = [[str(lo).zfill(digits), str(hi).zfill(digits)]]
        rewrite = rng.choice(["", "+45", "+", "+4588887"])
        if not rule_check(prefix, digits, intervals, rewrite):
            return {"prefix": prefix, "digits": digits, "intervals": intervals, "rewrite": rewrite}


def populate():
    from customers.models import GroupMembership, Organisation, User, UserGroup
    from services.conversions import signature
    from services.models import NumberConversion

    rng = random.Random(8)
    organisation = Organisation.objects.create(name="bench-conversions")
    groups = UserGroup.objects.bulk_create(
        [
            UserGroup(organisation=organisation, name=f"Group {i:02d}", priority=i + 1)
            for i in range(GROUPS)
        ]
    )
    users = User.objects.bulk_create(
        [
            User(organisation=organisation, username=f"user{i:05d}@bench.example", password="!")
            for i in range(USERS)
        ],
        batch_size=2000,
    )
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(user=u, group=g)
            for u in users
            for g in rng.sample(groups, GROUPS_PER_USER)
        ],
        batch_size=5000,
    )
    rows, seen = [], set()

    def add(**scope):
        rule = random_rule(rng)
        key = (
            tuple(sorted((k, v.pk) for k, v in scope.items())),
            signature(rule["prefix"], rule["digits"], rule["intervals"]),
        )
        if key not in seen:
            seen.add(key)
            rows.append(
                NumberConversion(organisation=organisation, signature=key[1], **scope, **rule)
            )

    for _ in range(10):
        add()
    for g in groups:
        for _ in range(2):
            add(group=g)
    for u in rng.sample(users, int(USERS * USER_LEVEL_SHARE)):
        add(user=u)
    NumberConversion.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return organisation, len(rows)


def bench_loader(organisation, stored):
    from customers.models import User
    from services.conversions import conversion_apply
    from services.queries import effective_conversions

    times, cpu, queries, result = [], [], [], None
    for _ in range(REPEAT):
        users = User.objects.filter(organisation=organisation)
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = effective_conversions(users, organisation=organisation)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        queries.append(len(ctx.captured_queries))
    start, start_cpu = time.perf_counter(), time.process_time()
    for rule_set in result.values():
        conversion_apply(rule_set, "88887765")
    first_use = (time.perf_counter() - start, time.process_time() - start_cpu)
    sizes = [len(r) for r in result.values()]
    print(
        f"effective conversions: {len(result):,} users ({stored:,} rules stored) in "
        f"{statistics.median(times) * 1000:7.1f} ms median, {max(times) * 1000:7.1f} ms max "
        f"(CPU of this process {statistics.median(cpu) * 1000:.1f} ms median); {max(queries)} queries (users included); "
        f"rules per user {min(sizes)}-{max(sizes)}"
    )
    print(
        f"  then one number converted for every user (each user's rules are prepared on "
        f"first use): {first_use[0] * 1000:.1f} ms (CPU {first_use[1] * 1000:.1f} ms)"
    )


def bench_apply():
    from services.conversions import ORGANISATION_RANK, Rule, RuleSet, conversion_apply

    rng = random.Random(12)
    rules = []
    for i in range(RULES):
        values = random_rule(rng)
        rules.append(
            Rule(
                values["prefix"],
                values["digits"],
                tuple(map(tuple, values["intervals"])),
                values["rewrite"],
                rank=rng.choice([0, 1, 2, 3, ORGANISATION_RANK]),
                order=i,
            )
        )
    starts = ["00", "+45", "7", "20", "15", "16", "", "3", "9"]
    numbers = [
        rng.choice(starts) + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 10)))
        for _ in range(NUMBERS)
    ]
    times, cpu, converted = [], [], 0
    for _ in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        rule_set = RuleSet(rules)
        results = [conversion_apply(rule_set, n) for n in numbers]
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        converted = sum(1 for r in results if r.rule is not None)
    print(
        f"conversion_apply: {NUMBERS:,} numbers with {RULES} rules in {statistics.median(times) * 1000:7.1f} ms median, "
        f"{max(times) * 1000:7.1f} ms max (CPU {statistics.median(cpu) * 1000:.1f} ms median); "
        f"{converted:,} matched a rule"
    )


def main():
    from django.apps import apps
    from django.conf import settings

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    old_name = connection.settings_dict["NAME"]
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        organisation, stored = populate()
        print(
            f"database: {connection.vendor}; {USERS:,} users, {GROUPS} groups, {GROUPS_PER_USER} groups per user "
            f"(setup {time.perf_counter() - started:.1f} s); median/max of {REPEAT} runs"
        )
        bench_loader(organisation, stored)
        bench_apply()
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    print(f"(test database {test_name} dropped)")


if __name__ == "__main__":
    main()
