"""The endpoint phones call (PRV-1..3, PRV-5) and the "Forny billet" action (PRV-4).

``/prov/<ticket>/<family>/<file>`` with family snom, mitel or mivoice. Every refusal (bad or
renewed ticket, another organisation's MAC, unsupported model, disagreeing User-Agent, malformed
path, method other than GET/HEAD, rate-limited auto-add, a phone's own file over plain HTTP) is
the same 404 response, changes nothing, and writes one line to the security log. An address that
sends too many requests without a valid ticket is throttled (provisioning.security): the same 404,
before any database query. Django's own "Not Found: <path>" warning is
suppressed for these responses: the path holds the ticket.

provisioning.middleware.ProvisioningMiddleware sends /prov/ requests straight here, past the
session, authentication, CSRF and message middleware (phones have none of those); the URL
pattern serves the same view when the middleware is not installed. In front of both,
provisioning.fastpath answers the common GET (a stored, current file of a known phone, a common
file) through `serve(..., stored_only=True)` without Django's handler, and leaves everything else
to this path.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from connect.lib.hotsettings import setting
from connect.lib.securitylog import TICKET_MIN_LENGTH
from connect.lib.views import no_access_response, require_organisation
from customers import permissions
from devices import catalog
from devices import operations as device_operations
from devices import queries as device_queries
from devices.models import Phone
from provisioning import cache as prov_cache
from provisioning import fetchlog, operations, queries, security, useragents
from provisioning.memory import memory
from provisioning.renderers import BY_FAMILY, GLOBAL, MODEL, NOT_PROVIDED, PHONE, RingTones, Site

logger = logging.getLogger(__name__)

NOT_FOUND_BODY = b"Not Found\n"
MAX_PATH = 200
# Tickets are secrets.token_urlsafe(32); shorter ones down to the length the logs mask are accepted.
_TICKET = re.compile(rf"[A-Za-z0-9_-]{{{TICKET_MIN_LENGTH},128}}")
_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_FAMILY_VENDOR = {"snom": useragents.SNOM, "mitel": useragents.MITEL, "mivoice": useragents.MITEL}


class Denied(Exception):
    """Refuse the request with the common 404; `reason` goes to the security log."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def plain(body, status, content_type="text/plain; charset=utf-8"):
    response = HttpResponse(body, status=status, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(body))
    # Django logs every 4xx/5xx as "Not Found: <path>"; the path holds the ticket.
    response._has_been_logged = True
    return response


def not_found():
    """The one refusal every failure gets: same status, body and headers."""
    return plain(NOT_FOUND_BODY, 404)


@dataclass(frozen=True)
class Request:
    ticket: str
    family: str
    filename: str


def parse_path(rest):
    """Split ``<ticket>/<family>/<file>``; Denied("malformed-path") for anything else."""
    if len(rest) > MAX_PATH or not rest.isascii() or not rest.isprintable():
        raise Denied("malformed-path")
    parts = rest.split("/")
    if len(parts) != 3:
        raise Denied("malformed-path")
    ticket, family, filename = parts
    if family not in BY_FAMILY or not _FILENAME.fullmatch(filename) or ".." in filename:
        raise Denied("malformed-path")
    if not _TICKET.fullmatch(ticket):
        raise Denied("bad-ticket")
    return Request(ticket, family, filename)


def _raw_path_is_clean(request):
    """Refuse encoded slashes, backslashes and NULs (servers that pass the raw URI on)."""
    raw = (request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or "").lower()
    return not any(bad in raw for bad in ("%2f", "%5c", "%00", "\\"))


def identify_model(renderer, route, agent):
    """The catalog model the request is for, from the User-Agent (PRV-5), or Denied."""
    vendor = _FAMILY_VENDOR[renderer.family]
    if renderer.family == "mivoice":
        # No public description of this phone's User-Agent (DEV-2): anything that is not a
        # recognised Snom or 68xx phone is taken for it; a Mitel UA must name this model.
        mivoice = next(m for m in catalog.PHONE_MODELS if m.renderer == renderer.renderer)
        if not agent.raw:
            raise Denied("unsupported-model")
        if agent.vendor == useragents.SNOM:
            raise Denied("unsupported-model")
        if agent.vendor == useragents.MITEL and catalog.by_identifier(vendor, agent.model) is not mivoice:
            raise Denied("unsupported-model")
        model = mivoice
    else:
        if agent.vendor != vendor or not agent.model:
            raise Denied("unsupported-model")
        model = catalog.by_identifier(vendor, agent.model)
        if model is None or model.renderer != renderer.renderer:
            raise Denied("unsupported-model")
    if route.identifier and catalog.by_identifier(vendor, route.identifier) is not model:
        raise Denied("model-mismatch")
    if route.mac and agent.mac and agent.mac != route.mac:
        raise Denied("mac-mismatch")
    return model


def _record_interval():
    return int(setting("PROVISIONING_FETCH_RECORD_SECONDS", 0))


def _telemetry(text, limit):
    """The form devices stores User-Agents in (printable, cut), for comparing with the row."""
    text = str(text or "")
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:limit]


