"""User groups (USR-16): priorities stay a gap-free 1..n; the pages; tenancy."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import AuditEntry, GroupMembership, Organisation, UserGroup
from customers.operations import (
    usergroup_create,
    usergroup_delete,
    usergroup_move,
    usergroup_set_order,
    usergroup_update,
)
from tests.factories import UserFactory


def priorities(organisation):
    return list(UserGroup.objects.filter(organisation=organisation).order_by("priority").values_list("name", "priority"))


def names(organisation):
    return [name for name, _ in priorities(organisation)]


def assert_gap_free(organisation):
    values = [p for _, p in priorities(organisation)]
    assert values == list(range(1, len(values) + 1))


@pytest.fixture
def three(org_a, admin_a):
    return [usergroup_create(organisation=org_a, name=name, by=admin_a) for name in ("Salg", "Support", "Lager")]


# --- operations ---------------------------------------------------------------------------


def test_new_group_gets_the_lowest_priority(org_a, admin_a, three):
    group = usergroup_create(organisation=org_a, name="Ny", is_acd_supervisor=True, by=admin_a)
    assert group.priority == 4
    assert group.is_acd_supervisor and not group.is_schedule_admin
    assert AuditEntry.objects.filter(object_id=str(group.pk), action="create").exists()


def test_delete_closes_the_gap_and_removes_memberships(org_a, admin_a, three):
    member = UserFactory(organisation=org_a, groups=[three[0], three[1]])
    usergroup_delete(group=three[0], by=admin_a)
    assert priorities(org_a) == [("Support", 1), ("Lager", 2)]
    assert list(GroupMembership.objects.filter(user=member).values_list("group__name", flat=True)) == ["Support"]
    assert AuditEntry.objects.filter(action="delete", object_repr="Salg").exists()


def test_move_up_and_down_swaps_neighbours(org_a, admin_a, three):
    usergroup_move(group=three[2], direction="up", by=admin_a)
    assert names(org_a) == ["Salg", "Lager", "Support"]
    usergroup_move(group=three[0], direction="down", by=admin_a)
    assert names(org_a) == ["Lager", "Salg", "Support"]
    # At the edges nothing happens.
    usergroup_move(group=three[2], direction="up", by=admin_a)
    usergroup_move(group=three[2], direction="up", by=admin_a)
    usergroup_move(group=three[1], direction="down", by=admin_a)
    assert names(org_a) == ["Lager", "Salg", "Support"]
    assert_gap_free(org_a)
    entry = AuditEntry.objects.filter(object_id=str(three[2].pk), action="update").first()
    assert entry.changes == {"priority": ["2", "1"]}


def test_set_order_requires_every_group_once(org_a, org_b, admin_a, three):
    usergroup_set_order(organisation=org_a, group_ids=[three[2].pk, three[0].pk, three[1].pk], by=admin_a)
    assert names(org_a) == ["Lager", "Salg", "Support"]
    foreign = usergroup_create(organisation=org_b, name="Fremmed", by=admin_a)
    for bad in ([three[0].pk, three[1].pk], [three[0].pk] * 3, [three[0].pk, three[1].pk, foreign.pk], ["x", 1, 2]):
        with pytest.raises(ValidationError):
            usergroup_set_order(organisation=org_a, group_ids=bad, by=admin_a)
    assert names(org_a) == ["Lager", "Salg", "Support"]
    assert names(org_b) == ["Fremmed"]


def test_names_are_unique_per_organisation_case_insensitively(org_a, org_b, admin_a, three):
    with pytest.raises(ValidationError) as exc:
        usergroup_create(organisation=org_a, name=" salg ", by=admin_a)
    assert exc.value.message_dict["name"] == ["A group with that name already exists in the organisation."]
    with pytest.raises(ValidationError):
        usergroup_update(group=three[1], name="SALG", by=admin_a)
    # Another organisation may use the name.
    assert usergroup_create(organisation=org_b, name="Salg", by=admin_a).priority == 1


def test_update_changes_flags_but_not_priority(org_a, admin_a, three):
    group = usergroup_update(group=three[1], name="Kundeservice", is_schedule_admin=True, by=admin_a)
    assert (group.name, group.priority, group.is_schedule_admin) == ("Kundeservice", 2, True)
    entry = AuditEntry.objects.get(object_id=str(group.pk), action="update")
    assert entry.changes["name"] == ["Support", "Kundeservice"]
    with pytest.raises(TypeError):
        usergroup_update(group=group, priority=1, by=admin_a)


@pytest.mark.parametrize("bad", ["", "   ", "a\x00b", "x" * 65, "bell\x07"])
def test_bad_names_give_field_errors(org_a, admin_a, bad):
    with pytest.raises(ValidationError) as exc:
        usergroup_create(organisation=org_a, name=bad, by=admin_a)
    assert "name" in exc.value.message_dict
    assert UserGroup.objects.count() == 0


operation = st.one_of(
    st.tuples(st.just("create")),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from(["up", "down"])),
    st.tuples(st.just("order"), st.randoms(use_true_random=False)),
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=25))
def test_any_sequence_of_operations_keeps_priorities_gap_free(ops, admin_a):
    with transaction.atomic():
        organisation = Organisation.objects.create(name="hypothesis-org")
        expected = []  # our model of the order, by name
        counter = 0
        for op in ops:
            groups = list(UserGroup.objects.filter(organisation=organisation).order_by("priority"))
            if op[0] == "create":
                counter += 1
                usergroup_create(organisation=organisation, name=f"G{counter}", by=admin_a)
                expected.append(f"G{counter}")
            elif op[0] == "delete" and groups:
                victim = groups[op[1] % len(groups)]
                usergroup_delete(group=victim, by=admin_a)
                expected.remove(victim.name)
            elif op[0] == "move" and groups:
                group = groups[op[1] % len(groups)]
                index = expected.index(group.name)
                target = index - 1 if op[2] == "up" else index + 1
                if 0 <= target < len(expected):
                    expected[index], expected[target] = expected[target], expected[index]
                usergroup_move(group=group, direction=op[2], by=admin_a)
            elif op[0] == "order" and groups:
                op[1].shuffle(groups)
                usergroup_set_order(organisation=organisation, group_ids=[g.pk for g in groups], by=admin_a)
                expected = [g.name for g in groups]
            assert_gap_free(organisation)
            assert names(organisation) == expected
        transaction.set_rollback(True)


# --- pages ----------------------------------------------------------------------------------


def test_list_shows_groups_in_priority_order_with_flags_and_users_link(client_a, org_a, admin_a, three):
    usergroup_update(group=three[1], is_acd_supervisor=True, by=admin_a)
    response = client_a.get(reverse("customers:usergroup_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Salg") < html.index("Support") < html.index("Lager")
    for label in ("Priority", "Schedule administrator", "ACD supervisor", "Federated", "Show users", "New"):
        assert label in html
    assert f"?group={three[0].pk}" in html
    assert "Move Salg up" in html


def test_menu_links_to_groups(client_a):
    html = client_a.get("/").content.decode()
    assert reverse("customers:usergroup_list") in html


def test_create_group_through_the_form(client_a, org_a, three):
    url = reverse("customers:usergroup_create")
    page = client_a.get(url)
    assert "Create new group" in page.content.decode()
    response = client_a.post(url, {"name": "Ledelse", "is_schedule_admin": "on"}, follow=True)
    assert "The group “Ledelse” was created." in response.content.decode()
    group = UserGroup.objects.get(organisation=org_a, name="Ledelse")
    assert (group.priority, group.is_schedule_admin, group.is_federated) == (4, True, False)


def test_duplicate_name_is_a_form_error(client_a, org_a, three):
    response = client_a.post(reverse("customers:usergroup_create"), {"name": "SALG"})
    assert response.status_code == 200
    assert "A group with that name already exists in the organisation." in response.content.decode()
    assert UserGroup.objects.filter(organisation=org_a).count() == 3


# NUL itself never reaches the form: connect.middleware.RefuseNulMiddleware answers 400 (tests/connect).
@pytest.mark.parametrize("bad", ["a\x01b", "x" * 500, "ok\x1bname"])
def test_bad_input_gives_field_errors_not_500(client_a, org_a, bad):
    response = client_a.post(reverse("customers:usergroup_create"), {"name": bad})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not UserGroup.objects.filter(organisation=org_a).exists()


def test_edit_page_links_history_and_saves(client_a, org_a, three):
    url = reverse("customers:usergroup_update", args=[three[0].pk])
    html = client_a.get(url).content.decode()
    assert "History" in html and "/history/" in html
    client_a.post(url, {"name": "Salg DK", "is_federated": "on"})
    three[0].refresh_from_db()
    assert (three[0].name, three[0].is_federated, three[0].priority) == ("Salg DK", True, 1)
    history = client_a.get(reverse("customers:history", args=[AuditEntry.objects.first().content_type_id, three[0].pk]))
    assert "Salg DK" in history.content.decode()


def test_delete_with_confirmation_closes_gap(client_a, org_a, three):
    UserFactory(organisation=org_a, groups=[three[0]])
    url = reverse("customers:usergroup_delete", args=[three[0].pk])
    html = client_a.get(url).content.decode()
    assert "1 user is a member of the group" in html
    assert "2 groups with lower priority move up one place." in html
    client_a.post(url)
    assert priorities(org_a) == [("Support", 1), ("Lager", 2)]


def test_move_with_htmx_returns_the_table(client_a, org_a, three):
    url = reverse("customers:usergroup_move", args=[three[2].pk])
    response = client_a.post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("\n<div id=\"usergroup-table\">") or 'id="usergroup-table"' in html
    assert "<html" not in html
    assert "“Lager” now has priority 2." in html
    assert html.index("Lager") < html.index("Support")
    assert names(org_a) == ["Salg", "Lager", "Support"]


def test_move_without_javascript_redirects(client_a, org_a, three):
    response = client_a.post(reverse("customers:usergroup_move", args=[three[0].pk]), {"direction": "down"})
    assert response.status_code == 302 and response.url == reverse("customers:usergroup_list")
    assert names(org_a) == ["Support", "Salg", "Lager"]
    # A made-up direction changes nothing.
    client_a.post(reverse("customers:usergroup_move", args=[three[0].pk]), {"direction": "sideways"})
    assert names(org_a) == ["Support", "Salg", "Lager"]
    assert client_a.get(reverse("customers:usergroup_move", args=[three[0].pk])).status_code == 405


def test_other_organisations_groups_are_404_and_untouched(client_b, org_a, three):
    for name in ("usergroup_update", "usergroup_delete", "usergroup_move"):
        url = reverse(f"customers:{name}", args=[three[2].pk])
        assert client_b.get(url).status_code == 404
        assert client_b.post(url, {"name": "Hijack", "direction": "up"}).status_code == 404
    assert names(org_a) == ["Salg", "Support", "Lager"]
    html = client_b.get(reverse("customers:usergroup_list")).content.decode()
    assert "Salg" not in html


def test_standard_user_has_no_access(client, user_a, three):
    client.force_login(user_a)
    response = client.get(reverse("customers:usergroup_list"))
    assert response.status_code == 403
    assert "You have no administrator access" in response.content.decode()
    client.post(reverse("customers:usergroup_move", args=[three[0].pk]), {"direction": "down"})
    assert names(three[0].organisation) == ["Salg", "Support", "Lager"]


@pytest.fixture
def danish(settings, tmp_path, admin_a):
    """This area's Danish fragment compiled as the catalogue (the lead merges it into locale/da)."""
    import polib

    target = tmp_path / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(settings.BASE_DIR / "locale" / "fragments" / "customers-org.po")).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    admin_a.language = "da"
    admin_a.save(update_fields=["language"])


def test_pages_speak_the_guides_danish(danish, client_a, org_a, three):
    html = client_a.get(reverse("customers:usergroup_list")).content.decode()
    for label in ("Brugergrupper", "Prioritet", "Navn", "Planadministrator", "ACD-supervisor", "Fødereret", "Vis brugere", "Ny"):
        assert label in html, label
    form = client_a.get(reverse("customers:usergroup_create")).content.decode()
    assert "Opret ny gruppe" in form
    duplicate = client_a.post(reverse("customers:usergroup_create"), {"name": "salg"}).content.decode()
    assert "Der findes allerede en gruppe med det navn i organisationen." in duplicate
    edit = client_a.get(reverse("customers:usergroup_update", args=[three[0].pk])).content.decode()
    assert "Historik" in edit
    ranges = client_a.get(reverse("customers:numberrange_list")).content.decode()
    assert "Nummerserier" in ranges and "Vis tilgængelige numre" in ranges
