"""Benchmark: call routing (issue 13, SVC-11).

Targets: effective rule lists for 10,000 users (50 groups, 20 rules each) under 1 s and at most
10 queries; one simulation under 50 ms; the routing page of a group with 200 rules at most 15
queries. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_routing .venv/bin/python bench/bench_routing.py

Without DATABASE_URL it runs on an in-memory SQLite database. The script creates a throw-away
test database ("test_<name>") and drops it afterwards.
"""

import datetime as dt
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
RULES_PER_SET = 20
OWN_RULES_SHARE = 0.2  # a fifth of the users have 5 rules of their own
BIG_GROUP_RULES = 200
REPEAT = 5


def populate():
    from customers.models import Activity, GroupMembership, Organisation, User, UserGroup
    from services.models import RoutingAction, RoutingCondition, RoutingRule, RoutingRuleSet

    rng = random.Random(13)
    organisation = Organisation.objects.create(name="bench-routing")
    activity = Activity.objects.create(organisation=organisation, name="Frokost")
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
    sets = [RoutingRuleSet(organisation=organisation, position=1)]
    sets += [
        RoutingRuleSet(organisation=organisation, group=g, position=i + 2)
        for i, g in enumerate(groups)
    ]
    owners = rng.sample(users, int(USERS * OWN_RULES_SHARE))
    sets += [RoutingRuleSet(organisation=organisation, user=u) for u in owners]
    sets = RoutingRuleSet.objects.bulk_create(sets, batch_size=2000)
    rules = []
    for rule_set in sets:
        tiers = ("own",) if rule_set.user_id else ("required", "overridable")
        count = 5 if rule_set.user_id else RULES_PER_SET
        if rule_set.group_id == groups[0].pk:
            count = BIG_GROUP_RULES
        for i in range(count):
            rule_list = rng.choice(("incoming", "outgoing", "fallback"))
            trigger = "made" if rule_list == "outgoing" else "received"
            rules.append(
                RoutingRule(
                    rule_set=rule_set,
                    rule_list=rule_list,
                    tier=rng.choice(tiers),
                    trigger=trigger,
                    position=i,
                )
            )
    rules = RoutingRule.objects.bulk_create(rules, batch_size=5000)
    conditions, actions = [], []
    for rule in rules:
        kind = rng.choice(("busy", "working_hours", "activity", "caller"))
        conditions.append(
            RoutingCondition(
                rule=rule,
                kind=kind,
                expected=rng.random() < 0.5,
                activity=activity if kind == "activity" else None,
                value="external" if kind == "caller" else "",
            )
        )
        if rule.trigger == "made":
            actions.append(RoutingAction(rule=rule, kind="block"))
        else:
            actions.append(RoutingAction(rule=rule, kind="route", destination="desk_phone"))
            actions.append(
                RoutingAction(
                    rule=rule, kind="route", destination="voicemail", delay=10, position=1
                )
            )
    RoutingCondition.objects.bulk_create(conditions, batch_size=5000)
    RoutingAction.objects.bulk_create(actions, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return organisation, groups[0], len(rules)


def timed(fn, repeat=REPEAT):
    times, queries, result = [], [], None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
    return result, statistics.median(times) * 1000, max(times) * 1000, max(queries)


def run():
    from django.test import Client
    from django.urls import reverse

    from customers.models import User
    from services import routing
    from services.queries_routing import effective_rule_lists, routing_simulate

    started = time.perf_counter()
    organisation, big_group, rule_count = populate()
    print(
        f"database: {connection.vendor}; {USERS:,} users, {GROUPS} groups ({GROUPS_PER_USER} per user), "
        f"{RULES_PER_SET} rules per group and organisation, {int(USERS * OWN_RULES_SHARE):,} users with 5 own rules, "
        f"{rule_count:,} rules in all (setup {time.perf_counter() - started:.1f} s); median/max of {REPEAT} runs"
    )
    user_ids = list(User.objects.filter(organisation=organisation).values_list("pk", flat=True))
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        effective_rule_lists(organisation, user_ids, routing.INCOMING)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    lists, median, worst, queries = timed(
        lambda: effective_rule_lists(organisation, user_ids, routing.INCOMING)
    )
    longest = max(len(v) for v in lists.values())
    print(
        f"\neffective rule lists (incoming) for {len(lists):,} users: {median:7.1f} ms median, {worst:7.1f} ms max; "
        f"{queries} queries; longest list {longest} rules"
    )
    user = User.objects.filter(organisation=organisation).order_by("pk").first()
    at = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    (_rules, evaluation), median, worst, queries = timed(
        lambda: routing_simulate(
            organisation,
            user=user,
            direction=routing.INCOMING,
            at=at,
            caller_number="+4588887777",
            on_call=False,
        ),
        repeat=50,
    )
    print(
        f"one simulation: {median:6.1f} ms median, {worst:6.1f} ms max (50 runs); {queries} queries; "
        f"{len(evaluation.steps)} rules listed"
    )
    admin = User.objects.create(
        organisation=organisation,
        username="admin@bench.example",
        admin_profile=User.AdminProfile.ORG_ADMIN,
    )
    client = Client()
    client.force_login(admin)
    url = reverse("services:routing_rules_group", args=[big_group.pk])
    response, median, worst, queries = timed(lambda: client.get(url))
    print(
        f"routing page of a group with {BIG_GROUP_RULES} rules: HTTP {response.status_code}, {median:6.1f} ms median, "
        f"{worst:6.1f} ms max; {queries} queries"
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
