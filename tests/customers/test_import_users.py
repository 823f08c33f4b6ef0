"""Users import (USR-3): upload -> preview -> confirm -> one transaction; upsert by Brugernavn."""

from django.urls import reverse

from customers.models import AuditEntry, DirectoryFieldValue, Job, Number, User, UserGroup, UserLine
from customers.operations.users import user_create, user_set_groups, user_set_lines
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload, xlsx_bytes

URL = "/users/import/"


def _preview(client, captured, data, name="users.csv", content_type="text/csv"):
    response, job = run_upload(client, captured, URL, name, data, content_type)
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    return job


def test_import_page_shows_the_dialog_in_danish(client_a, import_org, admin_a, danish):
    admin_a.language = "da"
    admin_a.save()
    page = client_a.get(URL + "?q=jensen").content.decode()
    assert "Upload eller download flere brugere ad gangen" in page
    assert "Upload en liste over brugere (CSV)" in page and "Download brugere (CSV)" in page
    assert "Eksporter brugere" in page and ">Luk</a>" in page
    assert "Tip: Formatet i filen ses bedst ved at eksportere brugerne, redigere filen og uploade den igen." in page
    assert "Brugernavn" in page and "Felt 6" in page
    assert 'accept=".csv,.txt,.xlsx"' in page
    assert 'name="q" value="jensen"' in page  # the export carries the current search


