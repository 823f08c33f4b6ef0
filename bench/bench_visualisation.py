"""Benchmark of FN-6 and FN-10 (issue 11): a number whose routing tree has about 500 nodes — the
page (tree + simulation form) and "Gengiv billede" (SVG) — and 100,000 schedule lookups over a
schedule of 200 events. Prints wall and CPU figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_vis .venv/bin/python bench/bench_visualisation.py

(without DATABASE_URL it uses a temporary SQLite file). Targets: page < 300 ms, SVG < 2 s,
100,000 lookups < 1 s.
"""

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings")
os.environ.setdefault("DEBUG", "1")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from customers.models import GroupMembership, Organisation, Prompt, User  # noqa: E402
from customers.operations.groups import usergroup_create  # noqa: E402
from functionnumbers import callflow, schedules  # noqa: E402
from functionnumbers.models import IvrOption, Kind  # noqa: E402
from tests.functionnumbers.factories import make_function_number  # noqa: E402


def timed(function, runs):
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def build():
    org, _ = Organisation.objects.get_or_create(name="bench-visualisation")
    admin = User.objects.filter(username="bench-admin@vis").first()
    if admin is None:
        admin = User.objects.create_user("bench-admin@vis", password="x", organisation=org, admin_profile="orgadmin")
    existing = callflow.load_flow_data(org).by_number.get("1600")
    if existing:
        return org, admin, existing
    prompt = Prompt.objects.create(organisation=org, name="Velkommen")
    hunts, acds = [], []
    for i in range(12):
        group = usergroup_create(organisation=org, name=f"Agents {i}", by=None)
        sales = usergroup_create(organisation=org, name=f"Salg {i}", by=None)
        for j in range(30):
            user = User.objects.create(username=f"agent{i}-{j}@vis", organisation=org, first_name=f"Agent {i}.{j}")
            GroupMembership.objects.create(user=user, group=group)
        for j in range(10):
            user = User.objects.create(username=f"sales{i}-{j}@vis", organisation=org, first_name=f"Sælger {i}.{j}")
            GroupMembership.objects.create(user=user, group=sales)
        hunts.append(make_function_number(org, Kind.HUNT, number=str(1580 + i), name=f"Ringegruppe {i}", member_groups=[sales]))
        acds.append(
            make_function_number(
                org, Kind.ACD, number=str(1500 + i), name=f"Kø {i}", login_groups=[group],
                overflow_action="forward", overflow=str(1580 + i),
            )
        )
    ivr = make_function_number(org, Kind.IVR, number="1600", name="Hovedmenu", prompt=prompt)
    keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"]
    for key, acd in zip(keys, acds, strict=True):
        IvrOption.objects.update_or_create(
            ivr_id=ivr.pk, key=key, defaults={"destination_function": acd, "destination_number": acd.number.number}
        )
    return org, admin, ivr.pk


def main():
    call_command("migrate", verbosity=0)
    org, admin, ivr_id = build()
    data = callflow.load_flow_data(org)
    tree = callflow.callflow_walk(data, "1600")
    nodes = sum(1 for _ in tree.walk())
    print(f"tree of 1600: {nodes} nodes")
    with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
        client = Client()
        client.force_login(admin)
        page_url = reverse("functionnumbers:visualisation_detail", args=[ivr_id])
        svg_url = reverse("functionnumbers:visualisation_image", args=[ivr_id, "svg"])
        assert client.get(page_url).status_code == 200
        wall, cpu = timed(lambda: client.get(page_url), 10)
        print(f"page (tree + form), median of 10: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU (target < 300 ms)")
        sim = lambda: client.get(page_url, {"number": "1600", "date": "2026-12-12", "time": "10:00"})  # noqa: E731
        wall, cpu = timed(sim, 10)
        print(f"page with a simulation, median of 10: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
        wall, cpu = timed(lambda: client.get(svg_url), 5)
        print(f"SVG (Graphviz dot), median of 5: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU in Django (dot runs as a child process) (target < 2 s)")
    rng = random.Random(4)
    events = []
    for i in range(200):
        start = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
        events.append(
            schedules.Event(
                name=f"e{i}",
                repeat=rng.choice([schedules.NONE, schedules.WEEKLY, schedules.DAILY, schedules.YEARLY]),
                weekdays=frozenset(rng.sample(range(7), 3)),
                start_date=start,
                end_date=start + dt.timedelta(days=rng.randrange(30)),
                start_time=dt.time(rng.randrange(12), 0),
                end_time=dt.time(12 + rng.randrange(12), 0),
                action=schedules.CLOSED,
            )
        )
    moments = [dt.datetime(2026, 1, 1) + dt.timedelta(minutes=rng.randrange(525_600)) for _ in range(100_000)]

    def indexed():
        index = schedules.ScheduleIndex(events)
        for moment in moments:
            index.match(moment)

    def one_by_one():
        for moment in moments[:10_000]:
            schedules.schedule_match(events, None, moment)

    wall, cpu = timed(indexed, 3)
    print(f"100,000 schedule lookups over 200 events (ScheduleIndex), median of 3: {wall:.2f} s wall, {cpu:.2f} s CPU (target < 1 s)")
    wall, cpu = timed(one_by_one, 1)
    print(f"10,000 lookups one by one (schedule_match, with reasons): {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
