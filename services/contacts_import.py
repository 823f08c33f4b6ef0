"""SVC-7 "Importer kontakter": external contacts from a CSV-formatted file at one scope.

Through the shared preview / confirm / one-transaction job flow (connect.lib.imports,
connect.lib.jobs), with one difference from the fixed-column imports: the admin maps the file's
columns to the contact fields ("Oversigtfelter" / "Position i filen") on the preview page.

- The file is .txt, .rtx or .csv (FEATURES.md SVC-7), UTF-8 (BOM allowed) or Windows-1252,
  delimiter detected among ; , tab (`choose_delimiter`), every limit of the CSV reader.
- The first line is a header when no value in it parses as a phone number (`is_header`); a
  header's names are matched to the fields (Danish labels, English names, common address-book
  exports); without a header the columns are guessed from their values (`guess_mapping`).
- The admin may change the mapping; the job then previews again with the mapping in its params
  (`job_preview_again`), and the commit reads the file with the same params.
- Each row is checked by `services.operations.contact_check` (the same checks as the contact
  form); phone numbers are normalised by connect.lib.numbers. Imported contacts get the contact
  type "Kontakt". Rows equal to a contact already in the scope, or to an earlier row, are skipped.
"""

import csv

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.i18n import message
from connect.lib.imports import (
    Action,
    Column,
    FileError,
    Importer,
    Row,
    RowResult,
    read_csv_records,
)
from connect.lib.imports.readers import clean_cell, normalise_header
from connect.lib.jobs import ImportJobHandler
from customers.models import User, UserGroup
from services import operations
from services.models import ContactNumber, ExternalContact
from services.scopes import GROUP, USER, Scope

EXTENSIONS = (".txt", ".rtx", ".csv")
DELIMITERS = (";", ",", "\t")
MAX_COLUMNS = 50
SAMPLE_ROWS = 20

# The contact fields a column can be mapped to, in the order of the contact form. `header` is the
# Danish label (used in row errors, like the other imports' fixed headers); aliases are accepted
# header names of other files (English, Outlook and Google exports).
COLUMNS = (
    Column(
        "company",
        "Firma",
        ("Company", "Organization", "Organisation", "Virksomhed", "Organization 1 - Name"),
    ),
    Column("department", "Afdeling", ("Department", "Organization 1 - Department")),
    Column("first_name", "Fornavn", ("First name", "Given name", "Firstname")),
    Column("last_name", "Efternavn", ("Last name", "Surname", "Family name", "Lastname")),
    Column("short_name", "Kort navn", ("Short name", "Nickname", "Kaldenavn")),
    Column("street", "Gade", ("Street", "Address", "Adresse", "Business Street")),
    Column(
        "postcode",
        "Postnummer",
        ("Postcode", "Postal code", "Zip", "Zip code", "Postnr", "Postnr.", "Business Postal Code"),
    ),
    Column("city", "By", ("City", "Town", "Business City")),
    Column("country", "Land", ("Country", "Country/Region", "Business Country/Region")),
    Column(
        "email", "E-mail", ("Email", "Mail", "E-mail address", "Email address", "E-mail 1 - Value")
    ),
    Column("speed_dial", "Hurtigopkald", ("Speed dial",)),
    Column(
        "number_work",
        "Telefonnummer (Arbejde)",
        (
            "Telefonnummer",
            "Telefon",
            "Arbejde",
            "Phone",
            "Phone number",
            "Work",
            "Work phone",
            "Business Phone",
            "Phone 1 - Value",
        ),
    ),
    Column(
        "number_mobile",
        "Telefonnummer (Mobil)",
        ("Mobil", "Mobilnummer", "Mobiltelefon", "Mobile", "Mobile phone", "Mobile Phone"),
    ),
    Column(
        "number_home",
        "Telefonnummer (Hjem)",
        ("Hjem", "Privat", "Home", "Home phone", "Home Phone"),
    ),
    Column("number_fax", "Telefonnummer (Fax)", ("Fax", "Business Fax")),
    Column(
        "number_other", "Telefonnummer (Andet)", ("Andet", "Other", "Other phone", "Other Phone")
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}
LABELS = {
    "company": _("Company"),
    "department": _("Department"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "short_name": _("Short name"),
    "street": _("Street"),
    "postcode": _("Postcode"),
    "city": _("City"),
    "country": _("Country"),
    "email": _("E-mail"),
    "speed_dial": _("Speed dial"),
    "number_work": _("Phone number (work)"),
    "number_mobile": _("Phone number (mobile)"),
    "number_home": _("Phone number (home)"),
    "number_fax": _("Phone number (fax)"),
    "number_other": _("Phone number (other)"),
}
NUMBER_TYPES = {
    "number_work": ContactNumber.NumberType.WORK,
    "number_mobile": ContactNumber.NumberType.MOBILE,
    "number_home": ContactNumber.NumberType.HOME,
    "number_fax": ContactNumber.NumberType.FAX,
    "number_other": ContactNumber.NumberType.OTHER,
}
TEXT_KEYS = tuple(c.key for c in COLUMNS if c.key not in NUMBER_TYPES)
NAME_KEYS = ("first_name", "last_name", "company")
# Without a header, text columns are taken as these fields in this order.
GUESS_ORDER = (
    "first_name",
    "last_name",
    "company",
    "department",
    "short_name",
    "street",
    "postcode",
    "city",
    "country",
)
# Which field a contact's error belongs to, when the operation names another key.
ERROR_COLUMNS = {"numbers": "", "contact_type": ""}


def choose_delimiter(first_line):
    """The delimiter among ; , tab that splits the first line into the most values (; on a tie:
    what Danish Excel writes)."""
    best, best_count = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            count = len(next(csv.reader([first_line], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def looks_like_number(text):
    try:
        numberlib.normalise(text)
    except ValidationError:
        return False
    return True


def is_header(cells):
    """FEATURES.md SVC-7: the first line is a header if no value in it parses as a phone number."""
    return any(clean_cell(c) for c in cells) and not any(
        looks_like_number(clean_cell(c)) for c in cells if clean_cell(c)
    )


def header_mapping(header):
    """{field key: column index} of the header names that name a field (the first column wins)."""
    by_name = {name: column.key for column in COLUMNS for name in column.accepted()}
    mapping = {}
    for index, cell in enumerate(header):
        key = by_name.get(normalise_header(clean_cell(cell)))
        if key and key not in mapping:
            mapping[key] = index
    return mapping


def guess_mapping(samples, width):
    """{field key: column index} of a file without a header, from the values of its first rows:
    e-mail addresses, phone numbers (work, mobile, home, other in column order), then text
    columns in GUESS_ORDER."""
    mapping, texts = {}, iter(GUESS_ORDER)
    phones = iter(("number_work", "number_mobile", "number_home", "number_other"))
    for index in range(width):
        values = [
            clean_cell(row[index]) for row in samples if index < len(row) and clean_cell(row[index])
        ]
        if not values:
            continue
        if all("@" in v for v in values):
            key = "email" if "email" not in mapping else None
        elif all(looks_like_number(v) and len(v.replace(" ", "")) >= 8 for v in values):
            key = next(phones, None)
        else:
            key = next(texts, None)
        if key:
            mapping[key] = index
    return mapping


def clean_mapping(raw, width):
    """A stored mapping ({key: index}) limited to known fields and existing columns."""
    mapping = {}
    for key, index in (raw or {}).items():
        if key in BY_KEY and isinstance(index, int) and 0 <= index < width:
            mapping[key] = index
    return mapping


def scope_of(organisation, level, pk):
    """The Scope a job's params name; a FileError when its group or user is gone."""
    try:
        if level == GROUP:
            return Scope(
                organisation, group=UserGroup.objects.for_organisation(organisation).get(pk=pk)
            )
        if level == USER:
            return Scope(organisation, user=User.objects.for_organisation(organisation).get(pk=pk))
    except (UserGroup.DoesNotExist, User.DoesNotExist) as exc:
        raise FileError(
            _("The group or user of this import no longer exists."), code="scope_gone"
        ) from exc
    return Scope(organisation)


def _key(company, first_name, last_name, numbers):
    """The dedupe key of ExternalContact.dedupe_key for values not saved yet."""
    return (company.casefold(), first_name.casefold(), last_name.casefold(), tuple(sorted(numbers)))


class ContactsImporter(Importer):
    """One contacts file at one scope. `mapping` ({field key: column index}) and `has_header`
    come from the admin's choice on the preview page; None = detect. After `rows()`, `layout`
    describes the file for that page: delimiter, has_header, mapping, and per column its
    position, header and first values."""

    formats = ("csv",)
    columns = COLUMNS

    def __init__(
        self,
        *,
        organisation,
        by=None,
        level="organisation",
        scope_pk=None,
        mapping=None,
        has_header=None,
    ):
        super().__init__(organisation=organisation, by=by)
        self.scope = scope_of(organisation, level, scope_pk)
        self.mapping = mapping
        self.has_header = has_header
        self.layout = None

    def rows(self, fileobj, fmt):
        delimiter = {}

        def choose(first_line):
            delimiter["value"] = choose_delimiter(first_line)
            return delimiter["value"]

        reader = read_csv_records(fileobj, choose)
        try:
            records = list(reader)
        finally:
            reader.close()
        for number, cells in records:
            if any("\x00" in cell for cell in cells):
                raise FileError(
                    _(
                        "Row %(row)s contains NUL characters: this is not a text file. Save the contacts as CSV and try again."
                    ),
                    code="nul",
                    params={"row": number},
                )
        width = max(len(cells) for _number, cells in records)
        if width > MAX_COLUMNS:
            raise FileError(
                _("The file has %(count)s columns; a contacts file has at most %(max)s."),
                code="too_many_columns",
                params={"count": width, "max": MAX_COLUMNS},
            )
        first = records[0][1]
        has_header = is_header(first) if self.has_header is None else bool(self.has_header)
        data = records[1:] if has_header else records
        samples = [cells for _number, cells in data[:SAMPLE_ROWS]]
        if self.mapping is not None:
            mapping = clean_mapping(self.mapping, width)
        elif has_header:
            mapping = header_mapping(first)
        else:
            mapping = guess_mapping(samples, width)
        self.layout = {
            "delimiter": delimiter.get("value", ";"),
            "has_header": has_header,
            "mapping": mapping,
            "columns": [
                {
                    "index": index,
                    "header": clean_cell(first[index])[:64]
                    if has_header and index < len(first)
                    else "",
                    "sample": next(
                        (
                            clean_cell(row[index])[:64]
                            for row in samples
                            if index < len(row) and clean_cell(row[index])
                        ),
                        "",
                    ),
                }
                for index in range(width)
            ],
        }
        present = frozenset(mapping)
        for number, cells in data:
            values = {
                key: clean_cell(cells[index]) if index < len(cells) else ""
                for key, index in mapping.items()
            }
            yield Row(number=number, data=values, present=present)

    def prepare(self, rows):
        existing = ExternalContact.objects.for_scope(self.scope).prefetch_related("numbers")
        self.existing = {contact.dedupe_key() for contact in existing}

    def validate(self, row):
        data = {key: row.data.get(key, "") for key in TEXT_KEYS}
        data["contact_type"] = ExternalContact.ContactType.CONTACT
        label = " ".join(p for p in (data["first_name"], data["last_name"]) if p) or data["company"]
        result = RowResult(number=row.number, label=label[:80])
        numbers = []
        # Numbers in the order of their columns in the file: the first is the preferred number.
        mapping = self.layout["mapping"]
        for key in sorted((k for k in NUMBER_TYPES if k in mapping), key=mapping.get):
            raw = row.data.get(key, "")
            if not raw:
                continue
            try:
                normalised = numberlib.normalise(raw)
            except ValidationError as exc:
                result.add_error(BY_KEY[key].header, exc)
                continue
            numbers.append({"number_type": NUMBER_TYPES[key], "number": normalised.number})
        if result.has_errors:
            return result
        try:
            contact, rows = operations.contact_check(scope=self.scope, data=data, numbers=numbers)
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            ):
                column = ERROR_COLUMNS.get(field, BY_KEY[field].header if field in BY_KEY else "")
                for error in errors:
                    result.add_error(column, error)
            return result
        for key in TEXT_KEYS:
            if key in mapping and data[key]:
                result.changes[BY_KEY[key].header] = [None, data[key]]
        for number_row in rows:
            key = next(k for k, t in NUMBER_TYPES.items() if t == number_row["number_type"])
            header = BY_KEY[key].header
            previous = result.changes.get(header, [None, ""])[1]
            result.changes[header] = [
                None,
                f"{previous}, {number_row['number']}" if previous else number_row["number"],
            ]
        result.cleaned = (contact, rows)
        return result

    def validate_all(self, results):
        seen = {}
        for result in results:
            if result.cleaned is None:
                continue
            contact, rows = result.cleaned
            key = _key(
                contact.company, contact.first_name, contact.last_name, [r["number"] for r in rows]
            )
            if key in self.existing:
                result.action = Action.UNCHANGED
                result.notes.append(message(_("The contact is already in the list.")))
            elif key in seen:
                result.skip(message(_("The same contact as in row %(row)s."), row=seen[key]))
            else:
                seen[key] = result.number

    def write(self, results, progress):
        created = [result.cleaned for result in results if result.action == Action.CREATE]
        operations.contacts_create_many(scope=self.scope, contacts=created, by=self.by)
        progress(len(results), len(results))


class ContactsImportHandler(ImportJobHandler):
    """The job handler: the preview also stores the file's layout in the job's params, for the
    mapping on the preview page."""

    def __init__(self):
        super().__init__(self.make_importer)
        self.importer = None

    def make_importer(self, job):
        params = job.params or {}
        self.importer = ContactsImporter(
            organisation=job.organisation,
            by=job.created_by,
            level=params.get("level", "organisation"),
            scope_pk=params.get("scope"),
            mapping=params.get("mapping"),
            has_header=params.get("has_header"),
        )
        return self.importer

    def preview(self, job, progress):
        fields = super().preview(job, progress)
        return {**fields, "params": {**(job.params or {}), "layout": self.importer.layout}}
