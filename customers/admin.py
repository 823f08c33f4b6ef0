"""Django admin for support staff: every customers model, with search and filters.

Changes go through the same operations as the portal where an invariant is at stake
(organisation template, group priorities, number ranges) and are audited either way
(connect.lib.admin.AuditedModelAdmin). Models added later by other areas are registered at the
bottom with a generic audited admin, so nothing is missing.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from connect.lib.admin import AuditedModelAdmin, mark_audited, organisation_filter
from connect.lib.audit import audit_record
from connect.lib.forms import add_operation_errors
from connect.lib.signin import AdminLoginForm
from customers import operations, permissions
from customers.models import (
    AuditEntry,
    AuthenticatorApp,
    CalendarConnector,
    DirectoryField,
    DirectoryFieldValue,
    GroupMembership,
    Language,
    Licence,
    Number,
    NumberRange,
    Organisation,
    Prompt,
    PromptRecording,
    User,
    UserGroup,
    UserLine,
)

admin.site.site_header = _("Connect support")
admin.site.site_title = _("Connect support")
admin.site.index_title = _("Support administration")
admin.site.login_form = AdminLoginForm  # lower-cases the username like the portal (shared axes lock)



class _DryRun(Exception):
    pass


def dry_run(form, call):
    """Run an operation inside a rolled-back savepoint to validate the admin form with the
    portal's own rules; the real call happens in save_model."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        pass
    except ValidationError as exc:
        add_operation_errors(form, exc)


# --- organisations --------------------------------------------------------------------------


class OrganisationAdminForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "default_language", "languages", "time_zone", "linked_organisations", "require_2fa"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Organisation.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("An organisation with that name already exists."), code="unique")
        return name

    def clean_languages(self):
        languages = self.cleaned_data.get("languages")
        if not isinstance(languages, list) or not languages or any(code not in Language.values for code in languages):
            raise ValidationError(
                _("Enter a list of language codes, e.g. [\"da\", \"en\"]. Allowed: %(codes)s."),
                params={"codes": ", ".join(Language.values)},
            )
        return languages

    def clean_time_zone(self):
        from zoneinfo import available_timezones

        value = self.cleaned_data["time_zone"].strip()
        if value not in available_timezones():
            raise ValidationError(_("Choose a valid time zone, e.g. Europe/Copenhagen."))
        return value

    def clean(self):
        cleaned = super().clean()
        languages = cleaned.get("languages")
        default = cleaned.get("default_language")
        if isinstance(languages, list) and default and default not in languages:
            self.add_error("default_language", _("The default language must be one of the organisation's languages."))
        try:
            operations.validate_linked_organisations(organisation=self.instance, linked=cleaned.get("linked_organisations"))
        except ValidationError as exc:
            add_operation_errors(self, exc)
        return cleaned


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    form = OrganisationAdminForm
    change_form_template = "admin/customers/organisation/change_form.html"
    list_display = ["name", "default_language", "time_zone", "user_count", "created_at"]
    list_filter = ["default_language", "time_zone", "require_2fa"]
    search_fields = ["name"]
    filter_horizontal = ["linked_organisations"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_user_count=models.Count("users"))

    @admin.display(description=_("users"), ordering="_user_count")
    def user_count(self, obj):
        return obj._user_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The "act inside this organisation" button, for those the portal lets in.
        extra_context = {**(extra_context or {}), "may_act_in": permissions.may_act_in_organisations(request.user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("languages", list(operations.organisations.TEMPLATE_LANGUAGES))
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new organisation gets the ORG-1 template, exactly as everywhere else.
        created = operations.organisation_create(
            name=obj.name,
            default_language=obj.default_language,
            languages=obj.languages,
            time_zone=obj.time_zone,
            by=request.user,
        )
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db
        mark_audited(obj)


# --- groups and members ---------------------------------------------------------------------


class UserGroupAdminForm(forms.ModelForm):
    class Meta:
        model = UserGroup
        fields = ["organisation", "name", "is_schedule_admin", "is_acd_supervisor", "is_federated"]

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        if organisation and cleaned.get("name"):
            clash = UserGroup.objects.filter(organisation=organisation, name__iexact=cleaned["name"].strip())
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("name", _("A group with that name already exists in the organisation."))
        return cleaned

    def _post_clean(self):
        # Validation of priority and uniqueness is the operations' job; keep the instance as stored.
        pass


@admin.register(UserGroup)
class UserGroupAdmin(AuditedModelAdmin):
    form = UserGroupAdminForm
    list_display = ["name", "organisation", "priority", "is_schedule_admin", "is_acd_supervisor", "is_federated"]
    list_filter = [organisation_filter(), "is_schedule_admin", "is_acd_supervisor", "is_federated"]
    search_fields = ["name", "organisation__name"]
    ordering = ["organisation__name", "priority"]
    readonly_fields = ["priority"]

    def get_readonly_fields(self, request, obj=None):
        return ["priority", "organisation"] if obj else ["priority"]

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data[key] for key in ("name", "is_schedule_admin", "is_acd_supervisor", "is_federated")}
        if change:
            saved = operations.usergroup_update(group=obj, by=request.user, **data)
        else:
            saved = operations.usergroup_create(organisation=form.cleaned_data["organisation"], by=request.user, **data)
            obj.pk = saved.pk
            obj._state.adding = False
        obj.priority = saved.priority
        mark_audited(obj)

    def delete_model(self, request, obj):
        operations.usergroup_delete(group=obj, by=request.user)  # closes the priority gap


@admin.register(GroupMembership)
class GroupMembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "group", "organisation"]
    list_filter = [organisation_filter("group__organisation")]
    search_fields = ["user__username", "group__name"]
    raw_id_fields = ["user", "group"]
    list_select_related = ["user", "group__organisation"]

    @admin.display(description=_("organisation"), ordering="group__organisation__name")
    def organisation(self, obj):
        return obj.group.organisation


