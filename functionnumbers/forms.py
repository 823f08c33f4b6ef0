"""The form of every function-number type, built from its layout (functionnumbers.layouts).

The form turns input into values (choices narrowed to the organisation, m:ss durations into
seconds per SET-6, numbers as typed); functionnumbers.operations checks the rules and saves, and
its ValidationErrors come back as field errors (connect.lib.forms.add_operation_errors).
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms.numbers import AvailableNumberInput
from customers.models import Activity, BlockingGroup, NumberRange, Prompt, Role, UserGroup
from functionnumbers.layouts import SHOW_WHEN, help_for, label_for
from functionnumbers.models import IVR_KEYS, Kind, PhoneType, ivr_option_field

DURATION_FIELDS = {
    "overflow_wait_seconds",
    "max_wait_seconds",
    "wait_announce_min_seconds",
    "wait_announce_max_seconds",
}
# Choices the guide shows as radio buttons ("Fordel opkald efter prioritet / færdighedsniveau").
RADIO_FIELDS = {"distribution"}
_DURATION_RE = re.compile(r"^\d+(:[0-5]\d)?$", re.ASCII)


def format_duration(seconds):
    """SET-6: 150 → "2:30", 120 → "2:00"; None → ""."""
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


def parse_duration(text):
    """SET-6: "2" → 120, "1:30" → 90; raises ValueError for anything else."""
    text = (text or "").strip()
    if not _DURATION_RE.match(text):
        raise ValueError(text)
    minutes, _sep, seconds = text.partition(":")
    return int(minutes) * 60 + int(seconds or 0)


class DurationField(forms.Field):
    """Minutes, optionally followed by seconds after a colon (SET-6): stored as seconds."""

    default_error_messages = {
        "invalid": _("Enter minutes, optionally followed by seconds after a colon, e.g. 2 or 1:30"),
    }

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "placeholder": "m:ss", "maxlength": "8"})

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_duration(value)
        return value

    def to_python(self, value):
        value = str(value).strip() if value is not None else ""
        if not value:
            return None
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if seconds > 24 * 3600:
            raise forms.ValidationError(_("At most 24 hours."), code="max_value")
        return seconds


def _show_value(value):
    """SHOW_WHEN's value as the script compares it: "on" for a ticked checkbox."""
    return "on" if value is True else str(value)


class FunctionNumberForm(forms.ModelForm):
    """Base of every type's form; `layout` is set by form_for()."""

    layout = None
    number = forms.CharField(label=_("Number"), max_length=32)

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.user = user
        self.fields["number"].widget = AvailableNumberInput(
            purpose=self.layout.purpose, local_range=self.layout.local_range
        )
        if self.instance.pk:
            self.initial.setdefault("number", self.instance.number.number)
        self._shared_choices = {}
        for name, field in self.fields.items():
            self._narrow(name, field)
        for name in self.destination_names:
            if self.instance.pk:
                function = getattr(self.instance, f"{name}_function")
                stored = (
                    function.number.number
                    if function is not None
                    else getattr(self.instance, f"{name}_number")
                )
                self.initial.setdefault(name, stored)
        for name, field in self.fields.items():
            label = label_for(self.layout.kind, name)
            if label:
                field.label = label
            help_text = help_for(self.layout.kind, name)
            if help_text and not field.help_text:
                field.help_text = help_text
        for name, (controller, value) in SHOW_WHEN.items():
            if name in self.fields and controller in self.fields:
                self.fields[name].widget.attrs.update(
                    {"data-fn-show-when": controller, "data-fn-show-value": _show_value(value)}
                )
        if "name" in self.fields:
            self.fields["name"].required = self.layout.name_required
        if "language" in self.fields:
            self.fields["language"].choices = [
                ("", _("(Organisation default)")),
                *organisation.language_choices(),
            ]

    @property
    def destination_names(self):
        return [
            name
            for name in self.layout.field_names
            if name in self.fields and name in self._destinations()
        ]

    @classmethod
    def _destinations(cls):
        names = {f.name for f in cls._meta.model._meta.fields}
        return {n[: -len("_function")] for n in names if n.endswith("_function")}

    def _narrow(self, name, field):
        org = self.organisation
        if isinstance(field, forms.ModelMultipleChoiceField) or isinstance(
            field, forms.ModelChoiceField
        ):
            model = field.queryset.model
            if model is UserGroup:
                field.queryset = UserGroup.objects.for_organisation(org).order_by("priority")
            elif model in (BlockingGroup, Activity, Role):
                field.queryset = model.objects.for_organisation(org)
            elif model is Prompt:
                field.queryset = Prompt.objects.for_organisation(org).filter(
                    kind=Prompt.Kind.PROMPT
                )
                field.empty_label = _("(None)")
            # The form's fields of one model share one query for their choices (four prompts,
            # three or four group lists: issue 10 wants a group's page in at most 15 queries).
            key = (model, field.empty_label)
            if key not in self._shared_choices:
                self._shared_choices[key] = list(field.choices)
            field.choices = self._shared_choices[key]
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
                field.widget.choices = field.choices

    def make_read_only(self, names=None):
        """Disable `names` (default: every field): shown, never taken from the POST (SET-5)."""
        for name, field in self.fields.items():
            if names is None or name in names:
                field.disabled = True
                if isinstance(field.widget, AvailableNumberInput):
                    # "Vis tilgængelige numre" lists the organisation's free numbers: not for
                    # someone who may not choose another.
                    field.widget = forms.TextInput()

    def sections(self):
        """[(title, help_text, [bound fields])] in the guide's order, for the template."""
        result = []
        for section in self.layout.sections:
            bound = [self[name] for name in section.fields if name in self.fields]
            if bound:
                result.append((section.title, section.help_text, bound))
        return result

    def _post_clean(self):
        # functionnumbers.operations validates and saves (one set of rules for every caller).
        pass

    def operation_fields(self):
        """cleaned_data as the operations' keyword arguments (without `number`)."""
        data = dict(self.cleaned_data)
        data.pop("number", None)
        return data


