"""A function number that something refers to cannot be deleted; the refusal and the delete page
name every reference, with a link to where to change it (connect.lib.references)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry, Number
from functionnumbers.models import FunctionNumber, IvrOption, Kind
from functionnumbers.operations import function_number_delete, function_number_update
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db


def _overflow(org, target):
    return make_function_number(
        org, Kind.ACD, name="Sales", overflow_action="forward", overflow=target.number.number
    )


def _max_wait(org, target):
    return make_function_number(
        org, Kind.ACD, name="Sales", max_wait_seconds=60, max_wait=target.number.number
    )


def _no_agents(org, target):
    return make_function_number(org, Kind.ATTENDANT, name="Sales", no_agents=target.number.number)


def _fallback(org, target):
    return make_function_number(org, Kind.HUNT, name="Sales", fallback=target.number.number)


def _no_input(org, target):
    return make_function_number(org, Kind.IVR, name="Sales", no_input=target.number.number)


def _ivr_option(org, target):
    ivr = make_function_number(org, Kind.IVR, name="Sales")
    IvrOption.objects.create(
        ivr=ivr, key="1", destination_function=target, destination_number=target.number.number
    )
    return ivr


# (reference kind, how to make a function number named "Sales" that refers to the target)
REFERENCES = [
    ("overflow number", _overflow),
    ("forward calls that waited too long", _max_wait),
    ("forward when no agents are available", _no_agents),
    ("hunt group fallback", _fallback),
    ("IVR no-input destination", _no_input),
    ("IVR option", _ivr_option),
]


@pytest.fixture
def target(org_a):
    return make_function_number(org_a, Kind.HUNT, number="1590", name="Target")


@pytest.mark.parametrize(("label", "make"), REFERENCES, ids=[label for label, _ in REFERENCES])
def test_a_referenced_function_number_cannot_be_deleted(org_a, admin_a, target, label, make):
    referrer = make(org_a, target)
    before = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).count()
    with pytest.raises(ValidationError) as exc:
        function_number_delete(function_number=target, by=admin_a)
    message = " ".join(exc.value.messages)
    assert "cannot be deleted" in message
    assert referrer.label in message
    assert FunctionNumber.objects.filter(pk=target.pk).exists()
    assert Number.objects.filter(organisation=org_a, number="1590").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).count() == before


@pytest.mark.parametrize(("label", "make"), REFERENCES, ids=[label for label, _ in REFERENCES])
def test_the_delete_page_lists_the_references_with_links(client_a, org_a, target, label, make):
    referrer = make(org_a, target)
    url = reverse("functionnumbers:hunt_delete", args=[target.pk])
    page = client_a.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be deleted" in html
    link = referrer.get_absolute_url()
    assert f'href="{link}"' in html
    assert referrer.label in html
    assert '<button type="submit" class="btn btn-danger">' not in html  # nothing to confirm
    # A POST anyway (an old tab) is refused with the references named, and deletes nothing.
    response = client_a.post(url, follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert FunctionNumber.objects.filter(pk=target.pk).exists()


def test_every_reference_is_listed(client_a, org_a, admin_a, target):
    referrers = [make(org_a, target) for _label, make in REFERENCES]
    html = client_a.get(reverse("functionnumbers:hunt_delete", args=[target.pk])).content.decode()
    for referrer in referrers:
        assert f'href="{referrer.get_absolute_url()}"' in html, referrer
    with pytest.raises(ValidationError) as exc:
        function_number_delete(function_number=target, by=admin_a)
    for referrer in referrers:
        assert referrer.label in str(exc.value)


def test_once_the_reference_is_gone_the_delete_goes_through(client_a, org_a, admin_a, target):
    referrer = _fallback(org_a, target)
    function_number_update(function_number=referrer, fallback="", by=admin_a)
    page = client_a.get(reverse("functionnumbers:hunt_delete", args=[target.pk]))
    assert "cannot be deleted" not in page.content.decode()
    response = client_a.post(reverse("functionnumbers:hunt_delete", args=[target.pk]))
    assert response.status_code == 302
    assert not FunctionNumber.objects.filter(pk=target.pk).exists()
    assert not Number.objects.filter(organisation=org_a, number="1590").exists()


def test_a_function_number_referring_to_others_can_itself_be_deleted(
    client_a, org_a, admin_a, target
):
    referrer = _overflow(org_a, target)
    function_number_delete(function_number=referrer, by=admin_a)
    assert not FunctionNumber.objects.filter(pk=referrer.pk).exists()
    function_number_delete(function_number=target, by=admin_a)
    assert not FunctionNumber.objects.exists()


def test_a_group_number_presented_as_caller_id_is_a_reference(client_a, org_a, admin_a, target):
    """Deleting it would silently change what the user presents (USR-6): the user is listed."""
    from customers.models import GroupMembership
    from customers.operations.users import user_update
    from tests.factories import UserFactory, UserGroupFactory

    acd = make_function_number(org_a, Kind.ACD, outgoing_line_allowed=True, outgoing_line_number="+4588880150")
    user = UserFactory(organisation=org_a, username="kasper@a.example")
    group = UserGroupFactory(organisation=org_a)
    GroupMembership.objects.create(user=user, group=group)
    acd.login_groups.add(group)
    user_update(user=user, by=admin_a, caller_id_number=acd.number)
    with pytest.raises(ValidationError) as exc:
        function_number_delete(function_number=acd, by=admin_a)
    assert "kasper@a.example" in str(exc.value)
    user_update(user=user, by=admin_a, caller_id_number=None)
    function_number_delete(function_number=acd, by=admin_a)
