"""FN-2 ACD groups and FN-7 attendant groups: the rules of functionnumbers.rules (each bad input
gets a field error and writes nothing), the defaults, the recommended-code warning and the page."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.models import AuditEntry, Number, Prompt
from functionnumbers.forms import DURATION_FIELDS, format_duration
from functionnumbers.models import CallGroup, FunctionNumber, Kind, PhoneType
from functionnumbers.operations import function_number_update
from functionnumbers.rules import call_group_errors
from tests.factories import OrganisationFactory
from tests.functionnumbers.factories import login_group, make_function_number

pytestmark = pytest.mark.django_db

E164 = "+4588880100"


def refused(org, field, kind=Kind.ACD, **fields):
    """Creating the group with `fields` fails on `field`, and nothing is written."""
    numbers = Number.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_function_number(org, kind, **fields)
    assert field in exc.value.error_dict, exc.value.error_dict
    assert not FunctionNumber.objects.exists()
    assert Number.objects.count() == numbers
    return exc.value.error_dict[field]


def test_defaults_of_the_guide(org_a):
    group = CallGroup.objects.get(pk=make_function_number(org_a, Kind.ACD).pk)
    assert group.parallel_agents == 1
    assert group.ring_seconds == 20
    assert group.queue_limit == 20
    assert group.phone_types == [PhoneType.FIXED, PhoneType.SOFTPHONE]
    assert group.distribution == CallGroup.Distribution.PRIORITY
    assert group.overflow_action == CallGroup.OverflowAction.BUSY
    assert group.max_wait_seconds == 0
    assert group.callback_ring_seconds == 30
    assert group.callback_attempts == 3
    assert group.callback_valid_minutes == 0
    assert group.status_interval_seconds == 0
    assert not group.ringing_while_offered


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("parallel_agents", 0),
        ("parallel_agents", 101),
        ("ring_seconds", 4),
        ("ring_seconds", 301),
        ("queue_limit", 0),
        ("queue_limit", 501),
        ("logout_after_unanswered", 0),
        ("logout_after_unanswered", 100),
        ("max_attempts", 100),
        ("callback_attempts", 0),
        ("callback_attempts", 11),
        ("overflow_wait_seconds", 24 * 3600 + 1),
    ],
)
def test_values_outside_the_guides_ranges_are_refused(org_a, field, value):
    refused(org_a, field, **{field: value, "no_agents": "+4570203040"})


@pytest.mark.parametrize("kind", [Kind.ACD, Kind.ATTENDANT])
def test_an_internal_number_needs_the_calling_partys_number_shown(org_a, kind):
    message = refused(org_a, "show_caller_number", kind, show_caller_number=False)
    assert "internal number" in str(message)


def test_a_full_number_does_not_need_the_calling_partys_number_shown(org_a):
    make_function_number(org_a, Kind.ACD, number=E164, show_caller_number=False)


def test_outgoing_line_on_an_internal_number_needs_the_line_number(org_a):
    refused(org_a, "outgoing_line_number", outgoing_line_allowed=True)
    group = make_function_number(
        org_a, Kind.ACD, outgoing_line_allowed=True, outgoing_line_number="88 88 01 01"
    )
    assert CallGroup.objects.get(pk=group.pk).outgoing_line_number == "+4588880101"


def test_outgoing_line_on_a_full_number_may_use_the_groups_own_number(org_a):
    make_function_number(org_a, Kind.ACD, number=E164, outgoing_line_allowed=True)


@pytest.mark.parametrize("bad", ["abc", "1234", "112"])
def test_the_line_number_must_be_a_valid_full_number(org_a, bad):
    refused(org_a, "outgoing_line_number", outgoing_line_allowed=True, outgoing_line_number=bad)


def test_internal_number_as_identity_requires_the_outgoing_line(org_a):
    refused(org_a, "outgoing_use_internal_number", outgoing_use_internal_number=True)


def test_sms_sender_number_requires_the_display_name(org_a):
    refused(org_a, "sms_display_name", sms_sender_number="+4588880102")
    make_function_number(org_a, Kind.ACD, sms_display_name="Salg", sms_sender_number="+4588880102")


def test_the_help_number_may_be_local_but_must_be_a_number(org_a):
    refused(org_a, "help_number", help_number="hjælp")
    make_function_number(org_a, Kind.ACD, help_number="1234")


def test_forwarding_on_overflow_needs_a_number(org_a):
    refused(org_a, "overflow", overflow_action=CallGroup.OverflowAction.FORWARD)
    make_function_number(org_a, Kind.ACD, overflow_action="forward", overflow="+4570203040")


def test_a_maximum_wait_needs_its_target(org_a):
    refused(org_a, "max_wait", max_wait_seconds=120)
    group = make_function_number(org_a, Kind.ACD, max_wait_seconds=120, max_wait="70 20 30 40")
    assert CallGroup.objects.get(pk=group.pk).max_wait_number == "+4570203040"


def test_maximum_attempts_need_the_max_wait_or_no_agents_target(org_a):
    refused(org_a, "max_attempts", max_attempts=3)
    make_function_number(org_a, Kind.ACD, max_attempts=3, no_agents="+4570203040")


@pytest.mark.parametrize("field", ["wait_announce_min_seconds", "wait_announce_max_seconds"])
def test_waiting_time_limits_require_playing_the_estimated_waiting_time(org_a, field):
    message = refused(org_a, field, **{field: 60})
    assert "Play estimated waiting time" in str(message)


def test_the_upper_waiting_time_limit_is_above_the_lower(org_a):
    fields = {"announce_wait": True, "wait_announce_min_seconds": 120}
    refused(org_a, "wait_announce_max_seconds", wait_announce_max_seconds=120, **fields)
    make_function_number(org_a, Kind.ACD, wait_announce_max_seconds=121, **fields)


def test_at_least_one_login_group(org_a, admin_a):
    refused(org_a, "login_groups", login_groups=[])
    group = make_function_number(org_a, Kind.ACD)
    with pytest.raises(ValidationError) as exc:
        function_number_update(function_number=group, login_groups=[], by=admin_a)
    assert "login_groups" in exc.value.error_dict
    assert group.login_groups.count() == 1
    # An update that does not touch the groups keeps them, and passes.
    function_number_update(function_number=group, name="Support", by=admin_a)


@pytest.mark.parametrize("value", [[], ["fax"], "fixed"])
def test_at_least_one_known_phone_type(org_a, value):
    refused(org_a, "phone_types", phone_types=value)


def test_prompts_are_the_organisations_or_the_systems(org_a, org_b):
    foreign = Prompt.objects.create(organisation=org_b, name="Fremmed")
    refused(org_a, "welcome_prompt", welcome_prompt=foreign)
    system = Prompt.objects.create(organisation=None, name="Ringing")
    own = Prompt.objects.create(organisation=org_a, name="Velkommen")
    make_function_number(org_a, Kind.ACD, queue_prompt=system, welcome_prompt=own)


def test_camp_on_needs_both_times_and_everyone_is_notified_no_sooner(org_a):
    refused(
        org_a,
        "camp_on_notify_seconds",
        Kind.ATTENDANT,
        camp_on_enabled=True,
        camp_on_notify_all_seconds=30,
    )
    refused(
        org_a,
        "camp_on_notify_all_seconds",
        Kind.ATTENDANT,
        camp_on_enabled=True,
        camp_on_notify_seconds=30,
    )
    refused(
        org_a,
        "camp_on_notify_all_seconds",
        Kind.ATTENDANT,
        camp_on_enabled=True,
        camp_on_notify_seconds=30,
        camp_on_notify_all_seconds=29,
    )
    make_function_number(
        org_a,
        Kind.ATTENDANT,
        camp_on_enabled=True,
        camp_on_notify_seconds=30,
        camp_on_notify_all_seconds=30,
    )


def test_camp_on_is_for_attendant_groups_only(org_a):
    refused(
        org_a,
        "camp_on_enabled",
        Kind.ACD,
        camp_on_enabled=True,
        camp_on_notify_seconds=1,
        camp_on_notify_all_seconds=2,
    )


def test_a_refused_update_changes_nothing(org_a, admin_a):
    group = make_function_number(org_a, Kind.ACD, name="Salg")
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        function_number_update(function_number=group, name="Support", max_attempts=3, by=admin_a)
    assert CallGroup.objects.get(pk=group.pk).name == "Salg"
    assert AuditEntry.objects.count() == audits


def test_changing_to_an_internal_number_checks_the_best_practice(org_a, admin_a):
    group = make_function_number(org_a, Kind.ACD, number=E164, show_caller_number=False)
    with pytest.raises(ValidationError) as exc:
        function_number_update(function_number=group, number="1520", by=admin_a)
    assert "show_caller_number" in exc.value.error_dict
    assert CallGroup.objects.get(pk=group.pk).number.number == E164


# --- The page --------------------------------------------------------------------------------


def _post_data(client, url):
    """What the edit page would post back unchanged."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if name in DURATION_FIELDS:
            value = format_duration(value)
        elif isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        if value is not False and value not in (None, "", []):
            data[name] = getattr(value, "pk", value)
    return data


