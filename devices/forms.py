"""Forms of the SIP phones pages. Every form receives `organisation=` and `user=` (the acting
user); users are looked up inside the organisation only, so a crafted POST naming another
organisation's user is a field error and changes nothing."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib.tenancy import scoped
from connect.lib.validators import validate_clean_text
from customers.models import User
from devices import catalog
from devices.models import FunctionKey, Phone, normalise_mac
from devices.operations import KeySpec


class OrganisationFormMixin:
    def __init__(self, *args, organisation=None, user=None, **kwargs):
        self.organisation = organisation
        self.acting_user = user
        super().__init__(*args, **kwargs)


def find_user(organisation, text):
    """The organisation's user with this username (any case), or None."""
    text = (text or "").strip().lower()
    if not text:
        return None
    return scoped(User, organisation).filter(username=text).first()


class MacField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", _("MAC address"))
        kwargs.setdefault("help_text", _("12 hexadecimal digits, e.g. 000413A1B2C3 (colons and dashes are removed)."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalise_mac(value) if value else value


class PhoneForm(OrganisationFormMixin, forms.Form):
    """Create or edit a phone (DEV-3): MAC, type, description, expansion modules."""

    mac = MacField()
    model = forms.ChoiceField(label=_("Type"), choices=())
    description = forms.CharField(
        label=_("Description"), max_length=64, required=False, validators=[validate_clean_text]
    )
    expansion_module = forms.ChoiceField(
        label=_("Expansion module"),
        required=False,
        choices=(),
        help_text=_("Mitel 6865i, 6867i, 6869i and 6873i take up to three M680i or M685i modules; their keys are added to the key table."),
    )
    expansion_module_count = forms.TypedChoiceField(
        label=_("Number of expansion modules"),
        coerce=int,
        choices=[(i, str(i)) for i in range(4)],
        initial=0,
        required=False,
        empty_value=0,
    )

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "mac": instance.mac,
                "model": instance.model,
                "description": instance.description,
                "expansion_module": instance.expansion_module,
                "expansion_module_count": instance.expansion_module_count,
            }
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "---------")] + catalog.model_choices()
        self.fields["expansion_module"].choices = catalog.expansion_choices()


class UserSearchWidget(forms.TextInput):
    """A username field with htmx search (devices/_user_picker.html). Without JavaScript the
    admin types the username; the form resolves it inside the organisation."""

    template_name = "devices/widgets/user_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})


class UserByUsernameField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", UserSearchWidget())
        super().__init__(**kwargs)


