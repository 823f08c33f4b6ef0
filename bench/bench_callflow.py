"""Benchmark: walk the call flow of function numbers of an organisation with 2,000 of them.

No target is set yet (the visualisation, FN-6, draws these trees); this prints figures and
asserts nothing. The walker is pure (functionnumbers.callflow), so no database is needed:

    .venv/bin/python bench/bench_callflow.py

The organisation: one main IVR whose 12 keys go to 12 sub-IVRs; 200 IVRs in all, each key to
one of 1,200 ACD groups (20 agents each), every ACD group overflowing to one of 400 hunt groups
(10 members) and sending "no agents" to another hunt group; hunt groups fall back to the main IVR
(a cycle on every path) and 200 voicemail numbers close the set. It times `callflow_walk` from
100 of the function numbers (every 20th: all types) and from the main IVR alone (the largest tree), five runs each, median
and worst in CPU seconds of this process (time.process_time), with the node counts.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from functionnumbers.callflow import Exit, FlowData, FlowFunction, callflow_walk  # noqa: E402
from functionnumbers.models import IVR_KEYS, Kind  # noqa: E402

RUNS = 5


def organisation():
    functions = {}

    def add(fid, kind, exits=(), members=()):
        functions[fid] = FlowFunction(
            fid, kind, str(100000 + fid), f"{kind} {fid}", tuple(exits), tuple(members)
        )

    ivrs, acds, hunts, voicemails = (
        range(1, 201),
        range(201, 1401),
        range(1401, 1801),
        range(1801, 2001),
    )
    for fid in hunts:
        add(
            fid,
            Kind.HUNT,
            [Exit("fallback", 1, "100001")],
            [(f"member {i}", "") for i in range(10)],
        )
    for n, fid in enumerate(acds):
        hunt = hunts[n % len(hunts)]
        other = hunts[(n + 1) % len(hunts)]
        add(
            fid,
            Kind.ACD,
            [
                Exit("overflow", hunt, str(100000 + hunt)),
                Exit("no_agents", other, str(100000 + other)),
            ],
            [(f"agent {i}", "") for i in range(20)],
        )
    for fid in ivrs:
        if fid == 1:
            targets = list(range(2, 14))
        else:
            targets = [acds[(fid * 12 + i) % len(acds)] for i in range(12)]
        add(
            fid,
            Kind.IVR,
            [
                Exit(f"option:{key}", t, str(100000 + t))
                for key, t in zip(IVR_KEYS, targets, strict=True)
            ],
        )
    for fid in voicemails:
        add(fid, Kind.VOICEMAIL)
    return FlowData(
        functions=functions, by_number={f.number: f.id for f in functions.values()}, users={}
    )


def timed(fn):
    runs = []
    for _ in range(RUNS):
        start = time.process_time()
        result = fn()
        runs.append(time.process_time() - start)
    return statistics.median(runs), max(runs), result


def main():
    data = organisation()
    numbers = [f.number for f in data.functions.values()][::20]  # 100 of them, every type

    def all_trees():
        return sum(sum(1 for _ in callflow_walk(data, number).walk()) for number in numbers)

    def main_tree():
        return sum(1 for _ in callflow_walk(data, "100001").walk())

    median, worst, nodes = timed(all_trees)
    print(
        f"{len(numbers)} function numbers, one tree each: {nodes} nodes, median {median:.3f} s, worst {worst:.3f} s"
    )
    median, worst, nodes = timed(main_tree)
    print(f"main IVR alone: {nodes} nodes, median {median:.3f} s, worst {worst:.3f} s")


if __name__ == "__main__":
    main()
