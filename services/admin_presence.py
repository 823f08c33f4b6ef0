"""Django admin of SVC-19 presence synchronization policies (support staff), audited.

A policy's connector, and a rule's activity and role, must belong to the policy's organisation;
a rule's Match is checked for its type as on the portal page (services.presence_sync.clean_match).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from connect.lib.admin import AuditedModelAdmin, organisation_filter
from services.models_presence import PresenceExclusion, PresenceMapping, PresencePolicy
from services.presence_sync import clean_match

OTHER_ORGANISATION = _("Choose from the row's organisation.")


class PresencePolicyAdminForm(forms.ModelForm):
    class Meta:
        model = PresencePolicy
        fields = ["organisation", "connector"]

    def clean(self):
        cleaned = super().clean()
        organisation, connector = cleaned.get("organisation"), cleaned.get("connector")
        if (
            organisation is not None
            and connector is not None
            and connector.organisation_id != organisation.pk
        ):
            self.add_error("connector", OTHER_ORGANISATION)
        return cleaned


class PresenceRuleAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        policy = cleaned.get("policy")
        if policy is None:  # an inline row: the policy being edited
            try:
                policy = self.instance.policy
            except ObjectDoesNotExist:
                policy = None
        if (
            cleaned.get("type")
            and cleaned.get("match") is not None
            and not self.errors.get("match")
        ):
            try:
                cleaned["match"] = clean_match(cleaned["type"], cleaned["match"])
            except forms.ValidationError as exc:
                self.add_error("match", exc)
        for name in ("activity", "role"):
            state = cleaned.get(name)
            if (
                state is not None
                and policy is not None
                and state.organisation_id != policy.organisation_id
            ):
                self.add_error(name, OTHER_ORGANISATION)
        return cleaned


class PresenceMappingInline(admin.TabularInline):
    model = PresenceMapping
    form = PresenceRuleAdminForm
    extra = 0
    fields = ["position", "type", "match", "activity", "role"]
    raw_id_fields = ["activity", "role"]


class PresenceExclusionInline(admin.TabularInline):
    model = PresenceExclusion
    form = PresenceRuleAdminForm
    extra = 0
    fields = ["position", "type", "match"]


@admin.register(PresencePolicy)
class PresencePolicyAdmin(AuditedModelAdmin):
    form = PresencePolicyAdminForm
    list_display = ["connector", "organisation", "updated_at"]
    list_filter = [organisation_filter()]
    list_select_related = ["organisation", "connector"]
    search_fields = ["organisation__name", "connector__name"]
    raw_id_fields = ["organisation", "connector"]
    inlines = [PresenceMappingInline, PresenceExclusionInline]
    audit_exclude = ("password", "updated_at")


@admin.register(PresenceMapping, PresenceExclusion)
class PresenceRuleAdmin(AuditedModelAdmin):
    form = PresenceRuleAdminForm
    list_display = ["__str__", "policy", "position", "type", "match"]
    list_filter = [organisation_filter("policy__organisation"), "type"]
    list_select_related = ["policy__connector", "policy__organisation"]
    search_fields = ["policy__organisation__name", "policy__connector__name", "match"]
    raw_id_fields = ["policy"]
