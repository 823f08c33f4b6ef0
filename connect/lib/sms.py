"""The SMS transport seam (ARCHITECTURE.md convention 6): the only thing tests patch.

`send_sms(to, text, idempotency_key=..., timeout=...)` makes ONE attempt at handing one message
to the backend chosen by settings.SMS_BACKEND:

- "console": writes the message to stdout (the default: the portal runs on a bare machine);
- "file": writes it as one JSON file per message into SMS_FILE_PATH (a directory);
- "locmem": keeps it in `outbox` (a list in this module; for tests);
- "http": POSTs JSON {"to", "from", "text"} to SMS_GATEWAY_URL with
  "Authorization: Bearer SMS_GATEWAY_TOKEN" and "Idempotency-Key: <key>".

The transport never retries and never sleeps: the outbox (customers/operations/welcome.py) owns
the retries, their jitter and their deadline, so one message is submitted at most
SMS_GATEWAY_RETRIES times, whoever sends it.

The idempotency key (for gateway implementers): every outbound message has one key, a UUID,
sent in the `Idempotency-Key` header of every submission of that message, the first and every
retry. A retry of a message means "the same message again", never a new one: a gateway that
receives a key it has already accepted answers with the original result (2xx and the same
`{"id": ...}`) and delivers nothing. Keys are unique per message; keep them for at least
SMS_GATEWAY_DEADLINE seconds.

Errors: `SmsPermanentError` (refused, 4xx other than 429: don't try again),
`SmsTemporaryError` (not delivered: connection refused, 5xx, 429: try again later) and its
subclass `SmsUnknownError` (the request was sent but no answer came: the gateway may have
accepted it; try again later with the same key). All carry a message safe to show an admin; the
gateway token and the message text are never logged.
"""

import http.client
import json
import logging
import os
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

outbox = []  # the "locmem" backend's messages (tests only)


class SmsError(Exception):
    """Base for transport errors; str(exc) is safe to show to an admin."""


class SmsTemporaryError(SmsError):
    """The gateway could not be reached or failed (5xx/429); sending again later may work."""


class SmsUnknownError(SmsTemporaryError):
    """The request went out but no answer came (timeout, connection dropped): the gateway may have
    accepted the message. Send again only with the same idempotency key."""


class SmsPermanentError(SmsError):
    """The gateway refused the message (4xx); sending it again will not help."""


@dataclass
class SmsResult:
    backend: str
    reference: str = ""


@dataclass
class SmsMessage:
    to: str
    text: str
    sender: str
    idempotency_key: str = ""


def _sender():
    return getattr(settings, "SMS_SENDER", "Connect")


class Backend:
    name = ""

    def __init__(self, *, timeout=None):
        self.timeout = timeout  # seconds to wait for an answer (backends that talk to a server)


class ConsoleBackend(Backend):
    name = "console"

    def send(self, message):
        stream = sys.stdout
        stream.write(f"SMS from {message.sender} to {message.to}:\n{message.text}\n{'-' * 40}\n")
        stream.flush()
        return SmsResult(self.name)


class FileBackend(Backend):
    name = "file"

    def send(self, message):
        directory = settings.SMS_FILE_PATH
        os.makedirs(directory, exist_ok=True)
        now = timezone.now()
        path = os.path.join(directory, f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.json")
        record = {
            "at": now.isoformat(),
            "to": message.to,
            "from": message.sender,
            "text": message.text,
            "idempotency_key": message.idempotency_key,
        }
        with open(path, "x", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
        return SmsResult(self.name, path)


class LocmemBackend(Backend):
    name = "locmem"

    def send(self, message):
        outbox.append(message)
        return SmsResult(self.name, str(len(outbox)))


class HttpBackend(Backend):
    """A JSON-over-HTTPS SMS gateway (see module docstring): one request per call."""

    name = "http"

    def __init__(self, *, timeout=None):
        super().__init__(timeout=timeout or float(settings.SMS_GATEWAY_TIMEOUT))
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN

    def _request(self, message):
        body = json.dumps({"to": message.to, "from": message.sender, "text": message.text}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        if message.idempotency_key:
            request.add_header("Idempotency-Key", message.idempotency_key)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        return request

    def send(self, message):
        try:
            response = urllib.request.urlopen(self._request(message), timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            if status >= 500 or status == 429:
                logger.warning("SMS gateway answered HTTP %s", status)
                raise SmsTemporaryError(f"SMS gateway answered HTTP {status}") from None
            raise SmsPermanentError(f"SMS gateway refused the message (HTTP {status})") from None
        except urllib.error.URLError as exc:
            # Raised while connecting or sending the request: the gateway has not got it.
            reason = type(getattr(exc, "reason", exc)).__name__
            logger.warning("SMS gateway not reachable: %s", reason)
            raise SmsTemporaryError(f"SMS gateway not reachable ({reason})") from None
        except (OSError, http.client.HTTPException) as exc:
            # The request went out, the answer did not come back (timeout, connection dropped).
            logger.warning("SMS gateway did not answer: %s", type(exc).__name__)
            raise SmsUnknownError(f"SMS gateway did not answer in time ({type(exc).__name__}); delivery not confirmed") from None
        # A 2xx status line means the gateway accepted the message, whatever happens to the body.
        reference = ""
        try:
            with response:
                payload = response.read(65536)
            reference = str(json.loads(payload or b"{}").get("id", ""))[:100]
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            pass
        return SmsResult(self.name, reference)


BACKENDS = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "locmem": LocmemBackend,
    "http": HttpBackend,
}


def get_backend(name=None, *, timeout=None):
    name = name or settings.SMS_BACKEND
    try:
        backend = BACKENDS[name]
    except KeyError:
        raise SmsPermanentError(f"Unknown SMS backend {name!r}") from None
    return backend(timeout=timeout)


def send_sms(to, text, sender=None, *, idempotency_key="", timeout=None):
    """Make one attempt at sending an SMS to `to` (E.164), tagged with `idempotency_key` (the same
    for every attempt of one message), waiting at most `timeout` seconds (default
    SMS_GATEWAY_TIMEOUT) for the gateway. Returns SmsResult; raises SmsPermanentError,
    SmsTemporaryError or SmsUnknownError."""
    if not to or not str(to).startswith("+"):
        raise SmsPermanentError("The recipient must be a full phone number (+45...).")
    message = SmsMessage(to=str(to), text=str(text), sender=sender or _sender(), idempotency_key=str(idempotency_key or ""))
    return get_backend(timeout=timeout).send(message)
