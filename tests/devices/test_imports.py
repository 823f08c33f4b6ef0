"""Phone upload (DEV-3) through the shared import machinery: preview, all-or-nothing commit."""

import io

import pytest
from django.db import transaction

from connect.lib.imports import ImportRejected
from connect.lib.imports.errors import FileError
from devices.imports import PhonesImporter
from devices.models import Phone
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory


def csv_file(text, encoding="utf-8"):
    return io.BytesIO(text.encode(encoding))


@pytest.fixture
def klj(org_a):
    return UserFactory(organisation=org_a, username="klj@ipvision.dk")


def test_preview_then_commit(org_a, admin_a, klj):
    PhoneFactory(organisation=org_a, mac="00085D1610DE", model="mitel-6867i", description="Old")
    text = (
        "Mac-adresse;Type;Beskrivelse;Brugernavn\r\n"
        "00:04:13:a1:b2:c3;D725;Reception;KLJ@ipvision.dk\r\n"
        "00085D1610DE;;Lager;\r\n"
        "000413A11FA7;Snom D345;Hot desk;\r\n"
    )
    importer = PhonesImporter(organisation=org_a, by=admin_a)
    preview = importer.preview(csv_file(text), "csv")
    assert [r.action for r in preview.results] == ["create", "update", "create"]
    assert preview.results[1].changes == {"Beskrivelse": ["Old", "Lager"]}
    assert Phone.objects.count() == 1  # the preview writes nothing
    with transaction.atomic():
        importer.commit(csv_file(text), "csv")
    phone = Phone.objects.get(mac="000413A1B2C3")
    assert phone.user == klj and phone.model == "snom-725" and phone.organisation == org_a
    assert Phone.objects.get(mac="00085D1610DE").description == "Lager"
    assert Phone.objects.get(mac="000413A11FA7").model == "snom-d345"


def test_bad_rows_reported_and_nothing_written(org_a, org_b, admin_a, klj):
    PhoneFactory(organisation=org_b, mac="000413BBBBBB")
    UserFactory(organisation=org_b, username="bob@b.example")
    text = (
        "MAC address,Model,Description,Username\n"
        "000413A1B2C3,D725,Good,klj@ipvision.dk\n"
        "00041,D725,,\n"
        "000413CCCCCC,Yealink T46,,\n"
        "000413DDDDDD,,,\n"
        "000413BBBBBB,D725,,\n"
        "000413EEEEEE,D725,,bob@b.example\n"
        "000413A1B2C3,D725,,\n"
        "000413FFFFFF,D725,x\x01y,\n"
        "000413F0F0F0,snom-700,,\n"
    )
    importer = PhonesImporter(organisation=org_a, by=admin_a)
    preview = importer.preview(csv_file(text), "csv")
    messages = preview.error_messages()
    assert preview.counts()["error"] == 8
    joined = "\n".join(messages)
    assert "Row 3, Mac-adresse" in joined
    assert "Row 4, Type" in joined and "not a supported phone model" in joined
    assert "Row 5, Type: Give the type of a new phone." in joined
    assert "Row 6, Mac-adresse: A phone with this MAC address already exists." in joined
    assert "Row 7, Brugernavn" in joined
    assert "Row 8, Mac-adresse: The MAC address is also in row 2." in joined
    assert "Row 9, Beskrivelse" in joined
    assert "Row 10, Type" in joined
    with pytest.raises(ImportRejected), transaction.atomic():
        importer.commit(csv_file(text), "csv")
    assert not Phone.objects.filter(organisation=org_a).exists()


def test_unknown_column_refuses_file(org_a, admin_a):
    with pytest.raises(FileError):
        PhonesImporter(organisation=org_a, by=admin_a).preview(csv_file("Mac-adresse;Farve\n000413A1B2C3;rød\n"), "csv")


def test_windows_1252_danish_excel(org_a, admin_a):
    text = "Mac-adresse;Type;Beskrivelse\r\n000413A1B2C3;D725;Mødelokale Ærø\r\n"
    importer = PhonesImporter(organisation=org_a, by=admin_a)
    with transaction.atomic():
        importer.commit(csv_file(text, "cp1252"), "csv")
    assert Phone.objects.get().description == "Mødelokale Ærø"


# --- through the pages: the shared job flow --------------------------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.urls import reverse  # noqa: E402

from customers.models import Job  # noqa: E402


def _upload(client, text, name="phones.csv", callbacks=None):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    with callbacks(execute=True):
        return client.post(reverse("devices:phone_import"), {"file": upload})


def test_upload_preview_confirm(client_a, org_a, klj, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    assert "Mac-adresse" in client_a.get(reverse("devices:phone_import")).content.decode()
    response = _upload(client_a, "Mac-adresse;Type;Beskrivelse;Brugernavn\n000413A1B2C3;D725;Reception;klj@ipvision.dk\n",
                       callbacks=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert response["Location"] == reverse("customers:job_detail", args=[job.pk])
    assert job.kind == Job.Kind.PHONES_IMPORT and job.status == Job.Status.PREVIEW
    html = client_a.get(response["Location"]).content.decode()
    assert "000413A1B2C3" in html
    assert not Phone.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("customers:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    phone = Phone.objects.get()
    assert phone.user == klj and phone.organisation == org_a


def test_upload_with_errors_cannot_be_confirmed(client_a, org_a, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    _upload(client_a, "Mac-adresse;Type\n000413A1B2C3;D725\nnonsense;D725\n", callbacks=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == Job.Status.PREVIEW and job.error_count == 1
    html = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "Row 3, Mac-adresse" in html
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("customers:job_confirm", args=[job.pk]))
    assert not Phone.objects.exists()


def test_upload_bad_file_refused(client_a, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    upload = SimpleUploadedFile("phones.pdf", b"%PDF-1.4 nonsense", content_type="application/pdf")
    response = client_a.post(reverse("devices:phone_import"), {"file": upload})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Job.objects.exists()


def test_other_org_cannot_see_or_confirm_phone_job(client, admin_b, client_a, org_a, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    _upload(client_a, "Mac-adresse;Type\n000413A1B2C3;D725\n", callbacks=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    client.force_login(admin_b)
    assert client.get(reverse("customers:job_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("customers:job_confirm", args=[job.pk])).status_code == 404
    assert not Phone.objects.exists()
