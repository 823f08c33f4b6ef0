"""Django admin for support staff: every services model, with search and filters, audited.

The forms refuse rows whose scope or references (groups, users, prompts) belong to another
organisation than the row's, and a scope with both a group and a user; the portal's operations
apply the same rules.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from connect.lib.admin import AuditedModelAdmin, organisation_filter
from connect.lib.forms import add_operation_errors
from customers.models import DirectoryField, Prompt, User, UserGroup
from services.models import (
    AdvancedSettings,
    CallIntrusionSettings,
    CallMonitoringSettings,
    CallPickupSettings,
    CallQueueSettings,
    CallTransferSettings,
    ContactNumber,
    DirectoryEditSettings,
    DirectorySearchSettings,
    DiversionBypassSettings,
    ExtendWorkingHoursSettings,
    ExternalContact,
    FuturePresenceSettings,
    MandatoryContact,
    MusicOnHoldSettings,
    NumberConversion,
    RingToneSettings,
    SmsAuthorizationSettings,
    SwitchboardSettings,
    VoicemailSettings,
    WorkingHoursSettings,
)


class ScopedAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        if cleaned.get("group") is not None and cleaned.get("user") is not None:
            raise forms.ValidationError(_("Choose a group or a user, not both."))
        if organisation is None:
            return cleaned
        for name, value in list(cleaned.items()):
            items = list(value) if hasattr(value, "__iter__") and not isinstance(value, str) else [value]
            for item in items:
                if isinstance(item, UserGroup | User | DirectoryField) and item.organisation_id != organisation.pk:
                    self.add_error(name, _("Choose from the row's organisation."))
                    break
                if isinstance(item, Prompt) and item.organisation_id not in (None, organisation.pk):
                    self.add_error(name, _("Choose from the row's organisation."))
                    break
        return cleaned


class ScopedAdmin(AuditedModelAdmin):
    form = ScopedAdminForm
    list_display = ["__str__", "organisation", "group", "user"]
    list_filter = [organisation_filter()]
    list_select_related = ["organisation", "group", "user"]
    search_fields = ["organisation__name", "group__name", "user__username"]
    raw_id_fields = ["organisation", "group", "user"]
    audit_exclude = ("password", "updated_at")


@admin.register(
    WorkingHoursSettings,
    AdvancedSettings,
    MusicOnHoldSettings,
    VoicemailSettings,
    CallQueueSettings,
    SmsAuthorizationSettings,
    CallTransferSettings,
    RingToneSettings,
)
class SettingsAdmin(ScopedAdmin):
    pass


@admin.register(
    CallPickupSettings,
    FuturePresenceSettings,
    CallIntrusionSettings,
    CallMonitoringSettings,
    DirectorySearchSettings,
    DiversionBypassSettings,
    ExtendWorkingHoursSettings,
    DirectoryEditSettings,
)
class GroupsSettingsAdmin(ScopedAdmin):
    """Settings made of group multi-selects (permission services): each one a filter widget."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.filter_horizontal = [f.name for f in model._meta.many_to_many]


@admin.register(MandatoryContact)
class MandatoryContactAdmin(ScopedAdmin):
    list_display = ["contact_user", "contact_number", "organisation", "group", "user"]
    list_select_related = ["organisation", "group", "user", "contact_user", "contact_number"]
    search_fields = ScopedAdmin.search_fields + ["contact_user__username"]
    raw_id_fields = ScopedAdmin.raw_id_fields + ["contact_user", "contact_number"]


class ContactNumberInline(admin.TabularInline):
    model = ContactNumber
    extra = 0
    fields = ["number_type", "number", "abbreviated", "is_preferred", "position"]


@admin.register(ExternalContact)
class ExternalContactAdmin(ScopedAdmin):
    list_display = ["__str__", "contact_type", "organisation", "group", "user"]
    list_filter = [organisation_filter(), "contact_type"]
    search_fields = ScopedAdmin.search_fields + ["company", "first_name", "last_name", "numbers__number"]
    inlines = [ContactNumberInline]


@admin.register(ContactNumber)
class ContactNumberAdmin(AuditedModelAdmin):
    list_display = ["number", "number_type", "is_preferred", "contact"]
    list_filter = [organisation_filter("contact__organisation"), "number_type"]
    search_fields = ["number", "contact__company", "contact__last_name"]
    raw_id_fields = ["contact"]


@admin.register(SwitchboardSettings)
class SwitchboardSettingsAdmin(ScopedAdmin):
    """The number is registered in the number registry when it is set in the portal
    (services.switchboard); here it is shown, not edited, so the registry stays in step."""

    readonly_fields = ["switchboard_number"]


class NumberConversionAdminForm(ScopedAdminForm):
    """The portal's rule checks (services.operations_conversions.conversion_clean) and the
    "no identical rule twice in one scope" rule."""

    class Meta:
        model = NumberConversion
        fields = ["organisation", "group", "user", "prefix", "digits", "intervals", "rewrite"]

    def clean(self):
        from django.core.exceptions import ValidationError

        from services.conversions import signature
        from services.operations_conversions import conversion_clean

        cleaned = super().clean()
        try:
            values = conversion_clean(
                prefix=cleaned.get("prefix"),
                digits=cleaned.get("digits"),
                intervals=cleaned.get("intervals") if isinstance(cleaned.get("intervals"), list) else [],
                rewrite=cleaned.get("rewrite"),
            )
        except ValidationError as exc:
            add_operation_errors(self, exc)
            return cleaned
        cleaned.update(values)
        sig = signature(values["prefix"], values["digits"], values["intervals"])
        self.instance.signature = sig
        same_scope = NumberConversion.objects.filter(
            organisation=cleaned.get("organisation"), group=cleaned.get("group"), user=cleaned.get("user"), signature=sig
        ).exclude(pk=self.instance.pk)
        if same_scope.exists():
            self.add_error("prefix", _("An identical rule (same prefix, digits and intervals) already exists at this level."))
        return cleaned


@admin.register(NumberConversion)
class NumberConversionAdmin(ScopedAdmin):
    form = NumberConversionAdminForm
    list_display = ["__str__", "organisation", "group", "user"]
    search_fields = ScopedAdmin.search_fields + ["prefix", "rewrite"]
    audit_exclude = ("password", "updated_at", "signature")


# SVC-19 presence synchronization policies and call routing (SVC-11..13) register their admins in
# their own modules, on import.
from services import admin_presence, admin_routing  # noqa: E402, F401
