"""Agent lists (FN-2 "Fordelingsindstillinger", FN-7) and login state (FC-1, FN-9): the
operations, their audit entries, and the pages' buttons for each role that may (or may not)
use them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry, GroupMembership
from functionnumbers.models import Agent, AgentLogin, CallGroup, Kind
from functionnumbers.operations_agents import (
    agent_add,
    agent_login_set,
    agent_move,
    agent_remove,
    agent_set_level,
)
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import login_group, make_function_number

pytestmark = pytest.mark.django_db


def member(group, username, **fields):
    user = UserFactory(organisation=group.organisation, username=username, **fields)
    GroupMembership.objects.create(user=user, group=group)
    return user


def audits(group):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(CallGroup), object_id=str(group.pk)
    ).exclude(action=AuditEntry.Action.CREATE)


def order(group):
    return list(
        Agent.objects.filter(group=group)
        .order_by("position")
        .values_list("user__username", "position")
    )


@pytest.fixture
def acd(org_a):
    return make_function_number(org_a, Kind.ACD, name="Salg")


@pytest.fixture
def agents(acd):
    """Three members of the ACD group's login group."""
    group = login_group(acd.organisation)
    return [
        member(group, f"{name}@a.example", first_name=name.title())
        for name in ("klj", "mbr", "kgo")
    ]


# --- The list --------------------------------------------------------------------------------


def test_agents_are_added_last_and_audited(acd, agents, admin_a):
    for user in agents:
        agent_add(group=acd, user=user, by=admin_a)
    assert order(acd) == [("klj@a.example", 1), ("mbr@a.example", 2), ("kgo@a.example", 3)]
    entry = audits(acd).first()
    assert entry.actor == admin_a
    assert "agent kgo@a.example" in entry.changes


def test_members_of_the_administrator_groups_are_eligible(acd, admin_a):
    admins = UserGroupFactory(organisation=acd.organisation, name="Gruppeadmin")
    acd.admin_groups.add(admins)
    boss = member(admins, "boss@a.example")
    agent_add(group=acd, user=boss, skill_level=8, by=admin_a)
    assert Agent.objects.get(group=acd, user=boss).skill_level == 8


def test_a_user_outside_the_login_and_admin_groups_is_refused(acd, admin_a):
    other = member(UserGroupFactory(organisation=acd.organisation, name="Lager"), "lager@a.example")
    with pytest.raises(ValidationError) as exc:
        agent_add(group=acd, user=other, by=admin_a)
    assert "only members of the groups" in str(exc.value.error_dict["user"])
    assert not Agent.objects.exists()
    assert not audits(acd).exists()


def test_a_user_of_another_organisation_is_refused(acd, org_b, admin_a):
    foreign = member(UserGroupFactory(organisation=org_b), "x@b.example")
    with pytest.raises(ValidationError) as exc:
        agent_add(group=acd, user=foreign, by=admin_a)
    assert "user" in exc.value.error_dict
    assert not Agent.objects.exists()


def test_a_user_is_on_the_list_once(acd, agents, admin_a):
    agent_add(group=acd, user=agents[0], by=admin_a)
    with pytest.raises(ValidationError) as exc:
        agent_add(group=acd, user=agents[0], by=admin_a)
    assert "already on the list" in str(exc.value)
    assert Agent.objects.count() == 1


@pytest.mark.parametrize("level", [0, 11, "x", -1])
def test_skill_levels_are_1_to_10(acd, agents, admin_a, level):
    with pytest.raises(ValidationError) as exc:
        agent_add(group=acd, user=agents[0], skill_level=level, by=admin_a)
    assert "skill_level" in exc.value.error_dict
    assert not Agent.objects.exists()
    agent = agent_add(group=acd, user=agents[0], by=admin_a)
    assert agent.skill_level == 5
    with pytest.raises(ValidationError):
        agent_set_level(agent=agent, skill_level=level, by=admin_a)
    assert Agent.objects.get(pk=agent.pk).skill_level == 5


def test_set_level_changes_and_audits(acd, agents, admin_a):
    agent = agent_add(group=acd, user=agents[0], by=admin_a)
    agent_set_level(agent=agent, skill_level=3, by=admin_a)
    assert Agent.objects.get(pk=agent.pk).skill_level == 3
    assert audits(acd).first().changes["agent klj@a.example"] == ["level 5", "level 3"]


def test_removing_closes_the_gap(acd, agents, admin_a):
    added = [agent_add(group=acd, user=user, by=admin_a) for user in agents]
    agent_remove(agent=added[0], by=admin_a)
    assert order(acd) == [("mbr@a.example", 1), ("kgo@a.example", 2)]
    assert "agent klj@a.example" in audits(acd).first().changes


