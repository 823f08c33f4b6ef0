"""The phones' lookup answered from each web process's memory (issue 14).

A boot storm asks for every phone's file once. Answering each request with one database round
trip caps the fast path below what a bare Django page costs on a small machine (measured: a
WSGI hello world that runs one indexed SELECT per request reaches 1.7x a trivial Django view,
never 2x). So each web process keeps, per organisation whose ticket it has seen, what the
phones' lookup (queries.lookup) returns for it: the ticket's row, its phones (id, MAC, model,
configuration version) and their stored files (encrypted; once asked for, in the form
cache.sealed makes, neither compressed nor base64-encoded: reading one then costs 2-3
microseconds instead of 25; measured: 1.4 KB per phone loaded, 3.0 KB once served). Once the
database has confirmed an organisation's ticket, a thread of the process loads all of it in
three queries (queries.organisation_snapshot), while its requests read the database as before (a first
request does not wait for thousands of phones to load); from then on a request of that
organisation costs no query at all.

Never stale. PostgreSQL triggers (migration 0003_change_notifications) NOTIFY on the channel
``connect_provisioning`` from inside every transaction that changes what the lookup returns; each
process LISTENs on a connection of its own and applies the notifications before it answers a
request from memory (a non-blocking read of that connection's socket) and in a watcher thread
between requests. So:

- a renewed ticket, a changed organisation: the organisation's entry is dropped (``o<id>``);
- a phone added, removed or changed, a file stored: that MAC is read from the database again
  (``p<organisation>:<MAC>``); the organisation is reloaded when many of its phones changed;
- a notification that arrives while an organisation loads is applied to what was loaded;
- anything this process cannot vouch for (the LISTEN connection is not up, or was lost and
  notifications may have been missed) is not answered from memory: the request reads the
  database as it always did, and the memory starts empty once listening again.

Renewal is effective on every process once PostgreSQL has delivered the commit's notification
(the next request of each process reads it first), typically well under a millisecond after
the commit, with no time-to-live anywhere.

What memory never answers (the database does, as before): an unknown ticket (refusals are
counted by the refusal throttle), a MAC that is not one of the organisation's phones (auto-add,
another organisation's phone), a phone whose file is not stored, organisations beyond
PROVISIONING_MEMORY_PHONES phones, and everything while PROVISIONING_FETCH_RECORD_SECONDS is set
(recording then depends on each phone's last fetch). Only the fast path (provisioning.fastpath)
asks it; Django's path always reads the database. Off on databases other than PostgreSQL, in the
test suite unless a test turns it on, and with PROVISIONING_MEMORY=0.
"""

import logging
import os
import select
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import OperationalError, pq

from provisioning import cache as prov_cache
from provisioning import queries
from provisioning.models import ticket_digest

logger = logging.getLogger(__name__)

CHANNEL = "connect_provisioning"
RECENT = 4096  # notifications kept to apply to loads that were under way when they arrived
RECONNECT_SECONDS = 5.0
WATCH_SECONDS = 5.0


@dataclass
class _Phone:
    pk: int
    model: str
    config_version: int
    # family -> (stamp, body): as stored until first asked for, then as cache.sealed makes it
    files: dict = field(default_factory=dict)


@dataclass
class _Organisation:
    ticket: queries.TicketRow
    digest: str
    phones: dict  # MAC -> _Phone; None when the organisation has too many phones to keep
    stale: set = field(default_factory=set)  # MACs to read from the database

    @property
    def size(self):
        return len(self.phones) if self.phones is not None else 1


