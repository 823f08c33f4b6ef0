"""Forms of the contacts import (SVC-7): the upload and the column mapping of the preview."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from connect.lib.imports import FileError, check_upload
from connect.lib.imports.files import extension_of, max_bytes
from services.contacts_import import COLUMNS, EXTENSIONS, LABELS, NAME_KEYS, NUMBER_TYPES

# .rtx is registered as "text/richtext" on many systems, so browsers send that for a contacts
# file named .rtx; the content is the same CSV text.
RTX_CONTENT_TYPES = {"text/richtext", "application/rtx"}


class ContactsUploadForm(forms.Form):
    """ "Vælg CSV-filen med kontakterne": a .txt, .rtx or .csv file. `too_large`: the upload
    handler stopped the file at the size limit (connect.lib.uploads)."""

    file = forms.FileField(label=_("File"))

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["file"].required = not too_large
        self.fields["file"].widget.attrs["accept"] = ",".join(EXTENSIONS)
        self.fields["file"].help_text = _(
            "A CSV-formatted file with the extension %(extensions)s, at most %(size)s."
        ) % {
            "extensions": ", ".join(EXTENSIONS),
            "size": filesizeformat(max_bytes()),
        }
        self.file_format = "csv"

    def clean_file(self):
        if self.too_large:
            raise FileError(
                _("The file is larger than %(size)s."),
                code="too_large",
                params={"size": filesizeformat(max_bytes())},
            )
        upload = self.cleaned_data["file"]
        ext = extension_of(upload.name)
        if ext not in EXTENSIONS:
            raise FileError(
                _("The file must have one of the extensions %(extensions)s."),
                code="extension",
                params={"extensions": ", ".join(EXTENSIONS)},
            )
        content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
        if content_type in RTX_CONTENT_TYPES:
            content_type = "text/plain"
        # The shared checks of a CSV upload: content type, empty, size, not a binary file.
        check_upload(upload, ("csv",), name="contacts.csv", content_type=content_type)
        return upload


def column_choices(layout):
    """ "Position i filen": (index, "1: Firma (ipvision A/S)") for every column of the file."""
    choices = [("", _("(not imported)"))]
    for column in layout.get("columns", []):
        text = column.get("header") or column.get("sample") or ""
        label = f"{column['index'] + 1}: {text}" if text else str(column["index"] + 1)
        if column.get("header") and column.get("sample"):
            label = f"{label} ({column['sample']})"
        choices.append((str(column["index"]), label))
    return choices


class ContactsMappingForm(forms.Form):
    """ "Oversigtfelter" with a dropdown per contact field ("Position i filen"), and whether the
    first line holds column names. `layout` is what the preview found (ContactsImporter.layout)."""

    has_header = forms.BooleanField(label=_("The first line holds column names"), required=False)

    def __init__(self, *args, layout, **kwargs):
        mapping = layout.get("mapping") or {}
        initial = {"has_header": bool(layout.get("has_header"))}
        initial.update({f"map_{key}": str(index) for key, index in mapping.items()})
        super().__init__(*args, initial=initial, **kwargs)
        choices = column_choices(layout)
        for column in COLUMNS:
            self.fields[f"map_{column.key}"] = forms.TypedChoiceField(
                label=LABELS[column.key],
                choices=choices,
                required=False,
                coerce=int,
                empty_value=None,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def mapped_fields(self):
        """(label, bound field) per contact field, for the table."""
        return [(LABELS[c.key], self[f"map_{c.key}"]) for c in COLUMNS]

    def clean(self):
        cleaned = super().clean()
        mapping = {
            c.key: cleaned.get(f"map_{c.key}")
            for c in COLUMNS
            if cleaned.get(f"map_{c.key}") is not None
        }
        by_column = {}
        for key, index in mapping.items():
            by_column.setdefault(index, []).append(str(LABELS[key]))
        for index, labels in sorted(by_column.items()):
            if len(labels) > 1:
                raise ValidationError(
                    _("Column %(column)s is chosen for more than one field: %(fields)s."),
                    code="column_twice",
                    params={"column": index + 1, "fields": ", ".join(labels)},
                )
        if not any(key in mapping for key in NUMBER_TYPES):
            raise ValidationError(
                _("Choose the column of at least one phone number."), code="no_number"
            )
        if not any(key in mapping for key in NAME_KEYS):
            raise ValidationError(
                _("Choose the column of a first name, a last name or a company."), code="no_name"
            )
        cleaned["mapping"] = mapping
        return cleaned

    def params(self, current):
        """The job's params with this mapping."""
        return {
            **current,
            "mapping": self.cleaned_data["mapping"],
            "has_header": bool(self.cleaned_data.get("has_header")),
        }
