"""Benchmark: classify 100,000 numbers against 10,000 prefixes (ORG-6, longest prefix wins).

Target (issue 9): under 1 s. Prints figures; asserts nothing. The rule engine is pure
(customers.numbertypes), so no database is needed:

    .venv/bin/python bench/bench_classification.py

It times building the table from 10,000 (prefix, classification) pairs and classifying 100,000
numbers (E.164 and short local numbers, a third of them matching nothing), five runs each, and
reports the median and the worst in CPU seconds of this process (time.process_time: on the
shared machine wall-clock time mostly measures the neighbours). `number_key` (normalising typed input) is timed separately,
because a routing engine classifies numbers that are already normalised.
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

import django  # noqa: E402

django.setup()

from customers.numbertypes import classification_table, classify, number_key  # noqa: E402

PREFIXES = 10_000
NUMBERS = 100_000
RUNS = 5


def main():
    rng = random.Random(9)
    pairs = []
    while len(pairs) < PREFIXES:
        length = rng.randint(2, 7)
        prefix = "+" + "".join(rng.choice("0123456789") for _ in range(length))
        pairs.append((prefix, f"class-{len(pairs) % 40}"))
    numbers = []
    for i in range(NUMBERS):
        if i % 3 == 0:
            numbers.append(str(rng.randint(100, 99999)))  # short local numbers: no "+" prefix matches
        else:
            numbers.append("+" + "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 12))))
    build, run = [], []
    for _ in range(RUNS):
        started = time.process_time()
        table = classification_table(pairs)
        build.append(time.process_time() - started)
        started = time.process_time()
        matched = sum(1 for number in numbers if classify(table, number) is not None)
        run.append(time.process_time() - started)
    typed = [f"{n[3:5]} {n[5:7]} {n[7:]}" for n in numbers[1:20_001:1]]
    started = time.process_time()
    for raw in typed:
        number_key(raw)
    normalise = time.process_time() - started
    print(f"prefixes: {PREFIXES:,}, numbers: {NUMBERS:,}, matched: {matched:,}")
    print(f"build table: median {statistics.median(build) * 1000:.1f} ms, worst {max(build) * 1000:.1f} ms")
    print(f"classify {NUMBERS:,}: median {statistics.median(run) * 1000:.1f} ms, worst {max(run) * 1000:.1f} ms (target < 1000 ms)")
    print(f"number_key on {len(typed):,} typed numbers: {normalise * 1000:.0f} ms")


if __name__ == "__main__":
    main()
