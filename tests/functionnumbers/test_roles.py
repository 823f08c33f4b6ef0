"""SET-5 "Who may administer what": every portal URL walked as each role, compared with a table.

Roles in org A: the OrgAdmin; a group administrator (member of the group chosen in "Kan
administreres af gruppeadministratoren med profil" on the ACD group); an ACD supervisor (member of
an "ACD-supervisor" group); a controller (member of a control group of the attendant group); a
standard user. Group administrators, supervisors and controllers get into the portal and see only
the function numbers they may edit or control; every other page is a 403, another organisation's
function numbers a 404. New URLs are covered automatically: a page not in ALLOWED is expected to be
refused to everyone but the OrgAdmin.
"""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from customers import permissions
from customers.models import AuditEntry, GroupMembership
from functionnumbers.models import FunctionNumber, Kind
from tests.connect.test_tenancy_walk import _client, _content, _instances_or_fail, _PostForms, _url
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import make_function_number
from tests.urlwalk import Walk

pytestmark = pytest.mark.django_db

ORG_ADMIN, GROUP_ADMIN, SUPERVISOR, CONTROLLER, PLANNER, STANDARD = (
    "OrgAdmin",
    "group admin",
    "ACD supervisor",
    "control-group member",
    "schedule admin",
    "standard user",
)
DELEGATED = (GROUP_ADMIN, SUPERVISOR, CONTROLLER)
ROLES = (ORG_ADMIN, GROUP_ADMIN, SUPERVISOR, CONTROLLER, PLANNER, STANDARD)
# The walk's schedule pages are those of its ACD group (tests/urlwalk.py).
SCHEDULE_PAGES = (
    "schedule_list",
    "schedule_detail",
    "schedule_default",
    "schedule_holidays",
    "schedule_event_create",
    "schedule_event_update",
    "schedule_event_delete",
    "schedule_event_move",
)

# URL name -> the roles besides the OrgAdmin that may open it (the OrgAdmin opens every page).
ALLOWED = {
    "home": {*DELEGATED, PLANNER},
    # Everyone who gets into the portal may protect their sign-in (and must, when the
    # organisation requires it).
    "customers:two_factor": {*DELEGATED, PLANNER},
    "customers:two_factor_setup": {*DELEGATED, PLANNER},
    "customers:two_factor_codes": {*DELEGATED, PLANNER},
    # USR-18 / SET-5: group administrators moderate the users who share a group with them.
    "customers:directory_moderation": {GROUP_ADMIN},
    # The group administrator's ACD group; the supervisor sees every ACD and attendant group,
    # read-only; the controller the attendant group he/she controls, read-only.
    "functionnumbers:acd_list": {GROUP_ADMIN, SUPERVISOR},
    "functionnumbers:acd_update": {GROUP_ADMIN, SUPERVISOR},
    "functionnumbers:attendant_list": {SUPERVISOR, CONTROLLER},
    "functionnumbers:attendant_update": {SUPERVISOR, CONTROLLER},
    # FN-10: schedule administrators change every schedule, group administrators their function
    # number's.
    **{f"functionnumbers:{name}": {GROUP_ADMIN, PLANNER} for name in SCHEDULE_PAGES},
    # FN-6: the routing of the function numbers one may edit (the walk's is the ACD group).
    "functionnumbers:visualisation_list": {GROUP_ADMIN},
    "functionnumbers:visualisation_detail": {GROUP_ADMIN},
    "functionnumbers:visualisation_image": {GROUP_ADMIN},
    # FN-2: the agent list is the group administrator's to change; logging agents in and out is
    # also the supervisor's (FC-1, SET-5).
    "functionnumbers:agent_search": {GROUP_ADMIN},
    "functionnumbers:agent_add": {GROUP_ADMIN},
    "functionnumbers:agent_change": {GROUP_ADMIN},
    "functionnumbers:agent_login": {GROUP_ADMIN, SUPERVISOR},
}


