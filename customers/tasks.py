"""Celery tasks of the customers app. Thin (ARCHITECTURE.md convention 6): they take ids,
re-fetch, and call one operation or the job runner (connect/lib/jobs.py)."""

from celery import shared_task

from connect.lib.jobs import JobTask, run_import_job, run_job

SEND_RETRY_BACKOFF = 30  # seconds, doubled per retry


@shared_task(base=JobTask, name="customers.users_import")
def users_import(job_id):
    """Preview or commit a users CSV/XLSX import (USR-3)."""
    from customers.operations.imports import UsersImporter

    return run_import_job(job_id, lambda job: UsersImporter(organisation=job.organisation, by=job.created_by))


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


@shared_task(bind=True, name="customers.send_message", acks_late=True, reject_on_worker_lost=True, max_retries=5)
def send_message(self, message_id):
    """Send one outbound message. Transport errors are retried with exponential backoff (in
    process when tasks run eagerly, i.e. without a worker); the message is claimed before it is
    sent, so a retry or redelivery never sends it twice."""
    from customers.operations.welcome import SendOutcome, message_send

    retries = self.request.retries
    while True:
        outcome = message_send(message_id=message_id, retry_temporary=retries < self.max_retries)
        if outcome != SendOutcome.RETRY:
            return outcome
        if not self.request.is_eager:
            raise self.retry(countdown=SEND_RETRY_BACKOFF * (2**retries))
        retries += 1


@shared_task(name="customers.jobs_cleanup")
def jobs_cleanup():
    """Hourly (Celery beat): expire unconfirmed import previews, delete old export files, fail
    jobs whose task was lost, mark messages stuck while sending as failed."""
    from connect.lib.jobs import jobs_cleanup as cleanup
    from customers.operations.welcome import messages_cleanup

    return {**cleanup(), "messages": messages_cleanup()}
