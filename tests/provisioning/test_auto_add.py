"""Auto-add of unknown phones under a valid ticket (DEV-1, PRV-5) and fetch recording."""

import logging

import pytest

from connect.lib.audit import history_for
from devices.models import Phone, PhoneFetch
from tests.provisioning.conftest import mitel_ua, parse_cfg, parse_snom, snom_ua, snom_ua_fw8

pytestmark = pytest.mark.django_db


def test_unknown_snom_phone_is_added_not_provisioned_without_account(phone_client, base_a, org_a, caplog):
    with caplog.at_level(logging.INFO, logger="connect.security"):
        response = phone_client.get(f"{base_a}/snom/snomD345-000413123456.htm", HTTP_USER_AGENT=snom_ua("D345", "000413123456"))
    assert response.status_code == 200
    phone = Phone.objects.get(mac="000413123456")
    assert phone.organisation == org_a
    assert phone.model == "snom-d345"
    assert phone.description == "198.51.100.23"
    assert phone.auto_added and phone.user is None
    assert phone.get_state_display() == "Not provisioned"
    assert phone.firmware == "10.1.33.33" and phone.last_seen_at is not None
    assert history_for(phone).count() == 1  # audited as a system action
    settings, keys = parse_snom(response.content)
    assert settings[("user_active", "1")][0] == "off"
    assert settings[("user_name", "1")][0] == "" and settings[("user_pass", "1")][0] == ""
    assert len(keys) == 12 and all(key["value"] == "none" for key in keys.values())
    assert "provisioning-auto-added" in caplog.text and "mac=000413123456" in caplog.text


def test_unknown_mitel_phone_is_added_from_its_mac_file(phone_client, base_a, org_a):
    response = phone_client.get(f"{base_a}/mitel/00085D998877.cfg", HTTP_USER_AGENT=mitel_ua("6873i", "00085D998877"))
    assert response.status_code == 200
    assert parse_cfg(response.content.decode())["sip line1 password"] == ""
    assert Phone.objects.get(mac="00085D998877").model == "mitel-6873i"


def test_without_a_mac_nothing_is_added(phone_client, base_a):
    assert phone_client.get(f"{base_a}/snom/snom710.htm", HTTP_USER_AGENT=snom_ua_fw8("710")).status_code == 200
    assert phone_client.get(f"{base_a}/mitel/startup.cfg", HTTP_USER_AGENT=mitel_ua("6865i", "00085D000001")).status_code == 200
    assert phone_client.get(f"{base_a}/mitel/6865i.cfg", HTTP_USER_AGENT=mitel_ua("6865i", "00085D000001")).status_code == 200
    assert not Phone.objects.exists()


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_auto_add_is_rate_limited_per_organisation(phone_client, base_a, org_b, ticket_b, settings, backend, request):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    settings.PROVISIONING_AUTO_ADD_LIMIT = 3
    for n in range(3):
        mac = f"0004130000{n:02d}"
        assert phone_client.get(f"{base_a}/snom/{mac}.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    refused = phone_client.get(f"{base_a}/snom/000413000099.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert refused.status_code == 404 and refused.content == b"Not Found\n"
    assert Phone.objects.count() == 3
    # Known phones keep working, and another organisation has its own budget.
    assert phone_client.get(f"{base_a}/snom/000413000001.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    other = phone_client.get(f"/prov/{ticket_b.ticket}/snom/000413000099.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert other.status_code == 200
    assert Phone.objects.get(mac="000413000099").organisation == org_b


def test_fetch_is_recorded_once_per_interval_and_again_when_something_changes(phone_client, base_a, snom_phone, settings):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 60
    url = f"{base_a}/snom/000413A1B2C3.xml"
    phone_client.get(url, HTTP_USER_AGENT=snom_ua("725", firmware="10.1.33.33"))
    phone_client.get(url, HTTP_USER_AGENT=snom_ua("725", firmware="10.1.33.33"))
    assert PhoneFetch.objects.filter(phone=snom_phone).count() == 1
    phone_client.get(url, HTTP_USER_AGENT=snom_ua("725", firmware="10.1.54.13"))  # firmware upgraded
    phone_client.get(url, HTTP_USER_AGENT=snom_ua("725", firmware="10.1.54.13"), REMOTE_ADDR="192.0.2.44")  # moved
    fetches = list(PhoneFetch.objects.filter(phone=snom_phone).order_by("at", "id"))
    assert [f.firmware for f in fetches] == ["10.1.33.33", "10.1.54.13", "10.1.54.13"]
    assert fetches[-1].file_name == "000413A1B2C3.xml"
    snom_phone.refresh_from_db()
    assert (snom_phone.firmware, snom_phone.last_ip) == ("10.1.54.13", "192.0.2.44")
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0  # record every fetch
    phone_client.get(url, HTTP_USER_AGENT=snom_ua("725", firmware="10.1.54.13"), REMOTE_ADDR="192.0.2.44")
    assert PhoneFetch.objects.filter(phone=snom_phone).count() == 4
