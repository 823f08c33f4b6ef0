"""Checkbox ("flag") fields end to end (SET-2), on SVC-18 SMS-Godkendelse: rendered, stored,
OR-ed over the levels, shown ticked and disabled with their source below a ticked level."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import GroupMembership, Organisation, User, UserGroup
from services import operations
from services.models import SmsAuthorizationSettings
from services.resolver import resolve_many, resolve_user
from services.scopes import Scope

SLUG = "sms-authorization"
LABEL = "Allow sending SMS from the softphone"


def url(scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=[SLUG])
    return reverse(f"services:service_{scope}", args=[SLUG, pk])


def save(scope, value):
    operations.service_settings_save(service=SLUG, scope=scope, data={"sms_allowed": value}, by=None)


def checkbox(text):
    """The <input> tag of the checkbox in the page."""
    start = text.index('name="sms_allowed"')
    return text[text.rindex("<input", 0, start) : text.index(">", start) + 1]


def test_off_by_default_and_ticked_at_organisation_level(client_a, org_a, member_a):
    text = client_a.get(url()).content.decode()
    assert LABEL in text
    assert 'type="checkbox"' in checkbox(text) and "checked" not in checkbox(text)
    assert resolve_user(SLUG, member_a)["sms_allowed"].value is False

    response = client_a.post(url(), {"sms_allowed": "on"})
    assert response.status_code == 302
    assert SmsAuthorizationSettings.objects.get(organisation=org_a, group=None, user=None).sms_allowed is True
    effective = resolve_user(SLUG, member_a)["sms_allowed"]
    assert effective.value is True and effective.source.level == "organisation"
    assert "checked" in checkbox(client_a.get(url()).content.decode())

    # Unticking at organisation level (a browser posts nothing) switches it off again.
    client_a.post(url(), {})
    assert resolve_user(SLUG, member_a)["sms_allowed"].value is False


def test_ticked_in_a_group_is_shown_ticked_disabled_with_its_source_for_the_member(client_a, org_a, groups_a, member_a):
    save(Scope(org_a, group=groups_a["Salg"]), True)
    text = client_a.get(url("user", member_a.pk)).content.decode()
    tag = checkbox(text)
    assert "checked" in tag and "disabled" in tag
    assert "inherited from group Salg" in text
    assert "cannot be cleared here" in text
    # The effective-values panel says the same.
    assert resolve_user(SLUG, member_a)["sms_allowed"].source.name == "Salg"

    # A group the member is not in shows nothing inherited.
    other = client_a.get(url("group", groups_a["Administration"].pk)).content.decode()
    assert "disabled" not in checkbox(other) and "checked" not in checkbox(other)


def test_an_unticked_box_below_does_not_switch_off_a_ticked_one_above(client_a, org_a, groups_a, member_a):
    save(Scope(org_a, group=groups_a["Support"]), True)
    # The member's own form posts without the (disabled) box: still on, own row unticked.
    response = client_a.post(url("user", member_a.pk), {})
    assert response.status_code == 302
    assert SmsAuthorizationSettings.objects.get(user=member_a).sms_allowed is False
    assert resolve_user(SLUG, member_a)["sms_allowed"].value is True
    # Even a crafted "unticked" for the disabled box changes nothing.
    client_a.post(url("user", member_a.pk), {"sms_allowed": "false"})
    assert resolve_user(SLUG, member_a)["sms_allowed"].value is True
    # Saved through the operation as False on the user: still on (OR, SET-2).
    save(Scope(org_a, user=member_a), False)
    assert resolve_user(SLUG, member_a)["sms_allowed"].value is True
    # Clearing the group's tick is what switches it off.
    save(Scope(org_a, group=groups_a["Support"]), False)
    assert resolve_user(SLUG, member_a)["sms_allowed"].value is False


def test_ticked_on_the_user_only_is_on_for_that_user_only(client_a, org_a, groups_a, member_a, admin_a):
    response = client_a.post(url("user", member_a.pk), {"sms_allowed": "on"})
    assert response.status_code == 302
    effective = resolve_user(SLUG, member_a)["sms_allowed"]
    assert effective.value is True and effective.source.level == "user"
    assert resolve_user(SLUG, admin_a)["sms_allowed"].value is False


@pytest.mark.parametrize("level", ["organisation", "group", "user"])
def test_a_crafted_maybe_is_a_clear_error_and_writes_nothing(client_a, org_a, groups_a, member_a, level):
    target = {"organisation": url(), "group": url("group", groups_a["Salg"].pk), "user": url("user", member_a.pk)}[level]
    response = client_a.post(target, {"sms_allowed": "maybe"})
    assert response.status_code == 200
    assert response.context["form"].errors["sms_allowed"] == ["A checkbox is either ticked or not ticked."]
    assert "A checkbox is either ticked or not ticked." in response.content.decode()
    assert not SmsAuthorizationSettings.objects.exists()


def test_the_operation_refuses_anything_but_a_boolean(org_a):
    with pytest.raises(ValidationError) as exc:
        save(Scope(org_a), "maybe")
    assert "sms_allowed" in exc.value.message_dict
    assert not SmsAuthorizationSettings.objects.exists()


def test_inherited_box_in_danish(danish_fragments, client_a, org_a, groups_a, member_a):
    save(Scope(org_a, group=groups_a["Salg"]), True)
    text = client_a.get(url("user", member_a.pk)).content.decode()
    for phrase in ("SMS-Godkendelse", "Tillad afsendelse af SMS via softphonen", "arvet fra gruppen Salg"):
        assert phrase in text, phrase


# --- OR over the levels, through the database ------------------------------------------------

flag_states = st.fixed_dictionaries(
    {
        "org": st.none() | st.booleans(),
        "groups": st.lists(st.none() | st.booleans(), min_size=3, max_size=3),
        "users": st.lists(
            st.fixed_dictionaries({"groups": st.frozensets(st.integers(0, 2)), "own": st.none() | st.booleans()}),
            min_size=1,
            max_size=4,
        ),
    }
)


class Rollback(Exception):
    pass


@given(flag_states)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_flags_are_ored_over_every_level(db, state):
    try:
        with transaction.atomic():
            org = Organisation.objects.create(name="hyp-flags")
            groups = [UserGroup.objects.create(organisation=org, name=f"G{i}", priority=i + 1) for i in range(3)]
            if state["org"] is not None:
                SmsAuthorizationSettings.objects.create(organisation=org, sms_allowed=state["org"])
            for group, value in zip(groups, state["groups"], strict=True):
                if value is not None:
                    SmsAuthorizationSettings.objects.create(organisation=org, group=group, sms_allowed=value)
            users = []
            for n, spec in enumerate(state["users"]):
                user = User.objects.create(organisation=org, username=f"flag{n}@x.example")
                GroupMembership.objects.bulk_create([GroupMembership(user=user, group=groups[i]) for i in spec["groups"]])
                if spec["own"] is not None:
                    SmsAuthorizationSettings.objects.create(organisation=org, user=user, sms_allowed=spec["own"])
                users.append(user)
            resolved = resolve_many(SLUG, users, organisation=org)
            for user, spec in zip(users, state["users"], strict=True):
                expected = bool(state["org"]) or bool(spec["own"]) or any(state["groups"][i] for i in spec["groups"])
                assert resolved[user.pk]["sms_allowed"].value is expected
            raise Rollback
    except Rollback:
        pass
