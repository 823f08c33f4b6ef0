"""Smartphone clients (DEV-5)."""

from django.urls import reverse
from django.utils import timezone

from customers.models import User
from customers.operations import numberrange_create  # noqa: F401
from customers.operations.users import user_set_mobile
from tests.factories import UserFactory


def test_statuses_and_filter(client_a, org_a, admin_a):
    invited = UserFactory(organisation=org_a, username="invited@a.example")
    in_use = UserFactory(organisation=org_a, username="inuse@a.example")
    user_set_mobile(user=invited, number="+4520304050", by=admin_a)
    now = timezone.now()
    User.objects.filter(pk=invited.pk).update(welcome_sent_at=now)
    User.objects.filter(pk=in_use.pk).update(welcome_sent_at=now, mobile_app_first_used_at=now)
    url = reverse("customers:smartphone_list")
    body = client_a.get(url).content.decode()
    assert "Not invited" in body and "Invited " in body and "In use since" in body
    assert "+4520304050" in body
    assert "Invite again" in body
    names = [u.username for u in client_a.get(url, {"status": "invited"}).context["page_obj"]]
    assert names == ["invited@a.example"]
    names = [u.username for u in client_a.get(url, {"status": "in_use"}).context["page_obj"]]
    assert names == ["inuse@a.example"]
    assert client_a.get(url, {"status": "bogus"}).status_code == 200


def test_invite_skips_users_without_mobile(client_a, org_a):
    nomobile = UserFactory(organisation=org_a, username="nomobile@a.example")
    response = client_a.post(reverse("customers:smartphone_invite"), {"users": [nomobile.pk]}, follow=True)
    assert "no mobile number" in response.content.decode()
    assert "nomobile@a.example" in response.content.decode()


def test_invite_other_org_user_rejected(client_a, org_b):
    other = UserFactory(organisation=org_b)
    response = client_a.post(reverse("customers:smartphone_invite"), {"users": [other.pk]}, follow=True)
    assert "Select users of the organisation" in response.content.decode()


def test_invite_sends_welcome_sms(client_a, org_a, admin_a):
    from customers.models import OutboundMessage

    with_mobile = UserFactory(organisation=org_a, username="mobile@a.example")
    without = UserFactory(organisation=org_a, username="plain@a.example")
    user_set_mobile(user=with_mobile, number="+4520304050", by=admin_a)
    response = client_a.post(reverse("customers:smartphone_invite"), {"users": [with_mobile.pk, without.pk]}, follow=True)
    body = response.content.decode()
    assert "plain@a.example" in body and "no mobile number" in body
    messages = OutboundMessage.objects.filter(user=with_mobile)
    assert [(m.channel, m.recipient) for m in messages] == [("sms", "+4520304050")]
    assert not OutboundMessage.objects.filter(user=without).exists()
