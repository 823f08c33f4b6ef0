"""SVC-5 switchboard number (number registry, SET-3) and SVC-9 call transfer (5..300 s, default 20)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Number
from customers.operations.numbers import number_register, numberrange_create
from customers.operations.users import caller_id_choices
from services import operations
from services.models import CallTransferSettings, SwitchboardSettings
from services.resolver import resolve_user
from services.scopes import Scope


def url(slug, scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=[slug])
    return reverse(f"services:service_{scope}", args=[slug, pk])


@pytest.fixture
def ranges_a(org_a, admin_a):
    numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", by=admin_a)
    numberrange_create(organisation=org_a, first="1500", last="1899", by=admin_a)


def switchboard_rows(org):
    return list(
        Number.objects.filter(organisation=org, purpose=Number.Purpose.SWITCHBOARD).values_list(
            "number", flat=True
        )
    )


def test_switchboard_number_is_registered_and_resolved_by_priority(
    client_a, org_a, groups_a, member_a, ranges_a
):
    response = client_a.post(url("switchboard"), {"switchboard_number": "88 88 77 00"})
    assert response.status_code == 302
    assert switchboard_rows(org_a) == ["+4588887700"]
    support = groups_a["Support"]
    response = client_a.post(
        url("switchboard", "group", support.pk), {"switchboard_number": "+4588887710"}
    )
    assert response.status_code == 302
    effective = resolve_user("switchboard", member_a)["switchboard_number"]
    assert effective.value == "+4588887710" and effective.source.name == "Support"
    # A user may present the organisation's switchboard numbers as caller ID.
    assert {"+4588887700", "+4588887710"} <= {n.number for n in caller_id_choices(org_a, member_a)}
    # Changing the number frees the old one; clearing it frees the number.
    assert (
        client_a.post(
            url("switchboard", "group", support.pk), {"switchboard_number": "+4588887711"}
        ).status_code
        == 302
    )
    assert sorted(switchboard_rows(org_a)) == ["+4588887700", "+4588887711"]
    assert (
        client_a.post(
            url("switchboard", "group", support.pk), {"switchboard_number": ""}
        ).status_code
        == 302
    )
    assert switchboard_rows(org_a) == ["+4588887700"]
    assert "Show available numbers" in client_a.get(url("switchboard")).content.decode()


def test_switchboard_may_be_a_function_number_but_not_another_used_number(
    client_a, org_a, admin_a, member_a, ranges_a
):
    number_register(
        organisation=org_a, raw="1600", purpose=Number.Purpose.FUNCTION_NUMBER, by=admin_a
    )
    number_register(
        organisation=org_a,
        raw="+4588887701",
        purpose=Number.Purpose.USER_LINE,
        user=member_a,
        by=admin_a,
    )
    response = client_a.post(url("switchboard"), {"switchboard_number": "1600"})
    assert response.status_code == 302
    assert SwitchboardSettings.objects.get().switchboard_number == "1600"
    assert switchboard_rows(org_a) == []  # the function number's registration is used as it is
    response = client_a.post(url("switchboard"), {"switchboard_number": "+4588887701"})
    assert (
        "The number +4588887701 is already in use."
        in response.context["form"].errors["switchboard_number"]
    )
    response = client_a.post(url("switchboard"), {"switchboard_number": "+4599990000"})
    assert "outside the organisation's number ranges" in " ".join(
        response.context["form"].errors["switchboard_number"]
    )
    response = client_a.post(url("switchboard"), {"switchboard_number": "112"})
    assert "emergency or service number" in " ".join(
        response.context["form"].errors["switchboard_number"]
    )
    assert SwitchboardSettings.objects.get().switchboard_number == "1600"


def test_two_scopes_cannot_take_the_same_switchboard_number(org_a, admin_a, groups_a, ranges_a):
    operations.service_settings_save(
        service="switchboard",
        scope=Scope(org_a),
        data={"switchboard_number": "+4588887700"},
        by=admin_a,
    )
    with pytest.raises(ValidationError) as exc:
        operations.service_settings_save(
            service="switchboard",
            scope=Scope(org_a, group=groups_a["Salg"]),
            data={"switchboard_number": "+4588887700"},
            by=admin_a,
        )
    assert "already in use" in " ".join(exc.value.message_dict["switchboard_number"])
    assert not SwitchboardSettings.objects.filter(group=groups_a["Salg"]).exists()


def test_deleting_a_group_frees_its_switchboard_number(org_a, admin_a, groups_a, ranges_a):
    salg = groups_a["Salg"]
    operations.service_settings_save(
        service="switchboard",
        scope=Scope(org_a, group=salg),
        data={"switchboard_number": "+4588887720"},
        by=admin_a,
    )
    assert switchboard_rows(org_a) == ["+4588887720"]
    salg.delete()
    assert switchboard_rows(org_a) == []


def test_call_transfer_default_range_and_inheritance(client_a, org_a, groups_a, member_a):
    assert resolve_user("call-transfer", member_a)["ring_seconds"].value == 20
    page = client_a.get(url("call-transfer")).content.decode()
    assert "How many seconds should it ring before the transfer is given up:" in page
    for bad in ("4", "301", "abc", "٣٠"):
        response = client_a.post(url("call-transfer"), {"ring_seconds": bad})
        assert response.status_code == 200 and response.context["form"].errors["ring_seconds"]
    assert not CallTransferSettings.objects.exists()
    assert (
        client_a.post(
            url("call-transfer", "group", groups_a["Salg"].pk), {"ring_seconds": "45"}
        ).status_code
        == 302
    )
    effective = resolve_user("call-transfer", member_a)["ring_seconds"]
    assert effective.value == 45 and effective.source.name == "Salg"
