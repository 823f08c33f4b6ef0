"""Reads of the provisioning app."""

import hmac
import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.db import (
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    connection,
)
from django.utils import timezone

from customers.models import Organisation
from devices.models import Phone
from provisioning.models import RenderedFile, Ticket, ticket_digest
from provisioning.renderers import RingTones

FAMILIES = ("snom", "mitel", "mivoice")

logger = logging.getLogger(__name__)


def ticket_by_value(ticket):
    """The Ticket (with its organisation) whose clear value is `ticket`, or None.

    The database compares SHA-256 digests, never the secret; the digest found is compared again
    in constant time. A renewed ticket has no row any more: from the commit of the renewal on,
    every process gets None here.
    """
    digest = ticket_digest(ticket)
    found = Ticket.objects.select_related("organisation").filter(digest=digest).first()
    if found is None or not hmac.compare_digest(found.digest.encode(), digest.encode()):
        return None
    return found


@dataclass(frozen=True)
class TicketRow:
    """The ticket and its organisation's settings, as the endpoint needs them."""

    organisation_id: int
    generation: int
    organisation_name: str
    language: str
    time_zone: str
    config_version: int = 0

    @property
    def organisation(self):
        return Organisation.objects.get(pk=self.organisation_id)


@dataclass(frozen=True)
class PhoneRow:
    """The phone with the requested MAC: what decides whether a fetch must be recorded, its
    configuration version and its stored file of the requested family (cache.py)."""

    pk: int
    organisation_id: int
    model: str
    fetch_count: int
    firmware: str
    last_ip: str
    user_agent: str
    seen_recently: bool  # last_seen_at is after the `seen_after` given to lookup()
    config_version: int = 0
    file_stamp: str = ""
    file_body: str = ""


_LOOKUP_SQL = None


def _lookup_sql():
    """One statement for the hot path: the ticket, its organisation, the phone with the MAC and
    that phone's stored file of the requested family.

    Built from the models' table and column names, plain SQL that SQLite and PostgreSQL share.
    The phone is joined on the MAC alone (unique system-wide) so that another organisation's
    phone is recognised as such.
    """
    global _LOOKUP_SQL
    if _LOOKUP_SQL is None:
        t, o, p, r = Ticket._meta, Organisation._meta, Phone._meta, RenderedFile._meta
        col = lambda meta, name: meta.get_field(name).column  # noqa: E731
        seen = f"p.{col(p, 'last_seen_at')}"
        _LOOKUP_SQL = (
            f"SELECT t.{col(t, 'organisation')}, t.{col(t, 'generation')}, t.{col(t, 'digest')}, "
            f"o.{col(o, 'name')}, o.{col(o, 'default_language')}, o.{col(o, 'time_zone')}, "
            f"p.{col(p, 'id')}, p.{col(p, 'organisation')}, p.{col(p, 'model')}, p.{col(p, 'fetch_count')}, "
            f"p.{col(p, 'firmware')}, p.{col(p, 'last_ip')}, p.{col(p, 'user_agent')}, "
            f"CASE WHEN {seen} IS NOT NULL AND {seen} > %s THEN 1 ELSE 0 END, "
            f"t.{col(t, 'config_version')}, p.{col(p, 'config_version')}, r.{col(r, 'stamp')}, r.{col(r, 'body')} "
            f"FROM {t.db_table} t "
            f"INNER JOIN {o.db_table} o ON o.{col(o, 'id')} = t.{col(t, 'organisation')} "
            f"LEFT OUTER JOIN {p.db_table} p ON p.{col(p, 'mac')} = %s "
            f"LEFT OUTER JOIN {r.db_table} r ON r.{col(r, 'phone')} = p.{col(p, 'id')} AND r.{col(r, 'family')} = %s "
            f"WHERE t.{col(t, 'digest')} = %s"
        )
    return _LOOKUP_SQL


_PreparedCursor = None


def _prepared_cursor():
    """A cursor whose statements PostgreSQL keeps prepared on this connection (bound on the
    server), wrapped like any Django cursor (query logging, execute wrappers, error mapping).

    Every phone request runs the lookup: prepared, PostgreSQL parses and plans it once per
    connection instead of once per request (two thirds of the backend's CPU per fetch). Django
    leaves psycopg's prepare_threshold at None (never prepare); a threshold that is never reached
    makes psycopg prepare exactly the statements executed with prepare=True, so no other
    statement is prepared. (psycopg forgets its prepared statements on a rollback; the lookup is
    then prepared again on its next run.) Off with PROVISIONING_PREPARED_STATEMENTS=0 behind a
    pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21)."""
    global _PreparedCursor
    if _PreparedCursor is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparedCursor(ServerBindingCursor):
            def execute(self, query, params=None, **kwargs):
                return super().execute(query, params, prepare=True)

        _PreparedCursor = PreparedCursor
    connection.validate_thread_sharing()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = sys.maxsize
    with connection.wrap_database_errors:
        cursor = _PreparedCursor(raw)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


_prepared_refused = False  # the server (a pooler in front of it) refused prepared statements


def _fetch(params):
    if connection.vendor == "postgresql" and getattr(settings, "PROVISIONING_PREPARED_STATEMENTS", True) and not _prepared_refused:
        cursor = _prepared_cursor()
    else:
        cursor = connection.cursor()
    with cursor:
        cursor.execute(_lookup_sql(), params)
        return cursor.fetchone()


def _refuse_prepared(exc):
    global _prepared_refused
    if not _prepared_refused and connection.vendor == "postgresql":
        _prepared_refused = True
        logger.warning(
            "Prepared statements failed (%s); the phones' lookup runs unprepared in this process. "
            "Set PROVISIONING_PREPARED_STATEMENTS=0 behind a pooler that cannot keep them.", exc
        )


def lookup(ticket, mac="", seen_after=None, family=""):
    """(TicketRow, PhoneRow or None) for a request, or (None, None) for an unknown ticket.

    One query. The database compares SHA-256 digests, never the secret; the digest found is
    compared again in constant time. The PhoneRow carries the phone's stored file of `family`.
    """
    digest = ticket_digest(ticket)
    params = [connection.ops.adapt_datetimefield_value(seen_after or timezone.now()), mac or "", family or "", digest]
    if connection.in_atomic_block:
        row = _fetch(params)
    else:
        # Django's per-request health check costs a round trip (SELECT 1) before this query, a
        # third of a cached fetch. Skip it and retry once on a connection the server dropped.
        connection.health_check_done = True
        try:
            row = _fetch(params)
        except (OperationalError, InterfaceError, NotSupportedError, ProgrammingError) as exc:
            # Also a prepared statement the server can no longer use (a column type changed),
            # or one a connection pooler lost (PgBouncer in transaction mode before 1.21: from
            # then on this process does without).
            if isinstance(exc, ProgrammingError):
                _refuse_prepared(exc)
            connection.close()
            row = _fetch(params)
    if row is None or not hmac.compare_digest(str(row[2]).encode(), digest.encode()):
        return None, None
    ticket_row = TicketRow(row[0], row[1], row[3], row[4], row[5], row[14] or 0)
    phone_row = None
    if row[6] is not None:
        phone_row = PhoneRow(
            row[6], row[7], row[8], row[9] or 0, row[10] or "", str(row[11] or ""), row[12] or "", bool(row[13]),
            row[15] or 0, row[16] or "", row[17] or "",
        )
    return ticket_row, phone_row


def organisation_snapshot(digest, *, max_phones):
    """What the phones' lookup can return for the ticket with this digest, in bulk, for
    provisioning.memory: (TicketRow, phones, files), or None for an unknown ticket.

    phones: (id, MAC, model, configuration version) of every phone of the organisation, or None
    when it has more than `max_phones`; files: (phone id, family, stamp, body as stored) of
    their stored files. Three queries."""
    found = (
        Ticket.objects.filter(digest=digest)
        .values_list(
            "organisation_id", "generation", "digest", "organisation__name", "organisation__default_language",
            "organisation__time_zone", "config_version",
        )
        .first()
    )
    if found is None or not hmac.compare_digest(str(found[2]).encode(), digest.encode()):
        return None
    ticket_row = TicketRow(found[0], found[1], found[3], found[4], found[5], found[6] or 0)
    phones = list(
        Phone.objects.filter(organisation_id=ticket_row.organisation_id)
        .values_list("id", "mac", "model", "config_version")[: max_phones + 1]
    )
    if len(phones) > max_phones:
        return ticket_row, None, []
    files = list(
        RenderedFile.objects.filter(phone__organisation_id=ticket_row.organisation_id)
        .values_list("phone_id", "family", "stamp", "body")
    )
    return ticket_row, [(pk, mac, model, version or 0) for pk, mac, model, version in phones], files


def provisioning_url(ticket_value, family):
    return f"{settings.PROVISIONING_BASE_URL.rstrip('/')}/prov/{ticket_value}/{family}/"


def provisioning_urls(ticket):
    """{"snom": url, "mitel": url, "mivoice": url} for the SIP phones page (PRV-1..3)."""
    value = ticket.ticket
    return {family: provisioning_url(value, family) for family in FAMILIES}


def _ring_tone_user(phone):
    # The phone's line-1 user, as devices.queries.phone_config_data decides it (a free-seating
    # phone has none): that user's ring tones, else the organisation's.
    return None if phone.free_seating or phone.user_id is None else phone.user


def ring_tones_for_phones(phones):
    """{phone pk: RingTones} of SVC-17 for `phones` (Phone objects with their organisation and user):
    each phone's line-1 user's effective ring tones, the organisation's for a phone without one.

    Read through the services app's one resolver (services.queries.effective_ring_tones: three
    queries per organisation, four with phones without a user, whatever the number of phones).
    provisioning imports services here and in receivers.py/apps.py; services imports neither
    provisioning nor devices (ARCHITECTURE.md: no circular imports between apps)."""
    from services.queries import effective_ring_tones

    by_org = {}
    for phone in phones:
        by_org.setdefault(phone.organisation_id, []).append(phone)
    result = {}
    for org_phones in by_org.values():
        users = {user.pk: user for user in map(_ring_tone_user, org_phones) if user is not None}
        without_user = any(_ring_tone_user(p) is None for p in org_phones)
        values = effective_ring_tones(org_phones[0].organisation, users.values(), with_organisation=without_user)
        for phone in org_phones:
            user = _ring_tone_user(phone)
            found = values.get(user.pk if user is not None else None)
            result[phone.pk] = RingTones(**found) if found is not None else RingTones()
    return result


def ring_tones_for(phone):
    """SVC-17 ring tones for one phone (see ring_tones_for_phones)."""
    return ring_tones_for_phones([phone])[phone.pk]
