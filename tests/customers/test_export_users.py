"""Users export (USR-3): CSV and XLSX of the current search/filter, formula-injection safe, and
the exported file imports again — also after a spreadsheet program opened and saved it."""

import csv
import io

import pytest
from django.urls import reverse

from connect.lib.imports import safe_cell
from customers.models import DirectoryField, Job, UserGroup
from customers.operations.directory import user_set_directory_values
from customers.operations.users import user_create, user_set_groups, user_set_lines
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import CSV_HEADER, confirm, run_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def people(import_org, admin_a):
    salg = UserGroup.objects.get(organisation=import_org, name="Salg")
    support = UserGroup.objects.get(organisation=import_org, name="Support")
    klj = user_create(
        organisation=import_org, username="klj@firma.dk", first_name="Kasper Leth", last_name="Jensen", department="Salg", by=admin_a
    )
    user_set_lines(user=klj, primary="+4588887765", primary_aliases=["765"], secondary="+4588887766", by=admin_a)
    user_set_groups(user=klj, groups=[salg, support], by=admin_a)
    user_set_directory_values(user=klj, values={DirectoryField.objects.get(organisation=import_org, number=1): "Ferrari"}, by=admin_a)
    evil = user_create(
        organisation=import_org,
        username="evil@firma.dk",
        first_name='=HYPERLINK("http://evil.example","klik")',
        last_name="+SUM(1;2)",
        department="@cmd",
        by=admin_a,
    )
    soren = user_create(organisation=import_org, username="soren@firma.dk", first_name="Søren", last_name="Ærø-Åberg", department="-Lager", by=admin_a)
    return {"klj": klj, "evil": evil, "soren": soren}


def _export(client, captured, fmt="csv", **search):
    with captured(execute=True):
        response = client.post(reverse("customers:users_export"), {"format": fmt, **search})
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == Job.Status.SUCCEEDED, job.message
    page = client.get(response["Location"]).content.decode()
    assert reverse("customers:job_download", args=[job.pk]) in page
    download = client.get(reverse("customers:job_download", args=[job.pk]))
    assert download.status_code == 200
    return job, b"".join(download.streaming_content)


def _csv_rows(data, delimiter=";", encoding="utf-8-sig"):
    return list(csv.reader(io.StringIO(data.decode(encoding)), delimiter=delimiter))


def test_csv_export_has_the_import_columns_and_the_values(client_a, people, django_capture_on_commit_callbacks):
    job, data = _export(client_a, django_capture_on_commit_callbacks)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    rows = _csv_rows(data)
    assert rows[0] == CSV_HEADER.split(";")
    by_user = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    klj = by_user["klj@firma.dk"]
    assert klj["Fornavn"] == "Kasper Leth" and klj["Afdeling"] == "Salg" and klj["Sprog"] == "da"
    assert klj["Primær linje"] == "+4588887765" and klj["Primær linjetype"] == "Kontor fastnet"
    assert klj["Sekundær linje"] == "+4588887766" and klj["Aliasser"] == "765"
    assert klj["Grupper"] == "Salg;Support" and klj["Felt 1"] == "Ferrari"
    assert by_user["soren@firma.dk"]["Efternavn"] == "Ærø-Åberg"
    assert job.counts["total"] == 4  # incl. admin@a.example


def test_export_respects_the_search_and_filter(client_a, people, django_capture_on_commit_callbacks):
    salg = UserGroup.objects.get(name="Salg")
    _job, data = _export(client_a, django_capture_on_commit_callbacks, q="jensen")
    assert [r[0] for r in _csv_rows(data)[1:]] == ["klj@firma.dk"]
    _job, data = _export(client_a, django_capture_on_commit_callbacks, show=f"group-{salg.pk}")
    assert [r[0] for r in _csv_rows(data)[1:]] == ["klj@firma.dk"]
    _job, data = _export(client_a, django_capture_on_commit_callbacks, show="department--Lager")
    assert [r[0] for r in _csv_rows(data)[1:]] == ["soren@firma.dk"]


