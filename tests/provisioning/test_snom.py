"""Snom provisioning (PRV-1, PRV-5) with real User-Agents; contents checked by parsing the XML."""

import pytest
from django.test import override_settings

from devices import operations as device_operations
from devices.models import FunctionKey, Phone, PhoneFetch
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory
from tests.provisioning.conftest import SNOM_D785_FW10_DATE, parse_snom, snom_ua, snom_ua_fw8

pytestmark = pytest.mark.django_db


def sip_password(user):
    return user.sip_account.password


def test_phone_file_carries_line1_account_and_organisation_settings(phone_client, base_a, snom_phone, line_user, org_a):
    org_a.default_language = "da"
    org_a.time_zone = "Europe/Copenhagen"
    org_a.save()
    response = phone_client.get(f"{base_a}/snom/snom725-000413A1B2C3.htm", HTTP_USER_AGENT=snom_ua("725", "000413A1B2C3"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    settings, keys = parse_snom(response.content)
    account = line_user.sip_account
    assert settings[("user_active", "1")][0] == "on"
    assert settings[("user_name", "1")] == (account.username, "R")
    assert settings[("user_pname", "1")][0] == account.username
    assert settings[("user_pass", "1")][0] == sip_password(line_user)
    assert settings[("user_realname", "1")][0] == "Kasper Leth Jensen"
    assert settings[("user_host", "1")][0] == "sip.connect.example"
    assert settings[("language", None)][0] == "Dansk"
    assert settings[("timezone", None)][0] == "DNK+1"
    assert settings[("tone_scheme", None)][0] == "DNK"
    assert settings[("ntp_server", None)][0] == "pool.ntp.org"
    # The phone keeps coming back to the same ticket URL (PRV-1).
    assert settings[("setting_server", None)][0] == f"http://127.0.0.1:8000{base_a}/snom/"
    # Ring tones: SVC-17 defaults, which the user may change on the phone.
    assert settings[("alert_internal_ring_sound", None)] == ("Ringer1", "!")
    assert settings[("alert_external_ring_sound", None)] == ("Ringer1", "!")
    # D725: 18 keys, key 1 (idx 0) is line 1, the rest empty.
    assert len(keys) == 18
    assert keys[0] == {"value": "line", "context": "1", "label": "Kasper Leth Jensen", "perm": "RW"}
    assert all(keys[i]["value"] == "none" for i in range(1, 18))


@override_settings(SIP_REGISTRAR="reg.example.net", SIP_PROXY="proxy.example.net:5080", NTP_SERVER="ntp.example.net")
def test_registrar_proxy_and_ntp_come_from_settings(phone_client, base_a, snom_phone):
    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725", "000413A1B2C3"))
    settings, _keys = parse_snom(response.content)
    assert settings[("user_host", "1")][0] == "reg.example.net"
    assert settings[("user_outbound", "1")][0] == "proxy.example.net:5080"
    assert settings[("ntp_server", None)][0] == "ntp.example.net"


@pytest.mark.parametrize(
    "model_code, identifier, agent",
    [
        ("snom-725", "725", snom_ua("725", "000413A1B2C3")),  # D725 says "725", MAC in the UA
        ("snom-725", "725", snom_ua("725")),  # no MAC in the UA
        ("snom-d345", "D345", snom_ua("D345", "000413A1B2C3", firmware="10.1.54.13")),
        ("snom-d785", "D785", SNOM_D785_FW10_DATE),  # unsupported model: refused below
        ("snom-710", "710", snom_ua_fw8("710", "000413A1B2C3")),  # fw 8.7.5: MAC last
        ("snom-710", "710", snom_ua_fw8("710")),  # fw 8.7.3: no MAC
        ("snom-760", "760", "Mozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)"),
        ("snom-870", "870", "Mozilla/4.0 (compatible; snom870-SIP 8.4.35 SPEAr300 SNOM 1.4)"),
    ],
)
def test_real_user_agents_of_several_models_and_firmwares(phone_client, base_a, org_a, model_code, identifier, agent):
    supported = model_code != "snom-d785"
    if supported:
        PhoneFactory(organisation=org_a, mac="000413A1B2C3", model=model_code)
    response = phone_client.get(f"{base_a}/snom/snom{identifier}-000413A1B2C3.htm", HTTP_USER_AGENT=agent)
    assert response.status_code == (200 if supported else 404)
    if supported:
        phone = Phone.objects.get(mac="000413A1B2C3")
        assert phone.firmware == agent.split("-SIP ")[1].split()[0]
        assert phone.last_ip == "198.51.100.23"
        assert phone.last_seen_at is not None
        assert phone.user_agent == agent
    else:
        assert not Phone.objects.exists()


def test_model_file_carries_organisation_settings_but_no_account(phone_client, base_a, snom_phone):
    response = phone_client.get(f"{base_a}/snom/snom725.htm", HTTP_USER_AGENT=snom_ua("725", "000413A1B2C3"))
    assert response.status_code == 200
    settings, keys = parse_snom(response.content)
    assert settings[("setting_server", None)][0].endswith(f"{base_a}/snom/")
    assert not any(name.startswith("user_") for name, _idx in settings)
    assert keys == {}
    # The common file identifies the phone by its User-Agent's MAC: the fetch is recorded.
    assert PhoneFetch.objects.get(phone=snom_phone).file_name == "snom725.htm"


def test_common_files_record_only_known_phones_of_the_organisation(phone_client, base_a, snom_phone, org_b):
    from tests.devices.factories import PhoneFactory

    PhoneFactory(organisation=org_b, mac="000413B0B0B0", model="snom-725")
    for agent in (snom_ua("725"), snom_ua("725", "000413B0B0B0"), snom_ua("725", "000413000077")):
        assert phone_client.get(f"{base_a}/snom/snom725.htm", HTTP_USER_AGENT=agent).status_code == 200
    assert not PhoneFetch.objects.exists()  # no MAC, another organisation's phone, an unknown phone


def test_function_keys_shared_line_blf_and_speed_dial(phone_client, base_a, snom_phone, org_a, admin_a):
    other = UserFactory(organisation=org_a, first_name="Morten", last_name="Helmer")
    device_operations.phone_set_keys(
        phone=snom_phone,
        keys=[
            {"position": 2, "type": FunctionKey.Type.LINE, "target_user": other},
            {"position": 3, "type": FunctionKey.Type.BLF, "value": "201", "label": "Morten B"},
            {"position": 4, "type": FunctionKey.Type.SPEED_DIAL, "value": "+4588887765", "label": "Kontor"},
        ],
        by=admin_a,
    )
    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    settings, keys = parse_snom(response.content)
    assert keys[1] == {"value": "line", "context": "2", "label": "Morten Helmer", "perm": "RW"}
    assert keys[2]["value"] == "blf 201" and keys[2]["label"] == "Morten B"
    assert keys[3]["value"] == "speed +4588887765" and keys[3]["label"] == "Kontor"
    other.refresh_from_db()
    assert settings[("user_name", "2")][0] == other.sip_account.username
    assert settings[("user_pass", "2")][0] == other.sip_account.password


def test_unassigned_free_seating_and_deleted_user_get_no_credentials(phone_client, base_a, snom_phone, line_user, admin_a):
    line_user.delete()
    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 200
    settings, keys = parse_snom(response.content)
    assert settings[("user_active", "1")][0] == "off"
    assert settings[("user_pass", "1")][0] == ""
    assert settings[("user_name", "1")][0] == ""
    assert keys[0]["value"] == "none"


@pytest.mark.parametrize("stored_files", [True, False])
def test_configuration_follows_changes_without_staleness(phone_client, base_a, snom_phone, line_user, org_a, admin_a, django_capture_on_commit_callbacks, settings, stored_files):
    settings.PROVISIONING_CACHE_FILES = stored_files
    url = f"{base_a}/snom/000413A1B2C3.xml"
    agent = snom_ua("725")
    first, _ = parse_snom(phone_client.get(url, HTTP_USER_AGENT=agent).content)
    assert first[("user_realname", "1")][0] == "Kasper Leth Jensen"
    with django_capture_on_commit_callbacks(execute=True):
        line_user.first_name = "Kasper"
        line_user.save()
    second, _ = parse_snom(phone_client.get(url, HTTP_USER_AGENT=agent).content)
    assert second[("user_realname", "1")][0] == "Kasper Jensen"
    with django_capture_on_commit_callbacks(execute=True):
        device_operations.sipaccount_reset_password(user=line_user, by=admin_a)
    line_user.refresh_from_db()
    third, _ = parse_snom(phone_client.get(url, HTTP_USER_AGENT=agent).content)
    assert third[("user_pass", "1")][0] == line_user.sip_account.password != first[("user_pass", "1")][0]
    with django_capture_on_commit_callbacks(execute=True):
        org_a.default_language = "en"
        org_a.time_zone = "Europe/Stockholm"
        org_a.save()
    fourth, _ = parse_snom(phone_client.get(url, HTTP_USER_AGENT=agent).content)
    assert fourth[("language", None)][0] == "English"
    assert fourth[("timezone", None)][0] == "SWE+1"
    with django_capture_on_commit_callbacks(execute=True):
        device_operations.phone_assign_user(phone=snom_phone, user=None, by=admin_a)
    fifth, _ = parse_snom(phone_client.get(url, HTTP_USER_AGENT=agent).content)
    assert fifth[("user_active", "1")][0] == "off"


def test_stored_file_holds_no_clear_password(phone_client, base_a, snom_phone, line_user):
    from provisioning.models import RenderedFile

    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    password = line_user.sip_account.password
    assert password.encode() in response.content
    stored = RenderedFile.objects.get(phone=snom_phone, family="snom")
    assert password not in stored.body and "user_pass" not in stored.body and "Kasper" not in stored.body
    again = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert again.content == response.content  # served from the stored file, decrypted


def test_phones_are_not_redirected_to_https(client, base_a, snom_phone, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.PROVISIONING_ALLOW_HTTP = True
    assert client.get("/accounts/login/").status_code == 301  # the portal is HTTPS-only
    response = client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 200  # phones may have only plain HTTP (PRV-1: the URL may be http)
    assert client.get(f"/prov/{'x' * 43}/snom/000413A1B2C3.xml").status_code == 404


def test_without_the_middleware_the_url_pattern_serves_the_same_answers(phone_client, base_a, snom_phone, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "provisioning.middleware.ProvisioningMiddleware"]
    ok = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert ok.status_code == 200 and b"user_pass" in ok.content
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)  # phones send no CSRF token
    refused = strict.post(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert (refused.status_code, refused.content) == (404, b"Not Found\n")
    assert phone_client.get("/prov/%0A", HTTP_USER_AGENT=snom_ua("725")).status_code == 404
