"""Import warnings: things the admin should see in the preview but may accept (the row imports).

- Text that looks double-encoded ("SÃ¸ren": UTF-8 read as Windows-1252), in CSV, XLSX and LDIF.
- Directory sync: a telephoneNumber outside the organisation's number ranges is left out of the
  person's lines with a warning; the person is imported. A CSV file stays strict.
"""

import csv
import html
import io

import pytest
from django.urls import reverse
from django.utils import translation

from connect.lib.i18n import message_text
from connect.lib.imports import format_row_error
from connect.lib.imports.readers import mojibake_repair
from customers.models import Job, Number, User, UserLine
from customers.operations.users import user_create, user_set_lines
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload, xlsx_bytes
from tests.customers.test_ldif import ldifde, person

URL = "/users/import/"
LDIF_URL = "/users/directory-sync/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _preview(client, captured, data, url=URL, name="users.csv", content_type="text/csv"):
    response, job = run_upload(client, captured, url, name, data, content_type)
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message_text
    return job


def _warnings(job):
    unit = (job.params or {}).get("unit", "row")
    return [format_row_error(w, unit) for w in job.warnings]


def _page(client, job, query=""):
    return html.unescape(client.get(reverse("customers:job_detail", args=[job.pk]) + query).content.decode())


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        ("SÃ¸ren", "Søren"),
        ("KÃ¸benhavn Ã˜st", "København Øst"),
        ("Ã…rhus", "Århus"),
        ("MÃ¼ller", "Müller"),
        ("Itâ€™s", "It’s"),
        ("Ã\x98ster", "Øster"),  # Latin-1 reading: the C1 control character stays
        ("Ð¡ÐµÑ€Ð³ÐµÐ¹", "Сергей"),
    ],
)
def test_double_encoded_text_is_recognised(text, repaired):
    assert mojibake_repair(text) == repaired


@pytest.mark.parametrize("text", ["Søren", "Jørgen Ærø-Åberg", "Müller", "façade", "Ålborg", "abc", "", "Ã", "Â", "5 °C"])
def test_real_text_is_left_alone(text):
    assert mojibake_repair(text) is None


def test_csv_with_double_encoded_names_warns_per_field_and_still_imports(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["soren@firma.dk;SÃ¸ren;Ã†rÃ¸;;KÃ¸benhavn;;;;;;;;;;;;;;", "ok@firma.dk;Ok;Person;;;;;;;;;;;;;;;;"])
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["error"] == 0 and job.counts["warning"] == 1 and job.can_confirm
    assert _warnings(job) == [
        "Row 2, Fornavn: “SÃ¸ren” looks double-encoded; it probably should read “Søren”. Check the file's encoding.",
        "Row 2, Efternavn: “Ã†rÃ¸” looks double-encoded; it probably should read “Ærø”. Check the file's encoding.",
        "Row 2, Afdeling: “KÃ¸benhavn” looks double-encoded; it probably should read “København”. Check the file's encoding.",
    ]
    with translation.override("da"):
        assert format_row_error(job.warnings[0]) == (
            "Række 2, Fornavn: “SÃ¸ren” ser ud til at være kodet to gange; der skal sandsynligvis stå “Søren”. "
            "Kontrollér filens tegnkodning."
        )
    page = _page(client_a, job)
    assert "Warnings" in page and "it probably should read “Søren”" in page
    assert "1 row has a warning: it can be saved, but check it first." in page
    filtered = _page(client_a, job, "?show=warning")
    assert "soren@firma.dk" in filtered and "ok@firma.dk" not in filtered
    # A warning does not block: the admin decides, and saving imports the text as it is.
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    assert User.objects.get(username="soren@firma.dk").first_name == "SÃ¸ren"


