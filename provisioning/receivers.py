"""Signal receivers: keep cached phone files fresh, give a new organisation its ticket.

What phones show comes from devices, customers (the organisation) and services (SVC-17 ring
tones on Snom phones: services.RingToneSettings saved or deleted at any scope, through the portal,
an operation or the Django admin).

A change makes the affected stored files stale in its own transaction (cache.py: devices raises
the phones' config_version, organisation_saved below the ticket's). With a real Celery broker the
files are also rendered again in the background after commit, so the next boot storm finds them
current; without one (development, tests) they are rendered by the next fetch.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F

from provisioning import cache as prov_cache

logger = logging.getLogger(__name__)

_ORGANISATION_FIELDS = ("name", "default_language", "time_zone")


def _in_background(task, *args):
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True) or not prov_cache.files_enabled():
        return
    try:
        task.delay(*args)
    except Exception:  # the broker is down: the next fetch renders the file, nothing is lost
        logger.exception("Could not queue %s", task.name)


def phones_changed(sender, phone_ids=(), **kwargs):
    """devices.signals.phone_config_changed (sent after commit): render those phones' files again."""
    ids = list(phone_ids)
    if ids:
        from provisioning.tasks import warm_phones

        _in_background(warm_phones, ids)


def organisation_changed(org_id):
    """After commit: every file of the organisation is stale (language, time zone, name, ticket);
    render them again in the background."""
    from provisioning.tasks import warm_organisation

    _in_background(warm_organisation, org_id)


def organisation_saving(sender, instance, **kwargs):
    """Remember what the files show, to tell in post_save whether they changed."""
    if instance.pk:
        instance._provisioning_before = (
            type(instance).objects.filter(pk=instance.pk).values_list(*_ORGANISATION_FIELDS).first()
        )


def _organisation_files_stale(org_id):
    """Every file of the organisation is stale from this transaction's commit on; render them
    again in the background after it."""
    from provisioning.models import Ticket

    Ticket.objects.filter(organisation_id=org_id).update(config_version=F("config_version") + 1)
    transaction.on_commit(lambda: organisation_changed(org_id))


def organisation_saved(sender, instance, created=False, **kwargs):
    before = getattr(instance, "_provisioning_before", None)
    after = tuple(getattr(instance, name) for name in _ORGANISATION_FIELDS)
    if created or before != after:
        _organisation_files_stale(instance.pk)


# --- SVC-17 ring tones (services.RingToneSettings), which Snom files show ----------------------

RING_TONE_FIELDS = ("internal", "external", "acd", "attendant", "ring_group")


def ring_tones_saving(sender, instance, **kwargs):
    """Remember the stored ring tones, to tell in post_save whether they changed."""
    if instance.pk:
        instance._provisioning_before = sender.objects.filter(pk=instance.pk).values_list(*RING_TONE_FIELDS).first()


def ring_tones_saved(sender, instance, created=False, **kwargs):
    before = getattr(instance, "_provisioning_before", None)
    if created or before != tuple(getattr(instance, name) for name in RING_TONE_FIELDS):
        ring_tones_changed(instance)


def ring_tones_deleted(sender, instance, **kwargs):
    ring_tones_changed(instance)


def ring_tones_changed(row):
    """Ring tones changed at one scope: the files of the phones whose line-1 user the scope
    covers are stale, in the same transaction (devices.signals.notify_config_changed; the whole
    organisation's through its ticket for a change at organisation level, which also reaches
    phones without a user)."""
    from devices.models import Phone
    from devices.signals import notify_config_changed

    if row.user_id:
        phones = Phone.objects.filter(user_id=row.user_id)
    elif row.group_id:
        phones = Phone.objects.filter(user__memberships__group_id=row.group_id)
    else:
        _organisation_files_stale(row.organisation_id)
        return
    notify_config_changed(phones.values_list("pk", flat=True).distinct())


def organisation_created(sender, organisation, **kwargs):
    """A new organisation gets its provisioning ticket at once (ORG-1 template)."""
    from provisioning.operations import ticket_for

    ticket_for(organisation)
