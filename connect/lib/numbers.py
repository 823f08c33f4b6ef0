"""Phone number normalisation (ARCHITECTURE.md invariant 3).

Numbers are stored as E.164 (`+4588887765`) or as local extensions (`1500`). Input in other
common forms (`88 88 77 65`, `004588887765`, `+45 88 88 77 65`) is normalised with
`phonenumbers`, default region DK. Unicode digits (`٤٥`, `４５`) are refused, not converted:
an admin who typed them should see that something is off.
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


def normalise(raw, *, allow_local=True, region=DEFAULT_REGION):
    """Return a NormalisedNumber or raise ValidationError with a translated message."""
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
