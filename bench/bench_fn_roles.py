"""Benchmark: what a group administrator sees (SET-5) and the reference check before a delete, in
an organisation with 2,000 function numbers.

Targets (issue 10): every list page in at most 10 queries; the reference check before a delete
under 50 ms. Prints figures; asserts nothing.

The organisation: 2,000 function numbers (ACD, attendant and hunt groups, IVR menus, rule-based
numbers), 20 groups; a group administrator whose group administers 40 of them; an ACD supervisor.
Timed, each on a fresh user object (nothing cached between runs): the ACD list's rows as the group
administrator and as the supervisor (`function_numbers_visible_to`), the menu entries
(`visible_menu_entries`), "has the person anything to see" (`has_delegated_access`, asked by the
context processor on every page) and `function_number_references` of a function number that 30
others overflow to.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_fnroles .venv/bin/python bench/bench_fn_roles.py

Without DATABASE_URL it runs on an in-memory SQLite database. The script creates a throw-away test
database ("test_<name>") and drops it afterwards.
"""

import os
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

FUNCTION_NUMBERS = 2_000
GROUPS = 20
ADMINISTERED = 40
REFERRERS = 30
REPEAT = 7


def populate():
    from customers.models import (
        GroupMembership,
        Number,
        NumberKind,
        NumberRange,
        Organisation,
        User,
        UserGroup,
    )
    from functionnumbers.models import CallGroup, FunctionNumber, Kind

    organisation = Organisation.objects.create(name="bench-fnroles")
    NumberRange.objects.create(
        organisation=organisation,
        kind=NumberKind.E164,
        first="+4570000000",
        last="+4570009999",
        first_value=4570000000,
        last_value=4570009999,
    )
    groups = UserGroup.objects.bulk_create(
        [
            UserGroup(organisation=organisation, name=f"Group {i:02d}", priority=i + 1)
            for i in range(GROUPS)
        ]
    )
    supervisors = UserGroup.objects.create(
        organisation=organisation, name="Supervisors", priority=GROUPS + 1, is_acd_supervisor=True
    )
    kinds = [Kind.ACD, Kind.ATTENDANT, Kind.HUNT, Kind.RULE_BASED]
    created = []
    # Rows straight into the tables (the operations are timed elsewhere); call groups as their
    # model so that control groups exist.
    for i in range(FUNCTION_NUMBERS):
        kind = kinds[i % len(kinds)]
        value = 4570000000 + i
        number = Number.objects.create(
            organisation=organisation,
            number=f"+{value}",
            kind=NumberKind.E164,
            value=value,
            purpose=Number.Purpose.FUNCTION_NUMBER,
        )
        model = CallGroup if kind in (Kind.ACD, Kind.ATTENDANT) else FunctionNumber
        fn = model.objects.create(
            organisation=organisation, kind=kind, number=number, name=f"FN {i:04d}"
        )
        number.owner = fn
        number.save(update_fields=["owner_type", "owner_id"])
        created.append(fn)
    through = FunctionNumber.admin_groups.through
    through.objects.bulk_create(
        [
            through(functionnumber_id=fn.pk, usergroup_id=groups[i % GROUPS].pk)
            for i, fn in enumerate(created)
            if i >= ADMINISTERED
        ]
        + [
            through(functionnumber_id=fn.pk, usergroup_id=groups[0].pk)
            for fn in created[:ADMINISTERED]
        ]
    )
    admin = User.objects.create(
        organisation=organisation, username="groupadmin@bench.example", password="!"
    )
    GroupMembership.objects.create(user=admin, group=groups[0])
    supervisor = User.objects.create(
        organisation=organisation, username="supervisor@bench.example", password="!"
    )
    GroupMembership.objects.create(user=supervisor, group=supervisors)
    target = CallGroup.objects.filter(organisation=organisation, kind=Kind.ACD).first()
    referrers = list(
        CallGroup.objects.filter(organisation=organisation).exclude(pk=target.pk)[:REFERRERS]
    )
    for row in referrers:
        row.overflow_function = target
        row.overflow_number = target.number.number
    CallGroup.objects.bulk_update(referrers, ["overflow_function", "overflow_number"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return organisation, admin, supervisor, target


def timed(label, call):
    times, queries, result = [], [], None
    for _ in range(REPEAT):
        connection.queries_log.clear()  # the setup filled the log: counts would read 0
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
    size = len(result) if hasattr(result, "__len__") else result
    print(
        f"{label:<58} {statistics.median(times) * 1000:7.1f} ms median, {max(times) * 1000:7.1f} ms max; "
        f"{min(queries)}-{max(queries)} queries; result {size}"
    )


def run():
    from customers import permissions
    from customers.models import User
    from functionnumbers.operations import function_number_references
    from functionnumbers.queries import function_numbers_visible_to, visible_menu_entries

    started = time.perf_counter()
    organisation, admin, supervisor, target = populate()
    print(
        f"database: {connection.vendor}; {FUNCTION_NUMBERS:,} function numbers, a group administrator of "
        f"{ADMINISTERED}, {REFERRERS} overflowing to one (setup {time.perf_counter() - started:.1f} s); "
        f"median/max of {REPEAT} runs\n"
    )

    def fresh(user):
        return User.objects.select_related("organisation").get(pk=user.pk)

    def acd_rows(user):
        def call():
            person = fresh(user)
            return list(function_numbers_visible_to(person, organisation, "acd")[:50])

        return call

    timed("ACD list rows (page of 50), group administrator", acd_rows(admin))
    timed("ACD list rows (page of 50), ACD supervisor", acd_rows(supervisor))
    timed(
        "menu entries, group administrator",
        lambda: visible_menu_entries(fresh(admin), organisation),
    )
    timed(
        "has anything to see (every page), group administrator",
        lambda: permissions.has_delegated_access(fresh(admin), organisation),
    )
    timed(
        f"references before deleting a target of {REFERRERS}",
        lambda: function_number_references(target),
    )


def main():
    from django.apps import apps
    from django.conf import settings

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
