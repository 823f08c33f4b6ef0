"""SVC-7 contact lists: external contacts with numbers, mandatory contacts, inheritance, tenancy."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry
from services import operations
from services.models import ContactNumber, ExternalContact, MandatoryContact
from services.scopes import Scope
from tests.factories import UserFactory
from tests.services.factories import ExternalContactFactory

CONTACT = {
    "company": "ipvision A/S",
    "department": "Operations",
    "first_name": "Kasper Leth",
    "last_name": "Jensen",
    "short_name": "Kalle",
    "street": "Skodsborgvej 305D",
    "postcode": "2850",
    "city": "Nærum",
    "country": "Danmark",
    "email": "klj@ipvision.dk",
    "speed_dial": "",
    "contact_type": "preferred",
}


def numbers(*rows):
    data = {"numbers-TOTAL_FORMS": str(len(rows)), "numbers-INITIAL_FORMS": "0", "numbers-MIN_NUM_FORMS": "0", "numbers-MAX_NUM_FORMS": "20"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"numbers-{i}-{key}"] = value
    return data


def contacts_url(scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=["contacts"])
    return reverse(f"services:service_{scope}", args=["contacts", pk])


def test_create_contact_at_organisation_level(client_a, org_a, admin_a):
    create = reverse("services:contact_create")
    assert client_a.get(create).status_code == 200
    response = client_a.post(create, {**CONTACT, **numbers({"number_type": "mobile", "number": "81 80 80 88", "abbreviated": "88"})})
    assert response.status_code == 302
    assert response["Location"] == contacts_url()
    contact = ExternalContact.objects.get()
    assert contact.organisation == org_a and contact.group is None and contact.user is None
    number = contact.numbers.get()
    assert number.number == "+4581808088" and number.is_preferred  # first number preferred by default
    entry = AuditEntry.objects.get(content_type__model="externalcontact", object_id=str(contact.pk))
    assert entry.actor == admin_a and entry.changes["numbers"] == [None, ["+4581808088 *"]]
    page = client_a.get(contacts_url()).content.decode()
    assert "Kasper Leth" in page and "+4581808088" in page


def test_create_contact_on_group_and_user(client_a, org_a, groups_a, member_a):
    salg = groups_a["Salg"]
    response = client_a.post(reverse("services:contact_create_group", args=[salg.pk]), {**CONTACT, "company": "Salg A/S", **numbers({"number": "+4570000001"})})
    assert response.status_code == 302 and response["Location"] == contacts_url("group", salg.pk)
    assert ExternalContact.objects.get(company="Salg A/S").group == salg
    response = client_a.post(reverse("services:contact_create_user", args=[member_a.pk]), {**CONTACT, "company": "Own", **numbers({"number": "201"})})
    assert response.status_code == 302
    contact = ExternalContact.objects.get(company="Own")
    assert contact.user == member_a and contact.numbers.get().number == "201"


@pytest.mark.parametrize(
    "data,rows,message",
    [
        ({"company": "", "first_name": "", "last_name": ""}, [{"number": "+4570000001"}], "Enter a first name, a last name or a company."),
        ({}, [], "Add at least one phone number."),
        ({}, [{"number": "+4570000001", "is_preferred": "on"}, {"number": "+4570000002", "is_preferred": "on"}], "Mark only one number"),
        ({}, [{"number": "+4570000001"}, {"number": "70 00 00 01"}], "The same number is listed twice."),
        ({}, [{"number": "٤٥٦٧٨٩٠١"}], "Use only the digits 0-9."),
        ({}, [{"number": "+45700", "abbreviated": "１２"}], "Use only the digits 0-9."),
        ({"first_name": "x" * 65}, [{"number": "+4570000001"}], "at most 64 characters"),
        ({"company": "A\x07B"}, [{"number": "+4570000001"}], "control characters"),
        ({"speed_dial": "12a"}, [{"number": "+4570000001"}], "Use only the digits 0-9."),
        ({"email": "not-an-email"}, [{"number": "+4570000001"}], "valid email"),
        ({"contact_type": "friend"}, [{"number": "+4570000001"}], "Select a valid choice"),
    ],
)
def test_contact_validation(client_a, org_a, data, rows, message):
    response = client_a.post(reverse("services:contact_create"), {**CONTACT, **data, **numbers(*rows)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ExternalContact.objects.exists()


def test_add_number_row_without_javascript(client_a, org_a):
    response = client_a.post(reverse("services:contact_create"), {**CONTACT, **numbers({"number": "+4570000001"}), "add_number": "1"})
    assert response.status_code == 200
    assert response.context["numbers"].total_form_count() == 2
    assert "Add at least one phone number" not in response.content.decode()
    assert 'value="+4570000001"' in response.content.decode()
    assert not ExternalContact.objects.exists()


def test_edit_contact_replaces_numbers_and_audits(client_a, org_a):
    contact = ExternalContactFactory(organisation=org_a, company="Acme", number="+4570000001")
    edit = reverse("services:contact_update", args=[contact.pk])
    page = client_a.get(edit)
    assert page.status_code == 200 and 'value="+4570000001"' in page.content.decode()
    data = {**CONTACT, "company": "Acme 2", **numbers({"number": "+4570000001"}, {"number": "+4570000009", "is_preferred": "on", "number_type": "home"})}
    data["numbers-INITIAL_FORMS"] = "1"
    assert client_a.post(edit, data).status_code == 302
    contact.refresh_from_db()
    assert contact.company == "Acme 2"
    assert [(n.number, n.is_preferred) for n in contact.numbers.all()] == [("+4570000001", False), ("+4570000009", True)]
    entry = AuditEntry.objects.filter(object_id=str(contact.pk), action="update").get()
    assert entry.changes["company"] == ["Acme", "Acme 2"]
    assert "History" in client_a.get(edit).content.decode()


def test_delete_contact(client_a, org_a):
    contact = ExternalContactFactory(organisation=org_a)
    delete = reverse("services:contact_delete", args=[contact.pk])
    assert client_a.get(delete).status_code == 200
    assert client_a.post(delete).status_code == 302
    assert not ExternalContact.objects.exists() and not ContactNumber.objects.exists()
    assert AuditEntry.objects.filter(action="delete", content_type__model="externalcontact").exists()


def test_mandatory_contact_search_add_and_remove(client_a, org_a, groups_a):
    wallboard = UserFactory(organisation=org_a, username="wallboard@a.example", first_name="Wallboard")
    salg = groups_a["Salg"]
    found = client_a.get(contacts_url("group", salg.pk), {"contact_q": "wallb"}, HTTP_HX_REQUEST="true").content.decode()
    assert "wallboard@a.example" in found and "<html" not in found
    add = reverse("services:mandatory_add_group", args=[salg.pk])
    assert f'action="{add}"' in found
    response = client_a.post(add, {"contact_user": wallboard.pk})
    assert response.status_code == 302
    mandatory = MandatoryContact.objects.get()
    assert mandatory.group == salg and mandatory.contact_user == wallboard
    # Twice: a message, no second row.
    client_a.post(add, {"contact_user": wallboard.pk})
    assert MandatoryContact.objects.count() == 1
    page = client_a.get(contacts_url("group", salg.pk)).content.decode()
    assert "already a mandatory contact" in page
    delete = reverse("services:mandatory_delete", args=[mandatory.pk])
    assert client_a.post(delete).status_code == 302
    assert not MandatoryContact.objects.exists()


def test_inherited_contacts_shown_with_source_and_effective_for_user(client_a, org_a, groups_a, member_a):
    ExternalContactFactory(organisation=org_a, company="OrgCo", number="+4570000001")
    ExternalContactFactory(organisation=org_a, group=groups_a["Salg"], company="SalgCo", number="+4570000002")
    ExternalContactFactory(organisation=org_a, user=member_a, company="OwnCo", number="+4570000003")
    wallboard = UserFactory(organisation=org_a, username="wallboard@a.example")
    operations.mandatory_contact_add(scope=Scope(org_a), contact_user=wallboard, by=None)
    operations.mandatory_contact_add(scope=Scope(org_a, user=member_a), contact_user=wallboard, by=None)

    group_page = client_a.get(contacts_url("group", groups_a["Salg"].pk)).content.decode()
    assert "OrgCo" in group_page and "inherited from the organisation org-a" in group_page
    response = client_a.get(contacts_url("user", member_a.pk))
    effective = response.context["effective_external"]
    assert {c.company: s.level for c, s in effective} == {"OrgCo": "organisation", "SalgCo": "group", "OwnCo": "user"}
    # wallboard is mandatory at org and on the user: shown once, from the organisation.
    assert [(m.contact_user, s.level) for m, s in response.context["effective_mandatory"]] == [(wallboard, "organisation")]
    assert "Effective values for member@a.example" in response.content.decode()


def test_contacts_tenancy(client_b, org_a, groups_a, member_a, user_b):
    contact = ExternalContactFactory(organisation=org_a)
    mandatory = operations.mandatory_contact_add(scope=Scope(org_a), contact_user=member_a, by=None)
    for target in (
        reverse("services:contact_update", args=[contact.pk]),
        reverse("services:contact_delete", args=[contact.pk]),
        reverse("services:mandatory_delete", args=[mandatory.pk]),
        reverse("services:contact_create_group", args=[groups_a["Salg"].pk]),
        reverse("services:contact_create_user", args=[member_a.pk]),
    ):
        assert client_b.get(target).status_code == 404, target
        assert client_b.post(target, {}).status_code == 404, target
    assert client_b.post(reverse("services:mandatory_add_group", args=[groups_a["Salg"].pk]), {"contact_user": user_b.pk}).status_code == 404
    assert ExternalContact.objects.filter(pk=contact.pk).exists()
    assert MandatoryContact.objects.filter(pk=mandatory.pk).exists()


def test_crafted_mandatory_contact_of_other_organisation_is_rejected(client_a, org_a, user_b):
    response = client_a.post(reverse("services:mandatory_add"), {"contact_user": user_b.pk}, follow=True)
    assert "Choose a user of the organisation." in response.content.decode()
    assert not MandatoryContact.objects.exists()
    with pytest.raises(ValidationError):
        operations.mandatory_contact_add(scope=Scope(org_a), contact_user=user_b, by=None)
    response = client_a.post(reverse("services:mandatory_add"), {"contact_user": "abc"}, follow=True)
    assert "Choose a user of the organisation." in response.content.decode()
