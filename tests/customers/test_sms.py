"""The SMS transport seam (connect/lib/sms.py): console, file, locmem and the HTTP gateway with
retries and backoff on 5xx/timeouts and no retry on 4xx."""

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connect.lib import sms


class Gateway:
    """A local SMS gateway answering with the scripted statuses, recording each request."""

    def __init__(self, statuses, delay=0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append({"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                if gateway.delay:
                    time.sleep(gateway.delay)
                body = json.dumps({"id": "msg-1"} if status < 300 else {"error": "x"}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=lambda: self.server.serve_forever(poll_interval=0.05), daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_backend(settings, monkeypatch):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_TOKEN = "secret-token-123"
    settings.SMS_GATEWAY_RETRIES = 3
    settings.SMS_GATEWAY_BACKOFF = 0.5
    settings.SMS_GATEWAY_TIMEOUT = 2
    sleeps = []
    monkeypatch.setattr(sms.HttpBackend, "sleep", staticmethod(sleeps.append))
    return sleeps


def test_console_backend(settings, capsys):
    settings.SMS_BACKEND = "console"
    sms.send_sms("+4520304050", "Hej Søren")
    out = capsys.readouterr().out
    assert "+4520304050" in out and "Hej Søren" in out


def test_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    sms.send_sms("+4520304050", "én")
    sms.send_sms("+4520304051", "to")
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    records = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    assert {r["to"] for r in records} == {"+4520304050", "+4520304051"}
    assert {r["text"] for r in records} == {"én", "to"}


def test_locmem_backend(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    sms.send_sms("+4520304050", "hej", sender="Firma")
    assert [(m.to, m.text, m.sender) for m in sms.outbox] == [("+4520304050", "hej", "Firma")]
    sms.outbox.clear()


def test_recipient_must_be_a_full_number(settings):
    settings.SMS_BACKEND = "locmem"
    with pytest.raises(sms.SmsPermanentError):
        sms.send_sms("20304050", "hej")


def test_http_gateway_success_sends_json_with_the_token(settings, http_backend):
    with Gateway([200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        result = sms.send_sms("+4520304050", "Velkommen")
    assert result.reference == "msg-1"
    (request,) = gateway.requests
    assert request["body"] == {"to": "+4520304050", "from": "Connect", "text": "Velkommen"}
    assert request["headers"]["Authorization"] == "Bearer secret-token-123"
    assert http_backend == []


def test_http_gateway_retries_5xx_with_backoff(settings, http_backend, caplog):
    caplog.set_level(logging.WARNING)
    with Gateway([503, 502, 200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        sms.send_sms("+4520304050", "Velkommen")
    assert len(gateway.requests) == 3
    assert http_backend == [0.5, 1.0]  # exponential backoff between the tries
    assert "secret-token-123" not in caplog.text and "Velkommen" not in caplog.text


def test_http_gateway_gives_up_after_the_tries(settings, http_backend):
    with Gateway([500, 500, 500, 200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsTemporaryError) as caught:
            sms.send_sms("+4520304050", "x")
    assert len(gateway.requests) == 3
    assert "HTTP 500" in str(caught.value)


def test_http_gateway_4xx_is_not_retried(settings, http_backend):
    with Gateway([400, 200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsPermanentError) as caught:
            sms.send_sms("+4520304050", "x")
    assert len(gateway.requests) == 1
    assert http_backend == []
    assert "HTTP 400" in str(caught.value)


def test_http_gateway_429_is_retried(settings, http_backend):
    with Gateway([429, 200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        sms.send_sms("+4520304050", "x")
    assert len(gateway.requests) == 2


def test_http_gateway_timeout_is_retried(settings, http_backend):
    settings.SMS_GATEWAY_TIMEOUT = 0.2
    with Gateway([200, 200, 200], delay=0.5) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsTemporaryError):
            sms.send_sms("+4520304050", "x")
    assert len(gateway.requests) == 3


def test_http_gateway_unreachable_is_temporary(settings, http_backend):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # discard port: connection refused
    with pytest.raises(sms.SmsTemporaryError) as caught:
        sms.send_sms("+4520304050", "x")
    assert "not reachable" in str(caught.value)
    assert len(http_backend) == 2
