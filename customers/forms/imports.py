"""Forms of imports, exports and welcome messages.

- `ImportUploadForm`: the upload (file checks of connect.lib.imports before anything is stored).
- `UserImportForm`: ONE row of a users file (CSV/XLSX/LDIF) with natural-key lookups inside the
  organisation (licence and group names, directory field numbers, number ranges and registry).
  `customers.operations.imports` binds every row to it; the cleaned values go to the users
  operations (updates) or to the bulk path that creates users (creates).
- `WelcomeForm`: the "Send velkomstmeddelelse" dialog (E-mail / SMS).
"""

import unicodedata
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.imports import check_upload
from connect.lib.imports.files import allowed_extensions
from connect.lib.validators import validate_clean_text
from customers.models import Language, NumberKind, UserLine
from customers.operations.users import normalise_username

DIRECTORY_FIELD_COUNT = 6

# Line types as written in files: the fixed Danish labels (export) plus English labels and codes.
LINE_TYPES = {
    "kontor fastnet": UserLine.LineType.FIXED,
    "office fixed line": UserLine.LineType.FIXED,
    "fastnet": UserLine.LineType.FIXED,
    "fixed": UserLine.LineType.FIXED,
    "kontor mobilnet": UserLine.LineType.MOBILE,
    "office mobile line": UserLine.LineType.MOBILE,
    "mobilnet": UserLine.LineType.MOBILE,
    "mobile": UserLine.LineType.MOBILE,
}
LINE_TYPE_EXPORT = {UserLine.LineType.FIXED: "Kontor fastnet", UserLine.LineType.MOBILE: "Kontor mobilnet"}

# Languages as written in files: codes, Danish and English names.
LANGUAGE_NAMES = {
    "da": Language.DANISH,
    "dansk": Language.DANISH,
    "danish": Language.DANISH,
    "en": Language.ENGLISH,
    "engelsk": Language.ENGLISH,
    "english": Language.ENGLISH,
    "sv": Language.SWEDISH,
    "svensk": Language.SWEDISH,
    "swedish": Language.SWEDISH,
    "nb": Language.NORWEGIAN,
    "no": Language.NORWEGIAN,
    "norsk": Language.NORWEGIAN,
    "norwegian": Language.NORWEGIAN,
    "de": Language.GERMAN,
    "tysk": Language.GERMAN,
    "german": Language.GERMAN,
    "deutsch": Language.GERMAN,
}


def fold(text):
    """Comparison key for names and usernames: NFKC + case-insensitive."""
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def split_list(text):
    return [p.strip() for p in str(text or "").replace("\n", ";").split(";") if p.strip()]


