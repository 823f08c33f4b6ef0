"""CSV and XLSX readers: a file in, `Row`s of `{column key: text}` out.

Headers are matched against the importer's `Column`s by their fixed header or an accepted alias,
compared case-insensitively after Unicode NFKC normalisation, so a file exported in Danish and
one written by hand in English both import. Unknown or missing columns refuse the file with a
message that lists the expected ones.

CSV: encoding detected (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252), delimiter
detected from the header (";" as Excel writes it in a Danish locale, "," or a tab), strict
quoting (an unmatched quote is refused with the line it starts on), every physical line capped at
IMPORT_MAX_LINE_CHARS, and so is one value (a quoted value may span lines; a longer one is
reported with its row, not as an unclosed quote), at most IMPORT_MAX_ROWS rows. Read as a stream.

XLSX: the first worksheet, values only (openpyxl read-only, data_only: a formula cell gives the
value Excel stored, never the formula), after `files.check_xlsx_safe`.

Cells are stripped; a leading apostrophe that our export put before =, +, -, @ (formula-injection
protection) is removed again, so an exported file round-trips unchanged.
"""

import csv
import datetime
import io
import itertools
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from connect.lib.imports.errors import FileError, RowError
from connect.lib.imports.files import detect_text_encoding

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of an import/export format.

    `header` is written on export and accepted on import; `aliases` are further accepted headers
    (English names). `required`: the header must be present in every file.
    """

    key: str
    header: str
    aliases: tuple = ()
    required: bool = False

    def accepted(self):
        return {normalise_header(self.header), *(normalise_header(a) for a in self.aliases)}


@dataclass
class Row:
    """One data row: `number` as a spreadsheet shows it (the header is row 1) or the LDIF line
    where the entry starts; `data` maps column keys to stripped text ("" = empty cell); `present`
    are the keys whose column exists in the file; `errors` are problems the reader found."""

    number: int
    data: dict
    present: frozenset = frozenset()
    errors: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def normalise_header(text):
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "")
    return " ".join(text.split()).casefold()


def clean_cell(value):
    """Cell value as text: None -> "", whole floats as integers, formula escape undone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    text = str(value).strip(" \u00a0")
    # Strip the line ends spreadsheets add, but keep other control characters so that the
    # validators can report them with their column.
    text = text.strip("\r\n")
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


# Characters that UTF-8 lead bytes (0xC2-0xF4) become when the bytes are read as Windows-1252 or
# Latin-1: "Ã" (æ ø å é ...), "Â" (no-break space, °), "â" (’ – €), "Ð"/"Ñ" (Cyrillic) ...
_MOJIBAKE_LEADS = frozenset(chr(code) for code in range(0xC2, 0xF5))


def mojibake_repair(text):
    """What `text` was before its UTF-8 bytes were read as Windows-1252/Latin-1 ("SÃ¸ren" ->
    "Søren"), or None when it does not look like that. Real text almost never re-decodes as UTF-8,
    so a value that does, and changes, was most likely converted twice."""
    if not isinstance(text, str) or text.isascii() or not _MOJIBAKE_LEADS.intersection(text):
        return None
    for encoding in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != text:
            return repaired
    return None


def map_header(cells, columns):
    """[column key or None per cell]; refuses unknown, duplicate and missing required columns."""
    by_name = {}
    for column in columns:
        for name in column.accepted():
            by_name[name] = column.key
    keys, unknown, seen, duplicates = [], [], set(), []
    for cell in cells:
        name = normalise_header(clean_cell(cell))
        if not name:
            keys.append(None)
            continue
        key = by_name.get(name)
        if key is None:
            unknown.append(clean_cell(cell))
        elif key in seen:
            duplicates.append(clean_cell(cell))
        seen.add(key)
        keys.append(key)
    expected = ", ".join(c.header for c in columns)
    if unknown:
        raise FileError(
            _("Unknown columns: %(unknown)s. The expected columns are: %(expected)s."),
            code="unknown_columns",
            params={"unknown": ", ".join(unknown[:10]), "expected": expected},
        )
    if duplicates:
        raise FileError(
            _("These columns appear more than once: %(columns)s."),
            code="duplicate_columns",
            params={"columns": ", ".join(duplicates)},
        )
    missing = [c.header for c in columns if c.required and c.key not in seen]
    if missing:
        raise FileError(
            _("Missing columns: %(missing)s. The expected columns are: %(expected)s."),
            code="missing_columns",
            params={"missing": ", ".join(missing), "expected": expected},
        )
    return keys


