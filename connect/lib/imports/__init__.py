"""Generic import/export machinery (ARCHITECTURE.md invariant 5, conventions 5-6).

Every import of the portal (users CSV/XLSX, LDIF directory sync, phones CSV ...) has the same
shape, and this package holds everything that is not specific to one kind:

    upload --check_upload--> Job (queued, file stored) --task--> preview --admin confirms-->
    Job (queued, stage commit) --task--> re-read + re-validate + write in ONE transaction

1. The upload form calls `check_upload(file, importer.formats)`: extension, content type, empty
   file, size (settings.IMPORT_MAX_BYTES), first bytes, and for .xlsx zip-bomb / XML-DTD checks
   (`check_xlsx_safe`). Problems are `FileError`s (a ValidationError: the form shows them).
2. The view starts a Job through `connect.lib.jobs.job_start(...)` with the upload; the Celery
   task (enqueued on commit) builds the importer and calls `run_import_preview` ...
3. ... which calls `Importer.preview(file, fmt)`: the reader (`read_csv`, `read_xlsx`,
   `read_ldif`) turns the file into `Row`s of `{column key: text}`; `prepare(rows)` loads what
   validation needs in a few queries; `validate(row)` returns a `RowResult` (action create /
   update / unchanged / skip / error, the changes, the errors with their column) — subclasses bind
   the row to a `<Model>ImportForm` with natural-key lookups inside the organisation;
   `validate_all(results)` adds cross-row errors (duplicates). The preview is stored on the Job.
4. The admin confirms; the task calls `Importer.commit()`, which re-reads and re-validates (the
   database may have changed meanwhile) and calls `write(results)` only if no row has an error,
   inside the job runner's single transaction: all rows or none. An importer may instead reuse
   the preview's results (`checked()` at the preview, kept in the cache by the job runner;
   `reuse()` at the commit) when the file is the same and nothing validation read has changed
   since: users and LDIF compare a digest of what they loaded, loaded again under the commit's
   transaction, and validate the file again when it differs.

To add an import (e.g. phones from CSV in the devices app):
- subclass `Importer`: set `columns` (`Column(key, header, aliases, required)`), `formats`,
  `unit`; implement `validate(row) -> RowResult` and `write(results, progress)` (and
  `prepare(rows)` / `validate_all(results)` when useful);
- a Celery task in <app>/tasks.py whose name starts with the app label:
      @shared_task(base=JobTask, name="devices.phones_import")
      def phones_import(job_id):
          return run_import_job(job_id, lambda job: PhonesImporter(organisation=job.organisation, by=job.created_by))
- an upload view: `ImportUploadForm(formats=...)` (customers/forms/imports.py) and
  templates/generic/import.html; on a valid upload call `connect.lib.jobs.job_start(
  organisation=..., kind=Job.Kind.PHONES_IMPORT, task="devices.phones_import", by=request.user,
  upload=file, file_name=file.name, file_format=form.file_format, params={"unit": "row",
  "label_header": "MAC", "back": <url of your list>})` and redirect to `customers:job_detail`,
  the generic job page (progress bar, preview with confirm/cancel, error report CSV).
customers/operations/imports.py (users) is a complete example. A file whose columns the admin
maps on the preview page instead of fixed headers (contacts, SVC-7) overrides `rows()`, reads the
records with `read_csv_records` (same limits and errors as `read_csv`) and builds the Rows itself:
services/contacts_import.py.

Errors: `RowError(number, column, message)`, shown as "Række 7, E-mail: …" by
`format_row_error` ("Linje 12, mail: …" for LDIF, unit "line"). Rows are numbered as a
spreadsheet shows them (the header is row 1). Warnings (`RowResult.add_warning`) have the same
shape but never block the file: the admin sees them in the preview and decides. Every importer
gets one for free: text that looks double-encoded ("SÃ¸ren", UTF-8 read as Windows-1252).

Messages are stored as msgid + params (connect.lib.i18n) and rendered when shown, in the reader's
language: pass lazy translations (`gettext_lazy`), `message(_("… %(x)s"), x=...)` or a form's
ValidationErrors (`form.errors.as_data()`) to `add_error` / `add_warning` / `skip`, never text
translated while the job runs.

Headers: each Column has one fixed header, written on export (the Danish names of FEATURES.md)
and further accepted aliases (English names); matching ignores case, surrounding spaces and
Unicode compatibility forms. Unknown columns are refused, so are missing required ones; the
message lists the expected columns.

Exports (`write_csv`, `write_xlsx`) use the same Columns, so an exported file imports again,
also after a spreadsheet program has opened and saved it (semicolons + Windows-1252 from Danish
Excel, "CSV UTF-8" with a BOM, commas + UTF-8 from others). Text cells that a spreadsheet would
run as a formula are neutralised (`safe_cell`), without touching phone numbers like +4588887765.
"""

from connect.lib.imports.base import Action, Importer, ImportRejected, Preview, RowResult
from connect.lib.imports.errors import FileError, RowError, format_row_error
from connect.lib.imports.export import (
    safe_cell,
    text_cell,
    write_csv,
    write_csv_sections,
    write_xlsx,
    xlsx_text,
)
from connect.lib.imports.files import check_upload, check_xlsx_safe, detect_text_encoding
from connect.lib.imports.ldifreader import LdifEntry, dn_first_cn, read_ldif
from connect.lib.imports.readers import (
    Column,
    Row,
    read_csv,
    read_csv_records,
    read_table,
    read_xlsx,
)

__all__ = [
    "Action",
    "Column",
    "FileError",
    "ImportRejected",
    "Importer",
    "LdifEntry",
    "Preview",
    "Row",
    "RowError",
    "RowResult",
    "check_upload",
    "check_xlsx_safe",
    "detect_text_encoding",
    "dn_first_cn",
    "format_row_error",
    "read_csv",
    "read_csv_records",
    "read_ldif",
    "read_table",
    "read_xlsx",
    "safe_cell",
    "text_cell",
    "write_csv",
    "write_csv_sections",
    "write_xlsx",
    "xlsx_text",
]
