"""Mitel/Aastra ``key: value`` configuration files (PRV-2, PRV-3; PROVISIONING-NOTES.md 2.1-2.2).

68xx: the phone asks for ``security.tuz``, ``startup.cfg`` (``aastra.cfg`` before R4.0.0 SP1),
``<model>.cfg``, ``<MAC>.cfg``, ``startup.lic``, ``<MAC>.lic`` and firmware ``<model>.st``. We serve
the global file (never empty: the phone stops if it is), the model file and the MAC file; the
encrypted, licence and firmware files are 404. Later files override earlier ones.

MiVoice Conference and Video Phone: no public specification (DEV-2 decision): a global
``startup.cfg`` and ``<MAC>.cfg`` in the same syntax with line 1 only.

Values never contain a line break or ``#`` (the phone reads ``#`` as the start of a comment).
"""

import re
from urllib.parse import urlsplit

from devices.catalog import Renderer as CatalogRenderer
from provisioning import regional
from provisioning.renderers.base import (
    GLOBAL,
    MAC_IN_NAME,
    MODEL,
    NOT_PROVIDED,
    PHONE,
    Renderer,
    Route,
    split_host_port,
)

_UNSAFE = re.compile(r"[\x00-\x1f\x7f#]")
_GLOBAL_NAMES = {"startup.cfg", "aastra.cfg"}
_PHONE_FILE = re.compile(MAC_IN_NAME + r"\.cfg")
_MODEL_FILE = re.compile(r"(?P<identifier>[0-9]{4}[A-Za-z]{0,2}|UC[0-9]{3}[A-Za-z]?)\.cfg")
# Asked for on every boot; we have none of them.
_NOT_PROVIDED = re.compile(r"[A-Za-z0-9_-]{1,32}\.(?:tuz|lic|st)")


def clean(value):
    return _UNSAFE.sub("", str(value if value is not None else "")).strip()


def line(key, value):
    return f"{key}: {clean(value)}"


class MitelRenderer(Renderer):
    """Mitel 68xx (6863i, 6865i, 6867i, 6869i, 6873i with M680i/M685i expansion modules)."""

    family = "mitel"
    renderer = CatalogRenderer.MITEL_68XX
    max_lines = 9
    serves_model_files = True

    def route(self, filename):
        if filename in _GLOBAL_NAMES:
            return Route(GLOBAL)
        match = _PHONE_FILE.fullmatch(filename)
        if match:
            return Route(PHONE, "", match["mac"].upper())
        if self.serves_model_files:
            match = _MODEL_FILE.fullmatch(filename)
            if match:
                return Route(MODEL, match["identifier"])
        if _NOT_PROVIDED.fullmatch(filename):
            return Route(NOT_PROVIDED)
        return None

    # -- pieces -------------------------------------------------------------------------------

    def _server_lines(self, site):
        url = urlsplit(site.family_url(self.family))
        scheme = "HTTPS" if url.scheme == "https" else "HTTP"
        prefix = scheme.lower()
        out = [
            line("download protocol", scheme),
            line(f"{prefix} server", url.hostname or ""),
            line(f"{prefix} path", url.path.strip("/")),
        ]
        if url.port:
            out.append(line(f"{prefix} port", url.port))
        return out

    def _locale_lines(self, site):
        out = [
            line("time server disabled", 0),
            line("time server1", site.ntp_server),
        ]
        zone, minutes = regional.mitel_time_zone(site.time_zone)
        out.append(line("time zone name", zone))
        if minutes is not None:
            out.append(line("time zone minutes", minutes))
        pack = regional.mitel_language_pack(site.language)
        if pack:
            out += [line("language 1", pack), line("language", 1)]
        else:
            out.append(line("language", 0))
        out.append(line("tone set", regional.mitel_tone_set(site.time_zone)))
        return out

    def _account_lines(self, number, credentials, site):
        prefix = f"sip line{number}"
        if credentials is None:
            names = ("auth name", "user name", "password", "display name", "screen name", "proxy ip",
                     "registrar ip")
            return [line(f"{prefix} {name}", "") for name in names]
        proxy_host, proxy_port = split_host_port(credentials.proxy or site.proxy)
        registrar_host, registrar_port = split_host_port(credentials.registrar or site.registrar)
        out = [
            line(f"{prefix} auth name", credentials.auth_name),
            line(f"{prefix} user name", credentials.username),
            line(f"{prefix} password", credentials.password),
            line(f"{prefix} display name", credentials.display_name),
            line(f"{prefix} screen name", credentials.display_name),
            line(f"{prefix} proxy ip", proxy_host),
            line(f"{prefix} registrar ip", registrar_host),
        ]
        if proxy_port:
            out.append(line(f"{prefix} proxy port", proxy_port))
        if registrar_port:
            out.append(line(f"{prefix} registrar port", registrar_port))
        return out

    def _header(self, site, what):
        return [f"# Connect: {clean(what)} for {clean(site.organisation_name)}"]

    # -- files --------------------------------------------------------------------------------

    def render_common(self, site, route, model):
        if route.kind == MODEL:
            # Nothing is model-specific yet; the phone only needs the file to exist.
            out = self._header(site, f"settings for the {model.identifier}")
        else:
            out = self._header(site, "global settings")
            out += self._server_lines(site)
            out += [
                line("auto resync mode", 1),
                line("auto resync time", "03:00"),
                line("auto resync max delay", 120),
            ]
            out += self._locale_lines(site)
        return "\n".join(out) + "\n"

    def render_phone(self, site, data, ring_tones):
        out = self._header(site, f"{data.phone.mac} ({data.model.identifier})")
        out += self._account_lines(1, data.line1, site)
        lines_by_user = {}
        if data.line1 is not None and data.user is not None:
            lines_by_user[data.user.pk] = 1
        next_line = 2
        for row in data.keys:
            name = row.slot.vendor_name
            kind, value, label, line_number = "none", "", "", None
            if row.slot.is_line1:
                if data.line1 is not None:
                    kind, line_number, label = "line", 1, data.line1.display_name
            elif row.type == "line" and row.credentials is not None and row.target_user is not None:
                line_number = lines_by_user.get(row.target_user.pk)
                if line_number is None and next_line <= self.max_lines:
                    line_number, next_line = next_line, next_line + 1
                    lines_by_user[row.target_user.pk] = line_number
                    out += self._account_lines(line_number, row.credentials, site)
                if line_number is not None:
                    kind, label = "line", row.label or row.credentials.display_name
            elif row.type == "blf" and row.value:
                kind, value, label = "blf", row.value, row.label
            elif row.type == "speed" and row.value:
                kind, value, label = "speeddial", row.value, row.label
            out.append(line(f"{name} type", kind))
            out.append(line(f"{name} value", value))
            out.append(line(f"{name} label", label))
            if kind == "line":
                out.append(line(f"{name} line", line_number))
        return "\n".join(out) + "\n"


class MiVoiceConferenceRenderer(MitelRenderer):
    """MiVoice Conference and Video Phone: one line, no programmable keys (PRV-3)."""

    family = "mivoice"
    renderer = CatalogRenderer.MIVOICE_CONFERENCE
    max_lines = 1
    serves_model_files = False

    def route(self, filename):
        if filename == "aastra.cfg":
            return None
        return super().route(filename)

    def render_phone(self, site, data, ring_tones):
        out = self._header(site, f"{data.phone.mac} (MiVoice Conference)")
        out += self._account_lines(1, data.line1, site)
        return "\n".join(out) + "\n"