def _max_rows():
    return getattr(settings, "IMPORT_MAX_ROWS", 50_000)


def _max_line_chars():
    return getattr(settings, "IMPORT_MAX_LINE_CHARS", 100_000)


def _too_many_rows():
    return FileError(
        _("The file has more than %(max)s rows; split it into smaller files."),
        code="too_many_rows",
        params={"max": _max_rows()},
    )


def raw_binary(fileobj):
    """The underlying binary file of a Django File/UploadedFile/FieldFile (or the object itself)."""
    while isinstance(fileobj, File) and getattr(fileobj, "file", None) is not None and fileobj.file is not fileobj:
        fileobj = fileobj.file
    return fileobj


def _row_from_cells(number, cells, keys, present):
    data = dict.fromkeys(present, "")
    errors = []
    for index, cell in enumerate(cells):
        value = clean_cell(cell)
        key = keys[index] if index < len(keys) else None
        if key is None:
            if value and index >= len(keys):
                errors.append(RowError(number, "", _("The row has more values than there are columns.")))
            continue
        data[key] = value
    return Row(number=number, data=data, present=present, errors=errors)


# --- CSV --------------------------------------------------------------------------------------


class _Lines:
    """Physical lines of a text stream with a length cap; counts lines for error messages."""

    def __init__(self, text):
        self.text = text
        self.line = 0
        self.cap = _max_line_chars()

    def __iter__(self):
        return self

    def __next__(self):
        line = self.text.readline(self.cap + 1)
        if not line:
            raise StopIteration
        self.line += 1
        if len(line) > self.cap:
            raise FileError(
                _("Line %(line)s is longer than %(max)s characters; this is not a user list."),
                code="line_too_long",
                params={"line": self.line, "max": self.cap},
            )
        return line


def _sniff_delimiter(header_line, columns):
    best, best_score = ";", (-1, -1)
    for delimiter in (";", ",", "\t"):
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter))
        except csv.Error:
            continue
        names = set().union(*(c.accepted() for c in columns))
        known = sum(1 for c in cells if normalise_header(c) in names)
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _field_too_long(raw, encoding, delimiter, start_line, limit):
    """Whether the record starting at physical line `start_line` has all its quotes closed and a
    value longer than `limit` characters. Re-reads the file from the start, tracking only whether
    it is inside quotes (an escaped "" toggles twice) and the length of the current value; runs
    only after the csv module refused a row, to tell a long value from an unclosed quotation mark
    (both make the csv module read on past the end of the line)."""
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="replace")
    try:
        lines = _Lines(text)
        for _skipped in range(start_line - 1):
            if next(lines, None) is None:
                return False
        in_quotes, length, longest = False, 0, 0
        for line in lines:
            if in_quotes and '"' not in line:  # the bulk of a long quoted value
                length += len(line)
                longest = max(longest, length)
                continue
            for char in line:
                if char == '"':
                    in_quotes = not in_quotes
                elif not in_quotes and char in "\r\n":
                    return longest > limit
                elif not in_quotes and char == delimiter:
                    length = 0
                    continue
                length += 1
                longest = max(longest, length)
        return not in_quotes and longest > limit
    except FileError:  # a physical line over the cap: not this record's quotes
        return False
    finally:
        text.detach()


def _max_value_chars():
    # One value is capped like one line; the csv module refuses field_size_limit() characters or
    # more whatever the setting says.
    return min(_max_line_chars(), csv.field_size_limit() - 1)


def _value_too_long(row, start_line):
    return FileError(
        _("Row %(row)s (from line %(line)s) has a value longer than %(max)s characters, the limit for one value."),
        code="field_too_long",
        params={"row": row, "line": start_line, "max": _max_value_chars()},
    )


