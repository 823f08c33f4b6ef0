"""Where the devices pages are reached from: the Enheder menu and the user page."""

import re

from django.urls import reverse

from devices.operations import phone_assign_user
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory


def _menu(html, title):
    """The <ul> of the top-level menu called `title`."""
    match = re.search(r'data-bs-toggle="dropdown"[^>]*>' + re.escape(title) + r"</a>\s*<ul class=\"dropdown-menu\">(.*?)</ul>", html, re.S)
    assert match, f"no menu {title!r}"
    return match.group(1)


def test_smartphone_clients_are_under_devices_as_in_the_guide(client_a):
    html = client_a.get(reverse("home")).content.decode()
    devices = _menu(html, "Devices")
    assert reverse("devices:phone_list") in devices
    assert reverse("customers:smartphone_list") in devices
    assert reverse("customers:smartphone_list") not in _menu(html, "User administration")


def test_user_page_links_the_users_desk_phones(client_a, org_a, admin_a):
    user = UserFactory(organisation=org_a, username="klj@ipvision.dk")
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    phone_assign_user(phone=phone, user=user, by=admin_a)
    html = client_a.get(reverse("customers:user_update", args=[user.pk])).content.decode()
    assert f'<a href="{reverse("devices:phone_detail", args=[phone.pk])}">000413A1B2C3</a>' in html
