"""Stored files (provisioning.cache): served while current, never after a change, re-rendered in
the background with a broker."""

import base64

import pytest

from devices import operations as device_operations
from devices.models import Phone
from provisioning import cache as prov_cache
from provisioning import tasks
from provisioning.models import RenderedFile, Ticket
from provisioning.operations import ticket_for, ticket_renew
from tests.provisioning.conftest import parse_snom, snom_ua

pytestmark = pytest.mark.django_db

URL = "/snom/000413A1B2C3.xml"


@pytest.fixture
def queued(monkeypatch, settings):
    """A real broker: tasks are queued (recorded here), not run in the request."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls = []
    for task in (tasks.warm_phones, tasks.warm_organisation):
        monkeypatch.setattr(task, "delay", lambda *args, _name=task.name: calls.append((_name, args)))
    return calls


def fetch(phone_client, base_a):
    response = phone_client.get(f"{base_a}{URL}", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 200
    return parse_snom(response.content)[0]


def test_changes_queue_a_background_render(snom_phone, org_a, admin_a, line_user, queued, django_capture_on_commit_callbacks):
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


def test_changes_raise_the_versions_in_their_own_transaction(snom_phone, org_a, admin_a, line_user):
    """No on_commit callback runs inside a test transaction: the stamps change with the data."""
    version = Phone.objects.get(pk=snom_phone.pk).config_version
    device_operations.sipaccount_reset_password(user=line_user, by=admin_a)
    assert Phone.objects.get(pk=snom_phone.pk).config_version > version
    ticket_version = ticket_for(org_a).config_version
    org_a.default_language = "en"
    org_a.save()
    assert Ticket.objects.get(organisation=org_a).config_version > ticket_version


def test_background_render_stores_the_new_state(phone_client, base_a, snom_phone, line_user, admin_a, django_assert_num_queries, django_capture_on_commit_callbacks, settings):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 300  # count the file's queries, not the fetch record's
    fetch(phone_client, base_a)
    with django_capture_on_commit_callbacks(execute=True):
        device_operations.sipaccount_reset_password(user=line_user, by=admin_a)
    assert tasks.warm_phones([snom_phone.pk]) == 1
    line_user.refresh_from_db()
    with django_assert_num_queries(1):  # stored again: no render on the fetch
        values = fetch(phone_client, base_a)
    assert values[("user_pass", "1")][0] == line_user.sip_account.password


def test_saving_an_organisation_without_changes_keeps_the_files(phone_client, base_a, snom_phone, org_a, django_assert_num_queries, django_capture_on_commit_callbacks, settings):
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 300  # count the file's queries, not the fetch record's
    fetch(phone_client, base_a)
    with django_capture_on_commit_callbacks(execute=True):
        org_a.save()
    with django_assert_num_queries(1):
        fetch(phone_client, base_a)


def test_a_render_that_raced_with_a_change_is_never_served(phone_client, base_a, snom_phone, line_user, monkeypatch):
    """The fetch reads the versions, then the data; a rename lands in between the render's read and
    its store. The file it stores shows the old name under the old stamp: never served again."""
    from devices import queries as device_queries

    real = device_queries.phone_for_provisioning

    def render_then_rename(mac):
        phone = real(mac)  # the state before the rename
        list(phone.keys.all())
        line_user.first_name = "Renamed"
        line_user.save()  # the change (and its version) lands before the render is stored
        return phone

    monkeypatch.setattr(device_queries, "phone_for_provisioning", render_then_rename)
    raced = fetch(phone_client, base_a)
    assert raced[("user_realname", "1")][0] == "Kasper Leth Jensen"  # rendered before the rename
    monkeypatch.setattr(device_queries, "phone_for_provisioning", real)
    assert fetch(phone_client, base_a)[("user_realname", "1")][0] == "Renamed Jensen"


def test_a_file_that_no_longer_decrypts_is_rendered_again(phone_client, base_a, snom_phone, settings):
    first = fetch(phone_client, base_a)
    stored = RenderedFile.objects.get(phone=snom_phone)
    key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()  # another key
    assert prov_cache.cached_body(stored.stamp, stored.body, stored.stamp) is None
    settings.FIELD_ENCRYPTION_KEY = key
    RenderedFile.objects.filter(pk=stored.pk).update(body="damaged")
    assert fetch(phone_client, base_a) == first
    assert RenderedFile.objects.get(phone=snom_phone).body != "damaged"


def test_a_new_renderer_version_renders_again(phone_client, base_a, snom_phone, monkeypatch):
    first = fetch(phone_client, base_a)
    stamp = RenderedFile.objects.get(phone=snom_phone).stamp
    monkeypatch.setattr(prov_cache, "RENDER_VERSION", "next")
    assert fetch(phone_client, base_a) == first
    assert RenderedFile.objects.get(phone=snom_phone).stamp != stamp


def test_deleting_a_phone_deletes_its_file(phone_client, base_a, snom_phone):
    fetch(phone_client, base_a)
    assert RenderedFile.objects.filter(phone=snom_phone).exists()
    snom_phone.delete()
    assert not RenderedFile.objects.exists()


def test_warm_renders_only_files_that_are_not_current(snom_phone, mitel_phone, org_a, line_user, admin_a):
    from provisioning.warm import warm

    ticket_for(org_a)
    assert warm(org_a) == 2
    assert warm(org_a) == 0  # nothing changed: nothing rendered
    device_operations.phone_update(phone=mitel_phone, by=admin_a, description="Reception")
    assert warm(org_a) == 1
    org_a.time_zone = "Europe/Oslo"
    org_a.save()
    assert warm(org_a) == 2


def test_saving_an_instance_loaded_before_a_change_keeps_the_raised_versions(snom_phone, org_a, line_user, phone_client, base_a):
    stale_phone = Phone.objects.get(pk=snom_phone.pk)
    stale_ticket = ticket_for(org_a)
    line_user.first_name = "Renamed"
    line_user.save()  # raises the phone's version
    org_a.default_language = "en"
    org_a.save()  # raises the ticket's version
    raised = (Phone.objects.get(pk=snom_phone.pk).config_version, Ticket.objects.get(organisation=org_a).config_version)
    stale_phone.description = "Desk"
    stale_phone.save()
    stale_ticket.save()
    assert (Phone.objects.get(pk=snom_phone.pk).config_version, Ticket.objects.get(organisation=org_a).config_version) == raised
    assert Phone.objects.get(pk=snom_phone.pk).description == "Desk"


def test_saving_a_ticket_loaded_before_a_renewal_never_revives_the_old_ticket(org_a, admin_a, phone_client, snom_phone):
    stale = ticket_for(org_a)
    old = stale.ticket
    ticket_renew(organisation=org_a, by=admin_a)
    stale.renewed_at = None
    stale.save()
    assert phone_client.get(f"/prov/{old}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725")).status_code == 404


def test_saving_a_partly_loaded_phone_writes_only_what_was_loaded(snom_phone, django_assert_num_queries):
    phone = Phone.objects.only("pk", "description").get(pk=snom_phone.pk)
    phone.description = "Front desk"
    with django_assert_num_queries(1):
        phone.save()
    assert Phone.objects.get(pk=snom_phone.pk).description == "Front desk"


def test_the_form_kept_in_memory_opens_to_the_stored_file(snom_phone, settings):
    body = "<settings>\n<user_pass>s3cret æøå</user_pass>\n</settings>\n"
    prov_cache.store(snom_phone.pk, "snom", "stamp", body)
    stored = RenderedFile.objects.get(phone=snom_phone).body
    sealed = prov_cache.sealed(stored)
    assert isinstance(sealed, bytes) and b"s3cret" not in sealed
    assert prov_cache.cached_body("stamp", sealed, "stamp") == prov_cache.cached_body("stamp", stored, "stamp") == body
    assert prov_cache.cached_body("stamp", sealed, "another stamp") is None
    assert prov_cache.sealed(stored[:-8]) == ""  # damaged: not kept, so the file is rendered again
    settings.FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
    assert prov_cache.cached_body("stamp", sealed, "stamp") is None  # another key: rendered again