@pytest.mark.parametrize(("code", "warned"), [("1400", True), ("1510", False)])
def test_a_code_outside_1500_1599_is_saved_with_a_warning(client_a, org_a, code, warned):
    group = make_function_number(org_a, Kind.ACD)
    url = reverse("functionnumbers:acd_update", args=[group.pk])
    data = _post_data(client_a, url)
    data["code"] = code
    response = client_a.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert CallGroup.objects.get(pk=group.pk).code == code
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("recommends a code between 1500 and 1599" in t for t in texts) is warned


def test_the_page_shows_a_rule_as_a_field_error(client_a, org_a):
    group = make_function_number(org_a, Kind.ACD)
    url = reverse("functionnumbers:acd_update", args=[group.pk])
    data = _post_data(client_a, url)
    data.pop("show_caller_number", None)
    response = client_a.post(url, data)
    assert response.status_code == 200
    assert "show_caller_number" in response.context["form"].errors
    assert CallGroup.objects.get(pk=group.pk).show_caller_number


def test_the_factory_login_group_is_reused(org_a):
    assert login_group(org_a) == login_group(org_a)


# --- Property test of the pure rule table -----------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from([Kind.ACD, Kind.ATTENDANT]),
    number_local=st.booleans(),
    login_groups=st.integers(0, 3),
    flags=st.fixed_dictionaries(
        {
            name: st.booleans()
            for name in (
                "outgoing_line_allowed",
                "outgoing_use_internal_number",
                "show_caller_number",
                "announce_wait",
                "camp_on_enabled",
            )
        }
    ),
    seconds=st.fixed_dictionaries(
        {
            name: st.none() | st.integers(0, 200_000)
            for name in (
                "overflow_wait_seconds",
                "wait_announce_min_seconds",
                "wait_announce_max_seconds",
                "camp_on_notify_seconds",
                "camp_on_notify_all_seconds",
            )
        }
    ),
    max_wait_seconds=st.integers(0, 100),
    max_attempts=st.none() | st.integers(1, 99),
    texts=st.fixed_dictionaries(
        {
            name: st.sampled_from(["", "+4570203040"])
            for name in (
                "outgoing_line_number",
                "sms_sender_number",
                "sms_display_name",
                "overflow_number",
                "max_wait_number",
                "no_agents_number",
            )
        }
    ),
    forward=st.booleans(),
    phone_types=st.lists(st.sampled_from([*PhoneType.values, "fax"]), max_size=4),
)
def test_property_groups_without_errors_keep_every_rule(
    kind,
    number_local,
    login_groups,
    flags,
    seconds,
    max_wait_seconds,
    max_attempts,
    texts,
    forward,
    phone_types,
):
    group = CallGroup(
        kind=kind,
        max_wait_seconds=max_wait_seconds,
        max_attempts=max_attempts,
        phone_types=phone_types,
        overflow_action="forward" if forward else "busy",
        **flags,
        **seconds,
        **texts,
    )
    errors = call_group_errors(group, number_local=number_local, login_group_count=login_groups)
    fields = {f.name for f in CallGroup._meta.get_fields()} | {"overflow", "max_wait", "no_agents"}
    assert set(errors) <= fields
    assert all(errors.values())
    if errors:
        return
    assert login_groups >= 1
    assert group.phone_types and set(group.phone_types) <= set(PhoneType.values)
    assert not number_local or group.show_caller_number
    assert not (number_local and group.outgoing_line_allowed) or group.outgoing_line_number
    assert not group.outgoing_use_internal_number or group.outgoing_line_allowed
    assert not group.sms_sender_number or group.sms_display_name
    assert not forward or group.overflow
    assert not max_wait_seconds or group.max_wait_target
    assert not max_attempts or group.max_wait_target or group.no_agents_target
    low, high = group.wait_announce_min_seconds, group.wait_announce_max_seconds
    assert group.announce_wait or (low is None and high is None)
    assert low is None or high is None or high > low
    if kind == Kind.ACD:
        assert not group.camp_on_enabled
    elif group.camp_on_enabled:
        assert group.camp_on_notify_seconds is not None
        assert group.camp_on_notify_all_seconds >= group.camp_on_notify_seconds


def test_another_organisations_group_is_not_a_login_group(org_a):
    other = OrganisationFactory(name="org-c")
    refused(org_a, "login_groups", login_groups=[login_group(other)])
