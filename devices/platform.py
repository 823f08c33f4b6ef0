"""The seam to the SIP platform: ask a phone to fetch its configuration again ("Gem og genindlæs").

DEV-4: for Mitel phones "Gem og genindlæs" makes the phone fetch the new configuration without a
restart. The portal sends the phone a SIP NOTIFY with `Event: check-sync;reboot=false` (the
event Mitel/Aastra and Snom phones resync on) to the address the phone last fetched its
configuration from (`Phone.last_ip`) and the SIP port `PLATFORM_SIP_PORT` (default 5060).

Backends, chosen by `settings.PLATFORM_BACKEND`:
- "sip": a real NOTIFY over UDP (RFC 3261 retransmissions: T1 = 500 ms doubling, until
  `PLATFORM_SIP_TIMEOUT` seconds, default 4), waiting for the phone's final response.
- "console": writes the request to the log (development).
- "locmem": keeps the requests in `devices.platform.outbox` (tests).
Tests patch nothing else: this module is the only place that talks to phones.

Optional settings (read with defaults): PLATFORM_SIP_PORT, PLATFORM_SIP_TIMEOUT,
PLATFORM_SIP_BIND (local address to send from, default all interfaces), PLATFORM_SIP_FROM_HOST.
"""

import logging
import secrets
import socket
import time
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger("connect.devices.platform")

outbox = []  # locmem backend: every CheckSync "sent"


@dataclass(frozen=True)
class CheckSync:
    """One request to a phone: where to send it and to whom (the SIP user part)."""

    host: str
    port: int
    user: str  # line-1 SIP username, else the MAC
    mac: str


@dataclass(frozen=True)
class Result:
    ok: bool
    status: int | None = None  # the phone's SIP response code
    detail: str = ""


class ConsoleBackend:
    def check_sync(self, request):
        log.warning("NOTIFY check-sync to %s:%s (phone %s)", request.host, request.port, request.mac)
        return Result(ok=True, detail="console")


class LocmemBackend:
    def check_sync(self, request):
        outbox.append(request)
        return Result(ok=True, status=200, detail="locmem")


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


_BACKENDS = {"sip": SipBackend, "console": ConsoleBackend, "locmem": LocmemBackend}


def get_backend():
    name = getattr(settings, "PLATFORM_BACKEND", "sip")
    try:
        return _BACKENDS[name]()
    except KeyError as exc:
        raise ValueError(f"Unknown PLATFORM_BACKEND {name!r}: use sip, console or locmem") from exc


def check_sync_request_for(phone):
    """The CheckSync for a phone, or None if the phone has never fetched (no address known)."""
    if not phone.last_ip:
        return None
    user = phone.mac
    if phone.user_id and not phone.free_seating:
        from devices.models import SipAccount

        user = SipAccount.objects.filter(user_id=phone.user_id).values_list("username", flat=True).first() or user
    return CheckSync(host=str(phone.last_ip), port=int(getattr(settings, "PLATFORM_SIP_PORT", 5060)), user=user, mac=phone.mac)


def send_check_sync(phone):
    """Ask the phone to fetch its configuration again. Returns a Result (never raises on network errors)."""
    request = check_sync_request_for(phone)
    if request is None:
        return Result(ok=False, detail="never seen")
    result = get_backend().check_sync(request)
    log.info("check-sync %s -> %s %s", phone.mac, result.status, result.detail)
    return result
