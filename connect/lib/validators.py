"""Validators shared by every app: text that is safe to store and show."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_clean_text(value):
    """Reject NUL and other control characters (tabs and newlines excepted)."""
    if value is None:
        return
    value = str(value)
    if value.isprintable():  # no control character at all (nearly every value): nothing to look for
        return
    for ch in value:
        if ch in "\t\n\r":
            continue
        if unicodedata.category(ch) in {"Cc", "Cs"}:
            raise ValidationError(_("The text contains control characters, which are not allowed."), code="control_characters")


def validate_ascii_digits(value):
    """Only 0-9: unicode digits such as ٤٥ or full-width ４５ are refused with a clear message."""
    if value and not all("0" <= ch <= "9" for ch in str(value)):
        raise ValidationError(_("Use only the digits 0-9."), code="digits")
