"""SVC-16 edit directory fields: a multi-choice over the organisation's directory fields (USR-17),
united over levels, none by default; users' own edits (USR-18 proposals) only for those fields."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import DirectoryField
from customers.models.users import DirectoryFieldProposal
from customers.operations.directory import directory_proposal_submit, user_set_directory_values
from services import operations
from services.models import DirectoryEditSettings
from services.queries import editable_directory_field_ids
from services.scopes import Scope


@pytest.fixture
def fields_a(org_a):
    names = {1: "Bilmærker", 2: "Sprog"}
    return [
        DirectoryField.objects.create(organisation=org_a, number=n, name=names.get(n, ""))
        for n in range(1, 5)
    ]


def allow(scope, *fields):
    operations.service_settings_save(
        service="edit-directory-fields",
        scope=scope,
        data={"editable_fields": list(fields)},
        by=None,
    )


def page(scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=["edit-directory-fields"])
    return reverse(f"services:service_{scope}", args=["edit-directory-fields", pk])


def test_page_lists_the_organisations_directory_fields(client_a, org_a, org_b, fields_a):
    DirectoryField.objects.create(organisation=org_b, number=1, name="Zqbleak")
    form = client_a.get(page()).context["form"]
    labels = [label for _value, label in form.fields["editable_fields"].choices]
    assert labels == ["Field 1 – Bilmærker", "Field 2 – Sprog", "Field 3", "Field 4"]
    assert form["editable_fields"].value() == []  # default: none


def test_saved_at_a_group_and_inherited_by_its_member(
    client_a, org_a, groups_a, member_a, fields_a
):
    response = client_a.post(
        page("group", groups_a["Salg"].pk), {"editable_fields": [str(fields_a[1].pk)]}
    )
    assert response.status_code == 302
    allow(Scope(org_a), fields_a[0])
    assert editable_directory_field_ids(member_a) == {
        fields_a[0].pk,
        fields_a[1].pk,
    }  # union across levels
    body = client_a.get(page("user", member_a.pk)).content.decode()
    assert "Field 2 – Sprog (inherited from group Salg)" in body
    assert "Field 1 – Bilmærker (inherited from the organisation org-a)" in body


def test_another_organisations_field_is_refused(client_a, org_a, org_b, fields_a):
    foreign = DirectoryField.objects.create(organisation=org_b, number=1, name="Theirs")
    response = client_a.post(page(), {"editable_fields": [str(foreign.pk)]})
    assert "Select a valid choice" in " ".join(response.context["form"].errors["editable_fields"])
    with pytest.raises(ValidationError) as exc:
        allow(Scope(org_a), foreign)
    assert exc.value.message_dict["editable_fields"] == [
        "Choose directory fields of the organisation."
    ]
    assert not DirectoryEditSettings.objects.exists()


def test_users_may_propose_values_only_for_editable_fields(org_a, groups_a, member_a, fields_a):
    with pytest.raises(ValidationError) as exc:
        directory_proposal_submit(user=member_a, field=fields_a[1], value="tysk", by=member_a)
    assert "may not edit" in " ".join(exc.value.messages)
    allow(Scope(org_a, group=groups_a["Support"]), fields_a[1])  # member_a is in Support
    assert (
        directory_proposal_submit(user=member_a, field=fields_a[1], value="tysk", by=member_a)
        is not None
    )
    with pytest.raises(ValidationError):  # Bilmærker is still not editable
        directory_proposal_submit(user=member_a, field=fields_a[0], value="Ferrari", by=member_a)
    assert list(DirectoryFieldProposal.objects.values_list("field_id", flat=True)) == [
        fields_a[1].pk
    ]


def test_admins_set_values_directly_whatever_the_service_says(org_a, admin_a, member_a, fields_a):
    user_set_directory_values(user=member_a, values={fields_a[0]: "Ferrari"}, by=admin_a)
    assert member_a.directory_values.get().value == "Ferrari"
