"""Celery tasks of the services app. Thin (ARCHITECTURE.md convention 6): they take ids,
re-fetch, and call the job runner (connect/lib/jobs.py)."""

from celery import shared_task

from connect.lib.jobs import JobTask, run_job


@shared_task(base=JobTask, name="services.contacts_import")
def contacts_import(job_id):
    """Preview or commit a contacts import (SVC-7 "Importer kontakter")."""
    from services.contacts_import import ContactsImportHandler

    return run_job(job_id, ContactsImportHandler())