def _record_due(phone_row, ip, agent):
    """Record this fetch? Every fetch is (PRV-5: buffered and written in bulk, see fetchlog).
    PROVISIONING_FETCH_RECORD_SECONDS (default 0) can thin the log: then a fetch is recorded
    when IP, firmware or User-Agent changed, else at most once per that many seconds."""
    if phone_row is None or not phone_row.seen_recently:
        return True
    return (
        phone_row.last_ip != (ip or "")
        or (agent.firmware and phone_row.firmware != _telemetry(agent.firmware, 64))
        or phone_row.user_agent != _telemetry(agent.raw, 255)
    )


def _auto_add(request, ticket, model, route, agent):
    """Add an unknown phone under a valid ticket, rate-limited per organisation (PRV-5)."""
    limit = int(getattr(settings, "PROVISIONING_AUTO_ADD_LIMIT", 100))
    window = int(getattr(settings, "PROVISIONING_AUTO_ADD_WINDOW", 600))
    if prov_cache.count_in_window(f"autoadd:{ticket.organisation_id}", window) > limit:
        raise Denied("auto-add-limit")
    try:
        phone = device_operations.phone_auto_add(
            organisation=ticket.organisation,
            mac=route.mac,
            model=model,
            ip=security.client_ip(request),
            user_agent=agent.raw,
            firmware=agent.firmware,
        )
    except ValidationError:
        # Added a moment ago by a parallel request of the same phone, or by someone else.
        phone = Phone.objects.filter(mac=route.mac).first()
        if phone is None or phone.organisation_id != ticket.organisation_id:
            raise Denied("foreign-mac") from None
        return phone
    security.log_added(request, ticket.organisation_id, route.mac)
    return phone


def _render(renderer, site, mac):
    phone = device_queries.phone_for_provisioning(mac)
    data = device_queries.phone_config_data(phone)
    ring_tones = queries.ring_tones_for(phone) if renderer.uses_ring_tones else RingTones()
    return renderer.render_phone(site, data, ring_tones)


def _record_fetch(request, phone_id, phone_row, agent, file_name):
    """Record a GET of one of the phone's files ("sidst set"), if due (see _record_due)."""
    if request.method == "HEAD":
        return
    ip = security.client_ip(request)
    if _record_due(phone_row, ip, agent):
        fetchlog.record(phone_id=phone_id, ip=ip, user_agent=agent.raw, firmware=agent.firmware, file_name=file_name)


def _stored_file(ticket, phone_row):
    """The phone's own file as stored (cache.py) if that is still current, else None."""
    if phone_row is None or not prov_cache.files_enabled():  # just added, or no stored files
        return None
    current = prov_cache.stamp(ticket.generation, ticket.config_version, phone_row.config_version)
    return prov_cache.cached_body(phone_row.file_stamp, phone_row.file_body, current)


def _rendered_file(renderer, site, ticket, phone_row, route):
    """The phone's own file rendered from the database (and stored, when files are stored)."""
    body = _render(renderer, site, route.mac)
    if phone_row is not None and prov_cache.files_enabled():
        versions = (ticket.generation, ticket.config_version, phone_row.config_version)
        prov_cache.store(phone_row.pk, renderer.family, prov_cache.stamp(*versions), body)
    return body


# The WSGI environ key under which a request carries its lookup result: the fast path
# (provisioning.fastpath) hands it on with a request it leaves to this path, a moment later, so a
# request costs one lookup either way. Only the server sets keys without the HTTP_ prefix.
LOOKUP = "connect.provisioning.lookup"


# Set by the fast path: this request may be answered from provisioning.memory (the full path
# always reads the database).
FROM_MEMORY = "connect.provisioning.from_memory"


def _lookup(request, ticket, mac, family):
    """queries.lookup for this request (once per request: see LOOKUP), or, on the fast path,
    the same answer from provisioning.memory when it holds one (no query: META[LOOKUP] unset)."""
    key = (ticket, mac, family)
    handed = request.META.get(LOOKUP)
    if handed is not None and handed[0] == key:
        return handed[1]
    if request.META.get(FROM_MEMORY):
        found = memory.lookup(ticket, mac, family)
        if found is not None:
            return found
    mark = memory.mark()
    seen_after = timezone.now() - timedelta(seconds=max(_record_interval(), 0))
    found = queries.lookup(ticket, mac, seen_after, family)
    request.META[LOOKUP] = (key, found)
    if request.META.get(FROM_MEMORY):
        memory.remember(ticket, mac, family, found, mark)
    return found


class Uncommon(Exception):
    """serve(stored_only=True) leaves this request to the full Django path (provisioning.fastpath)."""


