"""Phone number normalisation (ARCHITECTURE.md invariant 3).

Numbers are stored as E.164 (`+4588887765`) or as local extensions (`1500`). Input in other
common forms (`88 88 77 65`, `004588887765`, `+45 88 88 77 65`) is normalised with
`phonenumbers`, default region DK. Unicode digits (`٤٥`, `４５`) are refused, not converted:
an admin who typed them should see that something is off.

What a number may be used for is decided here too, in one place (`check_use`, and
`refused_values` for the database query behind "Vis tilgængelige numre"): emergency and service
numbers are never a local number, an alias, a function number or a forwarding target; users'
local numbers and aliases stay out of the function numbers' 1500–1799 (SET-6).
"""

from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "DK"
LOCAL_MAX_DIGITS = 6
LOCAL_MIN_DIGITS = 2
_SEPARATORS = " -./()\u00a0"


@dataclass(frozen=True)
class NormalisedNumber:
    number: str  # "+4588887765" or "1500"
    kind: str  # "e164" or "local"
    value: int  # digits as an integer, for range arithmetic in the database

    def __str__(self):
        return self.number


def _strip(raw):
    text = str(raw or "").strip()
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            raise ValidationError(_("Use only the digits 0-9."), code="unicode_digits")
        if ord(ch) < 32 or ord(ch) == 127:
            raise ValidationError(_("The number contains control characters."), code="control_characters")
    compact = "".join(ch for ch in text if ch not in _SEPARATORS)
    return compact


def normalise(raw, *, allow_local=True, region=DEFAULT_REGION, use=None):
    """Return a NormalisedNumber or raise ValidationError with a translated message.

    With `use` (USER_LINE, ALIAS, ..., TARGET) the number must also be allowed for that use
    (`check_use`).
    """
    normalised = _normalise(raw, allow_local=allow_local, region=region)
    if use is not None:
        check_use(normalised, use)
    return normalised


def _normalise(raw, *, allow_local, region):
    compact = _strip(raw)
    if not compact:
        raise ValidationError(_("Enter a phone number."), code="required")
    if len(compact) > 20:
        raise ValidationError(_("The number is too long."), code="too_long")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits:
            raise ValidationError(_("“%(value)s” is not a valid phone number."), code="invalid", params={"value": raw})
        if not digits.isdigit():
            raise ValidationError(_("A phone number may contain only digits after “+”."), code="invalid")
        return _parse_international(compact, region)
    if not compact.isdigit():
        raise ValidationError(_("A phone number may contain only digits, spaces and a leading “+”."), code="invalid")
    if allow_local and LOCAL_MIN_DIGITS <= len(compact) <= LOCAL_MAX_DIGITS:
        return NormalisedNumber(compact, "local", int(compact))
    if len(compact) <= LOCAL_MAX_DIGITS:
        raise ValidationError(_("Enter a full phone number, e.g. +4588887765."), code="local_not_allowed")
    return _parse_international(compact, region)


def _danish(text, region):
    """The common case without the parser (a tenth of validating an import): a Danish number of
    eight digits, the first not 0, written +45XXXXXXXX or (region DK) XXXXXXXX. phonenumbers
    finds every such number possible, and its E.164 form is +45 and the eight digits."""
    if len(text) == 11 and text.startswith("+45") and text[3] != "0" and text[1:].isdigit():
        return NormalisedNumber(text, "e164", int(text[1:]))
    if region == "DK" and len(text) == 8 and text[0] != "0" and text.isdigit():
        return NormalisedNumber("+45" + text, "e164", int("45" + text))
    return None


def _parse_international(text, region):
    fast = _danish(text, region)
    if fast is not None:
        return fast
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a valid phone number."), code="invalid", params={"value": text}) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), code="invalid", params={"value": text})
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return NormalisedNumber(e164, "e164", int(e164[1:]))


def from_value(kind, value, width=None):
    """Inverse of `.value`: build the stored form from kind and integer (for ranges)."""
    if kind == "e164":
        return f"+{value}"
    return str(value).zfill(width or 0)


def display(number):
    """Human-friendly form: Danish numbers as +45 88 88 77 65, others in international format."""
    if not number or not number.startswith("+"):
        return number or ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- what a number may be used for -----------------------------------------------------------

