"""No log shows a provisioning ticket, however the path is spelt (PRV-5, invariant 6).

A battery of malformed paths carrying a real ticket goes (1) through Django in-process, with
every logger captured (django.request's "Not Found" warning included), and (2) through a real
gunicorn started with the project's gunicorn.conf.py (its access and error logs, at debug level,
and the security log file). Then every output is searched for the ticket: zero hits.
"""

import logging
import os
import socket
import subprocess
import sys
from urllib.parse import quote, unquote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from provisioning.operations import ticket_for
from tests.devices.factories import PhoneFactory
from tests.provisioning.conftest import snom_ua
from tests.servers import free_port, test_database_url, wait_until_listening

ROOT = settings.BASE_DIR
MAC = "000413A1B2C3"


def pct(text):
    return "".join(f"%{ord(ch):02X}" for ch in text)


def battery(ticket):
    """(raw request target, extra headers) pairs: malformed spellings of a ticket URL."""
    file = f"snom/{MAC}.xml"
    return [
        (f"/prov/{ticket}/{file}", {}),
        (f"/prov//{ticket}/{file}", {}),
        (f"/prov/%20{ticket}/{file}", {}),
        (f"//prov/{ticket}/{file}", {}),
        (f"/Prov/{ticket}/{file}", {}),
        (f"/PROV/{ticket}/{file}?x=1", {}),
        (f"/prov/{pct(ticket)}/{file}", {}),
        (f"/prov/{quote(pct(ticket))}/{file}", {}),
        (f"/prov/{ticket[:7]}{pct(ticket[7:9])}{ticket[9:]}/{file}", {}),
        (f"/prov/{ticket}%0A/{file}", {}),
        (f"/prov/{ticket}/{file}%00", {}),
        (f"/prov/{ticket}/snom%2F{MAC}.xml", {}),
        (f"/prov/{ticket}/snom/../../../etc/passwd", {}),
        (f"/static/../prov/{ticket}/{file}", {}),
        (f"/prov/x/{file}?ticket={ticket}", {}),
        (f"/services/?next=/prov/{ticket}/", {}),
        (f"/nowhere/{ticket}", {"Referer": f"https://portal.example/prov/{ticket}/snom/"}),
        (
            f"/prov/{ticket}/{file}",
            {
                "Referer": f"https://portal.example/prov/{ticket}/",
                "X-Original-URL": f"/prov/{ticket}/",
            },
        ),
    ]


def forms(ticket):
    """What must not appear: the ticket and its encoded spellings (and long pieces of them)."""
    pieces = {ticket[i : i + 16] for i in range(0, len(ticket) - 15, 4)}
    return pieces | {pct(ticket)[:48], pct(ticket).lower()[:48], quote(pct(ticket))[:48]}


@pytest.mark.django_db
def test_django_logs_no_ticket(org_a, snom_phone, settings, caplog):
    """In-process: Django's request warnings and every other logger, for the whole battery."""
    settings.PROVISIONING_ALLOW_HTTP = True
    ticket = ticket_for(org_a).ticket
    client = Client(REMOTE_ADDR="198.51.100.23")
    records = []

    class Everything(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Everything(level=logging.DEBUG)
    loggers = [
        logging.getLogger(),
        logging.getLogger("connect.security"),
        logging.getLogger("django.server"),
    ]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        with caplog.at_level(logging.DEBUG):
            for target, headers in battery(ticket):
                path, _, query = target.partition("?")
                extra = {
                    f"HTTP_{name.upper().replace('-', '_')}": value
                    for name, value in headers.items()
                }
                # PATH_INFO as a server decodes it; RAW_URI as it arrived (the test client would
                # read //prov as a host name and re-encode the rest).
                client.get(
                    "/",
                    QUERY_STRING=query,
                    PATH_INFO=unquote(path, encoding="latin-1"),
                    RAW_URI=target,
                    HTTP_USER_AGENT=snom_ua("725"),
                    **extra,
                )
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    text = "\n".join(records + [caplog.text])
    assert "Not Found: /Prov/***/snom/000413A1B2C3.xml" in text  # Django did log the 404s ...
    assert "provisioning-denied" in text
    for form in forms(ticket):
        assert form not in text  # ... without the ticket


def send_raw(port, request_line, headers):
    """Send a request exactly as given (raw bytes: spaces, //, %XX untouched) and read the answer."""
    lines = [request_line, "Host: 127.0.0.1", f"User-Agent: {snom_ua('725')}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="gunicorn needs the test database (PostgreSQL)"
)
def test_gunicorn_logs_no_ticket(org_a, tmp_path):
    """A real gunicorn with gunicorn.conf.py (its masking logger), access and error logs at debug."""
    PhoneFactory(organisation=org_a, mac=MAC, model="snom-725")
    ticket = ticket_for(org_a).ticket
    port = free_port()
    security_log = tmp_path / "security.log"
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    env = {
        **os.environ,
        "DEBUG": "1",  # development keys; plain HTTP allowed (a fetch that succeeds is logged too)
        "CONNECT_TESTING": "0",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": "",
        "SECURITY_LOG_FILE": str(security_log),
        "LOG_LEVEL": "INFO",
        "GUNICORN_LOG_LEVEL": "debug",
        "WEB_CONCURRENCY": "1",
        "PROVISIONING_REFUSALS_PER_MINUTE": "0",
    }
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            if not wait_until_listening(port, process):
                pytest.fail("gunicorn did not start: " + err.read_text()[-2000:])
            answers = [
                send_raw(port, f"GET {target} HTTP/1.1", headers)
                for target, headers in battery(ticket)
            ]
            # Request lines a server rejects before the application sees them (logged by gunicorn).
            answers.append(send_raw(port, f"GET /prov/ {ticket}/snom/{MAC}.xml HTTP/1.1", {}))
            answers.append(send_raw(port, f"GET /prov/{ticket}/snom/{MAC}.xml\tHTTP/1.1", {}))
            answers.append(send_raw(port, f"GET /prov/{ticket}/{'A' * 5000} HTTP/1.1", {}))
        finally:
            process.terminate()
            process.wait(20)
    assert answers[0].startswith(b"HTTP/1.1 200")  # the well-formed fetch worked
    assert all(
        answer.split(b"\r\n", 1)[0].split()[1] in (b"200", b"302", b"400", b"404", b"414")
        for answer in answers
    )
    logs = {
        "access log": out.read_text(),
        "error log": err.read_text(),
        "security log": security_log.read_text(),
    }
    assert logs["access log"].count("/prov/***/") >= 5  # the access log has the requests ...
    assert "provisioning-denied" in logs["security log"]
    for name, text in logs.items():
        for form in forms(ticket):
            assert form not in text, f"{name} shows the ticket"  # ... and no ticket
