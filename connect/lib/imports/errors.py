"""Errors of the import machinery.

FileError: the file as a whole cannot be read (wrong type, too big, bad encoding, broken CSV,
unknown columns, refused LDIF records). Nothing is imported; the message says why, translated,
with a line or row number where there is one.

RowError: one cell or one row is wrong. Collected, never raised past the importer, and shown as
"Række 7, E-mail: …" (`format_row_error`).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
    the row as a whole); `number` is the row number (header = row 1) or the LDIF line number."""

    number: int
    column: str
    message: str

    def as_dict(self):
        return {"number": self.number, "column": self.column, "message": self.message}


ROW_LABELS = {
    "row": _("Row"),
    "line": _("Line"),
}


def format_row_error(error, unit="row"):
    """"Række 7, E-mail: Indtast en gyldig e-mailadresse." in the active language."""
    if isinstance(error, dict):
        error = RowError(**error)
    if unit == "line":
        if error.column:
            return gettext("Line %(number)s, %(column)s: %(message)s") % {
                "number": error.number,
                "column": error.column,
                "message": error.message,
            }
        return gettext("Line %(number)s: %(message)s") % {"number": error.number, "message": error.message}
    if error.column:
        return gettext("Row %(number)s, %(column)s: %(message)s") % {
            "number": error.number,
            "column": error.column,
            "message": error.message,
        }
    return gettext("Row %(number)s: %(message)s") % {"number": error.number, "message": error.message}
