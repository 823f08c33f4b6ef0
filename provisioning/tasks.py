"""Celery tasks of the provisioning app."""

from celery import shared_task

from connect.celery import app
from provisioning import fetchlog


@shared_task(name="provisioning.flush_fetches")
def flush_fetches():
    """Write buffered fetch records; runs from beat so none waits for the next phone's fetch."""
    return fetchlog.flush(budget=5)


@shared_task(name="provisioning.warm_organisation")
def warm_organisation(organisation_id):
    """Re-render an organisation's phone files after an organisation-wide change."""
    from customers.models import Organisation
    from provisioning.warm import warm

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    return warm(organisation) if organisation is not None else 0


@shared_task(name="provisioning.warm_phones")
def warm_phones(phone_ids):
    """Re-render some phones' files after a change to them."""
    from provisioning.warm import warm_phones as render

    return render(phone_ids)


@app.on_after_finalize.connect
def schedule(sender, **kwargs):
    sender.add_periodic_task(10.0, flush_fetches.s(), name="provisioning: write buffered fetch records")
