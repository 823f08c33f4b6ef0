"""Calendar connectors (ORG-3): the pages, the encrypted password, the server URL guard, "Test
forbindelse" against a real local HTTPS server, "in use" by users (USR-14), Danish."""

import base64
import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from connect.lib import crypto
from customers import operations
from customers.models import AuditEntry, CalendarConnector
from tests.customers.tls_server import TLSServer
from tests.factories import CalendarConnectorFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Hemmelig-Exch-2026"
EWS_OK = (
    b'<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    b'<m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    b'<m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
    b"</m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>"
)


def form_data(**data):
    payload = {
        "name": "ipvexch01",
        "kind": "ews",
        "server_url": "https://mail.example.com/EWS/Exchange.asmx",
        "username": "svc-connect@example.com",
        "password": SECRET,
        "sync_calendar": "on",
    }
    payload.update(data)
    return payload


@pytest.fixture
def server(tmp_path, settings):
    server = TLSServer(tmp_path)
    settings.CONNECTOR_ALLOW_PRIVATE_ADDRESSES = True
    settings.CONNECTOR_CA_FILE = str(server.ca_file)
    settings.CONNECTOR_TEST_TIMEOUT = 2
    yield server
    server.close()


def connector_at(org, url, **fields):
    return CalendarConnectorFactory(organisation=org, server_url=url, password_encrypted=crypto.encrypt(SECRET), **fields)


def run_test(client, connector):
    response = client.post(reverse("customers:connector_test", args=[connector.pk]), follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


# --- pages and the password -----------------------------------------------------------------------


def test_an_admin_creates_a_connector_whose_password_is_encrypted_and_never_shown(client_a, org_a):
    response = client_a.post(reverse("customers:connector_create"), form_data())
    connector = CalendarConnector.objects.get(organisation=org_a)
    assert response.status_code == 302 and response["Location"] == reverse("customers:connector_update", args=[connector.pk])
    assert SECRET not in connector.password_encrypted and crypto.decrypt(connector.password_encrypted) == SECRET
    page = client_a.get(reverse("customers:connector_update", args=[connector.pk])).content.decode()
    assert SECRET not in page and connector.password_encrypted not in page
    assert "A password is stored" in page and "Test connection" in page
    listing = client_a.get(reverse("customers:connector_list")).content.decode()
    assert "ipvexch01" in listing and "Exchange (EWS)" in listing
    entries = AuditEntry.objects.filter(object_id=str(connector.pk))
    assert entries.exists() and all(SECRET not in str(e.changes) and connector.password_encrypted not in str(e.changes) for e in entries)


def test_an_empty_password_on_edit_keeps_the_stored_one_and_a_new_one_is_audited_without_its_text(client_a, org_a, admin_a):
    connector = operations.connector_create(organisation=org_a, by=admin_a, **{**form_data(), "sync_calendar": True})
    url = reverse("customers:connector_update", args=[connector.pk])
    assert client_a.post(url, form_data(password="", name="ipvexch02")).status_code == 302
    connector.refresh_from_db()
    assert connector.name == "ipvexch02" and crypto.decrypt(connector.password_encrypted) == SECRET
    assert client_a.post(url, form_data(password="Nyt-Kodeord-99")).status_code == 302
    connector.refresh_from_db()
    assert crypto.decrypt(connector.password_encrypted) == "Nyt-Kodeord-99"
    last = AuditEntry.objects.filter(object_id=str(connector.pk)).order_by("-pk").first()
    assert last.changes["password"] == ["", "(changed)"] and "Nyt-Kodeord-99" not in str(last.changes)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com/EWS/Exchange.asmx", "must start with https://"),
        ("file:///etc/passwd", "must start with https://"),
        ("https://127.0.0.1/EWS/Exchange.asmx", "internal network address"),
        ("https://localhost/EWS/Exchange.asmx", "internal network address"),
        ("https://10.1.2.3/EWS/Exchange.asmx", "internal network address"),
        ("https://169.254.169.254/latest/meta-data/", "special network address"),
        ("https://[::1]/EWS/Exchange.asmx", "internal network address"),
        ("https://admin:pw@mail.example.com/EWS/Exchange.asmx", "user name or password in the server url"),
        ("https://", "no server name"),
        ("", "required"),
    ],
)
def test_bad_server_urls_get_a_clear_error_and_nothing_is_written(client_a, url, message):
    response = client_a.post(reverse("customers:connector_create"), form_data(server_url=url))
    assert response.status_code == 200
    assert message in response.content.decode().lower().replace("&#x27;", "'")
    assert not CalendarConnector.objects.exists()


