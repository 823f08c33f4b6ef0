"""The importer base class, the per-row result and the preview (see the package docstring)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib.i18n import message, messages_of, stored
from connect.lib.imports.errors import FileError, RowError, format_row_error
from connect.lib.imports.readers import mojibake_repair, read_table


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"

    ALL = (CREATE, UPDATE, UNCHANGED, SKIP, ERROR)
    LABELS = {
        CREATE: _("Create"),
        UPDATE: _("Update"),
        UNCHANGED: _("Unchanged"),
        SKIP: _("Skip"),
        ERROR: _("Error"),
    }


@dataclass
class RowResult:
    """What importing one row would do. `changes` maps a column header to [old, new] (for a
    create: [None, new]); `errors` block the file; `warnings` do not (the row imports, the admin
    decides); `notes` explain skips; `cleaned` is what `write` needs (never stored). Messages are
    stored messages (connect.lib.i18n), lazy translations or ValidationErrors, rendered in the
    reader's language when shown."""

    number: int
    label: str = ""
    action: str = Action.CREATE
    changes: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    cleaned: object = None

    @staticmethod
    def _problems(number, column, message):
        if isinstance(column, RowError):
            return [column]
        if isinstance(message, ValidationError):
            return [RowError(number, str(column or ""), m) for m in messages_of(message)]
        return [RowError(number, str(column or ""), stored(message))]

    def add_error(self, column, message=None):
        """An error of `column` (a header, "" = the row) or a RowError; `message` may be a
        ValidationError (one error per message)."""
        self.errors.extend(self._problems(self.number, column, message))
        self.action = Action.ERROR

    def add_warning(self, column, message):
        self.warnings.extend(self._problems(self.number, column, message))

    def skip(self, reason):
        self.action = Action.SKIP
        self.notes.append(stored(reason))

    @property
    def has_errors(self):
        return bool(self.errors)

    def as_dict(self):
        return {
            "number": self.number,
            "label": self.label,
            "action": self.action,
            "changes": {k: [_plain(v[0]), _plain(v[1])] for k, v in self.changes.items()},
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "notes": [stored(n) for n in self.notes],
        }


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    return str(value)


class Preview:
    """All row results of one file."""

    def __init__(self, results, unit="row"):
        self.results = results
        self.unit = unit

    def counts(self):
        counts = dict.fromkeys(Action.ALL, 0)
        for result in self.results:
            counts[result.action] += 1
        counts["total"] = len(self.results)
        counts["warning"] = sum(1 for result in self.results if result.warnings)
        return counts

    @property
    def errors(self):
        return [e for r in self.results for e in r.errors]

    @property
    def warnings(self):
        return [w for r in self.results for w in r.warnings]

    @property
    def has_errors(self):
        return any(r.errors for r in self.results)

    def error_messages(self):
        return [format_row_error(e, self.unit) for e in self.errors]

    def as_rows(self):
        return [r.as_dict() for r in self.results]


class ImportRejected(Exception):
    """Raised by `Importer.commit` when a row has an error: nothing was written."""

    def __init__(self, preview):
        super().__init__("import has errors")
        self.preview = preview


class Importer:
    """One kind of import. Subclasses set `columns`/`formats` and implement `validate` and
    `write`; `prepare` and `validate_all` are optional hooks (see the package docstring).

    `preview()` never writes. `commit()` re-reads and re-validates (the database may have changed
    since the preview) and calls `write` only when no row has an error; call it inside one
    transaction (the job runner does). An importer may spare the commit the second validation
    (`checked` / `reuse`): the preview's results are reused only when the file is the same and
    nothing validation read has changed since.
    """

    columns = ()
    formats = ("csv", "xlsx")
    unit = "row"  # "row" for tables, "line" for LDIF: how errors are numbered

    def __init__(self, *, organisation, by=None):
        self.organisation = organisation
        self.by = by

    # --- hooks ----------------------------------------------------------------------------------

    def rows(self, fileobj, fmt):
        """Iterate Rows of the file; FileError for a file that cannot be read."""
        return read_table(fileobj, fmt, self.columns)

    def prepare(self, rows):
        """Load what validation needs for all rows at once (existing objects by natural key...)."""

    def validate(self, row):
        """Return the RowResult of one Row."""
        raise NotImplementedError

    def validate_all(self, results):
        """Checks across rows (duplicates within the file); add errors to the results."""

    def write(self, results, progress):
        """Write every row of a file without errors. Called inside the caller's transaction."""
        raise NotImplementedError

    def checked(self, preview):
        """What `commit` may reuse of this preview instead of validating the file again: plain
        data (lists, dicts, text, numbers) that the job runner keeps until the commit, or None,
        the default: the commit always validates again."""
        return None

    def reuse(self, checked, fileobj, fmt):
        """The RowResults of a preview's `checked()`, ready for `write`, when they still hold:
        the same file, and nothing that validation read has changed in the database since the
        preview (checked under the commit's transaction). Else None: the commit validates the
        file again, as it would without `checked`."""
        return None

    def check_text(self, row, result):
        """Warnings about the row's text that the admin should see but may accept: a value that
        looks like UTF-8 read as Windows-1252/Latin-1 ("SÃ¸ren" for "Søren"), which happens when a
        file is converted twice. Not an error: the text may be meant."""
        for column in self.columns:  # in the file's column order
            value = row.data.get(column.key)
            repaired = mojibake_repair(value)
            if repaired is not None:
                result.add_warning(
                    column.header,
                    message(
                        _("“%(value)s” looks double-encoded; it probably should read “%(repaired)s”. Check the file's encoding."),
                        value=value[:80],
                        repaired=repaired[:80],
                    ),
                )

    # --- driver ---------------------------------------------------------------------------------

    def preview(self, fileobj, fmt, progress=None):
        progress = progress or (lambda done, total: None)
        rows = list(self.rows(fileobj, fmt))
        if not rows:
            raise FileError(_("The file has no data rows."), code="no_rows")
        self.prepare(rows)
        total = len(rows)
        results = []
        for index, row in enumerate(rows, start=1):
            rows[index - 1] = None  # a row is let go once validated: the results are what stays
            result = self.validate(row)
            for error in row.errors:
                result.add_error(error)
            if result.action != Action.SKIP:
                self.check_text(row, result)
            results.append(result)
            if index % 200 == 0:
                progress(index, total)
        self.validate_all(results)
        progress(total, total)
        return Preview(results, unit=self.unit)

    def commit(self, fileobj, fmt, progress=None, checked=None):
        """Validate the file again (or reuse the preview's `checked` results while they still
        hold, see `reuse`) and write it; ImportRejected when a row now has an error."""
        progress = progress or (lambda done, total: None)

        def half(done, total):
            progress(done, total * 2)

        results = self.reuse(checked, fileobj, fmt) if checked is not None else None
        if results is not None:
            preview = Preview(results, unit=self.unit)
            half(len(results), len(results))
        else:
            preview = self.preview(fileobj, fmt, progress=half)
        if preview.has_errors:
            raise ImportRejected(preview)
        total = len(preview.results)

        def second_half(done, _total=None):
            progress(total + done, total * 2)

        self.write(preview.results, second_half)
        progress(1, 1)
        return preview
