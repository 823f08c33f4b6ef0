"""Refusals are throttled per client address in the shared cache (Redis in production).

An address that sent PROVISIONING_REFUSALS_PER_MINUTE requests without a valid ticket gets the
common 404 for the rest of the minute without a database query and without a log line each;
one ``reason=throttled`` line says so. Every web process shares the count.
"""

import logging
import os
import secrets
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from provisioning import security
from provisioning import security as security_module
from tests.connect.test_deployment import BASE_DIR
from tests.provisioning.conftest import REDIS_TEST_URL, SecurityLog, mitel_ua, snom_ua
from tests.provisioning.test_refusals import SNOM_MAC, assert_same_404, state

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
PATHS = [
    f"/snom/{SNOM_MAC}.xml",
    "/snom/snom725.htm",
    "/mitel/startup.cfg",
    "/mitel/00085D1610DE.cfg",
    "/snom/000413000001.xml",
]


@pytest.fixture(autouse=True)
def _behind_the_tls_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.fixture
def security_lines():
    """The security lines, kept instead of written (fast for 10,000 requests)."""
    counter = SecurityLog()
    logger = logging.getLogger("connect.security")
    saved = logger.handlers[:]
    logger.handlers = [counter]
    yield counter
    logger.handlers = saved


@pytest.fixture
def redis_commands(monkeypatch):
    """Counts every command the Redis client sends (the cache's Redis client included)."""
    import redis

    sent = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        sent.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    return sent


