"""Forms of number type classifications (ORG-6) and blocking groups (ORG-10)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from connect.lib.tenancy import scoped
from customers.models import BlockingGroup, NumberClassification


class PrefixListField(forms.Field):
    """The prefixes listed so far, carried in hidden inputs between "Tilføj" and "Gem"."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(v) for v in (value or [])]


class ClassificationForm(forms.Form):
    """"Ny nummertypeklassifikation": Navn, the prefix list with "Tilføj" and ×."""

    name = forms.CharField(label=_("Name"), max_length=64)
    prefixes = PrefixListField(required=False)
    new_prefix = forms.CharField(
        label=_("Prefix"),
        required=False,
        max_length=40,
        help_text=_("Digits, optionally after a leading “+”, e.g. +45 or 0045 or 90."),
    )

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["new_prefix"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})


class BlockingGroupForm(forms.ModelForm):
    extra_prefixes_text = forms.CharField(
        label=_("Extra prefixes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One prefix per line: digits, optionally after a leading “+”."),
    )

    class Meta:
        model = BlockingGroup
        fields = ["name", "classifications"]
        labels = {"name": _("Name"), "classifications": _("Number type classifications")}
        widgets = {"classifications": forms.CheckboxSelectMultiple}

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["classifications"].queryset = scoped(NumberClassification, organisation).order_by("name")
        self.fields["classifications"].help_text = _("Calls to numbers of these types are blocked.")
        if self.instance.pk:
            self.initial.setdefault("extra_prefixes_text", "\n".join(self.instance.extra_prefixes))

    def operation_fields(self):
        return {
            "name": self.cleaned_data["name"],
            "classifications": list(self.cleaned_data["classifications"]),
            "extra_prefixes": self.cleaned_data["extra_prefixes_text"].splitlines(),
        }

    def _post_clean(self):
        pass
