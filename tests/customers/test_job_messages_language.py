"""Job messages are stored as msgid + params and shown in the reader's language, not in the
language of whoever uploaded the file: the job page, the preview rows, the report CSV."""

import csv
import io

from django.urls import reverse

from connect.lib.i18n import message, message_text, messages_of
from customers.models import Job
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload

URL = "/users/import/"
LDIF_URL = "/users/directory-sync/"


def _as(user, language):
    user.language = language
    user.save(update_fields=["language"])


def _page(client, job):
    return client.get(reverse("customers:job_detail", args=[job.pk])).content.decode()


def _report(client, job):
    response = client.get(reverse("customers:job_errors", args=[job.pk]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _upload(client, captured, data, url=URL, name="users.csv", content_type="text/csv"):
    response, job = run_upload(client, captured, url, name, data, content_type)
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    return job


def test_row_errors_uploaded_in_danish_read_in_english(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    _as(admin_a, "da")
    data = csv_bytes(["ok@firma.dk;Ok;Person;;;;;;;;;;;;;;;;", "bad@firma.dk;Bad;Person;not-an-email;;;;;;;;;;;;;;;"])
    job = _upload(client_a, django_capture_on_commit_callbacks, data)
    assert "Række 3, E-mail: Angiv en gyldig e-mailadresse." in _page(client_a, job)

    _as(admin_a, "en")
    page = _page(client_a, job)
    assert "Row 3, E-mail: Enter a valid e-mail address." in page
    assert "Række" not in page and "Angiv en gyldig" not in page
    assert _report(client_a, job)[1] == ["Error", "3", "E-mail", "Enter a valid e-mail address.", "Row 3, E-mail: Enter a valid e-mail address."]


def test_row_errors_uploaded_in_english_read_in_danish(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    data = csv_bytes(["a@firma.dk;A;A;;;;;+4588887701;;;;;;;;;;;", "b@firma.dk;B;B;;;;;+4588887701;;;;;;;;;;;"])
    job = _upload(client_a, django_capture_on_commit_callbacks, data)
    assert "The number +4588887701 is given in more than one row (rows 2, 3)." in _page(client_a, job)

    _as(admin_a, "da")
    page = _page(client_a, job)
    # The unit inside the message ("rækkerne") is translated at display time too.
    assert "Række 2, Primær linje: Nummeret +4588887701 står i mere end én række (rækkerne 2, 3)." in page
    assert "is given in more than one row" not in page
    report = _report(client_a, job)
    assert report[0] == ["Type", "Række", "Kolonne", "Problem", "Besked"]
    assert report[1][0] == "Fejl" and report[1][4].startswith("Række 2, Primær linje: Nummeret +4588887701")


def test_a_refused_file_and_a_saved_import_follow_the_reader(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    _as(admin_a, "da")
    refused = _upload(client_a, django_capture_on_commit_callbacks, csv_bytes(["a@b.dk;A;B;x"], header="Brugernavn;Fornavn;Efternavn;Skostørrelse"))
    assert refused.status == Job.Status.FAILED
    job = _upload(client_a, django_capture_on_commit_callbacks, csv_bytes(["ny@firma.dk;Ny;Bruger;;;;;;;;;;;;;;;;"]))
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED
    assert "Ukendte kolonner: Skostørrelse." in _page(client_a, refused)
    assert "Gemt: 1 oprettet" in _page(client_a, job)

    _as(admin_a, "en")
    page = _page(client_a, refused)
    assert "Unknown columns: Skostørrelse. The expected columns are: Brugernavn, Fornavn" in page
    assert "Ukendte kolonner" not in page
    page = _page(client_a, job)
    assert "Saved: 1 created, 0 updated, 0 unchanged, 0 skipped." in page and "Gemt" not in page


def test_ldif_notes_follow_the_reader(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    _as(admin_a, "da")
    data = (
        b"dn: CN=Salg,OU=Grupper,DC=firma,DC=local\r\nobjectClass: group\r\ncn: Salg\r\n\r\n"
        b"dn: CN=A,DC=firma,DC=local\r\nobjectClass: user\r\nuserPrincipalName: a@firma.dk\r\ngivenName: A\r\nsn: A\r\n"
    )
    job = _upload(client_a, django_capture_on_commit_callbacks, data, url=LDIF_URL, name="users.ldf", content_type="application/octet-stream")
    assert job.status == Job.Status.PREVIEW
    _as(admin_a, "en")
    assert "A group, not a person account." in _page(client_a, job)


def test_a_job_stored_before_messages_were_codes_shows_its_text_as_it_is(client_a, import_org, admin_a):
    job = Job.objects.create(
        organisation=import_org,
        kind=Job.Kind.USERS_IMPORT,
        task_name="customers.users_import",
        created_by=admin_a,
        status=Job.Status.FAILED,
        message="Ukendte kolonner: Skostørrelse.",
        errors=[{"number": 3, "column": "E-mail", "message": "Angiv en gyldig e-mailadresse."}],
        params={"unit": "row"},
    )
    page = _page(client_a, job)
    assert "Ukendte kolonner: Skostørrelse." in page
    # The sentence around the old text is the reader's; the old text is shown as it is.
    assert "Row 3, E-mail: Angiv en gyldig e-mailadresse." in page


def test_stored_messages_render_nested_and_broken_ones_safely(settings):
    from django.core.exceptions import ValidationError
    from django.utils import translation
    from django.utils.translation import gettext_lazy as _

    stored = message(_("The number %(number)s is given in more than one row (%(unit)s %(numbers)s)."), number="700", unit=_("rows"), numbers="2, 3")
    assert stored["params"]["unit"] == {"msgid": "rows"}
    with translation.override("da"):
        assert message_text(stored) == "Nummeret 700 står i mere end én række (rækkerne 2, 3)."
    with translation.override("en"):
        assert message_text(stored) == "The number 700 is given in more than one row (rows 2, 3)."
        # A parameter missing from an old row: the msgid without formatting, never an exception.
        assert message_text({"msgid": "Row %(number)s: %(message)s", "params": {"number": 1}}) == "Row %(number)s: %(message)s"
        assert message_text({"msgid": ""}) == "" and message_text(None) == ""
    error = ValidationError({"email": [ValidationError(_("Enter a valid e-mail address."), code="invalid")]})
    assert messages_of(error) == [{"msgid": "Enter a valid e-mail address."}]


def test_only_the_parameters_a_message_shows_are_stored_and_never_a_nul():
    from django.core.exceptions import ValidationError
    from django.core.validators import ProhibitNullCharactersValidator
    from django.utils.translation import gettext_lazy as _

    try:
        ProhibitNullCharactersValidator()("An\x00na")
    except ValidationError as exc:
        assert messages_of(exc) == [{"msgid": "Null characters are not allowed."}]
    stored = message(_("Unknown language “%(value)s”. Use one of: %(choices)s."), value="x\x00y", choices="da, en", extra="unused")
    assert stored["params"] == {"value": "x\ufffdy", "choices": "da, en"}


def test_a_row_that_fails_while_saving_is_reported_with_its_row_in_the_readers_language(
    client_a, import_org, admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    from customers.models import Number
    from customers.operations import imports
    from customers.operations.numbers import number_register
    from customers.operations.users import user_create

    user_create(organisation=import_org, username="a@firma.dk", first_name="A", last_name="A", by=admin_a)
    other = user_create(organisation=import_org, username="b@firma.dk", first_name="B", last_name="B", by=admin_a)
    _as(admin_a, "da")
    job = _upload(client_a, django_capture_on_commit_callbacks, csv_bytes(["a@firma.dk;;;;;;;+4588887701;;;;;;;;;;;"]))
    assert job.counts["update"] == 1
    real_write = imports.UsersImporter.write

    def then_taken(self, results, progress):
        # Something the preview could not see: another request takes the number just before the
        # write. The registry's unique constraint refuses it; the whole import is rolled back.
        number_register(organisation=import_org, raw="+4588887701", purpose=Number.Purpose.USER_LINE, user=other, line_slot=1, by=admin_a)
        real_write(self, results, progress)

    monkeypatch.setattr(imports.UsersImporter, "write", then_taken)
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.FAILED
    assert "Række 2, Primær linje: Nummeret +4588887701 er allerede i brug." in _page(client_a, job)
    _as(admin_a, "en")
    assert "Row 2, Primær linje: The number +4588887701 is already in use." in _page(client_a, job)
    assert not Number.objects.filter(number="+4588887701").exists()