def test_names_are_unique_whatever_the_case(client_a, org_a, org_b):
    CalendarConnectorFactory(organisation=org_b, name="ipvexch01")  # another organisation's name is free
    assert client_a.post(reverse("customers:connector_create"), form_data()).status_code == 302
    response = client_a.post(reverse("customers:connector_create"), form_data(name="IPVEXCH01"))
    assert response.status_code == 200 and "already used" in response.content.decode()
    assert CalendarConnector.objects.filter(organisation=org_a).count() == 1


def test_another_organisations_connector_is_404(client_a, org_b):
    connector = CalendarConnectorFactory(organisation=org_b)
    for name in ("connector_update", "connector_delete", "connector_test"):
        assert client_a.post(reverse(f"customers:{name}", args=[connector.pk])).status_code == 404


# --- "Test forbindelse" -------------------------------------------------------------------------


def test_an_exchange_server_that_accepts_the_password_answers_connection_ok(client_a, org_a, server):
    server.answer = (200, {"Content-Type": "text/xml"}, EWS_OK)
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    assert run_test(client_a, connector) == [
        "Connection OK: the Exchange server was reached and accepted the user name and password."
    ]
    request = server.requests[-1]
    assert request["method"] == "POST" and request["path"] == "/EWS/Exchange.asmx"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(f"svc-connect@example.com:{SECRET}".encode()).decode()
    assert b"DistinguishedFolderId" in request["body"]


def test_a_refused_password_is_reported_as_such(client_a, org_a, server):
    server.answer = (401, {"WWW-Authenticate": 'Basic realm="mail"'}, b"")
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    assert run_test(client_a, connector) == ["The server refused the user name or password (401)."]


def test_a_server_without_basic_sign_in_says_what_it_asks_for(client_a, org_a, server):
    server.answer = (401, {"WWW-Authenticate": "NTLM"}, b"")
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    (message,) = run_test(client_a, connector)
    assert "does not accept sign-in with user name and password" in message and "NTLM" in message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((404, {}, b"Not found"), "Not an Exchange server: there is nothing at this address (404)."),
        ((200, {"Content-Type": "text/html"}, b"<html>It works!</html>"), "Not an Exchange server: the server answered (200)"),
        ((503, {}, b""), "The server reported an error (503)."),
    ],
)
def test_a_server_that_is_not_exchange_is_reported(client_a, org_a, server, answer, expected):
    server.answer = answer
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    (message,) = run_test(client_a, connector)
    assert message.startswith(expected)


def test_a_redirect_to_another_host_is_not_followed(client_a, org_a, server):
    server.answer = (302, {"Location": "https://169.254.169.254/latest/meta-data/"}, b"")
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    (message,) = run_test(client_a, connector)
    assert "redirects to another server (https://169.254.169.254/latest/meta-data/)" in message
    assert len(server.requests) == 1


def test_a_redirect_to_plain_http_on_the_same_host_is_not_followed(client_a, org_a, server):
    server.answer = (301, {"Location": f"http://127.0.0.1:{server.port}/EWS/Exchange.asmx"}, b"")
    connector = connector_at(org_a, f"{server.url}/ews")
    (message,) = run_test(client_a, connector)
    assert "which is not followed" in message and len(server.requests) == 1


def test_a_redirect_on_the_same_server_is_followed(client_a, org_a, server):
    server.answers = [(301, {"Location": "/EWS/Exchange.asmx"}, b""), (200, {}, EWS_OK)]
    connector = connector_at(org_a, f"{server.url}/ews")
    (message,) = run_test(client_a, connector)
    assert message.startswith("Connection OK")
    assert [r["path"] for r in server.requests] == ["/ews", "/EWS/Exchange.asmx"]


