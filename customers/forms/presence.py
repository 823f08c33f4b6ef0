"""Forms of presence states (ORG-7), presence shortcuts (ORG-2) and languages (ORG-8).

The forms collect input; customers.operations.presence validates and saves (names unique per
organisation in any case, feature codes 0-99 and unique per kind, labels per organisation language).
"""

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connect.lib.tenancy import scoped
from customers.models import Activity, Language, PresenceShortcut, Prompt, Role
from customers.models.presence import Availability


def feature_code_field(help_text):
    return forms.IntegerField(
        label=_("Number used when the presence state is activated with a feature code"),
        min_value=0,
        max_value=99,
        required=False,
        help_text=help_text,
    )


class LabelsMixin:
    """One "translated label" input per organisation language (ORG-7 "Oversatte etiketter")."""

    def add_label_fields(self):
        labels = self.instance.labels or {}
        names = dict(Language.choices)
        self.label_fields = []
        for code in self.organisation.languages:
            name = f"label_{code}"
            self.fields[name] = forms.CharField(label=names.get(code, code), max_length=64, required=False)
            self.initial.setdefault(name, labels.get(code, ""))
            self.label_fields.append(name)

    def labels(self):
        return {name[len("label_") :]: self.cleaned_data.get(name, "") for name in self.label_fields}

    def operation_fields(self):
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["labels"] = self.labels()
        return data

    def _post_clean(self):
        # The operations validate and save (unique names and numbers need the organisation).
        pass


class ActivityForm(LabelsMixin, forms.ModelForm):
    feature_code = feature_code_field(_("0–99, unique among the activities. Optional."))

    class Meta:
        model = Activity
        fields = ["name", "feature_code", "show_as", "message"]
        labels = {
            "name": _("Name of this state"),
            "show_as": _("Show activity as"),
            "message": _("Message used for this activity"),
        }
        widgets = {"show_as": forms.RadioSelect}

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        message = self.fields["message"]
        message.queryset = scoped(Prompt, organisation).filter(kind=Prompt.Kind.PROMPT).order_by("name")
        message.empty_label = _("(None)")
        self.fields["show_as"].choices = Availability.choices
        self.add_label_fields()


class RoleForm(LabelsMixin, forms.ModelForm):
    feature_code = feature_code_field(_("0–99, unique among the roles. Optional."))

    class Meta:
        model = Role
        fields = ["name", "feature_code"]
        labels = {
            "name": _("Name of this state"),
        }

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.add_label_fields()


class ShortcutForm(forms.ModelForm):
    label_fields = ()  # no translated labels (the shared template asks)

    class Meta:
        model = PresenceShortcut
        fields = ["name", "activity", "duration", "availability", "icon", "diversion_number"]
        labels = {
            "name": _("Name"),
            "activity": _("Activity"),
            "duration": _("Duration"),
            "availability": _("Availability"),
            "icon": _("Icon"),
            "diversion_number": _("Diversion number"),
        }
        help_texts = {
            "name": _("The name of the shortcut, shown to the user in the client."),
            "duration": _("After this time the user's activity changes back."),
            "diversion_number": _("Calls are diverted to this number while the shortcut is active. Optional."),
        }
        widgets = {"availability": forms.RadioSelect, "icon": forms.RadioSelect}

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        activity = self.fields["activity"]
        activity.queryset = scoped(Activity, organisation).order_by("name")
        activity.empty_label = _("(None)")
        self.fields["availability"].choices = Availability.choices
        self.fields["icon"].choices = [
            (value, format_html('<i class="bi {} me-1" aria-hidden="true"></i>{}', PresenceShortcut.ICON_CLASSES[value], label))
            for value, label in PresenceShortcut.Icon.choices
        ]
        self.fields["diversion_number"].max_length = 32
        self.fields["diversion_number"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off", "maxlength": 32})

    def operation_fields(self):
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def _post_clean(self):
        pass


class LanguagesForm(forms.Form):
    """ORG-8: the ordered list (one code per line, in order) and the default language."""

    languages = forms.MultipleChoiceField(choices=Language.choices)
    default = forms.ChoiceField(choices=Language.choices, label=_("Default language"))

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_languages(self):
        # Keep the submitted order (MultipleChoiceField keeps the order of the POST values).
        return list(dict.fromkeys(self.cleaned_data["languages"]))