# --- users ----------------------------------------------------------------------------------


def _username_form_field():
    return forms.EmailField(
        label=_("Username"),
        max_length=254,
        help_text=_("In e-mail form, e.g. klj@ipvision.dk. Unique across the whole system."),
    )


class SupportUserCreationForm(UserCreationForm):
    username = _username_form_field()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "organisation", "first_name", "last_name"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip().lower()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with that username already exists."), code="unique")
        return username


class SupportUserChangeForm(UserChangeForm):
    username = _username_form_field()

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_username(self):
        username = self.cleaned_data["username"].strip().lower()
        if User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A user with that username already exists."), code="unique")
        return username

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        licence = cleaned.get("licence")
        if licence and licence.organisation_id != getattr(organisation, "pk", None):
            self.add_error("licence", _("Choose a licence of the user's organisation."))
        return cleaned


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        organisation_id = self.instance.organisation_id
        for form in self.forms:
            group = form.cleaned_data.get("group") if hasattr(form, "cleaned_data") else None
            if group is not None and not form.cleaned_data.get("DELETE") and group.organisation_id != organisation_id:
                form.add_error("group", _("Choose a group of the user's organisation."))


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    formset = MembershipFormSet
    extra = 0
    raw_id_fields = ["group"]
    verbose_name = _("group membership")
    verbose_name_plural = _("group memberships")


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = SupportUserChangeForm
    add_form = SupportUserCreationForm
    list_display = ["username", "display_name", "organisation", "admin_profile", "profile", "is_staff", "is_active", "last_login"]
    list_filter = [organisation_filter(), "admin_profile", "profile", "is_staff", "is_superuser", "is_active", "language"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    ordering = ["username"]
    list_select_related = ["organisation"]
    raw_id_fields = ["licence"]
    inlines = [GroupMembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language", "department", "title")}),
        (_("Organisation and roles"), {"fields": ("organisation", "licence", "profile", "admin_profile")}),
        (_("Support staff"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "organisation", "first_name", "last_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups", "user_permissions"]
    # What a staff member may do follows these: only superusers grant them, or nobody without
    # the support permission could be kept from granting it to themselves.
    PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.PRIVILEGE_FIELDS

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a superuser's password or e-mail would hand over every permission
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # add: username and password first

    @admin.display(description=_("name"))
    def display_name(self, obj):
        return " ".join(p for p in (obj.first_name, obj.last_name) if p)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):
            user = self.get_object(request, id)
            if user is not None:
                audit_record(actor=request.user, action=AuditEntry.Action.UPDATE, obj=user, changes={"password": ["", "(changed)"]})
        return response

    def delete_model(self, request, obj):
        if obj.organisation_id:
            # Frees the user's numbers and lines, audited, exactly as in the portal.
            operations.user_delete(user=obj, by=request.user)
        else:
            super().delete_model(request, obj)


# --- numbers --------------------------------------------------------------------------------


class NumberRangeAdminForm(forms.ModelForm):
    first = forms.CharField(label=_("From"), max_length=32)
    last = forms.CharField(label=_("To"), max_length=32)

    class Meta:
        model = NumberRange
        fields = ["organisation", "first", "last", "description", "callable_from_ivr"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        fields = {key: cleaned.get(key) for key in ("first", "last", "description", "callable_from_ivr")}
        if self.instance.pk:
            dry_run(self, lambda: operations.numberrange_update(number_range=self.instance, by=None, **fields))
        elif cleaned.get("organisation"):
            dry_run(self, lambda: operations.numberrange_create(organisation=cleaned["organisation"], by=None, **fields))
        return cleaned

    def _post_clean(self):
        pass


@admin.register(NumberRange)
class NumberRangeAdmin(AuditedModelAdmin):
    form = NumberRangeAdminForm
    list_display = ["__str__", "organisation", "kind", "description", "callable_from_ivr"]
    list_filter = [organisation_filter(), "kind", "callable_from_ivr"]
    search_fields = ["first", "last", "description", "organisation__name"]
    list_select_related = ["organisation"]

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj else []

    def save_model(self, request, obj, form, change):
        fields = {key: form.cleaned_data[key] for key in ("first", "last", "description", "callable_from_ivr")}
        if change:
            operations.numberrange_update(number_range=obj, by=request.user, **fields)
        else:
            saved = operations.numberrange_create(organisation=form.cleaned_data["organisation"], by=request.user, **fields)
            obj.pk = saved.pk
            obj._state.adding = False
        mark_audited(obj)

    def delete_model(self, request, obj):
        try:
            operations.numberrange_delete(number_range=obj, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(Number)
class NumberAdmin(AuditedModelAdmin):
    """The registry is written by the portal's operations (lines, function numbers...): view and release only."""

    list_display = ["number", "organisation", "kind", "purpose", "user", "line_slot", "created_at"]
    list_filter = [organisation_filter(), "kind", "purpose"]
    search_fields = ["number", "user__username", "organisation__name"]
    list_select_related = ["organisation", "user"]
    readonly_fields = [f.name for f in Number._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        operations.number_release(number=obj, by=request.user)


@admin.register(UserLine)
class UserLineAdmin(AuditedModelAdmin):
    list_display = ["user", "slot", "line_type", "number"]
    list_filter = [organisation_filter("user__organisation"), "slot", "line_type"]
    search_fields = ["user__username", "number__number"]
    list_select_related = ["user", "number"]
    readonly_fields = ["user", "slot", "number"]

    def has_add_permission(self, request):
        return False


# --- reference data -------------------------------------------------------------------------


@admin.register(Licence)
class LicenceAdmin(AuditedModelAdmin):
    list_display = ["name", "organisation", "kind", "is_unified_communication", "quota"]
    list_filter = [organisation_filter(), "kind", "is_unified_communication"]
    search_fields = ["name", "organisation__name"]


class PromptRecordingInline(admin.TabularInline):
    """Read-only here: sound files are converted and checked by the portal's Lydfiler page."""

    model = PromptRecording
    extra = 0
    can_delete = False
    fields = ["language", "status", "source", "duration_ms", "original_name", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Prompt)
class PromptAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "organisation", "description"]
    list_filter = [organisation_filter(), "kind", ("organisation", admin.EmptyFieldListFilter)]
    search_fields = ["name", "description", "organisation__name"]
    inlines = [PromptRecordingInline]


CONNECTOR_ADMIN_FIELDS = ("name", "kind", "server_url", "username", "password", "sync_calendar", "sync_contacts")


class CalendarConnectorAdminForm(forms.ModelForm):
    """The portal's rules (https, no internal address, unique name) through its operations; the
    password is encrypted and never shown, empty keeps the stored one."""

    password = forms.CharField(
        label=_("Password"), required=False, strip=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    )

    class Meta:
        model = CalendarConnector
        fields = ["organisation", "name", "kind", "server_url", "username", "sync_calendar", "sync_contacts"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        fields = {key: cleaned.get(key) for key in CONNECTOR_ADMIN_FIELDS}
        if self.instance.pk:
            dry_run(self, lambda: operations.connector_update(connector=self.instance, by=None, **fields))
        elif cleaned.get("organisation"):
            dry_run(self, lambda: operations.connector_create(organisation=cleaned["organisation"], by=None, **fields))
        return cleaned

    def _post_clean(self):
        pass


@admin.register(CalendarConnector)
class CalendarConnectorAdmin(AuditedModelAdmin):
    form = CalendarConnectorAdminForm
    list_display = ["name", "organisation", "kind", "server_url", "sync_calendar", "sync_contacts"]
    list_filter = [organisation_filter(), "kind"]
    search_fields = ["name", "server_url", "organisation__name"]
    list_select_related = ["organisation"]

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj else []

    def save_model(self, request, obj, form, change):
        fields = {key: form.cleaned_data.get(key) for key in CONNECTOR_ADMIN_FIELDS}
        if change:
            operations.connector_update(connector=obj, by=request.user, **fields)
        else:
            saved = operations.connector_create(organisation=form.cleaned_data["organisation"], by=request.user, **fields)
            obj.pk = saved.pk
            obj._state.adding = False
        mark_audited(obj)

    def delete_model(self, request, obj):
        try:
            operations.connector_delete(connector=obj, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(DirectoryField)
class DirectoryFieldAdmin(AuditedModelAdmin):
    list_display = ["number", "name", "organisation", "searchable", "field_type"]
    list_filter = [organisation_filter(), "searchable", "field_type"]
    search_fields = ["name", "organisation__name"]


@admin.register(DirectoryFieldValue)
class DirectoryFieldValueAdmin(AuditedModelAdmin):
    list_display = ["user", "field", "value"]
    list_filter = [organisation_filter("field__organisation")]
    search_fields = ["user__username", "value", "field__name"]
    raw_id_fields = ["user", "field"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail itself: read-only."""

    list_display = ["at", "actor_name", "via_support", "action", "content_type", "object_repr", "organisation"]
    list_filter = [organisation_filter(), "action", "content_type", "via_support"]
    search_fields = ["object_repr", "actor_name", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["organisation", "content_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- two-factor sign-in ----------------------------------------------------------------------

# django-otp registers its devices under untranslated names, showing secrets (the TOTP key, the
# recovery codes). Support sees the confirmed authenticator apps instead, and removes one (with
# the person's recovery codes) when someone lost their phone; the person then sets it up again.
for _otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_otp_model):
        admin.site.unregister(_otp_model)


@admin.register(AuthenticatorApp)
class AuthenticatorAppAdmin(AuditedModelAdmin):
    list_display = ["person", "organisation", "created", "last_used", "failed_codes"]
    list_filter = [organisation_filter("user__organisation")]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user__organisation"]
    fields = ["person", "organisation", "created", "last_used", "failed_codes"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(confirmed=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("user"), ordering="user__username")
    def person(self, obj):
        return obj.user.username

    @admin.display(description=_("organisation"), ordering="user__organisation__name")
    def organisation(self, obj):
        return obj.user.organisation or "–"

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    @admin.display(description=_("wrong codes in a row"))
    def failed_codes(self, obj):
        return obj.throttling_failure_count

    def delete_model(self, request, obj):
        operations.two_factor_reset(user=obj.user, by=request.user)


# --- everything else in the app -------------------------------------------------------------


def _register_remaining():
    """A generic audited admin for customers models without their own (added by other areas)."""
    from django.apps import apps

    for model in apps.get_app_config("customers").get_models():
        if admin.site.is_registered(model):
            continue
        fields = [f for f in model._meta.concrete_fields if not f.name.endswith("_encrypted")]
        path = "organisation" if any(f.name == "organisation" for f in fields) else None
        path = path or getattr(model._default_manager.get_queryset(), "organisation_field", None)
        choice_or_bool = [f.name for f in fields if f.choices or isinstance(f, models.BooleanField)][:4]
        text = [f.name for f in fields if isinstance(f, (models.CharField, models.EmailField)) and not f.choices][:4]
        relations = [f.name for f in fields if isinstance(f, models.ForeignKey)]
        attrs = {
            "list_display": ["__str__"] + [f.name for f in fields if f.name != "id" and not isinstance(f, (models.JSONField, models.TextField))][:6],
            "list_filter": ([organisation_filter(path)] if path else []) + choice_or_bool,
            "search_fields": text + ([f"{path}__name"] if path else []),
            "raw_id_fields": relations,
            "exclude": [f.name for f in model._meta.concrete_fields if f.name.endswith("_encrypted")],
        }
        admin.site.register(model, type(f"{model.__name__}Admin", (AuditedModelAdmin,), attrs))


_register_remaining()
