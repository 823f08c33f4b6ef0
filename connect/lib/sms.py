"""The SMS transport seam (ARCHITECTURE.md convention 6): the only thing tests patch.

`send_sms(to, text)` hands one message to the backend chosen by settings.SMS_BACKEND:

- "console": writes the message to stdout (the default: the portal runs on a bare machine);
- "file": writes it as one JSON file per message into SMS_FILE_PATH (a directory);
- "locmem": keeps it in `outbox` (a list in this module; for tests);
- "http": POSTs JSON {"to", "from", "text"} to SMS_GATEWAY_URL with
  "Authorization: Bearer SMS_GATEWAY_TOKEN". Retries with exponential backoff on 5xx, 429,
  timeouts and connection errors (SMS_GATEWAY_RETRIES tries, SMS_GATEWAY_BACKOFF seconds doubling);
  never retries other 4xx answers (the request itself is wrong).

Errors: `SmsTemporaryError` (gateway down, still failing after the retries: try again later),
`SmsPermanentError` (refused: don't try again). Both carry a message safe to show an admin; the
gateway token and the message text are never logged.
"""

import json
import logging
import os
import sys
import time
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
    """The gateway could not be reached or failed (5xx/timeout); sending again later may work."""


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


def _sender():
    return getattr(settings, "SMS_SENDER", "Connect")


class ConsoleBackend:
    name = "console"

    def send(self, message):
        stream = sys.stdout
        stream.write(f"SMS from {message.sender} to {message.to}:\n{message.text}\n{'-' * 40}\n")
        stream.flush()
        return SmsResult(self.name)


class FileBackend:
    name = "file"

    def send(self, message):
        directory = settings.SMS_FILE_PATH
        os.makedirs(directory, exist_ok=True)
        now = timezone.now()
        path = os.path.join(directory, f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.json")
        record = {"at": now.isoformat(), "to": message.to, "from": message.sender, "text": message.text}
        with open(path, "x", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
        return SmsResult(self.name, path)


class LocmemBackend:
    name = "locmem"

    def send(self, message):
        outbox.append(message)
        return SmsResult(self.name, str(len(outbox)))


class HttpBackend:
    """A JSON-over-HTTPS SMS gateway (see module docstring)."""

    name = "http"
    sleep = staticmethod(time.sleep)  # tests replace it to keep the backoff instant

    def __init__(self):
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.tries = max(1, int(getattr(settings, "SMS_GATEWAY_RETRIES", 3)))
        self.backoff = float(getattr(settings, "SMS_GATEWAY_BACKOFF", 1.0))
        self.timeout = float(getattr(settings, "SMS_GATEWAY_TIMEOUT", 10.0))

    def _request(self, message):
        body = json.dumps({"to": message.to, "from": message.sender, "text": message.text}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        return request

    def send(self, message):
        last_error = None
        for attempt in range(self.tries):
            if attempt:
                self.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                with urllib.request.urlopen(self._request(message), timeout=self.timeout) as response:
                    payload = response.read(65536)
                reference = ""
                try:
                    reference = str(json.loads(payload or b"{}").get("id", ""))[:100]
                except (ValueError, AttributeError):
                    pass
                return SmsResult(self.name, reference)
            except urllib.error.HTTPError as exc:
                status = exc.code
                exc.close()
                if status >= 500 or status == 429:
                    last_error = SmsTemporaryError(f"SMS gateway answered HTTP {status}")
                    logger.warning("SMS gateway HTTP %s (attempt %s of %s)", status, attempt + 1, self.tries)
                    continue
                raise SmsPermanentError(f"SMS gateway refused the message (HTTP {status})") from None
            except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = SmsTemporaryError(f"SMS gateway not reachable ({type(reason).__name__})")
                logger.warning("SMS gateway not reachable (attempt %s of %s): %s", attempt + 1, self.tries, type(reason).__name__)
                continue
        raise last_error


BACKENDS = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "locmem": LocmemBackend,
    "http": HttpBackend,
}


def get_backend(name=None):
    name = name or settings.SMS_BACKEND
    try:
        return BACKENDS[name]()
    except KeyError:
        raise SmsPermanentError(f"Unknown SMS backend {name!r}") from None


def send_sms(to, text, sender=None):
    """Send one SMS to `to` (E.164). Returns SmsResult; raises SmsTemporaryError/SmsPermanentError."""
    if not to or not str(to).startswith("+"):
        raise SmsPermanentError("The recipient must be a full phone number (+45...).")
    return get_backend().send(SmsMessage(to=str(to), text=str(text), sender=sender or _sender()))
