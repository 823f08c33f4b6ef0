"""The internal API the SIP platform uses: registration status and free-seating log-ins."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from devices.models import Phone
from devices.operations import phone_set_free_seating
from tests.devices.factories import PhoneFactory

TOKEN = "platform-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.PLATFORM_API_TOKEN = TOKEN
    return TOKEN


def post(client, url, body, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(url, data=raw if raw is not None else json.dumps(body), content_type="application/json", **headers)


def test_registration_updates_status_shown_in_list(client, client_a, org_a, token):
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3")
    other = PhoneFactory(organisation=org_a, mac="00085D1610DE", registration_status=Phone.Registration.REGISTERED)
    url = reverse("devices:platform_registration")
    response = post(client, url, {"phones": [{"mac": "00:04:13:a1:b2:c3", "status": "registered"},
                                             {"mac": "00085D1610DE", "status": "unregistered"},
                                             {"mac": "FFFFFFFFFFFF", "status": "registered"},
                                             {"mac": "nonsense", "status": "registered"}]}, token)
    assert response.status_code == 200
    assert response.json() == {"updated": 2, "unchanged": 0, "unknown": ["FFFFFFFFFFFF"], "invalid": ["nonsense"]}
    phone.refresh_from_db()
    other.refresh_from_db()
    assert phone.registration_status == "registered" and phone.registration_changed_at
    assert other.registration_status == "unregistered"
    html = client_a.get(reverse("devices:phone_list")).content.decode()
    assert 'data-registration="registered"' in html and 'data-registration="unregistered"' in html


def test_no_token_configured_is_404(client, settings, org_a):
    settings.PLATFORM_API_TOKEN = ""
    phone = PhoneFactory(organisation=org_a)
    response = post(client, reverse("devices:platform_registration"), [{"mac": phone.mac, "status": "registered"}], "")
    assert response.status_code == 404


@pytest.mark.parametrize("given", [None, "", "wrong", TOKEN + "x", TOKEN[:-1]])
def test_bad_token_is_401_and_changes_nothing(client, token, org_a, given):
    phone = PhoneFactory(organisation=org_a)
    response = post(client, reverse("devices:platform_registration"), [{"mac": phone.mac, "status": "registered"}], given)
    assert response.status_code == 401
    phone.refresh_from_db()
    assert phone.registration_status == Phone.Registration.UNKNOWN


def test_signed_in_admin_without_token_gets_401(client_a, token):
    assert client_a.post(reverse("devices:platform_registration"), data="[]", content_type="application/json").status_code == 401


def test_get_is_405_even_with_token(client, token):
    response = client.get(reverse("devices:platform_registration"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405


@pytest.mark.parametrize("raw", ["not json", '{"phones": 3}', '[1, 2]', '"x"', "\xff"])
def test_bad_body_is_400(client, token, raw):
    assert post(client, reverse("devices:platform_registration"), None, token, raw=raw).status_code == 400


def test_seating(client, client_a, org_a, admin_a, user_a, admin_b, token):
    phone = PhoneFactory(organisation=org_a, mac="000413D34500")
    url = reverse("devices:platform_seating")
    assert post(client, url, {"mac": phone.mac, "username": user_a.username}, token).status_code == 400  # not free seating
    phone_set_free_seating(phone=phone, enabled=True, by=admin_a)
    response = post(client, url, {"mac": "00:04:13:d3:45:00", "username": user_a.username}, token)
    assert response.json() == {"mac": phone.mac, "state": "seated"}
    phone.refresh_from_db()
    assert phone.seated_user == user_a
    assert post(client, url, {"mac": phone.mac, "username": admin_b.username}, token).status_code == 400
    response = post(client, url, {"mac": phone.mac, "username": None}, token)
    assert response.json()["state"] == "free_seating"
    assert post(client, url, {"mac": "FFFFFFFFFFFF"}, token).status_code == 404
    assert post(client, url, {"mac": phone.mac}, None).status_code == 401


def test_set_registration_command(org_a):
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3")
    out = io.StringIO()
    call_command("set_registration", "000413a1b2c3", "green", stdout=out)
    phone.refresh_from_db()
    assert phone.registration_status == "registered"
    assert "updated: 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("set_registration", "000413A1B2C3")
    with pytest.raises(SystemExit):
        call_command("set_registration", "FFFFFFFFFFFF", "registered", stdout=io.StringIO(), stderr=io.StringIO())


def test_set_registration_command_json(org_a, tmp_path):
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3")
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"phones": [{"mac": phone.mac, "status": "unregistered"}]}))
    call_command("set_registration", "--json", str(path), stdout=io.StringIO())
    phone.refresh_from_db()
    assert phone.registration_status == "unregistered"