def serve(request, rest, *, stored_only=False):
    """Answer one phone request; raises Denied for every refusal.

    `stored_only` (the fast path, provisioning.fastpath): raise Uncommon instead of doing
    anything but serving a file that needs no rendering from the database: a phone's stored
    and current file, or a common file. Then nothing has changed when Denied or Uncommon is
    raised, and the full path can answer the request from the start.
    """
    if request.method not in ("GET", "HEAD"):
        raise Denied("method")
    if not _raw_path_is_clean(request):
        raise Denied("malformed-path")
    req = parse_path(rest)
    renderer = BY_FAMILY[req.family]
    route = renderer.route(req.filename)
    agent = useragents.parse(request.META.get("HTTP_USER_AGENT"))
    # The phone: by the MAC in the path for its own file; for the files every phone of a model
    # fetches, by the MAC its User-Agent carries (to record the fetch, nothing else).
    own_file = route is not None and route.kind == PHONE
    common_file = route is not None and route.kind in (GLOBAL, MODEL)
    mac = route.mac if own_file else (agent.mac if common_file else "")
    if own_file and not (request.is_secure() or setting("PROVISIONING_ALLOW_HTTP")):
        # A phone's own file holds its SIP passwords: never over plain HTTP (is_secure() follows
        # SECURE_PROXY_SSL_HEADER behind a TLS proxy). The common files carry none, so phones can
        # still bootstrap over HTTP and learn the https setting server from them.
        raise Denied("plain-http")
    ticket, phone_row = _lookup(request, req.ticket, mac, req.family if own_file else "")
    if ticket is None:
        raise Denied("bad-ticket")
    if route is None:
        raise Denied("unknown-file")
    if route.kind == NOT_PROVIDED:
        raise Denied("not-provided")
    model = identify_model(renderer, route, agent)
    if common_file:
        body = renderer.render_common(_site(ticket, req.ticket), route, model)
        if phone_row is not None and phone_row.organisation_id == ticket.organisation_id and phone_row.model == model.code:
            _record_fetch(request, phone_row.pk, phone_row, agent, req.filename)
        return body, renderer.content_type

    assert route.kind == PHONE
    if phone_row is None:
        if stored_only:  # auto-add (or HEAD of an unknown phone)
            raise Uncommon("unknown-phone")
        if request.method == "HEAD":
            return "", renderer.content_type
        phone = _auto_add(request, ticket, model, route, agent)
        phone_id = phone.pk
    elif phone_row.organisation_id != ticket.organisation_id:
        raise Denied("foreign-mac")
    elif phone_row.model != model.code:
        raise Denied("model-mismatch")
    else:
        phone_id = phone_row.pk
    body = _stored_file(ticket, phone_row)
    if body is None and stored_only:
        raise Uncommon("not-stored")
    _record_fetch(request, phone_id, phone_row, agent, req.filename)
    if body is None:
        body = _rendered_file(renderer, _site(ticket, req.ticket), ticket, phone_row, route)
    return body, renderer.content_type


def _site(ticket_row, ticket):
    """What every file of the organisation carries (made only when a file is rendered)."""
    return Site(
        organisation_name=ticket_row.organisation_name,
        language=ticket_row.language,
        time_zone=ticket_row.time_zone,
        ticket=ticket,
    )


@csrf_exempt
def fetch(request, rest=""):
    """The endpoint: /prov/<ticket>/<family>/<file> (GET and HEAD)."""
    ip = security.client_ip(request)
    checked = request.META.get(security.THROTTLE_CHECKED)  # by the fast path, a moment ago
    if not checked and security.refused(ip):  # before any query; the crossing refusal wrote the log line
        return not_found()
    try:
        body, content_type = serve(request, rest)
    except Denied as exc:
        security.log_denied(request, exc.reason)
        security.count_refusal(ip, exc.reason)
        return not_found()
    except Exception:
        # Log without the path's ticket, answer without detail.
        logger.exception("Provisioning failed for %s", security.masked_path(request.path_info))
        return plain(b"Server Error\n", 500)
    encoded = body.encode("utf-8")
    response = plain(encoded, 200, content_type)
    if request.method == "HEAD":
        response.content = b""
        response["Content-Length"] = str(len(encoded))
    return response


# -- Forny billet (PRV-4) ---------------------------------------------------------------------


def _phones_page_url():
    try:
        return reverse("devices:phone_list")  # the SIP phones page shows the panel (DEV-1)
    except NoReverseMatch:
        return reverse("home")


@login_required
def ticket_renew(request):
    """GET: the confirmation page; POST: renew the organisation's ticket (OrgAdmin, audited).
    Both need the renew permission: the confirmation is only for those who may renew."""
    organisation = require_organisation(request)
    renew = permissions.RENEW_PROVISIONING_TICKET
    if not permissions.may(request.user, renew, organisation=organisation, write=True):
        return no_access_response(request)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = _phones_page_url()
    if request.method == "POST":
        operations.ticket_renew(organisation=organisation, by=request.user)
        messages.success(
            request,
            _(
                "The ticket was renewed. Phones can no longer fetch provisioning with the old URLs: "
                "update the URLs in Snom's and Mitel's redirect services."
            ),
        )
        return HttpResponseRedirect(back)
    return TemplateResponse(
        request,
        "provisioning/ticket_renew_confirm.html",
        {"back": back, "ticket": operations.ticket_for(organisation)},
    )
