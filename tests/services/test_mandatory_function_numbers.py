"""SVC-7 (our decision): a function number of the organisation can be a mandatory contact. It is
referred to by its row in the number registry, shown by name and number, shown once when several
levels name it, and it cannot be deleted while it is a mandatory contact."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from customers.models import Number
from functionnumbers.models import FunctionNumber, Kind
from functionnumbers.operations import function_number_delete
from services import operations
from services.models import MandatoryContact
from services.scopes import Scope
from tests.functionnumbers.factories import make_function_number
from tests.services.test_contacts import contacts_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def acd(org_a):
    return make_function_number(org_a, Kind.ACD, number="1500", name="Salg ACD")


def test_the_contacts_page_offers_the_function_numbers_and_adds_one(client_a, org_a, groups_a, acd):
    salg = groups_a["Salg"]
    page = client_a.get(contacts_url("group", salg.pk))
    assert acd.number in page.context["function_number_choices"]
    html = page.content.decode()
    assert 'name="contact_number"' in html and "Salg ACD (1500)" in html
    response = client_a.post(
        reverse("services:mandatory_add_group", args=[salg.pk]), {"contact_number": acd.number.pk}
    )
    assert response.status_code == 302
    contact = MandatoryContact.objects.get()
    assert (
        contact.group == salg
        and contact.contact_number == acd.number
        and contact.contact_user is None
    )
    page = client_a.get(contacts_url("group", salg.pk)).content.decode()
    assert "Salg ACD (1500)" in page
    assert "was added as a mandatory contact" in page
    # Twice: a message, no second row.
    client_a.post(
        reverse("services:mandatory_add_group", args=[salg.pk]), {"contact_number": acd.number.pk}
    )
    assert MandatoryContact.objects.count() == 1


def test_a_function_number_at_several_levels_is_shown_once(
    client_a, org_a, groups_a, member_a, acd
):
    operations.mandatory_contact_add(scope=Scope(org_a), contact_number=acd.number, by=None)
    operations.mandatory_contact_add(
        scope=Scope(org_a, group=groups_a["Salg"]), contact_number=acd.number, by=None
    )
    response = client_a.get(contacts_url("user", member_a.pk))
    effective = response.context["effective_mandatory"]
    assert [(m.contact_number, s.level) for m, s in effective] == [(acd.number, "organisation")]


@pytest.mark.parametrize(
    "which", ["other organisation", "a user's line", "unknown", "not a number"]
)
def test_only_the_organisations_function_numbers_can_be_added(
    client_a, org_a, org_b, admin_b, member_a, which
):
    from customers.operations import numberrange_create
    from customers.operations.users import user_set_lines

    if which == "other organisation":
        value = make_function_number(org_b, Kind.ACD, number="1500").number.pk
    elif which == "a user's line":
        numberrange_create(organisation=org_a, first="200", last="299", by=None)
        user_set_lines(user=member_a, primary="201", by=None)
        value = Number.objects.get(organisation=org_a, number="201").pk
    elif which == "unknown":
        value = 999999
    else:
        value = "x"
    response = client_a.post(
        reverse("services:mandatory_add"), {"contact_number": value}, follow=True
    )
    assert "Choose a function number of the organisation." in response.content.decode()
    assert not MandatoryContact.objects.exists()


def test_the_operation_refuses_a_number_that_is_no_function_number(org_a, org_b, member_a):
    foreign = make_function_number(org_b, Kind.HUNT, number="1580").number
    with pytest.raises(ValidationError) as exc:
        operations.mandatory_contact_add(scope=Scope(org_a), contact_number=foreign, by=None)
    assert "contact_number" in exc.value.error_dict
    assert not MandatoryContact.objects.exists()


def test_a_row_names_a_user_or_a_function_number(org_a, acd, member_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        MandatoryContact.objects.create(organisation=org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        MandatoryContact.objects.create(
            organisation=org_a, contact_user=member_a, contact_number=acd.number
        )


def test_a_function_number_that_is_a_mandatory_contact_cannot_be_deleted(
    client_a, org_a, admin_a, groups_a, acd
):
    contact = operations.mandatory_contact_add(
        scope=Scope(org_a, group=groups_a["Salg"]), contact_number=acd.number, by=admin_a
    )
    with pytest.raises(ValidationError) as exc:
        function_number_delete(function_number=acd, by=admin_a)
    assert "Mandatory contact of Salg" in str(exc.value)
    page = client_a.get(reverse("functionnumbers:acd_delete", args=[acd.pk])).content.decode()
    assert "cannot be deleted" in page
    assert f'href="{contact.get_absolute_url()}"' in page
    # Removed as a contact, it can go.
    operations.mandatory_contact_remove(contact=contact, by=admin_a)
    function_number_delete(function_number=acd, by=admin_a)
    assert not FunctionNumber.objects.exists()
