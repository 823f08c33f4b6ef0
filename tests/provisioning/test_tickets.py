"""Tickets (PRV-4, invariant 6): entropy, storage, renewal, the panel and the renew page."""

import re
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from connect.lib.audit import history_for
from customers.models import AuditEntry
from customers.operations.organisations import organisation_create
from provisioning.models import Ticket, ticket_digest
from provisioning.operations import ticket_for, ticket_renew
from provisioning.queries import ticket_by_value
from tests.devices.factories import PhoneFactory
from tests.factories import OrganisationFactory
from tests.provisioning.conftest import parse_snom, snom_ua

pytestmark = pytest.mark.django_db


def test_ticket_has_256_random_bits_and_is_stored_as_digest(org_a):
    ticket = ticket_for(org_a)
    value = ticket.ticket
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)  # token_urlsafe(32): 256 bits
    assert ticket.digest == ticket_digest(value)
    assert value not in ticket.ticket_encrypted and value not in ticket.digest
    assert value not in str(ticket)
    assert ticket_for(org_a).pk == ticket.pk  # one per organisation, created once
    assert ticket_for(org_a).ticket != ticket_for(OrganisationFactory(name="x")).ticket


def test_lookup_is_by_exact_value(org_a):
    value = ticket_for(org_a).ticket
    assert ticket_by_value(value).organisation == org_a
    assert ticket_by_value(value[:-1]) is None
    assert ticket_by_value(value.swapcase()) is None
    assert ticket_by_value(value + "A") is None


def test_new_organisation_gets_a_ticket(support):
    organisation = organisation_create(name="fresh-org", by=support)
    assert Ticket.objects.filter(organisation=organisation).exists()


def test_renewal_is_audited_without_the_secret(org_a, admin_a):
    old = ticket_for(org_a).ticket
    renewed = ticket_renew(organisation=org_a, by=admin_a)
    assert renewed.ticket != old and renewed.generation == 2 and renewed.renewed_at
    entry = history_for(renewed).filter(action=AuditEntry.Action.UPDATE).get()
    assert entry.actor == admin_a
    assert entry.changes == {"generation": ["1", "2"]}
    dumped = str(entry.changes) + entry.object_repr
    assert old not in dumped and renewed.ticket not in dumped
    assert ticket_by_value(old) is None