def test_csv_import_preview_then_confirm_creates_users(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [
            "klj@firma.dk;Kasper Leth;Jensen;;Salg;da;Standard;+4588887765;Kontor fastnet;;;765;Salg;Ferrari;;;;;",
            "wb@firma.dk;Wallboard;Wallboard;;;;;;;;;;;;;;;;",
        ]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert job.counts["create"] == 2 and job.counts["error"] == 0
    assert job.created_by == admin_a
    # Nothing is written before the admin confirms.
    assert not User.objects.filter(username="klj@firma.dk").exists()
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "klj@firma.dk" in page and "+4588887765" in page
    assert reverse("customers:job_confirm", args=[job.pk]) in page

    response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    assert "2 created" in job.message_text
    user = User.objects.get(username="klj@firma.dk")
    assert (user.first_name, user.last_name, user.department, user.language) == ("Kasper Leth", "Jensen", "Salg", "da")
    assert user.email == "klj@firma.dk"
    assert user.licence.name == "Standard"
    assert not user.has_usable_password()
    line = UserLine.objects.get(user=user, slot=1)
    assert (line.number.number, line.line_type) == ("+4588887765", "fixed")
    alias = Number.objects.get(organisation=import_org, number="765")
    assert (alias.user, alias.purpose, alias.line_slot) == (user, "alias", 1)
    assert list(user.user_groups.values_list("name", flat=True)) == ["Salg"]
    assert DirectoryFieldValue.objects.get(user=user, field__number=1).value == "Ferrari"
    # The audit trail records the creation, by whom.
    entry = AuditEntry.objects.get(object_id=str(user.pk), content_type__model="user", action="create")
    assert entry.actor == admin_a and entry.changes["username"] == [None, "klj@firma.dk"]
    # The upload is not kept once the job is done.
    assert not job.upload


def test_english_headers_in_any_order_are_accepted(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["Anna;anna@firma.dk;Berg"], header="First name;Username;Last name")
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.status == Job.Status.PREVIEW
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert User.objects.get(username="anna@firma.dk").first_name == "Anna"


def test_upsert_updates_changed_fields_and_keeps_empty_cells(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    salg = UserGroup.objects.get(organisation=import_org, name="Salg")
    support = UserGroup.objects.get(organisation=import_org, name="Support")
    user = user_create(organisation=import_org, username="klj@firma.dk", first_name="Kasper", last_name="Jensen", department="Salg", by=admin_a)
    user_set_lines(user=user, primary="+4588887765", primary_aliases=["765"], by=admin_a)
    user_set_groups(user=user, groups=[salg], by=admin_a)
    other = user_create(organisation=import_org, username="same@firma.dk", first_name="Same", last_name="Same", by=admin_a)
    data = csv_bytes(
        [
            # Efternavn changes, Afdeling empty (unchanged), groups replaced, line unchanged.
            "KLJ@firma.dk;;Leth Jensen;;;;;;;;;;Support;;;;;;",
            "same@firma.dk;Same;Same;;;;;;;;;;;;;;;;",
        ]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["update"] == 1 and job.counts["unchanged"] == 1, job.preview
    row = job.preview[0]
    assert row["changes"]["Efternavn"] == ["Jensen", "Leth Jensen"]
    assert row["changes"]["Grupper"] == ["Salg", "Support"]
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.department) == ("Kasper", "Leth Jensen", "Salg")
    assert list(user.user_groups.all()) == [support]
    assert UserLine.objects.get(user=user, slot=1).number.number == "+4588887765"
    assert Number.objects.get(organisation=import_org, number="765").user == user
    entry = AuditEntry.objects.filter(object_id=str(user.pk), content_type__model="user", action="update", changes__has_key="last_name").get()
    assert entry.actor == admin_a and entry.changes["last_name"] == ["Jensen", "Leth Jensen"]
    other.refresh_from_db()
    assert other.last_name == "Same"
    assert User.objects.filter(organisation=import_org).count() == 3  # nobody created or deleted


def test_changing_lines_of_an_existing_user(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    user = user_create(organisation=import_org, username="klj@firma.dk", first_name="K", last_name="J", by=admin_a)
    user_set_lines(user=user, primary="+4588887765", primary_aliases=["765"], by=admin_a)
    data = csv_bytes(["klj@firma.dk;;;;;;;+4588887766;Kontor fastnet;+4588887767;Kontor fastnet;766;;;;;;;"])
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["update"] == 1, job.preview
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    lines = {line.slot: line.number.number for line in UserLine.objects.filter(user=user).select_related("number")}
    assert lines == {1: "+4588887766", 2: "+4588887767"}
    assert set(Number.objects.filter(user=user).values_list("number", flat=True)) == {"+4588887766", "+4588887767", "766"}
    assert not Number.objects.filter(organisation=import_org, number__in=["+4588887765", "765"]).exists()


def test_xlsx_import(client_a, import_org, django_capture_on_commit_callbacks):
    data = xlsx_bytes(
        [
            ["x@firma.dk", "Xenia", "Lund", None, "IT", "en", "Unified Communication", 4588887711, "Kontor mobilnet"],
        ],
        header=["Brugernavn", "Fornavn", "Efternavn", "E-mail", "Afdeling", "Sprog", "Licens", "Primær linje", "Primær linjetype"],
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data, "users.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert job.counts["create"] == 1, job.preview
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    user = User.objects.get(username="x@firma.dk")
    assert user.language == "en" and user.licence.name == "Unified Communication"
    line = UserLine.objects.get(user=user, slot=1)
    # Excel stores +4588887711 typed as a number without "+": it is still the Danish number.
    assert (line.number.number, line.line_type) == ("+4588887711", "mobile")


def test_one_row_with_an_error_blocks_the_whole_file(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [
            "ok@firma.dk;Ok;Person;;;;;;;;;;;;;;;;",
            "bad@firma.dk;Bad;Person;not-an-email;;;;;;;;;;;;;;;",
        ]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.status == Job.Status.PREVIEW
    assert job.counts["error"] == 1
    assert not job.can_confirm
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "Row 3, E-mail: Enter a valid e-mail address." in page
    assert reverse("customers:job_confirm", args=[job.pk]) not in page
    # A crafted confirm changes nothing.
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.PREVIEW
    assert not User.objects.filter(username="ok@firma.dk").exists()


def test_errors_are_in_danish_for_a_danish_admin(client_a, import_org, admin_a, danish, django_capture_on_commit_callbacks):
    admin_a.language = "da"
    admin_a.save()
    data = csv_bytes(["bad@firma.dk;Bad;Person;not-an-email;;;;;;;;;;;;;;;"])
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "Række 2, E-mail: Angiv en gyldig e-mailadresse." in page


def test_data_changed_between_preview_and_confirm_fails_cleanly(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [
            "a@firma.dk;A;A;;;;;+4588887701;;;;;;;;;;;",
            "b@firma.dk;B;B;;;;;+4588887702;;;;;;;;;;;",
        ]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["create"] == 2
    # Meanwhile somebody takes the second number.
    someone = user_create(organisation=import_org, username="c@firma.dk", first_name="C", last_name="C", by=admin_a)
    user_set_lines(user=someone, primary="+4588887702", by=admin_a)
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.FAILED
    assert "Nothing was saved" in job.message_text
    assert not User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).exists()
    assert not Number.objects.filter(number="+4588887701").exists()
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "The number +4588887702 is already in use." in page


def test_cancel_discards_the_preview(client_a, import_org, django_capture_on_commit_callbacks):
    job = _preview(client_a, django_capture_on_commit_callbacks, csv_bytes(["a@firma.dk;A;A;;;;;;;;;;;;;;;;"]))
    response = client_a.post(reverse("customers:job_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and not job.upload
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.CANCELLED
    assert not User.objects.filter(username="a@firma.dk").exists()


def test_preview_filter_shows_only_errors(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["ok@firma.dk;Ok;Person;;;;;;;;;;;;;;;;", "bad@firma.dk;;;;;;;;;;;;;;;;;;"])
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    page = client_a.get(reverse("customers:job_detail", args=[job.pk]) + "?show=error").content.decode()
    assert "bad@firma.dk" in page and "ok@firma.dk" not in page
