"""Language, time zone and tone settings in each vendor's vocabulary.

The organisation stores a language code (customers.models.Language) and an IANA time zone. Snom
wants a language name ("Dansk"), a timezone code ("DNK+1") and a tone scheme ("DNK"); Mitel 68xx
wants a language pack file, a named time zone ("DK-Copenhagen", else "Custom" with an offset in
minutes) and a tone set. Unknown zones fall back to the zone's standard UTC offset.
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SNOM_LANGUAGES = {"da": "Dansk", "en": "English", "sv": "Svenska", "nb": "Norsk", "de": "Deutsch"}
MITEL_LANGUAGE_PACKS = {"da": "lang_da.txt", "sv": "lang_sv.txt", "nb": "lang_no.txt", "de": "lang_de.txt"}

# IANA zone -> (Snom timezone, Snom tone scheme, Mitel time zone name, Mitel tone set)
_ZONES = {
    "Europe/Copenhagen": ("DNK+1", "DNK", "DK-Copenhagen", "Europe"),
    "Europe/Stockholm": ("SWE+1", "SWE", "SE-Stockholm", "Sweden"),
    "Europe/Oslo": ("NOR+1", "NOR", "NO-Oslo", "Europe"),
    "Europe/Berlin": ("GER+1", "GER", "DE-Berlin", "Germany"),
    "Europe/Helsinki": ("FIN+2", "DNK", "FI-Helsinki", "Europe"),
    "Europe/London": ("GBR-0", "GBR", "GB-London", "UK"),
    "Europe/Dublin": ("IRL-0", "GBR", "IE-Dublin", "UK"),
    "Europe/Amsterdam": ("NLD+1", "NLD", "NL-Amsterdam", "Europe"),
    "Europe/Brussels": ("BEL+1", "NLD", "BE-Brussels", "Europe"),
    "Europe/Paris": ("FRA+1", "FRA", "FR-Paris", "France"),
    "Europe/Vienna": ("AUT+1", "AUT", "AT-Vienna", "Germany"),
    "Europe/Zurich": ("CHE+1", "SWI", "CH-Zurich", "Germany"),
    "Europe/Rome": ("ITA+1", "ITA", "IT-Rome", "Italy"),
    "Europe/Madrid": ("ESP+1", "ESP", "ES-Madrid", "Europe"),
    "Europe/Warsaw": ("POL+1", "GER", "PL-Warsaw", "Europe"),
    "Atlantic/Faroe": ("FRO-0", "DNK", "FO-Faeroe", "Europe"),
    "America/Godthab": ("GRL-3", "DNK", "Custom", "Europe"),
    "America/Nuuk": ("GRL-3", "DNK", "Custom", "Europe"),
    "America/New_York": ("USA-5", "USA", "US-Eastern", "US"),
    "America/Chicago": ("USA-6", "USA", "US-Central", "US"),
    "America/Denver": ("USA-7", "USA", "US-Mountain", "US"),
    "America/Los_Angeles": ("USA-8", "USA", "US-Pacific", "US"),
    "UTC": ("GBR-0", "GBR", "Custom", "Europe"),
}
# Standard UTC offset in hours -> a Snom timezone code of that offset (fallback).
_SNOM_BY_OFFSET = {
    -10: "USA-10", -9: "USA-9", -8: "USA-8", -7: "USA-7", -6: "USA-6", -5: "USA-5", -4: "CAN-4",
    -3: "ARG-3", -2: "BRA-2", -1: "PRT-1", 0: "GBR-0", 1: "DNK+1", 2: "FIN+2", 3: "RUS+3",
    4: "RUS+4", 5: "PAK+5", 6: "RUS+6", 7: "THA+7", 8: "SGP+8", 9: "JPN+9", 10: "AUS+10",
    11: "NCL+11", 12: "NZL+12", 13: "TON+13",
}
_TONES_BY_LANGUAGE = {"da": "DNK", "sv": "SWE", "nb": "NOR", "de": "GER", "en": "GBR"}


def standard_offset_minutes(zone_name):
    """The zone's UTC offset in minutes outside daylight saving time (January or July)."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    offsets = []
    for month in (1, 7):
        moment = datetime(2025, month, 15, 12, tzinfo=zone)
        offsets.append((moment.utcoffset() - moment.dst()).total_seconds() // 60)
    return int(min(offsets))


def snom_language(code):
    return SNOM_LANGUAGES.get(code, "English")


def snom_timezone(zone_name):
    if zone_name in _ZONES:
        return _ZONES[zone_name][0]
    return _SNOM_BY_OFFSET.get(round(standard_offset_minutes(zone_name) / 60), "GBR-0")


def snom_tone_scheme(zone_name, language):
    if zone_name in _ZONES:
        return _ZONES[zone_name][1]
    return _TONES_BY_LANGUAGE.get(language, "DNK")


def mitel_time_zone(zone_name):
    """(time zone name, minutes or None): minutes only with the "Custom" name."""
    name = _ZONES.get(zone_name, (None, None, "Custom", None))[2]
    if name == "Custom":
        # Mitel counts minutes west of UTC (like POSIX TZ): Copenhagen would be -60.
        return "Custom", -standard_offset_minutes(zone_name)
    return name, None


def mitel_tone_set(zone_name):
    return _ZONES.get(zone_name, (None, None, None, "Europe"))[3]


def mitel_language_pack(code):
    """The language pack for `code`, or None for English (built into the phone)."""
    return MITEL_LANGUAGE_PACKS.get(code)
