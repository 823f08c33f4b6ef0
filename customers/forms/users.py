"""Forms of user administration: the user page (USR-6 … USR-14), the copy form (USR-15), bulk
actions (USR-4), directory fields (USR-17) and moderation (USR-18).

Forms receive `organisation=` and `user=` (the acting user); every choice is narrowed with the
tenancy helper, so a crafted POST naming another organisation's group, licence or number is a
form error. Values are checked again by the operations, which have the last word.
"""

import uuid
import zlib

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.tenancy import scoped
from connect.lib.validators import validate_clean_text
from customers.models import (
    CalendarConnector,
    DirectoryField,
    DirectoryFieldValue,
    Licence,
    User,
    UserGroup,
    UserLine,
)
from customers.models.users import ThirdPartySipAccount
from customers.operations.users import caller_id_choices, normalise_username

PHOTO_MAX_BYTES = 5 * 1024 * 1024
NUMBER_MAX_LENGTH = 32
ALIASES_MAX_LENGTH = 200


# --- helpers -----------------------------------------------------------------------------------


class CleanCharField(forms.CharField):
    """A CharField that refuses NUL and control characters with a translated message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.validators.append(validate_clean_text)


def _image_kind(head, tail):
    """'png' / 'jpeg' when the bytes really are such an image (checked structurally), else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 33:
        length = int.from_bytes(head[8:12], "big")
        chunk_type, data, crc = head[12:16], head[16:29], head[29:33]
        if chunk_type == b"IHDR" and length == 13 and zlib.crc32(chunk_type + data) == int.from_bytes(crc, "big"):
            width, height = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
            if 0 < width <= 10000 and 0 < height <= 10000 and b"IEND" in tail:
                return "png"
        return None
    if head.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in tail:
        # Walk the marker segments up to a start-of-frame marker.
        pos = 2
        while pos + 4 <= len(head):
            if head[pos] != 0xFF:
                return None
            marker = head[pos + 1]
            length = int.from_bytes(head[pos + 2 : pos + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return "jpeg" if length >= 8 else None
            if length < 2:
                return None
            pos += 2 + length
        return None
    return None


def validate_photo(upload):
    """jpg/png, at most 5 MB, checked by content (not by name or browser-declared type)."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The picture may be at most 5 MB."), code="too_large")
    name = (upload.name or "").lower()
    if not name.endswith((".jpg", ".jpeg", ".png")):
        raise ValidationError(_("Upload a picture in JPG or PNG format."), code="extension")
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(max(upload.size - 1024, 0))
    tail = upload.read(1024)
    upload.seek(0)
    kind = _image_kind(head, tail)
    if kind is None or (kind == "png") != name.endswith(".png"):
        raise ValidationError(_("The file is not a valid JPG or PNG picture."), code="content")
    upload.name = f"{uuid.uuid4().hex}.{'png' if kind == 'png' else 'jpg'}"
    return upload


def clean_username_field(raw, exclude=None):
    """Normalised and free (system-wide; the message never reveals the other organisation)."""
    try:
        username = normalise_username(raw)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from exc
    clash = User.objects.filter(username__iexact=username)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError(_("A user with that username already exists."), code="unique")
    return username


def new_password_field(label, *, max_length=128, help_text=""):
    """An optional password input that is never rendered back and not autofilled with the admin's own."""
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=max_length,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


def split_aliases(text):
    return [a for a in str(text or "").replace(",", " ").replace(";", " ").split() if a]


# --- the user page (USR-6 … USR-14) ------------------------------------------------------------


class UserForm(forms.Form):
    """Create / edit a user: every section of the user page in one form."""

    # USR-6 user details
    username = forms.CharField(label=_("Username"), max_length=254, help_text=_("In e-mail form, e.g. klj@ipvision.dk."))
    password = new_password_field(_("Password"))
    password_confirm = new_password_field(_("Repeat password"))
    language = forms.ChoiceField(label=_("Language"))
    licence = forms.ModelChoiceField(label=_("Licence"), queryset=Licence.objects.none(), required=False, empty_label=_("(none)"))
    caller_id_number = forms.ModelChoiceField(
        label=_("Caller ID"),
        queryset=Licence.objects.none(),
        required=False,
        empty_label=_("Primary line"),
        help_text=_("The number presented on outgoing calls."),
    )
    diversion_enabled = forms.BooleanField(label=_("Divert calls"), required=False)
    diversion_number = CleanCharField(label=_("Divert to number"), max_length=NUMBER_MAX_LENGTH)
    photo = forms.FileField(label=_("Profile picture"), required=False, help_text=_("JPG or PNG, at most 5 MB."))
    photo_clear = forms.BooleanField(label=_("Remove the profile picture"), required=False)
    # USR-7 searchable directory information
    first_name = CleanCharField(label=_("First name"), max_length=64, required=True)
    last_name = CleanCharField(label=_("Last name"), max_length=64, required=True)
    department = CleanCharField(label=_("Department"), max_length=64)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    title = CleanCharField(label=_("Title"), max_length=64)
    # USR-9 roles
    profile = forms.ChoiceField(label=_("User profile"), choices=User.Profile.choices, widget=forms.RadioSelect)
    is_admin = forms.BooleanField(label=_("Administrator with profile"), required=False)
    admin_profile = forms.ChoiceField(label=_("Administrator profile"), choices=[(User.AdminProfile.ORG_ADMIN, _("OrgAdmin"))], required=False)
    # USR-10 group membership
    user_groups = forms.ModelMultipleChoiceField(
        label=_("User groups"), queryset=UserGroup.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    # USR-11 personal lines
    primary = CleanCharField(label=_("Number"), max_length=NUMBER_MAX_LENGTH)
    primary_type = forms.ChoiceField(label=_("Line type"), choices=UserLine.LineType.choices, initial=UserLine.LineType.FIXED)
    primary_aliases = CleanCharField(
        label=_("Aliases"), max_length=ALIASES_MAX_LENGTH, help_text=_("Local numbers separated by spaces, e.g. 765.")
    )
    secondary = CleanCharField(label=_("Number"), max_length=NUMBER_MAX_LENGTH)
    secondary_type = forms.ChoiceField(label=_("Line type"), choices=UserLine.LineType.choices, initial=UserLine.LineType.MOBILE)
    secondary_aliases = CleanCharField(
        label=_("Aliases"), max_length=ALIASES_MAX_LENGTH, help_text=_("Local numbers separated by spaces, e.g. 765.")
    )
    # USR-12 personal phones
    softphone_enabled = forms.BooleanField(label=_("Enable softphone"), required=False)
    mobile_voip_enabled = forms.BooleanField(label=_("Enable mobile VoIP"), required=False)
    mobile_number = CleanCharField(
        label=_("Mobile phone number"), max_length=NUMBER_MAX_LENGTH, help_text=_("With “+<country code>”, e.g. +4520304050.")
    )
    mobile_licence = forms.ModelChoiceField(
        label=_("Mobile client licence"), queryset=Licence.objects.none(), required=False, empty_label=_("(none)")
    )
    mobile_profile = forms.ChoiceField(label=_("Mobile profile"), choices=[("standard", _("Standard"))], initial="standard")
    sip_enabled = forms.BooleanField(label=_("Enable third-party SIP phone"), required=False)
    sip_password = new_password_field(_("Password"), max_length=64)
    sip_display_as = forms.ChoiceField(
        label=_("Show as"), choices=ThirdPartySipAccount.DisplayAs.choices, initial=ThirdPartySipAccount.DisplayAs.FIXED
    )
    # USR-13 allowed applications
    app_softphone_light = forms.BooleanField(label=_("Softphone Light"), required=False, help_text=_("Web-based presence client in the user portal."))
    app_ipad = forms.BooleanField(label=_("iPad"), required=False, help_text=_("Adapts the mobile app to the iPad."))
    app_unified_inbox = forms.BooleanField(
        label=_("Unified inbox"), required=False, help_text=_("Voicemails and recordings can be reached from the clients.")
    )
    app_miteam = forms.BooleanField(label=_("MiTeam collaboration"), required=False, help_text=_("Gives the user MiTeam."))
    # USR-14 Exchange calendar sync
    calendar_sync_enabled = forms.BooleanField(label=_("Synchronise presence from Exchange"), required=False)
    calendar_sync_id = forms.EmailField(label=_("User ID for calendar synchronisation"), required=False, max_length=254)
    calendar_connector = forms.ModelChoiceField(
        label=_("Calendar connector"), queryset=CalendarConnector.objects.none(), required=False, empty_label=_("(choose)")
    )

    DETAIL_FIELDS = ("username", "password", "password_confirm", "language", "licence", "caller_id_number", "diversion_enabled", "diversion_number", "photo", "photo_clear")
    SEARCHABLE_FIELDS = ("first_name", "last_name", "department", "email", "title")
    ROLE_FIELDS = ("profile", "is_admin", "admin_profile")
    LINE_FIELDS = ("primary", "primary_type", "primary_aliases", "secondary", "secondary_type", "secondary_aliases")
    MOBILE_FIELDS = ("mobile_number", "mobile_licence", "mobile_profile")
    SIP_FIELDS = ("sip_enabled", "sip_password", "sip_display_as")
    APP_FIELDS = ("app_softphone_light", "app_ipad", "app_unified_inbox", "app_miteam")
    CALENDAR_FIELDS = ("calendar_sync_enabled", "calendar_sync_id")

    def __init__(self, *args, organisation, user, instance=None, **kwargs):
        self.organisation = organisation
        self.acting_user = user
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = organisation.language_choices()
        self.fields["language"].initial = organisation.default_language
        self.fields["licence"].queryset = scoped(Licence, organisation).filter(kind=Licence.Kind.USER).order_by("name")
        self.fields["mobile_licence"].queryset = scoped(Licence, organisation).filter(kind=Licence.Kind.MOBILE).order_by("name")
        self.fields["caller_id_number"].queryset = caller_id_choices(organisation, instance)
        self.fields["caller_id_number"].label_from_instance = self._caller_id_label
        self.fields["user_groups"].queryset = scoped(UserGroup, organisation).order_by("priority")
        # USR-14: the connector is chosen only when there are several (with one, it is used).
        connectors = scoped(CalendarConnector, organisation).order_by("name")
        if connectors.count() > 1:
            self.fields["calendar_connector"].queryset = connectors
        else:
            del self.fields["calendar_connector"]
        self.fields["profile"].initial = User.Profile.STANDARD
        self.fields["admin_profile"].initial = User.AdminProfile.ORG_ADMIN
        self.directory_fields = list(scoped(DirectoryField, organisation).order_by("number"))
        for field in self.directory_fields:
            self.fields[self.directory_key(field)] = CleanCharField(label=str(field), max_length=255)
        # The hints say what an empty field does for this user: keep a password only if there is one.
        if instance is None or not instance.has_usable_password():
            self.fields["password"].help_text = _("Leave empty to let the user choose a password from the welcome message.")
        else:
            self.fields["password"].help_text = _("Leave empty to keep the current password. The password is never shown.")
        self.sip_account = sip_account = ThirdPartySipAccount.objects.filter(user=instance).first() if instance is not None else None
        if sip_account is not None and sip_account.has_password:
            self.fields["sip_password"].help_text = _(
                "At least 12 characters with upper-case letters, lower-case letters and digits. Leave empty to keep the current password."
            )
        else:
            self.fields["sip_password"].help_text = _(
                "At least 12 characters with upper-case letters, lower-case letters and digits. Needed to enable the "
                "third-party SIP phone; “Generate” creates one."
            )
        if instance is not None:
            self.initial.update(self.initial_from(instance, sip_account))

    @staticmethod
    def directory_key(field):
        return f"field_{field.number}"

    @staticmethod
    def _caller_id_label(number):
        from connect.lib.numbers import display

        label = display(number.number)
        if number.purpose != "user_line":
            label = f"{label} ({number.get_purpose_display()})"
        return label

    def initial_from(self, user, sip_account):
        from customers.queries_users import user_lines

        data = {
            name: getattr(user, name)
            for name in (
                "username", "language", "licence", "caller_id_number", "diversion_enabled", "diversion_number", "first_name",
                "last_name", "department", "email", "title", "profile", "softphone_enabled", "mobile_voip_enabled",
                "mobile_licence", "mobile_profile", "app_softphone_light", "app_ipad", "app_unified_inbox", "app_miteam",
                "calendar_sync_enabled", "calendar_sync_id", "calendar_connector",
            )
        }
        data["is_admin"] = user.is_org_admin
        data["admin_profile"] = User.AdminProfile.ORG_ADMIN
        data["user_groups"] = list(user.user_groups.all())
        lines, aliases = user_lines(user)
        for slot, prefix in ((UserLine.Slot.PRIMARY, "primary"), (UserLine.Slot.SECONDARY, "secondary")):
            line = lines.get(slot)
            if line:
                data[prefix] = line.number.number
                data[f"{prefix}_type"] = line.line_type
                data[f"{prefix}_aliases"] = " ".join(aliases.get(slot, []))
        mobile = user.numbers.filter(purpose="mobile").first()
        data["mobile_number"] = mobile.number if mobile else ""
        if sip_account:
            data["sip_enabled"] = sip_account.enabled
            data["sip_display_as"] = sip_account.display_as
        values = dict(DirectoryFieldValue.objects.filter(user=user).values_list("field__number", "value"))
        for field in self.directory_fields:
            data[self.directory_key(field)] = values.get(field.number, "")
        return data

    # Sections for the template: (title, [bound fields]).
    def section(self, names):
        return [self[name] for name in names]

    def details_section(self):
        return self.section(self.DETAIL_FIELDS)

    def searchable_section(self):
        return self.section(self.SEARCHABLE_FIELDS) + [self[self.directory_key(f)] for f in self.directory_fields if f.searchable]

    def non_searchable_section(self):
        return [self[self.directory_key(f)] for f in self.directory_fields if not f.searchable]

    def clean_username(self):
        return clean_username_field(self.cleaned_data["username"], exclude=getattr(self, "instance", None))

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if upload:
            validate_photo(upload)
        return upload

    # The number fields are checked for form and use here (no emergency numbers, users stay out of
    # 1500–1799, ...), so a mistyped number is reported together with the other fields' errors;
    # ranges, aliases and "already in use" are the operations' word. The raw text is kept: the
    # operations normalise it themselves.
    def _check_number(self, name, use, *, allow_local=True):
        raw = self.cleaned_data.get(name)
        if raw:
            numberlib.normalise(raw, allow_local=allow_local, use=use)
        return raw

    def clean_primary(self):
        return self._check_number("primary", numberlib.USER_LINE)

    def clean_secondary(self):
        return self._check_number("secondary", numberlib.USER_LINE)

    def clean_mobile_number(self):
        return self._check_number("mobile_number", numberlib.MOBILE, allow_local=False)

    def clean_diversion_number(self):
        return self._check_number("diversion_number", numberlib.TARGET)

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password or data.get("password_confirm"):
            if password != data.get("password_confirm"):
                self.add_error("password_confirm", _("The two passwords differ."))
            else:
                probe = self.instance or User(username=data.get("username") or "", first_name=data.get("first_name") or "", last_name=data.get("last_name") or "")
                try:
                    password_validation.validate_password(password, probe)
                except ValidationError as exc:
                    self.add_error("password", exc)
        if data.get("calendar_sync_enabled") and not data.get("calendar_sync_id"):
            self.add_error("calendar_sync_id", _("Enter the user's Exchange e-mail address to synchronise the calendar."))
        if data.get("calendar_sync_enabled") and "calendar_connector" in self.fields and not data.get("calendar_connector"):
            self.add_error("calendar_connector", _("Choose the calendar connector the user synchronises through."))
        if data.get("diversion_enabled") and not data.get("diversion_number") and "diversion_number" not in self.errors:
            self.add_error("diversion_number", _("Enter the number calls are diverted to."))
        return data

    def user_fields(self):
        """Keyword arguments for user_create / user_update (not username/password/caller ID)."""
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in (
                "first_name", "last_name", "department", "email", "title", "language", "licence", "profile",
                "diversion_enabled", "diversion_number", "softphone_enabled", "mobile_voip_enabled",
                "app_softphone_light", "app_ipad", "app_unified_inbox", "app_miteam", "calendar_sync_enabled", "calendar_sync_id",
            )
        }
        fields["admin_profile"] = User.AdminProfile.ORG_ADMIN if data.get("is_admin") else User.AdminProfile.NONE
        if "calendar_connector" in self.fields:
            fields["calendar_connector"] = data.get("calendar_connector")
        if data.get("photo"):
            fields["photo"] = data["photo"]
        elif data.get("photo_clear"):
            fields["photo"] = ""
        return fields

    def directory_values(self):
        return {f: self.cleaned_data.get(self.directory_key(f), "") for f in self.directory_fields}


class UserCopyForm(forms.Form):
    """USR-15: the personal fields of the new user; the non-personal ones come from the source."""

    username = forms.CharField(label=_("Username"), max_length=254, help_text=_("In e-mail form, e.g. klj@ipvision.dk."))
    first_name = CleanCharField(label=_("First name"), max_length=64, required=True)
    last_name = CleanCharField(label=_("Last name"), max_length=64, required=True)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254, help_text=_("Empty: the username."))
    password = new_password_field(_("Password"), help_text=_("Leave empty to let the user choose a password from the welcome message."))

    def __init__(self, *args, organisation, user, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)

    def clean_username(self):
        return clean_username_field(self.cleaned_data["username"], exclude=getattr(self, "instance", None))

    def clean(self):
        data = super().clean()
        if data.get("password"):
            try:
                password_validation.validate_password(data["password"], User(username=data.get("username") or ""))
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


# --- bulk actions (USR-4) ----------------------------------------------------------------------


class BulkUsersForm(forms.Form):
    """The selected users (ids posted by the list's checkboxes), narrowed to the organisation."""

    users = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        error_messages={"required": _("Select at least one user."), "invalid_choice": _("Select users of the organisation.")},
    )

    def __init__(self, *args, organisation, user, **kwargs):
        self.organisation = organisation
        self.acting_user = user
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = scoped(User, organisation).order_by("username")
        self.fields["users"].widget = forms.MultipleHiddenInput()


