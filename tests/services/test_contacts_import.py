"""SVC-7 "Importer kontakter": upload, preview with the column mapping, "Gem" in one transaction,
bad files, tenancy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connect.lib.imports import format_row_error
from customers.models import AuditEntry, Job
from services.models import ContactNumber, ExternalContact
from tests.services.factories import ExternalContactFactory

HEADER = "Firma;Afdeling;Fornavn;Efternavn;E-mail;Telefon;Mobil"
ROWS = [
    "ipvision A/S;Operations;Kasper Leth;Jensen;klj@ipvision.dk;+4581808088;20 30 40 50",
    "Nærum Tømrer;;Søren;Ørsted;;88 88 77 65;",
]


def csv_bytes(lines, delimiter=";", encoding="utf-8", bom=False, newline="\r\n"):
    text = newline.join(line.replace(";", delimiter) for line in lines) + newline
    data = text.encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def import_url(level=None, pk=None):
    if level is None:
        return reverse("services:contacts_import")
    return reverse(f"services:contacts_import_{level}", args=[pk])


def upload(client, captured, data, name="kontakter.txt", content_type="text/plain", url=None):
    """POST the file (the preview task runs eagerly on commit); (response, job or None)."""
    with captured(execute=True):
        response = client.post(
            url or import_url(), {"file": SimpleUploadedFile(name, data, content_type=content_type)}
        )
    job = None
    if response.status_code == 302 and "/contacts/jobs/" in response["Location"]:
        job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    return response, job


def job_page(client, job):
    return client.get(reverse("services:contacts_import_job", args=[job.pk])).content.decode()


def mapping_data(job, **changes):
    """The mapping form as the page sends it, with `changes` ({field: column index or ""})."""
    layout = job.params["layout"]
    data = {f"map_{key}": str(index) for key, index in layout["mapping"].items()}
    if layout["has_header"]:
        data["has_header"] = "on"
    for key, value in changes.items():
        if key == "has_header":
            if value:
                data["has_header"] = "on"
            else:
                data.pop("has_header", None)
        else:
            data[f"map_{key}"] = str(value)
    return data


def post_job(client, captured, job, action, data=None):
    with captured(execute=True):
        response = client.post(
            reverse("services:contacts_import_job", args=[job.pk]),
            {**(data or mapping_data(job)), "action": action},
        )
    job.refresh_from_db()
    return response


def save(client, captured, job):
    response = post_job(client, captured, job, "save")
    assert response.status_code == 302
    assert job.status == Job.Status.SUCCEEDED, (job.status, job.message_text, job.errors)
    return job


# --- happy paths -----------------------------------------------------------------------------


def test_import_with_header_preview_then_save(
    client_a, org_a, admin_a, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    contacts = client_a.get(reverse("services:service", args=["contacts"])).content.decode()
    assert import_url() in contacts and "Import contacts" in contacts
    assert client_a.get(import_url()).status_code == 200
    response, job = upload(client_a, captured, csv_bytes([HEADER, *ROWS]))
    assert response.status_code == 302 and job is not None
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert not ExternalContact.objects.exists()  # nothing before "Gem"
    layout = job.params["layout"]
    assert layout["has_header"] is True and layout["delimiter"] == ";"
    assert layout["mapping"] == {
        "company": 0,
        "department": 1,
        "first_name": 2,
        "last_name": 3,
        "email": 4,
        "number_work": 5,
        "number_mobile": 6,
    }
    page = job_page(client_a, job)
    for text in (
        "Imported contacts",
        "Overview fields",
        "Position in the file",
        "Kasper Leth",
        "+4520304050",
        "Save",
    ):
        assert text in page, text
    assert 'value="2" selected' in page  # Fornavn comes from the third column

    save(client_a, captured, job)
    kasper = ExternalContact.objects.get(first_name="Kasper Leth")
    assert (kasper.organisation, kasper.group, kasper.user) == (org_a, None, None)
    assert kasper.contact_type == ExternalContact.ContactType.CONTACT
    assert (kasper.company, kasper.department, kasper.email) == (
        "ipvision A/S",
        "Operations",
        "klj@ipvision.dk",
    )
    assert [(n.number, n.number_type, n.is_preferred) for n in kasper.numbers.all()] == [
        ("+4581808088", "work", True),
        ("+4520304050", "mobile", False),
    ]
    soren = ExternalContact.objects.get(first_name="Søren")
    assert soren.last_name == "Ørsted" and soren.numbers.get().number == "+4588887765"
    assert (
        AuditEntry.objects.filter(
            content_type__model="externalcontact", action="create", actor=admin_a
        ).count()
        == 2
    )
    assert "Saved: 2 created" in job_page(client_a, job)


@pytest.mark.parametrize(
    "name,delimiter,encoding,bom",
    [
        ("kontakter.txt", ";", "utf-8", False),
        ("KONTAKTER.RTX", ";", "utf-8", False),
        ("kontakter.csv", ",", "utf-8", False),
        ("kontakter.Csv", "\t", "utf-8", False),
        ("kontakter.txt", ";", "utf-8", True),
        ("kontakter.txt", ";", "cp1252", False),
        ("kontakter.csv", ",", "cp1252", False),
    ],
)
def test_extensions_delimiters_and_encodings(
    client_a, org_a, name, delimiter, encoding, bom, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    lines = ["Fornavn;Efternavn;Firma;Telefon", "Søren;Ærø;Å-huset, Nærum;+4570000001"]
    if delimiter == ",":
        lines[1] = 'Søren;Ærø;"Å-huset, Nærum";+4570000001'
    response, job = upload(
        client_a,
        captured,
        csv_bytes(lines, delimiter=delimiter, encoding=encoding, bom=bom),
        name=name,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert job.params["layout"]["delimiter"] == delimiter
    save(client_a, captured, job)
    contact = ExternalContact.objects.get()
    assert (contact.first_name, contact.last_name, contact.company) == (
        "Søren",
        "Ærø",
        "Å-huset, Nærum",
    )


def test_rtx_sent_as_richtext_is_accepted(client_a, org_a, django_capture_on_commit_callbacks):
    response, job = upload(
        client_a,
        django_capture_on_commit_callbacks,
        csv_bytes([HEADER, *ROWS]),
        name="liste.rtx",
        content_type="text/richtext",
    )
    assert response.status_code == 302 and job is not None


def test_file_without_header_is_guessed_and_mapping_can_be_changed(
    client_a, org_a, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    data = csv_bytes(
        ["Jensen;Kasper;+4581808088;klj@ipvision.dk", "Hansen;Mette;88887765;mh@example.dk"]
    )
    _response, job = upload(client_a, captured, data)
    job.refresh_from_db()
    layout = job.params["layout"]
    assert layout["has_header"] is False  # the first line has a phone number: it is data
    assert layout["mapping"] == {"first_name": 0, "last_name": 1, "number_work": 2, "email": 3}
    assert job.counts["create"] == 2
    page = job_page(client_a, job)
    assert "Jensen" in page and "(not imported)" in page

    # The admin swaps the name columns and takes the number as a mobile number.
    changes = {"first_name": 1, "last_name": 0, "number_work": "", "number_mobile": 2}
    response = post_job(client_a, captured, job, "preview", mapping_data(job, **changes))
    assert response.status_code == 302
    assert job.status == Job.Status.PREVIEW
    assert job.params["layout"]["mapping"] == {
        "first_name": 1,
        "last_name": 0,
        "number_mobile": 2,
        "email": 3,
    }
    assert not ExternalContact.objects.exists()
    save(client_a, captured, job)
    kasper = ExternalContact.objects.get(first_name="Kasper")
    assert kasper.last_name == "Jensen" and kasper.numbers.get().number_type == "mobile"
    assert ExternalContact.objects.count() == 2


def test_save_with_a_changed_mapping_previews_again_instead_of_saving(
    client_a, org_a, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    _response, job = upload(client_a, captured, csv_bytes([HEADER, *ROWS]))
    job.refresh_from_db()
    response = post_job(client_a, captured, job, "save", mapping_data(job, department=""))
    assert response.status_code == 302
    assert job.status == Job.Status.PREVIEW and "department" not in job.params["layout"]["mapping"]
    assert not ExternalContact.objects.exists()
    assert "nothing was saved yet" in client_a.get(response["Location"]).content.decode()
    save(client_a, captured, job)
    assert ExternalContact.objects.get(first_name="Kasper Leth").department == ""


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"first_name": 0}, "Column 1 is chosen for more than one field: Company, First name."),
        (
            {"number_work": "", "number_mobile": ""},
            "Choose the column of at least one phone number.",
        ),
        (
            {"company": "", "first_name": "", "last_name": ""},
            "Choose the column of a first name, a last name or a company.",
        ),
        ({"city": 99}, "Select a valid choice."),
    ],
)
def test_bad_mapping_is_refused(
    client_a, org_a, changes, message, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    _response, job = upload(client_a, captured, csv_bytes([HEADER, *ROWS]))
    job.refresh_from_db()
    before = job.params
    response = post_job(client_a, captured, job, "preview", mapping_data(job, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert job.status == Job.Status.PREVIEW and job.params == before


def test_header_checkbox_turns_the_first_line_into_data(
    client_a, org_a, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    _response, job = upload(
        client_a, captured, csv_bytes(["Kasper;Jensen;", "Mette;Hansen;+4570000001"])
    )
    job.refresh_from_db()
    layout = job.params["layout"]
    assert layout["has_header"] is True and layout["mapping"] == {}  # no phone number in line 1
    assert [c["header"] for c in layout["columns"]] == ["Kasper", "Jensen", ""]
    post_job(
        client_a,
        captured,
        job,
        "preview",
        mapping_data(job, has_header=False, first_name=0, last_name=1, number_work=2),
    )
    assert job.params["layout"]["has_header"] is False
    assert [format_row_error(e) for e in job.errors] == ["Row 1: Add at least one phone number."]
    assert [r["label"] for r in job.preview] == ["Kasper Jensen", "Mette Hansen"]


def test_duplicates_in_the_file_and_in_the_list_are_not_imported_twice(
    client_a, org_a, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    ExternalContactFactory(
        organisation=org_a,
        company="ipvision A/S",
        first_name="Kasper Leth",
        last_name="Jensen",
        number="+4581808088",
    )
    existing = ExternalContact.objects.get()
    existing.numbers.create(number="+4520304050", number_type="mobile", position=1)
    _response, job = upload(client_a, captured, csv_bytes([HEADER, *ROWS, ROWS[1]]))
    job.refresh_from_db()
    assert (job.counts["create"], job.counts["unchanged"], job.counts["skip"]) == (1, 1, 1)
    page = job_page(client_a, job)
    assert "The contact is already in the list." in page and "The same contact as in row 3." in page
    save(client_a, captured, job)
    assert ExternalContact.objects.count() == 2


def test_import_at_group_and_user_scope(
    client_a, org_a, groups_a, member_a, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    salg = groups_a["Salg"]
    page = client_a.get(
        reverse("services:service_group", args=["contacts", salg.pk])
    ).content.decode()
    assert import_url("group", salg.pk) in page
    _response, job = upload(
        client_a, captured, csv_bytes([HEADER, ROWS[0]]), url=import_url("group", salg.pk)
    )
    job.refresh_from_db()
    assert job.params["scope_name"] == "Salg"
    save(client_a, captured, job)
    assert ExternalContact.objects.get().group == salg
    _response, job = upload(
        client_a, captured, csv_bytes([HEADER, ROWS[1]]), url=import_url("user", member_a.pk)
    )
    job.refresh_from_db()
    save(client_a, captured, job)
    assert ExternalContact.objects.get(first_name="Søren").user == member_a
    # the page leads back to the scope's contact list
    assert reverse("services:service_user", args=["contacts", member_a.pk]) in job_page(
        client_a, job
    )


def test_formula_text_is_kept_as_text(client_a, org_a, django_capture_on_commit_callbacks):
    captured = django_capture_on_commit_callbacks
    lines = ["Firma;Fornavn;Telefon", '=HYPERLINK("http://evil.example");@SUM(1+1);+4570000001']
    _response, job = upload(client_a, captured, csv_bytes(lines))
    job.refresh_from_db()
    save(client_a, captured, job)
    contact = ExternalContact.objects.get()
    assert (
        contact.company == '=HYPERLINK("http://evil.example")' and contact.first_name == "@SUM(1+1)"
    )


# --- bad files: a clear message, nothing written ---------------------------------------------


def refused(client, captured, data, name="kontakter.txt", content_type="text/plain"):
    response, job = upload(client, captured, data, name=name, content_type=content_type)
    assert response.status_code == 200 and job is None
    assert not Job.objects.exists() and not ExternalContact.objects.exists()
    return response.content.decode()


def failed(client, captured, data, name="kontakter.txt"):
    response, job = upload(client, captured, data, name=name)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED, (job.status, job.counts)
    page = job_page(client, job)
    assert "Nothing was saved." in page
    assert not ExternalContact.objects.exists()
    return job.message_text


def with_errors(client, captured, data):
    _response, job = upload(client, captured, data)
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert not job.can_confirm
    page = job_page(client, job)
    assert 'value="save"' not in page  # no "Gem" while rows have errors
    # a crafted "Gem" is refused too
    post_job(client, captured, job, "save")
    assert job.status == Job.Status.PREVIEW and not ExternalContact.objects.exists()
    return [format_row_error(e) for e in job.errors]


@pytest.mark.parametrize(
    "name", ["kontakter.xlsx", "kontakter.pdf", "kontakter", "kontakter.txt.exe", "kontakter.vcf"]
)
def test_other_extensions_are_refused_naming_the_allowed_ones(
    client_a, org_a, name, django_capture_on_commit_callbacks
):
    page = refused(
        client_a, django_capture_on_commit_callbacks, csv_bytes([HEADER, *ROWS]), name=name
    )
    assert "The file must have one of the extensions .txt, .rtx, .csv." in page


def test_binary_junk_is_refused(client_a, org_a, django_capture_on_commit_callbacks):
    page = refused(
        client_a, django_capture_on_commit_callbacks, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    )
    assert "The file is not a text file." in page


def test_random_bytes_are_refused_with_the_encoding_message(
    client_a, org_a, django_capture_on_commit_callbacks
):
    message = failed(client_a, django_capture_on_commit_callbacks, bytes(range(1, 256)) * 8)
    assert "encoding could not be recognised" in message


def test_nul_bytes_are_refused(client_a, org_a, django_capture_on_commit_callbacks):
    message = failed(
        client_a,
        django_capture_on_commit_callbacks,
        csv_bytes([HEADER, "Acme;;Kasper\x00;Jensen;;+4570000001;"]),
    )
    assert "Row 2 contains NUL characters" in message


def test_utf16_without_bom_is_refused(client_a, org_a, django_capture_on_commit_callbacks):
    message = failed(
        client_a, django_capture_on_commit_callbacks, "\n".join([HEADER, *ROWS]).encode("utf-16-le")
    )
    assert "UTF-16" in message


def test_mixed_encoding_is_refused_with_the_line(
    client_a, org_a, django_capture_on_commit_callbacks
):
    data = csv_bytes([HEADER, ROWS[1]]) + "Ørsted;;Søren;;;+4570000001;\r\n".encode("cp1252")
    message = failed(client_a, django_capture_on_commit_callbacks, data)
    assert "line 3" in message


def test_empty_and_header_only_files(client_a, org_a, django_capture_on_commit_callbacks):
    captured = django_capture_on_commit_callbacks
    page = refused(client_a, captured, b"")
    assert "empty" in page
    assert "The file has no data rows." in failed(client_a, captured, csv_bytes([HEADER]))


def test_file_over_the_size_limit_is_refused_before_it_is_read(
    client_a, org_a, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_BYTES = 2000
    page = refused(client_a, django_capture_on_commit_callbacks, csv_bytes([HEADER] + ROWS * 40))
    assert "The file is larger than 2.0" in page


def test_too_many_columns(client_a, org_a, django_capture_on_commit_callbacks):
    message = failed(
        client_a,
        django_capture_on_commit_callbacks,
        csv_bytes([";".join(f"c{i}" for i in range(60)), "x;" * 59 + "+4570000001"]),
    )
    assert "The file has 60 columns; a contacts file has at most 50." in message


def test_unclosed_quote(client_a, org_a, django_capture_on_commit_callbacks):
    message = failed(
        client_a,
        django_capture_on_commit_callbacks,
        csv_bytes([HEADER, 'Acme;"Sales;Kasper;Jensen;;+4570000001;']),
    )
    assert "quotation mark is not closed" in message


def test_row_errors_name_row_and_column(client_a, org_a, django_capture_on_commit_callbacks):
    lines = [
        HEADER,
        ROWS[0],
        "Acme;;Anna;;not-an-email;+4570000001;",
        "Acme;;Bo;;;12ab;",
        ";;;;;+4570000002;",
        "Acme;;Carl;;;;",
        "Acme;;" + "x" * 65 + ";;;+4570000003;",
        "Acme;;D\x07;;;+4570000004;",
    ]
    errors = with_errors(client_a, django_capture_on_commit_callbacks, csv_bytes(lines))
    assert "Row 3, E-mail: Enter a valid email address." in errors
    assert (
        "Row 4, Telefonnummer (Arbejde): A phone number may contain only digits, spaces and a leading “+”."
        in errors
    )
    assert "Row 5, Fornavn: Enter a first name, a last name or a company." in errors
    assert "Row 6: Add at least one phone number." in errors
    assert any(
        e.startswith("Row 7, Fornavn: Ensure this value has at most 64 characters") for e in errors
    )
    assert "Row 8, Fornavn: The text contains control characters, which are not allowed." in errors


# --- tenancy and permissions -----------------------------------------------------------------


def test_another_organisations_group_user_and_job_are_404(
    client_a, org_a, group_b, user_b, admin_b, client, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    data = csv_bytes([HEADER, *ROWS])
    for url in (import_url("group", group_b.pk), import_url("user", user_b.pk)):
        assert client_a.get(url).status_code == 404
        response, job = upload(client_a, captured, data, url=url)
        assert response.status_code == 404 and job is None
    assert not Job.objects.exists()
    # org B's own import job is a 404 for org A's admin, also for "Gem"
    client_b = type(client)()
    client_b.force_login(admin_b)
    _response, job_b = upload(client_b, captured, data)
    job_b.refresh_from_db()
    assert job_b.status == Job.Status.PREVIEW
    job_url = reverse("services:contacts_import_job", args=[job_b.pk])
    assert client_a.get(job_url).status_code == 404
    with captured(execute=True):
        assert client_a.post(job_url, {**mapping_data(job_b), "action": "save"}).status_code == 404
    job_b.refresh_from_db()
    assert job_b.status == Job.Status.PREVIEW and not ExternalContact.objects.exists()


def test_standard_user_has_no_access(client, user_a):
    client.force_login(user_a)
    assert client.get(import_url()).status_code == 403


def test_cancel_discards_the_import(client_a, org_a, django_capture_on_commit_callbacks):
    captured = django_capture_on_commit_callbacks
    _response, job = upload(client_a, captured, csv_bytes([HEADER, *ROWS]))
    job.refresh_from_db()
    response = post_job(client_a, captured, job, "cancel")
    assert response["Location"] == reverse("services:service", args=["contacts"])
    assert (
        job.status == Job.Status.CANCELLED
        and not job.upload
        and not ExternalContact.objects.exists()
    )


def test_other_jobs_open_on_the_generic_job_page(client_a, org_a, admin_a):
    job = Job.objects.create(
        organisation=org_a,
        kind=Job.Kind.USERS_EXPORT,
        task_name="customers.users_export",
        created_by=admin_a,
    )
    response = client_a.get(reverse("services:contacts_import_job", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "customers:job_detail", args=[job.pk]
    )


def test_import_page_in_danish(client_a, admin_a, org_a, django_capture_on_commit_callbacks):
    admin_a.language = "da"
    admin_a.save()
    page = client_a.get(import_url()).content.decode()
    assert "Importer kontakter" in page
    _response, job = upload(
        client_a, django_capture_on_commit_callbacks, csv_bytes([HEADER, *ROWS])
    )
    page = job_page(client_a, job)
    for text in ("Importerede kontakter", "Oversigtfelter", "Position i filen", "Gem", "Annuller"):
        assert text in page, text


def test_the_generic_job_page_leads_to_the_import_page(
    client_a, org_a, django_capture_on_commit_callbacks
):
    _response, job = upload(
        client_a, django_capture_on_commit_callbacks, csv_bytes([HEADER, *ROWS])
    )
    response = client_a.get(reverse("customers:job_detail", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("services:contacts_import_job", args=[job.pk])


def test_a_failure_while_saving_writes_nothing(
    client_a, org_a, django_capture_on_commit_callbacks, monkeypatch
):
    """The contacts and their numbers are written, then the audit entries fail: all rolled back."""
    from django.db import IntegrityError

    from services import operations

    captured = django_capture_on_commit_callbacks
    _response, job = upload(client_a, captured, csv_bytes([HEADER, *ROWS]))
    job.refresh_from_db()
    real_insert = operations.bulk_insert
    written = []

    def insert_then_fail(model, objs, **kwargs):
        if model is AuditEntry:
            written.append(ExternalContact.objects.count())
            raise IntegrityError("the database refused the audit entries")
        return real_insert(model, objs, **kwargs)

    monkeypatch.setattr(operations, "bulk_insert", insert_then_fail)
    post_job(client_a, captured, job, "save")
    assert written == [2]  # the contacts were in the database when the write failed ...
    assert job.status == Job.Status.FAILED and "Nothing was saved" in job_page(client_a, job)
    assert not ExternalContact.objects.exists()  # ... and are gone with the transaction
    assert not ContactNumber.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="externalcontact").exists()
