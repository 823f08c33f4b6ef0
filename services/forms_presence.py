"""Forms of the SVC-19 page: the ordered mappings, the exclusions and the tester.

Rows are plain formsets whose order is the row order on the page. "+ Add rule", ▲/▼ and the
row's delete button are submit buttons that re-render the page with the rows rearranged and
nothing saved (they work without JavaScript and with a keyboard); "Save" validates every row
and saves them all in one transaction (services.operations_presence).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from connect.lib.tenancy import scoped
from connect.lib.validators import validate_clean_text
from customers.models import Activity, Role
from services.presence_sync import (
    EXCHANGE_AVAILABILITY,
    MATCH_MAX_LENGTH,
    Appointment,
    RuleType,
    clean_match,
)

MAX_ROWS = 100


class PresenceRuleForm(forms.Form):
    """Type + Match (an exclusion); the Match is checked for its type by clean_match."""

    type = forms.ChoiceField(label=_("Type"), choices=RuleType.choices)
    match = forms.CharField(
        label=_("Match"),
        max_length=MATCH_MAX_LENGTH,
        required=False,
        validators=[validate_clean_text],
    )

    # Fields whose content makes a row count: a new row with only the type chosen is blank.
    content_fields = ("match",)

    def __init__(self, *args, organisation=None, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)
        self.fields["match"].widget.attrs.update(
            {"list": "presence-availability-values", "autocomplete": "off"}
        )
        _bootstrap(self)

    def has_changed(self):
        return any(self.data.get(self.add_prefix(name), "").strip() for name in self.content_fields)

    def clean(self):
        cleaned = super().clean()
        if "type" in cleaned and "match" in cleaned and not self.errors.get("match"):
            try:
                cleaned["match"] = clean_match(cleaned["type"], cleaned["match"])
            except forms.ValidationError as exc:
                self.add_error("match", exc)
        return cleaned

    def row(self):
        return {"type": self.cleaned_data["type"], "match": self.cleaned_data["match"]}


class PresenceMappingForm(PresenceRuleForm):
    activity = forms.ModelChoiceField(
        label=_("Activity"), queryset=Activity.objects.none(), required=False
    )
    role = forms.ModelChoiceField(
        label=_("Role"),
        queryset=Role.objects.none(),
        required=False,
        empty_label=_("Do Not Change"),
    )

    content_fields = ("match", "activity", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = scoped(Activity, self.organisation).order_by("name")
        self.fields["role"].queryset = scoped(Role, self.organisation).order_by("name")
        _bootstrap(self)

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("activity")
            and not cleaned.get("role")
            and not self.errors.get("activity")
            and not self.errors.get("role")
        ):
            self.add_error(
                "activity", _("Choose an activity, or a role other than “Do Not Change”.")
            )
        return cleaned

    def row(self):
        return {
            **super().row(),
            "activity": self.cleaned_data.get("activity"),
            "role": self.cleaned_data.get("role"),
        }


def _bootstrap(form, small=True):
    size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select" + size
        else:
            widget.attrs["class"] = "form-control" + size.replace("select", "control")


class PresenceRuleFormSet(forms.BaseFormSet):
    """Every row may be left blank (skipped); the order of `rows()` is the order on the page."""

    def __init__(self, *args, organisation=None, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"organisation": self.organisation}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = True
        form.use_required_attribute = False
        for field in form.fields.values():  # the table's cells have no <label> of their own
            field.widget.attrs["aria-label"] = _("%(field)s, row %(n)s") % {
                "field": field.label,
                "n": i + 1,
            }
        return form

    def rows(self):
        """The cleaned, non-blank rows in page order (call after is_valid())."""
        return [form.row() for form in self.forms if form.has_changed()]

    def raw_rows(self, skip_blank=False):
        """The submitted rows as initial data, unvalidated: to re-render them rearranged."""
        rows = []
        for form in self.forms:
            if skip_blank and not form.has_changed():
                continue
            rows.append(
                {
                    name: field.widget.value_from_datadict(
                        form.data, form.files, form.add_prefix(name)
                    )
                    for name, field in form.fields.items()
                }
            )
        return rows


MappingFormSet = forms.formset_factory(
    PresenceMappingForm,
    formset=PresenceRuleFormSet,
    extra=0,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)
ExclusionFormSet = forms.formset_factory(
    PresenceRuleForm,
    formset=PresenceRuleFormSet,
    extra=0,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)


class PresenceTesterForm(forms.Form):
    """A sample Exchange appointment for the tester."""

    availability = forms.ChoiceField(
        label=_("Availability"),
        required=False,
        choices=[("", _("(none)"))] + [(value, value) for value in EXCHANGE_AVAILABILITY],
    )
    subject = forms.CharField(
        label=_("Subject"), required=False, max_length=255, validators=[validate_clean_text]
    )
    location = forms.CharField(
        label=_("Location"), required=False, max_length=255, validators=[validate_clean_text]
    )
    private = forms.BooleanField(label=_("Marked private"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self, small=False)

    def appointment(self):
        data = self.cleaned_data
        return Appointment(
            availability=data["availability"],
            subject=data["subject"],
            location=data["location"],
            private=data["private"],
        )
