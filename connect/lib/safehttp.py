"""Outbound HTTPS to an address an administrator typed (calendar connectors), guarded against
server-side request forgery.

- https only, no user name or password inside the URL;
- the host name is resolved once and EVERY address it resolves to is checked: link-local
  (169.254.0.0/16, the cloud metadata service), multicast, unspecified and reserved addresses are
  always refused; loopback and private (RFC 1918, unique local, shared 100.64/10) addresses are
  refused unless settings.CONNECTOR_ALLOW_PRIVATE_ADDRESSES is on (tests, lab set-ups);
- the connection goes to the address that was checked (no second lookup that DNS rebinding could
  answer differently), while TLS still verifies the certificate against the host NAME;
- redirects are followed only to the same host and port over https (at most MAX_REDIRECTS), each
  checked again; a redirect to another host is refused and reported;
- a short timeout on every socket operation (settings.CONNECTOR_TEST_TIMEOUT), a deadline of
  DEADLINE_FACTOR times that for the whole request with its redirects (a server that drips its
  answer byte by byte cannot hold a web worker), and at most MAX_BODY bytes of the answer read.

`request()` returns an `Answer` or raises `OutboundError` whose `code` says what went wrong
(`refused_url`, `refused_address`, `redirect`, `dns`, `timeout`, `certificate`, `tls`,
`connection`) and whose `message` says it in plain translated words. Only the standard library.
"""

import http.client
import ipaddress
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_REDIRECTS = 3
MAX_BODY = 64 * 1024
DEADLINE_FACTOR = 3
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class OutboundError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Answer:
    status: int
    headers: dict = field(default_factory=dict)  # lower-cased names
    body: bytes = b""
    url: str = ""


def check_url(url):
    """The parts of `url` (urllib SplitResult) when it may be requested at all: https, a host,
    no credentials. Raises OutboundError(code="refused_url")."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise OutboundError("refused_url", _("The server URL is not a valid address.")) from exc
    if parts.scheme.lower() != "https":
        raise OutboundError("refused_url", _("The server URL must start with https://."))
    if not parts.hostname:
        raise OutboundError("refused_url", _("The server URL has no server name."))
    if parts.username is not None or parts.password is not None:
        raise OutboundError("refused_url", _("Do not put a user name or password in the server URL; use the fields for them."))
    if port == 0:
        raise OutboundError("refused_url", _("The server URL is not a valid address."))
    return parts


def address_refusal(address, *, allow_private=None):
    """Why `address` (an IP address string) may not be contacted, or None when it may."""
    if allow_private is None:
        allow_private = settings.CONNECTOR_ALLOW_PRIVATE_ADDRESSES
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            ip = embedded
    if ip.is_loopback:  # (::1 also counts as reserved: loopback is the better word)
        return None if allow_private else _("The server URL points to an internal network address (%(address)s), which is not contacted.") % {"address": ip}
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local or ip.is_reserved:
        return _("The server URL points to a special network address (%(address)s), which is never contacted.") % {"address": ip}
    if ip.is_private or not ip.is_global:
        if not allow_private:
            return _("The server URL points to an internal network address (%(address)s), which is not contacted.") % {"address": ip}
    return None


def check_host_literal(host):
    """For a host written as an IP address (or "localhost"): the refusal message, else None.
    Names are checked when they are resolved, at connection time."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return address_refusal(host)


def resolve(host, port):
    """The addresses `host` resolves to, all of them allowed; raises OutboundError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError("dns", _("The server name %(host)s could not be found (DNS).") % {"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise OutboundError("dns", _("The server name %(host)s could not be found (DNS).") % {"host": host})
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise OutboundError("refused_address", refusal)
    return addresses


def tls_context():
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    ca_file = settings.CONNECTOR_CA_FILE
    if ca_file:
        context.load_verify_locations(cafile=os.fspath(ca_file))
    return context


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address` (already checked) while the Host header, SNI and the certificate
    check use the host name."""

    def __init__(self, host, port, *, address, context, timeout):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _timed_out(timeout):
    return OutboundError("timeout", _("The server did not answer within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"})


def _read_body(response, deadline, timeout):
    chunks, size = [], 0
    while size < MAX_BODY:
        if time.monotonic() > deadline:
            raise _timed_out(timeout)
        chunk = response.read1(min(8192, MAX_BODY - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _once(method, parts, *, headers, body, timeout, socket_timeout, deadline):
    port = parts.port or 443
    address = resolve(parts.hostname, port)[0]
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    connection = _PinnedHTTPSConnection(parts.hostname, port, address=address, context=tls_context(), timeout=socket_timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = _read_body(response, deadline, timeout)
        return Answer(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            url=parts.geturl(),
        )
    except OutboundError:
        raise
    except ssl.SSLCertVerificationError as exc:
        detail = exc.verify_message or str(exc)
        raise OutboundError(
            "certificate",
            _("The server's TLS certificate is not trusted (%(detail)s).") % {"detail": detail},
        ) from exc
    except TimeoutError as exc:
        raise _timed_out(timeout) from exc
    except ssl.SSLError as exc:
        raise OutboundError("tls", _("A secure (TLS) connection to the server could not be made.")) from exc
    except ConnectionRefusedError as exc:
        raise OutboundError("connection", _("The server refused the connection (nothing answers on that port).")) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundError("connection", _("The connection to the server failed.")) from exc
    finally:
        connection.close()


def request(method, url, *, headers=None, body=None, timeout=None):
    """Send one request to `url` under the rules of the module docstring; the final Answer."""
    timeout = timeout or settings.CONNECTOR_TEST_TIMEOUT
    parts = check_url(url)
    deadline = time.monotonic() + DEADLINE_FACTOR * timeout
    origin = (parts.hostname.lower(), parts.port or 443)
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(timeout)
        answer = _once(
            method, parts, headers=headers, body=body, timeout=timeout, socket_timeout=min(timeout, remaining), deadline=deadline
        )
        location = answer.headers.get("location")
        if answer.status not in REDIRECT_STATUSES or not location:
            return answer
        target = urljoin(parts.geturl(), location)
        try:
            next_parts = check_url(target)
        except OutboundError as exc:
            raise OutboundError("redirect", _("The server redirects to %(target)s, which is not followed.") % {"target": target[:200]}) from exc
        if (next_parts.hostname.lower(), next_parts.port or 443) != origin:
            raise OutboundError(
                "redirect",
                _("The server redirects to another server (%(target)s), which is not followed. Enter that address if it is the right one.")
                % {"target": target[:200]},
            )
        parts = next_parts
        if answer.status == 303 or (answer.status in (301, 302) and method != "GET"):
            method, body = "GET", None
    raise OutboundError("redirect", _("The server redirects too many times."))
