"""User operations (USR-6 … USR-15): validation, number registry, audit."""

import pytest
from django.core.exceptions import ValidationError

from connect.lib import crypto
from connect.lib.audit import history_for
from customers.models import GroupMembership, Number, UserLine
from customers.models.users import ThirdPartySipAccount
from customers.operations import numberrange_create
from customers.operations.users import (
    user_copy,
    user_create,
    user_delete,
    user_set_groups,
    user_set_lines,
    user_set_mobile,
    user_set_third_party_sip,
    user_update,
    users_add_to_groups,
    users_delete,
    users_remove_from_groups,
    users_update,
)
from customers.signals import user_copied
from tests.factories import LicenceFactory, UserFactory, UserGroupFactory


@pytest.fixture
def ranges_a(org_a, admin_a):
    numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", by=admin_a)
    numberrange_create(organisation=org_a, first="200", last="299", by=admin_a)
    numberrange_create(organisation=org_a, first="1500", last="1899", by=admin_a)
    return org_a


def make(org, admin, username="new@a.example", **kw):
    return user_create(organisation=org, username=username, first_name="Ny", last_name="Bruger", by=admin, **kw)


def test_create_lowercases_and_audits(org_a, admin_a):
    user = make(org_a, admin_a, username="  New.Person@A.Example ", password="a-Long-password-1")
    assert user.username == "new.person@a.example"
    assert user.email == "new.person@a.example"
    assert user.check_password("a-Long-password-1")
    assert history_for(user).filter(action="create").exists()


def test_create_without_password_is_unusable(org_a, admin_a):
    assert not make(org_a, admin_a).has_usable_password()


def test_duplicate_username_other_org_same_message(org_a, admin_a, admin_b):
    with pytest.raises(ValidationError) as own:
        make(org_a, admin_a, username="ADMIN@a.example")
    with pytest.raises(ValidationError) as other:
        make(org_a, admin_a, username="admin@b.example")
    assert own.value.message_dict["username"] == other.value.message_dict["username"]
    assert "org-b" not in str(other.value)


@pytest.mark.parametrize(
    "field,value",
    [("first_name", "x" * 65), ("last_name", "a\x00b"), ("first_name", ""), ("department", "d" * 65)],
)
def test_bad_text_is_field_error(org_a, admin_a, field, value):
    kwargs = {"first_name": "A", "last_name": "B", field: value}
    with pytest.raises(ValidationError) as exc:
        user_create(organisation=org_a, username="x@a.example", by=admin_a, **kwargs)
    assert field in exc.value.message_dict


