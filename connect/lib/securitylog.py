"""The security log and the masking of secrets in every log (PRV-5, ARCHITECTURE.md invariant 6).

**Security log.** One line per security event, on the ``connect.security`` logger
(settings.LOGGING writes it to SECURITY_LOG_FILE), in one format that fail2ban reads::

    2026-11-26 01:02:03 connect-security <event> ip=<client address> key=value ...

``log_event(event, request, **fields)`` writes it. The address always comes first, right after the
event, so a filter can anchor on ``connect-security <event> ip=<HOST> ``. Every value is masked
(see below), then percent-encoded outside a small safe set and cut at 200 characters: a value
never holds a space, a control character or a line break, so a crafted username cannot forge a
field or a line. Events: ``provisioning-denied``, ``provisioning-auto-added`` (provisioning),
``signin-failed`` and ``signin-locked-out`` (the portal's and the admin's sign-in, through
django-axes). Passwords are never passed in.

**Masking.** ``mask(text)`` replaces every ticket-like token in a text by ``***``. Provisioning
tickets are ``secrets.token_urlsafe(32)``: 43 characters of the URL-safe base64 alphabet
``[A-Za-z0-9_-]``, and the endpoint accepts 22 to 128 of them. So any run of at least 22 such
characters is ticket-like, wherever it stands (``/prov//<T>/``, ``/Prov/<T>``, ``//prov/<T>``, a
query string, a Referer), also when some or all of its characters are percent-encoded, once or
more (``%20<T>``, ``%54...``, ``%2554...``): a run of alphabet characters and ``%XX`` escapes is
decoded before it is judged, and masked whole. The segment after ``/prov/`` (any case, any
number of slashes) is masked whatever its length. File names stay readable: the longest one
phones ask for, ``snomD345-000413A11FA7``, has 21 such characters.

``SecretMaskingFilter`` applies ``mask`` to the message of every record it sees (and escapes
control characters, so that a decoded ``%0A`` in a path cannot start a new line). It sits on the
django.request, django.server and django.security.csrf loggers (settings.LOGGING) and on
gunicorn's access and error logs (provisioning.accesslog). Tracebacks are left as they are: they
hold code, not request paths, and identifiers such as ``response_for_exception`` look like
tickets.
"""

import ipaddress
import logging
import re
from urllib.parse import quote, unquote

from django.conf import settings

from connect.lib.hotsettings import setting

logger = logging.getLogger("connect.security")

TICKET_MIN_LENGTH = 22  # the shortest ticket provisioning accepts (views._TICKET)
MASK = "***"
MAX_VALUE = 200

# Runs of at least TICKET_MIN_LENGTH alphabet characters or %XX escapes: a shorter run cannot
# hold a ticket, however it decodes (each character or escape decodes to at most one character).
# Matching only those keeps mask() cheap on the access log, which it sees on every request.
_RUN = re.compile(rf"(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{{2}}){{{TICKET_MIN_LENGTH},}}")
# Spans that can hold such a run (its characters, as many): found first, by a much cheaper scan.
_CANDIDATE = re.compile(rf"[A-Za-z0-9_%-]{{{TICKET_MIN_LENGTH},}}")
_TICKET_LIKE = re.compile(rf"[A-Za-z0-9_-]{{{TICKET_MIN_LENGTH},}}")
_PROV_SEGMENT = re.compile(r"(/prov/+)(?:[^/?#\s]+|(?=[?#]|$))", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SAFE = "/-._~*+:@!$&'()=,;[]"


def _decoded(run):
    """`run` with its percent-escapes decoded, repeatedly (double encoding)."""
    for _ in range(4):
        if "%" not in run:
            break
        decoded = unquote(run, errors="replace")
        if decoded == run:
            break
        run = decoded
    return run


def _mask_run(match):
    run = match.group(0)
    if "%" in run:
        return MASK if _TICKET_LIKE.search(_decoded(run)) else run
    return MASK  # TICKET_MIN_LENGTH or more alphabet characters


def mask(text):
    """`text` with every ticket-like token replaced by ***."""
    if not text:
        return text
    text = _CANDIDATE.sub(_mask_candidate, str(text))
    if "/" in text:
        text = _PROV_SEGMENT.sub(_mask_segment, text)
    return text


def _mask_candidate(span):
    text = span.group(0)
    if "%" not in text:  # a run of TICKET_MIN_LENGTH or more alphabet characters
        return MASK
    return _RUN.sub(_mask_run, text)


def _mask_segment(match):
    return match.group(1) + MASK


def one_line(text):
    """Control characters (line breaks included) written as escapes."""
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class SecretMaskingFilter(logging.Filter):
    """Mask ticket-like tokens (and escape control characters) in a record's message."""

    def filter(self, record):
        if getattr(record, "connect_masked", False):  # masked by its writer (provisioning.accesslog)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format: let the handler report it as usual
            return True
        record.msg = one_line(mask(message))
        record.args = None
        return True


def field(value):
    """A value as the security log writes it: masked, percent-encoded outside a safe set, cut."""
    text = quote(mask(str(value if value is not None else "")), safe=_SAFE)
    if len(text) > MAX_VALUE:
        text = text[:MAX_VALUE] + "..."
    return text or "-"


def _proxy_count():
    configured = setting("PROVISIONING_PROXY_COUNT", None)
    if configured is None:
        configured = setting("AXES_IPWARE_PROXY_COUNT", 0)
    return int(configured or 0)


def client_ip(request):
    """REMOTE_ADDR, or the address the configured number of trusted proxies saw (X-Forwarded-For)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = _proxy_count()
    if proxies > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    return remote[:64]


def _address(ip):
    """The address as fail2ban's <HOST> reads it (an IP), or "-"."""
    try:
        address = ipaddress.ip_address((ip or "").split("%", 1)[0])
    except ValueError:
        return "-"
    return str(getattr(address, "ipv4_mapped", None) or address)  # ::ffff:192.0.2.1 is 192.0.2.1


def log_event(event, request=None, *, ip=None, **fields):
    """Write one security-log line: ``<event> ip=<address> key=value ...``.

    `ip` defaults to the request's client address (client_ip). Values go through field(); never
    pass a password or a ticket (a ticket would be masked, but still).
    """
    if ip is None:
        ip = client_ip(request) if request is not None else ""
    parts = [event, f"ip={_address(ip)}"]
    parts.extend(f"{key}={field(value)}" for key, value in fields.items())
    logger.info(" ".join(parts))


# -- sign-in events (django-axes), connected in connect.apps --------------------------------------


def _username(credentials):
    field_name = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    return (credentials or {}).get(field_name, "")


def _request_path(request):
    return getattr(request, "path", "") if request is not None else ""


def on_user_login_failed(sender, credentials=None, request=None, **kwargs):
    """Django's user_login_failed (every failed sign-in: portal, admin, welcome page)."""
    log_event("signin-failed", request, user=_username(credentials), path=_request_path(request))


def on_user_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes' user_locked_out: the lock-out, and every attempt while it lasts."""
    ip = client_ip(request) if request is not None else ip_address
    log_event(
        "signin-locked-out", request, ip=ip or "", user=username or "", path=_request_path(request)
    )
