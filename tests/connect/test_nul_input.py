"""NUL (`%00`) anywhere in a request's path, query string or form fields: a translated 400 page,
never a 500 (PostgreSQL cannot store NUL). tests/connect/test_tenancy_walk.py sends it to every
portal URL; these tests pin down what the person sees and what the check leaves alone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from customers.models import AuditEntry, Job
from tests.factories import OrgAdminFactory

TITLE = "The request contains invalid characters"
TITLE_DA = "Forespørgslen indeholder ugyldige tegn"


def _signed_in(user, **kwargs):
    client = Client(raise_request_exception=False, **kwargs)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/services/contacts/", {"q": "\x00"}),
        ("get", "/users/", {"q": "Kasper\x00"}),
        ("get", "/history/11/%00/", None),
        ("post", "/users/export/", {"format": "csv", "note": "a\x00b"}),
        ("post", "/users/export/", {"\x00": "x"}),
    ],
)
def test_nul_gets_a_clear_400_page(admin_a, method, path, data):
    client = _signed_in(admin_a)
    before = (AuditEntry.objects.count(), Job.objects.count())
    response = getattr(client, method)(path, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert TITLE in page and "contained a NUL character" in page and "Nothing was saved." in page
    assert (AuditEntry.objects.count(), Job.objects.count()) == before


def test_the_page_is_in_the_users_language(org_a):
    admin = OrgAdminFactory(organisation=org_a, username="dansk@a.example", language="da")
    page = _signed_in(admin).get("/services/contacts/", {"q": "\x00"}).content.decode()
    assert TITLE_DA in page and "Intet blev gemt." in page


def test_a_forged_post_is_still_refused_by_the_csrf_check(admin_a):
    client = _signed_in(admin_a, enforce_csrf_checks=True)
    assert client.post("/users/export/", {"note": "\x00"}).status_code == 403


def test_nul_inside_an_uploaded_file_is_left_to_the_import(admin_a, django_capture_on_commit_callbacks):
    """The file's content is the import's business: it reports its own, specific error."""
    client = _signed_in(admin_a)
    upload = SimpleUploadedFile("users.csv", b"Brugernavn;Fornavn\x00;Efternavn\r\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:users_import"), {"file": upload})
    assert response.status_code in (200, 302)
    assert TITLE not in response.content.decode()


def test_text_without_nul_passes(admin_a):
    assert _signed_in(admin_a).get("/services/contacts/", {"q": "Kasper %20 \x01"}).status_code == 200
