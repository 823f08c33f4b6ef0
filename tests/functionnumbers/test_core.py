"""The generic part of function numbers: registry, local ranges, codes, destinations, references,
and the pages of every type."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry, Number
from functionnumbers.layouts import LAYOUTS
from functionnumbers.models import CallGroup, FunctionNumber, Kind
from functionnumbers.operations import function_number_delete, function_number_update
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db


def test_create_registers_the_number_with_the_function_number_as_owner(org_a, admin_a):
    group = make_function_number(org_a, Kind.ACD, number="1501", by=admin_a)
    row = Number.objects.get(organisation=org_a, number="1501")
    assert row.purpose == Number.Purpose.FUNCTION_NUMBER
    assert row.owner.pk == group.pk
    assert AuditEntry.objects.filter(object_id=str(group.pk), action=AuditEntry.Action.CREATE).exists()


@pytest.mark.parametrize(
    ("kind", "outside"),
    [(Kind.ACD, "1600"), (Kind.ATTENDANT, "1499"), (Kind.HUNT, "1700"), (Kind.IVR, "1500"), (Kind.RULE_BASED, "1699")],
)
def test_local_number_outside_the_types_range_is_refused(org_a, kind, outside):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, kind, number=outside)
    assert "number" in exc.value.error_dict
    assert not FunctionNumber.objects.exists()


def test_full_numbers_are_allowed_for_every_type(org_a):
    group = make_function_number(org_a, Kind.ACD, number="88 88 01 00")
    assert group.number.number == "+4588880100"


def test_a_number_in_use_is_refused(org_a):
    make_function_number(org_a, Kind.ACD, number="1500")
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.HUNT, number="1500")
    assert "already in use" in str(exc.value.error_dict["number"])


def test_the_function_code_is_unique_in_the_organisation(org_a, org_b):
    make_function_number(org_a, Kind.ACD, code="1500")
    make_function_number(org_b, Kind.ACD, code="1500")  # another organisation may
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.HUNT, code="1500")
    assert "code" in exc.value.error_dict


def test_changing_the_number_releases_the_old_one(org_a, admin_a):
    group = make_function_number(org_a, Kind.ACD, number="1500")
    function_number_update(function_number=group, number="1510", by=admin_a)
    assert set(Number.objects.filter(organisation=org_a).values_list("number", flat=True)) == {"1510"}


def test_a_destination_to_a_function_number_is_a_reference_that_blocks_deletion(org_a, admin_a):
    target = make_function_number(org_a, Kind.HUNT, number="1580")
    group = make_function_number(org_a, Kind.ACD, number="1500", overflow_action="forward", overflow="1580")
    group.refresh_from_db()
    assert group.overflow_function.pk == target.pk
    with pytest.raises(ValidationError) as exc:
        function_number_delete(function_number=target, by=admin_a)
    assert "1500" in str(exc.value)
    function_number_update(function_number=group, overflow="", overflow_action="busy", by=admin_a)
    function_number_delete(function_number=target, by=admin_a)
    assert not Number.objects.filter(organisation=org_a, number="1580").exists()


def test_unknown_local_destination_is_refused(org_a):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.ACD, no_agents="1234")
    assert "no_agents" in exc.value.error_dict


def test_external_destination_is_stored_normalised(org_a):
    group = make_function_number(org_a, Kind.ACD, no_agents="0045 70 20 30 40")
    assert CallGroup.objects.get(pk=group.pk).no_agents_number == "+4570203040"


def test_another_organisations_groups_are_refused(org_a, org_b):
    from tests.factories import UserGroupFactory

    foreign = UserGroupFactory(organisation=org_b)
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.ACD, admin_groups=[foreign])
    assert "admin_groups" in exc.value.error_dict


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_every_type_has_list_create_edit_and_delete_pages(client_a, org_a, kind):
    item = make_function_number(org_a, kind)
    assert client_a.get(reverse(f"functionnumbers:{kind}_list")).status_code == 200
    assert client_a.get(reverse(f"functionnumbers:{kind}_create")).status_code == 200
    page = client_a.get(reverse(f"functionnumbers:{kind}_update", args=[item.pk]))
    assert page.status_code == 200
    assert item.number.number in page.content.decode()
    assert client_a.get(reverse(f"functionnumbers:{kind}_delete", args=[item.pk])).status_code == 200


def test_another_organisations_admin_gets_404(client_b, org_a):
    item = make_function_number(org_a, Kind.ACD)
    assert client_b.get(reverse("functionnumbers:acd_update", args=[item.pk])).status_code == 404


def test_create_page_posts_through_the_operation(client_a, org_a):
    from tests.factories import UserGroupFactory
    from tests.functionnumbers.factories import ensure_ranges

    ensure_ranges(org_a)
    group = UserGroupFactory(organisation=org_a)
    response = client_a.post(
        reverse("functionnumbers:hunt_create"),
        {"number": "1590", "name": "Support", "ring_seconds": "20", "strategy": "sequential", "phone_types": ["fixed"], "member_groups": [group.pk]},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert FunctionNumber.objects.get(number__number="1590").name == "Support"
    bad = client_a.post(
        reverse("functionnumbers:hunt_create"),
        {"number": "1690", "name": "X", "ring_seconds": "20", "strategy": "sequential", "phone_types": ["fixed"]},
    )
    assert bad.status_code == 200
    assert "1500" in str(bad.context["form"].errors["number"])


@pytest.mark.parametrize(("typed", "seconds", "shown"), [("2", 120, "2:00"), ("1:30", 90, "1:30"), ("0:05", 5, "0:05")])
def test_durations_are_typed_as_minutes_and_seconds(client_a, org_a, typed, seconds, shown):
    group = make_function_number(org_a, Kind.ACD, number="1500")
    url = reverse("functionnumbers:acd_update", args=[group.pk])
    form = client_a.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data.update({"number": "1500", "name": "Salg", "phone_types": ["fixed"], "overflow_wait_seconds": typed})
    for name in ("admin_groups", "login_groups", "control_groups", "blocking_groups"):
        data.pop(name, None)
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    data["login_groups"] = [g.pk for g in group.login_groups.all()]  # FN-2: at least one
    response = client_a.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert CallGroup.objects.get(pk=group.pk).overflow_wait_seconds == seconds
    assert f'value="{shown}"' in client_a.get(url).content.decode()


@pytest.mark.parametrize("typed", ["1:60", "1:5", "abc", "-1", "1:30:00", "٣", "1:٣٠"])
def test_bad_durations_get_the_guides_error(client_a, org_a, typed):
    group = make_function_number(org_a, Kind.ACD, number="1500")
    url = reverse("functionnumbers:acd_update", args=[group.pk])
    response = client_a.post(url, {"number": "1500", "name": "Salg", "overflow_wait_seconds": typed})
    assert "Enter minutes, optionally followed by seconds" in str(response.context["form"].errors["overflow_wait_seconds"])


def test_vis_tilgaengelige_numre_offers_only_the_types_local_range(client_a, org_a):
    from tests.functionnumbers.factories import ensure_ranges

    ensure_ranges(org_a)
    form = client_a.get(reverse("functionnumbers:ivr_create")).content.decode()
    assert "local=1600-1699" in form
    from customers.models import NumberRange

    local_range = NumberRange.objects.get(organisation=org_a, kind="local")  # 1000-1999
    url = reverse("customers:available_numbers")
    listing = client_a.get(url, {"purpose": "function_number", "local": "1600-1699", "range": local_range.pk})
    local = [free.number for free in listing.context["numbers"]]
    assert local[0] == "1600" and all(1600 <= int(n) <= 1699 for n in local)
