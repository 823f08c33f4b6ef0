"""Fetch records ("sidst set"): written at once in tests and scripts; buffered by each web
process and written in bulk by its writer thread (provisioning.fetchlog)."""

import pytest
from django.db import OperationalError, connection

from devices import operations as device_operations
from devices.models import Phone, PhoneFetch
from provisioning import fetchlog
from tests.devices.factories import PhoneFactory
from tests.provisioning.conftest import mitel_ua, snom_ua

pytestmark = pytest.mark.django_db


@pytest.fixture
def buffered(settings, monkeypatch):
    """A web process whose writer thread has not run yet: fetches wait in its buffer."""
    settings.PROVISIONING_FETCH_WRITER_THREAD = True
    monkeypatch.setattr(fetchlog, "_start_writer", lambda: None)
    fetchlog._pending.clear()
    yield fetchlog
    fetchlog._pending.clear()


def test_a_fetch_is_recorded(phone_client, base_a, snom_phone):
    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725", firmware="10.1.54.13"))
    assert response.status_code == 200
    snom_phone.refresh_from_db()
    assert snom_phone.firmware == "10.1.54.13" and snom_phone.last_ip == "198.51.100.23"
    assert snom_phone.last_seen_at is not None and snom_phone.fetch_count == 1
    assert PhoneFetch.objects.get(phone=snom_phone).file_name == "000413A1B2C3.xml"


