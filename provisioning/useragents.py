"""Identify a phone from its HTTP User-Agent (PRV-5, PROVISIONING-NOTES.md 1.5 and 2.3).

Snom: ``Mozilla/4.0 (compatible; snom<TYPE>-SIP <firmware> <build...> [<MAC>] [SXM:n UXM:n ...])``.
Firmware generations differ: 6.x-8.x send no MAC, 8.7.5+ append it as the last build token, 10.x
may put a parenthesised build date before it and counters after it; fw 6.5 on the 3xx series
sends only ``snom lid 3605`` (no model: unsupported). A MAC is accepted only as a whole token of
exactly 12 hex digits (wazo's looser regex would read ``1`` out of ``SNOM 1.4``).

Mitel/Aastra 68xx: ``<Aastra|Mitel><model> MAC:<XX-XX-XX-XX-XX-XX> V:<firmware>-SIP``.

`parse()` never raises: it returns a `UserAgent` whose `vendor` is "" when the string is neither
format. `model` is the identifier exactly as the phone sent it ("D345", "725", "6867i"); the
catalogue lookup (devices.catalog.by_identifier) is case-insensitive.
"""

import re
from dataclasses import dataclass

SNOM = "snom"
MITEL = "mitel"

MAX_LENGTH = 512  # longer strings are not parsed (and are truncated before being stored)

_SNOM = re.compile(
    r"^Mozilla/\d+(?:\.\d+)* \(compatible; snom(?P<model>[A-Za-z0-9]+)-SIP "
    r"(?P<firmware>\d+(?:\.\d+)+[A-Za-z0-9-]*)(?P<rest>.*)\)\s*$"
)
# Firmware 6.5 on the old 3xx series: no model, no firmware version.
_SNOM_NO_MODEL = re.compile(r"^Mozilla/\d+(?:\.\d+)* \(compatible; snom [^)]*\)\s*$")
_MITEL = re.compile(
    r"^(?P<brand>Aastra|Mitel)(?P<model>[A-Za-z0-9]+) "
    r"MAC:(?P<mac>[0-9A-Fa-f]{2}(?:[-:]?[0-9A-Fa-f]{2}){5}) "
    r"V:(?P<firmware>[0-9A-Za-z][0-9A-Za-z.]*)-SIP\s*$"
)
_PARENTHESISED = re.compile(r"\([^()]*\)")
_HEX12 = re.compile(r"[0-9A-Fa-f]{12}")
_MAC_SEPARATORS = re.compile(r"[-:]")


@dataclass(frozen=True)
class UserAgent:
    vendor: str  # SNOM, MITEL or "" (not a phone we know)
    model: str  # identifier as sent: "D345", "725", "6867i"; "" when the UA names none
    firmware: str
    mac: str  # 12 upper-case hex digits, or "" when the UA carries none
    raw: str

    @property
    def recognised(self):
        return bool(self.vendor and self.model)


def _snom_mac(rest):
    """The MAC token of the part after the firmware version: the last whole 12-hex token."""
    tokens = _PARENTHESISED.sub(" ", rest).replace(";", " ").split()
    macs = [t for t in tokens if len(t) == 12 and _HEX12.fullmatch(t)]
    return macs[-1].upper() if macs else ""


def parse(raw):
    """Parse a User-Agent header value (str or None) into a `UserAgent`."""
    text = (raw or "").strip()
    if len(text) > MAX_LENGTH or not text.isprintable():
        return UserAgent("", "", "", "", text[:MAX_LENGTH])
    match = _SNOM.match(text)
    if match:
        return UserAgent(SNOM, match["model"], match["firmware"], _snom_mac(match["rest"]), text)
    if _SNOM_NO_MODEL.match(text):
        return UserAgent(SNOM, "", "", "", text)
    match = _MITEL.match(text)
    if match:
        mac = _MAC_SEPARATORS.sub("", match["mac"]).upper()
        return UserAgent(MITEL, match["model"], match["firmware"], mac, text)
    return UserAgent("", "", "", "", text)


def format_snom(model, firmware, mac="", build="1.1.5-IFX-05.01.12", extra=""):
    """A Snom User-Agent as the phones send it (used by tests, the benchmark and the demo)."""
    parts = [f"snom{model}-SIP", firmware, build]
    if mac:
        parts.append(mac)
    if extra:
        parts.append(extra)
    return f"Mozilla/4.0 (compatible; {' '.join(parts)})"


def format_mitel(model, mac, firmware, brand="Mitel"):
    """A Mitel/Aastra User-Agent as the phones send it: MAC as XX-XX-XX-XX-XX-XX."""
    dashed = "-".join(mac[i : i + 2] for i in range(0, 12, 2))
    return f"{brand}{model} MAC:{dashed} V:{firmware}-SIP"
