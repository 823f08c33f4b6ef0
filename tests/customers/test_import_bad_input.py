"""Bad input to the users import (USR-3): every case gives a clear message and changes nothing."""

import io
import zipfile

import pytest
from django.urls import reverse

from connect.lib.imports import format_row_error
from customers.models import Job, Number, User
from customers.operations.users import user_create, user_set_lines
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import CSV_HEADER, csv_bytes, run_upload, xlsx_bytes

URL = "/users/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _users_before(org):
    return set(User.objects.values_list("username", flat=True))


def _refused_by_form(client, captured, name, data, content_type="text/csv"):
    jobs_before = Job.objects.count()
    response, job = run_upload(client, captured, URL, name, data, content_type)
    assert response.status_code == 200
    assert job is None and Job.objects.count() == jobs_before
    return response.content.decode()


def _failed_job(client, captured, name, data, content_type="text/csv"):
    response, job = run_upload(client, captured, URL, name, data, content_type)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED, (job.status, job.counts, job.preview[:3])
    page = client.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "Nothing was saved." in page
    return job


def _preview_errors(client, captured, data, name="users.csv", content_type="text/csv"):
    response, job = run_upload(client, captured, URL, name, data, content_type)
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message_text
    return job, [format_row_error(e) for e in job.errors]


# --- refused at upload ---------------------------------------------------------------------------


def test_wrong_extension(client_a, import_org, django_capture_on_commit_callbacks):
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.pdf", b"%PDF-1.4", "application/pdf")
    assert "The file must have one of the extensions .csv, .txt, .xlsx." in page


def test_wrong_content_type(client_a, import_org, django_capture_on_commit_callbacks):
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.csv", csv_bytes([]), "image/png")
    assert "The file type “image/png” does not match the extension .csv." in page


def test_binary_file_named_csv(client_a, import_org, django_capture_on_commit_callbacks):
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.csv", b"%PDF-1.7\n...", "text/csv")
    assert "The file is not a text file." in page


def test_csv_named_xlsx(client_a, import_org, django_capture_on_commit_callbacks):
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.xlsx", csv_bytes([]), XLSX)
    assert "The file is not an Excel workbook (.xlsx)." in page


def test_empty_file(client_a, import_org, django_capture_on_commit_callbacks):
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.csv", b"")
    assert "The submitted file is empty." in page or "The file is empty." in page


