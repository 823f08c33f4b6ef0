"""customers read queries.

Numbers: "Vis tilgængelige numre" (ARCHITECTURE.md invariant 3) is the organisation's number
ranges minus the number registry, computed in the database and paginated by keyset (`after`):
nothing proportional to the size of a range is ever loaded into Python. Listed for a purpose
(a user's line, ...), it offers only the numbers that purpose accepts: the ranges are cut around
the values connect.lib.numbers refuses for it, the same rule the forms and the registry apply.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection

from connect.lib import numbers as numberlib
from customers.models import Number, NumberKind, NumberRange

MAX_LIMIT = 200
MAX_SEARCH_DIGITS = 16


@dataclass(frozen=True)
class FreeNumber:
    number: str  # stored form: "+4588887705" or "205"
    range_id: int

    @property
    def display(self):
        return numberlib.display(self.number)

    def __str__(self):
        return self.number


def _range_order(number_range):
    return (number_range.kind, number_range.first_value, len(number_range.first), number_range.pk)


def _parse_cursor(after):
    """The number after which the page starts, as a NormalisedNumber, or None (start)."""
    if not after:
        return None
    try:
        return numberlib.normalise(after, allow_local=True)
    except ValidationError:
        return None


def _start_value(number_range, cursor):
    """First value of `number_range` after `cursor` (None: the range lies wholly before it)."""
    if cursor is None:
        return number_range.first_value
    width_matches = cursor.kind == NumberKind.E164 or len(cursor.number) == len(number_range.first)
    if cursor.kind == number_range.kind and width_matches and number_range.first_value <= cursor.value <= number_range.last_value:
        return cursor.value + 1 if cursor.value < number_range.last_value else None
    # The cursor is in another range (or in none any more): compare range positions.
    cursor_key = (cursor.kind, cursor.value, len(cursor.number))
    range_key = (number_range.kind, number_range.first_value, len(number_range.first))
    return number_range.first_value if range_key > cursor_key else None


def _clean_search(search):
    """Only the digits of the search text; anything else can't match a number."""
    if not search:
        return ""
    return "".join(ch for ch in str(search) if "0" <= ch <= "9")[:MAX_SEARCH_DIGITS]


def _segments(start, stop, refused):
    """The (first, last) pieces of start..stop that lie outside the sorted `refused` intervals."""
    for first, last in refused:
        if last < start:
            continue
        if first > stop:
            break
        if first > start:
            yield start, first - 1
        start = last + 1
        if start > stop:
            return
    yield start, stop


def _free_in_segment(number_range, start, stop, limit, search):
    """Free numbers of one range from `start` to `stop`, in order, at most `limit`."""
    if connection.vendor == "postgresql":
        sql = _POSTGRES_SEARCH if search else _POSTGRES_GAPS
        width_filter = "AND length(n.number) = %(width)s" if number_range.kind == NumberKind.LOCAL else ""
        text = "('+' || s.v::text)" if number_range.kind == NumberKind.E164 else "lpad(s.v::text, %(width)s, '0')"
    else:
        sql = _SQLITE
        width_filter = ""
        text = "('+' || s.v)" if number_range.kind == NumberKind.E164 else "printf('%%0' || %(width)s || 'd', s.v)"
    search_filter = f"{'strpos' if connection.vendor == 'postgresql' else 'instr'}({text}, %(search)s) > 0 AND" if search else ""
    sql = sql.format(table=Number._meta.db_table, text=text, width_filter=width_filter, search_filter=search_filter)
    width = len(number_range.first)
    params = {
        "start": start,
        "stop": stop,
        "width": width,
        "org": number_range.organisation_id,
        "kind": number_range.kind,
        "search": search,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = [row[0] for row in cursor.fetchall()]
    return [FreeNumber(numberlib.from_value(number_range.kind, value, width), number_range.pk) for value in values]


# PostgreSQL, plain listing: walk the registry's (organisation, kind, value) index in order and
# let LEAD() find the gaps between used numbers; the walk stops as soon as `limit` gaps are
# found, and generate_series turns the gaps (plus the gap before the first used number) into
# numbers. Cost grows with the used numbers *before* the first free ones, never with the range.
_POSTGRES_GAPS = """
    WITH gaps AS (
        SELECT %(start)s::bigint AS lo,
               COALESCE((SELECT min(n.value) FROM {table} n
                         WHERE n.organisation_id = %(org)s AND n.kind = %(kind)s
                           AND n.value BETWEEN %(start)s AND %(stop)s {width_filter}),
                        %(stop)s::bigint + 1) - 1 AS hi
        UNION ALL
        (SELECT t.v + 1, COALESCE(t.nx, %(stop)s::bigint + 1) - 1
         FROM (SELECT n.value AS v, LEAD(n.value) OVER (ORDER BY n.value) AS nx
               FROM {table} n
               WHERE n.organisation_id = %(org)s AND n.kind = %(kind)s
                 AND n.value BETWEEN %(start)s AND %(stop)s {width_filter}
               ORDER BY n.value) t
         WHERE COALESCE(t.nx, %(stop)s::bigint + 1) > t.v + 1
         LIMIT %(limit)s)
    )
    SELECT s.v FROM gaps g, generate_series(g.lo, LEAST(g.hi, g.lo + %(limit)s - 1)) AS s(v)
    WHERE g.lo <= g.hi
    ORDER BY s.v
    LIMIT %(limit)s
"""

# PostgreSQL, digit search: generate_series over the segment, keep the numbers containing the
# digits, anti-join with the registry through its unique (organisation, number) index.
_POSTGRES_SEARCH = """
    SELECT s.v FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS s(v)
    WHERE {search_filter}
          NOT EXISTS (SELECT 1 FROM {table} n WHERE n.organisation_id = %(org)s AND n.number = {text})
    ORDER BY s.v
    LIMIT %(limit)s
"""

# SQLite (development default): a recursive CTE counts through the segment in order and the
# anti-join probes the unique (organisation, number) index; LIMIT stops the counting.
_SQLITE = """
    WITH RECURSIVE s(v) AS (SELECT %(start)s UNION ALL SELECT v + 1 FROM s WHERE v < %(stop)s)
    SELECT s.v FROM s
    WHERE {search_filter}
          NOT EXISTS (SELECT 1 FROM {table} n WHERE n.organisation_id = %(org)s AND n.number = {text})
    LIMIT %(limit)s
"""


def _merge(intervals):
    merged = []
    for first, last in intervals:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def available_numbers(*, organisation, range=None, after=None, limit=50, search=None, purpose=None, local_range=None):  # noqa: A002 - the brief's name
    """Free numbers of the organisation's ranges (or of one range), in order, at most `limit`.

    `range` is a NumberRange of the organisation (or None for all). `after` is the last number of
    the previous page (keyset pagination). `search` keeps numbers containing those digits.
    `purpose` (a use of connect.lib.numbers: USER_LINE, ...) keeps the numbers that use accepts;
    without it, numbers no use accepts (emergency and service numbers) are left out.
    `local_range` (first, last) keeps only the local numbers between them (a function-number
    type's local range, SET-6); full numbers are not affected.
    Returns a list of FreeNumber; a short list means there are no more.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    ranges = NumberRange.objects.for_organisation(organisation)
    if range is not None:
        ranges = ranges.filter(pk=range.pk)
    cursor = _parse_cursor(after)
    digits = _clean_search(search)
    if search and str(search).strip() and not digits:
        return []  # text without digits 0-9 can't be part of any number
    search = digits
    refused = {kind: numberlib.refused_values(kind, purpose) for kind in NumberKind.values}
    if local_range is not None:
        first, last = local_range
        outside = [(0, first - 1), (last + 1, 10**7)]
        refused[NumberKind.LOCAL] = _merge(sorted(refused[NumberKind.LOCAL] + outside))
    result = []
    for number_range in sorted(ranges, key=_range_order):
        start = _start_value(number_range, cursor)
        if start is None:
            continue
        for first, last in _segments(start, number_range.last_value, refused[number_range.kind]):
            result.extend(_free_in_segment(number_range, first, last, limit - len(result), search))
            if len(result) >= limit:
                return result
    return result


def count_in_use(number_range):
    """How many registry numbers lie in the range (for the ranges list)."""
    from customers.operations.numbers import numbers_in_range

    return numbers_in_range(number_range).count()


# --- two-factor sign-in ------------------------------------------------------------------------


def two_factor_enrolled(user):
    """Has `user` a confirmed authenticator app (django-otp TOTP device)?"""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if user is None or not getattr(user, "pk", None):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user):
    """Must `user` set up two-factor sign-in before using the portal? Everyone who gets into the
    organisation's portal (OrgAdmins and people with delegated access: group administrators,
    ACD supervisors, controllers; customers.permissions.has_portal_access) when the organisation
    requires it; support staff when OTP_REQUIRED_FOR_STAFF is on. Standard users never get in, so
    nothing is asked of them."""
    from django.conf import settings

    from customers import permissions

    if user is None or not user.is_authenticated:
        return False
    if user.is_staff and settings.OTP_REQUIRED_FOR_STAFF:
        return True
    if not user.organisation_id or not user.organisation.require_2fa:
        return False
    return user.is_org_admin or permissions.has_delegated_access(user, user.organisation)


def recovery_codes_left(user):
    """How many unused recovery codes `user` has."""
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
