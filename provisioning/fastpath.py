"""The phones' fast path: /prov/ answered before Django's request handler (issue 14).

connect.wsgi wraps Django's WSGI application in `FastPath`. A GET under /prov/ is tried here
first, in the same gunicorn process, without Django's handler, middleware chain, URL resolver or
response object:

1. the refusal throttle (provisioning.security.refused: a cache read only for an address this
   process saw reach the limit, none for a phone): a throttled address gets the common 404
   without any database query, as on the full path;
2. views.serve(..., stored_only=True), the very function the full path runs, which answers the
   common case: a valid ticket, a known phone whose User-Agent and MAC agree, and its stored,
   current file (or a common file, rendered from the ticket's row alone). It reads the request
   through `PhoneRequest`, Django's HttpRequest over the WSGI environ (is_secure() with
   SECURE_PROXY_SSL_HEADER, the client address, the User-Agent) without what WSGIRequest
   prepares for a view (query, cookies, body stream), takes the lookup from
   provisioning.memory (no query; PostgreSQL, kept current by notifications) or else runs the
   one lookup statement, and records the fetch through fetchlog;
3. the answer carries exactly the headers the full path's response gets: views._plain's, plus
   whatever the middleware in front of ProvisioningMiddleware adds (SecurityMiddleware). Those
   are taken from that middleware itself, once per status, content type and scheme, and reused.

Everything else falls through to Django unchanged, before anything was written: other methods
(HEAD included), every refusal (so its security-log line, its count and its 404 come from the
full path), an unknown phone (auto-add), a file not stored or not current, a phone's own file
over plain HTTP, and any error. Nothing is kept per process but the header lists (and
provisioning.security's addresses seen reaching the refusal limit) and provisioning.memory,
which every commit that changes a phone's answer reaches through PostgreSQL's notifications before
the next request is answered from it, so a renewed ticket serves nothing from then on.
Nothing is logged here (the path holds the ticket).
"""

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest, get_path_info
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

from provisioning import security, views
from provisioning.memory import memory
from provisioning.middleware import PREFIX

_MIDDLEWARE = "provisioning.middleware.ProvisioningMiddleware"


class FastPath:
    """WSGI application: /prov/ GETs it can answer itself, everything else to `django_app`."""

    def __init__(self, django_app):
        self.django_app = django_app

    def __call__(self, environ, start_response):
        if (
            environ.get("PATH_INFO", "").startswith(PREFIX)
            and environ.get("REQUEST_METHOD") == "GET"
        ):
            answer = respond(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.django_app(environ, start_response)


class PhoneRequest(HttpRequest):
    """What views.serve reads of a request (method, META, path_info, is_secure()), straight from
    the WSGI environ: Django's HttpRequest, its __init__ and WSGIRequest's left out (they
    prepare the query, cookies, uploads and body stream for a view; serve reads none of them).
    The path is decoded as WSGIRequest decodes it."""

    def __init__(self, environ):  # noqa: D107 - HttpRequest.__init__ deliberately not called
        self.environ = self.META = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.path_info = get_path_info(environ) or "/"

    def _get_scheme(self):
        return self.environ.get("wsgi.url_scheme")

    @cached_property
    def scheme(self):  # read twice per request (serve, the answer's headers): worked out once
        return HttpRequest.scheme.fget(self)


def respond(environ):
    """(status line, headers, body) for a request the fast path answers, else None."""
    # A copy: serve notes its lookup in META, and Django must get the original environ when
    # the request falls through (with the lookup handed on explicitly, below).
    request = PhoneRequest(environ.copy())
    if memory.enabled():
        request.META[views.FROM_MEMORY] = True
    try:
        if security.refused(security.client_ip(request)):
            return _not_found(request)
        environ[security.THROTTLE_CHECKED] = True
        try:
            body, content_type = views.serve(
                request, request.path_info[len(PREFIX) :], stored_only=True
            )
        except (views.Denied, views.Uncommon):
            if views.LOOKUP in request.META:  # Django's path then runs no second lookup
                environ[views.LOOKUP] = request.META[views.LOOKUP]
            return None
        return _ok(request, body.encode("utf-8"), content_type)
    except Exception:  # noqa: BLE001 - the full path answers (and logs it without the ticket)
        return None
    finally:
        # What Django does when a response is closed: database connections past their
        # CONN_MAX_AGE or left unusable by an error are closed (the lookup reconnects). Not
        # needed after an answer from memory: no connection was used.
        if views.LOOKUP in request.META or not request.META.get(views.FROM_MEMORY):
            signals.request_finished.send(sender=FastPath)


# -- the full path's answers, as its outer middleware passes them on ------------------------------

_answers = {}  # (status, content type, secure) -> (status line, headers, body) or None


def _outer_middleware():
    """The middleware that runs before ProvisioningMiddleware on the full path, outermost first."""
    names = list(settings.MIDDLEWARE)
    if _MIDDLEWARE not in names:
        return None
    return [import_string(name) for name in names[: names.index(_MIDDLEWARE)]]


def _full_path(request, response):
    """`response` (one of views' responses) as the full path sends it: (status line, headers,
    body), or None when the middleware in front would answer otherwise or set a cookie."""
    outer = _outer_middleware()
    if outer is None:
        return None
    handler = lambda _request: response  # noqa: E731
    for middleware in reversed(outer):
        handler = middleware(handler)
    if handler(request) is not response or response.cookies:
        return None
    return (
        f"{response.status_code} {response.reason_phrase}",
        list(response.items()),
        response.content,
    )


def _answer(request, status, content_type, make):
    """The full path's answer of this status and content type, made once per scheme."""
    key = (status, content_type, request.is_secure())
    if key not in _answers:
        # The middleware gets the request as Django's handler builds it.
        original = {name: value for name, value in request.environ.items() if not name.startswith("connect.")}
        _answers[key] = _full_path(WSGIRequest(original), make())
    return _answers[key]


def _not_found(request):
    return _answer(request, 404, "", views.not_found)


def _ok(request, body, content_type):
    answer = _answer(request, 200, content_type, lambda: views.plain(b"", 200, content_type))
    if answer is None:
        return None
    status, headers, _empty = answer
    length = str(len(body))
    return (
        status,
        [(name, length if name == "Content-Length" else value) for name, value in headers],
        body,
    )


def _forget_answers(**kwargs):
    _answers.clear()  # a setting changed (tests): the middleware may add other headers now


setting_changed.connect(_forget_answers, dispatch_uid="provisioning.fastpath.answers")