def test_file_over_the_size_limit(client_a, import_org, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_BYTES = 1000
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.csv", csv_bytes(["a@b.dk;A;B" + ";" * 16] * 100))
    assert "the limit is 1000" in page


def test_xlsx_zip_bomb_is_refused_before_parsing(client_a, import_org, django_capture_on_commit_callbacks, monkeypatch):
    import openpyxl

    def never(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(60):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 200_000
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.xlsx", data, XLSX)
    assert "unpacks to far more data than a user list holds" in page


def test_xlsx_with_an_xml_entity_bomb_is_refused(client_a, import_org, django_capture_on_commit_callbacks):
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a@b.dk", "A", "B"]])))
    buffer = io.BytesIO()
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = bomb + (content.split(b"?>", 1)[1] if b"?>" in content else content)
            archive.writestr(info, content)
    page = _refused_by_form(client_a, django_capture_on_commit_callbacks, "users.xlsx", buffer.getvalue(), XLSX)
    assert "XML document type declarations, which are not allowed" in page


# --- refused when the file is read --------------------------------------------------------------


def test_a_single_10_mb_line(client_a, import_org, django_capture_on_commit_callbacks):
    data = (CSV_HEADER + "\r\n").encode() + b"a" * (10 * 1024 * 1024) + b"\r\n"
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "Line 2 is longer than 100000 characters" in job.message_text


def test_unmatched_quote(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["ok@firma.dk;Ok;Person", 'bad@firma.dk;"Bad;Person', "x@firma.dk;X;Y"], header="Brugernavn;Fornavn;Efternavn")
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "Row 3 (from line 3) could not be read: a quotation mark is not closed" in job.message_text
    assert not User.objects.filter(username="ok@firma.dk").exists()


def test_a_correctly_closed_10_mb_quoted_value_is_reported_as_too_long(client_a, import_org, django_capture_on_commit_callbacks):
    # Many short physical lines inside one quoted value: no line is over the line cap, the value is.
    value = ("x" * 1000 + "\r\n") * 10_000
    data = csv_bytes(["ok@firma.dk;Ok;Person", f'big@firma.dk;"{value}";Person', "x@firma.dk;X;Y"], header="Brugernavn;Fornavn;Efternavn")
    assert len(data) > 10_000_000
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert job.message_text == "Row 3 (from line 3) has a value longer than 100000 characters, the limit for one value."
    assert not User.objects.filter(username="ok@firma.dk").exists()


def test_an_unclosed_quote_in_a_big_file_is_still_an_unclosed_quote(client_a, import_org, django_capture_on_commit_callbacks):
    # The csv module reads on past the end of the line looking for the closing quotation mark and
    # hits its value length limit first: still an unclosed quotation mark for the admin.
    rows = ['bad@firma.dk;"Bad;Person'] + [f"u{n}@firma.dk;User{'x' * 80};Person" for n in range(3000)]
    data = csv_bytes(rows, header="Brugernavn;Fornavn;Efternavn")
    assert len(data) > 200_000
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "Row 2 (from line 2) could not be read: a quotation mark is not closed" in job.message_text


def test_text_after_a_closing_quote_is_not_a_length_problem(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(['bad@firma.dk;"Bad"Person;X'], header="Brugernavn;Fornavn;Efternavn")
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "Row 2 (from line 2) could not be read: a quotation mark is not closed or a value continues after its closing quotation mark." in job.message_text


def test_unknown_columns_list_the_expected_ones(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@b.dk;A;B;x"], header="Brugernavn;Fornavn;Efternavn;Skostørrelse")
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "Unknown columns: Skostørrelse." in job.message_text
    assert "The expected columns are: Brugernavn, Fornavn, Efternavn, E-mail" in job.message_text


def test_missing_username_column(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["A;B"], header="Fornavn;Efternavn")
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "Missing columns: Brugernavn." in job.message_text and "Felt 6" in job.message_text


def test_header_only(client_a, import_org, django_capture_on_commit_callbacks):
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", csv_bytes([]))
    assert "The file has no data rows." in job.message_text


def test_utf8_file_with_a_byte_in_another_encoding(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["søren@firma.dk;Søren;Ærø;;;;;;;;;;;;;;;;"]) + "æble@firma.dk;Æble;Å".encode("cp1252") + b";;;;;;;;;;;;;;;;\r\n"
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "The file is saved as UTF-8 but line 3 contains characters in another encoding" in job.message_text


def test_utf16_without_bom(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@b.dk;A;B;;;;;;;;;;;;;;;;"]).decode().encode("utf-16-le")
    page = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data).message_text
    assert "UTF-16 text without a byte order mark" in page


def test_bytes_that_no_encoding_defines(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@b.dk;A;B\x81;;;;;;;;;;;;;;;;"], encoding="latin-1")
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "The file's encoding could not be recognised (line 2)" in job.message_text


def test_too_many_rows(client_a, import_org, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_ROWS = 5
    data = csv_bytes([f"u{i}@firma.dk;U;U;;;;;;;;;;;;;;;;" for i in range(6)])
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "more than 5 rows" in job.message_text


# --- row errors: the preview lists them, nothing can be saved ----------------------------------


def test_duplicate_usernames_case_and_unicode_normalisation(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [
            "anna@firma.dk;Anna;A;;;;;;;;;;;;;;;;",
            "ok@firma.dk;Ok;Person;;;;;;;;;;;;;;;;",
            "ANNA@firma.dk;Anna;B;;;;;;;;;;;;;;;;",
            "ａｎｎａ@firma.dk;Anna;C;;;;;;;;;;;;;;;;",  # full-width letters: the same after NFKC
        ]
    )
    job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    duplicate = "The username appears more than once in the file (rows 2, 4, 5)."
    assert errors == [f"Row {n}, Brugernavn: {duplicate}" for n in (2, 4, 5)]
    assert job.counts["error"] == 3 and not job.can_confirm


def test_username_of_another_organisation_is_refused_without_revealing_it(
    client_a, import_org, org_b, admin_b, django_capture_on_commit_callbacks
):
    other = user_create(organisation=org_b, username="taken@b.dk", first_name="Org", last_name="B", by=admin_b)
    data = csv_bytes(["taken@b.dk;Hijack;Attempt;hijack@evil.dk;;;;;;;;;;;;;;;"])
    job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    assert errors == ["Row 2, Brugernavn: This username cannot be used. Choose another."]
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "org-b" not in page and "Org" not in page.split("taken@b.dk", 1)[1][:200]
    other.refresh_from_db()
    assert (other.first_name, other.email, other.organisation) == ("Org", "taken@b.dk", org_b)


def test_numbers_outside_ranges_in_use_or_with_unicode_digits(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    holder = user_create(organisation=import_org, username="holder@firma.dk", first_name="H", last_name="H", by=admin_a)
    user_set_lines(user=holder, primary="+4588887750", primary_aliases=["750"], by=admin_a)
    data = csv_bytes(
        [
            "a@firma.dk;A;A;;;;;+4511223344;;;;;;;;;;;",
            "b@firma.dk;B;B;;;;;+4588887750;;;;;;;;;;;",
            "c@firma.dk;C;C;;;;;+45٨٨٨٨٧٧٠١;;;;;;;;;;;",
            "d@firma.dk;D;D;;;;;+4588887760;;;;750;;;;;;;",
            "e@firma.dk;E;E;;;;;1550;;;;;;;;;;;",
            "f@firma.dk;F;F;;;;;+4588887761;;;;;Ingen gruppe;;;;;;",
        ]
    )
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    assert errors == [
        "Row 2, Primær linje: The number +4511223344 is outside the organisation's number ranges.",
        "Row 3, Primær linje: The number +4588887750 is already in use.",
        "Row 4, Primær linje: Use only the digits 0-9.",
        "Row 5, Aliasser: The number 750 is already in use.",
        "Row 6, Primær linje: Local numbers 1500–1799 are reserved for function numbers.",
        "Row 7, Grupper: Unknown groups: Ingen gruppe. Create them first or correct the names.",
    ]
    assert Number.objects.filter(organisation=import_org).count() == 2


def test_emergency_and_function_numbers_are_refused_even_with_leading_zeros(
    client_a, import_org, django_capture_on_commit_callbacks
):
    data = csv_bytes(
        [
            "a@firma.dk;A;A;;;;;0112;;;;;;;;;;;",
            "b@firma.dk;B;B;;;;;+4588887701;;;;114 01500;;;;;;;",
            "c@firma.dk;C;C;;;;;01799;;;;;;;;;;;",
        ]
    )
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    assert errors == [
        "Row 2, Primær linje: 0112 is an emergency or service number of the public network and cannot be used here.",
        "Row 3, Aliasser: 114: 114 is an emergency or service number of the public network and cannot be used here.",
        "Row 3, Aliasser: 01500: Local numbers 1500–1799 are reserved for function numbers.",
        "Row 4, Primær linje: Local numbers 1500–1799 are reserved for function numbers.",
    ]
    assert not Number.objects.filter(organisation=import_org).exists()


def test_same_number_twice_in_the_file(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@firma.dk;A;A;;;;;+4588887701;;;;;;;;;;;", "b@firma.dk;B;B;;;;;88 88 77 01;;;;;;;;;;;"])
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    message = "The number +4588887701 is given in more than one row (rows 2, 3)."
    assert errors == [f"Row 2, Primær linje: {message}", f"Row 3, Primær linje: {message}"]


def test_nul_and_control_characters(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@firma.dk;An\x00na;Berg\x07;;;;;;;;;;;;;;;;"])
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    assert errors == [
        "Row 2, Fornavn: Null characters are not allowed.",
        "Row 2, Efternavn: The text contains control characters, which are not allowed.",
    ]


def test_unknown_licence_language_line_type_and_bad_values(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [
            "a@firma.dk;A;A;;;klingon;Guld;+4588887701;Satellit;;;;;;;;;;",
            "not a username;A;A;;;;;;;;;;;;;;;;",
            "b@firma.dk;" + "x" * 65 + ";B;;;;;;;;;;;;;;;;",
            "c@firma.dk;C;C;;;;;;;+4588887702;;;;;;;;;",
        ]
    )
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    assert "Row 2, Sprog: Unknown language “klingon”. Use one of: da, en." in errors
    assert "Row 2, Licens: Unknown licence “Guld”. The organisation's licences: Standard, Unified Communication." in errors
    assert "Row 2, Primær linjetype: Unknown line type “Satellit”. Use “Kontor fastnet” or “Kontor mobilnet”." in errors
    assert "Row 3, Brugernavn: Enter the username in e-mail form, e.g. name@example.com." in errors
    assert "Row 4, Fornavn: Ensure this value has at most 64 characters (it has 65)." in errors
    assert "Row 5, Sekundær linje: A secondary line requires a primary line." in errors


def test_new_user_needs_names(client_a, import_org, django_capture_on_commit_callbacks):
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, csv_bytes(["a@firma.dk;;;;;;;;;;;;;;;;;;"]))
    assert errors == [
        "Row 2, Fornavn: This field is required for a new user.",
        "Row 2, Efternavn: This field is required for a new user.",
    ]


def test_row_with_more_values_than_columns(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@firma.dk;A;B;extra"], header="Brugernavn;Fornavn;Efternavn")
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, data)
    assert errors == ["Row 2: The row has more values than there are columns."]


def _xlsx_with_formula(cached_value):
    """A workbook whose Fornavn cell is a formula; with `cached_value` the file carries the value
    Excel computed (as Excel saves it), without it only the formula (as openpyxl writes it)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Brugernavn", "Fornavn", "Efternavn"])
    sheet.append(["f@firma.dk", '=HYPERLINK("http://evil.example","klik")', "Formel"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if cached_value is None:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<c r="B2">', b'<c r="B2" t="str">').replace(b"</f><v></v>", b"</f>")
                content = content.replace(b"</f>", b"</f><v>" + cached_value.encode() + b"</v>", 1)
            archive.writestr(info, content)
    return out.getvalue()


def test_xlsx_formula_cells_give_their_values_never_the_formula(client_a, import_org, django_capture_on_commit_callbacks):
    from tests.customers.jobs_helpers import confirm

    response, job = run_upload(client_a, django_capture_on_commit_callbacks, URL, "users.xlsx", _xlsx_with_formula("Frida"), XLSX)
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW and job.counts["create"] == 1, (job.message_text, job.preview)
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert User.objects.get(username="f@firma.dk").first_name == "Frida"


def test_xlsx_formula_without_a_stored_value_is_an_empty_cell(client_a, import_org, django_capture_on_commit_callbacks):
    _job, errors = _preview_errors(client_a, django_capture_on_commit_callbacks, _xlsx_with_formula(None), "users.xlsx", XLSX)
    assert errors == ["Row 2, Fornavn: This field is required for a new user."]


@pytest.mark.parametrize("name", ["users.csv", "users.xlsx"])
def test_nothing_changes_for_any_refused_file(client_a, import_org, name, django_capture_on_commit_callbacks):
    before = _users_before(import_org)
    numbers = Number.objects.count()
    data = csv_bytes(["ok@firma.dk;Ok;Person;;;;;+4588887701;;;;;;;;;;;", "bad@firma.dk;;;;;;;;;;;;;;;;;;"])
    if name.endswith(".xlsx"):
        data = xlsx_bytes([r.split(";") for r in data.decode().strip().split("\r\n")[1:]])
    response, job = run_upload(client_a, django_capture_on_commit_callbacks, URL, name, data, XLSX if name.endswith("xlsx") else "text/csv")
    job.refresh_from_db()
    assert job.counts["error"] == 1
    from tests.customers.jobs_helpers import confirm

    confirm(client_a, django_capture_on_commit_callbacks, job)
    assert _users_before(import_org) == before and Number.objects.count() == numbers


def test_unmatched_quote_in_the_header(client_a, import_org, django_capture_on_commit_callbacks):
    data = b'Brugernavn;"Fornavn;Efternavn\r\na@b.dk;A;B\r\n'
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert "The header row could not be read: a quotation mark is not closed." in job.message_text


def test_a_quoted_value_over_the_line_cap_but_under_the_csv_limit_is_too_long(client_a, import_org, django_capture_on_commit_callbacks):
    value = ("y" * 999 + "\n") * 110  # 110,000 characters in short lines
    data = csv_bytes([f'big@firma.dk;"{value}";Person'], header="Brugernavn;Fornavn;Efternavn")
    job = _failed_job(client_a, django_capture_on_commit_callbacks, "users.csv", data)
    assert job.message_text == "Row 2 (from line 2) has a value longer than 100000 characters, the limit for one value."