def test_xlsx_with_double_encoded_text_warns(client_a, import_org, django_capture_on_commit_callbacks):
    data = xlsx_bytes([["soren@firma.dk", "SÃ¸ren", "Jensen"]], header=["Brugernavn", "Fornavn", "Efternavn"])
    job = _preview(client_a, django_capture_on_commit_callbacks, data, name="users.xlsx", content_type=XLSX)
    assert job.counts["warning"] == 1 and job.counts["error"] == 0
    assert _warnings(job) == ["Row 2, Fornavn: “SÃ¸ren” looks double-encoded; it probably should read “Søren”. Check the file's encoding."]


def test_ldif_with_double_encoded_text_warns(client_a, import_org, django_capture_on_commit_callbacks):
    data = ldifde(person("CN=S,DC=firma,DC=local", "soren@firma.dk", "SÃ¸ren", "Jensen", department="Salg"))
    job = _preview(client_a, django_capture_on_commit_callbacks, data, url=LDIF_URL, name="users.ldf", content_type="application/octet-stream")
    assert job.counts["warning"] == 1 and job.counts["create"] == 1
    assert _warnings(job) == ["Line 2, givenName: “SÃ¸ren” looks double-encoded; it probably should read “Søren”. Check the file's encoding."]


def test_properly_encoded_danish_text_gives_no_warning(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["soren@firma.dk;Søren;Ærø-Åberg;;København;;;;;;;;;;;;;;"], encoding="cp1252")
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.warnings == [] and job.counts["warning"] == 0


def test_directory_sync_imports_a_person_whose_number_the_organisation_does_not_own(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    data = ldifde(
        person("CN=Abroad,DC=firma,DC=local", "abroad@firma.dk", "Colleague", "Abroad", phone="+49 30 1234567"),
        person("CN=Home,DC=firma,DC=local", "home@firma.dk", "Colleague", "Home", phone="+45 88 88 77 65"),
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data, url=LDIF_URL, name="users.ldf", content_type="application/octet-stream")
    assert job.counts["create"] == 2 and job.counts["error"] == 0 and job.counts["warning"] == 1
    warning = "The number +49301234567 is outside the organisation's number ranges and is not imported as the user's line."
    assert [message_text(w["message"]) for w in job.warnings] == [warning]
    page = _page(client_a, job)
    assert warning in page and "1 entry has a warning: it can be saved, but check it first." in page
    rows = {r["label"]: r for r in job.preview}
    assert "telephoneNumber" not in rows["abroad@firma.dk"]["changes"]

    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    abroad = User.objects.get(username="abroad@firma.dk")
    assert not UserLine.objects.filter(user=abroad).exists()
    assert UserLine.objects.get(user__username="home@firma.dk").number.number == "+4588887765"
    assert not Number.objects.filter(number="+49301234567").exists()
    # The job's report keeps the warning after the import.
    assert warning in _page(client_a, job)
    response = client_a.get(reverse("customers:job_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:3] == ["Warning", "2", "telephoneNumber"] and rows[1][3] == warning


def test_directory_sync_keeps_the_current_line_of_an_existing_user(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    user = user_create(organisation=import_org, username="abroad@firma.dk", first_name="Colleague", last_name="Abroad", by=admin_a)
    user_set_lines(user=user, primary="+4588887701", by=admin_a)
    data = ldifde(person("CN=Abroad,DC=firma,DC=local", "abroad@firma.dk", "Colleague", "Abroad", phone="+49 30 1234567"))
    job = _preview(client_a, django_capture_on_commit_callbacks, data, url=LDIF_URL, name="users.ldf", content_type="application/octet-stream")
    assert job.counts["unchanged"] == 1 and job.counts["warning"] == 1
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert UserLine.objects.get(user=user).number.number == "+4588887701"


def test_a_csv_file_stays_strict_about_numbers_outside_the_ranges(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["abroad@firma.dk;Colleague;Abroad;;;;;+49301234567;;;;;;;;;;;"])
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["error"] == 1 and not job.can_confirm and job.warnings == []
    assert [format_row_error(e) for e in job.errors] == [
        "Row 2, Primær linje: The number +49301234567 is outside the organisation's number ranges."
    ]
