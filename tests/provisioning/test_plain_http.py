"""A phone's own file holds its SIP passwords: over plain HTTP only with PROVISIONING_ALLOW_HTTP.

The files every phone of a model fetches hold no credentials and are still served over HTTP, so
phones can bootstrap and learn the https URL from them.
"""

import json
import subprocess
import sys

import pytest

from devices.models import Phone, PhoneFetch
from provisioning.renderers import BY_FAMILY, PHONE
from tests.connect.test_deployment import BASE_DIR, production_env
from tests.provisioning.conftest import mitel_ua, snom_ua
from tests.provisioning.test_refusals import assert_same_404, reference_404

pytestmark = pytest.mark.django_db

OWN_FILES = [
    ("snom", "000413A1B2C3.xml", snom_ua("725")),
    ("snom", "snom725-000413A1B2C3.htm", snom_ua("725", "000413A1B2C3")),
    ("mitel", "00085D1610DE.cfg", mitel_ua("6867i", "00085D1610DE")),
]
COMMON_FILES = [
    ("snom", "snom725.htm", snom_ua("725", "000413A1B2C3")),
    ("mitel", "startup.cfg", mitel_ua("6867i", "00085D1610DE")),
    ("mitel", "6867i.cfg", mitel_ua("6867i", "00085D1610DE")),
]


@pytest.fixture
def http_client(client_class):
    """A phone on plain HTTP (no TLS proxy header; a client of its own beside phone_client)."""
    return client_class(REMOTE_ADDR="198.51.100.23")


def test_only_a_phones_own_file_carries_the_sip_password(
    phone_client, base_a, snom_phone, mitel_phone, line_user
):
    """Which files need HTTPS: exactly the PHONE routes (the renderers' own files)."""
    password = line_user.sip_account.password
    assert password
    for family, name, agent in OWN_FILES:
        assert BY_FAMILY[family].route(name).kind == PHONE
        assert (
            password
            in phone_client.get(f"{base_a}/{family}/{name}", HTTP_USER_AGENT=agent).content.decode()
        )
    for family, name, agent in COMMON_FILES:
        assert BY_FAMILY[family].route(name).kind != PHONE
        response = phone_client.get(f"{base_a}/{family}/{name}", HTTP_USER_AGENT=agent)
        assert response.status_code == 200 and password not in response.content.decode()


@pytest.mark.parametrize("family, name, agent", OWN_FILES, ids=[f[1] for f in OWN_FILES])
def test_own_file_over_plain_http_is_the_common_404_and_logged(
    http_client,
    phone_client,
    base_a,
    snom_phone,
    mitel_phone,
    line_user,
    security_log,
    family,
    name,
    agent,
):
    reference = reference_404(phone_client)
    security_log.lines.clear()
    fetches = PhoneFetch.objects.count()
    for method in ("get", "head"):
        response = getattr(http_client, method)(f"{base_a}/{family}/{name}", HTTP_USER_AGENT=agent)
        if method == "get":
            assert_same_404(response, reference)
        assert response.status_code == 404
        assert line_user.sip_account.password.encode() not in response.content
    assert PhoneFetch.objects.count() == fetches
    assert len(security_log.lines) == 2
    assert all(
        "reason=plain-http " in line and "ip=198.51.100.23 " in line and "path=/prov/***/" in line
        for line in security_log.lines
    )


def test_unknown_phone_over_plain_http_is_not_added(http_client, base_a, ticket_a):
    response = http_client.get(f"{base_a}/snom/000413000077.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 404
    assert not Phone.objects.filter(mac="000413000077").exists()


@pytest.mark.parametrize("family, name, agent", COMMON_FILES, ids=[f[1] for f in COMMON_FILES])
def test_common_files_are_still_served_over_plain_http(
    http_client, base_a, snom_phone, mitel_phone, family, name, agent, settings
):
    settings.PROVISIONING_BASE_URL = "https://connect.example.com"
    response = http_client.get(f"{base_a}/{family}/{name}", HTTP_USER_AGENT=agent)
    assert response.status_code == 200
    body = response.content.decode()
    if name in ("snom725.htm", "startup.cfg"):  # they move the phone to https
        assert "https://connect.example.com/prov/" in body or "download protocol: HTTPS" in body


def test_https_directly_and_behind_a_tls_proxy(http_client, base_a, snom_phone, settings):
    url = f"{base_a}/snom/000413A1B2C3.xml"
    assert http_client.get(url, HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 200
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert (
        http_client.get(
            url, HTTP_USER_AGENT=snom_ua("725"), HTTP_X_FORWARDED_PROTO="https"
        ).status_code
        == 200
    )
    assert (
        http_client.get(
            url, HTTP_USER_AGENT=snom_ua("725"), HTTP_X_FORWARDED_PROTO="http"
        ).status_code
        == 404
    )
    # Without a trusted proxy the header is anybody's word.
    settings.SECURE_PROXY_SSL_HEADER = None
    assert (
        http_client.get(
            url, HTTP_USER_AGENT=snom_ua("725"), HTTP_X_FORWARDED_PROTO="https"
        ).status_code
        == 404
    )


def test_the_setting_allows_plain_http(http_client, base_a, snom_phone, settings):
    settings.PROVISIONING_ALLOW_HTTP = True
    response = http_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 200 and b"user_pass" in response.content


def allow_http(**env):
    code = "import django; django.setup(); from django.conf import settings; print(json.dumps(settings.PROVISIONING_ALLOW_HTTP))"
    result = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env=production_env(**env),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_plain_http_is_off_by_default_in_production_and_on_with_debug():
    assert allow_http() is False
    assert allow_http(DEBUG="1") is True
    assert allow_http(PROVISIONING_ALLOW_HTTP="1") is True
    assert allow_http(DEBUG="1", PROVISIONING_ALLOW_HTTP="0") is False
