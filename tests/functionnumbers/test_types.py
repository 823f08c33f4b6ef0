"""The rules of hunt groups (FN-9), rule-based numbers (FN-8), group inboxes (FN-4) and
voicemail numbers (FN-11), through the operations and the pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from connect.lib import crypto
from customers.models import Activity, Number, Role
from customers.operations.presence import activity_delete
from functionnumbers.models import FunctionNumber, GroupInbox, HuntGroup, Kind, VoicemailNumber
from functionnumbers.operations import function_number_update
from tests.factories import UserGroupFactory
from tests.functionnumbers.factories import ensure_ranges, make_function_number

pytestmark = pytest.mark.django_db


# --- FN-9 hunt groups ----------------------------------------------------------------------


def test_a_hunt_group_needs_a_participating_group(org_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.HUNT, member_groups=[])
    assert "member_groups" in exc.value.error_dict
    assert not FunctionNumber.objects.exists()
    hunt = make_function_number(org_a, Kind.HUNT)
    with pytest.raises(ValidationError):
        function_number_update(function_number=hunt, member_groups=[], by=admin_a)
    function_number_update(function_number=hunt, name="Support", by=admin_a)  # groups kept
    assert HuntGroup.objects.get(pk=hunt.pk).member_groups.count() == 1


def test_another_organisations_group_is_refused_once(org_a, org_b):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.HUNT, member_groups=[UserGroupFactory(organisation=org_b)])
    assert len(exc.value.error_dict["member_groups"]) == 1


@pytest.mark.parametrize(("seconds", "ok"), [(4, False), (5, True), (600, True), (601, False)])
def test_ring_length_is_5_to_600_seconds(org_a, seconds, ok):
    if ok:
        assert make_function_number(org_a, Kind.HUNT, ring_seconds=seconds).ring_seconds == seconds
    else:
        with pytest.raises(ValidationError) as exc:
            make_function_number(org_a, Kind.HUNT, ring_seconds=seconds)
        assert "ring_seconds" in exc.value.error_dict


@pytest.mark.parametrize("phone_types", [[], ["fax"], ["fixed", "fax"]])
def test_at_least_one_known_phone_type(org_a, phone_types):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.HUNT, phone_types=phone_types)
    assert "phone_types" in exc.value.error_dict


def test_phone_types_are_kept_in_the_guides_order(org_a):
    hunt = make_function_number(org_a, Kind.HUNT, phone_types=["mobile", "fixed", "mobile"])
    assert HuntGroup.objects.get(pk=hunt.pk).phone_types == ["fixed", "mobile"]


def test_activities_and_roles_are_the_organisations(org_a, org_b, admin_a):
    busy = Activity.objects.create(organisation=org_a, name="Forstyr ikke")
    foreign_activity = Activity.objects.create(organisation=org_b, name="Ferie")
    foreign_role = Role.objects.create(organisation=org_b, name="Privat")
    with pytest.raises(ValidationError) as exc:
        make_function_number(
            org_a,
            Kind.HUNT,
            excluding_activities=[foreign_activity],
            excluding_roles=[foreign_role],
        )
    assert {"excluding_activities", "excluding_roles"} <= set(exc.value.error_dict)
    hunt = make_function_number(org_a, Kind.HUNT, excluding_activities=[busy])
    # ORG-7: an activity a hunt group names cannot be deleted.
    with pytest.raises(ValidationError) as exc:
        activity_delete(activity=busy, by=admin_a)
    assert hunt.name in str(exc.value)


def test_the_fallback_is_a_destination(org_a):
    acd = make_function_number(org_a, Kind.ACD, number="1500")
    hunt = make_function_number(org_a, Kind.HUNT, fallback="1500")
    assert HuntGroup.objects.get(pk=hunt.pk).fallback.function.pk == acd.pk
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.HUNT, fallback="9999")
    assert "fallback" in exc.value.error_dict


# --- FN-8 rule-based numbers ---------------------------------------------------------------


def test_the_language_is_one_of_the_organisations(org_a):
    org_a.languages = ["da", "en"]
    org_a.save()
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.RULE_BASED, language="de")
    assert "language" in exc.value.error_dict
    assert make_function_number(org_a, Kind.RULE_BASED, language="en").language == "en"
    assert make_function_number(org_a, Kind.RULE_BASED, language="").language == ""


def test_the_page_offers_only_the_organisations_languages(client_a, org_a):
    org_a.languages = ["da", "sv"]
    org_a.save()
    choices = dict(
        client_a.get(reverse("functionnumbers:rule_based_create"))
        .context["form"]
        .fields["language"]
        .choices
    )
    assert {"da", "sv"} <= set(choices) and "de" not in choices


# --- FN-4 group inboxes --------------------------------------------------------------------


def test_the_pin_is_stored_encrypted(org_a):
    inbox = make_function_number(org_a, Kind.GROUP_INBOX, anonymous_pin_access=True, pin="4711")
    stored = GroupInbox.objects.get(pk=inbox.pk).pin_encrypted
    assert "4711" not in stored
    assert crypto.decrypt(stored) == "4711"


def test_anonymous_access_needs_a_pin(org_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.GROUP_INBOX, anonymous_pin_access=True)
    assert "pin" in exc.value.error_dict
    inbox = make_function_number(org_a, Kind.GROUP_INBOX, anonymous_pin_access=True, pin="123456")
    # Saving again without typing the PIN keeps it.
    function_number_update(function_number=inbox, name="Kundeservice", by=admin_a)
    assert crypto.decrypt(GroupInbox.objects.get(pk=inbox.pk).pin_encrypted) == "123456"


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "١٢٣٤"])
def test_a_pin_is_4_to_8_digits(org_a, pin):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.GROUP_INBOX, anonymous_pin_access=True, pin=pin)
    assert "pin" in exc.value.error_dict


@pytest.mark.parametrize("code", ["1", "12345678901", "12a"])
def test_the_inbox_code_is_2_to_10_digits(org_a, code):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.GROUP_INBOX, inbox_code=code)
    assert "inbox_code" in exc.value.error_dict


def test_the_inbox_code_is_unique_among_the_organisations_inboxes(org_a, org_b):
    make_function_number(org_a, Kind.GROUP_INBOX, inbox_code="42")
    make_function_number(org_b, Kind.GROUP_INBOX, inbox_code="42")
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.GROUP_INBOX, inbox_code="42")
    assert "inbox_code" in exc.value.error_dict


def test_the_pin_is_never_shown_back(client_a, org_a):
    inbox = make_function_number(
        org_a, Kind.GROUP_INBOX, anonymous_pin_access=True, pin="4711", inbox_code="42"
    )
    url = reverse("functionnumbers:group_inbox_update", args=[inbox.pk])
    page = client_a.get(url).content.decode()
    assert "4711" not in page
    assert GroupInbox.objects.get(pk=inbox.pk).pin_encrypted not in page
    # A post that fails on another field does not echo the PIN typed.
    response = client_a.post(
        url,
        {
            "number": inbox.number.number,
            "name": "Kundeservice",
            "inbox_code": "x",
            "anonymous_pin_access": "on",
            "pin": "8642",
        },
    )
    assert response.status_code == 200
    assert "inbox_code" in response.context["form"].errors
    assert "8642" not in response.content.decode()
    assert crypto.decrypt(GroupInbox.objects.get(pk=inbox.pk).pin_encrypted) == "4711"


# --- FN-11 voicemail numbers ---------------------------------------------------------------


def test_a_voicemail_number_is_registered_for_voicemail(org_a):
    ensure_ranges(org_a)
    voicemail = make_function_number(org_a, Kind.VOICEMAIL, number="88 88 02 00")
    row = Number.objects.get(organisation=org_a, number="+4588880200")
    assert row.purpose == Number.Purpose.VOICEMAIL
    assert row.owner.pk == voicemail.pk
    assert VoicemailNumber.objects.get(pk=voicemail.pk).inbox_type == VoicemailNumber.InboxType.USER


def test_type_group_inbox_needs_a_group_inbox(org_a, org_b):
    make_function_number(org_b, Kind.GROUP_INBOX)  # another organisation's does not count
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, Kind.VOICEMAIL, inbox_type="group")
    assert "inbox_type" in exc.value.error_dict
    assert not VoicemailNumber.objects.filter(organisation=org_a).exists()
    make_function_number(org_a, Kind.GROUP_INBOX)
    assert make_function_number(org_a, Kind.VOICEMAIL, inbox_type="group").inbox_type == "group"


def test_the_voicemail_page_shows_the_rule_as_a_field_error(client_a, org_a):
    ensure_ranges(org_a)
    response = client_a.post(
        reverse("functionnumbers:voicemail_create"), {"number": "1950", "inbox_type": "group"}
    )
    assert response.status_code == 200
    assert "Create a group inbox first" in str(response.context["form"].errors["inbox_type"])
    assert not FunctionNumber.objects.exists()


# --- FN-1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "kind", "value"),
    [("code", Kind.HUNT, "١٥٠٠"), ("inbox_code", Kind.GROUP_INBOX, "٤٢")],
)
def test_codes_are_keypad_digits_only(org_a, field, kind, value):
    with pytest.raises(ValidationError) as exc:
        make_function_number(org_a, kind, **{field: value})
    assert field in exc.value.error_dict
