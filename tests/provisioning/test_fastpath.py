"""The phones' fast path (provisioning.fastpath, issue 14): the full path's answers, byte for byte,
without Django's handler for the common case; everything else left to Django."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connect import wsgi
from devices import catalog
from devices.models import Phone
from provisioning import demo
from provisioning.operations import ticket_for, ticket_renew
from provisioning.useragents import format_mitel, format_snom
from provisioning.warm import warm
from tests.provisioning.conftest import PATHS, WSGIEntryClient, snom_ua

pytestmark = pytest.mark.django_db

SNOM_MAC = "000413A1B2C3"


@pytest.fixture
def fell_through(monkeypatch):
    """The requests connect.wsgi.application left to Django (their paths)."""
    paths = []
    django_app = wsgi.application.django_app

    def spy(environ, start_response):
        paths.append(environ["PATH_INFO"])
        return django_app(environ, start_response)

    monkeypatch.setattr(wsgi.application, "django_app", spy)
    return paths


def phone_requests(phone):
    """(family, file name, User-Agent) of every file `phone` fetches when it boots, common
    files and files the portal does not provide included."""
    model = phone.phone_model
    if model is None or model.identifier is None:
        return []
    firmware = demo.DEMO_FIRMWARE[model.vendor]
    identifier, mac = model.identifier, phone.mac
    if model.renderer == catalog.Renderer.SNOM:
        agent = format_snom(
            identifier, firmware, mac=mac, build="2010.12-00004-g9ba52f5", extra="SXM:0 UXM:0"
        )
        files = [f"snom{identifier}.htm", f"snom{identifier}-{mac}.htm", f"{mac}.xml"]
        return [("snom", name, agent) for name in files]
    agent = format_mitel(identifier, mac, firmware)
    if model.renderer == catalog.Renderer.MITEL_68XX:
        files = [
            "aastra.cfg",
            "startup.cfg",
            f"{identifier}.cfg",
            f"{mac}.cfg",
            "security.tuz",
            "startup.lic",
        ]
        return [("mitel", name, agent) for name in files]
    return [("mivoice", name, agent) for name in ["startup.cfg", f"{mac}.cfg", "aastra.cfg"]]


def answer(response):
    return response.status_code, response.reason_phrase, list(response.items()), response.content


@pytest.mark.parametrize("fast_client", ["wsgi", "memory"])
def test_every_demo_phone_and_file_gets_the_same_answer_on_both_paths(settings, fell_through, fast_client):
    """Also with the answers from provisioning.memory (PostgreSQL): emptied before each request,
    so that every request loads its organisation (see MemoryEntryHandler)."""
    if fast_client == "memory":
        if connection.vendor != "postgresql":
            pytest.skip("provisioning.memory needs PostgreSQL (LISTEN/NOTIFY)")
        settings.PROVISIONING_MEMORY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = (
        3600  # the answers over HTTPS carry HSTS: the middleware's headers
    )
    settings.PROVISIONING_ALLOW_HTTP = False
    call_command("seed_demo", "--force", stdout=StringIO())
    warm()  # every phone's file stored and current: the boot-storm case
    requests = []
    for phone in Phone.objects.select_related("organisation").order_by("organisation__name", "mac"):
        base = f"/prov/{ticket_for(phone.organisation).ticket}"
        requests += [
            (f"{base}/{family}/{name}", agent) for family, name, agent in phone_requests(phone)
        ]
    assert {path.split("/")[3] for path, _agent in requests} >= {"snom", "mitel"}
    served = {"fast": 0, "django": 0}
    for scheme in ("https", "http"):
        environ = {"REMOTE_ADDR": "198.51.100.23"}
        if scheme == "https":
            environ["HTTP_X_FORWARDED_PROTO"] = "https"
        full, fast = Client(**environ), PATHS[fast_client](**environ)
        for path, agent in requests:
            expected = full.get(path, HTTP_USER_AGENT=agent)
            before = len(fell_through)
            got = fast.get(path, HTTP_USER_AGENT=agent)
            assert answer(got) == answer(expected), (scheme, path.rsplit("/", 2)[1:])
            by_fast_path = len(fell_through) == before
            served["fast" if by_fast_path else "django"] += 1
            # Every 200 but a phone's own file over plain HTTP... (refused: a 404 from Django).
            assert by_fast_path == (expected.status_code == 200), (scheme, path.rsplit("/", 2)[1:])
            if scheme == "https":
                assert (
                    "Strict-Transport-Security",
                    "max-age=3600; includeSubDomains",
                ) in got.items()
    assert served["fast"] > 0 and served["django"] > 0


def test_a_stored_file_is_served_without_django_and_recorded(
    settings, base_a, snom_phone, fell_through
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    url = f"{base_a}/snom/{SNOM_MAC}.xml"
    agent = snom_ua("725", SNOM_MAC, firmware="10.1.54.13")
    fast = WSGIEntryClient(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")
    first = fast.get(url, HTTP_USER_AGENT=agent)  # not stored yet: Django renders and stores it
    assert first.status_code == 200 and fell_through == [url]
    with CaptureQueriesContext(connection) as fast_queries:
        again = fast.get(url, HTTP_USER_AGENT=agent)
    assert fell_through == [url]  # the fast path answered
    assert again.content == first.content and again["Cache-Control"] == "no-store"
    snom_phone.refresh_from_db()  # the fetch was recorded: "last seen", firmware, IP
    assert (snom_phone.firmware, snom_phone.last_ip, snom_phone.fetch_count) == (
        "10.1.54.13",
        "198.51.100.23",
        2,
    )
    with CaptureQueriesContext(connection) as full_queries:
        Client(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https").get(
            url, HTTP_USER_AGENT=agent
        )
    assert len(fast_queries) == len(full_queries)  # the lookup and the fetch record, nothing more


def test_renewal_is_effective_at_once_on_the_fast_path(
    settings, base_a, snom_phone, org_a, admin_a, fell_through
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    fast = WSGIEntryClient(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")
    url = f"{base_a}/snom/{SNOM_MAC}.xml"
    assert fast.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    assert fast.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    served_fast = len(fell_through)
    renewed = ticket_renew(organisation=org_a, by=admin_a)
    assert fast.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 404  # refused by Django
    assert len(fell_through) == served_fast + 1
    new_url = f"/prov/{renewed.ticket}/snom/{SNOM_MAC}.xml"
    assert fast.get(new_url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200


def test_a_throttled_address_gets_the_404_without_query_or_django(
    settings, base_a, snom_phone, fell_through
):
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 2
    fast = WSGIEntryClient(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_PROTO="https")
    reference = Client(REMOTE_ADDR="203.0.113.9").get(f"/prov/{'x' * 43}/snom/{SNOM_MAC}.xml")
    for _ in range(2):
        fast.get(f"/prov/{'y' * 43}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    before = len(fell_through)
    with CaptureQueriesContext(connection) as queries:
        response = fast.get(f"{base_a}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert len(queries) == 0 and len(fell_through) == before
    assert answer(response) == answer(reference)


def test_head_and_other_methods_go_to_django(settings, base_a, snom_phone, fell_through):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    fast = WSGIEntryClient(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")
    url = f"{base_a}/snom/{SNOM_MAC}.xml"
    fast.get(url, HTTP_USER_AGENT=snom_ua("725"))
    head = fast.head(url, HTTP_USER_AGENT=snom_ua("725"))
    assert head.status_code == 200 and head.content == b"" and int(head["Content-Length"]) > 0
    assert fast.post(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    assert fell_through == [url, url, url]


def test_portal_pages_go_to_django(fell_through):
    login = reverse("login")
    assert WSGIEntryClient().get(login).status_code == Client().get(login).status_code == 200
    assert fell_through == [login]
