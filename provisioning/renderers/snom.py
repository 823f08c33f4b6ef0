"""Snom XML settings (PRV-1; PROVISIONING-NOTES.md 1.2-1.3).

Files: ``snom<type>.htm`` (settings common to the model: the organisation's language, time zone,
NTP, tones and the setting server), ``snom<type>-<MAC>.htm`` and ``<MAC>.xml`` (the phone's own
file: everything, identities and function keys). Snom phones read XML whatever the extension.

Identity 1 is the line-1 user; each further user on a "Linje" key gets the next identity (up to
12). A phone without a line-1 account (unassigned, free seating, user deleted) gets identity 1
switched off with empty credentials, which also wipes an account it registered before.
"""

import re
from xml.sax.saxutils import escape, quoteattr

from devices.catalog import Renderer as CatalogRenderer
from provisioning import regional
from provisioning.renderers.base import MAC_IN_NAME, MODEL, PHONE, Renderer, Route

MAX_IDENTITIES = 12
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_COMMON_FILE = re.compile(r"snom(?P<identifier>[A-Za-z0-9]{1,16})\.htm")
_PHONE_FILE = re.compile(r"snom(?P<identifier>[A-Za-z0-9]{1,16})-" + MAC_IN_NAME + r"\.htm")
_MAC_FILE = re.compile(MAC_IN_NAME + r"\.xml")


def _text(value):
    return escape(_CONTROL.sub("", str(value or "")))


def _attr(value):
    return quoteattr(_CONTROL.sub("", str(value or "")))


_RINGER = re.compile(r"ringer(?P<n>[1-9]|10)", re.IGNORECASE)

# SVC-17 on Snom phones. A Snom picks the ringer of an incoming call from the text in the call's
# Alert-Info header ("<http://127.0.0.1>;info=alert-acd"): three named categories (internal,
# external, group) and the indexed "internal ringer" pairs for more. These texts are the contract
# with the telephony platform, which marks each call with the text of its kind.
ALERT_INTERNAL = "alert-internal"
ALERT_EXTERNAL = "alert-external"
ALERT_RING_GROUP = "alert-group"
ALERT_ACD = "alert-acd"  # internal_ringer_text/_file idx 0
ALERT_ATTENDANT = "alert-attendant"  # internal_ringer_text/_file idx 1


def _ring_tone(value):
    """SVC-17 choice -> (Snom ringer, perm). "standard" lets the user choose on the phone ("!":
    set only while the user has not chosen); "ringerN" is RingerN, read-only."""
    match = _RINGER.fullmatch(str(value or ""))
    if match:
        return f"Ringer{match['n']}", "R"
    return "Ringer1", "!"