@pytest.fixture
def attacker(client_class):
    """A client at the attacker's address, through the parametrised path (conftest.client_class)."""
    return lambda: client_class(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")


def random_path(i):
    return f"/prov/{secrets.token_urlsafe(32)}{PATHS[i % len(PATHS)]}"


def test_ten_thousand_random_tickets_from_one_address(
    phone_client, attacker, world, snom_phone, settings, redis_cache, redis_commands, security_lines, monkeypatch
):
    """The work per refused request: database queries and Redis commands, before and after the limit."""
    settings.PROVISIONING_REFUSALS_PER_MINUTE = limit = 60
    # A loaded machine may need more than a minute for 10,000 requests: a window that cannot end
    # during the test keeps the figures about the throttle, not about the clock.
    monkeypatch.setattr("provisioning.security.WINDOW", 3600)
    # A throttle read that times out (a loaded machine) lets that request through, by design: phones
    # must boot when Redis is slow. Such requests are counted and may do the lookup.
    unavailable, report = [], security_module._unavailable
    monkeypatch.setattr(security_module, "_unavailable", lambda exc: (unavailable.append(exc), report(exc)))
    client = attacker()
    reference = client.get(random_path(0), HTTP_USER_AGENT=snom_ua("725"))
    before = state()
    queries, commands = [], []
    started = time.perf_counter()
    for i in range(1, 10_000):
        sent = len(redis_commands)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(random_path(i), HTTP_USER_AGENT=snom_ua("725"))
        assert_same_404(response, reference)
        queries.append(len(captured))
        commands.append(len(redis_commands) - sent)
    elapsed = time.perf_counter() - started
    assert state() == before  # nothing written: no phone, no fetch record, no audit entry
    # A legitimate phone at another address is not affected, and is served while the attacker is throttled.
    sent = len(redis_commands)
    ok = phone_client.get(f"{world['a']}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert ok.status_code == 200 and b"user_pass" in ok.content
    phone_commands = len(redis_commands) - sent

    counted, throttled = queries[: limit - 1], queries[limit - 1 :]
    assert all(n >= 1 for n in counted)  # the ticket lookup, until the limit
    let_through = [i for i, n in enumerate(throttled) if n or commands[limit - 1 + i] != 1]
    assert len(let_through) <= len(unavailable) < 100  # then not one query, one Redis GET each
    assert max(commands[: limit - 1]) <= 4  # GET, then SET NX + EXISTS + INCR
    assert len(security_lines.lines) == limit + 1  # one line per counted refusal, one "throttled"
    assert sum("reason=throttled" in line for line in security_lines.lines) == 1
    assert (
        f"provisioning-denied ip={ATTACKER} reason=throttled limit={limit} seconds=3600"
        in security_lines.lines
    )
    print(
        f"\n10,000 random tickets from one address (limit {limit}/min, Redis): "
        f"{len(counted) + 1} refused with the lookup ({sum(counted) / len(counted):.1f} queries, "
        f"{sum(commands[: limit - 1]) / (limit - 1):.1f} Redis commands each), "
        f"{len(throttled)} throttled ({sum(throttled)} queries in all, "
        f"{sum(commands[limit - 1 :]) / len(throttled):.1f} Redis command each), "
        f"{len(security_lines.lines)} security-log lines, {elapsed:.1f} s in all; "
        f"a phone at another address: 200 with {phone_commands} Redis command"
    )


def test_without_redis_the_process_local_cache_throttles(
    phone_client, attacker, world, snom_phone, settings, security_lines
):
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 5
    client = attacker()
    for i in range(5):
        assert client.get(random_path(i), HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    with CaptureQueriesContext(connection) as captured:
        for i in range(50):
            assert client.get(random_path(i), HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    assert len(captured) == 0
    assert len(security_lines.lines) == 6
    assert (
        phone_client.get(
            f"{world['a']}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725")
        ).status_code
        == 200
    )


def test_a_throttled_address_is_refused_even_with_the_right_ticket_until_the_window_ends(
    attacker, world, snom_phone, settings, security_lines
):
    from django.core.cache import cache

    settings.PROVISIONING_REFUSALS_PER_MINUTE = 3
    client = attacker()
    good = f"{world['a']}/snom/{SNOM_MAC}.xml"
    for i in range(3):
        client.get(random_path(i), HTTP_USER_AGENT=snom_ua("725"))
    assert client.get(good, HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    cache.delete(f"prov:count:refusals:{ATTACKER}")  # the minute is over
    assert client.get(good, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    for i in range(3):  # a new window: counted and logged again
        client.get(random_path(i), HTTP_USER_AGENT=snom_ua("725"))
    assert sum("reason=throttled" in line for line in security_lines.lines) == 2


def test_refusals_under_a_valid_ticket_are_not_counted(attacker, world, settings, security_lines):
    """200 Mitel phones behind one NAT address ask for .lic and .tuz files at every boot."""
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 10
    client = attacker()
    for n in range(200):
        mac = f"00085D16{n:04X}"
        response = client.get(
            f"{world['a']}/mitel/{mac}.lic", HTTP_USER_AGENT=mitel_ua("6867i", mac)
        )
        assert response.status_code == 404
    assert not security.throttled(ATTACKER)
    assert (
        client.get(
            f"{world['a']}/mitel/startup.cfg", HTTP_USER_AGENT=mitel_ua("6867i", "00085D160001")
        ).status_code
        == 200
    )
    assert all("reason=not-provided" in line for line in security_lines.lines)


def test_ipv6_clients_are_counted_per_64(settings, security_lines):
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 4
    for n in range(4):
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").get(
            random_path(n), HTTP_USER_AGENT=snom_ua("725"), secure=True
        )
    assert security.throttled("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert not security.throttled("2001:db8:1:3::1")
    assert not security.throttled("198.51.100.23")


def test_the_check_needs_only_an_address(settings):
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 2
    security.count_refusal("192.0.2.99", "bad-ticket")
    assert not security.throttled("192.0.2.99")
    security.count_refusal("192.0.2.99", "foreign-mac")  # under a valid ticket: not counted
    assert not security.throttled("192.0.2.99")
    security.count_refusal("192.0.2.99", "malformed-path")
    assert security.throttled("192.0.2.99")
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 0  # off
    assert not security.throttled("192.0.2.99")


def test_a_cache_outage_does_not_stop_phones(phone_client, world, snom_phone, settings, caplog):
    """No Redis: the throttle lets requests through (and says so), phones still boot."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    security._warned_at = 0.0
    try:
        with caplog.at_level(logging.WARNING, logger="provisioning.security"):
            assert (
                phone_client.get(
                    f"{world['a']}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725")
                ).status_code
                == 200
            )
            assert (
                phone_client.get(random_path(0), HTTP_USER_AGENT=snom_ua("725")).status_code == 404
            )
    finally:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [r.getMessage() for r in caplog.records] == [
        "Provisioning refusal throttle unavailable (ConnectionError): not throttling"
    ]


def test_every_process_shares_the_count(settings):
    """Refusals counted by this process throttle the address in another process (with the
    production settings for REDIS_URL) and the other way round."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
        }
    }
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 5
    ours, theirs = "203.0.113.67", "203.0.113.68"  # this test's own addresses
    keys = [f":1:prov:count:refusals:{ip}" for ip in (ours, theirs)]
    client.delete(*keys)
    try:
        for _ in range(5):
            security.count_refusal(ours, "bad-ticket")
        code = (
            "import django; django.setup(); from provisioning import security; "
            f"print(security.throttled('{ours}')); "
            f"[security.count_refusal('{theirs}', 'bad-ticket') for _ in range(5)]"
        )
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": "/tmp",
            "DJANGO_SETTINGS_MODULE": "connect.settings",
            "DEBUG": "1",
            "REDIS_URL": REDIS_TEST_URL,
            "PROVISIONING_REFUSALS_PER_MINUTE": "5",
            "SECURITY_LOG_FILE": "/dev/null",
        }
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "True"
        assert security.throttled(theirs)
    finally:
        client.delete(*keys)
        # Back to the process-local cache before the autouse fixture clears it: clear() on this
        # unprefixed Redis cache would FLUSHDB the database that parallel tests count in.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_a_phones_fetch_costs_no_cache_access(
    client_class, world, snom_phone, settings, redis_cache, redis_commands, security_lines
):
    """The throttle only concerns refusals: a phone served (the boot storm) sends Redis nothing,
    also while another address is throttled."""
    settings.PROVISIONING_REFUSALS_PER_MINUTE = 3
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    phone = client_class(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")
    url = f"{world['a']}/snom/{SNOM_MAC}.xml"
    attacker = client_class(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")
    for i in range(3):
        attacker.get(random_path(i), HTTP_USER_AGENT=snom_ua("725"))
    assert security.refused(ATTACKER)
    for _ in range(3):
        sent = len(redis_commands)
        assert phone.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
        assert redis_commands[sent:] == []


def test_an_address_throttled_by_other_processes_is_refused_here_after_one_lookup(
    client_class, world, snom_phone, settings, redis_cache, security_lines
):
    """Other processes counted the address's refusals: this process learns it from the count of
    its next refusal, and from then on refuses it before any query, the right ticket included."""
    from django.core.cache import cache

    settings.PROVISIONING_REFUSALS_PER_MINUTE = 5
    attacker = client_class(REMOTE_ADDR="203.0.113.70", HTTP_X_FORWARDED_PROTO="https")
    cache.set("prov:count:refusals:203.0.113.70", 5, timeout=60)  # counted elsewhere
    security._known.pop("203.0.113.70", None)  # this process has not seen it
    with CaptureQueriesContext(connection) as first:
        assert attacker.get(random_path(0), HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    assert len(first) >= 1  # the lookup: this process did not know
    good = f"{world['a']}/snom/{SNOM_MAC}.xml"
    with CaptureQueriesContext(connection) as then:
        assert attacker.get(good, HTTP_USER_AGENT=snom_ua("725")).status_code == 404
        assert attacker.get(random_path(1), HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    assert len(then) == 0
    cache.delete("prov:count:refusals:203.0.113.70")  # the window is over
    assert attacker.get(good, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    assert not security.refused("203.0.113.70")
