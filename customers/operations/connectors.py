"""Calendar connectors (ORG-3, Kalenderforbindelser): create, change, delete, test.

Names are unique per organisation whatever their case. The server URL must be https and may not
name an internal address (connect.lib.safehttp checks it again, resolved, when it is contacted).
The password is stored encrypted (connect.lib.crypto); an empty password on change keeps the
stored one, and the audit trail records only that it changed. A connector that users synchronise
through (User.calendar_connector, USR-14) cannot be deleted (connect.lib.references).

"Test forbindelse" (`connector_test`) makes one real request with a short timeout:
- Exchange (EWS): a SOAP GetFolder of the calendar folder, POSTed to the server URL with the user
  name and password as HTTP basic authentication. An EWS answer means reached and signed in; 401
  means the user name or password was refused (or basic sign-in is off); anything else is "not an
  Exchange server".
- Microsoft 365 (Graph): a GET of the server URL without credentials. Graph signs in with OAuth,
  which the synchronisation does; the test checks that the server is reachable and is Graph.
"""

import base64
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connect.lib import crypto, safehttp
from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry, CalendarConnector
from customers.operations.naming import (
    check_fields,
    check_unique_name,
    clean_choice,
    clean_text,
    delete_unreferenced,
)

CONNECTOR_FIELDS = ("name", "kind", "server_url", "username", "password", "sync_calendar", "sync_contacts")
PASSWORD_MAX_LENGTH = 256


def clean_server_url(value):
    """The URL as stored: https, a host, no credentials, not an internal address written as an
    IP address. Raises ValidationError keyed by `server_url`."""
    url = (value or "").strip()
    if not url:
        raise ValidationError({"server_url": _("This field is required.")}, code="required")
    max_length = CalendarConnector._meta.get_field("server_url").max_length
    if len(url) > max_length:
        raise ValidationError({"server_url": _("At most %(max)d characters.") % {"max": max_length}}, code="max_length")
    try:
        parts = safehttp.check_url(url)
    except safehttp.OutboundError as exc:
        raise ValidationError({"server_url": exc.message}, code="invalid") from exc
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError as exc:
        raise ValidationError({"server_url": _("Enter a valid URL.")}, code="invalid") from exc
    refusal = safehttp.check_host_literal(parts.hostname)
    if refusal:
        raise ValidationError({"server_url": refusal}, code="internal_address")
    return url


def connector_create(*, organisation, by, **fields):
    """Add a calendar connector: name, type, server URL, user name, password, what it synchronises."""
    check_fields("connector_create", fields, CONNECTOR_FIELDS)
    with transaction.atomic():
        connector = CalendarConnector(organisation=organisation)
        return _connector_save(connector, fields, before={}, by=by)


def connector_update(*, connector, by, **fields):
    """Change a connector; `password` empty or absent keeps the stored one."""
    check_fields("connector_update", fields, CONNECTOR_FIELDS)
    with transaction.atomic():
        connector = CalendarConnector.objects.select_for_update().get(pk=connector.pk)
        return _connector_save(connector, fields, before=snapshot(connector), by=by)


def _connector_save(connector, fields, *, before, by):
    creating = not before
    if "name" in fields or creating:
        connector.name = clean_text(CalendarConnector, "name", fields.get("name"), required=True)
    if "kind" in fields or creating:
        connector.kind = clean_choice("kind", fields.get("kind"), CalendarConnector.Kind, CalendarConnector.Kind.EXCHANGE)
    if "server_url" in fields or creating:
        connector.server_url = clean_server_url(fields.get("server_url"))
    if "username" in fields:
        connector.username = clean_text(CalendarConnector, "username", fields["username"], required=False)
    for name in ("sync_calendar", "sync_contacts"):
        if name in fields:
            setattr(connector, name, bool(fields[name]))
    password = fields.get("password") or ""
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError({"password": _("At most %(max)d characters.") % {"max": PASSWORD_MAX_LENGTH}}, code="max_length")
    if password:
        connector.password_encrypted = crypto.encrypt(password)
    check_unique_name(connector)
    try:
        with transaction.atomic():
            connector.save()
    except IntegrityError as exc:  # a concurrent request took the name first
        raise ValidationError({"name": _("The name “%(name)s” is already used.") % {"name": connector.name}}, code="unique") from exc
    changes = diff(before, snapshot(connector))
    if password and not creating:
        changes["password"] = ["", "(changed)"]  # that it changed, never what to
    action = AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE
    audit_record(actor=by, action=action, obj=connector, changes=changes)
    return connector