class SnomRenderer(Renderer):
    family = "snom"
    renderer = CatalogRenderer.SNOM
    content_type = "application/xml; charset=utf-8"
    uses_ring_tones = True

    def route(self, filename):
        match = _PHONE_FILE.fullmatch(filename)
        if match:
            return Route(PHONE, match["identifier"], match["mac"].upper())
        match = _MAC_FILE.fullmatch(filename)
        if match:
            return Route(PHONE, "", match["mac"].upper())
        match = _COMMON_FILE.fullmatch(filename)
        if match:
            return Route(MODEL, match["identifier"])
        return None

    # -- pieces -------------------------------------------------------------------------------

    def _setting(self, name, value, perm="R", idx=None):
        index = f' idx="{idx}"' if idx is not None else ""
        return f"<{name}{index} perm={_attr(perm)}>{_text(value)}</{name}>"

    def _global_settings(self, site):
        language = regional.snom_language(site.language)
        return [
            self._setting("setting_server", site.family_url(self.family)),
            self._setting("language", language),
            self._setting("web_language", language),
            self._setting("timezone", regional.snom_timezone(site.time_zone)),
            self._setting("tone_scheme", regional.snom_tone_scheme(site.time_zone, site.language)),
            self._setting("ntp_server", site.ntp_server),
        ]

    def _identity(self, idx, credentials, site):
        if credentials is None:
            values = [("user_active", "off"), ("user_realname", ""), ("user_name", ""),
                      ("user_pname", ""), ("user_pass", ""), ("user_host", ""), ("user_outbound", "")]
        else:
            values = [
                ("user_active", "on"),
                ("user_realname", credentials.display_name),
                ("user_name", credentials.username),
                ("user_pname", credentials.auth_name),
                ("user_pass", credentials.password),
                ("user_host", credentials.registrar or site.registrar),
                ("user_outbound", credentials.proxy or site.proxy),
                ("user_idle_text", credentials.display_name),
            ]
        return [self._setting(name, value, idx=idx) for name, value in values]

    def _document(self, phone_settings, function_keys=None):
        lines = ['<?xml version="1.0" encoding="utf-8"?>', "<settings>", '<phone-settings e="2">']
        lines.extend(phone_settings)
        lines.append("</phone-settings>")
        if function_keys is not None:
            lines.append('<functionKeys e="2">')
            lines.extend(function_keys)
            lines.append("</functionKeys>")
        lines.append("</settings>")
        return "\n".join(lines) + "\n"

    # -- files --------------------------------------------------------------------------------

    def render_common(self, site, route, model):
        return self._document(self._global_settings(site))

    def render_phone(self, site, data, ring_tones):
        settings_lines = self._global_settings(site)
        identities = {}  # user pk -> identity index
        next_identity = 2
        keys = []
        line1_user = data.user
        if data.line1 is not None and line1_user is not None:
            identities[line1_user.pk] = 1
        settings_lines.extend(self._identity(1, data.line1, site))
        for row in data.keys:
            idx = row.slot.index - 1
            label, context, value = row.label or "", "active", "none"
            if row.type == "line" and row.credentials is not None and row.target_user is not None:
                identity = identities.get(row.target_user.pk)
                if identity is None and next_identity <= MAX_IDENTITIES:
                    identity, next_identity = next_identity, next_identity + 1
                    identities[row.target_user.pk] = identity
                    settings_lines.extend(self._identity(identity, row.credentials, site))
                if identity is not None:
                    value, context = "line", str(identity)
                    label = label or row.credentials.display_name
            elif row.type == "blf" and row.value:
                value = f"blf {row.value}"
            elif row.type == "speed" and row.value:
                value = f"speed {row.value}"
            if value == "none":
                label = ""
            keys.append(f'<fkey idx="{idx}" context={_attr(context)} label={_attr(label)} perm="RW">{_text(value)}</fkey>')
        settings_lines.extend(self._ring_tones(ring_tones, sorted(identities.values())))
        return self._document(settings_lines, keys)

    def _ring_tones(self, ring_tones, identities):
        """SVC-17: the ringer per kind of call (see ALERT_*); an identity's own ringer (a call
        without an Alert-Info text) is the one for external calls."""
        internal = _ring_tone(ring_tones.internal)
        external = _ring_tone(ring_tones.external)
        group = _ring_tone(ring_tones.ring_group)
        lines = [
            self._setting("alert_internal_ring_text", ALERT_INTERNAL),
            self._setting("alert_internal_ring_sound", internal[0], perm=internal[1]),
            self._setting("alert_external_ring_text", ALERT_EXTERNAL),
            self._setting("alert_external_ring_sound", external[0], perm=external[1]),
            self._setting("alert_group_ring_text", ALERT_RING_GROUP),
            self._setting("alert_group_ring_sound", group[0], perm=group[1]),
        ]
        for idx, (text, value) in enumerate(((ALERT_ACD, ring_tones.acd), (ALERT_ATTENDANT, ring_tones.attendant))):
            ringer, perm = _ring_tone(value)
            lines.append(self._setting("internal_ringer_text", text, idx=idx))
            lines.append(self._setting("internal_ringer_file", ringer, perm=perm, idx=idx))
        for idx in identities:
            lines.append(self._setting("user_ringer", external[0], perm=external[1], idx=idx))
        return lines
