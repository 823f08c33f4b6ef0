"""Recording fetches ("sidst set", PRV-5) without a database write per request.

With Redis (the production cache) a fetch that must be recorded is appended to a Redis list
(one round trip) and written in bulk: after a response has been sent (when nobody tried for a
second, or the list has a backlog), the process that gets the flush lock moves a few
batches from the list into the database (one UPDATE ... FROM VALUES and one bulk INSERT per
batch, plus the fetch-log pruning of devices). A boot storm of 10,000 phones then costs a few
dozen statements instead of 30,000, and "sidst set" lags by about a second. In the web
processes the writing is done by a background thread (one per process, started by the first
queued record; it also looks at the list every second), so no phone waits for it. The Celery
beat task (provisioning.tasks, every 10 s) and `manage.py provisioning_flush_fetches` empty the
list at any time as well.

Without Redis every fetch is written at once by devices.operations.phone_record_fetch.

`record_fetches` is the bulk counterpart of devices.operations.phone_record_fetch: the same
fields, the same cleaning and the same "keep the latest FETCH_LOG_SIZE rows" rule.
"""

import json
import logging
import secrets
import threading
import time
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from devices import operations as device_operations
from devices.models import Phone, PhoneFetch
from provisioning import cache as prov_cache

logger = logging.getLogger(__name__)

LIST_KEY = "prov:fetchlog"
LOCK_KEY = "prov:fetchlog:lock"
TICK_KEY = "prov:fetchlog:tick"
BATCH = 200
FLUSH_AT = 200  # a backlog this long is written without waiting for the next tick
FLUSH_BUDGET_SECONDS = 0.05  # per flush, so a worker is not kept from its next phones for long


def _client():
    if not getattr(settings, "PROVISIONING_BUFFER_FETCHES", True):
        return None
    return prov_cache._redis_client()


def buffered():
    """Are fetches buffered in Redis (True) or written at once (False)?"""
    return _client() is not None


def item(*, phone_id, ip, user_agent, firmware, file_name):
    """One fetch record as it waits in the Redis list."""
    global _last_queued
    _last_queued = time.monotonic()
    return json.dumps(
        {"phone": phone_id, "at": timezone.now().isoformat(), "ip": ip or "", "ua": user_agent or "",
         "fw": firmware or "", "file": file_name or ""},
        separators=(",", ":"),
    )


def queue(pipe, record_item):
    """Queue a record in a Redis pipeline (so it shares the file lookup's round trip)."""
    pipe.rpush(LIST_KEY, record_item)
    pipe.set(TICK_KEY, 1, nx=True, px=1000)


def should_flush(results):
    """From queue()'s results: should the caller try flush() after its response? Yes when nobody
    tried in the last second (so a lone fetch is written at once), and at every FLUSH_AT-th
    record of a backlog (so a storm is written as it goes, by one request in FLUSH_AT)."""
    length, tick = results
    return bool(tick) or length % FLUSH_AT == 0


def record(*, phone_id, phone, ip, user_agent, firmware, file_name):
    """Record one fetch: queued in Redis when it is there, else written at once through devices.

    `phone` is the Phone, or a callable that builds it (only the direct write needs it). Returns
    should_flush() for a queued record, False for a written one.
    """
    client = _client()
    if client is None:
        device_operations.phone_record_fetch(
            phone=phone() if callable(phone) else phone, ip=ip, user_agent=user_agent, firmware=firmware,
            file_name=file_name,
        )
        return False
    with client.pipeline(transaction=False) as pipe:
        queue(pipe, item(phone_id=phone_id, ip=ip, user_agent=user_agent, firmware=firmware, file_name=file_name))
        return should_flush(pipe.execute())


