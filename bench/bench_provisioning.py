"""Benchmark: provisioning boot storm (issues 4 and 14) through gunicorn, compared with a trivial
Django view and with nginx.

An organisation with 10,000 phones, each with an assigned user (SIP account) and two function
keys; half Snom D725 (fetching ``<MAC>.xml``), half Mitel 6867i (fetching ``<MAC>.cfg``), with
their real User-Agent formats. The load generator is wrk (Debian package) with
bench/provisioning_wrk.lua; everything runs on 127.0.0.1. gunicorn serves connect.wsgi's
application (the phones' fast path in front of Django, provisioning/fastpath.py) under
bench/trivial_settings.py: the project's settings plus /bench/trivial/, a view answering 2 KB of
text through the full middleware stack (no such URL outside the benchmark).

Runs, in one go:
1. storm with nothing stored (worst case, e.g. right after a deployment that changed the
   renderers): every phone fetches its MAC file once, every file is rendered from the database
   (skip with --skip-uncached);
2. `provisioning_warm` (the files rendered in bulk, as the Celery worker does after a change);
then --runs times, side by side:
3. THE BOOT STORM: every phone fetches its MAC file once, files stored, and every phone "not
   seen lately", so every fetch is recorded (firmware, IP, time: buffered by each worker,
   bulk-written by its writer thread once the storm has passed);
4. the storm again right after (every fetch is recorded again, PRV-5);
5. sustained load for --duration seconds over the same 10,000 URLs;
6. the trivial Django view for --duration seconds, same gunicorn, same wrk settings (asked as
   through the TLS proxy, X-Forwarded-Proto: https, so that it is not redirected to HTTPS);
7. nginx serving a static file of the same size as an average answer, same wrk settings;
8. the phones' sustained load against a second gunicorn of the same settings with
   PROVISIONING_MEMORY=0 (every fetch reads the database: the fast path before issue 14's
   memory), and a bare WSGI application (bench/bare_wsgi.py) answering as many bytes in a third
   (what gunicorn itself costs per request: no answer gunicorn gives can be cheaper).
Reported: requests/s, p50/p90/p99 latency, errors, the time to serve all 10,000 phones, the ratios
to the trivial view and to nginx, and the CPU time gunicorn and the PostgreSQL backends spent per
request (which, unlike requests/s, does not depend on what else runs on the machine); for the
phones' passes that CPU time runs until their fetch records are written (each worker writes them
in bulk once the load has passed), so it includes recording them. Targets
(issue 14): boot storm >= 2x the trivial view, p99 < 20 ms, zero errors, 10,000 phones in < 3 s.
Figures are printed, never asserted.

    apt-get install -y wrk nginx      # once
    .venv/bin/python bench/bench_provisioning.py [--runs 3 --workers 4 --threads 1 --connections 16]

Uses PostgreSQL database ``bench_prov`` (created and migrated if missing; override with
BENCH_DATABASE_URL) and Redis DB 7 as the shared cache (BENCH_REDIS_URL; on the phones' path it
holds the refusal throttle's counters, read only for addresses seen reaching the limit). Production-like
settings: DEBUG off, the project's gunicorn.conf.py (access log with the ticket-masking logger,
max_requests) plus --preload, the provisioning middleware, SECURE_SSL_REDIRECT on (/prov/ is
exempt).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TRIVIAL_PATH = "/bench/trivial/"

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_prov")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.trivial_settings",
    "DEBUG": "0",
    "CONNECT_TESTING": "0",
    "SECRET_KEY": "bench-provisioning-secret-key-not-for-production-0123456789",
    # A fixed Fernet key so the seeded SIP passwords decrypt in the gunicorn workers.
    "FIELD_ENCRYPTION_KEY": "YmVuY2gtcHJvdmlzaW9uaW5nLWtleS0wMTIzNDU2Nzg=",
    "DATABASE_URL": DATABASE_URL,
    "DB_CONN_MAX_AGE": "600",
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": "",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PROVISIONING_BASE_URL": "https://prov.connect.example",
    "SECURITY_LOG_FILE": "/tmp/bench_prov_security.log",
    # The bench talks plain HTTP (no TLS proxy in front): let phones' own files through.
    "PROVISIONING_ALLOW_HTTP": "1",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(BENCH_ENV)

PHONES = 10_000
STORM_LIMIT = 20  # seconds wrk runs in a storm pass; the pass ends when every phone was answered
ORGANISATION = "bench-provisioning"
SNOM_FIRMWARE = "10.1.54.13"
MITEL_FIRMWARE = "5.1.0.2047"


def ensure_database():
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)


def seed():
    """The organisation with 10,000 phones, users and SIP accounts (created once, then reused)."""
    import django

    django.setup()
    from django.db import connection

    # This script's own queries (seeding, waiting for the fetch records) are not the server's work:
    # its connection is named, and ServerCPU leaves it out.
    connection.settings_dict.setdefault("OPTIONS", {})["application_name"] = BENCH_APPLICATION
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from connect.lib.crypto import encrypt, generate_password
    from customers.models import Organisation, User
    from devices.models import FunctionKey, Phone, SipAccount
    from provisioning.operations import ticket_for

    organisation, _ = Organisation.objects.get_or_create(name=ORGANISATION)
    if Phone.objects.filter(organisation=organisation).count() != PHONES:
        started = time.perf_counter()
        with transaction.atomic():
            Phone.objects.filter(organisation=organisation).delete()
            User.objects.filter(organisation=organisation).delete()
            unusable = make_password(None)
            users = User.objects.bulk_create(
                [
                    User(organisation=organisation, username=f"phone{n:05d}@bench.example", email=f"phone{n:05d}@bench.example",
                         first_name="Bench", last_name=f"User {n:05d}", password=unusable)
                    for n in range(PHONES)
                ],
                batch_size=2000,
            )
            SipAccount.objects.bulk_create(
                [SipAccount(user=u, username=f"b{n:05d}{u.pk:x}", password_encrypted=encrypt(generate_password(20)))
                 for n, u in enumerate(users)],
                batch_size=2000,
            )
            phones = Phone.objects.bulk_create(
                [
                    Phone(organisation=organisation, user=u,
                          mac=(f"000413{n:06X}" if n % 2 == 0 else f"00085D{n:06X}"),
                          model=("snom-725" if n % 2 == 0 else "mitel-6867i"), description=f"Desk {n}")
                    for n, u in enumerate(users)
                ],
                batch_size=2000,
            )
            FunctionKey.objects.bulk_create(
                [
                    key
                    for n, phone in enumerate(phones)
                    for key in (
                        FunctionKey(phone=phone, position=2, type=FunctionKey.Type.BLF, target_user=users[(n + 1) % PHONES]),
                        FunctionKey(phone=phone, position=3, type=FunctionKey.Type.SPEED_DIAL, value="+4588887765", label="Kontor"),
                    )
                ],
                batch_size=4000,
            )
        print(f"seeded {PHONES} users, SIP accounts, phones and keys in {time.perf_counter() - started:.1f} s")
    # Every run starts from "not seen recently": the storm records every phone again.
    Phone.objects.filter(organisation=organisation).update(last_seen_at=None, last_ip=None, firmware="", user_agent="")
    ticket = ticket_for(organisation).ticket
    rows = []
    for mac, model in Phone.objects.filter(organisation=organisation).order_by("pk").values_list("mac", "model"):
        if model == "snom-725":
            agent = f"Mozilla/4.0 (compatible; snom725-SIP {SNOM_FIRMWARE} 2010.12-00004-g9ba52f5 {mac} SXM:0 UXM:0)"
            rows.append((f"/prov/{ticket}/snom/{mac}.xml", agent))
        else:
            dashed = "-".join(mac[i:i + 2] for i in range(0, 12, 2))
            rows.append((f"/prov/{ticket}/mitel/{mac}.cfg", f"Mitel6867i MAC:{dashed} V:{MITEL_FIRMWARE}-SIP"))
    return rows


def clear_cache():
    """Forget every stored file of the benchmark organisation (and Redis's rate-limit counters)."""
    import redis

    from provisioning.models import RenderedFile

    RenderedFile.objects.filter(phone__organisation__name=ORGANISATION).delete()
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match="*prov:*", count=5000))
    for start in range(0, len(keys), 5000):
        client.delete(*keys[start:start + 5000])


