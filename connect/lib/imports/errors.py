"""Errors of the import machinery.

FileError: the file as a whole cannot be read (wrong type, too big, bad encoding, broken CSV,
unknown columns, refused LDIF records). Nothing is imported; the message says why, translated,
with a line or row number where there is one.

RowError: one cell or one row is wrong. Collected, never raised past the importer, and shown as
"Række 7, E-mail: …" (`format_row_error`). The same shape carries warnings: the row imports, but
the admin should look (text that looks double-encoded, a directory number left out).

Messages are stored as msgid + params (connect.lib.i18n) and rendered in the reader's language.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from connect.lib.i18n import message, message_text, stored


class FileError(ValidationError):
    """The whole file is refused. A ValidationError so an upload form shows it as a field error."""

    def __init__(self, message, code="invalid_file", params=None):
        super().__init__(message, code=code, params=params)

    @property
    def text(self):
        return " ".join(str(m) for m in self.messages)


@dataclass
class RowError:
    """One problem in one row (or LDIF entry). `column` is the header shown to the admin ("" =
    the row as a whole); `number` is the row number (header = row 1) or the LDIF line number;
    `message` is a stored message (connect.lib.i18n: msgid + params, rendered when read), or
    plain text."""

    number: int
    column: str
    message: object

    def as_dict(self):
        return {"number": self.number, "column": self.column, "message": stored(self.message)}


ROW_LABELS = {
    "row": _("Row"),
    "line": _("Line"),
}

# (unit, with a column?) -> msgid of the sentence that places a message in the file.
_PLACED = {
    ("line", True): gettext_noop("Line %(number)s, %(column)s: %(message)s"),
    ("line", False): gettext_noop("Line %(number)s: %(message)s"),
    ("row", True): gettext_noop("Row %(number)s, %(column)s: %(message)s"),
    ("row", False): gettext_noop("Row %(number)s: %(message)s"),
}


def row_error_message(error, unit="row"):
    """The stored message "Row 7, E-mail: …" / "Line 12, mail: …" of a RowError (or its dict)."""
    if isinstance(error, dict):
        error = RowError(**error)
    unit = "line" if unit == "line" else "row"
    params = {"number": error.number, "message": stored(error.message)}
    if error.column:
        params["column"] = error.column
    return message(_PLACED[unit, bool(error.column)], **params)


def row_failure(error, unit="row"):
    """A FileError that places a RowError in the file ("Row 7: …"): for a row that fails while
    the import writes, which rolls the whole import back. Meant for the job runner, which stores
    its message as codes."""
    placed = row_error_message(error, unit)
    return FileError(placed["msgid"], code="row_failed", params=placed["params"])


def format_row_error(error, unit="row"):
    """"Række 7, E-mail: Indtast en gyldig e-mailadresse." in the active language."""
    return message_text(row_error_message(error, unit))
