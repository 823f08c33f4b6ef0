"""FN-5 IVR numbers: the options for keys 1–9, 0, *, #, "Ring til lokalnummer", no input, and
their page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry, Number, NumberKind, NumberRange, Prompt
from customers.operations.users import user_set_lines
from functionnumbers.models import FunctionNumber, IvrMenu, IvrOption, Kind
from functionnumbers.operations import (
    function_number_delete,
    function_number_update,
    ivr_options_set,
)
from tests.factories import UserFactory
from tests.functionnumbers.factories import ensure_ranges, make_function_number

pytestmark = pytest.mark.django_db


def _options(ivr):
    return {
        option.key: (option.destination_function_id, option.destination_number)
        for option in IvrOption.objects.filter(ivr=ivr)
    }


def test_options_go_to_function_numbers_users_and_external_numbers(org_a, admin_a):
    ensure_ranges(org_a)
    anna = UserFactory(organisation=org_a)
    user_set_lines(user=anna, primary="+4588880001", primary_aliases=["1001"], by=admin_a)
    acd = make_function_number(org_a, Kind.ACD, number="1500")
    ivr = make_function_number(
        org_a,
        Kind.IVR,
        number="1600",
        options={"1": "1500", "2": "1001", "*": "70 20 30 40", "#": "", "0": "+4588880001"},
        by=admin_a,
    )
    assert _options(ivr) == {
        "1": (acd.pk, "1500"),
        "2": (None, "1001"),
        "*": (None, "+4570203040"),
        "0": (None, "+4588880001"),
    }


def test_an_option_to_a_function_number_blocks_its_deletion(org_a, admin_a):
    acd = make_function_number(org_a, Kind.ACD, number="1500")
    make_function_number(org_a, Kind.IVR, number="1600", options={"3": "1500"})
    with pytest.raises(ValidationError) as exc:
        function_number_delete(function_number=acd, by=admin_a)
    assert "key 3" in str(exc.value)
    assert FunctionNumber.objects.filter(pk=acd.pk).exists()


def test_a_menu_needs_an_option_or_call_extension(org_a):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.IVR, number="1600", options={"1": "", "#": " "})
    assert "at least one key" in str(exc.value.error_dict["__all__"])
    assert not FunctionNumber.objects.exists()
    assert not Number.objects.filter(organisation=org_a).exists()
    ivr = make_function_number(org_a, Kind.IVR, number="1600", options={}, dial_local_number=True)
    assert IvrMenu.objects.get(pk=ivr.pk).dial_local_number


def test_call_extension_replaces_the_options(org_a, admin_a):
    ivr = make_function_number(org_a, Kind.IVR, number="1600", options={"1": "+4570203040"})
    function_number_update(function_number=ivr, dial_local_number=True, by=admin_a)
    assert _options(ivr) == {}
    with pytest.raises(ValidationError):
        function_number_update(function_number=ivr, dial_local_number=False, by=admin_a)


def test_an_update_without_options_keeps_them(org_a, admin_a):
    ivr = make_function_number(org_a, Kind.IVR, number="1600", options={"1": "+4570203040"})
    function_number_update(function_number=ivr, name="Hovedmenu", by=admin_a)
    assert _options(ivr) == {"1": (None, "+4570203040")}


@pytest.mark.parametrize("own", ["1600", "+4588880160"])
def test_an_option_cannot_point_at_the_ivr_itself(org_a, admin_a, own):
    ivr = make_function_number(org_a, Kind.IVR, number=own, options={"1": "+4570203040"})
    with pytest.raises(ValidationError) as exc:
        function_number_update(
            function_number=ivr, options={"1": "+4570203040", "5": own}, by=admin_a
        )
    assert "itself" in str(exc.value.error_dict["option_5"])
    assert _options(ivr) == {"1": (None, "+4570203040")}


def test_a_new_ivr_cannot_send_a_key_to_its_own_number(org_a):
    ensure_ranges(org_a)
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.IVR, number="+4588880160", options={"#": "+4588880160"})
    assert "itself" in str(exc.value.error_dict["option_hash"])
    assert not FunctionNumber.objects.exists()
    assert not Number.objects.filter(organisation=org_a).exists()


def test_another_organisations_local_number_is_refused(org_a, org_b, admin_b):
    ensure_ranges(org_b)
    other = UserFactory(organisation=org_b)
    user_set_lines(user=other, primary="1050", by=admin_b)
    with pytest.raises(ValidationError) as exc:
        make_function_number(
            org_a, Kind.IVR, number="1600", options={"1": "+4570203040", "7": "1050"}
        )
    assert "1050" in str(exc.value.error_dict["option_7"])
    assert not IvrOption.objects.exists()


@pytest.mark.parametrize("typed", ["112", "abc", "٣٣٣٣", "+"])
def test_a_bad_destination_gets_an_error_on_its_key(org_a, typed):
    with pytest.raises(ValidationError) as exc:
        make_function_number(
            org_a, Kind.IVR, number="1600", options={"1": "+4570203040", "*": typed}
        )
    assert set(exc.value.error_dict) == {"option_star"}
    assert not FunctionNumber.objects.exists()


def test_the_prompt_is_required(org_a):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.IVR, number="1600", prompt=None)
    assert "prompt" in exc.value.error_dict


@pytest.mark.parametrize("seconds", [0, 61])
def test_no_input_seconds_are_1_to_60(org_a, seconds):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.IVR, number="1600", no_input_seconds=seconds)
    assert "no_input_seconds" in exc.value.error_dict


def test_no_input_goes_to_a_destination(org_a):
    hunt = make_function_number(org_a, Kind.HUNT, number="1580")
    ivr = make_function_number(org_a, Kind.IVR, number="1600", no_input_seconds=5, no_input="1580")
    assert IvrMenu.objects.get(pk=ivr.pk).no_input_function_id == hunt.pk


def test_option_changes_are_on_the_ivrs_history(org_a, admin_a):
    ivr = make_function_number(
        org_a, Kind.IVR, number="1600", options={"1": "+4570203040"}, by=admin_a
    )
    ivr_options_set(ivr=ivr, options={"1": "+4570203040", "2": "+4570203041"}, by=admin_a)
    entry = AuditEntry.objects.filter(object_id=str(ivr.pk), changes__has_key="options").first()
    assert entry.actor == admin_a
    assert entry.changes["options"] == [["1: +4570203040"], ["1: +4570203040", "2: +4570203041"]]
    count = AuditEntry.objects.count()
    ivr_options_set(ivr=ivr, options={"1": "+4570203040", "2": "+4570203041"}, by=admin_a)
    assert AuditEntry.objects.count() == count  # nothing changed, nothing recorded


# --- the page ------------------------------------------------------------------------------


def _post_data(prompt, **extra):
    data = {"number": "1600", "name": "Hovedmenu", "prompt": prompt.pk, "no_input_seconds": "10"}
    data.update(extra)
    return data


def test_the_page_creates_the_ivr_with_its_options(client_a, org_a):
    ensure_ranges(org_a)
    prompt = Prompt.objects.create(organisation=org_a, name="Velkommen")
    response = client_a.post(
        reverse("functionnumbers:ivr_create"),
        _post_data(prompt, option_1="+4570203040", option_hash="+4570203041"),
    )
    assert response.status_code == 302, response.context["form"].errors
    ivr = IvrMenu.objects.get()
    assert _options(ivr) == {"1": (None, "+4570203040"), "#": (None, "+4570203041")}
    page = client_a.get(reverse("functionnumbers:ivr_update", args=[ivr.pk])).content.decode()
    assert 'name="option_hash"' in page and 'value="+4570203041"' in page
    assert 'id="ivr-options" hidden' not in page


def test_a_bad_option_is_shown_at_its_key_and_nothing_is_written(client_a, org_a):
    ensure_ranges(org_a)
    prompt = Prompt.objects.create(organisation=org_a, name="Velkommen")
    response = client_a.post(
        reverse("functionnumbers:ivr_create"),
        _post_data(prompt, option_1="+4570203040", option_9="1234"),
    )
    assert response.status_code == 200
    assert "1234" in str(response.context["form"].errors["option_9"])
    assert 'aria-describedby="id_option_9-error"' in response.content.decode()
    assert not FunctionNumber.objects.exists()


def test_a_post_without_the_options_section_is_refused(client_a, org_a):
    ensure_ranges(org_a)
    prompt = Prompt.objects.create(organisation=org_a, name="Velkommen")
    response = client_a.post(reverse("functionnumbers:ivr_create"), _post_data(prompt))
    assert response.status_code == 200
    assert "at least one key" in " ".join(response.context["form"].non_field_errors())
    assert not FunctionNumber.objects.exists()


def test_the_options_are_hidden_while_call_extension_is_ticked(client_a, org_a):
    ivr = make_function_number(org_a, Kind.IVR, number="1600", options={}, dial_local_number=True)
    page = client_a.get(reverse("functionnumbers:ivr_update", args=[ivr.pk])).content.decode()
    assert 'id="ivr-options" hidden' in page


def test_call_extension_names_the_ranges_an_ivr_can_call(client_a, org_a):
    ensure_ranges(org_a)
    url = reverse("functionnumbers:ivr_create")
    assert "No number range can be called from an IVR" in client_a.get(url).content.decode()
    NumberRange.objects.filter(organisation=org_a, kind=NumberKind.LOCAL).update(
        callable_from_ivr=True
    )
    assert "can be reached: 1000–1999." in client_a.get(url).content.decode()
