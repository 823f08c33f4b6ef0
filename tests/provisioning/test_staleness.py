"""Every change a phone's file shows reaches the stored file at once, whichever way it is made:
the CSV import's bulk update, a user's lines (a busy lamp watches the primary line's number),
a busy-lamp target's new SIP account."""

import pytest

from customers.operations.numbers import number_release
from customers.operations.users import user_create, user_set_lines
from devices import operations as device_operations
from devices.models import FunctionKey, SipAccount
from tests.customers.jobs_helpers import *  # noqa: F401,F403  (import_org)
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload
from tests.provisioning.conftest import parse_snom, snom_ua

pytestmark = pytest.mark.django_db


def fetch(phone_client, base_a):
    response = phone_client.get(f"{base_a}/snom/000413A1B2C3.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 200
    return parse_snom(response.content)


def test_a_rename_by_import_reaches_the_phone(client_a, phone_client, base_a, import_org, admin_a, snom_phone, line_user, django_capture_on_commit_callbacks):
    assert fetch(phone_client, base_a)[0][("user_realname", "1")][0] == "Kasper Leth Jensen"  # stored
    data = csv_bytes([f"{line_user.username};;Leth-Jensen;;;;;;;;;;;;;;;;"])
    response, job = run_upload(client_a, django_capture_on_commit_callbacks, "/users/import/", "users.csv", data)
    assert response.status_code == 302 and job.counts["update"] == 1, job.preview
    confirm(client_a, django_capture_on_commit_callbacks, job)
    assert fetch(phone_client, base_a)[0][("user_realname", "1")][0] == "Kasper Leth Leth-Jensen"


def test_a_busy_lamp_follows_the_watched_users_primary_line(phone_client, base_a, import_org, admin_a, snom_phone):
    target = user_create(organisation=import_org, username="mb@firma.dk", first_name="Morten", last_name="B", by=admin_a)
    device_operations.phone_set_keys(
        phone=snom_phone, keys=[{"position": 2, "type": FunctionKey.Type.BLF, "target_user": target}], by=admin_a
    )
    _settings, keys = fetch(phone_client, base_a)
    assert keys[1]["value"] == "none"  # nothing to watch yet: no line, no SIP account
    account = device_operations.sipaccount_ensure(user=target)
    assert fetch(phone_client, base_a)[1][1]["value"] == f"blf {account.username}"
    user_set_lines(user=target, primary="+4588887765", by=admin_a)
    assert fetch(phone_client, base_a)[1][1]["value"] == "blf +4588887765"
    number_release(number=target.lines.get().number, by=admin_a)
    assert fetch(phone_client, base_a)[1][1]["value"] == f"blf {account.username}"
    SipAccount.objects.filter(user=target).delete()
    assert fetch(phone_client, base_a)[1][1]["value"] == "none"
