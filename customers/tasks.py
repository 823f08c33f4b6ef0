"""Celery tasks of the customers app. Thin (ARCHITECTURE.md convention 6): they take ids,
re-fetch, and call one operation or the job runner (connect/lib/jobs.py)."""

from celery import shared_task

from connect.lib.jobs import JobTask, run_import_job, run_job


@shared_task(base=JobTask, name="customers.users_import")
def users_import(job_id):
    """Preview or commit a users CSV/XLSX import (USR-3)."""
    from customers.operations.imports import UsersImporter

    return run_import_job(job_id, lambda job: UsersImporter(organisation=job.organisation, by=job.created_by))


@shared_task(base=JobTask, name="customers.prefixes_import")
def prefixes_import(job_id):
    """CSV of a classification's prefixes (ORG-6): preview, then add or replace in one transaction."""
    from customers.operations.prefix_import import PrefixesImporter

    return run_import_job(
        job_id,
        lambda job: PrefixesImporter(
            organisation=job.organisation,
            by=job.created_by,
            classification_id=job.params["classification"],
            mode=job.params.get("mode", "add"),
        ),
    )


@shared_task(base=JobTask, name="customers.directory_sync")
def directory_sync(job_id):
    """Preview or commit an LDIF directory synchronisation (USR-1)."""
    from customers.operations.imports import DirectorySyncImporter

    return run_import_job(job_id, lambda job: DirectorySyncImporter(organisation=job.organisation, by=job.created_by))


@shared_task(base=JobTask, name="customers.users_export")
def users_export(job_id):
    """Write the users export file of a saved search (USR-3)."""
    from customers.operations.imports import UsersExportHandler

    return run_job(job_id, UsersExportHandler())


@shared_task(base=JobTask, name="customers.licence_report")
def licence_report(job_id):
    """Write the licence report (ORG-4) as CSV or XLSX."""
    from customers.operations.licences import LicenceReportHandler

    return run_job(job_id, LicenceReportHandler())


@shared_task(base=JobTask, name="customers.welcome_job")
def welcome_job(job_id):
    """Send the welcome messages of a bulk send (USR-5)."""
    from customers.operations.welcome import WelcomeJobHandler

    return run_job(job_id, WelcomeJobHandler())


@shared_task(base=JobTask, name="customers.prompt_convert")
def prompt_convert(job_id):
    """Convert an imported sound file to the platform's format and save it on the prompt (ORG-5)."""
    from customers.operations.prompts import PromptConvertHandler

    return run_job(job_id, PromptConvertHandler())


@shared_task(bind=True, name="customers.send_message", acks_late=True, reject_on_worker_lost=True)
def send_message(self, message_id):
    """Make one attempt at sending one outbound message (claimed first, so a redelivered task
    never sends it twice at once). A failed attempt leaves the message in the outbox with the
    time of its next attempt, which `messages_retry` makes: neither a worker nor a web request
    (tasks run eagerly, where the gateway gets a shorter timeout) ever waits between attempts."""
    from customers.operations.welcome import message_send

    return message_send(message_id=message_id, inline=self.request.is_eager)


@shared_task(name="customers.messages_retry", acks_late=True, reject_on_worker_lost=True)
def messages_retry():
    """Every 30 seconds (Celery beat): one attempt at each outbound message whose next attempt is
    due, and at new messages whose task was lost."""
    from customers.operations.welcome import messages_due, messages_send

    return messages_send(message_ids=messages_due())


@shared_task(name="customers.jobs_cleanup")
def jobs_cleanup():
    """Hourly (Celery beat): expire unconfirmed import previews, delete old export files, fail
    jobs whose task was lost, mark messages stuck while sending as not confirmed."""
    from connect.lib.jobs import jobs_cleanup as cleanup
    from customers.operations.welcome import messages_cleanup

    return {**cleanup(), "messages": messages_cleanup()}