def clear_refusal_counts():
    """Forget the refusal throttle's counters (Redis). wrk's fillers (a 404 each, see
    provisioning_wrk.lua) all come from 127.0.0.1, which stands for 10,000 phones here: counted,
    they would throttle the address within a minute and turn the next pass into 404s."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match="*prov:count:refusals:*", count=5000))
    if keys:
        client.delete(*keys)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def start_gunicorn(port, workers, worker_class, threads, access_log, preload=True, restarts=False, app=None, env=None):
    # The project's gunicorn.conf.py (access log, ticket-masking logger, max_requests), with the
    # bind address, worker count and log file of this run.
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
        "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", worker_class, "--backlog", "2048",
        "--access-logfile", str(access_log), "--error-logfile", str(access_log.with_suffix(".err")),
    ]
    if not restarts:
        # gunicorn.conf.py restarts a worker every ~2,000 requests. Behind a proxy that is
        # harmless (nginx retries a GET whose idle upstream connection was just closed), but wrk
        # talks to gunicorn directly and cannot: a request racing the close is lost.
        command += ["--max-requests", "0"]
    if preload:
        # Workers forked from a master that already loaded Django: gunicorn.conf.py restarts
        # every worker after ~2,000 requests, and a worker that imports Django itself costs
        # over a CPU-second, which at this rate is half a core of the two.
        command.append("--preload")
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    if app:
        command.append(app)  # instead of gunicorn.conf.py's wsgi_app
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True)
    wait_for(port)
    return process


def start_nginx(port, workdir, body, workers):
    (workdir / "www").mkdir(exist_ok=True)
    (workdir / "www" / "config.xml").write_bytes(body)
    conf = workdir / "nginx.conf"
    conf.write_text(f"""
