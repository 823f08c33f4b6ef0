"""The commit of a users import reuses the preview's validation only while it still holds: the
same file, and nothing that validation read has changed in the database since the preview.
Whatever changed in between is met as if the file were validated again (issue 14)."""

from customers.models import AuditEntry, Job, Number, User
from customers.operations import imports
from customers.operations.users import user_create, user_delete, user_update
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, register, run_upload

URL = "/users/import/"


def _preview(client, captured, rows):
    response, job = run_upload(client, captured, URL, "users.csv", csv_bytes(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW and job.counts["error"] == 0, job.errors
    return job


def test_an_unchanged_database_is_written_without_validating_the_file_again(
    client_a, import_org, admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    job = _preview(
        client_a,
        django_capture_on_commit_callbacks,
        ["a@firma.dk;A;A;;Salg;;;+4588887701;;;;;Salg;;;;;;"],
    )

    def no_second_validation(self, row):
        raise AssertionError("the file was validated again")

    monkeypatch.setattr(imports.UsersImporter, "validate", no_second_validation)
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    assert job.message_text == "Saved: 1 created, 0 updated, 0 unchanged, 0 skipped."
    user = User.objects.get(username="a@firma.dk")
    assert (user.department, user.lines.get().number.number) == ("Salg", "+4588887701")


def test_a_number_registered_after_the_preview_fails_the_commit_with_its_row(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    other = user_create(
        organisation=import_org,
        username="other@firma.dk",
        first_name="O",
        last_name="O",
        by=admin_a,
    )
    job = _preview(
        client_a,
        django_capture_on_commit_callbacks,
        ["a@firma.dk;A;A;;;;;+4588887701;;;;;;;;;;;", "b@firma.dk;B;B;;;;;+4588887702;;;;;;;;;;;"],
    )
    register(import_org, "+4588887702", user=other, by=admin_a)  # another admin, after the preview
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.FAILED
    assert (
        job.message_text
        == "Nothing was saved: the data changed since the preview and 1 rows now have errors."
    )
    assert [(e["number"], e["column"]) for e in job.errors] == [(3, "Primær linje")]
    assert not User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).exists()
    assert not Number.objects.filter(number="+4588887701").exists()


def test_a_username_taken_elsewhere_after_the_preview_is_refused_with_its_row(
    client_a, import_org, admin_a, admin_b, django_capture_on_commit_callbacks
):
    job = _preview(
        client_a, django_capture_on_commit_callbacks, ["new@firma.dk;N;N;;;;;;;;;;;;;;;;"]
    )
    user_create(
        organisation=admin_b.organisation,
        username="new@firma.dk",
        first_name="X",
        last_name="X",
        by=admin_b,
    )
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.FAILED
    assert [(e["number"], e["column"]) for e in job.errors] == [(2, "Brugernavn")]
    assert "This username cannot be used" in job.preview[0]["errors"][0]["message"]["msgid"]
    assert User.objects.get(username="new@firma.dk").organisation == admin_b.organisation


def test_a_user_changed_after_the_preview_gets_only_what_still_differs(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    anna = user_create(
        organisation=import_org,
        username="anna@firma.dk",
        first_name="Anna",
        last_name="Berg",
        by=admin_a,
    )
    job = _preview(
        client_a, django_capture_on_commit_callbacks, ["anna@firma.dk;Anne;;;Support;;;;;;;;;;;;;;"]
    )
    assert job.preview[0]["changes"] == {"Fornavn": ["Anna", "Anne"], "Afdeling": ["", "Support"]}
    user_update(user=anna, department="Support", by=admin_a)  # someone else, after the preview
    AuditEntry.objects.all().delete()
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    anna.refresh_from_db()
    assert (anna.first_name, anna.department) == ("Anne", "Support")
    (entry,) = AuditEntry.objects.filter(content_type__model="user", object_id=str(anna.pk))
    assert entry.changes == {"first_name": ["Anna", "Anne"]}


def test_a_user_deleted_after_the_preview_is_created_again(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    anna = user_create(
        organisation=import_org,
        username="anna@firma.dk",
        first_name="Anna",
        last_name="Berg",
        by=admin_a,
    )
    job = _preview(
        client_a, django_capture_on_commit_callbacks, ["anna@firma.dk;Anne;Berg;;;;;;;;;;;;;;;;"]
    )
    assert job.counts["update"] == 1
    user_delete(user=anna, by=admin_a)
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    assert job.message_text == "Saved: 1 created, 0 updated, 0 unchanged, 0 skipped."
    assert User.objects.get(username="anna@firma.dk").first_name == "Anne"