def test_csv_export_is_safe_against_formula_injection(client_a, people, django_capture_on_commit_callbacks):
    _job, data = _export(client_a, django_capture_on_commit_callbacks)
    evil = next(r for r in _csv_rows(data) if r[0] == "evil@firma.dk")
    assert evil[1] == "'=HYPERLINK(\"http://evil.example\",\"klik\")"
    assert evil[2] == "'+SUM(1;2)"
    assert evil[4] == "'@cmd"
    klj = next(r for r in _csv_rows(data) if r[0] == "klj@firma.dk")
    assert klj[7] == "+4588887765"  # phone numbers keep their "+"


def test_safe_cell_rules():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell("+4588887765") == "+4588887765"
    assert safe_cell("+45 88 88 77 65") == "'+45 88 88 77 65"
    assert safe_cell("Søren") == "Søren"
    assert safe_cell(None) == ""


def test_xlsx_export_writes_text_cells_never_formulas(client_a, people, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    _job, data = _export(client_a, django_capture_on_commit_callbacks, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == CSV_HEADER.split(";")
    evil = next(r for r in rows if r[0].value == "evil@firma.dk")
    assert evil[1].value == '=HYPERLINK("http://evil.example","klik")' and evil[1].data_type == "s"
    assert evil[2].data_type == "s"
    klj = next(r for r in rows if r[0].value == "klj@firma.dk")
    assert klj[7].value == "+4588887765" and klj[7].data_type == "s"


def _reimport(client, captured, name, data, content_type="text/csv"):
    response, job = run_upload(client, captured, "/users/import/", name, data, content_type)
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message
    return job


def _excel_danish(data):
    """What Excel in a Danish locale saves ("CSV (semikolonsepareret)"): Windows-1252, ";",
    numbers typed as +45... turned into plain numbers, the apostrophes of text cells kept."""
    rows = _csv_rows(data)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([c[1:] if c.startswith("+45") else c for c in row])
    return out.getvalue().encode("cp1252")


def _excel_utf8(data):
    """Excel's "CSV UTF-8": a BOM, the list separator ";"."""
    return b"\xef\xbb\xbf" + data.decode("utf-8-sig").encode("utf-8")


def _comma_utf8(data):
    """LibreOffice / Google Sheets / Numbers: commas and UTF-8 without BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\n")
    for row in _csv_rows(data):
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("resave", [None, _excel_danish, _excel_utf8, _comma_utf8], ids=["as-exported", "excel-da-cp1252", "excel-csv-utf8", "comma-utf8"])
def test_exported_csv_imports_again_unchanged(client_a, people, resave, django_capture_on_commit_callbacks):
    _job, data = _export(client_a, django_capture_on_commit_callbacks)
    if resave:
        data = resave(data)
    job = _reimport(client_a, django_capture_on_commit_callbacks, "brugere.csv", data)
    assert job.counts["error"] == 0, job.errors
    assert job.counts["unchanged"] == 4, job.preview
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED
    people["evil"].refresh_from_db()
    assert people["evil"].first_name == '=HYPERLINK("http://evil.example","klik")'


def test_exported_xlsx_saved_again_by_a_spreadsheet_program_imports(client_a, people, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    _job, data = _export(client_a, django_capture_on_commit_callbacks, fmt="xlsx")
    workbook = load_workbook(io.BytesIO(data))
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = _reimport(client_a, django_capture_on_commit_callbacks, "brugere.xlsx", buffer.getvalue(), XLSX)
    assert job.counts["unchanged"] == 4 and job.counts["error"] == 0, job.errors


def test_edited_export_updates_users(client_a, people, django_capture_on_commit_callbacks):
    _job, data = _export(client_a, django_capture_on_commit_callbacks)
    text = data.decode("utf-8-sig").replace("Kasper Leth;Jensen", "Kasper;Leth Jensen")
    job = _reimport(client_a, django_capture_on_commit_callbacks, "brugere.csv", text.encode("utf-8"))
    assert job.counts["update"] == 1 and job.counts["unchanged"] == 3
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    people["klj"].refresh_from_db()
    assert (people["klj"].first_name, people["klj"].last_name) == ("Kasper", "Leth Jensen")


def test_another_organisations_export_is_a_404(client_a, client, admin_b, people, django_capture_on_commit_callbacks):
    job, _data = _export(client_a, django_capture_on_commit_callbacks)
    client.force_login(admin_b)
    for name in ("job_detail", "job_download", "job_progress"):
        assert client.get(reverse(f"customers:{name}", args=[job.pk])).status_code == 404