worker_processes {workers};
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/tmp-body;
    proxy_temp_path {workdir}/tmp-proxy;
    fastcgi_temp_path {workdir}/tmp-fastcgi;
    uwsgi_temp_path {workdir}/tmp-uwsgi;
    scgi_temp_path {workdir}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port} backlog=2048;
        location / {{ root {workdir}/www; default_type application/xml; add_header Cache-Control no-store; }}
    }}
}}
""")
    process = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf)], start_new_session=True)
    wait_for(port)
    return process


def stop(process):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid, children=False):
    """CPU seconds (user + system) of a process, with its reaped children's if asked."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: exited (restarted) workers
    return ticks / _TICK


def _gunicorn_cpu(master_pid):
    """gunicorn's CPU seconds: master, live workers, and (through the master's cutime) workers
    that max_requests restarted."""
    total = _proc_cpu(master_pid, children=True)
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        total += _proc_cpu(int(child))
    return total


BENCH_APPLICATION = "connect-bench-provisioning"


def _backend_pids():
    """The PostgreSQL backends serving gunicorn (this script's own connection left out)."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        return [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
            "AND application_name IS DISTINCT FROM %s", [name, BENCH_APPLICATION])]


class ServerCPU:
    """CPU seconds spent by gunicorn and by this database's PostgreSQL backends during a run.

    Backends come and go with restarted workers, so they are sampled every 0.2 s and each one's
    last reading counts. Other tenants of the machine don't count: unlike requests/s, the figure
    stays comparable when the machine is busy."""

    def __init__(self, master_pid):
        self.master_pid = master_pid
        self.start = {pid: _proc_cpu(pid) for pid in _backend_pids()}
        self.last = dict(self.start)
        self.gunicorn_start = _gunicorn_cpu(master_pid)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        pids, refreshed = list(self.last), 0.0
        while not self.done.wait(0.2):
            if time.monotonic() - refreshed > 1:
                pids, refreshed = _backend_pids(), time.monotonic()
            for pid in pids:
                value = _proc_cpu(pid)
                if value:
                    self.last[pid] = max(value, self.last.get(pid, 0.0))

    def stop(self):
        self.done.set()
        self.thread.join()
        for pid in list(self.last):
            value = _proc_cpu(pid)
            if value:
                self.last[pid] = max(value, self.last[pid])
        backends = sum(value - self.start.get(pid, 0.0) for pid, value in self.last.items())
        return _gunicorn_cpu(self.master_pid) - self.gunicorn_start, backends


def run_wrk(port, urls_file, threads, connections, once, duration, master_pid=None, settle=None):
    env = {**os.environ, "PROV_URLS": str(urls_file), "PROV_ONCE": "1" if once else "0", "PROV_THREADS": str(threads)}
    command = [shutil.which("wrk") or "/usr/bin/wrk", "-t", str(threads), "-c", str(connections),
               "-d", f"{duration}s", "--timeout", "5s", "-s", str(ROOT / "bench" / "provisioning_wrk.lua"),
               f"http://127.0.0.1:{port}"]
    meter = ServerCPU(master_pid) if master_pid else None
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    if settle is not None:
        settle()  # the work the requests left behind (fetch records written in bulk) counts too
    cpu_seconds = meter.stop() if meter else None
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    if once and result["storm_us"] > 0:
        result["duration_us"] = result["storm_us"]  # wrk itself always waits for -d
    result["rps"] = result["answered"] / (result["duration_us"] / 1e6)
    result["errors"] = result["connect"] + result["read"] + result["write"] + result["timeout"] + result["non200"]
    if cpu_seconds is not None and result["answered"]:
        result["gunicorn_ms"], result["postgres_ms"] = (value * 1000 / result["answered"] for value in cpu_seconds)
        result["cpu_ms"] = result["gunicorn_ms"] + result["postgres_ms"]
    return result


def show(label, r):
    print(f"{label:<34} {r['rps']:>8.0f} req/s   p50 {r['p50_us'] / 1000:6.1f} ms   p90 {r['p90_us'] / 1000:6.1f} ms"
          f"   p99 {r['p99_us'] / 1000:6.1f} ms   max {r['max_us'] / 1000:6.1f} ms   "
          f"{r['answered']:>6} answered in {r['duration_us'] / 1e6:5.2f} s   errors {r['errors']}"
          + (f"   CPU/req gunicorn {r['gunicorn_ms']:.2f} + PostgreSQL {r['postgres_ms']:.2f} ms" if "cpu_ms" in r else ""))


def ratio(a, b):
    return a["rps"] / b["rps"] if b["rps"] else float("nan")


def table(runs):
    """The runs side by side: one column per run, a row per figure."""
    nan = float("nan")
    labels = [
        ("storm", "boot storm"), ("again", "storm again"), ("sustained", "sustained"),
        ("trivial", "trivial Django view"), ("nginx", "nginx static"),
        ("database", "phones, one query each (before)"), ("bare", "bare WSGI app (floor)"),
    ]
    head = f"{'':<38}" + "".join(f"{'run ' + str(n + 1):>14}" for n in range(len(runs)))
    lines = [head]

    def row(title, values):
        lines.append(f"{title:<38}" + "".join(f"{value:>14}" for value in values))

    for key, label in labels:
        row(f"{label}: req/s", [f"{run[key]['rps']:.0f}" for run in runs])
        row(f"{label}: p99 ms", [f"{run[key]['p99_us'] / 1000:.1f}" for run in runs])
        if key != "nginx":
            row(f"{label}: CPU ms/req (gunicorn+PG)", [f"{run[key].get('cpu_ms', float('nan')):.2f}" for run in runs])
        row(f"{label}: errors", [str(run[key]["errors"]) for run in runs])
    row("10,000 phones served in (s)", [f"{run['storm']['duration_us'] / 1e6:.2f}" for run in runs])
    for key, label in labels[:3]:
        row(f"{label} / trivial view (req/s)", [f"{ratio(run[key], run['trivial']):.2f}" for run in runs])
        row(f"{label} / trivial view (CPU/req)",
            [f"{run['trivial'].get('cpu_ms', nan) / run[key].get('cpu_ms', nan):.2f}" for run in runs])
    for key, label in labels[:4]:
        row(f"{label} / nginx (req/s)", [f"{ratio(run[key], run['nginx']):.3f}" for run in runs])
    for key, label in (*labels[:4], labels[5]):
        row(f"{label} / bare WSGI app (req/s)", [f"{ratio(run[key], run['bare']):.2f}" for run in runs])
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"],
                        help="gthread (default) keeps connections alive, as behind a TLS proxy; sync closes "
                             "each one, and with a single client address that soon runs into TIME_WAIT")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker (gunicorn.conf.py: 1)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (phones at a time)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds of sustained load (and of the trivial view, nginx)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of storm, storm again, sustained, trivial, nginx")
    parser.add_argument("--full-path", action="store_true",
                        help="PROVISIONING_FAST_PATH=0: every phone request through Django (for comparison)")
    parser.add_argument("--no-preload", action="store_true", help="don't pass --preload to gunicorn")
    parser.add_argument("--skip-uncached", action="store_true", help="skip the storm with nothing cached")
    parser.add_argument("--worker-restarts", action="store_true",
                        help="keep gunicorn.conf.py's max_requests (wrk may then lose a request racing a restart)")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y wrk nginx")

    os.environ["PROVISIONING_FAST_PATH"] = "0" if args.full_path else "1"
    Path(BENCH_ENV["SECURITY_LOG_FILE"]).write_text("")
    ensure_database()
    rows = seed()
    clear_cache()
    workdir = Path(tempfile.mkdtemp(prefix="bench_prov_"))
    workdir.chmod(0o755)  # nginx workers (www-data) read the static file from here
    urls_file = workdir / "urls.tsv"
    urls_file.write_text("".join(f"{path}\t{agent}\n" for path, agent in rows))
    trivial_file = workdir / "trivial.tsv"
    trivial_file.write_text(f"{TRIVIAL_PATH}\tbench\tX-Forwarded-Proto: https\n")
    gunicorn_port, nginx_port = free_port(), free_port()
    gunicorn = nginx = database_server = bare_server = None
    try:
        access_log = workdir / "access.log"
        gunicorn = start_gunicorn(gunicorn_port, args.workers, args.worker_class, args.threads, access_log,
                                  preload=not args.no_preload, restarts=args.worker_restarts)
        # Sizes of real answers (and a sanity check that they are configurations).
        sizes = []
        for path, agent in (rows[0], rows[1]):
            request = urllib.request.Request(f"http://127.0.0.1:{gunicorn_port}{path}", headers={"User-Agent": agent})
            with urllib.request.urlopen(request) as response:
                body = response.read()
                assert response.status == 200 and (b"user_pass" in body or b"sip line1 password" in body)
                sizes.append(len(body))
        trivial_request = urllib.request.Request(f"http://127.0.0.1:{gunicorn_port}{TRIVIAL_PATH}",
                                                 headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(trivial_request) as response:
            assert response.status == 200 and len(response.read()) == 2048, "the trivial view"
        # A few refusals, so the security log has lines to check for tickets.
        for path in (rows[0][0].replace(".xml", ".cfg"), rows[0][0][:-5] + "0.xml", "/prov/" + "x" * 43 + "/snom/a.xml"):
            try:
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{gunicorn_port}{path}", headers={"User-Agent": rows[0][1]}))
            except urllib.error.HTTPError as exc:
                assert exc.code == 404
        from django.db import connection

        from devices.models import Phone
        from provisioning.warm import warm

        def fetches_settled():
            """Wait until the workers' writer threads have written what they buffered."""
            from devices.models import PhoneFetch

            last, stable_since, deadline = -1, time.monotonic(), time.monotonic() + 60
            while time.monotonic() < deadline:
                count = PhoneFetch.objects.filter(phone__organisation__name=ORGANISATION).count()
                if count != last:
                    last, stable_since = count, time.monotonic()
                elif time.monotonic() - stable_since > 2.5:
                    break
                time.sleep(0.25)
            connection.close()

        def not_seen():
            fetches_settled()
            Phone.objects.filter(organisation__name=ORGANISATION).update(last_seen_at=None)
            connection.close()

        def seen():
            fetches_settled()
            count = Phone.objects.filter(organisation__name=ORGANISATION, last_seen_at__isnull=False).count()
            connection.close()
            return count

        def storm():
            clear_refusal_counts()
            return run_wrk(gunicorn_port, urls_file, args.wrk_threads, args.connections, once=True,
                           duration=STORM_LIMIT, master_pid=gunicorn.pid, settle=fetches_settled)

        def steady(port, file, master_pid=None, settle=None):
            clear_refusal_counts()
            return run_wrk(port, file, args.wrk_threads, args.connections, once=False, duration=args.duration,
                           master_pid=master_pid, settle=settle)

        print("\ncommand: " + " ".join([Path(sys.executable).name, "bench/bench_provisioning.py", *sys.argv[1:]]))
        print(f"Provisioning benchmark: {PHONES} phones, gunicorn {args.workers} x {args.worker_class}"
              + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
              + (" --preload" if not args.no_preload else "")
              + ("" if args.worker_restarts else " --max-requests 0")
              + f", wrk {args.wrk_threads} threads / {args.connections} connections, {os.cpu_count()} CPUs"
              + (", phones through the full Django path (PROVISIONING_FAST_PATH=0)" if args.full_path else
                 ", phones' fast path on"))
        print(f"response sizes: Snom {sizes[0]} B, Mitel {sizes[1]} B; trivial view 2048 B")
        print("every storm pass: each phone fetches its MAC file once; 'recorded' = last seen was reset,\n"
              "so every fetch writes firmware, IP and time (buffered per worker, written in bulk)\n")

        average = int(statistics.mean(sizes))
        static_body = (body * (average // len(body) + 1))[:average]
        # nginx waits idle beside gunicorn (no CPU) and is measured at the end of every run.
        nginx = start_nginx(nginx_port, workdir, static_body, args.workers)
        # So do two more gunicorns of the same settings: the portal with the phones' memory off
        # (every fetch reads the database, as before it), and a bare WSGI application answering
        # the same number of bytes (what gunicorn itself costs per request: the floor).
        database_port, bare_port = free_port(), free_port()
        database_server = start_gunicorn(database_port, args.workers, args.worker_class, args.threads,
                                         workdir / "access-database.log", preload=not args.no_preload,
                                         restarts=args.worker_restarts, env={"PROVISIONING_MEMORY": "0"})
        bare_server = start_gunicorn(bare_port, args.workers, args.worker_class, args.threads,
                                     workdir / "access-bare.log", preload=not args.no_preload,
                                     restarts=args.worker_restarts, app="bench.bare_wsgi:application",
                                     env={"BARE_BODY_SIZE": str(average)})
        bare_rows = workdir / "bare.tsv"
        bare_rows.write_text("/prov/bare/snom/bare.xml\tbench\n")
        static_rows = workdir / "static.tsv"
        static_rows.write_text("/config.xml\tbench\n")

        cold, seen_cold = None, 0
        if not args.skip_uncached:
            clear_cache()
            not_seen()
            cold = storm()
            show("storm, nothing cached, recorded", cold)
            seen_cold = seen()
        clear_cache()
        started = time.perf_counter()
        warmed = warm()
        warm_seconds = time.perf_counter() - started
        connection.close()
        print(f"{'(provisioning_warm: ' + str(warmed) + ' files in ' + format(warm_seconds, '.1f') + ' s)':<34}")
        runs, seen_main = [], []
        for number in range(args.runs):
            print(f"-- run {number + 1}")
            run = {}
            not_seen()
            run["storm"] = storm()
            show("BOOT STORM: files cached, recorded", run["storm"])
            seen_main.append(seen())
            run["again"] = storm()
            show("storm again, recorded again", run["again"])
            run["sustained"] = steady(gunicorn_port, urls_file, gunicorn.pid, settle=fetches_settled)
            show(f"sustained {args.duration} s", run["sustained"])
            run["trivial"] = steady(gunicorn_port, trivial_file, gunicorn.pid)
            show(f"trivial Django view, {args.duration} s", run["trivial"])
            run["nginx"] = steady(nginx_port, static_rows)
            show(f"nginx static {average} B, {args.duration} s", run["nginx"])
            run["database"] = steady(database_port, urls_file, database_server.pid, settle=fetches_settled)
            show(f"phones, one query each, {args.duration} s", run["database"])
            run["bare"] = steady(bare_port, bare_rows, bare_server.pid)
            show(f"bare WSGI app {average} B, {args.duration} s", run["bare"])
            runs.append(run)
        stop(gunicorn)
        stop(database_server)
        stop(bare_server)
        gunicorn = None

        ticket_value = rows[0][0].split("/")[2]
        logs = (access_log.read_text() + (workdir / "access-database.log").read_text()
                + Path(BENCH_ENV["SECURITY_LOG_FILE"]).read_text(errors="replace"))
        print(f"\naccess log lines: {access_log.read_text().count(chr(10))}; ticket in any log: {ticket_value in logs}")
        print(f"phones recorded as seen after each boot storm: {', '.join(str(n) for n in seen_main)} of {PHONES}"
              + (f" (after the uncached storm: {seen_cold})" if cold else ""))
        print("\n" + table(runs))
        load = os.getloadavg()
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other tenants of this machine count too)")
        storms = [run["storm"] for run in runs]
        everything = [r for run in runs for key, r in run.items() if key != "nginx"] + ([cold] if cold else [])
        targets = [
            ("boot storm >= 2x the trivial Django view (req/s)", [ratio(run["storm"], run["trivial"]) >= 2 for run in runs]),
            ("boot storm p99 < 20 ms", [r["p99_us"] < 20_000 for r in storms]),
            ("zero errors in every run", [all(r["errors"] == 0 for r in everything)]),
            ("10,000 phones served in < 3 s", [r["answered"] >= PHONES and r["duration_us"] < 3_000_000 for r in storms]),
        ]
        if cold:
            targets.append(("(uncached storm: 10,000 phones in < 10 s; not a target)",
                            [cold["answered"] >= PHONES and cold["duration_us"] < 10_000_000]))
        for name, met in targets:
            verdict = "met    " if all(met) else ("MISSED " if not any(met) else f"{sum(met)}/{len(met)} runs")
            print(f"  {verdict:<8} {name}")
    finally:
        stop(gunicorn)
        stop(nginx)
        stop(database_server)
        stop(bare_server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
