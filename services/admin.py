"""Django admin for support staff: every services model, with search and filters, audited.

The forms refuse rows whose scope or references (groups, users, prompts) belong to another
organisation than the row's, and a scope with both a group and a user; the portal's operations
apply the same rules.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from connect.lib.admin import AuditedModelAdmin, organisation_filter
from customers.models import Prompt, User, UserGroup
from services.models import (
    AdvancedSettings,
    CallIntrusionSettings,
    CallMonitoringSettings,
    CallPickupSettings,
    CallQueueSettings,
    ContactNumber,
    DirectorySearchSettings,
    DiversionBypassSettings,
    ExtendWorkingHoursSettings,
    ExternalContact,
    FuturePresenceSettings,
    MandatoryContact,
    MusicOnHoldSettings,
    SmsAuthorizationSettings,
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
                if isinstance(item, UserGroup | User) and item.organisation_id != organisation.pk:
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
    WorkingHoursSettings, AdvancedSettings, MusicOnHoldSettings, VoicemailSettings, CallQueueSettings, SmsAuthorizationSettings
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
