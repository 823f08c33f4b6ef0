"""Renewal seen by every web process: a real gunicorn with two workers against the test database."""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from provisioning.operations import ticket_for, ticket_renew
from tests.devices.factories import PhoneFactory
from tests.provisioning.conftest import snom_ua
from tests.servers import free_port, test_database_url, wait_until_listening

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers need a database they can share"),
]

ROOT = Path(settings.BASE_DIR)


def get(port, path):
    """GET with the path sent exactly as given (http.client does not re-encode it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path)
        conn.putheader("User-Agent", snom_ua("725"))
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, django_db_blocker):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "CONNECT_TESTING": "0",
        "DATABASE_URL": test_database_url(),
        "DB_CONN_MAX_AGE": "60",  # as in production: connections (and the prepared lookup) reused
        "REDIS_URL": "",
        "SECURITY_LOG_FILE": "/dev/null",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "connect.wsgi:application", "-w", "2", "-k", "gthread", "--preload",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if not wait_until_listening(port, process, timeout=30):
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield port
    process.terminate()
    process.wait(10)


def test_renewal_reaches_every_worker_at_once(org_a, admin_a, gunicorn):
    PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    old = ticket_for(org_a).ticket
    path = f"/prov/{old}/snom/000413A1B2C3.xml"
    # Many connections, so both workers answer (sync workers take turns accepting).
    assert {get(gunicorn, path)[0] for _ in range(20)} == {200}
    new = ticket_renew(organisation=org_a, by=admin_a).ticket
    statuses = {get(gunicorn, path)[0] for _ in range(40)}
    assert statuses == {404}
    status, body, headers = get(gunicorn, f"/prov/{new}/snom/000413A1B2C3.xml")
    assert status == 200 and f"/prov/{new}/snom/".encode() in body
    assert headers["Cache-Control"] == "no-store"


def test_a_change_reaches_every_worker_at_once(org_a, admin_a, gunicorn):
    """Files are stored in the database, not per process: after a change no worker serves the
    file it rendered before."""
    from devices import operations as device_operations
    from tests.factories import UserFactory

    user = UserFactory(organisation=org_a, first_name="Before", last_name="Change")
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C4", model="snom-725")
    device_operations.phone_assign_user(phone=phone, user=user, by=admin_a)
    path = f"/prov/{ticket_for(org_a).ticket}/snom/000413A1B2C4.xml"
    assert all(b"Before Change" in get(gunicorn, path)[1] for _ in range(20))
    user.first_name = "After"
    user.save()
    bodies = [get(gunicorn, path)[1] for _ in range(40)]
    assert all(b"After Change" in body and b"Before" not in body for body in bodies)


def test_a_lost_listen_connection_never_leaves_a_worker_answering_from_memory(org_a, admin_a, gunicorn):
    """The workers answer from memory (provisioning.memory), kept current by notifications. When
    their LISTEN connections are gone, a renewal they cannot hear of must still be effective."""
    PhoneFactory(organisation=org_a, mac="000413A1B2C5", model="snom-725")
    old = ticket_for(org_a).ticket
    path = f"/prov/{old}/snom/000413A1B2C5.xml"
    assert {get(gunicorn, path)[0] for _ in range(20)} == {200}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query ILIKE 'LISTEN %%'"
        )
        assert cursor.fetchone()[0] >= 1  # at least one worker listens
    new = ticket_renew(organisation=org_a, by=admin_a).ticket
    assert {get(gunicorn, path)[0] for _ in range(40)} == {404}
    assert get(gunicorn, f"/prov/{new}/snom/000413A1B2C5.xml")[0] == 200


def test_each_worker_records_last_seen_from_its_writer_thread(org_a, gunicorn):
    """Workers forked from a preloaded master buffer fetch records and write them in bulk."""
    from devices.models import Phone

    phones = [PhoneFactory(organisation=org_a, mac=f"0004130000{n:02X}", model="snom-725") for n in range(6)]
    ticket = ticket_for(org_a).ticket
    for phone in phones:
        assert get(gunicorn, f"/prov/{ticket}/snom/{phone.mac}.xml")[0] == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Phone.objects.filter(last_seen_at__isnull=True, pk__in=[p.pk for p in phones]).exists():
        time.sleep(0.1)
    assert set(Phone.objects.filter(pk__in=[p.pk for p in phones]).values_list("last_ip", "fetch_count")) == {("127.0.0.1", 1)}


def test_encoded_slash_through_a_real_server(org_a, gunicorn):
    PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    value = ticket_for(org_a).ticket
    assert get(gunicorn, f"/prov/{value}/snom/000413A1B2C3.xml")[0] == 200
    for raw in (f"/prov/{value}/snom%2F000413A1B2C3.xml", f"/prov/{value}%2Fsnom/000413A1B2C3.xml",
                f"/prov/{value}/snom/000413A1B2C3.xml%00", f"/prov/{value}/snom/%2e%2e%2f%2e%2e%2fetc%2fpasswd"):
        status, body, _headers = get(gunicorn, raw)
        assert (status, body) == (404, b"Not Found\n"), raw


def test_a_connection_the_database_dropped_is_replaced_without_a_failed_fetch(org_a, client):
    """The endpoint skips Django's per-request health check and retries once instead."""
    from django.db import connections

    PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    value = ticket_for(org_a).ticket
    path = f"/prov/{value}/snom/000413A1B2C3.xml"
    assert client.get(path, HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 200
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    assert client.get(path, HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 200
