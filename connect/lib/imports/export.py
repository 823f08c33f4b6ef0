"""Export writers: the same columns as the import, safe against spreadsheet formula injection.

CSV: UTF-8 with BOM, semicolon-separated, CRLF: Excel in a Danish locale opens it with æøå and
columns intact (the reader accepts it back, and also what Excel saves it as). XLSX: openpyxl,
every cell written as a text cell (never a formula, numbers keep their leading "+" and zeros).

Formula injection (ARCHITECTURE.md invariant 6): a text cell starting with =, +, -, @, tab or CR
gets a leading apostrophe in CSV, which spreadsheets show as text and the reader removes again.
Phone numbers (`+4588887765`, `1500`) are left alone: a value of only "+" and digits cannot
run a formula, and the apostrophe would only confuse whoever edits the file.
"""

import csv
import io
import re

from connect.lib.imports.readers import FORMULA_PREFIXES

_PHONE = re.compile(r"^\+?[0-9]+(;\+?[0-9]+)*$")


def safe_cell(value):
    """Text for one CSV cell with formula injection neutralised (see module docstring)."""
    if value is None:
        return ""
    text = str(value)
    if text and text[0] in FORMULA_PREFIXES and not _PHONE.match(text):
        return "'" + text
    return text


def _sanitize_xml_text(text):
    # openpyxl refuses control characters in cells; they are not in our data (validators refuse
    # them) but an export must never crash on old data.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def write_csv(stream, columns, rows, delimiter=";"):
    """Write a UTF-8 (BOM) CSV of `rows` (iterables of dicts keyed by column key) to a binary stream."""
    write_csv_sections(stream, [(columns, rows)], delimiter=delimiter)


def write_csv_sections(stream, sections, delimiter=";"):
    """Several tables in one CSV, each (columns, rows) with its own header row, separated by an
    empty line (a report: a summary, then the details)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        for index, (columns, rows) in enumerate(sections):
            if index:
                writer.writerow([])
            writer.writerow([safe_cell(c.header) for c in columns])
            for row in rows:
                writer.writerow([safe_cell(row.get(c.key, "")) for c in columns])
        text.flush()
    finally:
        text.detach()


def text_cell(sheet, value):
    """A write-only XLSX cell holding `value` as text: never evaluated as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=None)
    cell.value = _sanitize_xml_text("" if value is None else str(value))
    cell.data_type = "s"
    return cell


def xlsx_text(sheet, value):
    """`value` for a write-only sheet as text: a plain string where openpyxl keeps it text (the
    fast path), a forced text cell where it would read a formula ("=...") or an error ("#...")."""
    text = _sanitize_xml_text("" if value is None else str(value))
    if text[:1] in ("=", "#"):
        return text_cell(sheet, text)
    return text


def write_xlsx(stream, columns, rows, title="Export"):
    """Write an .xlsx of `rows` to a binary stream; every cell is a text cell."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([text_cell(sheet, c.header) for c in columns])
    for row in rows:
        sheet.append([text_cell(sheet, row.get(c.key, "")) for c in columns])
    workbook.save(stream)
