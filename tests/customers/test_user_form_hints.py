"""What the user page offers before anything is typed: the "Enable mobile VoIP" default and password
hints that are true for the user at hand (one with, one without a stored password)."""

import re

from django.urls import reverse

from customers.models import User
from customers.models.users import ThirdPartySipAccount
from customers.operations.users import user_create, user_set_third_party_sip

KEEP_SIP = "Leave empty to keep the current password."
NEW_SIP = "Needed to enable the third-party SIP phone; “Generate” creates one."


def _checkbox(page, name):
    match = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def _help(page, field_id):
    match = re.search(rf'<div id="{field_id}_helptext" class="form-text">(.*?)</div>', page, re.S)
    assert match, field_id
    return match.group(1).strip()


def test_new_user_form_leaves_mobile_voip_unticked(client_a):
    page = client_a.get(reverse("customers:user_create")).content.decode()
    assert "checked" not in _checkbox(page, "mobile_voip_enabled")


def test_user_created_without_saying_has_no_mobile_voip(org_a, admin_a):
    user = user_create(
        organisation=org_a,
        username="new@a.example",
        first_name="Ny",
        last_name="Bruger",
        by=admin_a,
    )
    assert User.objects.get(pk=user.pk).mobile_voip_enabled is False


def test_existing_user_keeps_a_ticked_mobile_voip(client_a, user_a):
    user_a.mobile_voip_enabled = True
    user_a.save()
    page = client_a.get(reverse("customers:user_update", args=[user_a.pk])).content.decode()
    assert "checked" in _checkbox(page, "mobile_voip_enabled")


def test_sip_password_hint_on_the_new_user_form(client_a):
    page = client_a.get(reverse("customers:user_create")).content.decode()
    hint = _help(page, "id_sip_password")
    assert NEW_SIP in hint and "current password" not in hint


def test_sip_password_hint_on_a_user_without_a_sip_password(client_a, user_a):
    url = reverse("customers:user_update", args=[user_a.pk])
    assert NEW_SIP in _help(client_a.get(url).content.decode(), "id_sip_password")
    # A disabled account that never got a password has nothing to keep either.
    ThirdPartySipAccount.objects.create(user=user_a, sip_username="walk-sip", enabled=False)
    hint = _help(client_a.get(url).content.decode(), "id_sip_password")
    assert NEW_SIP in hint and "current password" not in hint


def test_sip_password_hint_on_a_user_with_a_sip_password(client_a, user_a, admin_a):
    user_set_third_party_sip(user=user_a, enabled=True, password="Secret-Pass-12345", by=admin_a)
    page = client_a.get(reverse("customers:user_update", args=[user_a.pk])).content.decode()
    assert KEEP_SIP in _help(page, "id_sip_password")
    assert "A password is stored. It is never shown." in page


def test_sign_in_password_hint_follows_whether_the_user_has_one(client_a, org_a, admin_a, user_a):
    without = user_create(
        organisation=org_a,
        username="nopw@a.example",
        first_name="Uden",
        last_name="Kode",
        by=admin_a,
    )
    hint = _help(
        client_a.get(reverse("customers:user_update", args=[without.pk])).content.decode(),
        "id_password",
    )
    assert "welcome message" in hint and "current password" not in hint
    hint = _help(
        client_a.get(reverse("customers:user_update", args=[user_a.pk])).content.decode(),
        "id_password",
    )
    assert "Leave empty to keep the current password." in hint