class KeysForm(OrganisationFormMixin, forms.Form):
    """The "Funktionstaster" table (DEV-4): line 1 user, the other keys, free seating.

    Fields per key N >= 2: key_N_type, key_N_value (number), key_N_user (username), key_N_label.
    """

    free_seating = forms.BooleanField(
        label=_("Free seating"),
        required=False,
        help_text=_("Users log in on the phone itself; line 1 has no fixed user."),
    )
    line1_user = UserByUsernameField(label=_("Line 1 user"))

    def __init__(self, *args, phone, **kwargs):
        self.phone = phone
        super().__init__(*args, **kwargs)
        self.slots = phone.key_slots()
        existing = {k.position: k for k in phone.keys.select_related("target_user")}
        self.fields["free_seating"].initial = phone.free_seating
        self.fields["line1_user"].initial = phone.user.username if phone.user_id else ""
        self.key_rows = []
        for slot in self.slots[1:]:
            n = slot.position
            key = existing.get(n)
            prefix = f"key_{n}_"
            self.fields[prefix + "type"] = forms.ChoiceField(
                label=_("Type of key %(n)s") % {"n": n},
                choices=FunctionKey.Type.choices,
                initial=key.type if key else FunctionKey.Type.NONE,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[prefix + "value"] = forms.CharField(
                label=_("Number on key %(n)s") % {"n": n},
                required=False,
                max_length=32,
                initial=key.value if key else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "inputmode": "tel"}),
            )
            self.fields[prefix + "user"] = UserByUsernameField(
                label=_("User on key %(n)s") % {"n": n},
                initial=key.target_user.username if key and key.target_user_id else "",
            )
            self.fields[prefix + "label"] = forms.CharField(
                label=_("Label of key %(n)s") % {"n": n},
                required=False,
                max_length=32,
                validators=[validate_clean_text],
                initial=key.label if key else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.key_rows.append((slot, prefix))

    def rows(self):
        """For the template: (slot, type, value, user, label) bound fields per key 2..n."""
        for slot, prefix in self.key_rows:
            yield slot, self[prefix + "type"], self[prefix + "value"], self[prefix + "user"], self[prefix + "label"]

    def _resolve(self, name):
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        user = find_user(self.organisation, text)
        if user is None:
            self.add_error(name, ValidationError(_("No user “%(username)s” in this organisation."), params={"username": text[:60]}))
        return user

    def clean(self):
        cleaned = super().clean()
        free_seating = cleaned.get("free_seating")
        self.line1 = self._resolve("line1_user")
        if free_seating and self.line1 is not None:
            self.add_error("line1_user", _("A free-seating phone has no user on line 1: clear the user or untick free seating."))
        self.key_specs = []
        for slot, prefix in self.key_rows:
            key_type = cleaned.get(prefix + "type") or FunctionKey.Type.NONE
            target = self._resolve(prefix + "user") if key_type in (FunctionKey.Type.LINE, FunctionKey.Type.BLF) else None
            self.key_specs.append(
                KeySpec(
                    position=slot.position,
                    type=key_type,
                    value=cleaned.get(prefix + "value") or "",
                    label=cleaned.get(prefix + "label") or "",
                    target_user=target,
                )
            )
        return cleaned


class PhoneFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All"))] + Phone.State.choices)
    q = forms.CharField(label=_("Search"), required=False, max_length=100, validators=[validate_clean_text])

    def filters(self):
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["state"], self.cleaned_data["q"]


class PhoneImportForm(forms.Form):
    """ONE row of a phone upload (devices.imports), with lookups inside the organisation.

    `existing` maps MACs to phones of any organisation (loaded once for the whole file); `users`
    maps usernames to the organisation's users. Sets `self.phone` (None for a new phone).
    """

    mac = forms.CharField(max_length=64)
    type = forms.CharField(max_length=64, required=False)
    description = forms.CharField(max_length=64, required=False, validators=[validate_clean_text])
    username = forms.CharField(max_length=254, required=False, validators=[validate_clean_text])

    def __init__(self, data, *, organisation, existing, users):
        super().__init__(data)
        self.organisation = organisation
        self.existing = existing
        self.users = users
        self.phone = None

    def clean_mac(self):
        mac = normalise_mac(self.cleaned_data["mac"])
        phone = self.existing.get(mac)
        if phone is not None and phone.organisation_id != self.organisation.pk:
            raise ValidationError(_("A phone with this MAC address already exists."))
        self.phone = phone
        return mac

    def clean_type(self):
        text = self.cleaned_data.get("type", "")
        if not text:
            return None
        model = catalog.lookup(text)
        if model is None:
            raise ValidationError(_("“%(value)s” is not a supported phone model."), params={"value": text[:40]})
        return model

    def clean_username(self):
        text = (self.cleaned_data.get("username") or "").strip().lower()
        if not text:
            return None
        user = self.users.get(text)
        if user is None:
            raise ValidationError(_("No user “%(username)s” in this organisation."), params={"username": text[:60]})
        return user

    def clean(self):
        cleaned = super().clean()
        cleaned["model"] = cleaned.get("type")
        cleaned["user"] = cleaned.get("username")
        cleaned["description"] = (cleaned.get("description") or "").strip()
        if "mac" in cleaned and self.phone is None and cleaned["model"] is None and "type" not in self.errors:
            self.add_error("type", _("Give the type of a new phone."))
        if self.phone is not None and self.phone.free_seating and cleaned.get("user") is not None:
            self.add_error("username", _("The phone is in free seating: it has no user on line 1."))
        return cleaned
