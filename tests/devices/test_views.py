"""The SIP phones pages (DEV-1..4) as an organisation admin sees them."""

import pytest
from django.urls import reverse

from devices import platform
from devices.models import FunctionKey, Phone
from devices.operations import phone_assign_user, phone_seat, phone_set_free_seating
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory


@pytest.fixture
def phones(org_a, admin_a):
    klj = UserFactory(organisation=org_a, username="klj@ipvision.dk", first_name="Kasper Leth", last_name="Jensen")
    assigned = PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725", description="Reception")
    phone_assign_user(phone=assigned, user=klj, by=admin_a)
    idle = PhoneFactory(organisation=org_a, mac="00085D1610DE", model="mitel-6867i", description="Lager")
    free = PhoneFactory(organisation=org_a, mac="000413D34500", model="snom-d345", description="Hot desk")
    phone_set_free_seating(phone=free, enabled=True, by=admin_a)
    seated = PhoneFactory(organisation=org_a, mac="000413D34501", model="snom-d345", description="Hot desk 2")
    phone_set_free_seating(phone=seated, enabled=True, by=admin_a)
    phone_seat(phone=seated, user=klj)
    return {"assigned": assigned, "idle": idle, "free": free, "seated": seated, "klj": klj}


def test_menu_links_to_phones_page(client_a):
    response = client_a.get(reverse("home"))
    assert reverse("devices:phone_list") in response.content.decode()


