"""Writes of the provisioning app: tickets (PRV-4)."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from connect.lib.audit import audit_record
from connect.lib.crypto import encrypt
from customers.models import AuditEntry
from provisioning import receivers
from provisioning.models import Ticket, ticket_digest

TICKET_BYTES = 32  # 256 random bits; the spec asks for at least 128


def _new_ticket():
    ticket = secrets.token_urlsafe(TICKET_BYTES)
    return ticket, ticket_digest(ticket), encrypt(ticket)


def ticket_for(organisation):
    """The organisation's ticket, created on first use (audited as a system action)."""
    existing = Ticket.objects.filter(organisation=organisation).first()
    if existing is not None:
        return existing
    _ticket, digest, encrypted = _new_ticket()
    try:
        with transaction.atomic():
            created = Ticket.objects.create(
                organisation=organisation, digest=digest, ticket_encrypted=encrypted
            )
            audit_record(
                actor=None,
                action=AuditEntry.Action.CREATE,
                obj=created,
                organisation=organisation,
                changes={"generation": [None, str(created.generation)]},
            )
    except IntegrityError:  # another request created it first
        return Ticket.objects.get(organisation=organisation)
    return created


def ticket_renew(*, organisation, by):
    """Replace the organisation's ticket (PRV-4).

    The old ticket stops working when this transaction commits: requests look tickets up in the
    database, and the row no longer carries the old digest. Cached configuration files are keyed
    by the ticket generation and dropped on commit as well. The audit entry records the new
    generation, never the ticket.
    """
    ticket_for(organisation)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(organisation=organisation)
        old_generation = ticket.generation
        _clear, ticket.digest, ticket.ticket_encrypted = _new_ticket()
        ticket.generation = old_generation + 1
        ticket.renewed_at = timezone.now()
        ticket.save(update_fields=["digest", "ticket_encrypted", "generation", "renewed_at"])
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            obj=ticket,
            organisation=organisation,
            changes={"generation": [str(old_generation), str(ticket.generation)]},
        )
        org_id = organisation.pk
        transaction.on_commit(lambda: receivers.organisation_changed(org_id))
    return ticket