def test_cached_phone_file_after_renewal_points_at_the_new_ticket(phone_client, org_a, admin_a, snom_phone, settings):
    settings.PROVISIONING_CACHE_FILES = True
    old = ticket_for(org_a).ticket
    first, _ = parse_snom(phone_client.get(f"/prov/{old}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).content)
    assert old in first[("setting_server", None)][0]
    new = ticket_renew(organisation=org_a, by=admin_a).ticket  # on_commit not run inside the test transaction
    second, _ = parse_snom(phone_client.get(f"/prov/{new}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).content)
    assert second[("setting_server", None)][0].endswith(f"/prov/{new}/snom/")


# -- the renewal race: other connections see the old ticket until commit, never after ------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_fetch_during_renewal(client, org_a, admin_a):
    PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    old = ticket_for(org_a).ticket
    url = "/prov/{}/snom/000413A1B2C3.xml"
    inside, fetched, result = threading.Event(), threading.Event(), {}

    def renew():
        try:
            with transaction.atomic():
                result["new"] = ticket_renew(organisation=org_a, by=admin_a).ticket
                inside.set()
                fetched.wait(10)  # hold the renewal open while the main thread fetches
        finally:
            connections.close_all()

    worker = threading.Thread(target=renew)
    worker.start()
    assert inside.wait(10)
    # Not committed yet: the old ticket still works, the new one does not exist for others.
    assert client.get(url.format(old), HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 200
    assert client.get(url.format(result["new"]), HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 404
    fetched.set()
    worker.join(10)
    # Committed: the old ticket is the common 404 at once, the new one works.
    assert client.get(url.format(old), HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 404
    assert client.get(url.format(result["new"]), HTTP_USER_AGENT=snom_ua("725"), secure=True).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_no_request_started_after_the_commit_is_served_with_the_old_ticket(org_a, admin_a):
    from django.test import Client

    PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    old = ticket_for(org_a).ticket
    stop = threading.Event()
    log = []  # (start, end, status)

    def hammer():
        client = Client()
        try:
            while not stop.is_set():
                start = time.monotonic()
                status = client.get(
                    f"/prov/{old}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"), secure=True
                ).status_code
                log.append((start, time.monotonic(), status))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    renewing = time.monotonic()
    ticket_renew(organisation=org_a, by=admin_a)  # autocommit: committed when it returns
    committed = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(10)
    before = [status for start, end, status in log if end < renewing]
    after = [status for start, end, status in log if start > committed]
    assert before and set(before) == {200}
    assert after and set(after) == {404}


# -- the panel and the renew page ------------------------------------------------------------


def render_panel(rf, user, organisation):
    from django.template import Context, Template

    request = rf.get("/devices/")
    request.user = user
    request.organisation = organisation
    return Template("{% load provisioning_tags %}{% provisioning_panel %}").render(Context({"request": request}))


def test_panel_shows_the_three_urls_with_copy_buttons_and_renew(rf, admin_a, org_a, settings):
    settings.PROVISIONING_BASE_URL = "https://connect.example"
    html = render_panel(rf, admin_a, org_a)
    value = ticket_for(org_a).ticket
    for family in ("snom", "mitel", "mivoice"):
        assert f'value="https://connect.example/prov/{value}/{family}/"' in html
        assert f'data-copy="prov-url-{family}"' in html
        assert f'id="prov-url-{family}"' in html
    assert reverse("provisioning:ticket_renew") in html
    assert "redirect services" in html


def test_panel_hides_renew_from_standard_users(rf, user_a, org_a):
    html = render_panel(rf, user_a, org_a)
    assert reverse("provisioning:ticket_renew") not in html


def test_renew_page_confirms_then_renews(client_a, org_a, admin_a):
    old = ticket_for(org_a).ticket
    page = client_a.get(reverse("provisioning:ticket_renew"))
    assert page.status_code == 200
    assert "redirect services" in page.content.decode()
    assert ticket_for(org_a).ticket == old  # GET changes nothing
    response = client_a.post(reverse("provisioning:ticket_renew"), {"next": "/devices/"})
    assert response.status_code == 302 and response["Location"] == "/devices/"
    assert ticket_for(org_a).ticket != old
    assert ticket_by_value(old) is None


def test_renew_refuses_other_roles_and_never_touches_another_organisation(client, user_a, admin_b, org_a, org_b):
    old_a, old_b = ticket_for(org_a).ticket, ticket_for(org_b).ticket
    url = reverse("provisioning:ticket_renew")
    assert client.post(url)["Location"].startswith(reverse("login"))  # anonymous
    client.force_login(user_a)
    assert client.post(url).status_code == 403  # standard user
    client.force_login(admin_b)
    assert client.post(url).status_code == 302  # renews org B's own ticket only
    assert ticket_for(org_a).ticket == old_a
    assert ticket_for(org_b).ticket != old_b


def test_renew_redirect_stays_on_site(client_a):
    response = client_a.post(reverse("provisioning:ticket_renew"), {"next": "https://evil.example/"})
    assert not response["Location"].startswith("https://evil.example")


def test_support_renews_a_ticket_from_the_django_admin(client, support, org_a):
    old = ticket_for(org_a)
    client.force_login(support)
    page = client.get(reverse("admin:provisioning_ticket_changelist"))
    assert page.status_code == 200 and old.ticket not in page.content.decode()
    detail = client.get(reverse("admin:provisioning_ticket_change", args=[old.pk]))
    assert detail.status_code == 200 and old.ticket not in detail.content.decode()
    response = client.post(reverse("admin:provisioning_ticket_changelist"),
                           {"action": "renew", "_selected_action": [old.pk]})
    assert response.status_code == 302
    assert ticket_by_value(old.ticket) is None
    assert history_for(old).filter(action=AuditEntry.Action.UPDATE, actor=support).exists()
