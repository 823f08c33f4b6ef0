from django.urls import path

from services import (
    feature_code_views,
    import_views,
    views,
    views_conversions,
    views_presence,
    views_routing,
)
from services.views_extend import WorkingHoursExtendView

app_name = "services"

urlpatterns = [
    path("", views.ServiceIndexView.as_view(), name="index"),
    path("groups/<int:pk>/move/", views.GroupMoveView.as_view(), name="group_move"),
    # The user page's "Services" tab (before the service patterns: "users" is no service slug).
    path("users/<int:pk>/", views.UserServicesView.as_view(), name="user_services"),
    # SVC-7 contacts: one pattern per scope level (`name`, `name_group`, `name_user`).
    path("contacts/external/new/", views.ContactCreateView.as_view(level="organisation"), name="contact_create"),
    path("contacts/group/<int:pk>/external/new/", views.ContactCreateView.as_view(level="group"), name="contact_create_group"),
    path("contacts/user/<int:pk>/external/new/", views.ContactCreateView.as_view(level="user"), name="contact_create_user"),
    path("contacts/external/<int:pk>/", views.ContactUpdateView.as_view(), name="contact_update"),
    path("contacts/external/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("contacts/mandatory/add/", views.MandatoryContactAddView.as_view(level="organisation"), name="mandatory_add"),
    path("contacts/group/<int:pk>/mandatory/add/", views.MandatoryContactAddView.as_view(level="group"), name="mandatory_add_group"),
    path("contacts/user/<int:pk>/mandatory/add/", views.MandatoryContactAddView.as_view(level="user"), name="mandatory_add_user"),
    path("contacts/mandatory/<int:pk>/delete/", views.MandatoryContactDeleteView.as_view(), name="mandatory_delete"),
    # SVC-8 number conversion rules: create per scope level, edit and delete by rule.
    path("conversions/new/", views_conversions.ConversionCreateView.as_view(level="organisation"), name="conversion_create"),
    path(
        "conversions/group/<int:pk>/new/", views_conversions.ConversionCreateView.as_view(level="group"), name="conversion_create_group"
    ),
    path("conversions/user/<int:pk>/new/", views_conversions.ConversionCreateView.as_view(level="user"), name="conversion_create_user"),
    path("conversions/<int:pk>/", views_conversions.ConversionUpdateView.as_view(), name="conversion_update"),
    path("conversions/<int:pk>/delete/", views_conversions.ConversionDeleteView.as_view(), name="conversion_delete"),
    # SVC-7 "Importer kontakter": the upload per scope level, then the import's own job page.
    path("contacts/import/", import_views.ContactsImportView.as_view(level="organisation"), name="contacts_import"),
    path("contacts/group/<int:pk>/import/", import_views.ContactsImportView.as_view(level="group"), name="contacts_import_group"),
    path("contacts/user/<int:pk>/import/", import_views.ContactsImportView.as_view(level="user"), name="contacts_import_user"),
    path("contacts/jobs/<int:pk>/", import_views.ContactsImportJobView.as_view(), name="contacts_import_job"),
    # "Funktionskoder" (FC-1 ... FC-14): read-only, before the service patterns ("feature-codes" is no service slug).
    path("feature-codes/", feature_code_views.FeatureCodesView.as_view(), name="feature_codes"),
    # SVC-19 presence synchronization: organisation level only, one page per calendar connector.
    path("presence-sync/", views_presence.PresenceSyncIndexView.as_view(), name="presence_sync"),
    path("presence-sync/connectors/<int:pk>/", views_presence.PresenceSyncView.as_view(), name="presence_sync_connector"),
    # SVC-21: "Udvid arbejdstiden i dag til" on the working-hours page, per scope level.
    path("working-hours/extend/", WorkingHoursExtendView.as_view(level="organisation"), {"slug": "working-hours"}, name="working_hours_extend"),
    path("working-hours/group/<int:pk>/extend/", WorkingHoursExtendView.as_view(level="group"), {"slug": "working-hours"}, name="working_hours_extend_group"),
    path("working-hours/user/<int:pk>/extend/", WorkingHoursExtendView.as_view(level="user"), {"slug": "working-hours"}, name="working_hours_extend_user"),
    # "Opkald - routing" (SVC-11..SVC-13), before the service patterns ("routing" is no service slug).
    path("routing/", views_routing.RoutingOverviewView.as_view(), name="routing"),
    path("routing/help/", views_routing.RoutingHelpView.as_view(), name="routing_help"),
    path("routing/groups/add/", views_routing.RoutingGroupAddView.as_view(), name="routing_group_add"),
    path("routing/sets/<int:pk>/move/", views_routing.RoutingSetMoveView.as_view(), name="routing_set_move"),
    path("routing/sets/<int:pk>/rules/move/", views_routing.RoutingRuleMoveView.as_view(), name="routing_rule_move"),
    path("routing/rules/", views_routing.RoutingRulesView.as_view(), name="routing_rules"),
    path("routing/rules/new/", views_routing.RoutingRuleCreateView.as_view(), name="routing_rule_create"),
    path("routing/rules/<int:pk>/", views_routing.RoutingRuleUpdateView.as_view(), name="routing_rule_update"),
    path("routing/rules/<int:pk>/delete/", views_routing.RoutingRuleDeleteView.as_view(), name="routing_rule_delete"),
    path("routing/group/<int:pk>/", views_routing.RoutingRulesView.as_view(level="group"), name="routing_rules_group"),
    path("routing/group/<int:pk>/new/", views_routing.RoutingRuleCreateView.as_view(level="group"), name="routing_rule_create_group"),
    path("routing/user/<int:pk>/", views_routing.RoutingRulesView.as_view(level="user"), name="routing_rules_user"),
    path("routing/user/<int:pk>/new/", views_routing.RoutingRuleCreateView.as_view(level="user"), name="routing_rule_create_user"),
    path("routing/number/<int:pk>/", views_routing.RoutingRulesView.as_view(level="number"), name="routing_rules_number"),
    path("routing/number/<int:pk>/new/", views_routing.RoutingRuleCreateView.as_view(level="number"), name="routing_rule_create_number"),
    # Every service page, at organisation, group and user scope.
    path("<slug:slug>/", views.service_page, name="service"),
    path("<slug:slug>/group/<int:pk>/", views.service_page, {"level": "group"}, name="service_group"),
    path("<slug:slug>/user/<int:pk>/", views.service_page, {"level": "user"}, name="service_user"),
]
