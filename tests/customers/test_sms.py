"""The SMS transport seam (connect/lib/sms.py): console, file, locmem and the HTTP gateway: one
attempt per call (the outbox owns the retries), the idempotency key in every request, 5xx and
unreachable are temporary, 4xx permanent, and no answer in time is "unknown", not "failed"."""

import json
import logging

import pytest

from connect.lib import sms
from tests.customers.sms_gateway import SLOW, Gateway


@pytest.fixture
def http_backend(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_TOKEN = "secret-token-123"
    settings.SMS_GATEWAY_TIMEOUT = 0.3


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


def test_http_gateway_success_sends_json_with_the_token_and_the_key(settings, http_backend):
    with Gateway([200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        result = sms.send_sms("+4520304050", "Velkommen", idempotency_key="4f9c0d1e-key")
    assert result.reference == "msg-1"
    (request,) = gateway.requests
    assert request["body"] == {"to": "+4520304050", "from": "Connect", "text": "Velkommen"}
    assert request["headers"]["Authorization"] == "Bearer secret-token-123"
    assert request["key"] == "4f9c0d1e-key"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_http_gateway_5xx_and_429_are_temporary_after_one_request(
    settings, http_backend, caplog, status
):
    caplog.set_level(logging.WARNING)
    with Gateway([status, 200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsTemporaryError) as caught:
            sms.send_sms("+4520304050", "Velkommen", idempotency_key="k")
    assert not isinstance(caught.value, sms.SmsUnknownError)
    assert len(gateway.requests) == 1  # the transport never retries by itself
    assert f"HTTP {status}" in str(caught.value)
    assert "secret-token-123" not in caplog.text and "Velkommen" not in caplog.text


def test_http_gateway_4xx_is_permanent(settings, http_backend):
    with Gateway([400, 200]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsPermanentError) as caught:
            sms.send_sms("+4520304050", "x")
    assert len(gateway.requests) == 1
    assert "HTTP 400" in str(caught.value)


def test_http_gateway_answering_late_is_unknown_not_failed(settings, http_backend):
    with Gateway([SLOW]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsUnknownError) as caught:
            sms.send_sms("+4520304050", "x", idempotency_key="k")
    assert len(gateway.requests) == 1 and len(gateway.deliveries) == 1  # it did arrive
    assert "delivery not confirmed" in str(caught.value)


def test_the_callers_timeout_wins_over_the_setting(settings, http_backend):
    """A web request passes a short timeout: it does not wait SMS_GATEWAY_TIMEOUT."""
    settings.SMS_GATEWAY_TIMEOUT = 60
    with Gateway([SLOW]) as gateway:
        settings.SMS_GATEWAY_URL = gateway.url
        with pytest.raises(sms.SmsUnknownError):
            sms.send_sms("+4520304050", "x", timeout=0.2)
    assert len(gateway.requests) == 1


def test_http_gateway_unreachable_is_temporary_not_unknown(settings, http_backend):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # discard port: connection refused
    with pytest.raises(sms.SmsTemporaryError) as caught:
        sms.send_sms("+4520304050", "x")
    assert not isinstance(caught.value, sms.SmsUnknownError)
    assert "not reachable" in str(caught.value)


def test_file_backend_records_the_key(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    sms.send_sms("+4520304050", "hej", idempotency_key="abc")
    (path,) = (tmp_path / "sms").iterdir()
    assert json.loads(path.read_text(encoding="utf-8"))["idempotency_key"] == "abc"
