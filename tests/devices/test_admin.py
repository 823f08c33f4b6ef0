"""Support staff in the Django admin: phones and SIP accounts, audited, rules enforced."""

from django.urls import reverse

from connect.lib.audit import history_for
from devices.models import Phone, SipAccount
from devices.operations import phone_assign_user
from tests.devices.factories import PhoneFactory


def _phone_post(org, **overrides):
    data = {
        "organisation": org.pk, "mac": "00:04:13:aa:bb:cc", "model": "snom-d345", "description": "Admin",
        "expansion_module": "", "expansion_module_count": "0", "user": "",
        "keys-TOTAL_FORMS": "0", "keys-INITIAL_FORMS": "0", "keys-MIN_NUM_FORMS": "0", "keys-MAX_NUM_FORMS": "1000",
        "fetches-TOTAL_FORMS": "0", "fetches-INITIAL_FORMS": "0", "fetches-MIN_NUM_FORMS": "0", "fetches-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_support_adds_phone_audited(client, support, org_a):
    client.force_login(support)
    response = client.post(reverse("admin:devices_phone_add"), _phone_post(org_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    phone = Phone.objects.get(mac="000413AABBCC")
    assert history_for(phone).get().actor == support


def test_admin_refuses_other_org_user(client, support, org_a, admin_b):
    client.force_login(support)
    response = client.post(reverse("admin:devices_phone_add"), _phone_post(org_a, user=admin_b.pk))
    assert response.status_code == 200
    assert "Choose a user of this organisation" in response.content.decode()
    assert not Phone.objects.exists()


def test_admin_sip_password_never_shown_and_renewable(client, support, org_a, admin_a, user_a):
    phone = PhoneFactory(organisation=org_a)
    phone_assign_user(phone=phone, user=user_a, by=admin_a)
    account = SipAccount.objects.get(user=user_a)
    old = account.password
    client.force_login(support)
    html = client.get(reverse("admin:devices_sipaccount_change", args=[account.pk])).content.decode()
    assert old not in html and account.password_encrypted not in html
    client.post(reverse("admin:devices_sipaccount_changelist"), {"action": "reset_password", "_selected_action": [account.pk]})
    account.refresh_from_db()
    assert account.password != old
    assert client.get(reverse("admin:devices_phone_changelist")).status_code == 200