def flush(budget=FLUSH_BUDGET_SECONDS, batch=BATCH):
    """Write buffered fetches to the database; returns how many. Only one process at a time."""
    client = _client()
    if client is None:
        return 0
    token = secrets.token_hex(8)
    if not client.set(LOCK_KEY, token, nx=True, px=10_000):
        return 0
    written = 0
    started = time.monotonic()
    try:
        while True:
            raw = client.lpop(LIST_KEY, batch)
            if not raw:
                break
            try:
                written += record_fetches([json.loads(item) for item in raw])
            except Exception:  # telemetry: never fail the request that happens to flush
                logger.exception("Could not write %d buffered provisioning fetches", len(raw))
            if budget is not None and time.monotonic() - started > budget:
                break
    finally:
        if client.get(LOCK_KEY) == token:
            client.delete(LOCK_KEY)
    logger.debug("flushed %d fetch records in %.1f ms", written, (time.monotonic() - started) * 1000)
    return written


# -- the writer thread -------------------------------------------------------------------------

# While this process is busy serving phones (a boot storm), its writer waits: the records are
# safe in Redis, and serving the next phone matters more than writing "last seen" a few seconds
# sooner. It writes anyway once it has waited MAX_DEFER_SECONDS or the backlog is MAX_DEFER_BACKLOG.
_last_queued = 0.0
BUSY_SECONDS = 0.3
MAX_DEFER_SECONDS = 30.0
MAX_DEFER_BACKLOG = 100_000

_wake = threading.Event()
_stop = threading.Event()
_writer = None
_writer_lock = threading.Lock()
WRITER_INTERVAL = 1.0  # seconds between looks at the list when nobody asks


def in_background():
    """Write from a thread of each web process (default outside tests), not in the request that
    happens to trigger it: a worker then never keeps a phone waiting while it writes a batch.
    Tests write inline, inside their transaction."""
    return bool(getattr(settings, "PROVISIONING_FETCH_WRITER_THREAD", not getattr(settings, "TESTING", False)))


def request_flush():
    """Called after a response was sent when should_flush() said so."""
    if not in_background():
        flush()
        return
    global _writer
    if _writer is None or not _writer.is_alive():
        with _writer_lock:
            if _writer is None or not _writer.is_alive():
                # Started lazily, in the worker process (gunicorn --preload forks after import).
                _writer = threading.Thread(target=_write_forever, name="provisioning-fetch-writer", daemon=True)
                _writer.start()
    _wake.set()


def _write_forever():
    from django.db import connection as thread_connection

    try:
        while not _stop.is_set():
            _wake.wait(WRITER_INTERVAL)
            _wake.clear()
            try:
                _wait_while_busy()
                thread_connection.close_if_unusable_or_obsolete()
                if pending():
                    flush(budget=None)
            except Exception:  # Redis or the database away for a moment: the records wait
                logger.exception("Could not write buffered provisioning fetches")
                time.sleep(WRITER_INTERVAL)
    finally:
        thread_connection.close()


def _wait_while_busy():
    """Let a storm pass before writing (see BUSY_SECONDS), within the bounds above."""
    deferred_since = time.monotonic()
    while not _stop.is_set():
        now = time.monotonic()
        if now - _last_queued >= BUSY_SECONDS or now - deferred_since >= MAX_DEFER_SECONDS:
            return
        if pending() >= MAX_DEFER_BACKLOG:
            return
        _stop.wait(BUSY_SECONDS)


def stop_writer(timeout=5):
    """Stop this process's writer thread (tests; a process that exits needs nothing)."""
    global _writer
    if _writer is not None:
        _stop.set()
        _wake.set()
        _writer.join(timeout)
        _writer = None
        _stop.clear()


def pending():
    client = _client()
    return client.llen(LIST_KEY) if client is not None else 0


def _clean_ip(ip):
    """As devices stores it: a valid address or None."""
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return ip


def _clean_text(text, limit):
    """As devices stores telemetry: printable characters, cut to the field's length."""
    text = str(text or "")
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:limit]


