"""Forms of the services pages.

`ServiceSettingsForm` is built from a service's field definitions for one scope. At group and
user level every non-checkbox field offers "(Arv)" (empty = inherit) and a hint with the value
it would inherit and its source; checkboxes and group multi-selects show what is ticked at a
higher level ticked, disabled and labelled with its source (SET-2). Choices are narrowed to the
organisation, so a crafted POST naming another organisation's group or prompt gets "Select a
valid choice"; a checkbox posted as anything but ticked/unticked ("maybe") is an error.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connect.lib import numbers
from connect.lib.validators import validate_clean_text
from services import working_hours
from services.definitions import FLAG, NONE, ORGANISATION, UNION, run_validation
from services.models import ContactNumber, ExternalContact
from services.operations import CONTACT_FIELDS

INHERIT = ""
INHERIT_LABEL = _("(Inherit)")
YES, NO = "yes", "no"


class AsciiIntegerField(forms.IntegerField):
    """Whole numbers typed with 0-9 only: ٤٥ or full-width ４５ are refused, not converted."""

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text):
            raise ValidationError(_("Use only the digits 0-9."), code="digits")
        return super().to_python(value)


class FlagCheckbox(forms.CheckboxInput):
    """A checkbox that hands the posted text to its field as it is: Django's CheckboxInput
    reads any unknown text ("maybe") as ticked."""

    def value_from_datadict(self, data, files, name):
        return data.get(name) if name in data else False


class FlagField(forms.Field):
    """A checkbox (FEATURES.md 0.1): ticked is "on" (what browsers post) or true/1; absent,
    empty, false/0/off is unticked; anything else is an error, never a guess."""

    widget = FlagCheckbox
    TICKED = {"on", "true", "1"}
    UNTICKED = {"", "off", "false", "0"}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return bool(value)
        text = str(value).strip().lower()
        if text in self.TICKED:
            return True
        if text in self.UNTICKED:
            return False
        raise ValidationError(_("A checkbox is either ticked or not ticked."), code="invalid")


DAY_LABELS = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)
EXCEPTION_KEYS = ("description", "from_date", "to_date", "from_time", "to_time")
ADDITIONAL_KEYS = ("description", "date", "from_time", "to_time")
MAX_ROWS = 100


class WorkingHoursWidget(forms.Widget):
    """SVC-1 as one input: "(Arv)" or own hours; the week table "Dag | Fra | Til"; the lists of
    exceptions and additional hours, each with an empty row to add one ("Tilføj"); empty rows
    are ignored. Posts `<name>-mode`, `<name>-<day>-from/-to`, `<name>-exception-<n>-<key>`..."""

    template_name = "services/_working_hours_widget.html"

    def __init__(self, *args, inherit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.inherit = inherit

    @staticmethod
    def _rows(data, prefix, keys):
        rows = []
        for n in range(MAX_ROWS):
            if not any(f"{prefix}-{n}-{key}" in data for key in keys):
                break
            row = {key: (data.get(f"{prefix}-{n}-{key}") or "").strip() for key in keys}
            if any(row.values()):
                rows.append(row)
        return rows

    def value_from_datadict(self, data, files, name):
        return {
            "mode": data.get(f"{name}-mode", "own"),
            "week": [[data.get(f"{name}-{day}-from", ""), data.get(f"{name}-{day}-to", "")] for day in working_hours.DAYS],
            "exceptions": self._rows(data, f"{name}-exception", EXCEPTION_KEYS),
            "additional": self._rows(data, f"{name}-additional", ADDITIONAL_KEYS),
        }

    def format_value(self, value):
        if value is None:  # inherit
            return {"mode": "inherit", "week": [["", ""]] * 7, "exceptions": [], "additional": []}
        return {
            "mode": value.get("mode", "own"),
            "week": [span or ["", ""] for span in value.get("week", [["", ""]] * 7)],
            "exceptions": list(value.get("exceptions", [])),
            "additional": list(value.get("additional", [])),
        }

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = self.format_value(value)
        empty_exception = dict.fromkeys(EXCEPTION_KEYS, "")
        empty_additional = dict.fromkeys(ADDITIONAL_KEYS, "")
        context["widget"].update(
            {
                "inherit": self.inherit,
                "mode": value["mode"],
                "days": [
                    (day, label, span[0], span[1])
                    for day, label, span in zip(working_hours.DAYS, DAY_LABELS, value["week"], strict=True)
                ],
                "exceptions": [*value["exceptions"], empty_exception],
                "additional": [*value["additional"], empty_additional],
            }
        )
        return context


class WorkingHoursField(forms.Field):
    """The whole SVC-1 value: None (inherit) or the canonical JSON of services.working_hours."""

    def __init__(self, *args, inherit=False, **kwargs):
        kwargs.setdefault("widget", WorkingHoursWidget(inherit=inherit))
        super().__init__(*args, **kwargs)
        self.inherit = inherit

    def clean(self, value):
        if value is None:
            return None
        if isinstance(value, dict) and "mode" not in value:
            return value  # an initial (stored) value, e.g. of a disabled form
        if self.inherit and value.get("mode") == "inherit":
            return None
        try:
            hours = working_hours.working_hours_clean(
                week=value["week"], exceptions=value["exceptions"], additional=value["additional"]
            )
        except ValidationError as exc:
            raise ValidationError([_row_message(key, messages) for key, messages in exc.message_dict.items()]) from exc
        return working_hours.to_json(hours)


def _row_message(key, messages):
    """ "week-wed" -> "Wed: …", "exceptions-1" -> "Exception 2: …"."""
    kind, _sep, index = key.partition("-")
    if kind == "week" and index in working_hours.DAYS:
        where = DAY_LABELS[working_hours.DAYS.index(index)]
    elif kind == "exceptions":
        where = _("Exception %(number)s") % {"number": int(index) + 1}
    elif kind == "additional":
        where = _("Additional working hours %(number)s") % {"number": int(index) + 1}
    else:
        where = _("Working hours")
    return f"{where}: {' '.join(messages)}"


def working_hours_summary(value):
    """A stored SVC-1 value in one line: "Mon 07:00–18:00, …; 2 exceptions; 1 additional"."""
    if not value:
        return "—"
    days = [f"{label} {span[0]}–{span[1]}" for label, span in zip(DAY_LABELS, value.get("week", ()), strict=False) if span]
    parts = [", ".join(days) if days else str(_("no normal working hours"))]
    if value.get("exceptions"):
        parts.append(_("exceptions: %(count)s") % {"count": len(value["exceptions"])})
    if value.get("additional"):
        parts.append(_("additional working hours: %(count)s") % {"count": len(value["additional"])})
    return "; ".join(str(p) for p in parts)


def directory_field_label(field):
    """A directory field (USR-17) as SVC-16 lists it: "Field 1 – Bilmærker", or "Field 3" unnamed."""
    label = field.default_label
    return f"{label} – {field.name}" if field.name else str(label)


class GroupCheckboxes(forms.CheckboxSelectMultiple):
    """Check list of groups; groups set at a higher level are ticked, disabled and labelled."""

    def __init__(self, *args, inherited=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inherited = inherited or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        source = self.inherited.get(str(value))
        if source is not None:
            option["attrs"]["disabled"] = True
            option["attrs"]["checked"] = True
            option["label"] = f"{label} ({source.label})"
        return option


class ValueDisplay:
    """Stored and effective values as the admin reads them: choice labels, Yes/No, prompt and
    group names, phone numbers in their display form. One instance per page (it holds
    the organisation's prompt and group names)."""

    def __init__(self, *, prompt_names, group_names, directory_field_names=None):
        self.prompt_names = prompt_names
        self.group_names = group_names
        self.directory_field_names = directory_field_names or {}

    def item_names(self, f):
        """{item id: name} of the items of a UNION field (groups, or directory fields for SVC-16)."""
        return self.directory_field_names if f.input == "directory_fields" else self.group_names

    def __call__(self, f, value):
        if f.kind == UNION:
            names = sorted(self.item_names(f).get(v, str(v)) for v in value)
            return ", ".join(names) if names else _("(none)")
        if value is None:
            return "—"
        if f.input == "working_hours":
            return working_hours_summary(value)
        if f.input in ("yesno", "flag"):
            return _("Yes") if value else _("No")
        if f.input == "choice":
            return dict((str(k), v) for k, v in f.choices).get(str(value), value)
        if f.input == "phone":
            return numbers.display(value)
        if value == NONE:
            return f.none_label
        if value == ORGANISATION:
            return _("Organisation")
        if f.input == "greeting" and value in {k for k, _v in f.choices}:
            return dict(f.choices)[value]
        if f.input == "group_or_org":
            return self.group_names.get(value, "—")
        if f.input in ("prompt", "prompt_or_none", "greeting"):
            return self.prompt_names.get(value, "—")
        return str(value)


class ServiceSettingsForm(forms.Form):
    def __init__(self, *args, service, scope, resolution, prompts, groups, directory_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.scope = scope
        self.resolution = resolution
        self.group_names = {g.pk: g.name for g in groups}
        self.directory_fields = list(directory_fields)
        self.value_display = ValueDisplay(
            prompt_names={p.pk: p.name for p in prompts},
            group_names=self.group_names,
            directory_field_names={d.pk: directory_field_label(d) for d in self.directory_fields},
        )
        self.prompts = prompts
        self.groups_by_name = sorted(groups, key=lambda g: g.name.casefold())
        for f in service.fields:
            self.fields[f.name] = self._build(f)

    # --- building ----------------------------------------------------------------------
    def _build(self, f):
        at_org = self.scope.is_organisation
        own = self.resolution.own.get(f.name)
        inherited = self.resolution.inherited[f.name]
        label = f.label_for(self.scope.name)
        if f.kind == UNION:
            if f.input == "directory_fields":
                choices = [(str(d.pk), directory_field_label(d)) for d in self.directory_fields]
            else:
                choices = [(str(g.pk), g.name) for g in self.groups_by_name]
            inherited_items = {} if at_org else {str(k): s for k, s in inherited.item_sources().items()}
            field = forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=choices,
                widget=GroupCheckboxes(inherited=inherited_items),
            )
            field.initial = [str(k) for k in (own or {})]
            return field
        if f.kind == FLAG:
            return self._build_flag(f, label, own, inherited)

        if at_org:
            initial_value = own if own is not None else inherited.value
            hint = _("Default: %(value)s") % {"value": self.display(f, inherited.value)}
        else:
            initial_value = own
            # A field with its own value says what it overrides, not what it would inherit.
            if own is not None and inherited.value is None:
                hint = _("Overrides no value: no level above sets one.")
            else:
                hint = (_("Inherited: %(value)s (%(source)s)") if own is None else _("Overrides %(value)s (%(source)s)")) % {
                    "value": self.display(f, inherited.value),
                    "source": inherited.source.label,
                }
        inherit_choice = [] if at_org else [(INHERIT, INHERIT_LABEL)]
        if f.input == "yesno":
            field = forms.ChoiceField(label=label, choices=inherit_choice + [(YES, _("Yes")), (NO, _("No"))])
        elif f.input == "choice":
            field = forms.ChoiceField(label=label, choices=inherit_choice + [(str(k), v) for k, v in f.choices])
        elif f.input in ("prompt", "prompt_or_none", "greeting", "group_or_org"):
            field = forms.ChoiceField(label=label, choices=inherit_choice + self._reference_choices(f))
        elif f.input == "int":
            field = AsciiIntegerField(label=label, min_value=f.min_value, max_value=f.max_value)
            if not at_org:
                field.widget.attrs["placeholder"] = INHERIT_LABEL
        elif f.input == "phone":
            field = forms.CharField(label=label, max_length=32, validators=[validate_clean_text])
            field.widget.attrs["placeholder"] = INHERIT_LABEL if not at_org else "+4588887765"
        elif f.input == "working_hours":
            field = WorkingHoursField(label=label, inherit=not at_org)
            field.required = False
            field.help_text = hint
            field.initial = initial_value
            return field
        else:  # pragma: no cover - definitions only use the inputs above
            raise ValueError(f.input)
        # At organisation level dropdowns always hold a value; a prompt list may be empty (no
        # system prompts yet), and then the default applies.
        field.required = at_org and f.input != "int" and f.input != "phone" and bool(getattr(field, "choices", True))
        field.help_text = hint
        field.initial = self.to_form(f, initial_value)
        return field

    def _build_flag(self, f, label, own, inherited):
        """A checkbox. Ticked at a level above: shown ticked and disabled with its source, since
        an unticked box here would not switch it off (SET-2)."""
        field = FlagField(label=label, required=False)
        if not self.scope.is_organisation and inherited.value:
            field.disabled = True
            field.initial = True
            field.help_text = _("Ticked at a higher level (%(source)s): a box ticked there cannot be cleared here.") % {
                "source": inherited.source.label
            }
            return field
        field.initial = bool(own)
        if self.scope.is_organisation:
            field.help_text = _("Checkboxes add up: ticked here, the setting is on for every user of the organisation.")
        else:
            field.help_text = _("Checkboxes add up: not ticked here, the levels above decide; ticked, the setting is on.")
        return field

    def _prompt_choices(self, f):
        return [(str(p.pk), p.name) for p in self.prompts if not f.prompt_kind or p.kind == f.prompt_kind]

    def _reference_choices(self, f):
        if f.input == "prompt":
            return self._prompt_choices(f)
        if f.input == "prompt_or_none":
            return [(NONE, f.none_label)] + self._prompt_choices(f)
        if f.input == "greeting":
            return [(k, v) for k, v in f.choices] + self._prompt_choices(f)
        return [(ORGANISATION, _("Organisation"))] + [(str(g.pk), g.name) for g in self.groups_by_name]

    # --- conversions ---------------------------------------------------------------------
    def to_form(self, f, value):
        if value is None:
            return INHERIT
        if f.input == "yesno":
            return YES if value else NO
        return value if f.input == "int" else str(value)

    def from_form(self, f, raw):
        if raw in (None, INHERIT):
            return None
        if f.input == "yesno":
            return raw == YES
        if f.input == "int":
            return raw
        if f.input == "phone":
            return raw
        if f.input in ("prompt", "prompt_or_none", "greeting", "group_or_org"):
            if raw in (NONE, ORGANISATION) or (f.input == "greeting" and raw in {k for k, _v in f.choices}):
                return raw
            return int(raw)
        return raw

    def display(self, f, value):
        """A value as the admin reads it, for hints and the effective-values panel."""
        return self.value_display(f, value)

    # --- cleaning ------------------------------------------------------------------------
    def clean(self):
        cleaned = super().clean()
        for f in self.service.fields:
            if f.input == "phone" and cleaned.get(f.name):
                try:
                    cleaned[f.name] = numbers.normalise(cleaned[f.name], use=numbers.TARGET).number
                except ValidationError as exc:
                    self.add_error(f.name, exc)
        try:
            run_validation(self.service, self.values(), self.resolution.inherited)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in self._errors:  # a field already in error says more than the rule
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def values(self):
        """Cleaned data in resolver terms: {field: value}, None = inherit."""
        values = {}
        for f in self.service.fields:
            raw = self.cleaned_data.get(f.name)
            if f.kind == FLAG:
                # A box ticked above is shown disabled (not posted): this level keeps its own value.
                own = bool(self.resolution.own.get(f.name))
                values[f.name] = own if self.fields[f.name].disabled else bool(raw)
                continue
            if f.kind == UNION:
                chosen = [int(v) for v in raw or ()]
                # Groups ticked here that are also set higher up are shown disabled (and so not
                # posted); keep them instead of silently dropping this level's own choice.
                inherited = set(self.resolution.inherited[f.name].value) if not self.scope.is_organisation else set()
                chosen += [k for k in (self.resolution.own.get(f.name) or {}) if k in inherited and k not in chosen]
                values[f.name] = chosen
            else:
                values[f.name] = self.from_form(f, raw)
        return values

    def effective_rows(self, effective):
        """[(label, display value, source)] for the effective-values panel."""
        rows = []
        for f in self.service.fields:
            value = effective[f.name]
            if f.kind == UNION:
                names = self.value_display.item_names(f)
                items = sorted(value.item_sources().items(), key=lambda kv: names.get(kv[0], "").casefold())
                shown = [(names.get(k, str(k)), s.short_label) for k, s in items]
                rows.append((self.fields[f.name].label, shown, None))
            else:
                rows.append((self.fields[f.name].label, self.display(f, value.value), value.source))
        return rows


# --- SVC-7 contacts ------------------------------------------------------------------------------


class ExternalContactForm(forms.ModelForm):
    """"Opret ny kontakt"."""

    class Meta:
        model = ExternalContact
        fields = CONTACT_FIELDS  # the fields contact_create/contact_update take
        widgets = {"contact_type": forms.RadioSelect}

    def __init__(self, *args, organisation=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("company", "first_name", "last_name"):
            self.fields[name].help_text = ""

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("company")):
            raise ValidationError(_("Enter a first name, a last name or a company."))
        return cleaned


class ContactNumberForm(forms.Form):
    """"Tilføj telefonnummer": Type, Telefonnummer*, Forkortet nummer, Foretrukket nummer."""

    number_type = forms.ChoiceField(
        label=_("Type"), choices=ContactNumber.NumberType.choices, initial=ContactNumber.NumberType.WORK, required=False
    )
    number = forms.CharField(label=_("Phone number"), max_length=32, validators=[validate_clean_text])
    abbreviated = forms.CharField(label=_("Abbreviated number"), max_length=8, required=False)
    is_preferred = forms.BooleanField(label=_("Preferred number"), required=False)

    def clean_number_type(self):
        return self.cleaned_data.get("number_type") or ContactNumber.NumberType.WORK

    def clean_number(self):
        return numbers.normalise(self.cleaned_data["number"]).number

    def clean_abbreviated(self):
        value = self.cleaned_data.get("abbreviated", "").strip()
        if value and not all("0" <= ch <= "9" for ch in value):
            raise ValidationError(_("Use only the digits 0-9."))
        return value


class BaseContactNumberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not rows:
            raise ValidationError(_("Add at least one phone number."))
        if sum(1 for r in rows if r.get("is_preferred")) > 1:
            raise ValidationError(_("Mark only one number as the preferred number."))
        if len({r["number"] for r in rows}) != len(rows):
            raise ValidationError(_("The same number is listed twice."))

    def rows(self):
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


ContactNumberFormSet = forms.formset_factory(
    ContactNumberForm, formset=BaseContactNumberFormSet, extra=1, can_delete=True, max_num=20, validate_max=True
)
