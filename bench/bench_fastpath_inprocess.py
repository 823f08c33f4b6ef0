"""Benchmark: the phones' fast path in-process, without gunicorn (issue 14).

Calls connect.wsgi's application directly with the WSGI environ of each of bench_provisioning's
10,000 phones (its database and seed), every file answered from provisioning.memory, and prints
the CPU time per request of this thread. No HTTP server, no load generator, no other process:
the figure is the fast path's own cost and barely depends on what else runs on the machine.
A first pass loads memory (and converts each file to the form memory serves it from); then
--passes timed passes.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_prov_a \\
        .venv/bin/python bench/bench_fastpath_inprocess.py [--passes 3] [--profile]
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.chdir(ROOT)

import bench_provisioning  # noqa: E402 - sets the environment (settings, database) on import


def environ(path, agent):
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "RAW_URI": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50000", "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": agent, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one more pass (top 25 by own time)")
    args = parser.parse_args()
    bench_provisioning.ensure_database()
    rows = bench_provisioning.seed()
    from connect.wsgi import application
    from provisioning import fetchlog
    from provisioning.memory import memory

    memory.background = False  # load in the first request rather than in a thread
    environs = [environ(path, agent) for path, agent in rows]
    statuses = []

    def start_response(status, headers):
        statuses.append(status)

    for env in environs:  # loads memory, converts the files
        application(dict(env), start_response)
    assert all(status.startswith("200") for status in statuses), "every phone answered"
    for number in range(1, args.passes + 1):
        started = time.thread_time()
        for env in environs:
            application(dict(env), start_response)
        took = time.thread_time() - started
        fetchlog._pending.clear()  # recording is measured by bench_provisioning
        print(f"pass {number}: {took / len(environs) * 1e6:.1f} us CPU per request")
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [application(dict(env), start_response) for env in environs])
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    fetchlog._pending.clear()
    os._exit(0)  # no writer thread to wait for


if __name__ == "__main__":
    main()