class Roles:
    """The walk's two organisations, plus the roles in org A on the walk's own function numbers."""

    def __init__(self, walk):
        self.walk = walk
        self.instances = _instances_or_fail(walk)  # builds the walk's function numbers
        org = walk.org_a
        self.acd = walk.function_number(Kind.ACD, org)
        self.attendant = walk.function_number(Kind.ATTENDANT, org)
        admins = UserGroupFactory(organisation=org, name="Group administrators")
        supervisors = UserGroupFactory(organisation=org, name="Supervisors", is_acd_supervisor=True)
        controllers = UserGroupFactory(organisation=org, name="Controllers")
        planners = UserGroupFactory(organisation=org, name="Planners", is_schedule_admin=True)
        self.acd.admin_groups.add(admins)
        self.attendant.control_groups.add(controllers)
        self.users = {ORG_ADMIN: walk.admin_a, STANDARD: walk.user_a}
        for role, group in (
            (GROUP_ADMIN, admins),
            (SUPERVISOR, supervisors),
            (CONTROLLER, controllers),
            (PLANNER, planners),
        ):
            user = UserFactory(
                organisation=org, username=f"{role.split()[0].lower()}@walk-a.example"
            )
            GroupMembership.objects.create(user=user, group=group)
            self.users[role] = user

    def client(self, role):
        return _client(self.users[role])


@pytest.fixture
def roles(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return Roles(Walk())


def _status(client, url):
    """GET; a POST-only view is tried with a POST that is rolled back."""
    response = client.get(url)
    if response.status_code == 405:
        with transaction.atomic():
            response = client.post(url, {})
            transaction.set_rollback(True)
    return response


def _allowed(role, name):
    return role == ORG_ADMIN or role in ALLOWED.get(name, set())


@pytest.mark.parametrize("role", ROLES)
def test_every_portal_url_answers_each_role_as_the_table_says(roles, role):
    client = roles.client(role)
    failures = []
    for name, _route, kwargs_a, _kwargs_b, _has_objects in roles.instances:
        url = _url(name, kwargs_a)
        response = _status(client, url)
        status = response.status_code
        if _allowed(role, name):
            # The OrgAdmin's pages answer as the tenancy walk knows them (a job without a file
            # to download is a 404); the pages of the other roles in ALLOWED must open.
            refused = (403,) if role == ORG_ADMIN else (403, 404)
            if status in refused or status >= 500:
                failures.append(f"{name} {url}: the {role} got {status}, expected the page")
        elif status != 403:
            failures.append(f"{name} {url}: the {role} got {status}, expected 403")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [*DELEGATED, PLANNER])
def test_another_organisations_function_numbers_are_404(roles, role):
    client = roles.client(role)
    failures = []
    for name, _route, _kwargs_a, kwargs_b, has_objects in roles.instances:
        if not has_objects or not name.startswith("functionnumbers:"):
            continue
        url = _url(name, kwargs_b)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status != 404:
                failures.append(
                    f"{method.upper()} {name} {url}: the {role} got {status}, expected 404"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [ORG_ADMIN, *DELEGATED, PLANNER])
def test_other_organisations_pages_never_say_more_than_403(roles, role):
    """Pages the role may not open answer 403 whatever the id (existing in org B or not), so the
    answer confirms nothing; pages the role may open answer 404 for org B's objects."""
    client = roles.client(role)
    failures = []
    for name, _route, _kwargs_a, kwargs_b, has_objects in roles.instances:
        if not has_objects:
            continue
        status = client.get(_url(name, kwargs_b)).status_code
        expected = {404} if _allowed(role, name) else {403, 404}
        if status == 405:
            continue
        if status not in expected:
            failures.append(
                f"{name}: the {role} got {status} for org B's object, expected {expected}"
            )
    assert not failures, "\n".join(failures)


def _menu(page):
    html = _content(page)
    return re.findall(r'class="dropdown-item" href="([^"]+)"', html), html


def test_the_menu_and_home_show_a_group_administrator_only_his_function_numbers(roles):
    client = roles.client(GROUP_ADMIN)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    links, html = _menu(page)
    assert reverse("functionnumbers:acd_list") in links
    for kind in (
        Kind.ATTENDANT,
        Kind.HUNT,
        Kind.IVR,
        Kind.RULE_BASED,
        Kind.GROUP_INBOX,
        Kind.VOICEMAIL,
    ):
        assert reverse(f"functionnumbers:{kind}_list") not in html
    for hidden in (
        "customers:user_list",
        "customers:numberrange_list",
        "services:index",
        "customers:usergroup_list",
    ):
        assert reverse(hidden) not in html, hidden
    assert ">Organisation<" not in html


