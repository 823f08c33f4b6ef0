"""Few queries per fetch (ARCHITECTURE.md conventions 10): fast without being stale."""

import pytest
from django.db import connection

from devices import operations as device_operations
from devices.models import FunctionKey
from tests.factories import UserFactory
from tests.provisioning.conftest import mitel_ua, snom_ua

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyed_phone(snom_phone, org_a, admin_a):
    users = [UserFactory(organisation=org_a) for _ in range(3)]
    device_operations.phone_set_keys(
        phone=snom_phone,
        keys=[{"position": 2 + i, "type": FunctionKey.Type.LINE, "target_user": u} for i, u in enumerate(users)]
        + [{"position": 6, "type": FunctionKey.Type.BLF, "target_user": users[0]}],
        by=admin_a,
    )
    return snom_phone


def test_phone_file_queries(phone_client, base_a, keyed_phone, settings, django_assert_max_num_queries):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 60
    url = f"{base_a}/snom/000413A1B2C3.xml"
    # First fetch: ticket, phone and stored file (one query), the fetch record (written at once
    # in tests, buffered by web processes), then the render reads the phone with its users and
    # keys (the number of keys or users does not change the count), the line-1 user's SVC-17 ring
    # tones through the resolver (the organisation's groups, the user's memberships, the ring-tone
    # rows) and stores the file.
    with django_assert_max_num_queries(16):
        assert phone_client.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    # Again, nothing changed: one query (ticket, organisation, phone and the stored file).
    with django_assert_max_num_queries(1):
        assert phone_client.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200


def test_uncached_render_is_still_a_constant_number_of_queries(phone_client, base_a, keyed_phone, settings, django_assert_max_num_queries):
    settings.PROVISIONING_CACHE_FILES = False
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 60
    url = f"{base_a}/snom/000413A1B2C3.xml"
    phone_client.get(url, HTTP_USER_AGENT=snom_ua("725"))
    # The lookup, the phone with its users and keys, and the ring tones (three: see above).
    with django_assert_max_num_queries(7):
        assert phone_client.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200


@pytest.mark.database_path
def test_global_files_and_refusals_cost_one_query(phone_client, base_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert phone_client.get(f"{base_a}/mitel/startup.cfg", HTTP_USER_AGENT=mitel_ua("6867i", "00085D1610DE")).status_code == 200
    with django_assert_num_queries(1):
        assert phone_client.get(f"{base_a[:-3]}xyz/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    with django_assert_num_queries(0):
        assert phone_client.get(f"{base_a}/snom/../x", HTTP_USER_AGENT=snom_ua("725")).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_pooler_that_loses_prepared_statements_costs_no_fetch(org_a, phone_client, monkeypatch, caplog):
    """PgBouncer in transaction mode (before 1.21) answers 'prepared statement does not exist':
    the fetch is answered unprepared, and the process stops preparing."""
    from django.db import ProgrammingError

    from provisioning import queries
    from provisioning.operations import ticket_for
    from tests.devices.factories import PhoneFactory

    PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    path = f"/prov/{ticket_for(org_a).ticket}/snom/000413A1B2C3.xml"

    def lost():
        raise ProgrammingError('prepared statement "_pg3_0" does not exist')

    monkeypatch.setattr(queries, "_prepared_cursor", lost)
    monkeypatch.setattr(queries, "_prepared_refused", False)
    assert phone_client.get(path, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    assert queries._prepared_refused and "PROVISIONING_PREPARED_STATEMENTS=0" in caplog.text
    assert phone_client.get(path, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
