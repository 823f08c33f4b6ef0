"""Benchmark: "Vis tilgængelige numre" on a 100,000-number range with 50,000 numbers in use.

Target (issue 2): first page of free numbers in under 100 ms. Prints figures; asserts nothing.

Run against PostgreSQL (the production database) with a database of your own; the script
creates a throw-away test database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_numbers \\
        .venv/bin/python bench/bench_numbers.py

Without DATABASE_URL it runs on an in-memory SQLite database.

Scenarios: numbers in use spread at random over the range, and in use as one dense block from
the start of the range (how numbers are usually handed out: the first free page then lies
50,000 numbers in), plus the next page (keyset `after`), a digit search and one range filter.
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

RANGE_FIRST = 4588000000
RANGE_SIZE = 100_000
IN_USE = 50_000
REPEAT = 20


def timed(fn, repeat=REPEAT):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return result, statistics.median(times), max(times)


def populate(organisation, values):
    from customers.models import Number

    Number.objects.filter(organisation=organisation).delete()
    Number.objects.bulk_create(
        [
            Number(organisation=organisation, number=f"+{v}", kind="e164", value=v, purpose=Number.Purpose.USER_LINE)
            for v in values
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Number._meta.db_table}")  # as autovacuum would


def run():
    from customers.models import NumberRange, Organisation
    from customers.queries import available_numbers

    organisation = Organisation.objects.create(name="bench-numbers")
    number_range = NumberRange.objects.create(
        organisation=organisation,
        kind="e164",
        first=f"+{RANGE_FIRST}",
        last=f"+{RANGE_FIRST + RANGE_SIZE - 1}",
        first_value=RANGE_FIRST,
        last_value=RANGE_FIRST + RANGE_SIZE - 1,
    )
    # A second, small range so the multi-range path is exercised too.
    NumberRange.objects.create(
        organisation=organisation, kind="local", first="200", last="299", first_value=200, last_value=299
    )
    all_values = range(RANGE_FIRST, RANGE_FIRST + RANGE_SIZE)
    rng = random.Random(4588)
    scenarios = {
        "random half in use": sorted(rng.sample(all_values, IN_USE)),
        "first half in use (dense block)": list(all_values[:IN_USE]),
    }
    print(f"database: {connection.vendor}; range of {RANGE_SIZE:,} numbers, {IN_USE:,} in use; median/max of {REPEAT} runs")
    for label, values in scenarios.items():
        started = time.perf_counter()
        populate(organisation, values)
        print(f"\n{label} (setup {time.perf_counter() - started:.1f} s)")
        first, median, worst = timed(lambda: available_numbers(organisation=organisation, limit=50))
        print(f"  first page (50):           {median:7.2f} ms median, {worst:7.2f} ms max; first {first[0]}, last {first[-1]}")
        cursor = first[-1].number
        nxt, median, worst = timed(lambda: available_numbers(organisation=organisation, after=cursor, limit=50))  # noqa: B023
        print(f"  next page (after=):        {median:7.2f} ms median, {worst:7.2f} ms max; first {nxt[0]}")
        found, median, worst = timed(lambda: available_numbers(organisation=organisation, search="777", limit=50))
        print(f"  search '777' (50):         {median:7.2f} ms median, {worst:7.2f} ms max; {len(found)} found")
        one, median, worst = timed(lambda: available_numbers(organisation=organisation, range=number_range, limit=50))
        print(f"  one range filter (50):     {median:7.2f} ms median, {worst:7.2f} ms max")
        assert [f.number for f in first] == [f.number for f in one]


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
