"""The number-type rule engine (ORG-6): which classification a number falls into.

Pure functions on plain data (ARCHITECTURE.md "Call handling"): `prefix_clean` checks and
normalises one prefix, `number_key` turns a dialled number into the form prefixes are matched
against, and `classify(table, number)` returns the classification with the longest matching
prefix, with the prefix that matched. Build the table once (`classification_table`) and classify
any number of numbers against it: each lookup is one dictionary probe per prefix length.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib

PREFIX_MAX_LENGTH = 16
_SEPARATORS = " -./()\u00a0"


def prefix_clean(raw):
    """A prefix is ASCII digits with an optional leading "+" ("00" is written as "+"); "+" alone
    (every international number) is a prefix too."""
    text = str(raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a prefix."), code="required")
    body = text[1:] if text.startswith("+") else text
    if not all("0" <= ch <= "9" for ch in body) or not (body or text == "+"):
        raise ValidationError(
            _("“%(value)s” is not a prefix: use the digits 0-9, optionally after a leading “+”."),
            code="invalid",
            params={"value": text[:40]},
        )
    if text.startswith("00"):
        text = "+" + text[2:]
    if len(text) > PREFIX_MAX_LENGTH:
        raise ValidationError(
            _("A prefix may be at most %(max)d characters."), code="max_length", params={"max": PREFIX_MAX_LENGTH}
        )
    return text


def number_key(raw):
    """The form a number is matched in: E.164 for full numbers, digits for short ones."""
    try:
        return numberlib.normalise(raw).number
    except ValidationError:
        compact = "".join(ch for ch in str(raw or "").strip() if ch not in _SEPARATORS)
        return "+" + compact[2:] if compact.startswith("00") else compact


class Match(NamedTuple):
    classification: object  # whatever the table maps prefixes to (an id, a name, a model)
    prefix: str


@dataclass(frozen=True)
class ClassificationTable:
    by_prefix: dict  # prefix -> classification
    lengths: tuple  # prefix lengths present, longest first


def classification_table(pairs):
    """Build the table from (prefix, classification) pairs. A prefix listed by two classifications
    belongs to the first pair given (callers pass them in a stable order, e.g. by name)."""
    by_prefix = {}
    for prefix, classification in pairs:
        by_prefix.setdefault(prefix, classification)
    lengths = tuple(sorted({len(p) for p in by_prefix}, reverse=True))
    return ClassificationTable(by_prefix, lengths)


def classify(table, number):
    """The Match with the longest prefix of `number` (already a `number_key`), or None."""
    get = table.by_prefix.get
    size = len(number)
    for length in table.lengths:
        if length <= size:
            prefix = number[:length]
            found = get(prefix)
            if found is not None:
                return Match(found, prefix)
    return None