def _too_stale(entry):
    """So many of the organisation's phones changed that loading it again is cheaper than reading
    them one by one."""
    return len(entry.stale) > max(64, len(entry.phones) // 10)


class _Listener:
    """A connection of its own that LISTENs on CHANNEL (psycopg, configured as Django's)."""

    def __init__(self):
        wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        self.conn = wrapper.get_new_connection(wrapper.get_connection_params())
        self.conn.autocommit = True
        self.conn.execute(f"LISTEN {CHANNEL}")

    def fileno(self):
        return self.conn.fileno()

    def received(self):
        """The payloads received so far, without waiting; raises when the connection is lost."""
        pgconn = self.conn.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            raise OperationalError("the LISTEN connection is closed")
        pgconn.consume_input()
        payloads = []
        while (notification := pgconn.notifies()) is not None:
            payloads.append(notification.extra.decode())
        return payloads

    def close(self):
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


class Memory:
    """This process's phones' lookups (one instance per process: `memory` below)."""

    def __init__(self, listener_factory=_Listener, background=False):
        self._listener_factory = listener_factory
        self.background = background  # load organisations in a thread (else in the request)
        self._lock = threading.RLock()
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._listener = None
        self._epoch = 0  # raised whenever listening (re)starts: loads under way are void
        self._next_attempt = 0.0
        self._organisations = OrderedDict()  # digest -> _Organisation, least recently used first
        self._by_id = {}  # organisation id -> digest
        self._phones = 0
        self._seq = 0
        self._recent = deque(maxlen=RECENT)  # (seq, organisation id, MAC or None)
        self._watcher = None
        self._token = object()  # the threads of this state: they end when this changes
        self._queued = deque()  # digests of organisations to load in the background
        self._loader = None

    # -- switches --------------------------------------------------------------------------

    _enabled = None  # read from the settings once (again after a setting_changed: tests)

    def enabled(self):
        if self._enabled is None:
            Memory._enabled = (
                bool(getattr(settings, "PROVISIONING_MEMORY", False))
                and connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
                and not int(getattr(settings, "PROVISIONING_FETCH_RECORD_SECONDS", 0))
                and bool(getattr(settings, "PROVISIONING_CACHE_FILES", True))
            )
        return self._enabled

    def _limit(self):
        return int(getattr(settings, "PROVISIONING_MEMORY_PHONES", 50_000))

    # -- notifications ---------------------------------------------------------------------

    def _ready(self):
        """Listening and up to date with every notification delivered so far? (under the lock)"""
        if self._pid != os.getpid():  # a forked worker (gunicorn --preload): start afresh
            self._reset()
        if self._listener is None and not self._connect():
            return False
        try:
            self._apply(self._listener.received())
        except Exception:  # noqa: BLE001 - the connection was lost: nothing here can be vouched for
            logger.warning("Lost the provisioning LISTEN connection; phones are served from the database", exc_info=True)
            self._drop_listener()
            return False
        return True

    def _connect(self):
        now = time.monotonic()
        if now < self._next_attempt:
            return False
        self._next_attempt = now + RECONNECT_SECONDS
        try:
            self._listener = self._listener_factory()
        except Exception:  # noqa: BLE001 - the database is away: the requests read it (and fail) as before
            logger.warning("Could not LISTEN for provisioning changes; phones are served from the database", exc_info=True)
            self._listener = None
            return False
        self._forget_all()
        self._epoch += 1
        self._start_watcher()
        return True

    def _drop_listener(self):
        if self._listener is not None:
            self._listener.close()
        self._listener = None
        self._forget_all()
        self._epoch += 1

    def _forget_all(self):
        self._organisations.clear()
        self._by_id.clear()
        self._phones = 0

    def _apply(self, payloads):
        for payload in payloads:
            self._seq += 1
            kind, _, rest = payload.partition(":") if payload.startswith("p") else (payload, "", "")
            try:
                organisation_id = int(kind[1:])
            except ValueError:
                continue
            mac = rest if payload.startswith("p") else None
            self._recent.append((self._seq, organisation_id, mac))
            digest = self._by_id.get(organisation_id)
            if digest is None:
                continue
            if mac is None:
                self._forget(digest)
            else:
                self._mark_stale(digest, mac)

    def _mark_stale(self, digest, mac):
        entry = self._organisations[digest]
        if entry.phones is None:
            return
        entry.stale.add(mac)
        if _too_stale(entry):  # many changed: load it again
            self._forget(digest)

    def _forget(self, digest):
        entry = self._organisations.pop(digest, None)
        if entry is not None:
            self._by_id.pop(entry.ticket.organisation_id, None)
            self._phones -= entry.size

    def _start_watcher(self):
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._watch, name="provisioning-memory", daemon=True)
            self._watcher.start()

    def _watch(self):
        """Read notifications while no request does (an idle process must not hold PostgreSQL's
        notification queue back), and listen again after a lost connection."""
        token = self._token
        while self._token is token:
            listener = self._listener
            if listener is not None:
                try:
                    select.select([listener.fileno()], [], [], WATCH_SECONDS)
                except (OSError, ValueError):
                    pass
            else:
                threading.Event().wait(RECONNECT_SECONDS)
            with self._lock:
                if self._token is not token:
                    return
                self._ready()

    # -- the lookup --------------------------------------------------------------------------

    def mark(self):
        """A position in the notification stream, for remember()."""
        with self._lock:
            return (self._epoch, self._seq)

    def lookup(self, ticket, mac, family):
        """What queries.lookup(ticket, mac, family=family) returns, from memory, or None when
        memory cannot answer (the caller reads the database)."""
        digest = ticket_digest(ticket)
        with self._lock:
            if not self._ready():
                return None
            entry = self._organisations.get(digest)
            if entry is not None:
                self._organisations.move_to_end(digest)
            epoch, seq = self._epoch, self._seq
        if entry is None:
            if self.background:  # loaded once the database confirmed the ticket (remember)
                return None
            entry = self._load(digest, epoch, seq)
            if entry is None:
                return None
        if not mac:
            return entry.ticket, None
        phones = entry.phones
        if phones is None or mac in entry.stale:
            return None
        phone = phones.get(mac)
        if phone is None:
            return None
        stamp, body = phone.files.get(family, ("", "")) if family else ("", "")
        if body and isinstance(body, str):  # as stored: from now on kept in the cheaper form
            stored, body = body, prov_cache.sealed(body)
            with self._lock:
                if phone.files.get(family) == (stamp, stored):  # unless replaced meanwhile
                    phone.files[family] = (stamp, body)
        return entry.ticket, queries.PhoneRow(
            phone.pk, entry.ticket.organisation_id, phone.model, 0, "", "", "", False, phone.config_version, stamp, body
        )

    def _load(self, digest, epoch, seq):
        snapshot = queries.organisation_snapshot(digest, max_phones=self._limit())
        if snapshot is None:  # an unknown ticket: never kept
            return None
        ticket_row, phones, files = snapshot
        entry = _Organisation(ticket_row, digest, None)
        if phones is not None:
            entry.phones = {mac: _Phone(pk, model, version) for pk, mac, model, version in phones}
            by_pk = {phone.pk: phone for phone in entry.phones.values()}
            for phone_id, family, stamp, body in files:
                phone = by_pk.get(phone_id)
                if phone is not None:
                    phone.files[family] = (stamp, body)
        with self._lock:
            if not self._ready() or self._epoch != epoch:
                return None
            for _seq, organisation_id, mac in self._events_since(seq):
                if organisation_id != ticket_row.organisation_id:
                    continue
                if mac is None:  # the ticket or the organisation changed while it loaded
                    return None
                entry.stale.add(mac)
            if entry.phones is not None and _too_stale(entry):
                return None
            if self._events_lost(seq):
                return None
            self._store(entry)
        return entry

    def _events_since(self, seq):
        return [event for event in self._recent if event[0] > seq]

    def _events_lost(self, seq):
        """Were notifications after `seq` pushed out of the recent ones already?"""
        return self._seq > seq and (not self._recent or self._recent[0][0] > seq + 1)

    def _store(self, entry):
        self._forget(entry.digest)
        old = self._by_id.get(entry.ticket.organisation_id)
        if old is not None:  # the organisation's previous ticket
            self._forget(old)
        limit = self._limit()
        while self._organisations and self._phones + entry.size > limit:
            self._forget(next(iter(self._organisations)))
        self._organisations[entry.digest] = entry
        self._by_id[entry.ticket.organisation_id] = entry.digest
        self._phones += entry.size

    # -- loading in the background -------------------------------------------------------------

    def _load_soon(self, digest):
        """Load this organisation in a thread of its own (one at a time per process), while its
        requests read the database as before: a process's first request of an organisation does
        not wait for thousands of phones to load, nor do the requests queued behind it."""
        with self._lock:
            if digest in self._organisations or digest in self._queued:
                return
            self._queued.append(digest)
            if self._loader is not None and self._loader.is_alive():
                return
            self._loader = threading.Thread(target=self._load_queued, name="provisioning-memory-load", daemon=True)
            self._loader.start()

    def _load_queued(self):
        from django.db import connection

        token = self._token
        try:
            while True:
                with self._lock:
                    if self._token is not token or not self._queued:
                        self._loader = None
                        return
                    digest = self._queued[0]
                    if not self._ready():
                        self._queued.clear()
                        self._loader = None
                        return
                    epoch, seq = self._epoch, self._seq
                try:
                    self._load(digest, epoch, seq)
                except Exception:  # noqa: BLE001 - the database is away: its requests read it as before
                    logger.warning("Could not load an organisation's phones into memory", exc_info=True)
                finally:
                    with self._lock:
                        if self._queued and self._queued[0] == digest:
                            self._queued.popleft()
        finally:
            connection.close()  # this thread's own connection

    def wait_for_loads(self, timeout=10.0):
        """Until the background loads queued so far are done (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while (self._queued or (self._loader is not None and self._loader.is_alive())) and time.monotonic() < deadline:
            time.sleep(0.01)

    def remember(self, ticket, mac, family, found, mark):
        """A lookup the database answered (`found`, read after mark()): keep its phone if its
        organisation is in memory and nothing about that phone was announced since. A valid
        ticket of an organisation not in memory has it loaded (in the background)."""
        ticket_row, phone_row = found
        if ticket_row is not None and self.background:
            digest = ticket_digest(ticket)
            if digest not in self._organisations:
                self._load_soon(digest)
                return
        if not mac or ticket_row is None or phone_row is None:
            return
        if phone_row.organisation_id != ticket_row.organisation_id:
            return
        digest = ticket_digest(ticket)
        with self._lock:
            entry = self._organisations.get(digest)
            if entry is None or entry.phones is None or entry.ticket != ticket_row:
                return
            if not self._ready() or self._epoch != mark[0] or self._events_lost(mark[1]):
                return
            for _seq, organisation_id, event_mac in self._events_since(mark[1]):
                if organisation_id == ticket_row.organisation_id and event_mac in (None, mac):
                    return
            phone = entry.phones.get(mac)
            if phone is None or phone.pk != phone_row.pk or phone.model != phone_row.model or phone.config_version != phone_row.config_version:
                if phone is None and len(entry.phones) >= self._limit():
                    return
                if phone is None:
                    self._phones += 1
                phone = entry.phones[mac] = _Phone(phone_row.pk, phone_row.model, phone_row.config_version)
            if family:
                phone.files[family] = (phone_row.file_stamp, phone_row.file_body)
            entry.stale.discard(mac)

    # -- tests ---------------------------------------------------------------------------------

    def clear(self):
        """Forget every organisation (tests)."""
        with self._lock:
            self._forget_all()

    def close(self):
        """Stop listening and forget everything (tests)."""
        with self._lock:
            self._drop_listener()
            self._reset()


memory = Memory(background=True)


def _settings_changed(**kwargs):
    Memory._enabled = None


setting_changed.connect(_settings_changed, dispatch_uid="provisioning.memory.settings")
