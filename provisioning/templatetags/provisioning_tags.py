"""{% provisioning_panel %}: the provisioning URLs (PRV-1..3) and "Forny billet" (PRV-4).

Used on the SIP phones page (DEV-1): ``{% load provisioning_tags %}{% provisioning_panel %}``.
Needs ``request`` in the context (the organisation comes from request.organisation).
"""

from django import template

from customers import permissions
from provisioning import operations, queries

register = template.Library()


@register.inclusion_tag("provisioning/_ticket_panel.html", takes_context=True)
def provisioning_panel(context):
    request = context.get("request")
    organisation = getattr(request, "organisation", None)
    if organisation is None:
        return {"available": False}
    user = request.user
    # The URLs carry the ticket, and so every phone's SIP password: only for those who may read it.
    if not permissions.may(user, permissions.VIEW_PROVISIONING_TICKET, organisation=organisation):
        return {"available": True, "hidden": True}
    ticket = operations.ticket_for(organisation)
    urls = queries.provisioning_urls(ticket)
    return {
        "available": True,
        "ticket": ticket,
        "snom_url": urls["snom"],
        "mitel_url": urls["mitel"],
        "mivoice_url": urls["mivoice"],
        "may_renew": permissions.may(
            user, permissions.RENEW_PROVISIONING_TICKET, organisation=organisation, write=True
        ),
        "next": request.get_full_path(),
    }
