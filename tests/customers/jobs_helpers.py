"""Shared fixtures and helpers of the jobs-area tests (imports, exports, jobs, welcome messages).

Import the fixtures into a test module: `from tests.customers.jobs_helpers import *  # noqa`.
"""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connect.lib import sms as smslib
from customers.models import Job, Number, UserGroup
from customers.operations.numbers import number_register, numberrange_create
from customers.operations.organisations import apply_template

__all__ = [
    "CSV_HEADER",
    "anna",
    "csv_bytes",
    "danish",
    "import_org",
    "media_tmp",
    "run_upload",
    "sms_outbox",
    "upload",
    "xlsx_bytes",
]

CSV_HEADER = (
    "Brugernavn;Fornavn;Efternavn;E-mail;Afdeling;Sprog;Licens;Primær linje;Primær linjetype;"
    "Sekundær linje;Sekundær linjetype;Aliasser;Grupper;Felt 1;Felt 2;Felt 3;Felt 4;Felt 5;Felt 6"
)


@pytest.fixture(autouse=True)
def media_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path


@pytest.fixture
def danish(settings, tmp_path):
    """This area's Danish translations (locale/fragments/jobs.po) compiled and active, so tests
    check the Danish wording before the lead merges the fragments into the catalogue."""
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (gettext) is needed to compile the Danish fragment")
    target = tmp_path / "locale" / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    fragment = Path(django_settings.BASE_DIR) / "locale" / "fragments" / "jobs.po"
    subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(fragment)], check=True)
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    return target


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    smslib.outbox.clear()
    yield smslib.outbox
    smslib.outbox.clear()


@pytest.fixture
def anna(import_org, admin_a):
    """A user of org A with an e-mail address and a mobile number (+4520304050), English."""
    from customers.operations.users import user_create, user_set_mobile

    user = user_create(organisation=import_org, username="anna@firma.dk", first_name="Anna", last_name="Berg", language="en", by=admin_a)
    user_set_mobile(user=user, number="+45 20 30 40 50", by=admin_a)
    return user


@pytest.fixture
def import_org(org_a, admin_a):
    """org A with the template (licences "Standard"/"Unified Communication", Felt 1-6), number
    ranges +4588887700-+4588887799 and 700-799, and the groups Salg and Support."""
    apply_template(org_a)
    numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", by=admin_a)
    numberrange_create(organisation=org_a, first="700", last="799", by=admin_a)
    UserGroup.objects.create(organisation=org_a, name="Salg", priority=1)
    UserGroup.objects.create(organisation=org_a, name="Support", priority=2)
    return org_a


def csv_bytes(rows, header=CSV_HEADER, delimiter=";", encoding="utf-8", newline="\r\n", bom=False):
    lines = [header.replace(";", delimiter)] + [r if delimiter == ";" else r.replace(";", delimiter) for r in rows]
    data = (newline.join(lines) + newline).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return data


def xlsx_bytes(rows, header=None):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or CSV_HEADER.split(";"))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name, data, content_type="text/csv"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def run_upload(client, captured, url, name, data, content_type="text/csv"):
    """POST the file to an import page with on-commit callbacks executed (the task runs eagerly);
    returns (response, job or None)."""
    with captured(execute=True):
        response = client.post(url, {"file": upload(name, data, content_type)})
    job = None
    if response.status_code == 302 and "/jobs/" in response["Location"]:
        job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    return response, job


def confirm(client, captured, job):
    with captured(execute=True):
        response = client.post(reverse("customers:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    return response, job


def register(org, number, user=None, purpose=Number.Purpose.USER_LINE, by=None):
    return number_register(organisation=org, raw=number, purpose=purpose, user=user, by=by, require_range=False)
