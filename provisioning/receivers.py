"""Signal receivers: keep cached phone files fresh, give a new organisation its ticket."""

from django.db import transaction

from provisioning import cache as prov_cache


def phones_changed(sender, phone_ids=(), **kwargs):
    """devices.signals.phone_config_changed (sent after commit): drop those phones' files."""
    prov_cache.bump_phones(phone_ids)


def organisation_saved(sender, instance, **kwargs):
    """Language or time zone may have changed: every file of the organisation is stale."""
    org_id = instance.pk
    transaction.on_commit(lambda: prov_cache.bump_organisation(org_id))


def organisation_created(sender, organisation, **kwargs):
    """A new organisation gets its provisioning ticket at once (ORG-1 template)."""
    from provisioning.operations import ticket_for

    ticket_for(organisation)