def _unreadable_row(raw, encoding, delimiter, row, start_line):
    """The FileError for a row the csv module refused: a value over its length limit, or a
    quotation mark that is not closed / text after a closing quotation mark."""
    if _field_too_long(raw, encoding, delimiter, start_line, csv.field_size_limit() - 1):
        return _value_too_long(row, start_line)
    return FileError(
        _(
            "Row %(row)s (from line %(line)s) could not be read: a quotation mark is not closed or a value "
            "continues after its closing quotation mark."
        ),
        code="csv_quote",
        params={"row": row, "line": start_line},
    )


def read_csv_records(fileobj, choose_delimiter, encoding=None):
    """Yield (row number, cells) of every non-blank record of a CSV file, the first one (the
    header, where the file has one) included. `choose_delimiter(first_line)` picks the delimiter
    from the first non-blank line. Every limit of the module docstring applies; problems are
    FileErrors with the row and line. For files whose columns are not known in advance (a
    contacts file mapped by the admin); `read_csv` reads files with fixed columns through it."""
    raw = raw_binary(fileobj)
    raw.seek(0)
    encoding = encoding or detect_text_encoding(raw)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
    try:
        lines = _Lines(text)
        first = None
        for candidate in lines:
            if candidate.strip():
                first = candidate
                break
        if first is None:
            raise FileError(_("The file is empty."), code="empty")
        delimiter = choose_delimiter(first)
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except csv.Error as exc:
            raise FileError(
                _("The header row could not be read: a quotation mark is not closed."), code="csv_quote"
            ) from exc
        number = lines.line  # blank lines above the header still count as rows
        yield number, header
        max_rows = _max_rows()
        value_cap = _max_value_chars()
        count = 0
        while True:
            start_line = lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise _unreadable_row(raw, encoding, delimiter, number + 1, start_line) from exc
            except UnicodeDecodeError as exc:
                raise FileError(
                    _("The file's encoding could not be recognised (line %(line)s). Save it as “CSV UTF-8” and try again."),
                    code="encoding",
                    params={"line": start_line},
                ) from exc
            number += 1
            if any(len(c) > value_cap for c in cells):
                raise _value_too_long(number, start_line)
            if not any(c.strip() for c in cells):
                continue
            count += 1
            if count > max_rows:
                raise _too_many_rows()
            yield number, cells
    finally:
        text.detach()


def read_csv(fileobj, columns, encoding=None):
    """Yield Rows of a CSV file (see module docstring). Raises FileError."""
    records = read_csv_records(fileobj, lambda first: _sniff_delimiter(first, columns), encoding)
    try:
        _number, header = next(records)
        keys = map_header(header, columns)
        present = frozenset(k for k in keys if k)
        for number, cells in records:
            yield _row_from_cells(number, cells, keys, present)
    finally:
        records.close()  # detach the text wrapper now, while the file is still open


# --- XLSX -------------------------------------------------------------------------------------


def read_xlsx(fileobj, columns):
    """Yield Rows of the first worksheet of an .xlsx (values only). Check it with
    files.check_xlsx_safe first (check_upload does)."""
    import zipfile

    from openpyxl import load_workbook

    raw = raw_binary(fileobj)
    raw.seek(0)
    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise FileError(_("The file is not a valid Excel workbook (.xlsx)."), code="bad_xlsx") from exc
    except Exception as exc:  # defusedxml and parser errors: refuse the file, never a 500
        raise FileError(_("The file is not a valid Excel workbook (.xlsx)."), code="bad_xlsx") from exc
    try:
        if not workbook.worksheets:
            raise FileError(_("The file is empty."), code="empty")
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = None
        number = 0
        for cells in rows:
            number += 1
            if any(clean_cell(c) for c in cells):
                header = cells
                break
        if header is None:
            raise FileError(_("The file is empty."), code="empty")
        keys = map_header(header, columns)
        present = frozenset(k for k in keys if k)
        max_rows = _max_rows()
        count = 0
        for cells in rows:
            number += 1
            if not any(clean_cell(c) for c in cells):
                continue
            count += 1
            if count > max_rows:
                raise _too_many_rows()
            yield _row_from_cells(number, cells, keys, present)
    finally:
        workbook.close()


def read_table(fileobj, fmt, columns):
    """Rows of a CSV or XLSX file."""
    if fmt == "xlsx":
        return read_xlsx(fileobj, columns)
    if fmt == "csv":
        return read_csv(fileobj, columns)
    raise ValueError(f"not a table format: {fmt}")
