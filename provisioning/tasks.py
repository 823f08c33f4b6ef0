"""Celery tasks of the provisioning app."""

from celery import shared_task


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
