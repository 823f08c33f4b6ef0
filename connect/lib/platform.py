"""The seam to the SIP platform: the one place that talks to phones and to the platform.

Two requests, one backend chosen by `settings.PLATFORM_BACKEND`:

- `check_sync(CheckSync)` asks a phone to fetch its configuration again ("Gem og genindlæs",
  DEV-4): a SIP NOTIFY with `Event: check-sync;reboot=false` (the event Mitel/Aastra and Snom
  phones resync on) to the address the phone last fetched its configuration from and the SIP
  port `PLATFORM_SIP_PORT` (default 5060). devices.platform builds the request for a phone.
- `record_prompt(RecordPrompt)` asks the platform to call a number so an OrgAdmin can record a
  voice prompt ("Optag filen", ORG-5). The platform answers at once (accepted or not) and
  later reports the call's progress, then the recording, to the portal's callback endpoint
  (customers.views.prompts.platform_prompt_call, authenticated like devices/api.py with
  `Authorization: Bearer PLATFORM_API_TOKEN`, see `authenticate_platform_request`).

Backends:
- "sip": check-sync as a real NOTIFY over UDP (RFC 3261 retransmissions: T1 = 500 ms doubling,
  until `PLATFORM_SIP_TIMEOUT` seconds, default 4), waiting for the phone's final response.
  Cannot place calls: recording by phone is not offered.
- "http": check-sync as "sip"; record_prompt POSTs JSON to `PLATFORM_URL` + "record-prompt/"
  with `Authorization: Bearer PLATFORM_TOKEN` (timeout `PLATFORM_HTTP_TIMEOUT`, default 10 s).
- "console": writes the requests to the log and simulates a recording call (development):
  `simulated_call_status(seconds since the call started)` says where the call would be.
- "locmem": keeps the requests in `outbox` (tests).
Tests patch nothing else.

Optional settings (read with defaults): PLATFORM_SIP_PORT, PLATFORM_SIP_TIMEOUT,
PLATFORM_SIP_BIND (local address to send from, default all interfaces), PLATFORM_SIP_FROM_HOST.
"""

import hmac
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass

from django.conf import settings
from django.http import Http404, JsonResponse

log = logging.getLogger("connect.devices.platform")

outbox = []  # locmem backend: every CheckSync and RecordPrompt "sent"


@dataclass(frozen=True)
class CheckSync:
    """One request to a phone: where to send it and to whom (the SIP user part)."""

    host: str
    port: int
    user: str  # line-1 SIP username, else the MAC
    mac: str


@dataclass(frozen=True)
class RecordPrompt:
    """Ask the platform to call `number`; a voice guide records `prompt_name` in `language`.
    The platform reports to `callback_url` quoting `reference`."""

    reference: str
    number: str
    language: str
    prompt_name: str
    organisation: str
    callback_url: str


@dataclass(frozen=True)
class Result:
    ok: bool
    status: int | None = None  # the phone's SIP response code
    detail: str = ""


class ConsoleBackend:
    records_prompts = True
    # (seconds after the request, status the simulated call has reached)
    SIMULATION = ((0, "dialling"), (2, "answered"), (4, "recording"), (8, "done"))

    def check_sync(self, request):
        log.warning("NOTIFY check-sync to %s:%s (phone %s)", request.host, request.port, request.mac)
        return Result(ok=True, detail="console")

    def record_prompt(self, request):
        log.warning("Record prompt %r (%s): calling %s", request.prompt_name, request.language, request.number)
        return Result(ok=True, detail="console")

    def simulated_call_status(self, seconds):
        status = None
        for after, name in self.SIMULATION:
            if seconds >= after:
                status = name
        return status


class LocmemBackend:
    records_prompts = True

    def check_sync(self, request):
        outbox.append(request)
        return Result(ok=True, status=200, detail="locmem")

    def record_prompt(self, request):
        outbox.append(request)
        return Result(ok=True, status=202, detail="locmem")

    def simulated_call_status(self, seconds):
        return None  # tests report progress through the callback endpoint


