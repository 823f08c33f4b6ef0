import pytest
from django.core.exceptions import ValidationError

from connect.lib.audit import history_for
from devices import catalog, operations
from devices.models import FunctionKey, Phone, PhoneFetch, SipAccount, normalise_mac
from devices.queries import phone_config_data, phone_for_provisioning, sip_credentials_for
from devices.signals import phone_config_changed
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory


@pytest.fixture
def changed():
    received = []

    def receiver(sender, phone_ids, **kwargs):
        received.append(list(phone_ids))

    phone_config_changed.connect(receiver)
    yield received
    phone_config_changed.disconnect(receiver)


@pytest.mark.parametrize(
    "raw", ["000413a1b2c3", "00:04:13:A1:B2:C3", "00-04-13-a1-b2-c3", " 0004.13a1.b2c3 "]
)
def test_mac_forms_normalise(raw):
    assert normalise_mac(raw) == "000413A1B2C3"


@pytest.mark.parametrize("raw", ["", "000413A1B2", "000413A1B2C3D4", "00041ZA1B2C3", "０００413A1B2C3", "000413A1B2C\x00"])
def test_bad_macs_refused(raw):
    with pytest.raises(ValidationError):
        normalise_mac(raw)


def test_create_phone_is_audited_and_signalled(org_a, admin_a, changed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone = operations.phone_create(organisation=org_a, mac="00:04:13:a1:b2:c3", model="snom-725", by=admin_a)
    assert phone.mac == "000413A1B2C3"
    assert phone.state == Phone.State.NOT_PROVISIONED
    assert history_for(phone).count() == 1
    assert changed == [[phone.pk]]


def test_mac_unique_across_organisations(org_a, org_b, admin_a, admin_b):
    operations.phone_create(organisation=org_a, mac="000413A1B2C3", model="snom-725", by=admin_a)
    with pytest.raises(ValidationError) as exc:
        operations.phone_create(organisation=org_b, mac="000413a1b2c3", model="snom-d345", by=admin_b)
    assert "mac" in exc.value.message_dict


def test_unsupported_model_refused(org_a, admin_a):
    with pytest.raises(ValidationError):
        operations.phone_create(organisation=org_a, mac="000413A1B2C3", model="snom-700", by=admin_a)


def test_assign_user_creates_encrypted_sip_account(org_a, admin_a, user_a, changed, django_capture_on_commit_callbacks):
    phone = PhoneFactory(organisation=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        operations.phone_assign_user(phone=phone, user=user_a, by=admin_a)
    phone.refresh_from_db()
    assert phone.state == Phone.State.ASSIGNED
    account = SipAccount.objects.get(user=user_a)
    creds = sip_credentials_for(user_a)
    assert creds.username == account.username
    assert len(creds.password) == 20
    assert creds.password not in account.password_encrypted
    assert creds.password not in repr(creds)
    # Told once, though both the assignment and the new SIP account change the file.
    assert changed == [[phone.pk]]


def test_assign_other_org_user_refused(org_a, admin_a, admin_b):
    phone = PhoneFactory(organisation=org_a)
    with pytest.raises(ValidationError):
        operations.phone_assign_user(phone=phone, user=admin_b, by=admin_a)
    phone.refresh_from_db()
    assert phone.user is None


def test_free_seating_clears_user_and_states(org_a, admin_a, user_a):
    phone = PhoneFactory(organisation=org_a, user=user_a)
    operations.phone_set_free_seating(phone=phone, enabled=True, by=admin_a)
    phone.refresh_from_db()
    assert phone.user is None and phone.state == Phone.State.FREE_SEATING
    operations.phone_seat(phone=phone, user=user_a)
    phone.refresh_from_db()
    assert phone.state == Phone.State.SEATED
    with pytest.raises(ValidationError):
        operations.phone_assign_user(phone=phone, user=user_a, by=admin_a)
    assert Phone.objects.with_state(Phone.State.SEATED).get() == phone


def test_keys_sized_by_model_and_expansion():
    assert len(catalog.key_slots("mitel-6867i")) == 20
    slots = catalog.key_slots("mitel-6867i", "M685i", 2)
    assert len(slots) == 20 + 2 * 84
    assert slots[20].vendor_name == "expmod1 key1"
    assert slots[-1].vendor_name == "expmod2 key84"
    assert catalog.key_slots("snom-725")[0].vendor_name == "fkey0"
    assert len(catalog.key_slots("mitel-6863i", "M680i", 3)) == 3  # 6863i takes no module


def test_set_keys_validates_and_renders(org_a, admin_a, user_a):
    other = UserFactory(organisation=org_a)
    phone = PhoneFactory(organisation=org_a, user=user_a, model="snom-d345")
    operations.sipaccount_ensure(user=user_a)
    operations.phone_set_keys(
        phone=phone,
        by=admin_a,
        keys=[
            {"position": 2, "type": "line", "target_user": other},
            {"position": 3, "type": "speed", "value": "88 88 77 65", "label": "Reception"},
            {"position": 4, "type": "blf", "value": "1500"},
        ],
    )
    assert SipAccount.objects.filter(user=other).exists()
    assert FunctionKey.objects.get(phone=phone, position=3).value == "+4588887765"
    data = phone_config_data(phone_for_provisioning(phone.mac))
    assert [r.type for r in data.keys[:5]] == ["line", "line", "speed", "blf", "none"]
    assert data.line1.username == user_a.sip_account.username
    assert len(data.keys) == 12
    with pytest.raises(ValidationError) as exc:
        operations.phone_set_keys(phone=phone, by=admin_a, keys=[{"position": 13, "type": "speed", "value": "1"}])
    assert "Key 13" in exc.value.messages[0]


def test_deleting_user_unassigns_phone(org_a, admin_a, user_a, changed, django_capture_on_commit_callbacks):
    phone = PhoneFactory(organisation=org_a)
    operations.phone_assign_user(phone=phone, user=user_a, by=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        user_a.delete()
    phone.refresh_from_db()
    assert phone.user is None and phone.state == Phone.State.NOT_PROVISIONED
    assert changed[-1] == [phone.pk]
    data = phone_config_data(phone_for_provisioning(phone.mac))
    assert data.line1 is None


def test_record_fetch_keeps_latest(org_a):
    phone = PhoneFactory(organisation=org_a)
    for i in range(operations.FETCH_LOG_SIZE + 5):
        phone = operations.phone_record_fetch(phone=phone, ip=f"10.0.0.{i}", user_agent="UA\x00x", firmware=f"10.1.{i}")
    phone.refresh_from_db()
    assert phone.fetch_count == operations.FETCH_LOG_SIZE + 5
    assert phone.last_ip == "10.0.0.14"
    assert phone.firmware == "10.1.14"
    assert PhoneFetch.objects.filter(phone=phone).count() <= operations.FETCH_LOG_SIZE * 2
    assert "\x00" not in PhoneFetch.objects.first().user_agent


def test_auto_add(org_a):
    phone = operations.phone_auto_add(organisation=org_a, mac="00085D1610DE", model="mitel-6867i", ip="192.0.2.7")
    assert phone.description == "192.0.2.7" and phone.auto_added and phone.user is None
    with pytest.raises(ValidationError):
        operations.phone_auto_add(organisation=org_a, mac="00085D1610DE", model="mitel-6867i", ip="192.0.2.7")


def test_registration_update(org_a):
    phone = PhoneFactory(organisation=org_a)
    result = operations.registration_update(statuses=[(phone.mac.lower(), "registered"), ("FFFFFFFFFFFF", "red"), ("x", "y")])
    assert result["updated"] == 1 and result["unknown"] == ["FFFFFFFFFFFF"] and result["invalid"] == ["x"]
    phone.refresh_from_db()
    assert phone.registration_status == Phone.Registration.REGISTERED


def test_renaming_a_shown_user_signals_their_phones(org_a, admin_a, user_a, changed, django_capture_on_commit_callbacks):
    phone = PhoneFactory(organisation=org_a)
    other = PhoneFactory(organisation=org_a)
    operations.phone_assign_user(phone=phone, user=user_a, by=admin_a)
    operations.phone_set_keys(phone=other, by=admin_a, keys=[{"position": 2, "type": "blf", "target_user": user_a}])
    with django_capture_on_commit_callbacks(execute=True):
        user_a.first_name = "Renamed"
        user_a.save()
    assert changed == [sorted([phone.pk, other.pk])]
    changed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        user_a.save(update_fields=["last_login"])
    assert changed == []


def test_keys_and_free_seating_signal(org_a, admin_a, changed, django_capture_on_commit_callbacks):
    phone = PhoneFactory(organisation=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        operations.phone_set_keys(phone=phone, by=admin_a, keys=[{"position": 2, "type": "speed", "value": "1500"}])
        operations.phone_set_free_seating(phone=phone, enabled=True, by=admin_a)
        operations.phone_update(phone=phone, by=admin_a, description="New")
    assert changed == [[phone.pk]]  # once per transaction
    assert [e.changes.keys() for e in history_for(phone)][0] >= {"description"}


def test_sip_password_reset_changes_credentials(org_a, admin_a, user_a):
    phone = PhoneFactory(organisation=org_a)
    operations.phone_assign_user(phone=phone, user=user_a, by=admin_a)
    old = sip_credentials_for(user_a).password
    operations.sipaccount_reset_password(user=user_a, by=admin_a)
    user_a.refresh_from_db()
    new = sip_credentials_for(user_a).password
    assert new != old
    assert all(old not in str(e.changes) and new not in str(e.changes) for e in history_for(user_a.sip_account))


def test_a_rolled_back_change_is_not_announced(org_a, changed, django_capture_on_commit_callbacks):
    from django.db import transaction

    from devices.signals import notify_config_changed

    first, second = PhoneFactory(organisation=org_a), PhoneFactory(organisation=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_config_changed([first.pk])
            raise RuntimeError("the change failed")
        notify_config_changed([second.pk])
        notify_config_changed([second.pk])
    assert changed == [[second.pk]]
    assert Phone.objects.get(pk=first.pk).config_version == 0  # rolled back with the change
