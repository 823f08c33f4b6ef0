"""Recording fetches ("sidst set", PRV-5) without a database write per request.

A web process keeps the fetches it must record in memory and a background thread of its own
writes them in bulk through devices.operations.phone_record_fetches (one UPDATE and one INSERT
per batch of BATCH fetches). A boot storm of 10,000 phones then costs a few dozen statements
instead of 30,000, and no phone waits for them: while the process is busy serving phones the
writer waits (BUSY_SECONDS without a new fetch), within bounds (MAX_DEFER_SECONDS,
MAX_DEFER_BACKLOG), so "sidst set" lags by about a second, or by the length of a storm.

What is kept in memory is telemetry, bounded (MAX_PENDING, the oldest are dropped beyond it),
written when the process exits normally (a gunicorn worker that is restarted or stopped), and
kept for the next attempt while the database is away (retried with a growing pause). The writer
thread has a database connection of its own: count three per web process in max_connections
(with provisioning.memory's LISTEN connection). A process killed outright loses at most
the last second or so of "last seen" updates, never anything an administrator entered.

Outside web processes (tests, scripts, the management shell) each fetch is written at once,
inside the caller's transaction.
"""

import atexit
import logging
import os
import threading
import time
from collections import deque

from django.db import DatabaseError, DataError, IntegrityError
from django.utils import timezone

from connect.lib.hotsettings import setting
from devices import operations as device_operations

logger = logging.getLogger(__name__)

BATCH = 500
MAX_PENDING = 200_000
# While this process is busy serving phones (a boot storm), its writer waits: serving the next
# phone matters more than writing "last seen" a few seconds sooner. It writes anyway once it has
# waited MAX_DEFER_SECONDS or MAX_DEFER_BACKLOG fetches are waiting.
BUSY_SECONDS = 0.3
MAX_DEFER_SECONDS = 30.0
MAX_DEFER_BACKLOG = 50_000
WRITER_INTERVAL = 1.0  # seconds between looks at the buffer
MAX_RETRY_SECONDS = 60.0  # the longest wait between attempts while the database is away

_pending = deque(maxlen=MAX_PENDING)  # appends and pops from either end are thread-safe
_last_queued = 0.0
_stop = threading.Event()
_writer = None
_writer_lock = threading.Lock()


def in_background():
    """Buffer and write from a thread of each web process (default outside tests), or write each
    fetch at once (tests: inside their transaction)."""
    return bool(setting("PROVISIONING_FETCH_WRITER_THREAD", not setting("TESTING", False)))


def record(*, phone_id, ip, user_agent, firmware, file_name):
    """Record one fetch of a phone's file: buffered in a web process, else written at once."""
    global _last_queued
    fetch = device_operations.FetchRecord(phone_id, timezone.now(), ip or "", user_agent or "", firmware or "", file_name or "")
    if not in_background():
        device_operations.phone_record_fetches(fetches=[fetch])
        return
    if len(_pending) >= MAX_PENDING:
        _warn_full()
    _pending.append(fetch)
    _last_queued = time.monotonic()
    if _writer is None:  # the first fetch of this process (see _forked)
        _start_writer()


def pending():
    """Fetches of this process not written yet."""
    return len(_pending)


def write_pending():
    """Write this process's buffered fetches now; returns how many were written.

    Fetches of phones another transaction is changing (a long import) are not waited for: they
    go back to the buffer for the next round. While the database cannot take writes the rest
    goes back to the front of the buffer and the error is raised (the writer tries again later).
    A record the database refuses as invalid (it cannot happen with cleaned values, but one bad
    record must never block the others) is dropped with a warning."""
    written, later = 0, []
    try:
        while _pending:
            batch = []
            while _pending and len(batch) < BATCH:
                batch.append(_pending.popleft())
            written += _write(batch, later)
    finally:
        _pending.extend(later)
    return written


def _write(batch, later):
    """Write a batch; on a refused record, write it record by record and drop what is refused."""
    try:
        result = device_operations.phone_record_fetches(fetches=batch, skip_busy=True)
    except (DataError, IntegrityError):
        if len(batch) == 1:
            logger.warning("Dropped a fetch record of phone %s that the database refused", batch[0].phone_id, exc_info=True)
            return 0
        written = 0
        for index, record in enumerate(batch):
            try:
                written += _write([record], later)
            except DatabaseError:  # the database went away half-way (this record is back already)
                _put_back(batch[index + 1:])
                raise
        return written
    except DatabaseError:
        _put_back(batch)
        raise
    later.extend(result.busy)
    return result.written


def _put_back(batch):
    """Return a batch to the front of the buffer; when the buffer is full, its oldest records go."""
    room = MAX_PENDING - len(_pending)
    if room < len(batch):
        _warn_full()
        batch = batch[len(batch) - max(room, 0):] if room > 0 else []
    _pending.extendleft(reversed(batch))


_full_warned_at = 0.0


def _warn_full():
    """Warn that the buffer is full (the oldest records are dropped), at most once a minute."""
    global _full_warned_at
    now = time.monotonic()
    if now - _full_warned_at > 60:
        _full_warned_at = now
        logger.warning("The provisioning fetch buffer is full (%d records): the oldest are dropped", MAX_PENDING)


# -- the writer thread -------------------------------------------------------------------------


def _start_writer():
    global _writer
    with _writer_lock:
        if _writer is None or not _writer.is_alive():
            # Started lazily, in the web process itself (gunicorn --preload forks after import).
            _writer = threading.Thread(target=_write_forever, name="provisioning-fetch-writer", daemon=True)
            _writer.start()


def _forked():
    """In a forked child (a gunicorn worker) the parent's writer thread does not run."""
    global _writer, _writer_lock
    _writer, _writer_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forked)


def _write_forever():
    from django.db import connection

    failures = 0
    try:
        while not _stop.wait(min(WRITER_INTERVAL * 2**failures, MAX_RETRY_SECONDS)):
            if not _pending:
                continue
            _wait_while_busy()
            try:
                connection.close_if_unusable_or_obsolete()
                write_pending()
                failures = 0
            except Exception:  # the database is away for a moment: the records wait
                failures = min(failures + 1, 10)
                logger.exception("Could not write buffered provisioning fetches")
                connection.close()
    finally:
        connection.close()
        global _writer
        with _writer_lock:
            if _writer is threading.current_thread():  # the next fetch starts another
                _writer = None


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
    """Stop this process's writer thread, then write what is left (at exit; tests)."""
    global _writer
    writer = _writer
    if writer is not None:
        _stop.set()
        writer.join(timeout)
        if writer.is_alive():  # still writing: leave it the buffer
            return
        _writer = None
        _stop.clear()
    if _pending:
        try:
            write_pending()
        except Exception:
            logger.exception("Could not write %d buffered provisioning fetches at exit", len(_pending))
        finally:
            from django.db import connection

            connection.close()


atexit.register(stop_writer)