class BulkGroupsForm(BulkUsersForm):
    groups = forms.ModelMultipleChoiceField(
        label=_("User groups"),
        queryset=UserGroup.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one group.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = scoped(UserGroup, self.organisation).order_by("priority")


UNCHANGED = ""
YES_NO_UNCHANGED = [(UNCHANGED, _("(unchanged)")), ("1", _("Yes")), ("0", _("No"))]


class BulkEditForm(BulkUsersForm):
    """"Rediger brugere": each field starts "(unchanged)"; only changed fields are applied."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    licence = forms.ChoiceField(label=_("Licence"), required=False)
    profile = forms.ChoiceField(label=_("User profile"), required=False, choices=[(UNCHANGED, _("(unchanged)")), *User.Profile.choices])
    admin_profile = forms.ChoiceField(
        label=_("Administrator with profile"),
        required=False,
        choices=[(UNCHANGED, _("(unchanged)")), ("orgadmin", _("OrgAdmin")), ("none", _("(none)"))],
    )
    softphone_enabled = forms.ChoiceField(label=_("Enable softphone"), required=False, choices=YES_NO_UNCHANGED)
    mobile_voip_enabled = forms.ChoiceField(label=_("Enable mobile VoIP"), required=False, choices=YES_NO_UNCHANGED)
    mobile_licence = forms.ChoiceField(label=_("Mobile client licence"), required=False)
    app_softphone_light = forms.ChoiceField(label=_("Softphone Light"), required=False, choices=YES_NO_UNCHANGED)
    app_ipad = forms.ChoiceField(label=_("iPad"), required=False, choices=YES_NO_UNCHANGED)
    app_unified_inbox = forms.ChoiceField(label=_("Unified inbox"), required=False, choices=YES_NO_UNCHANGED)
    app_miteam = forms.ChoiceField(label=_("MiTeam collaboration"), required=False, choices=YES_NO_UNCHANGED)

    BOOLEAN_FIELDS = ("softphone_enabled", "mobile_voip_enabled", "app_softphone_light", "app_ipad", "app_unified_inbox", "app_miteam")
    EDIT_FIELDS = ("language", "licence", "profile", "admin_profile", "softphone_enabled", "mobile_voip_enabled", "mobile_licence", *BOOLEAN_FIELDS[2:])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unchanged = [(UNCHANGED, _("(unchanged)"))]
        self.fields["language"].choices = unchanged + self.organisation.language_choices()
        licences = scoped(Licence, self.organisation).order_by("name")
        self.fields["licence"].choices = unchanged + [("none", _("(none)"))] + [
            (str(lic.pk), lic.name) for lic in licences if lic.kind == Licence.Kind.USER
        ]
        self.fields["mobile_licence"].choices = unchanged + [("none", _("(none)"))] + [
            (str(lic.pk), lic.name) for lic in licences if lic.kind == Licence.Kind.MOBILE
        ]
        self._licences = {str(lic.pk): lic for lic in licences}

    def changed_values(self):
        """{field: value} for the fields the admin changed from "(unchanged)"."""
        data = self.cleaned_data
        out = {}
        for name in self.EDIT_FIELDS:
            value = data.get(name, UNCHANGED)
            if value == UNCHANGED or value is None:
                continue
            if name in self.BOOLEAN_FIELDS:
                out[name] = value == "1"
            elif name in ("licence", "mobile_licence"):
                out[name] = None if value == "none" else self._licences[value]
            elif name == "admin_profile":
                out[name] = "" if value == "none" else value
            else:
                out[name] = value
        return out

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changed_values():
            raise ValidationError(_("Change at least one field."), code="nothing")
        return data


# --- directory fields (USR-17) and moderation (USR-18) -----------------------------------------


class DirectoryFieldsForm(forms.Form):
    """The Kontaktfelter table: name and "Kan søges efter" per field."""

    def __init__(self, *args, organisation, user, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)
        self.directory_fields = list(scoped(DirectoryField, organisation).order_by("number"))
        for field in self.directory_fields:
            self.fields[f"name_{field.pk}"] = CleanCharField(label=field.default_label, max_length=64, initial=field.name)
            self.fields[f"searchable_{field.pk}"] = forms.BooleanField(
                label=_("Searchable"), required=False, initial=field.searchable
            )

    def rows(self):
        return [(f, self[f"name_{f.pk}"], self[f"searchable_{f.pk}"]) for f in self.directory_fields]

    def cleaned_rows(self):
        return [(f, self.cleaned_data[f"name_{f.pk}"], self.cleaned_data[f"searchable_{f.pk}"]) for f in self.directory_fields]


class ModerationForm(forms.Form):
    """Approve or reject the selected proposals (the queryset is what the moderator may see)."""

    proposals = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one proposed change."), "invalid_choice": _("Select proposed changes from the list.")},
    )
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = queryset
