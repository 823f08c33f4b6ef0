"""Licence usage (ORG-4): the summary page and the report as a job, CSV and XLSX (with a chart of
use against quota), formula-injection safe, in the language of whoever started it."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import Job, Licence
from tests.factories import LicenceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def licences(org_a, org_b):
    uc = LicenceFactory(organisation=org_a, name="Unified Communication", kind=Licence.Kind.USER, quota=2)
    standard = LicenceFactory(organisation=org_a, name="Standard", kind=Licence.Kind.USER, quota=None)
    mobile = LicenceFactory(organisation=org_a, name="Mobilklient", kind=Licence.Kind.MOBILE, quota=10)
    UserFactory(organisation=org_a, username="klj@ipvision.dk", first_name="Kasper Leth", last_name="Jensen", licence=uc, mobile_licence=mobile)
    UserFactory(organisation=org_a, username="mbr@ipvision.dk", first_name="Morten", last_name="Brendstrup", licence=uc)
    UserFactory(
        organisation=org_a, username="evil@ipvision.dk", first_name='=HYPERLINK("http://evil.example","x")', last_name="Ond", licence=uc
    )
    UserFactory(organisation=org_a, username="none@ipvision.dk", first_name="Uden", last_name="Licens")
    other = LicenceFactory(organisation=org_b, name="Unified Communication", kind=Licence.Kind.USER)
    UserFactory(organisation=org_b, username="b@other.example", licence=other)
    return uc, standard, mobile


def test_the_page_shows_use_against_quota(client_a, licences):
    page = client_a.get(reverse("customers:licence_usage")).content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.index("Standard") < rows.index("Unified Communication") < rows.index("Mobilklient")  # user licences first
    uc_row = rows.split("Unified Communication")[1].split("</tr>")[0]
    assert ">3" in uc_row and "over quota" in uc_row and ">2<" in uc_row  # 3 in use, quota 2
    mobile_row = rows.split("Mobilklient")[1].split("</tr>")[0]
    assert ">1<" in mobile_row and ">10<" in mobile_row and "over quota" not in mobile_row


def _report(client, captured, fmt):
    with captured(execute=True):
        response = client.post(reverse("customers:licence_usage"), {"format": fmt})
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.kind == Job.Kind.LICENCE_REPORT and job.status == Job.Status.SUCCEEDED, job.message
    assert reverse("customers:job_download", args=[job.pk]) in client.get(response["Location"]).content.decode()
    download = client.get(reverse("customers:job_download", args=[job.pk]))
    return job, b"".join(download.streaming_content)


def test_the_csv_report_lists_licence_types_then_users(client_a, licences, django_capture_on_commit_callbacks):
    job, data = _report(client_a, django_capture_on_commit_callbacks, "csv")
    assert job.file_name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[:5] == [
        ["Licence", "Number in use", "Quota"],
        ["Standard", "0", ""],
        ["Unified Communication", "3", "2"],
        ["Mobilklient", "1", "10"],
        [],
    ]
    assert rows[5] == ["Username", "Name", "Licence", "Mobile client licence"]
    users = rows[6:]
    assert [r[0] for r in users] == ["admin@a.example", "evil@ipvision.dk", "klj@ipvision.dk", "mbr@ipvision.dk", "none@ipvision.dk"]
    assert users[2] == ["klj@ipvision.dk", "Kasper Leth Jensen", "Unified Communication", "Mobilklient"]
    assert users[1][1].startswith("'=HYPERLINK")  # a formula is shown as text, never run
    assert users[4] == ["none@ipvision.dk", "Uden Licens", "", ""]
    assert "b@other.example" not in data.decode("utf-8-sig")


def test_the_xlsx_report_has_a_chart_of_use_against_quota(client_a, licences, django_capture_on_commit_callbacks):
    job, data = _report(client_a, django_capture_on_commit_callbacks, "xlsx")
    assert job.file_name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Summary", "Users"]
    summary = [list(r) for r in workbook["Summary"].iter_rows(values_only=True)]
    assert summary == [["Licence", "Number in use", "Quota"], ["Standard", 0, None], ["Unified Communication", 3, 2], ["Mobilklient", 1, 10]]
    users = [list(r) for r in workbook["Users"].iter_rows(values_only=True)]
    assert users[0] == ["Username", "Name", "Licence", "Mobile client licence"]
    evil = next(r for r in users if r[0] == "evil@ipvision.dk")
    assert evil[1] == '=HYPERLINK("http://evil.example","x") Ond'
    assert workbook["Users"]["B3"].data_type == "s"  # a text cell: never evaluated
    (chart,) = workbook["Summary"]._charts  # openpyxl reads the chart back
    assert chart.tagname == "barChart"
    assert [s.tx.strRef.f for s in chart.series] == ["'Summary'!B1", "'Summary'!C1"]  # "Number in use", "Quota"
    assert [s.val.numRef.f for s in chart.series] == ["'Summary'!$B$2:$B$4", "'Summary'!$C$2:$C$4"]
    assert chart.series[0].cat.numRef.f == "'Summary'!$A$2:$A$4"  # one bar group per licence type
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("xl/charts/chart")]) == 1


def test_the_report_speaks_the_language_of_who_started_it(client_a, admin_a, licences, django_capture_on_commit_callbacks):
    admin_a.language = "da"
    admin_a.save()
    _job, data = _report(client_a, django_capture_on_commit_callbacks, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Licens", "Antal i brug", "Kvote"]
    assert rows[5] == ["Brugernavn", "Navn", "Licens", "Mobilklient-licens"]
    _job, data = _report(client_a, django_capture_on_commit_callbacks, "xlsx")
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Oversigt", "Brugere"]


def test_the_page_speaks_danish(client_a, admin_a, licences):
    admin_a.language = "da"
    admin_a.save()
    page = client_a.get(reverse("customers:licence_usage"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Licensbrug" in page and "Antal i brug" in page and "Kvote" in page and "over kvoten" in page


def test_another_organisations_report_is_404(client, admin_b, client_a, licences, django_capture_on_commit_callbacks):
    job, _data = _report(client_a, django_capture_on_commit_callbacks, "csv")
    client.force_login(admin_b)
    assert client.get(reverse("customers:job_download", args=[job.pk])).status_code == 404


def test_xlsx_text_keeps_formulas_and_error_codes_as_text():
    from openpyxl import Workbook

    from connect.lib.imports import xlsx_text

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("T")
    sheet.append([xlsx_text(sheet, v) for v in ("=1+1", "#REF!", "+4588887765", "Søren\x07", None)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = load_workbook(buffer)["T"][1]
    assert [c.value for c in row] == ["=1+1", "#REF!", "+4588887765", "Søren", None]
    assert [c.data_type for c in row[:4]] == ["s", "s", "s", "s"]
