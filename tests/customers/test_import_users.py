"""Users import (USR-3): upload -> preview -> confirm -> one transaction."""

from django.urls import reverse

from customers.models import DirectoryFieldValue, Job, Number, User, UserLine
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload

URL = "/users/import/"


def test_csv_import_preview_then_confirm_creates_users(client_a, import_org, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [
            "klj@firma.dk;Kasper Leth;Jensen;;Salg;da;Standard;+4588887765;Kontor fastnet;;;765;Salg;Ferrari;;;;;",
            "wb@firma.dk;Wallboard;Wallboard;;;;;;;;;;;;;;;;",
        ]
    )
    response, job = run_upload(client_a, django_capture_on_commit_callbacks, URL, "users.csv", data)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW, job.message
    assert job.counts["create"] == 2
    assert not User.objects.filter(username="klj@firma.dk").exists()
    page = client_a.get(reverse("customers:job_detail", args=[job.pk]))
    assert "klj@firma.dk" in page.content.decode()
    response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message
    user = User.objects.get(username="klj@firma.dk")
    assert user.first_name == "Kasper Leth"
    assert user.licence.name == "Standard"
    line = UserLine.objects.get(user=user, slot=1)
    assert line.number.number == "+4588887765"
    assert Number.objects.get(number="765").user == user
    assert list(user.user_groups.values_list("name", flat=True)) == ["Salg"]
    assert DirectoryFieldValue.objects.get(user=user, field__number=1).value == "Ferrari"