class ImportUploadForm(forms.Form):
    """The file of an import; `formats` ("csv", "xlsx", "ldif") decides what is accepted."""

    file = forms.FileField(label=_("File"))

    def __init__(self, *args, formats=("csv", "xlsx"), organisation=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.formats = formats
        self.fields["file"].widget.attrs["accept"] = ",".join(allowed_extensions(formats))
        self.file_format = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.file_format = check_upload(upload, self.formats)
        return upload


class WelcomeForm(forms.Form):
    """"Send velkomstmeddelelse": which channels. Both are on when the address/number exists."""

    email = forms.BooleanField(label=_("E-mail"), required=False)
    sms = forms.BooleanField(label=_("SMS"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("sms"):
            raise ValidationError(_("Choose e-mail, SMS or both."), code="no_channel")
        return cleaned


class CurrentLine(NamedTuple):
    """A user's current line as validation needs it: `line_type` and `number` (a
    NormalisedNumber), the two things of a UserLine and its registry row that a row compares."""

    line_type: str
    number: numberlib.NormalisedNumber


class ImportContext:
    """What validating rows needs, loaded once per file by the importer (few queries)."""

    def __init__(self, organisation):
        self.organisation = organisation
        self.languages = set(organisation.languages or []) | {organisation.default_language}
        self.licences = {}  # fold(name) -> Licence (user licences)
        self.groups = {}  # fold(name) -> UserGroup
        self.directory_fields = {}  # number -> DirectoryField
        self.ranges = []  # NumberRange
        self.numbers = {}  # number -> (user_id, purpose) of registry rows that the file mentions
        self.existing = {}  # username -> User (any organisation)
        self.lines = {}  # user_id -> {slot: CurrentLine}
        self.aliases = {}  # user_id -> {slot: [number]}
        self.mobiles = {}  # user_id -> number
        self.memberships = {}  # user_id -> set(group_id)
        self.values = {}  # user_id -> {field_id: value}
        self._normalised = {}  # raw -> NormalisedNumber or ValidationError (parsed allowing local)

    def normalise(self, raw, allow_local=True):
        """connect.lib.numbers.normalise, remembered for the file (numbers are parsed while
        loading and again per row; phonenumbers is the slow part of validating a row)."""
        found = self._normalised.get(raw)
        if found is None:
            try:
                found = numberlib.normalise(raw, allow_local=True)
            except ValidationError as exc:
                found = exc
            self._normalised[raw] = found
        if isinstance(found, ValidationError):
            raise ValidationError(found.error_list)
        if not allow_local and found.kind == NumberKind.LOCAL:
            return numberlib.normalise(raw, allow_local=False)  # raises the "full number" error
        return found

    def in_ranges(self, normalised):
        for number_range in self.ranges:
            if number_range.kind != normalised.kind:
                continue
            if number_range.first_value <= normalised.value <= number_range.last_value:
                if normalised.kind == NumberKind.E164 or len(number_range.first) == len(normalised.number):
                    return True
        return False


class ImportField(forms.CharField):
    """A plain text cell. Import forms are only ever cleaned, never rendered, so their fields
    are shared between the thousands of form instances of one file instead of deep-copied."""

    def __init__(self, **kwargs):
        super().__init__(required=False, strip=False, **kwargs)
        # Only CharField's own NUL check to run (no length limits or validators given).
        self.plain = len(self.validators) == 1

    def __deepcopy__(self, memo):
        return self

    def clean(self, value):
        # CharField.clean of a cell of text, without its steps for other values: the text, ""
        # for an empty cell; a NUL character goes the whole way (ProhibitNullCharactersValidator).
        if self.plain and type(value) is str and "\x00" not in value:
            return value
        return super().clean(value)


class SharedFields(dict):
    """A form's base_fields when every field is an ImportField: Django deep-copies base_fields for
    each form instance, and a shallow copy is then the same thing, without copy.deepcopy's
    per-entry bookkeeping (a tenth of validating a row)."""

    def __deepcopy__(self, memo):
        return dict(self)


class UserImportForm(forms.Form):
    """One row of a users import. Empty or absent cells mean "unchanged" for an existing user.

    `context` is the ImportContext; `existing` the organisation's user with this username (or
    None: the row creates a user); `strict_groups`: unknown group names are errors (CSV) or only
    reported (`unknown_groups`, LDIF); `strict_ranges`: a line number outside the organisation's
    number ranges is an error (CSV) or the line is left out (`dropped_lines`: [(field, number)],
    LDIF: the directory legitimately holds numbers the portal does not own). After is_valid(), `cleaned_data` holds converted values:
    licence and groups as objects, numbers as NormalisedNumber, `fields` as {DirectoryField: text}.
    """

    username = ImportField()
    first_name = ImportField()
    last_name = ImportField()
    email = ImportField()
    department = ImportField()
    title = ImportField()
    language = ImportField()
    licence = ImportField()
    primary = ImportField()
    primary_type = ImportField()
    secondary = ImportField()
    secondary_type = ImportField()
    aliases = ImportField()
    mobile = ImportField()
    groups = ImportField()
    field_1 = ImportField()
    field_2 = ImportField()
    field_3 = ImportField()
    field_4 = ImportField()
    field_5 = ImportField()
    field_6 = ImportField()

    TEXT_LIMITS = {"first_name": 64, "last_name": 64, "department": 64, "title": 64}

    def __init__(self, data, *, context, existing=None, strict_groups=True, strict_ranges=True):
        super().__init__(data)
        self.context = context
        self.existing = existing
        self.strict_groups = strict_groups
        self.strict_ranges = strict_ranges
        self.unknown_groups = []
        self.dropped_lines = []

    def _clean_fields(self):
        """BaseForm._clean_fields without bound fields: an import form is never rendered, its
        cells are plain text (ImportField), so each is cleaned straight from the row's dict. The
        bound fields a rendered form needs were a third of validating a file of 10,000 rows."""
        for name, field in self.fields.items():
            try:
                self.cleaned_data[name] = field.clean(self.data.get(name))
                clean = getattr(self, f"clean_{name}", None)
                if clean is not None:
                    self.cleaned_data[name] = clean()
            except ValidationError as exc:
                self.add_error(name, exc)

    # --- single cells ---------------------------------------------------------------------------

    def _text(self, name, limit):
        value = self.cleaned_data.get(name, "")
        if len(value) > limit:
            raise ValidationError(
                _("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."),
                code="max_length",
                params={"limit_value": limit, "show_value": len(value)},
            )
        validate_clean_text(value)
        return value

    def clean_username(self):
        value = unicodedata.normalize("NFKC", self.cleaned_data.get("username", ""))
        if not value:
            raise ValidationError(_("Enter a username."), code="required")
        return normalise_username(value)

    def clean_first_name(self):
        return self._text("first_name", 64)

    def clean_last_name(self):
        return self._text("last_name", 64)

    def clean_department(self):
        return self._text("department", 64)

    def clean_title(self):
        return self._text("title", 64)

    def clean_email(self):
        value = self._text("email", 254).lower()
        if value:
            EmailValidator(message=_("Enter a valid e-mail address."))(value)
        return value

    def clean_language(self):
        value = self._text("language", 32)
        if not value:
            return ""
        code = LANGUAGE_NAMES.get(fold(value))
        if code is None or code not in self.context.languages:
            raise ValidationError(
                _("Unknown language “%(value)s”. Use one of: %(choices)s."),
                code="invalid_choice",
                params={"value": value, "choices": ", ".join(sorted(self.context.languages))},
            )
        return code

    def clean_licence(self):
        value = self._text("licence", 64)
        if not value:
            return None
        licence = self.context.licences.get(fold(value))
        if licence is None:
            names = ", ".join(sorted(lic.name for lic in self.context.licences.values())) or "—"
            raise ValidationError(
                _("Unknown licence “%(value)s”. The organisation's licences: %(choices)s."),
                code="invalid_choice",
                params={"value": value, "choices": names},
            )
        return licence

    def _number(self, name, use, allow_local=True):
        value = self.cleaned_data.get(name, "")
        if not value.strip():
            return None
        normalised = self.context.normalise(value, allow_local=allow_local)
        numberlib.check_use(normalised, use)
        return normalised

    def clean_primary(self):
        return self._number("primary", numberlib.USER_LINE)

    def clean_secondary(self):
        return self._number("secondary", numberlib.USER_LINE)

    def clean_mobile(self):
        return self._number("mobile", numberlib.MOBILE, allow_local=False)

    def _line_type(self, name):
        value = self._text(name, 32)
        if not value:
            return ""
        line_type = LINE_TYPES.get(fold(value))
        if line_type is None:
            raise ValidationError(
                _("Unknown line type “%(value)s”. Use “Kontor fastnet” or “Kontor mobilnet”."),
                code="invalid_choice",
                params={"value": value},
            )
        return line_type

    def clean_primary_type(self):
        return self._line_type("primary_type")

    def clean_secondary_type(self):
        return self._line_type("secondary_type")

    def clean_aliases(self):
        value = self._text("aliases", 500)
        if not value:
            return None
        aliases, problems = [], []
        for raw in value.replace(",", ";").replace(" ", ";").split(";"):
            raw = raw.strip()
            if not raw:
                continue
            try:
                alias = self.context.normalise(raw, allow_local=True)
                numberlib.check_use(alias, numberlib.ALIAS)
                aliases.append(alias)
            except ValidationError as exc:
                problems.append(ValidationError(_("%(value)s: %(message)s"), code="alias", params={"value": raw, "message": exc}))
        if problems:
            raise ValidationError(problems)
        return aliases

    def clean_groups(self):
        value = self._text("groups", 2000)
        if not value:
            return None
        groups, unknown = [], []
        for name in split_list(value):
            group = self.context.groups.get(fold(name))
            if group is None:
                unknown.append(name)
            elif group not in groups:
                groups.append(group)
        if unknown and self.strict_groups:
            raise ValidationError(
                _("Unknown groups: %(names)s. Create them first or correct the names."),
                code="unknown_groups",
                params={"names": ", ".join(unknown)},
            )
        self.unknown_groups = unknown
        return groups

    def _field(self, number):
        name = f"field_{number}"
        value = self._text(name, 255)
        if value and number not in self.context.directory_fields:
            raise ValidationError(_("The organisation has no directory field %(number)d."), code="no_field", params={"number": number})
        return value

    def clean_field_1(self):
        return self._field(1)

    def clean_field_2(self):
        return self._field(2)

    def clean_field_3(self):
        return self._field(3)

    def clean_field_4(self):
        return self._field(4)

    def clean_field_5(self):
        return self._field(5)

    def clean_field_6(self):
        return self._field(6)

    # --- the row as a whole ---------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        if self.existing is None:
            for name in ("first_name", "last_name"):
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(name, ValidationError(_("This field is required for a new user."), code="required"))
        self._clean_lines(cleaned)
        mobile = cleaned.get("mobile")
        if mobile is not None and not self._free(mobile, purposes=("mobile",)):
            self.add_error("mobile", ValidationError(_("The number %(number)s is already in use."), params={"number": mobile.number}))
        return cleaned

    def _free(self, normalised, purposes=("user_line", "alias")):
        """Not in the registry, or already this user's (for one of `purposes`)."""
        holder = self.context.numbers.get(normalised.number)
        if holder is None:
            return True
        user_id, purpose = holder
        return self.existing is not None and user_id == self.existing.pk and purpose in purposes

    def effective_lines(self):
        """The user's lines after this row: {"primary": (NormalisedNumber|None, type, [aliases]), ...}
        with empty cells taking the existing values."""
        cleaned = self.cleaned_data
        current_lines, current_aliases = {}, {}
        if self.existing is not None:
            current_lines = self.context.lines.get(self.existing.pk, {})
            current_aliases = self.context.aliases.get(self.existing.pk, {})
        result = {}
        for slot, key in ((UserLine.Slot.PRIMARY, "primary"), (UserLine.Slot.SECONDARY, "secondary")):
            line = current_lines.get(slot)
            number = cleaned.get(key)
            if number is None and line is not None:
                number = line.number
            line_type = cleaned.get(f"{key}_type") or (line.line_type if line is not None else UserLine.LineType.FIXED)
            aliases = [
                numberlib.NormalisedNumber(a, NumberKind.LOCAL, int(a)) for a in current_aliases.get(slot, [])
            ]
            if key == "primary" and cleaned.get("aliases") is not None:
                aliases = cleaned["aliases"]
            result[key] = (number, line_type, aliases)
        return result

    def _clean_lines(self, cleaned):
        if any(name in self.errors for name in ("primary", "secondary", "aliases", "primary_type", "secondary_type")):
            return
        if not self.strict_ranges:
            # Left out before anything else looks at the lines: the row then keeps the user's
            # current line (or has none), exactly as if the cell were empty.
            for key in ("primary", "secondary"):
                value = cleaned.get(key)
                if value is not None and not self.context.in_ranges(value):
                    self.dropped_lines.append((key, value.number))
                    cleaned[key] = None
        lines = self.effective_lines()
        primary, primary_type, primary_aliases = lines["primary"]
        secondary, secondary_type, _secondary_aliases = lines["secondary"]
        if secondary is not None and primary is None:
            self.add_error("secondary", ValidationError(_("A secondary line requires a primary line."), code="no_primary"))
        if primary is not None and secondary is not None and primary_type == UserLine.LineType.MOBILE and secondary_type == UserLine.LineType.FIXED:
            self.add_error(
                "secondary_type",
                ValidationError(
                    _("With an office mobile line as primary line, the secondary line cannot be an office fixed line."),
                    code="line_types",
                ),
            )
        if primary_aliases and primary is None:
            self.add_error("aliases", ValidationError(_("Aliases need a line number."), code="no_line"))
        elif primary_aliases and primary.kind != NumberKind.E164:
            self.add_error(
                "aliases",
                ValidationError(_("Aliases are allowed only when the line's number is a full phone number."), code="alias_local_line"),
            )
        seen = set()
        for key, values in (
            ("primary", [primary] if primary else []),
            ("aliases", primary_aliases),
            ("secondary", [secondary] if secondary else []),
            ("aliases", lines["secondary"][2]),
        ):
            for value in values:
                if value.number in seen:
                    self.add_error(key, ValidationError(_("The number %(number)s is given more than once."), params={"number": value.number}))
                seen.add(value.number)
        # Only numbers that this row brings in are checked against ranges and the registry.
        for key in ("primary", "secondary"):
            value = cleaned.get(key)
            if value is None:
                continue
            if not self.context.in_ranges(value):
                self.add_error(
                    key,
                    ValidationError(
                        _("The number %(number)s is outside the organisation's number ranges."), params={"number": value.number}
                    ),
                )
            elif not self._free(value):
                self.add_error(key, ValidationError(_("The number %(number)s is already in use."), params={"number": value.number}))
        for alias in cleaned.get("aliases") or []:
            if not self._free(alias):
                self.add_error("aliases", ValidationError(_("The number %(number)s is already in use."), params={"number": alias.number}))


def directory_field_keys():
    return [f"field_{n}" for n in range(1, DIRECTORY_FIELD_COUNT + 1)]


# Every field of UserImportForm is an ImportField: see SharedFields.
UserImportForm.base_fields = SharedFields(UserImportForm.base_fields)
