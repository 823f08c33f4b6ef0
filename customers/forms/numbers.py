"""Number range form (ORG-9) and the "Vis tilgængelige numre" widget for any number field."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import NumberRange


class NumberRangeForm(forms.ModelForm):
    """Fra / Til / Beskrivelse / Kan ringes op fra IVR. The operations normalise and check them."""

    # Not the model fields: the admin may type "+45 88 88 77 00"; the stored form is normalised.
    first = forms.CharField(label=_("From"), max_length=32, help_text=_("E.g. +4588887700 or a local number such as 200."))
    last = forms.CharField(label=_("To"), max_length=32, help_text=_("Same kind and number of digits as From."))

    class Meta:
        model = NumberRange
        fields = ["description", "callable_from_ivr"]
        labels = {"description": _("Description"), "callable_from_ivr": _("Can be called from IVR")}
        help_texts = {
            "callable_from_ivr": _("Numbers in this range can be dialled from an IVR number with “Call extension”."),
        }

    field_order = ["first", "last", "description", "callable_from_ivr"]

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.user = user
        if self.instance.pk:
            self.initial.setdefault("first", self.instance.first)
            self.initial.setdefault("last", self.instance.last)
        self.fields["first"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        self.fields["last"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})

    def _post_clean(self):
        # numberrange_create/update validate and save (and audit against the stored "before").
        pass


class AvailableNumberInput(forms.TextInput):
    """A number input with a "Vis tilgængelige numre" button that lists free numbers below it.

    Use it for any field that takes a number from the organisation's ranges:

        primary_line = forms.CharField(label=_("Number"), required=False, widget=AvailableNumberInput())

    Clicking a free number fills the input. `range_id` narrows the list to one NumberRange;
    `purpose` (a use of connect.lib.numbers, e.g. USER_LINE) offers only numbers that use accepts;
    `local_range` (first, last) only the local numbers between them (a function-number type's).
    Needs htmx (base.html loads it); without JavaScript the button is a link to the full list.
    """

    template_name = "customers/widgets/available_number_input.html"

    def __init__(self, attrs=None, range_id=None, purpose=None, local_range=None):
        attrs = {"autocomplete": "off", "inputmode": "tel", **(attrs or {})}
        super().__init__(attrs)
        self.range_id = range_id
        self.purpose = purpose
        self.local_range = local_range

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        target = context["widget"]["attrs"].get("id") or f"id_{name}"
        params = f"target={target}"
        if self.range_id:
            params += f"&range={self.range_id}"
        if self.purpose:
            params += f"&purpose={self.purpose}"
        if self.local_range:
            params += f"&local={self.local_range[0]}-{self.local_range[1]}"
        context["widget"]["free_url"] = f"{reverse('customers:available_numbers')}?{params}"
        context["widget"]["free_target"] = target
        return context
