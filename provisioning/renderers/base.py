"""The renderer interface: one renderer per vendor family (PRV-1, PRV-2, PRV-3).

A renderer knows its URL segment (`family`), which file names its phones request (`route`), and
how to write the organisation-wide files and a phone's own file. It reads only plain data: a
`Site` (the organisation's settings and the ticket URL) and devices' `PhoneConfigData` (the phone,
its model, its line-1 credentials and key rows). It never touches the database, so the endpoint
decides the queries and a renderer can be corrected without touching the rest.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class Route:
    """What a requested file name means."""

    kind: str  # GLOBAL, MODEL, PHONE or NOT_PROVIDED
    identifier: str = ""  # model identifier from the file name ("D345", "6867i"), if any
    mac: str = ""  # 12 upper-case hex digits for PHONE files


GLOBAL = "global"
MODEL = "model"
PHONE = "phone"
NOT_PROVIDED = "not-provided"

MAC_IN_NAME = r"(?P<mac>[0-9A-Fa-f]{12})"


@dataclass(frozen=True)
class RingTones:
    """SVC-17 ring tones of a phone's user: "standard" (the phone's own choice) or "ringer1" ..
    "ringer10" per kind of call; the defaults are "standard" everywhere."""

    internal: str = "standard"
    external: str = "standard"
    acd: str = "standard"
    attendant: str = "standard"
    ring_group: str = "standard"


@dataclass(frozen=True)
class Site:
    """Organisation-wide settings every file of a phone carries."""

    organisation_name: str
    language: str  # customers.models.Language code
    time_zone: str  # IANA name
    ticket: str  # clear ticket: goes into the files (setting_server), never into logs
    base_url: str = field(default_factory=lambda: settings.PROVISIONING_BASE_URL)
    registrar: str = field(default_factory=lambda: settings.SIP_REGISTRAR)
    proxy: str = field(default_factory=lambda: settings.SIP_PROXY)
    ntp_server: str = field(default_factory=lambda: settings.NTP_SERVER)

    def __repr__(self):  # keep the ticket out of tracebacks
        return f"Site({self.organisation_name!r})"

    def family_url(self, family):
        return f"{self.base_url.rstrip('/')}/prov/{self.ticket}/{family}/"


def split_host_port(value):
    """"sip.example.com:5061" -> ("sip.example.com", "5061"); IPv6 in brackets kept whole."""
    value = (value or "").strip()
    match = re.fullmatch(r"(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?", value)
    if not match:
        return value, ""
    return match.group(1), match.group(2) or ""


class Renderer:
    """Base class; subclasses set the class attributes and implement the three methods."""

    family = ""  # URL segment: /prov/<ticket>/<family>/<file>
    renderer = ""  # devices.catalog.Renderer code of the models it serves
    uses_ring_tones = False  # render_phone reads its `ring_tones` (SVC-17: Snom only)
    content_type = "text/plain; charset=utf-8"

    def route(self, filename):
        """A `Route`, or None when the family knows no such file (malformed/unknown)."""
        raise NotImplementedError

    def render_common(self, site, route, model):
        """The organisation-wide GLOBAL file, or the MODEL file of `model` (a catalog.PhoneModel)."""
        raise NotImplementedError

    def render_phone(self, site, data, ring_tones):
        """The phone's own file from devices.queries.PhoneConfigData."""
        raise NotImplementedError