def test_an_untrusted_certificate_is_reported(client_a, org_a, server, settings):
    settings.CONNECTOR_CA_FILE = ""
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    (message,) = run_test(client_a, connector)
    assert message.startswith("The server's TLS certificate is not trusted")
    assert server.requests == []


def test_a_server_that_does_not_answer_times_out(client_a, org_a, settings):
    settings.CONNECTOR_ALLOW_PRIVATE_ADDRESSES = True
    settings.CONNECTOR_TEST_TIMEOUT = 0.3
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the connection is queued, never answered
    try:
        connector = connector_at(org_a, f"https://127.0.0.1:{silent.getsockname()[1]}/EWS/Exchange.asmx")
        assert run_test(client_a, connector) == ["The server did not answer within 0.3 seconds."]
    finally:
        silent.close()


def test_a_server_that_drips_its_answer_is_cut_off(client_a, org_a, server, settings):
    settings.CONNECTOR_TEST_TIMEOUT = 0.5  # every byte comes in time, the whole answer does not
    server.drip = 0.1
    server.answer = (200, {}, b"x" * 5000)
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")
    assert run_test(client_a, connector) == ["The server did not answer within 0.5 seconds."]


def test_private_addresses_are_refused_at_connection_time_unless_allowed(client_a, org_a, server, settings):
    settings.CONNECTOR_ALLOW_PRIVATE_ADDRESSES = False
    connector = connector_at(org_a, f"{server.url}/EWS/Exchange.asmx")  # saved while it was allowed
    (message,) = run_test(client_a, connector)
    assert "internal network address (127.0.0.1)" in message and server.requests == []


def test_a_name_that_resolves_to_the_metadata_address_is_refused_before_connecting(client_a, org_a, monkeypatch):
    connected = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 443))])
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    connector = connector_at(org_a, "https://exchange.example.com/EWS/Exchange.asmx")
    (message,) = run_test(client_a, connector)
    assert "special network address (169.254.169.254)" in message and connected == []