@pytest.mark.database_path
def test_a_storm_is_buffered_and_written_in_bulk(phone_client, base_a, org_a, settings, buffered, django_assert_max_num_queries):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0  # record every fetch
    phones = [PhoneFactory(organisation=org_a, model="snom-725") for _ in range(30)]
    for _round in range(4):
        for phone in phones:
            with django_assert_max_num_queries(1 if _round else 8):  # once stored: the lookup alone
                assert phone_client.get(f"{base_a}/snom/{phone.mac}.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    assert fetchlog.pending() == 120
    assert not PhoneFetch.objects.exists()
    phones[0].delete()  # deleted meanwhile: its records are dropped
    with django_assert_max_num_queries(9):  # one batch: lock timeout, lock, rows, update, insert, prune (+ savepoints)
        assert fetchlog.write_pending() == 116
    assert fetchlog.pending() == 0
    assert PhoneFetch.objects.count() == 116
    assert set(Phone.objects.values_list("fetch_count", flat=True)) == {4}


def test_bulk_writes_keep_the_latest_ten_fetches(phone_client, base_a, snom_phone, settings, buffered):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0
    for n in range(12):
        phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725", firmware=f"10.1.{n}.1"))
    fetchlog.write_pending()
    fetches = list(PhoneFetch.objects.filter(phone=snom_phone).order_by("at"))
    assert len(fetches) == 10
    assert [f.firmware for f in fetches] == [f"10.1.{n}.1" for n in range(2, 12)]
    snom_phone.refresh_from_db()
    assert snom_phone.firmware == "10.1.11.1" and snom_phone.fetch_count == 12


def test_records_wait_while_the_database_is_away(phone_client, base_a, snom_phone, buffered, monkeypatch):
    phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    real = device_operations.phone_record_fetches

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(device_operations, "phone_record_fetches", down)
    with pytest.raises(OperationalError):
        fetchlog.write_pending()
    assert fetchlog.pending() == 1
    monkeypatch.setattr(device_operations, "phone_record_fetches", real)
    assert fetchlog.write_pending() == 1
    assert PhoneFetch.objects.filter(phone=snom_phone).count() == 1


def test_what_is_left_is_written_when_the_process_stops(phone_client, base_a, snom_phone, buffered, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "close", lambda: None)  # the test's transaction stays open
    phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert not PhoneFetch.objects.exists()
    fetchlog.stop_writer()
    assert PhoneFetch.objects.filter(phone=snom_phone).count() == 1 and fetchlog.pending() == 0


def test_a_full_buffer_drops_the_oldest_records(buffered, monkeypatch):
    from collections import deque

    monkeypatch.setattr(fetchlog, "_pending", deque(maxlen=3))
    monkeypatch.setattr(fetchlog, "MAX_PENDING", 3)
    for n in range(5):
        fetchlog.record(phone_id=n, ip="192.0.2.1", user_agent="ua", firmware="1", file_name="x")
    assert [record.phone_id for record in fetchlog._pending] == [2, 3, 4]


@pytest.mark.database_path
def test_warm_command_stores_every_file_so_a_storm_costs_one_query_per_phone(phone_client, base_a, snom_phone, mitel_phone, org_a, buffered, django_assert_num_queries):
    from django.core.management import call_command

    call_command("provisioning_warm", organisation=org_a.name)
    with django_assert_num_queries(1):  # the lookup; the file is stored, the fetch record buffered
        response = phone_client.get(f"{base_a}/mitel/00085D1610DE.cfg", HTTP_USER_AGENT=mitel_ua("6867i", "00085D1610DE"))
    assert response.status_code == 200 and b"sip line1 password" in response.content
    assert fetchlog.pending() == 1


@pytest.mark.django_db(transaction=True)
def test_web_processes_write_from_a_background_thread(phone_client, org_a, settings):
    import time

    from provisioning.operations import ticket_for

    settings.PROVISIONING_FETCH_WRITER_THREAD = True
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    try:
        response = phone_client.get(f"/prov/{ticket_for(org_a).ticket}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not PhoneFetch.objects.filter(phone=phone).exists():
            time.sleep(0.05)
        phone.refresh_from_db()
        assert phone.last_seen_at is not None and phone.last_ip == "198.51.100.23"
        assert fetchlog.pending() == 0
    finally:
        fetchlog.stop_writer()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's inet type refuses what SQLite stores")
def test_a_record_the_database_refuses_never_blocks_the_others(phone_client, base_a, org_a, buffered, monkeypatch, caplog):
    phones = [PhoneFactory(organisation=org_a, model="snom-725") for _ in range(3)]
    for phone in phones:
        fetchlog.record(phone_id=phone.pk, ip="192.0.2.7", user_agent="ua", firmware="1", file_name="x.xml")
    monkeypatch.setattr(device_operations, "_clean_ip", lambda ip: "not an address" if ip == "bad" else ip)
    fetchlog.record(phone_id=phones[1].pk, ip="bad", user_agent="ua", firmware="1", file_name="x.xml")
    assert fetchlog.write_pending() == 3
    assert fetchlog.pending() == 0 and PhoneFetch.objects.count() == 3
    assert "database refused" in caplog.text


def test_zoned_ipv6_addresses_are_stored_without_the_zone(phone_client, base_a, snom_phone):
    fetchlog.record(phone_id=snom_phone.pk, ip="fe80::1%eth0", user_agent="ua", firmware="1", file_name="x.xml")
    snom_phone.refresh_from_db()
    assert snom_phone.last_ip == "fe80::1"


def test_an_older_batch_written_last_does_not_turn_last_seen_back(snom_phone):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    record = device_operations.FetchRecord
    device_operations.phone_record_fetches(fetches=[record(snom_phone.pk, now, "192.0.2.2", "new", "10.2", "a.xml")])
    device_operations.phone_record_fetches(fetches=[record(snom_phone.pk, now - timedelta(seconds=20), "192.0.2.1", "old", "10.1", "a.xml")])
    snom_phone.refresh_from_db()
    assert (snom_phone.last_seen_at, snom_phone.last_ip, snom_phone.user_agent, snom_phone.firmware) == (now, "192.0.2.2", "new", "10.2")
    assert snom_phone.fetch_count == 2 and PhoneFetch.objects.filter(phone=snom_phone).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections")
def test_the_writer_never_waits_for_a_phone_a_long_transaction_is_changing(org_a, buffered):
    """An import holds the phones it marks as changed until it commits; the writer leaves their
    fetches for a later round instead of waiting (and deadlocking with the import)."""
    from django.db import connections

    busy, free = (PhoneFactory(organisation=org_a, model="snom-725") for _ in range(2))
    for phone in (busy, free):
        fetchlog.record(phone_id=phone.pk, ip="192.0.2.9", user_agent="ua", firmware="1", file_name="x.xml")
    importer = connections.create_connection("default")
    try:
        importer.set_autocommit(False)
        with importer.cursor() as cursor:  # what notify_config_changed does inside the import
            cursor.execute("UPDATE devices_phone SET config_version = config_version + 1 WHERE id = %s", [busy.pk])
        assert fetchlog.write_pending() == 1
        assert fetchlog.pending() == 1 and PhoneFetch.objects.filter(phone=free).count() == 1
        importer.commit()
    finally:
        importer.close()
    assert fetchlog.write_pending() == 1 and PhoneFetch.objects.filter(phone=busy).count() == 1


def test_every_process_has_its_own_writer_and_a_stopped_one_is_replaced(phone_client, base_a, snom_phone, settings):
    """A gunicorn worker forked from a master whose writer ran starts its own on its first
    fetch; a writer that stopped is replaced by the next fetch."""
    import os
    import time

    settings.PROVISIONING_FETCH_WRITER_THREAD = True
    try:
        assert phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
        first = fetchlog._writer
        assert first is not None and first.is_alive()
        child = os.fork()
        if child == 0:  # the worker: nothing but a check, then out without any cleanup
            os._exit(0 if fetchlog._writer is None else 1)
        assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
        deadline = time.monotonic() + 5
        while fetchlog.pending() and time.monotonic() < deadline:  # written by the writer thread
            time.sleep(0.05)
        fetchlog.stop_writer()
        assert fetchlog._writer is None
        assert phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
        assert fetchlog._writer is not None and fetchlog._writer is not first and fetchlog._writer.is_alive()
    finally:
        fetchlog.stop_writer()