def test_moving_swaps_with_the_neighbour(acd, agents, admin_a):
    added = [agent_add(group=acd, user=user, by=admin_a) for user in agents]
    agent_move(agent=added[2], direction="up", by=admin_a)
    assert order(acd) == [("klj@a.example", 1), ("kgo@a.example", 2), ("mbr@a.example", 3)]
    agent_move(agent=added[0], direction="down", by=admin_a)
    assert order(acd) == [("kgo@a.example", 1), ("klj@a.example", 2), ("mbr@a.example", 3)]
    count = audits(acd).count()
    agent_move(agent=added[2], direction="up", by=admin_a)  # already first: nothing changes
    agent_move(agent=added[1], direction="down", by=admin_a)  # already last
    assert order(acd)[0] == ("kgo@a.example", 1)
    assert audits(acd).count() == count
    with pytest.raises(ValidationError):
        agent_move(agent=added[0], direction="sideways", by=admin_a)


# --- The pages -------------------------------------------------------------------------------


def page(acd):
    return reverse("functionnumbers:acd_update", args=[acd.pk])


def panel(body, panel_id):
    """The HTML of one panel of the page (agents-panel, logins-panel)."""
    return body.split(f'id="{panel_id}"')[1].split("</section>")[0]


def test_priority_mode_lists_order_user_id_and_name_with_arrows(client_a, acd, agents, admin_a):
    for user in agents:
        agent_add(group=acd, user=user, by=admin_a)
    body = panel(client_a.get(page(acd)).content.decode(), "agents-panel")
    assert "Order" in body and "User ID" in body
    assert body.index("klj@a.example") < body.index("mbr@a.example") < body.index("kgo@a.example")
    assert "Move up: kgo@a.example" in body
    assert "Move down: kgo@a.example" not in body  # the last has no ▼
    assert "Remove from the agents: klj@a.example" in body