def test_phones_page_shows_models_and_every_column(client_a, phones):
    response = client_a.get(reverse("devices:phone_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Supported models", "6867", "D725", "Meeting Point", "M685i", "snom725", "6867i"):
        assert text in html
    for header in ("MAC address", "Username", "User", "Type", "Firmware version", "IP address", "Description", "State", "Status"):
        assert f">{header}</th>" in html
    assert "klj@ipvision.dk" in html and "Kasper Leth Jensen" in html
    for state in ('data-state="assigned"', 'data-state="not_provisioned"', 'data-state="free_seating"', 'data-state="seated"'):
        assert state in html


@pytest.mark.parametrize(
    "state,expected",
    [("assigned", ["000413A1B2C3"]), ("not_provisioned", ["00085D1610DE"]), ("free_seating", ["000413D34500"]), ("seated", ["000413D34501"])],
)
def test_filter_by_state(client_a, phones, state, expected):
    html = client_a.get(reverse("devices:phone_list"), {"state": state}).content.decode()
    shown = [mac for mac in ("000413A1B2C3", "00085D1610DE", "000413D34500", "000413D34501") if f">{mac}</a>" in html]
    assert shown == expected


@pytest.mark.parametrize("q,expected", [("klj", "000413A1B2C3"), ("Lager", "00085D1610DE"), ("00:08:5d", "00085D1610DE"), ("jensen", "000413A1B2C3")])
def test_search(client_a, phones, q, expected):
    html = client_a.get(reverse("devices:phone_list"), {"q": q}).content.decode()
    assert f">{expected}</a>" in html
    assert html.count('href="/devices/phones/') - html.count('/devices/phones/new/') >= 1


def test_bad_filter_input_is_not_an_error(client_a, phones):
    response = client_a.get(reverse("devices:phone_list"), {"state": "bogus", "q": "x\x07y", "page": "999"})
    assert response.status_code == 200
    # NUL never reaches the filter: connect.middleware.RefuseNulMiddleware answers 400.
    assert client_a.get(reverse("devices:phone_list"), {"q": "x\x00y"}).status_code == 400


def test_pagination(client_a, org_a):
    for _ in range(55):
        PhoneFactory(organisation=org_a)
    html = client_a.get(reverse("devices:phone_list")).content.decode()
    assert "1 / 2" in html
    html2 = client_a.get(reverse("devices:phone_list"), {"page": 2}).content.decode()
    assert html2.count('class="font-monospace"') == 5


def test_create_phone(client_a, org_a):
    response = client_a.post(
        reverse("devices:phone_create"),
        {"mac": "00:04:13:aa:bb:cc", "model": "snom-d345", "description": "Møderum", "expansion_module": "", "expansion_module_count": "0"},
    )
    phone = Phone.objects.get(mac="000413AABBCC")
    assert response.status_code == 302 and response["Location"] == reverse("devices:phone_keys", args=[phone.pk])
    assert phone.organisation == org_a and phone.description == "Møderum"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"mac": "00:04:13:aa:bb", "model": "snom-d345"}, "mac"),
        ({"mac": "000413AABBCC", "model": "snom-700"}, "model"),
        ({"mac": "000413AABBCC", "model": "snom-d345", "description": "x" * 65}, "description"),
        ({"mac": "000413AABBCC", "model": "snom-d345", "description": "a\x01b"}, "description"),
        ({"mac": "000413AABBCC", "model": "mitel-6863i", "expansion_module": "M680i", "expansion_module_count": "1"}, "expansion_module"),
    ],
)
def test_create_phone_bad_input(client_a, data, field):
    response = client_a.post(reverse("devices:phone_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Phone.objects.exists()


def test_duplicate_mac_of_other_org_refused_without_leaking(client_a, org_b):
    PhoneFactory(organisation=org_b, mac="000413AABBCC", description="secret-b")
    response = client_a.post(reverse("devices:phone_create"), {"mac": "000413aabbcc", "model": "snom-d345"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert "org-b" not in response.content.decode()


def test_detail_shows_last_seen(client_a, phones):
    from devices.operations import phone_record_fetch

    phone = phones["idle"]
    ua = "Aastra6867i MAC:00-08-5D-16-10-DE V:5.1.0.2045-SIP"
    phone_record_fetch(phone=phone, ip="198.51.100.7", user_agent=ua, firmware="5.1.0.2045", file_name="00085D1610DE.cfg")
    html = client_a.get(reverse("devices:phone_detail", args=[phone.pk])).content.decode()
    assert ua in html and "198.51.100.7" in html and "5.1.0.2045" in html and "00085D1610DE.cfg" in html
    assert "/history/" in html


def test_edit_and_delete(client_a, phones):
    phone = phones["idle"]
    response = client_a.post(
        reverse("devices:phone_update", args=[phone.pk]),
        {"mac": phone.mac, "model": "mitel-6869i", "description": "Lager 2", "expansion_module": "M680i", "expansion_module_count": "2"},
    )
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.model == "mitel-6869i" and len(phone.key_slots()) == 44 + 32
    response = client_a.post(reverse("devices:phone_delete", args=[phone.pk]))
    assert response.status_code == 302
    assert not Phone.objects.filter(pk=phone.pk).exists()


def test_key_table_sized_by_model(client_a, phones):
    html = client_a.get(reverse("devices:phone_keys", args=[phones["assigned"].pk])).content.decode()
    assert html.count("data-position=") == 18  # Snom D725
    assert 'value="klj@ipvision.dk"' in html
    assert "Save and reload" not in html  # Snom: no check-sync button
    mitel = phones["idle"]
    mitel.expansion_module, mitel.expansion_module_count = "M680i", 1
    mitel.save()
    html = client_a.get(reverse("devices:phone_keys", args=[mitel.pk])).content.decode()
    assert html.count("data-position=") == 20 + 16
    assert "Expansion module 1" in html and "Save and reload" in html


def _keys_post(phone, **overrides):
    data = {"line1_user": ""}
    for slot in phone.key_slots()[1:]:
        n = slot.position
        data.update({f"key_{n}_type": "none", f"key_{n}_value": "", f"key_{n}_user": "", f"key_{n}_label": ""})
    data.update(overrides)
    return data


def test_assign_user_and_keys(client_a, org_a, phones):
    phone = phones["idle"]
    mbe = UserFactory(organisation=org_a, username="mbe@ipvision.dk")
    data = _keys_post(
        phone,
        line1_user="KLJ@ipvision.dk",
        key_2_type="line", key_2_user="mbe@ipvision.dk",
        key_3_type="speed", key_3_value="88887765", key_3_label="Kontor",
        key_4_type="blf", key_4_user="mbe@ipvision.dk",
    )
    response = client_a.post(reverse("devices:phone_keys", args=[phone.pk]), data)
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.user == phones["klj"] and phone.state == Phone.State.ASSIGNED
    keys = {k.position: k for k in phone.keys.all()}
    assert keys[2].type == "line" and keys[2].target_user == mbe
    assert keys[3].value == "+4588887765" and keys[3].label == "Kontor"
    assert keys[4].type == "blf"


def test_key_errors_change_nothing(client_a, phones):
    phone = phones["idle"]
    data = _keys_post(phone, line1_user="klj@ipvision.dk", key_3_type="speed", key_3_value="١٢٣٤")
    response = client_a.post(reverse("devices:phone_keys", args=[phone.pk]), data)
    assert response.status_code == 200
    assert "Key 3" in response.content.decode()
    phone.refresh_from_db()
    assert phone.user is None and not phone.keys.exists()


def test_crafted_post_with_other_org_user_rejected(client_a, phones, admin_b):
    phone = phones["idle"]
    data = _keys_post(phone, line1_user=admin_b.username, key_2_type="blf", key_2_user=admin_b.username)
    response = client_a.post(reverse("devices:phone_keys", args=[phone.pk]), data)
    assert response.status_code == 200
    assert "No user" in response.content.decode()
    phone.refresh_from_db()
    assert phone.user is None and not FunctionKey.objects.filter(phone=phone).exists()


def test_free_seating_via_keys_page(client_a, phones):
    phone = phones["assigned"]
    response = client_a.post(reverse("devices:phone_keys", args=[phone.pk]), _keys_post(phone, free_seating="on"))
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.free_seating and phone.user is None and phone.state == Phone.State.FREE_SEATING
    # A user together with free seating is refused.
    response = client_a.post(reverse("devices:phone_keys", args=[phone.pk]), _keys_post(phone, free_seating="on", line1_user="klj@ipvision.dk"))
    assert response.status_code == 200
    phone.refresh_from_db()
    assert phone.user is None


def test_save_and_reload_sends_check_sync(client_a, phones, settings, django_capture_on_commit_callbacks):
    settings.PLATFORM_BACKEND = "locmem"
    platform.outbox.clear()
    phone = phones["idle"]
    Phone.objects.filter(pk=phone.pk).update(last_ip="192.0.2.10")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("devices:phone_keys", args=[phone.pk]), {**_keys_post(phone, line1_user="klj@ipvision.dk"), "reload": "1"})
    assert response.status_code == 302
    assert len(platform.outbox) == 1
    sent = platform.outbox[0]
    assert sent.host == "192.0.2.10" and sent.mac == phone.mac
    assert sent.user == phones["klj"].sip_account.username


def test_user_search_and_pick(client_a, phones, admin_b):
    url = reverse("devices:user_search")
    html = client_a.get(url, {"field": "line1_user", "line1_user": "kasper"}).content.decode()
    assert "klj@ipvision.dk" in html
    html = client_a.get(url, {"field": "line1_user", "line1_user": "admin@b"}).content.decode()
    assert admin_b.username not in html
    assert client_a.get(url, {"field": "evil<script>", "q": "k"}).status_code == 404
    pick = reverse("devices:user_pick")
    html = client_a.get(pick, {"field": "key_3_user", "user": phones["klj"].pk}).content.decode()
    assert 'value="klj@ipvision.dk"' in html and 'name="key_3_user"' in html
    assert client_a.get(pick, {"field": "key_3_user", "user": admin_b.pk}).status_code == 404
    assert client_a.get(pick, {"field": "key_3_user", "user": "x1"}).status_code == 404


def test_standard_user_has_no_access(client, user_a, phones):
    client.force_login(user_a)
    assert client.get(reverse("devices:phone_list")).status_code == 403
    assert client.get(reverse("devices:phone_detail", args=[phones["idle"].pk])).status_code == 403


def test_anonymous_redirected_to_login(client, phones):
    response = client.get(reverse("devices:phone_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_org_pages_404(client_b, phones):
    pk = phones["assigned"].pk
    assert client_b.get(reverse("devices:phone_detail", args=[pk])).status_code == 404
    for name in ("phone_update", "phone_delete", "phone_keys"):
        assert client_b.get(reverse(f"devices:{name}", args=[pk])).status_code == 404
        assert client_b.post(reverse(f"devices:{name}", args=[pk]), {"mac": "000413A1B2C3"}).status_code == 404
    assert Phone.objects.filter(pk=pk).exists()
    html = client_b.get(reverse("devices:phone_list")).content.decode()
    assert "000413A1B2C3" not in html


def test_list_queries_do_not_grow_with_phones(client_a, org_a, admin_a, django_assert_max_num_queries):
    for _ in range(3):
        phone = PhoneFactory(organisation=org_a)
        phone_assign_user(phone=phone, user=UserFactory(organisation=org_a), by=admin_a)
    client_a.get(reverse("devices:phone_list"))  # warm caches (ticket creation, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client_a.get(reverse("devices:phone_list"))
    for _ in range(20):
        phone = PhoneFactory(organisation=org_a)
        phone_assign_user(phone=phone, user=UserFactory(organisation=org_a), by=admin_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_a.get(reverse("devices:phone_list"))


def test_provisioning_panel_on_the_phones_page(client_a):
    from devices.views import provisioning_panel_available

    if not provisioning_panel_available():
        pytest.skip("the provisioning app provides no panel in this tree")
    html = client_a.get(reverse("devices:phone_list")).content.decode()
    assert "/prov/" in html and "data-copy=" in html
    # Order of DEV-1: models, provisioning URLs, then the phone list.
    assert html.index('id="models-heading"') < html.index("/prov/") < html.index('id="phones-heading"')
