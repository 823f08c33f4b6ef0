"""Fixtures for the provisioning endpoint: a ticket, phones with users, real User-Agents."""

import logging
import os
import uuid

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import Client

import connect.wsgi  # noqa: F401 - its django.setup() configures logging once, before any test adds handlers
from devices import operations as device_operations
from provisioning.operations import ticket_for
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory

# Verbatim from PROVISIONING-NOTES.md 1.5 / 2.3 (MACs changed only where a test needs its own).
SNOM_D785_FW10_DATE = (
    "Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 "
    "(Feb 25 2019 - 14:19:43) 00041396D9B4 SXM:0 UXM:0 UXMC:0)"
)


def snom_ua(model, mac="", firmware="10.1.33.33"):
    """A Snom 10.x User-Agent as the D7xx/D3xx send it (MAC before the SXM/UXM counters)."""
    tail = f" {mac}" if mac else ""
    return f"Mozilla/4.0 (compatible; snom{model}-SIP {firmware} 2010.12-00004-g9ba52f5{tail} SXM:0 UXM:0)"


def snom_ua_fw8(model, mac=""):
    """Snom 8.7.5 (710/720/760...): MAC as the last token, or none before 8.7.5."""
    tail = f" {mac}" if mac else ""
    return f"Mozilla/4.0 (compatible; snom{model}-SIP 8.7.5.35 1.1.5-IFX-05.01.12{tail})"


def mitel_ua(model, mac, firmware="5.1.0.2047", brand="Aastra"):
    dashed = "-".join(mac[i : i + 2] for i in range(0, 12, 2))
    return f"{brand}{model} MAC:{dashed} V:{firmware}-SIP"