def _update_sql(rows):
    """UPDATE ... FROM a VALUES list, returning the new fetch counts: one statement for a batch.
    PostgreSQL and SQLite (3.35+) both speak it; the casts are PostgreSQL's."""
    meta = Phone._meta
    col = {name: meta.get_field(name).column for name in ("id", "last_seen_at", "last_ip", "user_agent", "firmware", "fetch_count")}
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        row = "(%s::bigint, %s::timestamptz, %s::inet, %s, %s, %s::integer)"
    else:
        row = "(%s, %s, %s, %s, %s, %s)"
    return (
        f"WITH v(id, at, ip, ua, fw, n) AS (VALUES {', '.join([row] * rows)}) "
        f"UPDATE {table} SET {col['last_seen_at']} = v.at, {col['last_ip']} = v.ip, {col['user_agent']} = v.ua, "
        f"{col['firmware']} = CASE WHEN v.fw = '' THEN {table}.{col['firmware']} ELSE v.fw END, "
        f"{col['fetch_count']} = {table}.{col['fetch_count']} + v.n "
        f"FROM v WHERE {table}.{col['id']} = v.id "
        f"RETURNING {table}.{col['id']}, {table}.{col['fetch_count']}"
    )


def _single_statement_update():
    import sqlite3

    return connection.vendor == "postgresql" or (connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35))


@transaction.atomic
def record_fetches(items):
    """Write many fetch records at once (the bulk form of phone_record_fetch). Items of phones
    deleted meanwhile are dropped. Returns the number of fetch rows written."""
    by_phone = defaultdict(list)
    for item in items:
        by_phone[int(item["phone"])].append(item)
    updates = []  # (id, at, ip, ua, fw, n) per phone: the latest fetch, and how many
    fetch_rows = []
    for phone_id, phone_items in by_phone.items():
        phone_items.sort(key=lambda i: i["at"])
        firmware = ""
        for item in phone_items:
            at = datetime.fromisoformat(item["at"])
            ip = _clean_ip(item["ip"])
            user_agent = _clean_text(item["ua"], 255)
            fw = _clean_text(item["fw"], 64)
            firmware = fw or firmware
            fetch_rows.append(PhoneFetch(phone_id=phone_id, at=at, ip=ip, firmware=fw, user_agent=user_agent,
                                         file_name=_clean_text(item["file"], 64)))
        updates.append((phone_id, at, ip, user_agent, firmware, len(phone_items)))
    if not updates:
        return 0
    if _single_statement_update():
        params = []
        for phone_id, at, ip, user_agent, firmware, n in updates:
            params += [phone_id, connection.ops.adapt_datetimefield_value(at), ip, user_agent, firmware, n]
        with connection.cursor() as cursor:
            cursor.execute(_update_sql(len(updates)), params)
            new_counts = dict(cursor.fetchall())
    else:
        new_counts = {}
        for phone_id, at, ip, user_agent, firmware, n in updates:
            fields = {"last_seen_at": at, "last_ip": ip, "user_agent": user_agent, "fetch_count": F("fetch_count") + n}
            if firmware:
                fields["firmware"] = firmware
            if Phone.objects.filter(pk=phone_id).update(**fields):
                new_counts[phone_id] = Phone.objects.filter(pk=phone_id).values_list("fetch_count", flat=True).first()
    fetch_rows = [row for row in fetch_rows if row.phone_id in new_counts]  # phones deleted meanwhile
    PhoneFetch.objects.bulk_create(fetch_rows)
    size = device_operations.FETCH_LOG_SIZE
    added = {phone_id: n for phone_id, *_rest, n in updates}
    # Like devices: when a phone's count crosses a multiple of FETCH_LOG_SIZE, keep its latest
    # FETCH_LOG_SIZE rows. One query finds the surplus of all those phones, one deletes it.
    crossed = [pk for pk, count in new_counts.items() if count // size > (count - added[pk]) // size]
    if crossed:
        surplus = list(
            PhoneFetch.objects.filter(phone_id__in=crossed)
            .annotate(rank=Window(RowNumber(), partition_by=[F("phone_id")], order_by=[F("at").desc(), F("id").desc()]))
            .filter(rank__gt=size)
            .values_list("pk", flat=True)
        )
        if surplus:
            PhoneFetch.objects.filter(pk__in=surplus).delete()
    return len(fetch_rows)