def connector_delete(*, connector, by):
    """Delete a connector no user synchronises through."""
    delete_unreferenced(connector, by=by)


# --- "Test forbindelse" ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorTestResult:
    ok: bool
    message: str


EWS_NAMESPACE = b"schemas.microsoft.com/exchange/services/2006"
EWS_PROBE = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    b' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'
    b' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    b'<soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header>'
    b"<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    b'<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder></soap:Body>'
    b"</soap:Envelope>"
)
_RESPONSE_CODE = re.compile(rb"<(?:\w+:)?ResponseCode>\s*([A-Za-z]+)\s*<")
USER_AGENT = "Connect portal (calendar connector test)"


def connector_test(*, connector):
    """Contact the connector's server once (see the module docstring); never raises for network
    trouble: the result says in plain words what happened."""
    try:
        if connector.kind == CalendarConnector.Kind.GRAPH:
            return _test_graph(connector)
        return _test_ews(connector)
    except safehttp.OutboundError as exc:
        return ConnectorTestResult(False, exc.message)


def _test_ews(connector):
    credentials = f"{connector.username}:{crypto.decrypt(connector.password_encrypted)}".encode()
    headers = {
        "Content-Type": "text/xml; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
    }
    answer = safehttp.request("POST", connector.server_url, headers=headers, body=EWS_PROBE)
    is_ews = EWS_NAMESPACE in answer.body
    if answer.status == 401:
        offered = answer.headers.get("www-authenticate", "")
        if offered and "basic" not in offered.lower():
            return ConnectorTestResult(
                False,
                gettext("The server does not accept sign-in with user name and password (basic authentication); it asks for: %(methods)s.")
                % {"methods": offered[:100]},
            )
        return ConnectorTestResult(False, gettext("The server refused the user name or password (401)."))
    if answer.status == 403:
        return ConnectorTestResult(False, gettext("The server refused access (403): the user may not use Exchange Web Services."))
    if answer.status == 200 and is_ews:
        match = _RESPONSE_CODE.search(answer.body)
        code = match.group(1).decode() if match else "NoError"
        if code == "NoError":
            return ConnectorTestResult(True, gettext("Connection OK: the Exchange server was reached and accepted the user name and password."))
        return ConnectorTestResult(
            True,
            gettext("The Exchange server was reached and accepted the user name and password, but answered: %(code)s.") % {"code": code},
        )
    if answer.status >= 500 and is_ews:
        return ConnectorTestResult(False, gettext("The Exchange server answered with an error (%(status)s).") % {"status": answer.status})
    if answer.status >= 500:
        return ConnectorTestResult(False, gettext("The server reported an error (%(status)s).") % {"status": answer.status})
    if answer.status == 404:
        return ConnectorTestResult(
            False,
            gettext("Not an Exchange server: there is nothing at this address (404). The address usually ends in /EWS/Exchange.asmx."),
        )
    return ConnectorTestResult(
        False,
        gettext("Not an Exchange server: the server answered (%(status)s), but not as Exchange Web Services.") % {"status": answer.status},
    )


def _test_graph(connector):
    answer = safehttp.request("GET", connector.server_url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    looks_like_graph = "request-id" in answer.headers or b'"error"' in answer.body or b"@odata" in answer.body
    if answer.status in (200, 401, 403) and looks_like_graph:
        return ConnectorTestResult(
            True,
            gettext(
                "Connection OK: Microsoft Graph was reached. The user name and password are not checked here; "
                "Microsoft 365 checks them when the synchronisation signs in."
            ),
        )
    if answer.status >= 500:
        return ConnectorTestResult(False, gettext("The server reported an error (%(status)s).") % {"status": answer.status})
    return ConnectorTestResult(
        False, gettext("Not Microsoft Graph: the server answered (%(status)s), but not as Microsoft Graph.") % {"status": answer.status}
    )
