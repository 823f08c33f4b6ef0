"""Celery tasks of the provisioning app."""

from celery import shared_task

from connect.celery import app
from provisioning import fetchlog


@shared_task(name="provisioning.flush_fetches")
def flush_fetches():
    """Write buffered fetch records; runs from beat so none waits for the next phone's fetch."""
    return fetchlog.flush(budget=5)


@app.on_after_finalize.connect
def schedule(sender, **kwargs):
    sender.add_periodic_task(10.0, flush_fetches.s(), name="provisioning: write buffered fetch records")
