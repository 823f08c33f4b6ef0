"""Support staff (ARCHITECTURE.md invariant 1): being staff grants nothing in the portal; acting
inside an organisation needs the support permission, and what support may do there follows their
Django permissions, in the portal and the Django admin alike (customers.permissions).

The matrix: staff without permissions, staff with view-only permissions (with and without the
support permission), support with the permissions to edit users and handle the ticket, and a
superuser; for acting inside, viewing pages, editing a user, reading and renewing the ticket.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from connect.lib.tenancy import SUPPORT_SESSION_KEY
from customers.models import Job, Organisation, User
from provisioning.models import Ticket
from provisioning.operations import ticket_for
from tests.customers.test_users_views import form_data
from tests.factories import SupportFactory

ACT = "customers.act_in_organisation"
SUPPORT_PERMS = (
    ACT,
    "customers.view_organisation",
    "customers.view_user",
    "customers.change_user",
    "devices.view_phone",
    "provisioning.view_ticket",
    "provisioning.change_ticket",
)
ALL_VIEW = "all view permissions"

# persona -> (permissions, superuser)
PERSONAS = {
    "staff": ((), False),
    "viewer": ((ALL_VIEW,), False),
    "viewer_support": ((ALL_VIEW, ACT), False),
    "support": (SUPPORT_PERMS, False),
    "superuser": ((), True),
}
MAY_ACT = {"viewer_support", "support", "superuser"}
MAY_WRITE = {"support", "superuser"}  # edit users, read and renew the ticket
MAY_ADMIN_VIEW_USERS = {"viewer", "viewer_support", "support", "superuser"}

ALL = sorted(PERSONAS)


def _grant(user, names):
    perms = Permission.objects.none()
    for name in names:
        if name == ALL_VIEW:
            perms |= Permission.objects.filter(codename__startswith="view_")
        else:
            app_label, codename = name.split(".")
            perms |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    user.user_permissions.add(*perms)


@pytest.fixture
def staff_client(client, db):
    def login(persona):
        names, superuser = PERSONAS[persona]
        user = SupportFactory(username=f"{persona}@connect.example", is_superuser=superuser)
        _grant(user, names)
        client.force_login(user)
        client.persona_user = user
        return client

    return login


def _inside(client, organisation):
    """The session of someone who acts inside `organisation` (as the act button leaves it, or
    as a crafted or stale session would)."""
    session = client.session
    session[SUPPORT_SESSION_KEY] = organisation.pk
    session.save()
    return client


# --- acting inside an organisation ---------------------------------------------------------


@pytest.mark.parametrize("persona", ALL)
def test_acting_inside_an_organisation_needs_the_support_permission(staff_client, persona, org_a):
    client = staff_client(persona)
    change_page = client.get(reverse("admin:customers_organisation_change", args=[org_a.pk]))
    assert (reverse("support_act", args=[org_a.pk]) in change_page.content.decode()) == (
        persona in MAY_ACT
    )

    response = client.post(reverse("support_act", args=[org_a.pk]))
    home = client.get("/")
    if persona in MAY_ACT:
        assert response.status_code == 302 and response.url == "/"
        assert 'id="support-banner"' in home.content.decode()
    else:
        assert response.status_code == 403
        assert SUPPORT_SESSION_KEY not in client.session
        assert home.status_code == 302 and home.url == "/admin/"


@pytest.mark.parametrize("persona", ALL)
def test_portal_pages_open_only_for_support(staff_client, persona, org_a, user_a):
    client = _inside(staff_client(persona), org_a)
    for url in (reverse("customers:user_list"), reverse("customers:user_update", args=[user_a.pk])):
        response = client.get(url)
        if persona in MAY_ACT:
            assert response.status_code == 200, url
            assert 'id="support-banner"' in response.content.decode()
        else:
            assert response.status_code == 302 and response.url == "/admin/", url


# --- editing a user ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALL)
def test_editing_a_user_in_the_portal(staff_client, persona, org_a, user_a):
    client = _inside(staff_client(persona), org_a)
    response = client.post(
        reverse("customers:user_update", args=[user_a.pk]),
        form_data(username=user_a.username, first_name="Changed", mobile_voip_enabled=None),
    )
    user_a.refresh_from_db()
    assert (user_a.first_name == "Changed") == (persona in MAY_WRITE)
    if persona == "viewer_support":
        assert response.status_code == 403


def _admin_user_post(user, **changes):
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": user.organisation_id or "",
        "language": "da",
        "profile": "standard",
        "admin_profile": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        **changes,
    }


@pytest.mark.parametrize("persona", ALL)
def test_editing_a_user_in_the_admin(staff_client, persona, user_a):
    client = staff_client(persona)
    url = reverse("admin:customers_user_change", args=[user_a.pk])
    page = client.get(url)
    assert (page.status_code == 200) == (persona in MAY_ADMIN_VIEW_USERS)
    assert ('name="_save"' in page.content.decode()) == (persona in MAY_WRITE)
    response = client.post(url, _admin_user_post(user_a, first_name="Changed"))
    user_a.refresh_from_db()
    assert (user_a.first_name == "Changed") == (persona in MAY_WRITE)
    if persona not in MAY_WRITE:
        assert response.status_code == 403


def test_support_cannot_grant_itself_more_in_the_admin(staff_client, org_a):
    client = staff_client("support")
    me = client.persona_user
    change_phone = Permission.objects.get(
        content_type__app_label="devices", codename="change_phone"
    )
    response = client.post(
        reverse("admin:customers_user_change", args=[me.pk]),
        _admin_user_post(me, is_staff="on", is_superuser="on", user_permissions=[change_phone.pk]),
    )
    assert response.status_code == 302
    me = User.objects.get(pk=me.pk)
    assert not me.is_superuser and me.is_staff
    assert not me.has_perm("devices.change_phone")
    boss = SupportFactory(username="boss@connect.example")
    page = client.get(reverse("admin:customers_user_change", args=[boss.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
    response = client.post(
        reverse("admin:customers_user_change", args=[boss.pk]),
        _admin_user_post(boss, first_name="Owned"),
    )
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.first_name != "Owned"


@pytest.mark.parametrize("persona", ALL)
def test_a_user_import_is_confirmed_with_the_users_permissions(staff_client, persona, org_a):
    """A job belongs to its section: a user import asks the users permissions, not the
    organisation's (the "support" persona may edit users but not the organisation)."""
    job = Job.objects.create(
        organisation=org_a, kind=Job.Kind.USERS_IMPORT, status=Job.Status.PREVIEW, task_name="x"
    )
    client = _inside(staff_client(persona), org_a)
    page = client.get(reverse("customers:job_detail", args=[job.pk]))
    assert (page.status_code == 200) == (persona in MAY_ACT)
    client.post(reverse("customers:job_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status == Job.Status.CANCELLED) == (persona in MAY_WRITE)


# --- the provisioning ticket (and so every phone's SIP password) --------------------------


@pytest.mark.parametrize("persona", ALL)
def test_reading_the_ticket_in_the_portal(staff_client, persona, org_a):
    ticket = ticket_for(org_a).ticket
    client = _inside(staff_client(persona), org_a)
    page = client.get(reverse("devices:phone_list"))
    html = page.content.decode()
    assert (ticket in html) == (persona in MAY_WRITE)
    assert (reverse("provisioning:ticket_renew") in html) == (persona in MAY_WRITE)
    if persona == "viewer_support":
        assert page.status_code == 200 and "Your permissions do not allow you to see it" in html


@pytest.mark.parametrize("persona", ALL)
def test_renewing_the_ticket_in_the_portal(staff_client, persona, org_a):
    old = ticket_for(org_a)
    client = _inside(staff_client(persona), org_a)
    confirm = client.get(reverse("provisioning:ticket_renew"))
    assert (old.ticket in confirm.content.decode()) is False
    client.post(reverse("provisioning:ticket_renew"))
    renewed = Ticket.objects.get(organisation=org_a).generation != old.generation
    assert renewed == (persona in MAY_WRITE)
    if persona == "viewer_support":
        assert confirm.status_code == 403


@pytest.mark.parametrize("persona", ALL)
def test_renewing_the_ticket_in_the_admin(staff_client, persona, org_a):
    old = ticket_for(org_a)
    client = staff_client(persona)
    changelist = client.get(reverse("admin:provisioning_ticket_changelist"))
    assert (changelist.status_code == 200) == (persona != "staff")
    assert ('value="renew"' in changelist.content.decode()) == (persona in MAY_WRITE)
    client.post(
        reverse("admin:provisioning_ticket_changelist"),
        {"action": "renew", "_selected_action": [old.pk]},
    )
    renewed = Ticket.objects.get(organisation=org_a).generation != old.generation
    assert renewed == (persona in MAY_WRITE)


# --- the organisation form ---------------------------------------------------------------------


def _organisation_post(organisation, linked):
    return {
        "name": organisation.name,
        "default_language": organisation.default_language,
        "languages": '["da", "en"]',
        "time_zone": organisation.time_zone,
        "linked_organisations": [o.pk for o in linked],
    }


def test_an_organisation_cannot_be_linked_to_itself(staff_client, org_a, org_b):
    client = staff_client("superuser")
    url = reverse("admin:customers_organisation_change", args=[org_a.pk])
    response = client.post(url, _organisation_post(org_a, [org_a, org_b]))
    assert response.status_code == 200
    assert (
        "An organisation cannot be linked to itself. Remove “org-a” from the list."
        in response.content.decode()
    )
    assert not Organisation.objects.get(pk=org_a.pk).linked_organisations.exists()

    assert client.post(url, _organisation_post(org_a, [org_b])).status_code == 302
    assert list(org_a.linked_organisations.all()) == [org_b]