def test_arrows_reorder_with_htmx_and_without(client_a, acd, agents, admin_a):
    added = [agent_add(group=acd, user=user, by=admin_a) for user in agents]
    url = reverse("functionnumbers:agent_change", args=[acd.pk])
    response = client_a.post(url, {"up": added[1].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="agents-panel"' in body
    assert "mbr@a.example is now number 1." in body
    assert body.index("mbr@a.example</td>") < body.index("klj@a.example</td>")
    response = client_a.post(url, {"down": added[1].pk})
    assert response.status_code == 302
    assert order(acd)[1] == ("mbr@a.example", 2)


def test_skill_mode_shows_levels_and_edits_one(client_a, acd, agents, admin_a):
    CallGroup.objects.filter(pk=acd.pk).update(distribution=CallGroup.Distribution.SKILL)
    low = agent_add(group=acd, user=agents[0], skill_level=3, by=admin_a)
    agent_add(group=acd, user=agents[1], skill_level=9, by=admin_a)
    body = panel(client_a.get(page(acd)).content.decode(), "agents-panel")
    assert "Level" in body and "Edit" in body
    assert body.index("mbr@a.example") < body.index("klj@a.example")  # highest level first
    editing = client_a.get(page(acd) + f"?edit_agent={low.pk}").content.decode()
    assert "Which skill level does this user have:" in editing
    change = reverse("functionnumbers:agent_change", args=[acd.pk])
    response = client_a.post(
        change, {"level_for": low.pk, "skill_level": "7"}, HTTP_HX_REQUEST="true"
    )
    assert "klj@a.example now has skill level 7." in response.content.decode()
    assert Agent.objects.get(pk=low.pk).skill_level == 7
    bad = client_a.post(change, {"level_for": low.pk, "skill_level": "12"}, HTTP_HX_REQUEST="true")
    assert "Choose a level from 1 to 10." in bad.content.decode()
    assert Agent.objects.get(pk=low.pk).skill_level == 7


def test_search_finds_only_eligible_users_not_on_the_list(client_a, acd, agents, admin_a, org_b):
    agent_add(group=acd, user=agents[0], by=admin_a)
    member(UserGroupFactory(organisation=acd.organisation, name="Lager"), "klj.lager@a.example")
    member(UserGroupFactory(organisation=org_b), "klj@b.example")
    url = reverse("functionnumbers:agent_search", args=[acd.pk])
    body = client_a.get(url, {"agent_q": "k"}, HTTP_HX_REQUEST="true").content.decode()
    assert "kgo@a.example" in body
    assert "klj@a.example" not in body  # already an agent
    assert "klj.lager@a.example" not in body  # not eligible
    assert "klj@b.example" not in body
    assert (
        "No user who can be an agent matches"
        in client_a.get(url, {"agent_q": "zzz"}, HTTP_HX_REQUEST="true").content.decode()
    )
    # Without JavaScript the search shows on the page.
    plain = client_a.get(url, {"agent_q": "kgo"})
    assert plain.status_code == 302
    assert (
        "kgo@a.example"
        in client_a.get(plain.url).content.decode().split('id="agent-candidates"')[1]
    )


def test_add_by_post_and_crafted_posts_are_refused(client_a, acd, agents, org_b):
    url = reverse("functionnumbers:agent_add", args=[acd.pk])
    response = client_a.post(url, {"user": agents[0].pk}, HTTP_HX_REQUEST="true")
    assert "klj@a.example was added to the agents." in response.content.decode()
    assert order(acd) == [("klj@a.example", 1)]
    outsider = member(
        UserGroupFactory(organisation=acd.organisation, name="Lager"), "lager@a.example"
    )
    foreign = member(UserGroupFactory(organisation=org_b), "x@b.example")
    for crafted in (outsider.pk, foreign.pk, "abc", ""):
        response = client_a.post(url, {"user": crafted}, follow=True)
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    assert order(acd) == [("klj@a.example", 1)]


def test_remove_by_post(client_a, acd, agents, admin_a):
    agent = agent_add(group=acd, user=agents[0], by=admin_a)
    response = client_a.post(
        reverse("functionnumbers:agent_change", args=[acd.pk]), {"remove": agent.pk}
    )
    assert response.status_code == 302
    assert not Agent.objects.exists()


def test_an_agent_of_another_group_is_a_404(client_a, acd, agents, admin_a, org_a):
    other = make_function_number(org_a, Kind.ACD, name="Support")
    agent = agent_add(group=other, user=agents[0], by=admin_a)
    change = reverse("functionnumbers:agent_change", args=[acd.pk])
    for action in ("up", "down", "remove", "level_for"):
        assert client_a.post(change, {action: agent.pk, "skill_level": "2"}).status_code == 404
    assert Agent.objects.get(pk=agent.pk).skill_level == 5


def test_another_organisations_admin_gets_404_and_changes_nothing(client_b, acd, agents, admin_a):
    agent = agent_add(group=acd, user=agents[0], by=admin_a)
    posts = [
        (reverse("functionnumbers:agent_add", args=[acd.pk]), {"user": agents[1].pk}),
        (reverse("functionnumbers:agent_change", args=[acd.pk]), {"down": agent.pk}),
        (
            reverse("functionnumbers:agent_change", args=[acd.pk]),
            {"level_for": agent.pk, "skill_level": "2"},
        ),
        (reverse("functionnumbers:agent_change", args=[acd.pk]), {"remove": agent.pk}),
        (reverse("functionnumbers:agent_login", args=[acd.pk]), {"login": agents[0].pk}),
    ]
    for url, data in posts:
        assert client_b.post(url, data).status_code == 404, url
        assert client_b.get(url).status_code == 404, url
    assert (
        client_b.get(
            reverse("functionnumbers:agent_search", args=[acd.pk]), {"agent_q": "k"}
        ).status_code
        == 404
    )
    assert order(acd) == [("klj@a.example", 1)]
    assert not AgentLogin.objects.exists()


# --- Roles (SET-5) -----------------------------------------------------------------------------


def _role(acd, role):
    """A user of the organisation with `role` towards the ACD group."""
    org = acd.organisation
    if role == "orgadmin":
        from tests.factories import OrgAdminFactory

        return OrgAdminFactory(organisation=org, username="orgadmin2@a.example")
    group = UserGroupFactory(organisation=org, name=f"{role} group")
    if role == "group_admin":
        acd.admin_groups.add(group)
    elif role == "supervisor":
        group.is_acd_supervisor = True
        group.save()
    elif role == "controller":
        acd.control_groups.add(group)
    return member(group, f"{role}@a.example")


@pytest.mark.parametrize("role", ["orgadmin", "group_admin", "supervisor", "controller"])
def test_each_allowed_role_logs_agents_in_and_out(client, acd, agents, role):
    user = _role(acd, role)
    client.force_login(user)
    url = reverse("functionnumbers:agent_login", args=[acd.pk])
    response = client.post(url, {"login": agents[0].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "klj@a.example is logged in." in response.content.decode()
    assert AgentLogin.objects.get(user=agents[0], function_number=acd).logged_in
    assert client.post(url, {"logout": agents[0].pk}).status_code == 302
    login = AgentLogin.objects.get(user=agents[0], function_number=acd)
    assert not login.logged_in
    assert login.changed_by == user
    entry = audits(acd).first()
    assert entry.actor == user
    assert entry.changes == {"login klj@a.example": ["logged in", "logged out"]}


@pytest.mark.parametrize("role", ["standard", "other_group_controller"])
def test_others_may_not_log_agents_in(client, acd, agents, org_a, role):
    if role == "standard":
        user = member(UserGroupFactory(organisation=org_a, name="Plain"), "plain@a.example")
    else:
        other = make_function_number(org_a, Kind.ACD, name="Support")
        controllers = UserGroupFactory(organisation=org_a, name="Support controllers")
        other.control_groups.add(controllers)
        user = member(controllers, "ctl@a.example")
    client.force_login(user)
    url = reverse("functionnumbers:agent_login", args=[acd.pk])
    assert client.post(url, {"login": agents[0].pk}).status_code == 403
    assert not AgentLogin.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("group_admin", 200), ("supervisor", 403), ("controller", 403)]
)
def test_only_editors_change_the_agent_list(client, acd, agents, role, status):
    user = _role(acd, role)
    client.force_login(user)
    url = reverse("functionnumbers:agent_add", args=[acd.pk])
    response = client.post(url, {"user": agents[0].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == status
    assert Agent.objects.exists() is (status == 200)


# --- Login state -------------------------------------------------------------------------------


def test_login_is_idempotent_and_audited_once(acd, agents, admin_a):
    assert agent_login_set(function_number=acd, user=agents[0], logged_in=True, by=admin_a)
    assert not agent_login_set(function_number=acd, user=agents[0], logged_in=True, by=admin_a)
    assert AgentLogin.objects.filter(user=agents[0]).count() == 1
    assert audits(acd).count() == 1
    # Logged out is the default of an ACD group: logging out someone never logged in writes nothing.
    assert not agent_login_set(function_number=acd, user=agents[1], logged_in=False, by=admin_a)
    assert audits(acd).count() == 1


def test_only_members_of_the_login_groups_can_be_logged_in(acd, admin_a, org_a):
    outsider = member(UserGroupFactory(organisation=org_a, name="Lager"), "lager@a.example")
    with pytest.raises(ValidationError) as exc:
        agent_login_set(function_number=acd, user=outsider, logged_in=True, by=admin_a)
    assert "user" in exc.value.error_dict
    assert not AgentLogin.objects.exists()


def test_the_page_shows_who_is_logged_in_with_buttons(client_a, acd, agents, admin_a):
    agent_login_set(function_number=acd, user=agents[1], logged_in=True, by=admin_a)
    body = client_a.get(page(acd)).content.decode()
    panel = body.split('id="logins-panel"')[1].split("</section>")[0]
    assert "Logged-in agents" in body
    row = panel.split("mbr@a.example")[1].split("</tr>")[0]
    assert "Logged in" in row and "Log out" in row
    assert "Log in" in panel.split("klj@a.example")[1].split("</tr>")[0]


def test_the_attendant_page_has_the_panels_and_camp_on(client_a, org_a, admin_a):
    attendant = make_function_number(org_a, Kind.ATTENDANT, name="Reception")
    member(login_group(org_a), "rec@a.example")
    body = client_a.get(
        reverse("functionnumbers:attendant_update", args=[attendant.pk])
    ).content.decode()
    assert 'id="logins-panel"' in body and 'id="agents-panel"' in body
    assert "Camp-on" in body
    assert "Which groups can monitor (log participants in and out):" in body
    assert "rec@a.example" in body


def test_hunt_group_members_are_logged_in_by_default_and_can_log_out(client_a, org_a, admin_a):
    team = UserGroupFactory(organisation=org_a, name="Team")
    hunt = make_function_number(org_a, Kind.HUNT, member_groups=[team])
    user = member(team, "team@a.example")
    body = client_a.get(reverse("functionnumbers:hunt_update", args=[hunt.pk])).content.decode()
    panel = body.split('id="logins-panel"')[1].split("</section>")[0]
    assert "Log out" in panel.split("team@a.example")[1].split("</tr>")[0]
    url = reverse("functionnumbers:agent_login", args=[hunt.pk])
    client_a.post(url, {"logout": user.pk})
    assert not AgentLogin.objects.get(function_number=hunt, user=user).logged_in
    assert AuditEntry.objects.filter(
        object_id=str(hunt.pk), changes__has_key="login team@a.example"
    ).exists()
    # Hunt groups have no agent list.
    assert reverse("functionnumbers:agent_add", args=[hunt.pk])
    assert (
        client_a.post(
            reverse("functionnumbers:agent_add", args=[hunt.pk]), {"user": user.pk}
        ).status_code
        == 404
    )


def test_the_form_marks_conditional_fields_and_shows_the_guides_warnings(client_a, acd):
    body = client_a.get(page(acd)).content.decode()
    assert 'data-fn-show-when="overflow_action" data-fn-show-value="forward"' in body
    assert 'data-fn-show-when="camp_on_enabled"' not in body  # ACD groups have no camp-on
    assert "ipvision recommends turning this off" in body
    assert "roughly the same length" in body
    assert "functionnumbers/form.js" in body