# The uses of a number: the registry's purposes (customers.models.Number.Purpose has the same
# values) and TARGET, a number calls are sent to (a user's diversion, "forward to" in services).
USER_LINE = "user_line"
ALIAS = "alias"
MOBILE = "mobile"
FUNCTION_NUMBER = "function_number"
VOICEMAIL = "voicemail"
SWITCHBOARD = "switchboard"
TARGET = "target"
USES = frozenset({USER_LINE, ALIAS, MOBILE, FUNCTION_NUMBER, VOICEMAIL, SWITCHBOARD, TARGET})

# SET-6: the local numbers of function numbers (ACD, attendant and hunt groups, IVR, rule-based).
RESERVED_LOCAL_FIRST = 1500
RESERVED_LOCAL_LAST = 1799

# Danish emergency numbers (112, 114) and the other short service numbers of the public network
# (phonenumbers' short-number metadata for DK; a test keeps the two in step). Dialled from an
# extension they must reach the public network, so no extension, alias or function number may
# take their digits, and no call may be forwarded to them.
EMERGENCY_NUMBERS = (112, 114)
SERVICE_NUMBERS = (
    *EMERGENCY_NUMBERS,
    118,
    1801,
    1810,
    1812,
    1813,
    1818,
    1828,
    1830,
    1851,
    1853,
    1881,
    1888,
    16190,
    16191,
    16192,
    116000,
    116006,
    116111,
)

_LOCAL = "local"
_E164 = "e164"
_MAX_VALUE = 10**16  # above every E.164 number (at most 15 digits)


@dataclass(frozen=True)
class _Rule:
    """Numbers of `kind` whose value lies in first..last may not be used for `uses`."""

    kind: str
    first: int
    last: int
    uses: frozenset
    code: str
    message: str

    def error(self, normalised):
        params = {"number": normalised.number, "first": RESERVED_LOCAL_FIRST, "last": RESERVED_LOCAL_LAST}
        return ValidationError(self.message, code=self.code, params=params)


_SERVICE_NUMBER = _("%(number)s is an emergency or service number of the public network and cannot be used here.")

# Local numbers are compared by value, so leading zeros hide nothing: `0112` and `01500` are
# refused like 112 and 1500 (a leading 0 is the outside-line prefix of many switchboards).
_RULES = (
    *(_Rule(_LOCAL, n, n, USES, "service_number", _SERVICE_NUMBER) for n in SERVICE_NUMBERS),
    _Rule(
        _LOCAL,
        RESERVED_LOCAL_FIRST,
        RESERVED_LOCAL_LAST,
        frozenset({USER_LINE, ALIAS}),
        "reserved",
        _("Local numbers %(first)d–%(last)d are reserved for function numbers."),
    ),
    _Rule(_LOCAL, 0, _MAX_VALUE, frozenset({MOBILE}), "local_not_allowed", _("Enter a full phone number, e.g. +4588887765.")),
    _Rule(_E164, 0, _MAX_VALUE, frozenset({ALIAS}), "alias_not_local", _("An alias must be a local number, e.g. 765.")),
)


def _check_use_name(use):
    if use is not None and use not in USES:
        raise ValueError(f"unknown number use {use!r}")


def check_use(normalised, use):
    """Raise ValidationError (translated) if `normalised` may not be used for `use`.

    The one answer to "may this number be used for purpose P": forms, imports, the number
    registry and (through `refused_values`) "Vis tilgængelige numre" all ask it.
    """
    _check_use_name(use)
    for rule in _RULES:
        if use in rule.uses and rule.kind == normalised.kind and rule.first <= normalised.value <= rule.last:
            raise rule.error(normalised)


def refused_values(kind, use=None):
    """The values of `kind` numbers refused for `use` as sorted, merged (first, last) intervals.

    `use=None`: the values refused for every use (no purpose could take them).
    """
    _check_use_name(use)
    intervals = sorted(
        (rule.first, rule.last)
        for rule in _RULES
        if rule.kind == kind and (use in rule.uses if use is not None else rule.uses == USES)
    )
    merged = []
    for first, last in intervals:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged
