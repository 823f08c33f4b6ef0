"""The provisioning endpoint's security: its security-log lines and the refusal throttle (PRV-5).

Security log (connect.lib.securitylog, one format for fail2ban)::

    provisioning-denied ip=203.0.113.7 reason=bad-ticket method=GET path=/prov/***/snom/snomD345.htm

The ticket segment, and any other ticket-like token, is replaced by ``***`` (securitylog.mask).
``reason`` is one word; a fail2ban filter can ignore ``reason=not-provided`` (files every healthy
Mitel asks for: .tuz, .lic, firmware).

Throttle. Refusals of requests that hold no valid ticket (``THROTTLED_REASONS``) are counted per
client address in the shared cache (Redis when REDIS_URL is set, so every web process and machine
counts together; the process-local cache otherwise) in a window of 60 seconds from the first
one. An address with PROVISIONING_REFUSALS_PER_MINUTE such refusals in its window gets the common
404 for every request until the window is over, before any database query and without a log
line of its own: the refusal that reaches the limit writes one ``reason=throttled`` line instead. IPv6
clients are counted per /64 (one subscriber's prefix). Refusals under a valid ticket (foreign
MAC, unsupported model, files not provided...) are not counted: they come from the
organisation's phones, many of which may share one address behind NAT, and are in the security
log for fail2ban.

``throttled(ip)`` is the shared check (one cache read); it needs nothing but the address. The
endpoint calls ``refused(ip)`` instead, on every request: a phone's fetch must not pay a cache
round trip for a throttle that only concerns refusals. Each process remembers the addresses it
has seen reach the limit (``count_refusal`` returns the shared count, so the process that counts
a refusal at or beyond the limit learns it, whichever process counted the others) for one
window; ``refused(ip)`` reads the shared counter only for those, and forgets an address as soon
as the counter says its window is over. Every other request costs no cache access at all. So an
address throttled by other processes' counts costs this process one lookup: its next refused
request is counted here, sees the shared count at or past the limit, and from then on this
process too answers it before any database query (requests under a valid ticket from it are
served until then: they cost what a phone's fetch costs, and guess nothing).
"""

import hashlib
import ipaddress
import logging
import time

from connect.lib.hotsettings import setting
from connect.lib.securitylog import client_ip, log_event, mask, one_line
from provisioning.cache import count_in_window, count_read

logger = logging.getLogger(__name__)

WINDOW = 60  # seconds: PROVISIONING_REFUSALS_PER_MINUTE
# Refusals raised before a valid ticket was found (see views.serve).
THROTTLED_REASONS = frozenset({"method", "malformed-path", "bad-ticket"})

# Set in the WSGI environ by the fast path (provisioning.fastpath) once it found the address not
# throttled, so that a request it leaves to Django does not read the counter twice. Only the
# server sets environ keys without the HTTP_ prefix: a client cannot.
THROTTLE_CHECKED = "connect.provisioning.throttle_checked"

__all__ = [
    "THROTTLE_CHECKED",
    "client_ip",
    "count_refusal",
    "log_added",
    "log_denied",
    "masked_path",
    "refused",
    "throttled",
]


def masked_path(path):
    """The request path with every ticket-like token replaced by *** (for a log message)."""
    return one_line(mask(path or ""))


def log_denied(request, reason):
    method = "".join(ch for ch in (request.method or "")[:10] if ch.isalpha()) or "-"
    log_event("provisioning-denied", request, reason=reason, method=method, path=request.path)


def log_added(request, organisation_id, mac):
    """An unknown phone was added automatically (wazo-provd logs the same for fail2ban)."""
    log_event("provisioning-auto-added", request, organisation=organisation_id, mac=mac)


# -- throttle -------------------------------------------------------------------------------------


def _limit():
    return int(setting("PROVISIONING_REFUSALS_PER_MINUTE", 60) or 0)


def _client_key(ip):
    """The counter's name for an address: the IPv4 address, the IPv6 /64, or a digest."""
    try:
        address = ipaddress.ip_address((ip or "").split("%", 1)[0])
    except ValueError:
        return "x" + hashlib.sha256((ip or "").encode("utf-8", "replace")).hexdigest()[:16]
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)


_warned_at = 0.0


def _unavailable(exc):
    """The cache is down: the throttle lets everything through (phones must still boot), and
    says so at most once a minute per process."""
    global _warned_at
    now = time.monotonic()
    if now - _warned_at > WINDOW:
        _warned_at = now
        logger.warning(
            "Provisioning refusal throttle unavailable (%s): not throttling", type(exc).__name__
        )


def _count(key):
    """The shared refusal counter of the address `key` (a _client_key), or None when the cache
    fails (the throttle then lets the request through)."""
    try:
        return count_read(f"refusals:{key}")
    except Exception as exc:  # noqa: BLE001 - any cache failure
        _unavailable(exc)
        return None


def throttled(ip):
    """Has `ip` used up its refusals for this minute? One cache read; no database, no request."""
    limit = _limit()
    if limit <= 0:
        return False
    count = _count(_client_key(ip))
    return count is not None and count >= limit


# Addresses this process saw reach the limit (counter key -> time.monotonic() after which the
# window that throttled them is certainly over). Bounded: see _remember.
_known = {}
MAX_KNOWN = 10_000


def _remember(key):
    if len(_known) >= MAX_KNOWN:
        now = time.monotonic()
        for stale in [k for k, until in _known.items() if until <= now]:
            _known.pop(stale, None)
        if len(_known) >= MAX_KNOWN:  # a flood of addresses: start again (each costs one lookup)
            _known.clear()
    _known[key] = time.monotonic() + WINDOW


def refused(ip):
    """The endpoint's check, on every request: is `ip` throttled? Reads the shared counter only
    for an address this process has seen reach the limit in its current window (see the module
    docstring); for every other address no cache access at all."""
    if not _known:
        return False
    limit = _limit()
    if limit <= 0:
        return False
    key = _client_key(ip)
    until = _known.get(key)
    if until is None:
        return False
    if time.monotonic() < until:
        count = _count(key)
        if count is None:  # the cache failed: this request goes through, the address is kept
            return False
        if count >= limit:
            return True
    _known.pop(key, None)  # its window is over: count afresh
    return False


def count_refusal(ip, reason):
    """Count a refusal of `reason` against the client address `ip`; write the one
    ``reason=throttled`` line when this refusal reaches the limit. From a count at or past the
    limit on, this process refuses the address before any query (refused())."""
    limit = _limit()
    if limit <= 0 or reason not in THROTTLED_REASONS:
        return
    key = _client_key(ip)
    try:
        count = count_in_window(f"refusals:{key}", WINDOW)
    except Exception as exc:  # noqa: BLE001 - any cache failure
        _unavailable(exc)
        return
    if count >= limit:
        _remember(key)
    if count == limit:
        log_event("provisioning-denied", ip=ip, reason="throttled", limit=limit, seconds=WINDOW)
