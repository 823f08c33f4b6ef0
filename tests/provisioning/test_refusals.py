"""Every refusal is the same 404, changes nothing and writes one security-log line (PRV-5)."""

import logging
import secrets

import pytest

from customers.models import AuditEntry
from devices.models import Phone, PhoneFetch
from provisioning.operations import ticket_renew
from tests.provisioning.conftest import SNOM_D785_FW10_DATE, mitel_ua, snom_ua

pytestmark = pytest.mark.django_db

SNOM_MAC = "000413A1B2C3"


class AllLogs(logging.Handler):
    """Everything logged anywhere (root and the non-propagating security logger)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record) if record.exc_info else record.getMessage())


@pytest.fixture
def all_logs():
    handler = AllLogs()
    loggers = [logging.getLogger(), logging.getLogger("connect.security"), logging.getLogger("django.request")]
    old_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    logging.getLogger().setLevel(old_level)


def state():
    return (
        Phone.objects.count(),
        PhoneFetch.objects.count(),
        AuditEntry.objects.count(),
        list(Phone.objects.order_by("pk").values_list("last_seen_at", "last_ip", "firmware", "fetch_count")),
    )


def reference_404(client):
    response = client.get(f"/prov/{secrets.token_urlsafe(32)}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 404
    return response


def assert_same_404(response, reference):
    assert response.status_code == 404
    assert response.content == reference.content == b"Not Found\n"
    strip = {"Date"}
    assert {k: v for k, v in response.items() if k not in strip} == {k: v for k, v in reference.items() if k not in strip}
    assert response["Cache-Control"] == "no-store"


CASES = [
    # (name, path template, method, User-Agent, extra environ, reason)
    ("unknown ticket", "/prov/{random}/snom/000413A1B2C3.xml", "get", snom_ua("725"), {}, "bad-ticket"),
    ("short ticket", "/prov/abc/snom/000413A1B2C3.xml", "get", snom_ua("725"), {}, "bad-ticket"),
    ("other organisation's MAC", "{a}/snom/000413B0B0B0.xml", "get", snom_ua("725"), {}, "foreign-mac"),
    ("their ticket, our MAC", "{b}/snom/000413A1B2C3.xml", "get", snom_ua("725"), {}, "foreign-mac"),
    ("unsupported model", "{a}/snom/snomD785-000413A1B2C3.htm", "get", SNOM_D785_FW10_DATE, {}, "unsupported-model"),
    ("old firmware without model", "{a}/snom/000413A1B2C3.xml", "get", "Mozilla/4.0 (compatible; snom lid 3605)", {}, "unsupported-model"),
    ("no User-Agent", "{a}/snom/000413A1B2C3.xml", "get", None, {}, "unsupported-model"),
    ("browser", "{a}/snom/000413A1B2C3.xml", "get", "curl/8.5.0", {}, "unsupported-model"),
    ("UA MAC disagrees", "{a}/snom/000413A1B2C3.xml", "get", snom_ua("725", "000413FFFFFF"), {}, "mac-mismatch"),
    ("file model disagrees", "{a}/snom/snomD345-000413A1B2C3.htm", "get", snom_ua("725"), {}, "model-mismatch"),
    ("stored model disagrees", "{a}/snom/000413A1B2C3.xml", "get", snom_ua("D345"), {}, "model-mismatch"),
    ("Snom phone on the Mitel URL", "{a}/mitel/000413A1B2C3.cfg", "get", snom_ua("725"), {}, "unsupported-model"),
    ("Mitel UA for a Snom MAC", "{a}/mitel/000413A1B2C3.cfg", "get", mitel_ua("6867i", "000413A1B2C3"), {}, "model-mismatch"),
    ("POST", "{a}/snom/000413A1B2C3.xml", "post", snom_ua("725"), {}, "method"),
    ("PUT", "{a}/snom/000413A1B2C3.xml", "put", snom_ua("725"), {}, "method"),
    ("DELETE", "{a}/snom/000413A1B2C3.xml", "delete", snom_ua("725"), {}, "method"),
    ("OPTIONS", "{a}/snom/000413A1B2C3.xml", "options", snom_ua("725"), {}, "method"),
    ("path traversal", "{a}/snom/../../../etc/passwd", "get", snom_ua("725"), {}, "malformed-path"),
    ("dot-dot file", "{a}/snom/..", "get", snom_ua("725"), {}, "malformed-path"),
    ("traversal into the ticket", "/prov/../prov/{ticket_a}/snom/000413A1B2C3.xml", "get", snom_ua("725"), {}, "malformed-path"),
    ("extra segment", "{a}/snom/000413A1B2C3.xml/x", "get", snom_ua("725"), {}, "malformed-path"),
    ("missing file", "{a}/snom/", "get", snom_ua("725"), {}, "malformed-path"),
    ("no family", "{a}", "get", snom_ua("725"), {}, "malformed-path"),
    ("bare prefix", "/prov/", "get", snom_ua("725"), {}, "malformed-path"),
    ("unknown family", "{a}/yealink/000413A1B2C3.cfg", "get", snom_ua("725"), {}, "malformed-path"),
    ("NUL byte", "{a}/snom/000413A1B2C3%00.xml", "get", snom_ua("725"), {}, "malformed-path"),
    ("line break", "{a}/snom/000413A1B2C3%0A.xml", "get", snom_ua("725"), {}, "malformed-path"),
    ("backslash", "{a}/snom/..%5C..%5Cwin.ini", "get", snom_ua("725"), {}, "malformed-path"),
    ("encoded slash (raw URI)", "{a}/snom/000413A1B2C3.xml", "get", snom_ua("725"), {"RAW_URI": "{a}/snom%2F000413A1B2C3.xml"}, "malformed-path"),
    ("encoded NUL (raw URI)", "{a}/snom/000413A1B2C3.xml", "get", snom_ua("725"), {"REQUEST_URI": "{a}/snom/000413A1B2C3.xml%00"}, "malformed-path"),
    ("overlong path", "{a}/snom/" + "A" * 5000 + ".xml", "get", snom_ua("725"), {}, "malformed-path"),
    ("colon MAC", "{a}/snom/00:04:13:A1:B2:C3.xml", "get", snom_ua("725"), {}, "malformed-path"),
    ("dashed MAC", "{a}/snom/00-04-13-A1-B2-C3.xml", "get", snom_ua("725"), {}, "unknown-file"),
    ("short MAC", "{a}/snom/000413A1B2C.xml", "get", snom_ua("725"), {}, "unknown-file"),
    ("unicode digits", "{a}/snom/%EF%BC%90%EF%BC%90%EF%BC%90413A1B2C3.xml", "get", snom_ua("725"), {}, "malformed-path"),
    ("Mitel licence", "{a}/mitel/startup.lic", "get", mitel_ua("6867i", "00085D1610DE"), {}, "not-provided"),
    ("unknown file", "{a}/snom/settings.php", "get", snom_ua("725"), {}, "unknown-file"),
    ("firmware in a folder", "{a}/mitel/firmware/6867i.st", "get", mitel_ua("6867i", "00085D1610DE"), {}, "malformed-path"),
]


@pytest.mark.parametrize("name, template, method, agent, extra, reason", CASES, ids=[c[0] for c in CASES])
def test_refusal_is_the_common_404(phone_client, world, ticket_a, security_log, all_logs, name, template, method, agent, extra, reason):
    reference = reference_404(phone_client)
    security_log.lines.clear()
    fill = {"a": world["a"], "b": world["b"], "random": secrets.token_urlsafe(32), "ticket_a": ticket_a.ticket}
    path = template.format(**fill)
    environ = {key: value.format(**fill) for key, value in extra.items()}
    if agent is not None:
        environ["HTTP_USER_AGENT"] = agent
    before = state()
    response = getattr(phone_client, method)(path, **environ)
    assert_same_404(response, reference)
    assert state() == before  # nothing changed: no phone, no fetch record, no audit entry
    assert len(security_log.lines) == 1
    line = security_log.lines[0]
    assert f"reason={reason} " in line
    assert "ip=198.51.100.23 " in line
    assert "path=/prov/***" in line
    for secret in (ticket_a.ticket, world["b"].split("/")[-1], fill["random"]):
        assert all(secret not in record for record in all_logs.records)
    assert all("\n" not in rec and "\x00" not in rec for rec in security_log.lines)


def test_renewed_ticket_is_the_common_404_and_new_one_works(phone_client, world, org_a, admin_a, ticket_a, security_log):
    reference = reference_404(phone_client)
    old = ticket_a.ticket
    url = f"/prov/{old}/snom/{SNOM_MAC}.xml"
    assert phone_client.get(url, HTTP_USER_AGENT=snom_ua("725")).status_code == 200
    renewed = ticket_renew(organisation=org_a, by=admin_a)
    before = state()
    security_log.lines.clear()
    for path in (url, f"/prov/{old}/snom/snom725.htm", f"/prov/{old}/mitel/startup.cfg", f"/prov/{old}/snom/000413000001.xml"):
        assert_same_404(phone_client.get(path, HTTP_USER_AGENT=snom_ua("725")), reference)
    assert state() == before
    assert all("reason=bad-ticket" in line for line in security_log.lines) and len(security_log.lines) == 4
    fresh = phone_client.get(f"/prov/{renewed.ticket}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert fresh.status_code == 200
    assert f"/prov/{renewed.ticket}/snom/".encode() in fresh.content


def test_lower_case_mac_is_accepted_as_the_same_phone(phone_client, world, snom_phone):
    response = phone_client.get(f"{world['a']}/snom/snom725-{SNOM_MAC.lower()}.htm", HTTP_USER_AGENT=snom_ua("725", SNOM_MAC))
    assert response.status_code == 200
    assert Phone.objects.count() == 2  # no duplicate phone for the lower-case spelling
    snom_phone.refresh_from_db()
    assert snom_phone.last_seen_at is not None
    assert phone_client.get(f"{world['a']}/snom/{SNOM_MAC.lower()}.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200


def test_head_answers_like_get_without_side_effects(phone_client, world):
    before = state()
    known = phone_client.head(f"{world['a']}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert known.status_code == 200 and known.content == b""
    assert int(known["Content-Length"]) > 100
    unknown = phone_client.head(f"{world['a']}/snom/000413000001.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert unknown.status_code == 200
    assert phone_client.head(f"/prov/{secrets.token_urlsafe(32)}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 404
    assert state() == before


def test_django_does_not_log_the_path_of_a_404(phone_client, world, ticket_a, caplog):
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        phone_client.get(f"{world['a']}/snom/000413B0B0B0.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert ticket_a.ticket not in caplog.text
    assert "Not Found" not in caplog.text


def test_no_ticket_or_sip_password_in_any_log(phone_client, world, ticket_a, snom_phone, line_user, all_logs, settings):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0
    base = world["a"]
    agent = snom_ua("725")
    phone_client.get(f"{base}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=agent)  # success
    phone_client.get(f"{base}/snom/000413000009.xml", HTTP_USER_AGENT=agent)  # auto-add
    phone_client.get(f"{base}/snom/000413B0B0B0.xml", HTTP_USER_AGENT=agent)  # refusal
    phone_client.post(f"{base}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=agent)  # method
    password = line_user.sip_account.password
    assert all_logs.records  # something was logged (the refusals and the auto-add)
    for record in all_logs.records:
        assert ticket_a.ticket not in record
        assert password not in record


def test_an_unexpected_error_is_logged_without_the_ticket(phone_client, world, ticket_a, all_logs, monkeypatch):
    from provisioning.renderers.snom import SnomRenderer

    def boom(*args, **kwargs):
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(SnomRenderer, "render_phone", boom)
    response = phone_client.get(f"{world['a']}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 500
    assert any("renderer broke" in record for record in all_logs.records)
    assert all(ticket_a.ticket not in record for record in all_logs.records)


def test_x_forwarded_for_is_used_only_behind_configured_proxies(phone_client, world, security_log, settings):
    path = f"/prov/{secrets.token_urlsafe(32)}/snom/{SNOM_MAC}.xml"
    phone_client.get(path, HTTP_X_FORWARDED_FOR="203.0.113.9")
    settings.PROVISIONING_PROXY_COUNT = 1
    phone_client.get(path, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
    assert "ip=198.51.100.23 " in security_log.lines[0]
    assert "ip=203.0.113.9 " in security_log.lines[1]


def test_the_fail2ban_filter_matches_refusals_but_not_the_files_every_mitel_asks_for(phone_client, world, security_log):
    from tests.connect.test_securitylog import fail2ban

    phone_client.get(f"/prov/{secrets.token_urlsafe(32)}/snom/{SNOM_MAC}.xml", HTTP_USER_AGENT=snom_ua("725"))
    phone_client.get(f"{world['a']}/mitel/startup.lic", HTTP_USER_AGENT=mitel_ua("6867i", "00085D1610DE"))
    bad, healthy = (f"2026-11-26 01:02:03 connect-security {line}" for line in security_log.lines)
    assert fail2ban("connect-provisioning")(bad) == ["198.51.100.23"]
    assert fail2ban("connect-provisioning")(healthy) == []