REDIS_TEST_URL = os.environ.get("PROVISIONING_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_cache(settings):
    """The default cache (auto-add and refusal counters) on a real Redis (a database of its own),
    as in production. Each test has a key prefix of its own, so tests running in parallel
    (pytest-xdist) never see or delete each other's counters."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {"BACKEND": "connect.lib.cache.RedisCache", "LOCATION": REDIS_TEST_URL, "KEY_PREFIX": prefix}
    }
    yield client
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    # Process-local cache unless a test asks for `redis_cache`: CI sets REDIS_URL for the whole
    # suite, and these tests must not depend on (or leak into) a shared Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ticket_a(org_a):
    return ticket_for(org_a)


@pytest.fixture
def ticket_b(org_b):
    return ticket_for(org_b)


@pytest.fixture
def world(org_a, org_b, snom_phone, ticket_a, ticket_b):
    """org A with a Snom phone, org B with its own Snom phone; both tickets exist."""
    foreign = PhoneFactory(organisation=org_b, mac="000413B0B0B0", model="snom-725")
    return {"a": f"/prov/{ticket_a.ticket}", "b": f"/prov/{ticket_b.ticket}", "foreign": foreign}


@pytest.fixture
def base_a(ticket_a):
    return f"/prov/{ticket_a.ticket}"


@pytest.fixture
def line_user(org_a):
    return UserFactory(organisation=org_a, username="klj@a.example", first_name="Kasper Leth", last_name="Jensen")


@pytest.fixture
def snom_phone(org_a, line_user, admin_a):
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    device_operations.phone_assign_user(phone=phone, user=line_user, by=admin_a)
    return phone


@pytest.fixture
def mitel_phone(org_a, line_user, admin_a):
    phone = PhoneFactory(organisation=org_a, mac="00085D1610DE", model="mitel-6867i")
    device_operations.phone_assign_user(phone=phone, user=line_user, by=admin_a)
    return phone


class SecurityLog(logging.Handler):
    """The messages written to the security log (connect.security)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def security_log():
    handler = SecurityLog()
    logger = logging.getLogger("connect.security")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


class WSGIEntryHandler:
    """Calls the project's WSGI entry point (connect.wsgi.application: the fast path for /prov/,
    Django behind it) with the test client's environ, as gunicorn does, and returns the answer
    as an HttpResponse with exactly the status, headers and body sent."""

    loaded = False

    def __call__(self, environ):
        from connect.wsgi import application, django_application

        if not self.loaded:
            # As Django's test handler does: middleware reads settings when it is created, and
            # tests change settings (SECURE_HSTS_SECONDS...).
            django_application.load_middleware()
            self.loaded = True
        sent, original = {}, environ.copy()

        def start_response(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, headers

        # As Django's test client does: the test's transaction must survive the request's end.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = application(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        code, reason = sent["status"].split(" ", 1)
        response = HttpResponse(body, status=int(code), reason=reason)
        for name in list(response.headers):
            del response.headers[name]
        for name, value in sent["headers"]:
            response.headers[name] = value
        response.wsgi_request = WSGIRequest(original)  # what the test client reports back
        return response


class WSGIEntryClient(Client):
    """The test client, through connect.wsgi.application instead of Django's test handler."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.handler = WSGIEntryHandler()


@pytest.fixture(autouse=True)
def _memory_closed():
    """provisioning.memory's LISTEN connection closed after each test (the test database can then
    be dropped) and nothing a test loaded seen by the next one."""
    yield
    from provisioning.memory import memory

    memory.close()
    memory.background = True


class MemoryEntryHandler(WSGIEntryHandler):
    """The WSGI entry point with the fast path answering from provisioning.memory. A test's
    writes never commit, so PostgreSQL never delivers their notifications: the memory is
    emptied before each request instead, and every request loads its organisation afresh (how
    notifications keep it current is tested in test_memory.py, with commits)."""

    def __call__(self, environ):
        from provisioning.memory import memory

        memory.clear()
        memory.background = False  # load in the request: the test's data is not committed
        return super().__call__(environ)


class MemoryEntryClient(Client):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.handler = MemoryEntryHandler()


PATHS = {"django": Client, "wsgi": WSGIEntryClient, "memory": MemoryEntryClient}


@pytest.fixture(params=list(PATHS))
def client_class(request):
    """Parametrises a test over the ways into the endpoint: Django's test client ("django"), the
    WSGI entry point with the fast path in front ("wsgi") and the fast path answering from each
    process's memory ("memory", PostgreSQL only); all must answer alike.

    Tests marked `database_path` count the queries of a request that reads the database: they
    are not run on the memory path (see pytest_collection_modifyitems); its own cost is in
    test_memory.py."""
    if request.param == "memory":
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("provisioning.memory needs PostgreSQL (LISTEN/NOTIFY)")
        settings = request.getfixturevalue("settings")
        settings.PROVISIONING_MEMORY = True
    return PATHS[request.param]


@pytest.fixture
def phone_client(client_class, settings):
    """The test client as a phone: no session, REMOTE_ADDR set like a real request, over HTTPS
    through the TLS proxy (a phone's own file is refused over plain HTTP unless
    PROVISIONING_ALLOW_HTTP is on)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return client_class(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")


def parse_cfg(text):
    """Parse a Mitel `key: value` file the way the phone does: later lines win, names are not
    case-sensitive, `#` starts a comment."""
    values = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        assert sep, f"not a key: value line: {raw!r}"
        values[key.strip().lower()] = value.strip()
    return values


def parse_snom(body):
    """Parse Snom XML safely: {(name, idx): (text, perm)} and the function keys by idx."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(body)
    assert root.tag == "settings"
    settings = {}
    for element in root.find("phone-settings"):
        settings[(element.tag, element.get("idx"))] = (element.text or "", element.get("perm"))
    keys = {}
    fkeys = root.find("functionKeys")
    if fkeys is not None:
        for element in fkeys:
            assert element.tag == "fkey"
            keys[int(element.get("idx"))] = {
                "value": element.text or "",
                "context": element.get("context"),
                "label": element.get("label"),
                "perm": element.get("perm"),
            }
    return settings, keys


def pytest_collection_modifyitems(config, items):
    """Tests marked `database_path` are not collected for the memory path (client_class)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_memory = callspec is not None and callspec.params.get("client_class") == "memory"
        (dropped if on_memory and item.get_closest_marker("database_path") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
