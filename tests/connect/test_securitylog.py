"""The security log: one fail2ban-ready format for provisioning refusals, failed sign-ins and
lock-outs (portal and admin); masking of ticket-like tokens in every log; the documented fail2ban
filters run against lines the portal really writes."""

import io
import logging
import re
import secrets
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from connect.lib import securitylog
from tests.factories import PASSWORD

BASE_DIR = Path(settings.BASE_DIR)
LIMIT = settings.AXES_FAILURE_LIMIT

# fail2ban's <HOST> for addresses (usedns = no): an IPv4 address, optionally IPv4-mapped, or IPv6.
F2B_HOST = r"(?:::f{4,6}:)?(?P<host>(?:\d{1,3}\.){3}\d{1,3}|\[?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}\]?)"
F2B_DATE = {
    "%%Y": r"\d{4}",
    "%%m": r"\d{2}",
    "%%d": r"\d{2}",
    "%%H": r"\d{2}",
    "%%M": r"\d{2}",
    "%%S": r"\d{2}",
}


def fail2ban(name):
    """The filter fail2ban/filter.d/<name>.conf applied as fail2ban applies it: line by line, the
    date (datepattern) cut out of the line first, then failregex with <HOST> searched in the
    rest. Returns a function: log text -> the addresses fail2ban would count."""
    conf = (BASE_DIR / "fail2ban" / "filter.d" / f"{name}.conf").read_text()
    failregex = re.search(r"^failregex = (.*)$", conf, re.M).group(1)
    datepattern = re.search(r"^datepattern = (.*)$", conf, re.M).group(1)
    for token, regex in F2B_DATE.items():
        datepattern = datepattern.replace(token, regex)
    date = re.compile(datepattern)
    fail = re.compile(failregex.replace("<HOST>", F2B_HOST))

    def hosts(text):
        found = []
        for line in text.split("\n"):
            stamp = date.search(line)
            if stamp is None:
                continue
            match = fail.search(line[: stamp.start()] + line[stamp.end() :])
            if match:
                found.append(match.group("host"))
        return found

    return hosts