def test_language_must_be_organisations(org_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        make(org_a, admin_a, language="de")
    assert "language" in exc.value.message_dict


def test_licence_of_other_org_rejected(org_a, org_b, admin_a):
    with pytest.raises(ValidationError) as exc:
        make(org_a, admin_a, licence=LicenceFactory(organisation=org_b))
    assert "licence" in exc.value.message_dict


def test_last_org_admin_cannot_drop_own_profile(admin_a):
    with pytest.raises(ValidationError) as exc:
        user_update(user=admin_a, by=admin_a, admin_profile="")
    assert "last OrgAdmin" in str(exc.value)
    admin_a.refresh_from_db()
    assert admin_a.is_org_admin


def test_org_admin_may_drop_own_profile_when_another_exists(org_a, admin_a):
    UserFactory(organisation=org_a, admin_profile="orgadmin")
    user_update(user=admin_a, by=admin_a, admin_profile="")
    admin_a.refresh_from_db()
    assert not admin_a.is_org_admin


def test_lines_with_aliases_registered(ranges_a, admin_a, user_a):
    user_set_lines(user=user_a, primary="88 88 77 65", primary_aliases=["765"], secondary="+4588887766", secondary_type="mobile", by=admin_a)
    numbers = dict(Number.objects.filter(user=user_a).values_list("number", "purpose"))
    assert numbers == {"+4588887765": "user_line", "765": "alias", "+4588887766": "user_line"}
    assert list(UserLine.objects.filter(user=user_a).values_list("slot", "number__number")) == [(1, "+4588887765"), (2, "+4588887766")]
    # Change: drop the secondary, swap alias → numbers freed
    user_set_lines(user=user_a, primary="+4588887765", primary_aliases=["766"], by=admin_a)
    assert set(Number.objects.filter(user=user_a).values_list("number", flat=True)) == {"+4588887765", "766"}
    assert not Number.objects.filter(number="765").exists()


def test_swap_primary_and_secondary(ranges_a, admin_a, user_a):
    user_set_lines(user=user_a, primary="+4588887701", secondary="+4588887702", by=admin_a)
    user_set_lines(user=user_a, primary="+4588887702", secondary="+4588887701", by=admin_a)
    assert list(UserLine.objects.filter(user=user_a).values_list("slot", "number__number")) == [(1, "+4588887702"), (2, "+4588887701")]


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"secondary": "+4588887701"}, "secondary"),
        ({"primary": "+4588887701", "primary_type": "mobile", "secondary": "+4588887702", "secondary_type": "fixed"}, "secondary_type"),
        ({"primary": "201", "primary_aliases": ["202"]}, "primary_aliases"),
        ({"primary": "+4588887701", "primary_aliases": ["+4588887702"]}, "primary_aliases"),
        ({"primary": "1550"}, "primary"),
        ({"primary": "+4588887701", "primary_aliases": ["1600"]}, "primary_aliases"),
        ({"primary": "+4599999999"}, "primary"),
        ({"primary": "٤٥٦"}, "primary"),
        ({"primary": "+4588887701", "primary_aliases": ["701", "701"]}, "primary_aliases"),
    ],
)
def test_line_rules(ranges_a, admin_a, user_a, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        user_set_lines(user=user_a, by=admin_a, **kwargs)
    assert field in exc.value.message_dict
    assert not Number.objects.filter(user=user_a).exists()


def test_number_of_another_user_refused_and_nothing_changes(ranges_a, admin_a, user_a):
    other = UserFactory(organisation=ranges_a)
    user_set_lines(user=other, primary="+4588887701", by=admin_a)
    user_set_lines(user=user_a, primary="+4588887702", by=admin_a)
    with pytest.raises(ValidationError) as exc:
        user_set_lines(user=user_a, primary="+4588887701", by=admin_a)
    assert "already in use" in str(exc.value)
    assert UserLine.objects.get(user=user_a).number.number == "+4588887702"


def test_delete_frees_numbers(ranges_a, admin_a, user_a):
    user_set_lines(user=user_a, primary="+4588887701", primary_aliases=["701"], by=admin_a)
    user_set_mobile(user=user_a, number="+4520304050", by=admin_a)
    user_delete(user=user_a, by=admin_a)
    assert not Number.objects.filter(organisation=ranges_a).exists()


def test_cannot_delete_self(admin_a):
    with pytest.raises(ValidationError):
        user_delete(user=admin_a, by=admin_a)


def test_groups_only_of_org(org_a, org_b, admin_a, user_a):
    g = UserGroupFactory(organisation=org_a)
    user_set_groups(user=user_a, groups=[g], by=admin_a)
    assert list(user_a.user_groups.all()) == [g]
    with pytest.raises(ValidationError):
        user_set_groups(user=user_a, groups=[UserGroupFactory(organisation=org_b)], by=admin_a)
    assert list(user_a.user_groups.all()) == [g]


def test_mobile_outside_ranges_allowed_and_e164_required(ranges_a, admin_a, user_a):
    lic = LicenceFactory(organisation=ranges_a, kind="mobile", name="Mobilklient")
    user_set_mobile(user=user_a, number="20 30 40 50", licence=lic, by=admin_a)
    assert Number.objects.get(user=user_a, purpose="mobile").number == "+4520304050"
    with pytest.raises(ValidationError) as exc:
        user_set_mobile(user=user_a, number="201", by=admin_a)
    assert "mobile_number" in exc.value.message_dict
    user_set_mobile(user=user_a, number="", by=admin_a)
    assert not Number.objects.filter(user=user_a).exists()


def test_third_party_sip_password_encrypted(user_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        user_set_third_party_sip(user=user_a, enabled=True, password="short1A", by=admin_a)
    assert "sip_password" in exc.value.message_dict
    with pytest.raises(ValidationError):
        user_set_third_party_sip(user=user_a, enabled=True, password="alllowercase123", by=admin_a)
    account = user_set_third_party_sip(user=user_a, enabled=True, password="Secret-Pass-123", display_as="analog", by=admin_a)
    account.refresh_from_db()
    assert "Secret-Pass-123" not in account.password_encrypted
    assert crypto.decrypt(account.password_encrypted) == "Secret-Pass-123"
    # Empty password keeps the stored one
    user_set_third_party_sip(user=user_a, enabled=True, password="", display_as="fixed", by=admin_a)
    assert crypto.decrypt(ThirdPartySipAccount.objects.get(user=user_a).password_encrypted) == "Secret-Pass-123"
    for entry in history_for(account):
        assert "Secret-Pass-123" not in str(entry.changes)


def test_copy_copies_exactly_non_personal(ranges_a, admin_a):
    lic = LicenceFactory(organisation=ranges_a, name="UC")
    mlic = LicenceFactory(organisation=ranges_a, name="Mobil", kind="mobile")
    g1, g2 = UserGroupFactory(organisation=ranges_a), UserGroupFactory(organisation=ranges_a)
    source = make(
        ranges_a, admin_a, username="src@a.example", licence=lic, language="en", profile="full", admin_profile="orgadmin",
        app_ipad=True, app_miteam=True, softphone_enabled=True, mobile_voip_enabled=False, mobile_licence=mlic,
        department="Salg", title="Chef", diversion_enabled=True, diversion_number="+4512345678",
        calendar_sync_enabled=True, calendar_sync_id="src@exchange.example",
    )
    user_set_groups(user=source, groups=[g1, g2], by=admin_a)
    user_set_lines(user=source, primary="+4588887701", by=admin_a)
    user_set_mobile(user=source, number="+4520304050", licence=mlic, by=admin_a)
    seen = []
    receiver = lambda sender, source, target, by, **kw: seen.append((source.pk, target.pk))  # noqa: E731
    user_copied.connect(receiver)
    try:
        target = user_copy(source=source, username="copy@a.example", first_name="K", last_name="P", by=admin_a)
    finally:
        user_copied.disconnect(receiver)
    assert seen == [(source.pk, target.pk)]
    assert (target.licence, target.language, target.profile, target.admin_profile) == (lic, "en", "full", "orgadmin")
    assert (target.app_ipad, target.app_miteam, target.app_softphone_light, target.app_unified_inbox) == (True, True, False, False)
    assert (target.softphone_enabled, target.mobile_voip_enabled, target.mobile_licence) == (True, False, mlic)
    assert set(GroupMembership.objects.filter(user=target).values_list("group", flat=True)) == {g1.pk, g2.pk}
    assert (target.department, target.title, target.diversion_enabled, target.calendar_sync_id) == ("", "", False, "")
    assert not Number.objects.filter(user=target).exists()
    assert target.email == "copy@a.example"


def test_bulk_operations(org_a, admin_a):
    users = [UserFactory(organisation=org_a) for _ in range(3)]
    g1, g2 = UserGroupFactory(organisation=org_a), UserGroupFactory(organisation=org_a)
    users_add_to_groups(organisation=org_a, users=users, groups=[g1, g2], by=admin_a)
    assert GroupMembership.objects.filter(user__in=users).count() == 6
    users_remove_from_groups(organisation=org_a, users=users[:2], groups=[g1], by=admin_a)
    assert GroupMembership.objects.filter(user__in=users, group=g1).count() == 1
    users[0].department = "Keep"
    users[0].save()
    users_update(organisation=org_a, users=users, by=admin_a, app_ipad=True)
    users[0].refresh_from_db()
    assert users[0].app_ipad and users[0].department == "Keep"
    users_delete(organisation=org_a, users=users, by=admin_a)
    assert not org_a.users.filter(pk__in=[u.pk for u in users]).exists()


def test_bulk_refuses_other_org_users(org_a, org_b, admin_a):
    other = UserFactory(organisation=org_b)
    with pytest.raises(ValidationError):
        users_delete(organisation=org_a, users=[other], by=admin_a)
    assert type(other).objects.filter(pk=other.pk).exists()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(primary=st.text(max_size=40), alias=st.text(max_size=12), secondary=st.text(max_size=40))
def test_any_line_input_is_accepted_or_a_validation_error(ranges_a, admin_a, user_a, primary, alias, secondary):
    """Whatever is typed, the result is a saved state or a ValidationError, never a crash."""
    try:
        user_set_lines(user=user_a, primary=primary, primary_aliases=[alias], secondary=secondary, secondary_type="mobile", by=admin_a)
    except ValidationError as exc:
        assert exc.message_dict
