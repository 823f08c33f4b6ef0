"""The provisioning security log (PRV-5): one line per refused request, for fail2ban.

Written to the ``connect.security`` logger (settings.LOGGING) as::

    provisioning-denied ip=203.0.113.7 reason=bad-ticket method=GET path=/prov/***/snom/snomD345.htm

The ticket segment, and any other run of ticket characters as long as a ticket, is replaced by
``***`` and the path is reduced to printable ASCII
(percent-encoded otherwise) and cut at 200 characters, so neither a ticket nor a forged control
character reaches the log. ``reason`` is one word; a fail2ban filter can ignore
``reason=not-provided`` (files every healthy Mitel asks for: .tuz, .lic, firmware):

    failregex = connect-security provisioning-denied ip=<HOST> reason=(?!not-provided)\\S+
"""

import logging
import re
from urllib.parse import quote

from django.conf import settings

logger = logging.getLogger("connect.security")

PREFIX = "/prov/"
MAX_LOGGED_PATH = 200
# Anything as long as the shortest ticket we accept, wherever it appears (e.g. /prov/../prov/<t>).
# File names stay readable: the longest, "snomD345-000413A11FA7", has 21 such characters.
_TICKET_LIKE = re.compile(r"[A-Za-z0-9_-]{22,}")


def client_ip(request):
    """REMOTE_ADDR, or the address the configured number of trusted proxies saw (X-Forwarded-For)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "PROVISIONING_PROXY_COUNT", getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)) or 0)
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    return remote[:64]


def masked_path(path):
    """The request path with the ticket segment replaced by *** (printable ASCII only)."""
    path = path or ""
    if path.startswith(PREFIX):
        rest = path[len(PREFIX):]
        _ticket, sep, tail = rest.partition("/")
        path = PREFIX + "***" + sep + tail
    path = _TICKET_LIKE.sub("***", path)
    safe = quote(path, safe="/-._~*+:@!$&'()=,;")
    if len(safe) > MAX_LOGGED_PATH:
        safe = safe[:MAX_LOGGED_PATH] + "..."
    return safe


def log_denied(request, reason):
    method = "".join(ch for ch in (request.method or "")[:10] if ch.isalpha()) or "-"
    logger.info(
        "provisioning-denied ip=%s reason=%s method=%s path=%s",
        client_ip(request) or "-",
        reason,
        method,
        masked_path(request.path),
    )


def log_added(request, organisation_id, mac):
    """An unknown phone was added automatically (wazo-provd logs the same for fail2ban)."""
    logger.info(
        "provisioning-auto-added ip=%s organisation=%s mac=%s", client_ip(request) or "-", organisation_id, mac
    )