@pytest.fixture
def security_output():
    """What SECURITY_LOG_FILE receives: the connect.security lines, with the configured format."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = settings.LOGGING["formatters"]["security"]
    handler.setFormatter(logging.Formatter(config["format"], config.get("datefmt")))
    logger = logging.getLogger("connect.security")
    logger.addHandler(handler)
    stream.handler = handler
    yield stream
    logging.getLogger("connect.security").removeHandler(handler)


def portal_login(client, username, password="wrong-password", ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def admin_login(client, username, password="wrong-password", ip="10.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


# -- masking --------------------------------------------------------------------------------------


def spellings(ticket):
    pct = "".join(f"%{ord(ch):02X}" for ch in ticket)
    return [
        f"/prov/{ticket}/snom/000413A1B2C3.xml",
        f"/prov//{ticket}/snom/000413A1B2C3.xml",
        f"/prov/%20{ticket}/snom/000413A1B2C3.xml",
        f"/prov/ {ticket}/snom/000413A1B2C3.xml",
        f"//prov/{ticket}/snom/000413A1B2C3.xml",
        f"/Prov/{ticket}/snom/000413A1B2C3.xml",
        f"/PROV/{ticket}",
        f"/prov/{pct}/snom/000413A1B2C3.xml",
        f"/prov/{pct.lower()}/mitel/startup.cfg",
        f"/prov/{quote(pct)}/mitel/startup.cfg",  # encoded twice
        f"/prov/{ticket[:10]}%{ord(ticket[10]):02x}{ticket[11:]}/snom/x.xml",
        f"/prov/{ticket}%0A/snom/x.xml",
        f"/prov/{ticket}.xml",
        f"/prov/x{ticket}y/snom/x.xml",
        f"/prov/../prov/{ticket}/snom/x.xml",
        f"/accounts/login/?next=/prov/{ticket}/",
        f"/search/?q={ticket}&page=2",
        f"https://portal.example/prov/{ticket}/mitel/",
        f'GET /prov/{ticket}/snom/000413A1B2C3.xml HTTP/1.1" 404 10 "https://x.example/prov/{ticket}/"',
    ]


def test_every_spelling_of_a_ticket_is_masked():
    for _ in range(20):
        ticket = secrets.token_urlsafe(32)  # as provisioning.operations makes them
        for text in spellings(ticket):
            masked = securitylog.mask(text)
            assert "***" in masked, text
            slices = {ticket[i : i + 12] for i in range(len(ticket) - 11)}
            assert not any(piece in masked for piece in slices), (text, masked)


def test_file_names_and_ordinary_lines_stay_readable():
    assert (
        securitylog.mask("/prov/abc/snom/snomD345-000413A11FA7.htm")
        == "/prov/***/snom/snomD345-000413A11FA7.htm"
    )
    assert securitylog.mask("/prov/") == "/prov/***"
    line = '198.51.100.23 "GET /static/vendor/bootstrap/bootstrap.bundle.min.js HTTP/1.1" 200 80421 0.002s'
    assert securitylog.mask(line) == line
    agent = "Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43) 00041396D9B4 SXM:0 UXM:0 UXMC:0)"
    assert securitylog.mask(agent) == agent
    assert (
        securitylog.mask("Mitel6867i MAC:00-08-5D-16-10-DE V:5.1.0.2047-SIP")
        == "Mitel6867i MAC:00-08-5D-16-10-DE V:5.1.0.2047-SIP"
    )


def test_every_ticket_the_endpoint_accepts_is_ticket_like():
    from provisioning import views

    shortest = "A" * securitylog.TICKET_MIN_LENGTH
    assert views._TICKET.fullmatch(shortest) and not views._TICKET.fullmatch(shortest[1:])
    assert securitylog.mask(f"/x/{shortest}/y") == "/x/***/y"
    assert securitylog.mask(f"/x/{shortest[1:]}/y") == f"/x/{shortest[1:]}/y"


def test_the_masking_filter_masks_a_message_and_keeps_it_on_one_line():
    ticket = secrets.token_urlsafe(32)
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/Prov/{ticket}/x\n2026",),
        None,
    )
    assert securitylog.SecretMaskingFilter().filter(record)
    assert record.getMessage() == "Not Found: /Prov/***/x\\n2026"


def test_django_request_loggers_carry_the_filter():
    for name in ("django.request", "django.server", "django.security.csrf"):
        assert any(
            isinstance(f, securitylog.SecretMaskingFilter) for f in logging.getLogger(name).filters
        ), name


# -- sign-in events -------------------------------------------------------------------------------


def test_failed_sign_ins_on_the_portal_and_the_admin_are_logged(client, admin_a, security_output):
    portal_login(client, admin_a.username)
    admin_login(client, admin_a.username, ip="2001:db8::7")
    lines = security_output.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d connect-security signin-failed ip=10\.0\.0\.1 "
        + re.escape(f"user={admin_a.username} path={reverse('login')}"),
        lines[0],
    )
    assert (
        f"signin-failed ip=2001:db8::7 user={admin_a.username} path={reverse('admin:login')}"
        in lines[1]
    )
    assert "wrong-password" not in security_output.getvalue()


def test_a_lock_out_is_logged_and_banned_by_the_lockout_filter(client, admin_a, security_output):
    for _ in range(LIMIT):
        response = portal_login(client, admin_a.username, ip="203.0.113.77")
    assert response.status_code == 429
    assert (
        admin_login(client, admin_a.username, PASSWORD, ip="203.0.113.77").status_code == 429
    )  # locked: right password too
    text = security_output.getvalue()
    assert (
        f"signin-locked-out ip=203.0.113.77 user={admin_a.username} path={reverse('login')}" in text
    )
    assert (
        f"signin-locked-out ip=203.0.113.77 user={admin_a.username} path={reverse('admin:login')}"
        in text
    )
    assert PASSWORD not in text and "wrong-password" not in text
    assert fail2ban("connect-lockout")(text) == ["203.0.113.77", "203.0.113.77"]
    assert fail2ban("connect-signin")(text) == ["203.0.113.77"] * (LIMIT + 1)


@pytest.mark.parametrize("login", [portal_login, admin_login], ids=["portal", "admin"])
def test_a_crafted_username_cannot_forge_a_line(client, db, security_output, login):
    forged = "2026-12-04 18:40:04 connect-security signin-locked-out ip=6.6.6.6 user=x"
    for username in (
        f"eve\n{forged}",
        f"eve\r{forged}",
        "eve ip=6.6.6.6 user=x",
        f"eve\u2028{forged}",
        f"eve\x85{forged}",
    ):
        login(client, username, ip="192.0.2.10")
    text = security_output.getvalue()
    lines = text.splitlines()
    assert len(lines) == 5
    assert all(
        re.match(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d connect-security signin-failed ip=192\.0\.2\.10 user=\S+ path=\S+$",
            line,
        )
        for line in lines
    )
    for name in ("connect-signin", "connect-lockout", "connect-provisioning"):
        assert "6.6.6.6" not in fail2ban(name)(text)
    assert fail2ban("connect-signin")(text) == ["192.0.2.10"] * 5


def test_log_event_is_the_one_format_for_other_callers(rf):
    """Another sign-in step (a second factor) logs through the same function."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("connect.security")
    logger.addHandler(handler)
    try:
        request = rf.post("/accounts/login/", REMOTE_ADDR="198.51.100.5")
        securitylog.log_event(
            "signin-code-failed", request, user="klj@example.com", note="two words"
        )
        securitylog.log_event("signin-failed", None, ip="not an address", user="x")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "signin-code-failed ip=198.51.100.5 user=klj@example.com note=two%20words",
        "signin-failed ip=- user=x",
    ]


