"""Mitel 68xx (PRV-2) and MiVoice Conference (PRV-3) files, checked by parsing `key: value`."""

import pytest

from devices import operations as device_operations
from devices.models import FunctionKey, Phone
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory
from tests.provisioning.conftest import mitel_ua, parse_cfg

pytestmark = pytest.mark.django_db

MAC = "00085D1610DE"


@pytest.mark.parametrize("name", ["startup.cfg", "aastra.cfg"])
def test_global_file_is_never_empty_and_points_back_at_the_ticket(phone_client, base_a, org_a, name):
    org_a.default_language = "da"
    org_a.save()
    response = phone_client.get(f"{base_a}/mitel/{name}", HTTP_USER_AGENT=mitel_ua("6867i", MAC))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    cfg = parse_cfg(response.content.decode())
    assert cfg["download protocol"] == "HTTP"
    assert cfg["http server"] == "127.0.0.1"
    assert cfg["http port"] == "8000"
    assert cfg["http path"] == f"{base_a.lstrip('/')}/mitel"
    assert cfg["time server1"] == "pool.ntp.org"
    assert cfg["time zone name"] == "DK-Copenhagen"
    assert cfg["language"] == "1" and cfg["language 1"] == "lang_da.txt"
    assert not any(key.startswith("sip line") for key in cfg)


def test_model_file_exists_for_the_phones_model(phone_client, base_a):
    response = phone_client.get(f"{base_a}/mitel/6867i.cfg", HTTP_USER_AGENT=mitel_ua("6867i", MAC))
    assert response.status_code == 200
    assert parse_cfg(response.content.decode()) == {}  # nothing model-specific, but the file exists


@pytest.mark.parametrize(
    "agent",
    [
        mitel_ua("6867i", MAC, "4.1.0.128"),  # Aastra prefix, 4.x firmware
        mitel_ua("6867i", MAC, "5.1.0.2047", brand="Mitel"),  # newer firmware says Mitel
        mitel_ua("6867i", MAC.lower(), "6.4.0.140", brand="Mitel"),
    ],
)
def test_mac_file_carries_line1_account(phone_client, base_a, mitel_phone, line_user, agent):
    response = phone_client.get(f"{base_a}/mitel/{MAC}.cfg", HTTP_USER_AGENT=agent)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    cfg = parse_cfg(response.content.decode())
    account = line_user.sip_account
    assert cfg["sip line1 user name"] == account.username
    assert cfg["sip line1 auth name"] == account.username
    assert cfg["sip line1 password"] == account.password
    assert cfg["sip line1 display name"] == "Kasper Leth Jensen"
    assert cfg["sip line1 screen name"] == "Kasper Leth Jensen"
    assert cfg["sip line1 proxy ip"] == "sip.connect.example"
    assert cfg["sip line1 registrar ip"] == "sip.connect.example"
    # 6867i: 20 top softkeys; key 1 shows line 1, the others are cleared.
    assert cfg["topsoftkey1 type"] == "line" and cfg["topsoftkey1 line"] == "1"
    assert all(cfg[f"topsoftkey{n} type"] == "none" for n in range(2, 21))
    assert "topsoftkey21 type" not in cfg
    phone = Phone.objects.get(mac=MAC)
    assert phone.firmware == agent.split("V:")[1].removesuffix("-SIP")
    assert phone.last_ip == "198.51.100.23"


