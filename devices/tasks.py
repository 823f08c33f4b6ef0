"""Celery tasks of the devices app: thin, take ids, re-fetch, call one function."""

import logging

from celery import shared_task

from connect.lib.jobs import JobTask, run_import_job
from devices import platform
from devices.models import Phone

log = logging.getLogger("connect.devices")


@shared_task(ignore_result=True)
def phone_check_sync(phone_id):
    """'Gem og genindlæs': ask the phone to fetch its configuration (SIP NOTIFY check-sync).

    Not retried: the phone either answers within the SIP timeout or is off; the admin can press
    the button again. The outcome goes to the log.
    """
    phone = Phone.objects.select_related("user").filter(pk=phone_id).first()
    if phone is None:
        return None
    result = platform.send_check_sync(phone)
    if not result.ok:
        log.warning("check-sync for phone %s not answered: %s", phone.mac, result.detail)
    return result.ok


@shared_task(base=JobTask, name="devices.phones_import")
def phones_import(job_id):
    """The phone upload job (DEV-3): preview, then after confirmation the write in one transaction."""
    from devices.imports import PhonesImporter

    return run_import_job(job_id, lambda job: PhonesImporter(organisation=job.organisation, by=job.created_by))
