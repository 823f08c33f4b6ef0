"""Django admin for support staff: provisioning tickets, read-only, with "Renew ticket" as an
action that goes through ticket_renew (audited). The ticket itself is never shown here: the
organisation's admins see the URLs on the SIP phones page. Renewing needs the same Django
permission as renewing in the portal (customers.permissions.STAFF_PERMISSIONS)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connect.lib.admin import organisation_filter
from customers import permissions
from provisioning.models import Ticket
from provisioning.operations import ticket_renew


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["organisation", "generation", "created_at", "renewed_at"]
    list_filter = [organisation_filter()]
    search_fields = ["organisation__name"]
    fields = ["organisation", "generation", "created_at", "renewed_at"]
    readonly_fields = fields
    actions = ["renew"]

    def has_add_permission(self, request):
        return False  # every organisation gets one when it is created

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_renew_permission(self, request):
        return permissions.staff_may(request.user, permissions.RENEW_PROVISIONING_TICKET, write=True)

    @admin.action(description=_("Renew ticket"), permissions=["renew"])
    def renew(self, request, queryset):
        for ticket in queryset.select_related("organisation"):
            ticket_renew(organisation=ticket.organisation, by=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d ticket renewed: update the redirect services.",
                "%(count)d tickets renewed: update the redirect services.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
