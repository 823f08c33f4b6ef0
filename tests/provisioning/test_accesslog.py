"""gunicorn's access and error logs never show a provisioning ticket (the logger of gunicorn.conf.py)."""

import datetime
import logging
import secrets

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from provisioning.accesslog import TicketMaskingLogger
from tests.connect.test_securitylog import spellings


class Response:
    status = "404 Not Found"
    sent = 10
    headers = [("Content-Type", "text/plain")]


@pytest.fixture(params=[
    # header and environ atoms: gunicorn's own way, masked by the filter
    '%(h)s "%(r)s" %(U)s ?%(q)s %(s)s "%(f)s" "%(a)s" %({raw_uri}e)s %({x-original-url}i)s',
    # plain atoms only (gunicorn.conf.py's kind): the logger's own line, masked once
    '%(h)s "%(r)s" %(U)s ?%(q)s %(s)s "%(f)s" "%(a)s"',
], ids=["gunicorns-way", "plain-atoms"])
def gunicorn_logger(request):
    config = Config()
    config.set("accesslog", "-")
    config.set("loglevel", "debug")
    config.set("access_log_format", request.param)
    logger = TicketMaskingLogger(config)
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    capture = Capture()
    logger.access_log.addHandler(capture)
    logger.error_log.addHandler(capture)
    yield logger, lines
    logger.access_log.removeHandler(capture)
    logger.error_log.removeHandler(capture)


def test_access_and_error_lines_mask_every_spelling_of_the_ticket(gunicorn_logger):
    logger, lines = gunicorn_logger
    ticket = secrets.token_urlsafe(32)
    for path in spellings(ticket):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path,
            "PATH_INFO": path.split("?", 1)[0],
            "QUERY_STRING": f"ticket={ticket}",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "198.51.100.23",
            "HTTP_REFERER": f"https://x.example{path}",
            "HTTP_USER_AGENT": f"curl/8.5.0 {ticket}",
        }
        headers = [("X-ORIGINAL-URL", path)]
        logger.access(
            Response(),
            type("Req", (), {"headers": headers})(),
            environ,
            datetime.timedelta(milliseconds=3),
        )
        logger.error("Error handling request %s", path)
        logger.warning(
            f"Invalid request from ip=198.51.100.23: Invalid HTTP request line: 'GET {path} HTTP/1.1'"
        )
        logger.debug("GET %s", path)
    assert len(lines) == 4 * len(spellings(ticket))
    assert all(ticket[:12] not in line and ticket[-12:] not in line for line in lines)
    assert all("\n" not in line for line in lines)
    assert (
        '"GET /prov/***/snom/000413A1B2C3.xml HTTP/1.1" /prov/***/snom/000413A1B2C3.xml ?ticket=***'
        in lines[0]
    )


def test_the_filter_is_added_once_across_reloads(gunicorn_logger):
    logger, lines = gunicorn_logger
    logger.setup(logger.cfg)  # a HUP reloads the configuration
    logger.error("x")
    assert len(logger.error_log.filters) == 1 and len(logger.access_log.filters) == 1
    assert len(lines) == 1


ALL_PLAIN_ATOMS = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(B)s "%(f)s" "%(a)s" %(m)s %(U)s ?%(q)s %(H)s %(T)s %(D)s %(M)s %(L)s %(p)s'
)


@pytest.mark.parametrize("log_format", [
    ALL_PLAIN_ATOMS,
    '%(h)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"',  # gunicorn.conf.py's
    '%(h)s "%(r)s" %({user-agent}i)s %({content-type}o)s %({raw_uri}e)s',  # header and environ atoms
    '%(h)s 100%% %(D)d %(x)s',  # a literal %, another conversion, an unknown atom: gunicorn's way
    "%(h)s " + "x" * 3000 + " 100%%",  # long: recognised as not plain at once
])
@pytest.mark.parametrize("environ_missing", [(), ("HTTP_REFERER", "QUERY_STRING", "HTTP_USER_AGENT", "REMOTE_ADDR")])
@pytest.mark.parametrize("sent", [10, None])
def test_the_line_is_what_gunicorns_own_logger_writes(log_format, environ_missing, sent, monkeypatch):
    """The logger's own line (plain atoms) and gunicorn's are the same, byte for byte (no
    ticket in them), down to missing entries, quoting and the time."""
    monkeypatch.setattr(Logger, "now", lambda self: "[05/Dec/2026:21:25:05 +0000]")
    monkeypatch.setattr(Response, "sent", sent)
    lines = {}
    for cls in (Logger, TicketMaskingLogger):
        config = Config()
        config.set("accesslog", "-")
        config.set("access_log_format", log_format)
        logger = cls(config)
        class Capture(logging.Handler):
            def __init__(self):
                super().__init__()
                self.lines = []

            def emit(self, record):
                self.lines.append(record.getMessage())

        capture = Capture()
        logger.access_log.addHandler(capture)  # gunicorn.access: one logger for both classes
        environ = {
            "REQUEST_METHOD": "GET", "RAW_URI": "/users/?page=2", "PATH_INFO": "/users/", "QUERY_STRING": "page=2",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "198.51.100.23", "HTTP_REFERER": "https://x.example/",
            "HTTP_USER_AGENT": 'Mozilla/5.0 "quoted"', "HTTP_AUTHORIZATION": "Basic dXNlcjpwdw==", "wsgi.version": (1, 0),
        }
        for name in environ_missing:
            del environ[name]
        logger.access(Response(), type("Req", (), {"headers": [("USER-AGENT", 'Mozilla/5.0 "quoted"')]})(), environ,
                      datetime.timedelta(microseconds=1500))
        logger.access_log.removeHandler(capture)
        lines[cls] = capture.lines
    assert lines[TicketMaskingLogger] == lines[Logger] and len(lines[Logger]) == 1
    assert "[05/Dec/2026:21:25:05 +0000]" in lines[Logger][0] or "%(t)s" not in log_format
