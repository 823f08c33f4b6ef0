"""Fetch records ("sidst set") buffered in Redis and written in bulk (provisioning.fetchlog)."""

import pytest

from devices.models import Phone, PhoneFetch
from provisioning import fetchlog
from tests.devices.factories import PhoneFactory
from tests.provisioning.conftest import snom_ua

pytestmark = pytest.mark.django_db


def test_a_fetch_is_written_right_after_the_response(phone_client, base_a, snom_phone, redis_cache):
    assert fetchlog.buffered()
    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725", firmware="10.1.54.13"))
    assert response.status_code == 200  # the test client, like a WSGI server, closed the response
    snom_phone.refresh_from_db()
    assert snom_phone.firmware == "10.1.54.13" and snom_phone.last_ip == "198.51.100.23"
    assert snom_phone.last_seen_at is not None and snom_phone.fetch_count == 1
    assert PhoneFetch.objects.get(phone=snom_phone).file_name == "000413A1B2C3.xml"
    assert fetchlog.pending() == 0


def test_a_storm_is_written_in_bulk(phone_client, base_a, org_a, redis_cache, settings, django_assert_max_num_queries):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0  # record every fetch
    phones = [PhoneFactory(organisation=org_a, model="snom-725") for _ in range(30)]
    redis_cache.set(fetchlog.LOCK_KEY, "someone else is flushing")
    for _round in range(4):
        for phone in phones:
            assert phone_client.get(f"{base_a}/snom/{phone.mac}.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    assert fetchlog.pending() == 120
    assert not PhoneFetch.objects.exists()  # nothing written while another process holds the lock
    redis_cache.delete(fetchlog.LOCK_KEY)
    phones[0].delete()  # deleted meanwhile: its records are dropped
    with django_assert_max_num_queries(8):  # one batch: lock rows, update, insert (+ savepoints)
        assert fetchlog.flush() == 116
    assert fetchlog.pending() == 0
    assert PhoneFetch.objects.count() == 116
    assert set(Phone.objects.values_list("fetch_count", flat=True)) == {4}


def test_bulk_writes_keep_the_latest_ten_fetches(phone_client, base_a, snom_phone, redis_cache, settings):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0
    redis_cache.set(fetchlog.LOCK_KEY, "busy")
    for n in range(12):
        phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725", firmware=f"10.1.{n}.1"))
    redis_cache.delete(fetchlog.LOCK_KEY)
    fetchlog.flush()
    fetches = list(PhoneFetch.objects.filter(phone=snom_phone).order_by("at"))
    assert len(fetches) == 10
    assert [f.firmware for f in fetches] == [f"10.1.{n}.1" for n in range(2, 12)]
    snom_phone.refresh_from_db()
    assert snom_phone.firmware == "10.1.11.1" and snom_phone.fetch_count == 12


def test_without_redis_the_fetch_is_written_at_once(phone_client, base_a, snom_phone):
    assert not fetchlog.buffered()
    phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert PhoneFetch.objects.filter(phone=snom_phone).count() == 1


def test_flush_command_and_task_empty_the_buffer(phone_client, base_a, snom_phone, redis_cache):
    from django.core.management import call_command

    from provisioning.tasks import flush_fetches

    redis_cache.set(fetchlog.LOCK_KEY, "busy")
    phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    redis_cache.delete(fetchlog.LOCK_KEY)
    call_command("provisioning_flush_fetches")
    assert PhoneFetch.objects.count() == 1 and fetchlog.pending() == 0
    assert flush_fetches() == 0


def test_warm_command_fills_the_cache_so_a_storm_costs_one_query(phone_client, base_a, snom_phone, mitel_phone, org_a, redis_cache, django_assert_num_queries):
    from django.core.management import call_command

    from tests.provisioning.conftest import mitel_ua

    call_command("provisioning_warm", organisation=org_a.name)
    redis_cache.set(fetchlog.LOCK_KEY, "busy")  # leave the bulk write for later, count the request alone
    with django_assert_num_queries(1):  # the lookup; the file is cached, the fetch record is buffered
        response = phone_client.get(f"{base_a}/mitel/00085D1610DE.cfg", HTTP_USER_AGENT=mitel_ua("6867i", "00085D1610DE"))
    assert response.status_code == 200 and b"sip line1 password" in response.content
    assert fetchlog.pending() == 1


@pytest.mark.django_db(transaction=True)
def test_web_processes_write_from_a_background_thread(phone_client, org_a, redis_cache, settings):
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
