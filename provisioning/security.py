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

``throttled(ip)`` is the whole check (one cache read); it needs nothing but the address, so a
leaner WSGI path for /prov/ can call it before Django builds a request.
"""

import hashlib
import ipaddress
import logging
import time

from django.conf import settings

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

__all__ = ["THROTTLE_CHECKED", "client_ip", "count_refusal", "log_added", "log_denied", "masked_path", "throttled"]


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
    return int(getattr(settings, "PROVISIONING_REFUSALS_PER_MINUTE", 60) or 0)


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


def _counter(ip):
    return f"refusals:{_client_key(ip)}"


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


def throttled(ip):
    """Has `ip` used up its refusals for this minute? One cache read; no database, no request."""
    limit = _limit()
    if limit <= 0:
        return False
    counter = _counter(ip)
    try:
        return count_read(counter) >= limit
    except Exception as exc:  # noqa: BLE001 - any cache failure
        _unavailable(exc)
        return False


def count_refusal(ip, reason):
    """Count a refusal of `reason` against the client address `ip`; write the one
    ``reason=throttled`` line when this refusal reaches the limit."""
    limit = _limit()
    if limit <= 0 or reason not in THROTTLED_REASONS:
        return
    counter = _counter(ip)
    try:
        count = count_in_window(counter, WINDOW)
    except Exception as exc:  # noqa: BLE001 - any cache failure
        _unavailable(exc)
        return
    if count == limit:
        log_event("provisioning-denied", ip=ip, reason="throttled", limit=limit, seconds=WINDOW)
