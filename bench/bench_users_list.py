"""Benchmark: the users list (USR-2) of an organisation with 10,000 users.

Target (issue 3): the search page in at most 10 queries and a median server time under 100 ms.
Prints figures; asserts nothing. Measured through Django's test client, so the time includes
middleware, the session, the search, pagination and template rendering (everything but the
network).

Run against PostgreSQL with a database name of your own; the script creates a throw-away test
database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_users_list \\
        .venv/bin/python bench/bench_users_list.py

Without DATABASE_URL it runs on an in-memory SQLite database.

Data: 10,000 users, 50 groups (each user in 3), a primary line for every user, an alias for
every second user, a mobile for every fifth, two directory values for every third user, licences.
"""

import os
import random
import re
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
REPEAT = 20
FIRST_NAMES = ["Kasper", "Morten", "Kenneth", "Anna", "Sofie", "Mette", "Lars", "Jens", "Ida", "Freja"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Berg", "Helmer", "Goldek"]
DEPARTMENTS = ["Salg", "Support", "Drift", "Økonomi", "Ledelse", "Lager"]
BRANDS = ["Ferrari", "Porsche", "Volvo", "Fiat", "Audi"]
LANGUAGES = ["italiensk", "tysk", "engelsk", "fransk", "svensk"]


def populate():
    from customers.models import (
        DirectoryField,
        DirectoryFieldValue,
        GroupMembership,
        Licence,
        Number,
        Organisation,
        User,
        UserGroup,
        UserLine,
    )

    rng = random.Random(88887765)
    org = Organisation.objects.create(name="bench-users")
    uc = Licence.objects.create(organisation=org, name="Unified Communication", is_unified_communication=True)
    std = Licence.objects.create(organisation=org, name="Standard")
    groups = UserGroup.objects.bulk_create(UserGroup(organisation=org, name=f"Gruppe {i}", priority=i + 1) for i in range(GROUPS))
    fields = DirectoryField.objects.bulk_create(
        DirectoryField(organisation=org, number=n, name=["Bilmærker", "Sprog", ""][n - 1] if n <= 3 else "", searchable=n <= 3)
        for n in range(1, 7)
    )
    users = User.objects.bulk_create(
        [
            User(
                organisation=org,
                username=f"user{i:05d}@bench.example",
                email=f"user{i:05d}@bench.example",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                department=rng.choice(DEPARTMENTS),
                licence=uc if i % 4 == 0 else std,
                password="!",
            )
            for i in range(USERS)
        ],
        batch_size=2000,
    )
    numbers, aliases, mobiles = [], [], []
    for i, user in enumerate(users):
        value = 4588000000 + i
        numbers.append(Number(organisation=org, number=f"+{value}", kind="e164", value=value, purpose="user_line", user=user, line_slot=1))
        if i % 2 == 0:
            alias = 100000 + i
            aliases.append(Number(organisation=org, number=str(alias), kind="local", value=alias, purpose="alias", user=user, line_slot=1))
        if i % 5 == 0:
            mobile = 4520000000 + i
            mobiles.append(Number(organisation=org, number=f"+{mobile}", kind="e164", value=mobile, purpose="mobile", user=user))
    Number.objects.bulk_create(numbers + aliases + mobiles, batch_size=5000)
    lines = Number.objects.filter(organisation=org, purpose="user_line")
    UserLine.objects.bulk_create([UserLine(user_id=n.user_id, slot=1, line_type="fixed", number=n) for n in lines], batch_size=5000)
    GroupMembership.objects.bulk_create(
        [GroupMembership(user=user, group=group) for user in users for group in rng.sample(groups, 3)], batch_size=5000
    )
    DirectoryFieldValue.objects.bulk_create(
        [
            DirectoryFieldValue(user=user, field=field, value=rng.choice(BRANDS if field.number == 1 else LANGUAGES))
            for i, user in enumerate(users)
            if i % 3 == 0
            for field in fields[:2]
        ],
        batch_size=5000,
    )
    admin = User.objects.create_user(username="admin@bench.example", password="x", organisation=org, admin_profile="orgadmin", first_name="A", last_name="B")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would
    return org, admin, groups


def run():
    from django.test import Client

    started = time.perf_counter()
    org, admin, groups = populate()
    print(f"database: {connection.vendor}; {USERS:,} users, {GROUPS} groups; setup {time.perf_counter() - started:.1f} s")
    print(f"median/max of {REPEAT} requests (server time through the test client); queries per request\n")
    client = Client()
    client.force_login(admin)
    scenarios = [
        ("first page, no search", {}),
        ("search first name 'kasper'", {"q": "kasper"}),
        ("search two terms 'kasper jensen'", {"q": "kasper jensen"}),
        ("search number '45880012'", {"q": "45880012"}),
        ("search alias '100042'", {"q": "100042"}),
        ("search directory value 'ferrari'", {"q": "ferrari"}),
        ("search without hits 'zzzz'", {"q": "zzzz"}),
        ("group filter", {"group": groups[7].pk}),
        ("group filter + search 'jensen'", {"group": groups[7].pk, "q": "jensen"}),
        ("department filter", {"show": "department-Drift"}),
        ("sort by primary line, desc", {"sort": "-primary_line"}),
        ("page 300", {"page": 300}),
    ]
    for label, params in scenarios:
        client.get("/users/", params)  # warm-up
        times = []
        count = 0
        found = None
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get("/users/", params)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
            count = len(queries.captured_queries)
            found = re.search(r'id="found-count"[^>]*>([^<]*)<', response.content.decode()).group(1).strip()
        print(f"  {label:36} {statistics.median(times):7.1f} ms median {max(times):7.1f} ms max  {count:2d} queries  {found}")


def main():
    from django.apps import apps
    from django.conf import settings

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    settings.DEBUG = False  # no debug-query bookkeeping in the timings (CaptureQueriesContext forces it on itself)
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
