"""Forms of SVC-8 number conversions: the rule form and "Test et nummer".

The rule form only parses what was posted; the rule checks (characters, digit count, intervals,
112/114) are the operation's, so the form asks `conversion_clean` and shows its messages on the
fields they belong to.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib.forms import add_operation_errors
from connect.lib.validators import validate_clean_text
from services.conversions import MAX_DIGITS, MAX_INTERVALS, digits_label
from services.operations_conversions import conversion_clean

ANY = "any"
DIALLED_RE = re.compile(r"[+*#]?[0-9]{1,20}")


class IntervalsWidget(forms.Widget):
    """Rows "fra – til" with × per row; posts `<name>-<n>-from` / `<name>-<n>-to`."""

    template_name = "services/_intervals_widget.html"

    def value_from_datadict(self, data, files, name):
        rows = []
        for n in range(MAX_INTERVALS + 1):
            if f"{name}-{n}-from" not in data and f"{name}-{n}-to" not in data:
                break
            rows.append(
                [
                    (data.get(f"{name}-{n}-from") or "").strip(),
                    (data.get(f"{name}-{n}-to") or "").strip(),
                ]
            )
        return rows

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["rows"] = [(n, lo, hi) for n, (lo, hi) in enumerate(value or [])]
        return context


class IntervalsField(forms.Field):
    widget = IntervalsWidget

    def clean(self, value):
        # Rows left empty are ignored; the operation checks the rest.
        return [row for row in value or [] if row[0] or row[1]]


def interval_rows(data, name="intervals"):
    return IntervalsWidget().value_from_datadict(data, None, name)


def with_interval_rows(data, rows, name="intervals"):
    """A copy of the POST data with the interval rows replaced by `rows` ("Tilføj interval", ×)."""
    data = data.copy()
    for key in [k for k in data if k.startswith(f"{name}-")]:
        del data[key]
    for n, (lo, hi) in enumerate(rows[: MAX_INTERVALS + 1]):
        data[f"{name}-{n}-from"], data[f"{name}-{n}-to"] = lo, hi
    return data


class NumberConversionForm(forms.Form):
    """ "Match numre med præfiks", "Efterfulgt af", intervals, "Genskriv præfiks til"."""

    prefix = forms.CharField(
        label=_("Match numbers with prefix:"),
        required=False,
        max_length=32,
        validators=[validate_clean_text],
    )
    digits = forms.ChoiceField(label=_("Followed by:"), initial="1")
    intervals = IntervalsField(
        label=_("Restrict these digits to the following number intervals (optional):"),
        required=False,
    )
    rewrite = forms.CharField(
        label=_("Rewrite prefix to:"),
        required=False,
        max_length=32,
        validators=[validate_clean_text],
        help_text=_("Replaces the prefix if given; if empty, the number is left unchanged."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "prefix": instance.prefix,
                "digits": ANY if instance.digits is None else str(instance.digits),
                "intervals": [list(i) for i in instance.intervals],
                "rewrite": instance.rewrite,
            }
        super().__init__(*args, **kwargs)
        self.fields["digits"].choices = [
            (str(n), digits_label(n)) for n in range(MAX_DIGITS + 1)
        ] + [(ANY, digits_label(None))]
        digits = (
            self.data.get("digits")
            if self.is_bound
            else self.initial.get("digits", self.fields["digits"].initial)
        )
        if str(digits).isdigit() and int(digits) <= MAX_DIGITS:
            # The guide's label names the digit count chosen ("Begræns disse 1 cifre ...").
            self.fields["intervals"].label = _(
                "Restrict these %(count)s digits to the following number intervals (optional):"
            ) % {"count": digits}
        self.fields["prefix"].widget.attrs.update(
            {"placeholder": "20", "inputmode": "tel", "autocomplete": "off"}
        )
        self.fields["rewrite"].widget.attrs.update(
            {"placeholder": "+458877317", "inputmode": "tel", "autocomplete": "off"}
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            values = conversion_clean(
                prefix=cleaned.get("prefix"),
                digits=None if cleaned.get("digits") == ANY else int(cleaned["digits"]),
                intervals=cleaned.get("intervals"),
                rewrite=cleaned.get("rewrite"),
            )
        except ValidationError as exc:
            add_operation_errors(self, exc)
            return cleaned
        cleaned.update(values)
        return cleaned

    def values(self):
        """Keyword arguments of conversion_create / conversion_update."""
        return {k: self.cleaned_data[k] for k in ("prefix", "digits", "intervals", "rewrite")}

    def without_errors(self):
        """Show posted data again without validating it ("Tilføj interval", ×)."""
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        return self


class ConversionTestForm(forms.Form):
    """ "Test et nummer": a dialled number and the user whose conversions apply."""

    number = forms.CharField(
        label=_("Number to test"), max_length=24, required=False, validators=[validate_clean_text]
    )

    def clean_number(self):
        number = "".join(self.cleaned_data.get("number", "").split())
        if number and not DIALLED_RE.fullmatch(number):
            raise ValidationError(
                _("Enter a dialled number: digits, optionally after a leading “+”, “*” or “#”.")
            )
        return number
