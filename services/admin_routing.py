"""Django admin of call routing (SVC-11..SVC-13) for support staff.

Allowed destinations are scoped settings like the others. Rule sets, rules, conditions and
actions are listed read-only: they are validated as a whole (allowed destinations, references of
the organisation, delays) by services.operations_routing, which the portal page uses; support
staff change them there, acting in the organisation.
"""

from django.contrib import admin

from connect.lib.admin import AuditedModelAdmin, organisation_filter
from services.admin import ScopedAdmin
from services.models import (
    AllowedDestinationSettings,
    RoutingAction,
    RoutingCondition,
    RoutingRule,
    RoutingRuleSet,
)

admin.site.register(AllowedDestinationSettings, ScopedAdmin)


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingRuleSet)
class RoutingRuleSetAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "position"]
    list_filter = [organisation_filter()]
    list_select_related = ["organisation", "group", "user", "rule_based_number__number"]
    search_fields = ["organisation__name", "group__name", "user__username"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "rule_list", "tier", "trigger", "position"]
    list_filter = [organisation_filter("rule_set__organisation"), "rule_list", "tier"]
    search_fields = [
        "rule_set__organisation__name",
        "rule_set__group__name",
        "rule_set__user__username",
    ]


@admin.register(RoutingCondition, RoutingAction)
class RoutingPartAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind"]
    list_filter = [organisation_filter("rule__rule_set__organisation"), "kind"]
    search_fields = ["rule__rule_set__organisation__name"]