def test_keys_and_expansion_modules(phone_client, base_a, org_a, line_user, admin_a):
    phone = PhoneFactory(organisation=org_a, mac=MAC, model="mitel-6869i", expansion_module="M680i", expansion_module_count=2)
    device_operations.phone_assign_user(phone=phone, user=line_user, by=admin_a)
    shared = UserFactory(organisation=org_a, first_name="Morten", last_name="Brendstrup")
    device_operations.phone_set_keys(
        phone=phone,
        keys=[
            {"position": 2, "type": FunctionKey.Type.LINE, "target_user": shared},
            {"position": 3, "type": FunctionKey.Type.BLF, "value": "202", "label": "Kenneth"},
            {"position": 45, "type": FunctionKey.Type.SPEED_DIAL, "value": "+4588887701", "label": "Salg"},
            {"position": 44 + 16 + 16, "type": FunctionKey.Type.BLF, "target_user": shared},
        ],
        by=admin_a,
    )
    response = phone_client.get(f"{base_a}/mitel/{MAC}.cfg", HTTP_USER_AGENT=mitel_ua("6869i", MAC))
    cfg = parse_cfg(response.content.decode())
    shared.refresh_from_db()
    assert cfg["topsoftkey2 type"] == "line" and cfg["topsoftkey2 line"] == "2"
    assert cfg["topsoftkey2 label"] == "Morten Brendstrup"
    assert cfg["sip line2 user name"] == shared.sip_account.username
    assert cfg["sip line2 password"] == shared.sip_account.password
    assert (cfg["topsoftkey3 type"], cfg["topsoftkey3 value"], cfg["topsoftkey3 label"]) == ("blf", "202", "Kenneth")
    # 6869i has 44 top softkeys; key 45 is the first key of the first M680i module.
    assert (cfg["expmod1 key1 type"], cfg["expmod1 key1 value"]) == ("speeddial", "+4588887701")
    assert cfg["expmod2 key16 type"] == "blf"
    assert cfg["expmod2 key16 value"] == shared.sip_account.username  # no line number: SIP user
    assert "expmod3 key1 type" not in cfg


def test_deleted_user_wipes_credentials(phone_client, base_a, mitel_phone, line_user):
    line_user.delete()
    cfg = parse_cfg(phone_client.get(f"{base_a}/mitel/{MAC}.cfg", HTTP_USER_AGENT=mitel_ua("6867i", MAC)).content.decode())
    assert cfg["sip line1 user name"] == ""
    assert cfg["sip line1 password"] == ""
    assert cfg["topsoftkey1 type"] == "none"


@pytest.mark.parametrize("name", ["security.tuz", "startup.lic", f"{MAC}.lic", "6867i.st", f"{MAC}.tuz"])
def test_encrypted_licence_and_firmware_files_are_404(phone_client, base_a, mitel_phone, name):
    response = phone_client.get(f"{base_a}/mitel/{name}", HTTP_USER_AGENT=mitel_ua("6867i", MAC))
    assert response.status_code == 404


def test_a_display_name_cannot_inject_a_setting(phone_client, base_a, mitel_phone, line_user):
    line_user.first_name = "Eve # sip line1 password: x"
    line_user.save()
    cfg = parse_cfg(phone_client.get(f"{base_a}/mitel/{MAC}.cfg", HTTP_USER_AGENT=mitel_ua("6867i", MAC)).content.decode())
    assert cfg["sip line1 password"] == line_user.sip_account.password
    assert cfg["sip line1 display name"].startswith("Eve")


# -- MiVoice Conference and Video Phone (PRV-3) -----------------------------------------------


def test_mivoice_global_and_mac_file(phone_client, base_a, org_a, line_user, admin_a):
    phone = PhoneFactory(organisation=org_a, mac="1400E91BE241", model="mitel-mivoice-conference")
    device_operations.phone_assign_user(phone=phone, user=line_user, by=admin_a)
    agent = "Mitel UC360 Collaboration Point/4.2.0.23"  # format unknown (DEV-2): accepted
    glob = phone_client.get(f"{base_a}/mivoice/startup.cfg", HTTP_USER_AGENT=agent)
    assert glob.status_code == 200
    assert parse_cfg(glob.content.decode())["http path"].endswith("/mivoice")
    mine = phone_client.get(f"{base_a}/mivoice/1400E91BE241.cfg", HTTP_USER_AGENT=agent)
    cfg = parse_cfg(mine.content.decode())
    assert cfg["sip line1 user name"] == line_user.sip_account.username
    assert cfg["sip line1 password"] == line_user.sip_account.password
    assert not any("softkey" in key or "expmod" in key for key in cfg)


def test_mivoice_refuses_68xx_and_snom_phones(phone_client, base_a, mitel_phone):
    assert phone_client.get(f"{base_a}/mivoice/{MAC}.cfg", HTTP_USER_AGENT=mitel_ua("6867i", MAC)).status_code == 404
    snom = "Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)"
    assert phone_client.get(f"{base_a}/mivoice/startup.cfg", HTTP_USER_AGENT=snom).status_code == 404
    assert phone_client.get(f"{base_a}/mivoice/startup.cfg").status_code == 404  # no User-Agent at all
