"""Cached files: invalidated by what changes them, re-rendered in the background with a broker."""

import pytest

from devices import operations as device_operations
from provisioning import tasks
from provisioning.operations import ticket_renew
from tests.provisioning.conftest import parse_snom, snom_ua

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch, settings):
    """A real broker: tasks are queued (recorded here), not run in the request."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls = []
    for task in (tasks.warm_phones, tasks.warm_organisation):
        monkeypatch.setattr(task, "delay", lambda *args, _name=task.name: calls.append((_name, args)))
    return calls


def test_changes_queue_a_background_render(snom_phone, org_a, admin_a, line_user, redis_cache, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        device_operations.sipaccount_reset_password(user=line_user, by=admin_a)
    assert ("provisioning.warm_phones", ([snom_phone.pk],)) in queued
    with django_capture_on_commit_callbacks(execute=True):
        org_a.time_zone = "Europe/Oslo"
        org_a.save()
    assert ("provisioning.warm_organisation", (org_a.pk,)) in queued
    with django_capture_on_commit_callbacks(execute=True):
        ticket_renew(organisation=org_a, by=admin_a)
    assert queued.count(("provisioning.warm_organisation", (org_a.pk,))) == 2


def test_background_render_fills_the_cache_with_the_new_state(phone_client, base_a, snom_phone, line_user, admin_a, redis_cache, django_assert_num_queries, django_capture_on_commit_callbacks):
    phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    with django_capture_on_commit_callbacks(execute=True):
        device_operations.sipaccount_reset_password(user=line_user, by=admin_a)
    assert tasks.warm_phones([snom_phone.pk]) == 1
    line_user.refresh_from_db()
    with django_assert_num_queries(1):  # cached again: no render on the fetch
        response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    settings, _keys = parse_snom(response.content)
    assert settings[("user_pass", "1")][0] == line_user.sip_account.password


def test_saving_an_organisation_without_changes_keeps_the_files(phone_client, base_a, snom_phone, org_a, redis_cache, django_assert_num_queries, django_capture_on_commit_callbacks):
    phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    with django_capture_on_commit_callbacks(execute=True):
        org_a.save()
    with django_assert_num_queries(1):
        assert phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 200