def test_the_org_admin_still_sees_every_section(roles):
    links, html = _menu(roles.client(ORG_ADMIN).get(reverse("home")))
    for kind in Kind.values:
        if kind != Kind.AUTO_ATTENDANT:
            assert reverse(f"functionnumbers:{kind}_list") in links
    assert reverse("customers:user_list") in links
    assert reverse("services:index") in html


def test_the_supervisor_sees_ack_and_attendant_groups_in_the_menu(roles):
    links, _html = _menu(roles.client(SUPERVISOR).get(reverse("home")))
    fn_links = {link for link in links if link.startswith("/function-numbers/") or "groups" in link}
    assert reverse("functionnumbers:acd_list") in fn_links
    assert reverse("functionnumbers:attendant_list") in fn_links
    assert reverse("functionnumbers:hunt_list") not in links


def test_lists_show_only_the_function_numbers_of_the_role(roles):
    org = roles.walk.org_a
    other = make_function_number(org, Kind.ACD, name="Not theirs")
    client = roles.client(GROUP_ADMIN)
    page = client.get(reverse("functionnumbers:acd_list"))
    html = _content(page)
    assert roles.acd.name in html
    assert "Not theirs" not in html
    assert list(page.context["object_list"]) == [roles.acd.specific()]
    # Neither create nor delete: those stay with the OrgAdmins.
    assert reverse("functionnumbers:acd_create") not in html
    assert reverse("functionnumbers:acd_delete", args=[roles.acd.pk]) not in html
    # The supervisor sees both ACD groups; the OrgAdmin too, with create and delete.
    supervisor_list = roles.client(SUPERVISOR).get(reverse("functionnumbers:acd_list"))
    assert {item.pk for item in supervisor_list.context["object_list"]} == {roles.acd.pk, other.pk}
    admin_html = _content(roles.client(ORG_ADMIN).get(reverse("functionnumbers:acd_list")))
    assert reverse("functionnumbers:acd_create") in admin_html
    assert reverse("functionnumbers:acd_delete", args=[other.pk]) in admin_html


def _form_data(client, url):
    page = client.get(url)
    parser = _PostForms(url)
    parser.feed(_content(page))
    parser.close()
    action, fields, _names = next(form for form in parser.forms if form[0] == url)
    data = {}
    for key, value in fields:
        data.setdefault(key, []).append(value)
    # The walk's parser does not read <select> options: take those values from the form.
    form = page.context["form"]
    for name, field in form.fields.items():
        value = form[name].value()
        if name not in data and not field.disabled and value not in (None, "", []):
            data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return page, data


