"""Benchmark: an ACD group with 1,000 agents (FN-2 agent list, FC-1 login panel).

Target (issue 10): its page in at most 15 queries and under 200 ms; reordering one agent in at
most 10 queries. Prints figures; asserts nothing. Measured through Django's test client, so the
time includes middleware, the session, the form, both panels and template rendering.

Run against PostgreSQL with a database name of your own; the script creates a throw-away test
database next to it ("test_<name>") and drops it afterwards:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_agents \\
        .venv/bin/python bench/bench_agents.py

Without DATABASE_URL it runs on an in-memory SQLite database.

Data: 1,200 users in the group's login group, 1,000 of them on the agent list, 300 logged in;
a few other user groups and prompts so that the form's choices are not empty.
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

MEMBERS = 1_200
AGENTS = 1_000
LOGGED_IN = 300
REPEAT = 20


def populate():
    from customers.models import (
        GroupMembership,
        NumberKind,
        NumberRange,
        Organisation,
        Prompt,
        User,
        UserGroup,
    )
    from functionnumbers.models import Agent, AgentLogin, CallGroup, Kind
    from functionnumbers.operations import function_number_create

    org = Organisation.objects.create(name="bench-agents")
    NumberRange.objects.create(
        organisation=org,
        kind=NumberKind.LOCAL,
        first="1000",
        last="1999",
        first_value=1000,
        last_value=1999,
    )
    groups = UserGroup.objects.bulk_create(
        UserGroup(organisation=org, name=f"Gruppe {i}", priority=i + 1) for i in range(10)
    )
    Prompt.objects.bulk_create(Prompt(organisation=org, name=f"Lydfil {i}") for i in range(10))
    users = User.objects.bulk_create(
        [
            User(
                organisation=org,
                username=f"agent{i:05d}@bench.example",
                first_name=f"Agent{i % 97}",
                last_name=f"Efternavn{i % 89}",
                password="!",
            )
            for i in range(MEMBERS)
        ],
        batch_size=2000,
    )
    GroupMembership.objects.bulk_create(
        [GroupMembership(user=user, group=groups[0]) for user in users], batch_size=5000
    )
    admin = User.objects.create_user(
        username="admin@bench.example",
        password="x",
        organisation=org,
        admin_profile="orgadmin",
        first_name="A",
    )
    group = function_number_create(
        organisation=org,
        kind=Kind.ACD,
        number="1500",
        by=admin,
        name="Salg",
        show_caller_number=True,
        login_groups=[groups[0]],
        admin_groups=[groups[1]],
        control_groups=[groups[2]],
    )
    Agent.objects.bulk_create(
        [
            Agent(group=group, user=user, position=i + 1, skill_level=1 + i % 10)
            for i, user in enumerate(users[:AGENTS])
        ],
        batch_size=5000,
    )
    AgentLogin.objects.bulk_create(
        [
            AgentLogin(function_number=group, user=user, logged_in=True)
            for user in users[:LOGGED_IN]
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return CallGroup.objects.get(pk=group.pk), admin


def measure(label, request):
    """Wall-clock and CPU time of this process (on the shared machine wall-clock mostly measures
    the neighbours; the database's own time is in wall-clock only)."""
    request()  # warm-up
    times, cpu, count = [], [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = request()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code in (200, 302), response.status_code
        count = len(queries.captured_queries)
    print(
        f"  {label:40} {statistics.median(times):7.1f} ms median {max(times):7.1f} ms max wall; "
        f"{statistics.median(cpu):6.1f} ms median CPU  {count:2d} queries"
    )


def run():
    from django.test import Client
    from django.urls import reverse

    from functionnumbers.models import Agent, CallGroup

    started = time.perf_counter()
    group, admin = populate()
    print(
        f"database: {connection.vendor}; {AGENTS:,} agents, {MEMBERS:,} members of the login group, "
        f"{LOGGED_IN} logged in; setup {time.perf_counter() - started:.1f} s"
    )
    print(
        f"median/max of {REPEAT} requests (server time through the test client); queries per request\n"
    )
    client = Client()
    client.force_login(admin)
    page = reverse("functionnumbers:acd_update", args=[group.pk])
    measure("ACD page, priority mode", lambda: client.get(page))
    middle = Agent.objects.get(group=group, position=AGENTS // 2)
    change = reverse("functionnumbers:agent_change", args=[group.pk])
    directions = iter(["up", "down"] * (REPEAT + 1))
    measure(
        "move one agent (▲/▼, plain POST)",
        lambda: client.post(change, {next(directions): middle.pk}),
    )
    measure(
        "move one agent (▲/▼, htmx: list back)",
        lambda: client.post(change, {next(directions): middle.pk}, HTTP_HX_REQUEST="true"),
    )
    login = reverse("functionnumbers:agent_login", args=[group.pk])
    user_id = Agent.objects.get(group=group, position=AGENTS).user_id
    states = iter(["login", "logout"] * (REPEAT + 1))
    measure(
        "log one agent in/out (plain POST)", lambda: client.post(login, {next(states): user_id})
    )
    CallGroup.objects.filter(pk=group.pk).update(distribution=CallGroup.Distribution.SKILL)
    measure("ACD page, skill mode", lambda: client.get(page))


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