def build_notify(request, *, local_host, local_port, call_id, branch, tag):
    """The NOTIFY as bytes (CRLF line ends, no body)."""
    uri = f"sip:{request.user}@{_host_for_uri(request.host)}:{request.port}"
    from_host = getattr(settings, "PLATFORM_SIP_FROM_HOST", "") or _host_for_uri(local_host)
    lines = [
        f"NOTIFY {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {_host_for_uri(local_host)}:{local_port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:connect@{from_host}>;tag={tag}",
        f"To: <{uri}>",
        f"Call-ID: {call_id}",
        "CSeq: 1 NOTIFY",
        f"Contact: <sip:connect@{_host_for_uri(local_host)}:{local_port}>",
        "Event: check-sync;reboot=false",
        "Subscription-State: terminated;reason=timeout",
        "User-Agent: Connect portal",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def _host_for_uri(host):
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def parse_response(data):
    """(status code, Call-ID, CSeq method) of a SIP response, or None if it is not one."""
    try:
        text = data.decode("utf-8", "replace")
    except Exception:  # pragma: no cover - decode with "replace" does not raise
        return None
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    if not head or not head[0].startswith("SIP/2.0 "):
        return None
    try:
        status = int(head[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        return None
    headers = {}
    for line in head[1:]:
        name, _sep, value = line.partition(":")
        name = name.strip().lower()
        name = {"i": "call-id"}.get(name, name)  # compact form
        headers.setdefault(name, value.strip())
    cseq_method = headers.get("cseq", "").split(" ")[-1].upper()
    return status, headers.get("call-id", ""), cseq_method


class SipBackend:
    """Sends a real SIP NOTIFY over UDP and waits for the final response."""

    T1 = 0.5
    records_prompts = False

    def record_prompt(self, request):
        return Result(ok=False, detail="unsupported")

    def simulated_call_status(self, seconds):
        return None

    def check_sync(self, request):
        timeout = float(getattr(settings, "PLATFORM_SIP_TIMEOUT", 4))
        family = socket.AF_INET6 if ":" in request.host else socket.AF_INET
        bind = getattr(settings, "PLATFORM_SIP_BIND", "") or ("::" if family == socket.AF_INET6 else "0.0.0.0")
        call_id = f"{secrets.token_hex(12)}@connect"
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((bind, 0))
            sock.connect((request.host, request.port))  # fixes the local address for Via/Contact
            local_host, local_port = sock.getsockname()[:2]
            message = build_notify(
                request,
                local_host=local_host,
                local_port=local_port,
                call_id=call_id,
                branch="z9hG4bK" + secrets.token_hex(8),
                tag=secrets.token_hex(6),
            )
            deadline = time.monotonic() + timeout
            interval = self.T1
            next_send = time.monotonic()
            provisional = None
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return Result(ok=False, status=provisional, detail="timeout")
                if now >= next_send and provisional is None:
                    try:
                        sock.send(message)
                    except ConnectionRefusedError:
                        pass  # reported for the previous datagram; the next retransmission goes on
                    next_send = now + interval
                    interval = min(interval * 2, 4.0)
                sock.settimeout(max(0.01, min(next_send, deadline) - time.monotonic()))
                try:
                    data = sock.recv(65535)
                except TimeoutError:
                    continue
                except ConnectionRefusedError:
                    # ICMP port unreachable: the phone may be restarting its SIP stack; retransmit.
                    continue
                except OSError as exc:
                    return Result(ok=False, detail=f"network error: {exc.__class__.__name__}")
                parsed = parse_response(data)
                if parsed is None or parsed[1] != call_id or parsed[2] != "NOTIFY":
                    continue
                status = parsed[0]
                if status < 200:
                    provisional = status  # stop retransmitting, wait for the final answer
                    next_send = deadline
                    continue
                return Result(ok=200 <= status < 300, status=status, detail="answered")
        except OSError as exc:
            return Result(ok=False, detail=f"network error: {exc.__class__.__name__}")
        finally:
            sock.close()


class HttpBackend(SipBackend):
    """Phones are notified over SIP; calls are placed through the platform's HTTP API."""

    records_prompts = True

    def record_prompt(self, request):
        base = getattr(settings, "PLATFORM_URL", "") or ""
        if not base:
            return Result(ok=False, detail="PLATFORM_URL not set")
        body = json.dumps({"type": "record_prompt", **asdict(request)}).encode()
        http = urllib.request.Request(base.rstrip("/") + "/record-prompt/", data=body, method="POST")
        http.add_header("Content-Type", "application/json")
        token = getattr(settings, "PLATFORM_TOKEN", "") or ""
        if token:
            http.add_header("Authorization", f"Bearer {token}")
        timeout = float(getattr(settings, "PLATFORM_HTTP_TIMEOUT", 10.0))
        try:
            with urllib.request.urlopen(http, timeout=timeout) as response:  # noqa: S310 - URL from settings
                return Result(ok=200 <= response.status < 300, status=response.status, detail="accepted")
        except urllib.error.HTTPError as exc:
            return Result(ok=False, status=exc.code, detail="refused")
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            return Result(ok=False, detail=f"network error: {exc.__class__.__name__}")


_BACKENDS = {"sip": SipBackend, "http": HttpBackend, "console": ConsoleBackend, "locmem": LocmemBackend}


def get_backend():
    name = getattr(settings, "PLATFORM_BACKEND", "sip")
    try:
        return _BACKENDS[name]()
    except KeyError as exc:
        raise ValueError(f"Unknown PLATFORM_BACKEND {name!r}: use sip, http, console or locmem") from exc


def record_prompt(request):
    """Ask the platform to place a recording call. Returns a Result (never raises on network errors)."""
    result = get_backend().record_prompt(request)
    log.info("record-prompt %s -> %s %s", request.reference[:8], result.status, result.detail)
    return result


def authenticate_platform_request(request):
    """None if the request is a POST carrying `Authorization: Bearer PLATFORM_API_TOKEN`
    (compared in constant time), else the error response. Raises Http404 when the platform API
    is not configured (PLATFORM_API_TOKEN empty)."""
    expected = getattr(settings, "PLATFORM_API_TOKEN", "") or ""
    if not expected:
        raise Http404
    header = request.headers.get("Authorization", "")
    scheme, _sep, given = header.partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())
    if not ok:
        response = JsonResponse({"error": "authentication required"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="connect-platform"'
        return response
    if request.method != "POST":
        response = JsonResponse({"error": "POST only"}, status=405)
        response["Allow"] = "POST"
        return response
    return None
