"""USR-6 / FC-7: the caller ID a user may present is one of his/her own lines, a switchboard
number, or the number of an ACD/attendant group he/she may use as outgoing line ("Tillad
anvendelse af denne gruppe som udgående brugerlinje" on, and one of the user's groups among the
groups that log in to it). Other function numbers are not offered, and a crafted POST is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import GroupMembership, Number, NumberKind, UserGroup
from customers.operations.users import caller_id_choices, user_update
from functionnumbers.models import Kind
from tests.customers.test_users_views import form_data
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org_a):
    sales, support = (
        UserGroupFactory(organisation=org_a, name="Sales"),
        UserGroupFactory(organisation=org_a, name="Support"),
    )
    user = UserFactory(organisation=org_a, username="kasper@a.example")
    GroupMembership.objects.create(user=user, group=sales)
    numbers = {
        "own line": Number.objects.create(
            organisation=org_a,
            number="1201",
            kind=NumberKind.LOCAL,
            value=1201,
            purpose=Number.Purpose.USER_LINE,
            user=user,
        ),
        "switchboard": Number.objects.create(
            organisation=org_a,
            number="+4588887700",
            kind=NumberKind.E164,
            value=4588887700,
            purpose=Number.Purpose.SWITCHBOARD,
        ),
    }
    groups = {
        "own ACD group, outgoing line": make_function_number(
            org_a,
            Kind.ACD,
            outgoing_line_allowed=True,
            outgoing_line_number="+4588880150",
            login_groups=[sales],
        ),
        "own attendant group, outgoing line": make_function_number(
            org_a,
            Kind.ATTENDANT,
            outgoing_line_allowed=True,
            outgoing_line_number="+4588880151",
            login_groups=[sales, support],
        ),
        "other group's ACD, outgoing line": make_function_number(
            org_a,
            Kind.ACD,
            outgoing_line_allowed=True,
            outgoing_line_number="+4588880152",
            login_groups=[support],
        ),
        "own ACD group, no outgoing line": make_function_number(
            org_a, Kind.ACD, login_groups=[sales]
        ),
        "hunt group": make_function_number(org_a, Kind.HUNT, member_groups=[sales]),
        "IVR": make_function_number(org_a, Kind.IVR),
    }
    numbers.update({label: group.number for label, group in groups.items()})
    other_user = UserFactory(organisation=org_a)
    numbers["someone else's line"] = Number.objects.create(
        organisation=org_a,
        number="1202",
        kind=NumberKind.LOCAL,
        value=1202,
        purpose=Number.Purpose.USER_LINE,
        user=other_user,
    )
    return user, numbers


OFFERED = {
    "own line",
    "switchboard",
    "own ACD group, outgoing line",
    "own attendant group, outgoing line",
}


def test_only_the_permitted_numbers_are_offered(org_a, setup):
    user, numbers = setup
    offered = set(caller_id_choices(org_a, user))
    assert offered == {numbers[label] for label in OFFERED}


def test_the_user_page_offers_exactly_those(client_a, org_a, setup):
    user, numbers = setup
    page = client_a.get(reverse("customers:user_update", args=[user.pk]))
    queryset = page.context["form"].fields["caller_id_number"].queryset
    assert set(queryset) == {numbers[label] for label in OFFERED}


@pytest.mark.parametrize("label", sorted(OFFERED))
def test_a_permitted_number_is_saved(org_a, admin_a, setup, label):
    user, numbers = setup
    user_update(user=user, by=admin_a, caller_id_number=numbers[label])
    user.refresh_from_db()
    assert user.caller_id_number == numbers[label]


@pytest.mark.parametrize(
    "label",
    [
        "other group's ACD, outgoing line",
        "own ACD group, no outgoing line",
        "hunt group",
        "IVR",
        "someone else's line",
    ],
)
def test_a_crafted_post_with_another_number_is_refused(client_a, org_a, admin_a, setup, label):
    user, numbers = setup
    with pytest.raises(ValidationError) as exc:
        user_update(user=user, by=admin_a, caller_id_number=numbers[label])
    assert "caller_id_number" in exc.value.error_dict
    response = client_a.post(
        reverse("customers:user_update", args=[user.pk]),
        form_data(username=user.username, caller_id_number=numbers[label].pk),
    )
    assert response.status_code == 200
    assert "caller_id_number" in response.context["form"].errors
    user.refresh_from_db()
    assert user.caller_id_number is None


def test_joining_a_login_group_makes_the_group_number_available(org_a, setup):
    user, numbers = setup
    target = numbers["other group's ACD, outgoing line"]
    assert target not in set(caller_id_choices(org_a, user))
    support = UserGroup.objects.get(organisation=org_a, name="Support")
    GroupMembership.objects.create(user=user, group=support)
    assert target in set(caller_id_choices(org_a, user))
