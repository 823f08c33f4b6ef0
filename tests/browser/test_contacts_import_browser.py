"""SVC-7 "Importer kontakter" in a real browser, as the demo OrgAdmin: Tjenester → Kontaktlister →
"Importer kontakter", choose the file, see the imported contacts, change a field's "Position i
filen", update the preview, "Gem", and find the contacts in the list."""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from services.models import ExternalContact
from tests.browser.test_call_queue_inheritance import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "Firma;Afdeling;Fornavn;Efternavn;Telefon;Mobil\r\n"
    "Tømrer Hansen ApS;Værksted;Søren;Hansen;+4570203040;20304050\r\n"
    "Acme A/S;Salg;Mette;Ørsted;88 88 77 65;\r\n"
)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.LANGUAGE_CODE = "da"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))


def test_import_contacts_with_a_changed_mapping(demo, page, live_server, tmp_path):
    path = tmp_path / "kontakter.txt"
    path.write_bytes(FILE.encode("cp1252"))
    shots = os.environ.get("CONNECT_SCREENSHOTS")
    before = ExternalContact.objects.count()

    sign_in(page, live_server.url, "klj@ipvision.dk")
    page.goto(f"{live_server.url}/services/contacts/")
    page.get_by_role("link", name="Importer kontakter").click()
    expect(page).to_have_url(re.compile(r"/services/contacts/import/$"))
    page.get_by_label("Fil").set_input_files(str(path))
    page.get_by_role("button", name="Importer kontakter").click()

    expect(page).to_have_url(re.compile(r"/services/contacts/jobs/\d+/$"))
    expect(page.get_by_role("heading", name="Importerede kontakter")).to_be_visible()
    expect(page.get_by_role("cell", name="Tømrer Hansen ApS", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Værksted", exact=True)).to_be_visible()
    expect(page.get_by_label("Fornavn", exact=True)).to_have_value("2")
    if shots:
        page.screenshot(path=f"{shots}/contacts-import-preview.png", full_page=True)

    # "Afdeling" is not to be imported: choose "(importeres ikke)" and update the preview.
    page.get_by_label("Afdeling", exact=True).select_option("")
    page.get_by_role("button", name="Opdater visning").click()
    expect(page.get_by_role("heading", name="Importerede kontakter")).to_be_visible()
    expect(page.get_by_role("cell", name="Værksted", exact=True)).to_have_count(0)
    assert ExternalContact.objects.count() == before  # nothing written before "Gem"

    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("2 oprettet")).to_be_visible()
    if shots:
        page.screenshot(path=f"{shots}/contacts-import-saved.png", full_page=True)
    page.get_by_role("link", name="Tilbage til kontaktlisten").click()
    expect(page).to_have_url(re.compile(r"/services/contacts/$"))
    expect(page.get_by_role("link", name="Søren Hansen", exact=True)).to_be_visible()
    soren = ExternalContact.objects.get(first_name="Søren", last_name="Hansen")
    assert soren.department == "" and soren.contact_type == "contact"
    assert [n.number for n in soren.numbers.all()] == ["+4570203040", "+4520304050"]


def test_feature_codes_page_from_the_services_menu(demo, page, live_server):
    sign_in(page, live_server.url, "klj@ipvision.dk")
    page.get_by_role("button", name="Tjenester").or_(
        page.get_by_role("link", name="Tjenester")
    ).first.click()
    page.get_by_role("link", name="Funktionskoder").click()
    expect(page).to_have_url(re.compile(r"/services/feature-codes/$"))
    expect(page.get_by_role("heading", name="Funktionskoder")).to_be_visible()
    row = page.locator("#fc-1")
    expect(row).to_contain_text("ACD-gruppelogin")
    expect(row).to_contain_text("*11*<kode>*")
    expect(row).to_contain_text("for at logge ind i ACD-gruppen 1500")
    shots = os.environ.get("CONNECT_SCREENSHOTS")
    if shots:
        page.screenshot(path=f"{shots}/feature-codes.png", full_page=True)
    page.locator("#fc-3").get_by_role("link", name="Opkald - Indtrækning").click()
    expect(page).to_have_url(re.compile(r"/services/call-pickup/$"))