def test_a_name_that_cannot_be_found_is_reported(client_a, org_a, monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    connector = connector_at(org_a, "https://exchange.example.com/EWS/Exchange.asmx")
    assert run_test(client_a, connector) == ["The server name exchange.example.com could not be found (DNS)."]


def test_microsoft_graph_is_checked_for_reachability_without_credentials(client_a, org_a, server):
    server.answer = (401, {"request-id": "abc", "Content-Type": "application/json"}, b'{"error":{"code":"InvalidAuthenticationToken"}}')
    connector = connector_at(org_a, f"{server.url}/v1.0/", kind=CalendarConnector.Kind.GRAPH)
    (message,) = run_test(client_a, connector)
    assert message.startswith("Connection OK: Microsoft Graph was reached.")
    assert "Authorization" not in server.requests[-1]["headers"]


# --- in use by users (USR-14) --------------------------------------------------------------------


def test_a_connector_in_use_cannot_be_deleted_and_the_page_lists_its_users(client_a, org_a):
    connector = CalendarConnectorFactory(organisation=org_a)
    user = UserFactory(organisation=org_a, username="klj@ipvision.dk", first_name="Kasper Leth", last_name="Jensen")
    operations.user_update(user=user, by=None, calendar_sync_enabled=True, calendar_sync_id="klj@ipvision.dk")
    user.refresh_from_db()
    assert user.calendar_connector == connector  # the only connector is used
    url = reverse("customers:connector_delete", args=[connector.pk])
    page = client_a.get(url).content.decode()
    assert "cannot be deleted" in page and "Kasper Leth Jensen (klj@ipvision.dk)" in page
    assert reverse("customers:user_update", args=[user.pk]) in page
    response = client_a.post(url, follow=True)
    assert CalendarConnector.objects.filter(pk=connector.pk).exists()
    assert "is in use and cannot be deleted" in response.content.decode()
    operations.user_update(user=user, by=None, calendar_sync_enabled=False)
    user.refresh_from_db()
    assert user.calendar_connector is None
    assert client_a.post(url).status_code == 302
    assert not CalendarConnector.objects.filter(pk=connector.pk).exists()


def test_with_several_connectors_the_user_form_asks_which_one(client_a, org_a):
    first = CalendarConnectorFactory(organisation=org_a, name="ipvexch01")
    CalendarConnectorFactory(organisation=org_a, name="ipvexch02")
    user = UserFactory(organisation=org_a)
    with pytest.raises(ValidationError) as excinfo:
        operations.user_update(user=user, by=None, calendar_sync_enabled=True, calendar_sync_id="a@example.com")
    assert "calendar_connector" in excinfo.value.message_dict
    page = client_a.get(reverse("customers:user_update", args=[user.pk])).content.decode()
    assert 'name="calendar_connector"' in page and "ipvexch02" in page
    operations.user_update(user=user, by=None, calendar_sync_enabled=True, calendar_sync_id="a@example.com", calendar_connector=first)
    user.refresh_from_db()
    assert user.calendar_connector == first


def test_a_user_cannot_sync_through_another_organisations_connector(org_a, org_b):
    theirs = CalendarConnectorFactory(organisation=org_b)
    user = UserFactory(organisation=org_a)
    with pytest.raises(ValidationError) as excinfo:
        operations.user_update(user=user, by=None, calendar_sync_enabled=True, calendar_sync_id="a@example.com", calendar_connector=theirs)
    assert "calendar_connector" in excinfo.value.message_dict


# --- Danish ------------------------------------------------------------------------------------


def test_the_pages_speak_danish(client_a, admin_a, org_a):
    admin_a.language = "da"
    admin_a.save()
    connector = CalendarConnectorFactory(organisation=org_a)
    with translation.override("da"):
        listing = client_a.get(reverse("customers:connector_list"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
        page = client_a.get(reverse("customers:connector_update", args=[connector.pk]), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Kalenderforbindelser" in listing and "Licensbrug" in listing
    assert "Test forbindelse" in page and "Synkroniser kalender" in page and "Adgangskode" in page


def test_the_demo_has_the_calendar_connector_ipvexch01(db):
    from customers.demo import seed

    demo, other = seed()
    seed()  # idempotent
    (connector,) = CalendarConnector.objects.for_organisation(demo)
    assert (connector.name, connector.kind, connector.sync_calendar) == ("ipvexch01", CalendarConnector.Kind.EXCHANGE, True)
    assert not CalendarConnector.objects.for_organisation(other).exists()


def test_support_staff_use_the_same_rules_in_the_admin(client, support, org_a):
    client.force_login(support)
    url = reverse("admin:customers_calendarconnector_add")
    data = {"organisation": org_a.pk, "name": "ipvexch01", "kind": "ews", "username": "svc@example.com", "password": SECRET}
    refused = client.post(url, {**data, "server_url": "https://169.254.169.254/latest/meta-data/"})
    assert refused.status_code == 200 and "special network address" in refused.content.decode()
    assert not CalendarConnector.objects.exists()
    assert client.post(url, {**data, "server_url": "https://mail.example.com/EWS/Exchange.asmx"}).status_code == 302
    connector = CalendarConnector.objects.get(organisation=org_a)
    assert crypto.decrypt(connector.password_encrypted) == SECRET
    page = client.get(reverse("admin:customers_calendarconnector_change", args=[connector.pk])).content.decode()
    assert SECRET not in page and connector.password_encrypted not in page


def test_an_organisation_whose_users_sync_through_a_connector_can_still_be_deleted(org_a):
    connector = CalendarConnectorFactory(organisation=org_a)
    UserFactory(organisation=org_a, calendar_sync_enabled=True, calendar_sync_id="a@example.com", calendar_connector=connector)
    org_a.delete()  # the users go with it, so the connector is no longer in use
    assert not CalendarConnector.objects.exists()


def test_the_database_refuses_to_delete_a_connector_in_use_even_without_the_page(org_a):
    from django.db.models import RestrictedError

    connector = CalendarConnectorFactory(organisation=org_a)
    UserFactory(organisation=org_a, calendar_sync_enabled=True, calendar_sync_id="a@example.com", calendar_connector=connector)
    with pytest.raises(RestrictedError):
        connector.delete()