class IvrOptionsFormMixin:
    """FN-5 "Angivelse af valgmuligheder": one destination per key (fields `option_1` …
    `option_hash`), handed to the operations as `options`; the template shows them as a table
    that is hidden while "Ring til lokalnummer" is ticked. The help of that checkbox names the
    number ranges an IVR can call (ORG-9 "Kan ringes op fra IVR")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in IVR_KEYS:
            self.fields[ivr_option_field(key)].label = _("Key %(key)s") % {"key": key}
        if self.instance.pk:
            for option in self.instance.options.select_related("destination_function__number"):
                self.initial.setdefault(ivr_option_field(option.key), option.destination.dialled)
        ranges = NumberRange.objects.for_organisation(self.organisation).filter(
            callable_from_ivr=True
        )
        names = ", ".join(str(number_range) for number_range in ranges)
        if names:
            help_text = _(
                "Replaces the keys: the caller dials a local number. Only numbers in these "
                "number ranges can be reached: %(ranges)s."
            ) % {"ranges": names}
        else:
            help_text = _(
                "Replaces the keys: the caller dials a local number. No number range can be "
                "called from an IVR yet (number ranges, “can be called from IVR”)."
            )
        self.fields["dial_local_number"].help_text = help_text
        self.fields["no_input_seconds"].help_text = _(
            "The voice message is repeated up to 3 times before the call goes to the "
            "destination for no input."
        )

    def option_rows(self):
        """[(key, bound field)] in the keypad's order, for the options table."""
        return [(key, self[ivr_option_field(key)]) for key in IVR_KEYS]

    def options_hidden(self):
        """Is "Ring til lokalnummer" ticked (as posted, or as stored)?"""
        field = self["dial_local_number"]
        return bool(field.field.to_python(field.value()))

    def operation_fields(self):
        data = super().operation_fields()
        data["options"] = {key: data.pop(ivr_option_field(key), "") or "" for key in IVR_KEYS}
        return data


FORM_MIXINS = {Kind.IVR: (IvrOptionsFormMixin,)}


def _formfield_callback(model_field, **kwargs):
    name = model_field.name
    if name in DURATION_FIELDS:
        return DurationField(label=model_field.verbose_name, required=False)
    if name == "phone_types":
        return forms.MultipleChoiceField(
            label=model_field.verbose_name,
            choices=PhoneType.choices,
            widget=forms.CheckboxSelectMultiple,
            required=True,
        )
    if name in RADIO_FIELDS:
        kwargs["widget"] = forms.RadioSelect
    return model_field.formfield(**kwargs)


def form_for(layout):
    """The ModelForm class of one function-number type."""
    model_fields = {
        f.name
        for f in layout.model._meta.get_fields()
        if getattr(f, "concrete", False) or f.many_to_many
    }
    destinations = {n[: -len("_function")] for n in model_fields if n.endswith("_function")}
    fields = [name for name in layout.field_names if name in model_fields and name != "number"]
    attrs = {
        "layout": layout,
        "Meta": type(
            "Meta",
            (),
            {"model": layout.model, "fields": fields, "formfield_callback": _formfield_callback},
        ),
    }
    for name in layout.field_names:
        if name in destinations:
            attrs[name] = forms.CharField(
                label=layout.model._meta.get_field(f"{name}_function").verbose_name,
                required=False,
                max_length=32,
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
                help_text=_(
                    "A local number or alias of a user, a function number, or an external number."
                ),
            )
    if "pin" in layout.field_names:
        attrs["pin"] = forms.CharField(
            label=_("PIN code"),
            required=False,
            max_length=8,
            widget=forms.PasswordInput(
                render_value=False, attrs={"inputmode": "numeric", "autocomplete": "off"}
            ),
            help_text=_("4 to 8 digits. Leave empty to keep the current PIN."),
        )
    if layout.kind == Kind.IVR:
        for key in IVR_KEYS:
            attrs[ivr_option_field(key)] = forms.CharField(
                required=False,
                max_length=32,
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            )
    if "language" in layout.field_names:
        attrs["language"] = forms.ChoiceField(
            label=_("Which language should voice prompts be in?"), required=False
        )
    form_class = type(
        f"{layout.model.__name__}{layout.kind.title()}Form",
        (*FORM_MIXINS.get(layout.kind, ()), FunctionNumberForm),
        attrs,
    )
    return form_class