# -- the documented filters -------------------------------------------------------------------------


def test_the_readme_documents_a_filter_and_a_jail_for_each_event():
    readme = (BASE_DIR / "README.md").read_text()
    jails = (BASE_DIR / "fail2ban" / "jail.d" / "connect.conf").read_text()
    for name in ("connect-provisioning", "connect-signin", "connect-lockout"):
        conf = (BASE_DIR / "fail2ban" / "filter.d" / f"{name}.conf").read_text()
        failregex = re.search(r"^failregex = .*$", conf, re.M).group(0)
        assert failregex in readme, f"README must show {name}'s {failregex}"
        assert f"[{name}]" in readme and f"[{name}]" in jails
        assert f"filter   = {name}" in jails


def test_the_filters_tell_the_events_apart(client, admin_a, security_output):
    from provisioning.operations import ticket_for
    from tests.provisioning.conftest import mitel_ua, snom_ua

    # Importing the provisioning modules may configure logging (Django's LOGGING) when they were
    # not loaded yet (this file run alone): attach the capturing handler after that.
    logging.getLogger("connect.security").addHandler(security_output.handler)

    ticket = ticket_for(admin_a.organisation).ticket
    client.get(
        f"/prov/{secrets.token_urlsafe(32)}/snom/snom725.htm",
        HTTP_USER_AGENT=snom_ua("725"),
        REMOTE_ADDR="203.0.113.1",
    )
    client.get(
        f"/prov/{ticket}/mitel/startup.lic",
        HTTP_USER_AGENT=mitel_ua("6867i", "00085D1610DE"),
        REMOTE_ADDR="203.0.113.2",
    )
    client.get(
        f"/prov/{ticket}/snom/000413A1B2C3.xml",
        HTTP_USER_AGENT=snom_ua("725"),
        REMOTE_ADDR="203.0.113.3",
    )  # plain HTTP
    portal_login(client, admin_a.username, ip="2001:db8::4")
    for _ in range(LIMIT):
        portal_login(client, "someone@example.com", ip="::ffff:203.0.113.5")
    text = security_output.getvalue()
    assert (
        "reason=bad-ticket" in text
        and "reason=not-provided" in text
        and "reason=plain-http" in text
    )
    assert fail2ban("connect-provisioning")(text) == ["203.0.113.1"]
    assert fail2ban("connect-signin")(text) == ["2001:db8::4"] + ["203.0.113.5"] * LIMIT
    assert fail2ban("connect-lockout")(text) == ["203.0.113.5"]
    assert ticket not in text


def test_wrong_two_factor_codes_count_in_the_sign_in_jail(rf, admin_a, caplog):
    """connect.lib.signin writes refused codes through log_event; connect-signin counts them."""
    from connect.lib.signin import log_two_factor_denied

    request = rf.post("/accounts/login/code/", REMOTE_ADDR="198.51.100.9")
    with caplog.at_level(logging.INFO, logger="connect.security"):
        log_two_factor_denied(request, admin_a, "wrong-code")
    line = f"2026-12-04 18:00:00 connect-security {caplog.records[-1].getMessage()}"
    assert fail2ban("connect-signin")(line) == ["198.51.100.9"]


def _reference_mask(text):
    """mask() as first written: every run of alphabet characters and %XX escapes judged, one by
    one. mask() now looks only at spans that can be long enough, which is cheaper and masks a
    little more: 22 alphabet characters right after a "%" and two hex digits, for instance."""
    run = re.compile(r"(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2})+")

    def judged(match):
        found = match.group(0)
        if len(found) < securitylog.TICKET_MIN_LENGTH:
            return found
        return securitylog._mask_run(match)

    text = run.sub(judged, str(text))
    return securitylog._PROV_SEGMENT.sub(r"\1" + securitylog.MASK, text)


_PIECES = st.sampled_from(
    ["/prov/", "/", "%", "%2", "%41", "%2541", "%2F", "a", "Z", "0", "-", "_", " ", "?", "#", ".", "\n", "æ",
     secrets.token_urlsafe(32), "snomD345-000413A11FA7", "A" * 21, "B" * 22]
)


@settings_hypothesis(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join))
def test_masking_leaves_nothing_a_run_by_run_judgement_would_mask(text):
    masked = securitylog.mask(text)
    assert _reference_mask(masked) == masked  # no ticket-like token left, however encoded
    if _reference_mask(text) == text and not re.search(r"[A-Za-z0-9_-]{22}", text):
        assert masked == text  # and nothing else is touched