def test_a_group_administrator_edits_his_function_number_but_not_its_number_or_administrators(
    roles,
):
    client = roles.client(GROUP_ADMIN)
    url = reverse("functionnumbers:acd_update", args=[roles.acd.pk])
    page, data = _form_data(client, url)
    assert page.context["form"].fields["number"].disabled
    assert page.context["form"].fields["admin_groups"].disabled
    assert "Show available numbers" not in _content(page)
    data["name"] = ["Renamed by the group admin"]
    # A crafted POST trying to take the number and the administrators is ignored for those two.
    data["number"] = ["1599"]
    data["admin_groups"] = [str(roles.walk.group[roles.walk.org_a.pk].pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    acd = FunctionNumber.objects.get(pk=roles.acd.pk)
    assert acd.name == "Renamed by the group admin"
    assert acd.number.number == roles.acd.number.number
    assert set(acd.admin_group_ids()) == set(roles.acd.admin_group_ids())


@pytest.mark.parametrize(
    ("role", "kind"),
    [(SUPERVISOR, Kind.ACD), (SUPERVISOR, Kind.ATTENDANT), (CONTROLLER, Kind.ATTENDANT)],
)
def test_supervisors_and_controllers_see_the_settings_read_only_and_cannot_post(roles, role, kind):
    client = roles.client(role)
    group = roles.acd if kind == Kind.ACD else roles.attendant
    url = reverse(f"functionnumbers:{kind}_update", args=[group.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert all(field.disabled for field in form.fields.values())
    html = _content(page)
    assert ">Save<" not in html
    assert "You can see the settings of this function number but not change them." in html
    assert reverse(f"functionnumbers:{kind}_delete", args=[group.pk]) not in html
    before = AuditEntry.objects.count()
    response = client.post(url, {"name": "Taken over", "number": group.number.number})
    assert response.status_code == 403
    assert FunctionNumber.objects.get(pk=group.pk).name == group.name
    assert AuditEntry.objects.count() == before


def test_the_permission_module_answers_per_object(roles):
    org = roles.walk.org_a
    hunt = make_function_number(org, Kind.HUNT)
    acd, attendant = roles.acd, roles.attendant
    group_admin, supervisor, controller = (roles.users[r] for r in DELEGATED)
    may = permissions.may
    assert may(group_admin, permissions.EDIT_FUNCTION_NUMBER, obj=acd)
    assert may(group_admin, permissions.CONTROL_AGENTS, obj=acd)
    assert not may(group_admin, permissions.VIEW_FUNCTION_NUMBER, obj=attendant)
    assert not may(group_admin, permissions.EDIT_FUNCTION_NUMBER, organisation=org)  # create/delete
    assert may(supervisor, permissions.CONTROL_AGENTS, obj=acd)
    assert may(supervisor, permissions.CONTROL_AGENTS, obj=attendant)
    assert not may(supervisor, permissions.EDIT_FUNCTION_NUMBER, obj=acd)
    assert not may(supervisor, permissions.VIEW_FUNCTION_NUMBER, obj=acd, write=True)
    assert not may(
        supervisor, permissions.CONTROL_AGENTS, obj=hunt
    )  # ACD and attendant groups only
    assert may(controller, permissions.CONTROL_AGENTS, obj=attendant)
    assert not may(controller, permissions.CONTROL_AGENTS, obj=acd)
    # Another organisation's function number: nobody of org A.
    foreign = roles.walk.function_number(Kind.ACD, roles.walk.org_b)
    foreign.admin_groups.set([])
    for user in (group_admin, supervisor, controller):
        assert not may(user, permissions.VIEW_FUNCTION_NUMBER, obj=foreign)


def test_schedule_admins_get_in_only_when_they_have_something_to_see(org_a):
    planners = UserGroupFactory(organisation=org_a, is_schedule_admin=True)
    planner = UserFactory(organisation=org_a)
    GroupMembership.objects.create(user=planner, group=planners)
    assert _client(planner).get(reverse("home")).status_code == 403
    # A group inbox has no schedule: still nothing to see.
    make_function_number(org_a, Kind.GROUP_INBOX)
    assert _client(planner).get(reverse("home")).status_code == 403
    hunt = make_function_number(org_a, Kind.HUNT)
    client = _client(planner)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    links, _html = _menu(page)
    assert reverse("functionnumbers:schedule_list") in links
    assert reverse("functionnumbers:hunt_list") not in links
    assert client.get(reverse("functionnumbers:schedule_detail", args=[hunt.pk])).status_code == 200
    assert client.get(reverse("functionnumbers:hunt_update", args=[hunt.pk])).status_code == 403


def test_a_supervisor_without_any_acd_group_has_nothing_to_see(org_a):
    supervisors = UserGroupFactory(organisation=org_a, is_acd_supervisor=True)
    supervisor = UserFactory(organisation=org_a)
    GroupMembership.objects.create(user=supervisor, group=supervisors)
    make_function_number(org_a, Kind.HUNT)
    assert _client(supervisor).get(reverse("home")).status_code == 403
    make_function_number(org_a, Kind.ATTENDANT)
    assert _client(supervisor).get(reverse("home")).status_code == 200


def test_the_organisations_two_factor_requirement_applies_to_everyone_with_portal_access(roles):
    org = roles.walk.org_a
    org.require_2fa = True
    org.save(update_fields=["require_2fa"])
    for role in (GROUP_ADMIN, SUPERVISOR, CONTROLLER):
        response = roles.client(role).get(reverse("functionnumbers:attendant_list"))
        assert response.status_code == 302, role
        assert response["Location"] == reverse("customers:two_factor"), role
        assert permissions.may_set_up_two_factor(roles.users[role])
    # A standard user never gets in, so nothing is asked of him/her.
    standard = roles.client(STANDARD).get(reverse("home"))
    assert standard.status_code == 403
    assert not permissions.may_set_up_two_factor(roles.users[STANDARD])
