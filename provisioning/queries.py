"""Reads of the provisioning app."""

import hmac

from django.conf import settings

from provisioning.models import Ticket, ticket_digest
from provisioning.renderers import RingTones

FAMILIES = ("snom", "mitel", "mivoice")


def ticket_by_value(ticket):
    """The Ticket (with its organisation) whose clear value is `ticket`, or None.

    The database compares SHA-256 digests, never the secret; the digest found is compared again
    in constant time. A renewed ticket has no row any more: from the commit of the renewal on,
    every process gets None here.
    """
    digest = ticket_digest(ticket)
    found = Ticket.objects.select_related("organisation").filter(digest=digest).first()
    if found is None or not hmac.compare_digest(found.digest.encode(), digest.encode()):
        return None
    return found


def provisioning_url(ticket_value, family):
    return f"{settings.PROVISIONING_BASE_URL.rstrip('/')}/prov/{ticket_value}/{family}/"


def provisioning_urls(ticket):
    """{"snom": url, "mitel": url, "mivoice": url} for the SIP phones page (PRV-1..3)."""
    value = ticket.ticket
    return {family: provisioning_url(value, family) for family in FAMILIES}


def ring_tones_for(phone):
    """SVC-17 ring tones for a Snom phone. The service is not built yet: the defaults."""
    return RingTones()
