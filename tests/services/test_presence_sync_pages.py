"""SVC-19 page "Presence synchronization policies": rules per connector, save, reorder, tester,
tenancy, and the "what refers to this" protection of connectors, activities and roles."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Activity, AuditEntry, CalendarConnector, Organisation, Role
from customers.operations import activity_delete, connector_delete, role_delete
from services.models_presence import PresenceExclusion, PresenceMapping, PresencePolicy
from services.operations_presence import presence_policy_save
from tests.factories import CalendarConnectorFactory


@pytest.fixture
def connector(org_a):
    return CalendarConnectorFactory(organisation=org_a, name="ipvexch01")


@pytest.fixture
def states(org_a):
    return {
        "Test": Activity.objects.create(
            organisation=org_a, name="Test", feature_code=3, show_as="busy"
        ),
        "Forstyr ikke": Activity.objects.create(
            organisation=org_a, name="Forstyr ikke", feature_code=2, show_as="busy"
        ),
        "Arbejde": Role.objects.create(organisation=org_a, name="Arbejde", feature_code=1),
    }


def url(connector):
    return reverse("services:presence_sync_connector", args=[connector.pk])


def form_data(mappings=(), exclusions=(), **extra):
    """POST data of the page: mappings as (type, match, activity, role), exclusions as (type, match)."""
    data = {
        "mappings-TOTAL_FORMS": len(mappings),
        "mappings-INITIAL_FORMS": 0,
        "exclusions-TOTAL_FORMS": len(exclusions),
        "exclusions-INITIAL_FORMS": 0,
    }
    for n, (rule_type, match, activity, role) in enumerate(mappings):
        data.update(
            {
                f"mappings-{n}-type": rule_type,
                f"mappings-{n}-match": match,
                f"mappings-{n}-activity": getattr(activity, "pk", activity or ""),
                f"mappings-{n}-role": getattr(role, "pk", role or ""),
            }
        )
    for n, (rule_type, match) in enumerate(exclusions):
        data.update({f"exclusions-{n}-type": rule_type, f"exclusions-{n}-match": match})
    data.update(extra)
    return data


def demo_rules(states):
    return form_data(
        mappings=[
            ("availability", "out of office", states["Test"], None),
            ("availability", "Busy", states["Forstyr ikke"], None),
        ],
        exclusions=[("private", "true")],
    )


def stored(connector):
    return (
        list(
            PresenceMapping.objects.filter(policy__connector=connector).values_list(
                "position", "type", "match", "activity__name", "role__name"
            )
        ),
        list(
            PresenceExclusion.objects.filter(policy__connector=connector).values_list(
                "position", "type", "match"
            )
        ),
    )


def test_the_page_shows_the_connector_choice_rules_exclusions_and_tester(
    client_a, connector, states
):
    CalendarConnectorFactory(organisation=connector.organisation, name="exch-backup")
    page = client_a.get(url(connector)).content.decode()
    for text in (
        "Presence synchronization policies",
        "Select connector",
        "Presence mappings",
        "Add rule",
        "Help",
        "Exclude from mapping and calendar view:",
        "Add exclusion",
        "Save",
        "Cancel",
        "Tester",
    ):
        assert text in page
    assert "ipvexch01" in page and "exch-backup" in page
    assert "Do Not Change" in page or "No rules yet." in page


def test_the_index_opens_the_first_connector_or_says_how_to_start(client_a, org_a):
    index = reverse("services:presence_sync")
    page = client_a.get(index).content.decode()
    assert "no calendar connectors" in page and reverse("customers:connector_create") in page
    connector = CalendarConnectorFactory(organisation=org_a, name="ipvexch01")
    other = CalendarConnectorFactory(organisation=org_a, name="zz-other")
    assert client_a.get(index).url == url(connector)
    assert client_a.get(index, {"connector": other.pk}).url == url(other)


def test_another_organisations_connector_is_404_and_untouched(client_a, org_b, states):
    theirs = CalendarConnectorFactory(organisation=org_b, name="their-exchange")
    assert client_a.get(url(theirs)).status_code == 404
    assert client_a.post(url(theirs), demo_rules(states)).status_code == 404
    assert (
        client_a.get(reverse("services:presence_sync"), {"connector": theirs.pk}).status_code == 404
    )
    assert not PresencePolicy.objects.exists()


def test_a_standard_user_has_no_access(client, user_a, connector):
    client.force_login(user_a)
    assert client.get(url(connector)).status_code == 403


def test_save_stores_the_rules_in_order_with_one_audit_entry(client_a, connector, states):
    response = client_a.post(url(connector), demo_rules(states))
    assert response.status_code == 302 and response.url == url(connector)
    assert stored(connector) == (
        [
            (0, "availability", "Out Of Office", "Test", None),
            (1, "availability", "Busy", "Forstyr ikke", None),
        ],
        [(0, "private", "true")],
    )
    entry = AuditEntry.objects.get(object_repr="ipvexch01")
    assert entry.action == AuditEntry.Action.CREATE and "Out Of Office" in str(entry.changes)
    page = client_a.get(url(connector)).content.decode()
    assert 'value="Out Of Office"' in page and "were saved" in page
    # Saving the same rules again writes no new audit entry.
    client_a.post(url(connector), demo_rules(states))
    assert AuditEntry.objects.filter(object_repr="ipvexch01").count() == 1


def test_blank_rows_are_skipped_and_a_role_alone_is_enough(client_a, connector, states):
    data = form_data(
        mappings=[("subject", "", "", ""), ("location", "Nærum", "", states["Arbejde"])],
        exclusions=[("subject", "")],
    )
    assert client_a.post(url(connector), data).status_code == 302
    assert stored(connector) == ([(0, "location", "Nærum", None, "Arbejde")], [])


@pytest.mark.parametrize(
    ("rules", "field", "message"),
    [
        ([("availability", "Away", "Test", None)], "mappings-0-match", "An availability is one of"),
        ([("private", "maybe", "Test", None)], "mappings-0-match", "true or false"),
        (
            [("subject", "Ferie", None, None)],
            "mappings-0-activity",
            "Choose an activity, or a role",
        ),
        ([("subject", "x" * 129, "Test", None)], "mappings-0-match", "at most 128"),
        ([("colour", "red", "Test", None)], "mappings-0-type", "Select a valid choice"),
    ],
)
def test_bad_input_gives_field_errors_and_writes_nothing(
    client_a, connector, states, rules, field, message
):
    client_a.post(url(connector), demo_rules(states))
    before, entries = stored(connector), AuditEntry.objects.count()
    rows = [(t, m, states.get(a) if a else None, r) for t, m, a, r in rules]
    response = client_a.post(
        url(connector), form_data(mappings=rows + [("availability", "Free", states["Test"], None)])
    )
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    # The row is shown again for correction, the error tied to its field for screen readers.
    assert f'aria-label="{field.split("-")[2].capitalize()}, row 1"' in page
    assert f'aria-describedby="id_{field}_error"' in page and f'id="id_{field}_error"' in page
    assert stored(connector) == before and AuditEntry.objects.count() == entries


def test_another_organisations_activity_is_refused(client_a, connector, org_b, states):
    theirs = Activity.objects.create(organisation=org_b, name="Theirs")
    response = client_a.post(
        url(connector), form_data(mappings=[("availability", "Busy", theirs, None)])
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not PresencePolicy.objects.exists()
    with pytest.raises(ValidationError):
        presence_policy_save(
            connector=connector,
            mappings=[{"type": "availability", "match": "Busy", "activity": theirs, "role": None}],
            exclusions=[],
            by=None,
        )
    assert not PresencePolicy.objects.exists()


def _rows_shown(page):
    """The Match values of the mapping rows, top-down."""
    import re

    return re.findall(r'name="mappings-\d+-match"(?: value="([^"]*)")?', page)


def test_move_add_and_remove_rearrange_the_rows_without_saving(client_a, connector, states):
    client_a.post(url(connector), demo_rules(states))
    data = demo_rules(states)
    page = client_a.post(url(connector), {**data, "move": "mappings-1-up"}).content.decode()
    assert _rows_shown(page) == ["Busy", "out of office"]
    assert "not saved yet" in page and "Row 2 moved to position 1" in page
    assert stored(connector)[0][0][2] == "Out Of Office"  # nothing saved
    page = client_a.post(url(connector), {**data, "move": "mappings-0-down"}).content.decode()
    assert _rows_shown(page) == ["Busy", "out of office"]
    page = client_a.post(url(connector), {**data, "add_mapping": "1"}).content.decode()
    assert _rows_shown(page) == ["out of office", "Busy", ""]
    page = client_a.post(url(connector), {**data, "remove": "mappings-0"}).content.decode()
    assert _rows_shown(page) == ["Busy"]
    assert 'name="exclusions-0-match" value="true"' in page
    # Saving the rows in their new order stores that order.
    swapped = form_data(
        mappings=[
            ("availability", "Busy", states["Forstyr ikke"], None),
            ("availability", "Out Of Office", states["Test"], None),
        ],
        exclusions=[("private", "true")],
    )
    client_a.post(url(connector), swapped)
    assert [row[2] for row in stored(connector)[0]] == ["Busy", "Out Of Office"]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (
            {"test-availability": "Out Of Office", "test-subject": "Ferie"},
            ["Mapping 1 (Availability “Out Of Office”) matches", "Test", "Do Not Change"],
        ),
        (
            {"test-availability": "Busy", "test-private": "on"},
            ["Exclusion 1 (Private “true”) matches"],
        ),
        ({"test-availability": "Free"}, ["No exclusion or mapping matches: no change."]),
    ],
)
def test_the_tester_says_which_rule_applies(client_a, connector, states, sample, expected):
    response = client_a.post(url(connector), {**demo_rules(states), "test": "1", **sample})
    page = response.content.decode()
    assert response.status_code == 200
    for text in expected:
        assert text in page
    assert not PresencePolicy.objects.exists()  # testing saves nothing


def test_the_tester_tests_the_rows_as_shown(client_a, connector, states):
    client_a.post(url(connector), demo_rules(states))
    edited = form_data(mappings=[("subject", "ferie", states["Forstyr ikke"], states["Arbejde"])])
    page = client_a.post(
        url(connector), {**edited, "test": "1", "test-subject": "Sommerferie"}
    ).content.decode()
    assert "Mapping 1 (Subject “ferie”) matches: activity Forstyr ikke, role Arbejde." in page


def test_rules_in_use_protect_connector_activity_and_role(
    client_a, org_a, admin_a, connector, states
):
    presence_policy_save(
        connector=connector,
        mappings=[
            {
                "type": "availability",
                "match": "Busy",
                "activity": states["Forstyr ikke"],
                "role": states["Arbejde"],
            }
        ],
        exclusions=[],
        by=admin_a,
    )
    page = client_a.get(
        reverse("customers:activity_delete", args=[states["Forstyr ikke"].pk])
    ).content.decode()
    assert (
        "cannot be deleted" in page
        and "ipvexch01: Availability “Busy”" in page
        and url(connector) in page
    )
    for delete, kwargs in (
        (activity_delete, {"activity": states["Forstyr ikke"]}),
        (role_delete, {"role": states["Arbejde"]}),
        (connector_delete, {"connector": connector}),
    ):
        with pytest.raises(ValidationError, match="ipvexch01"):
            delete(by=admin_a, **kwargs)
    assert (
        Activity.objects.filter(pk=states["Forstyr ikke"].pk).exists()
        and CalendarConnector.objects.filter(pk=connector.pk).exists()
    )
    # Removing every rule frees them again; the whole organisation can always be deleted.
    client_a.post(url(connector), form_data())
    assert not PresencePolicy.objects.exists()
    activity_delete(activity=states["Forstyr ikke"], by=admin_a)
    presence_policy_save(
        connector=connector,
        mappings=[{"type": "subject", "match": "x", "activity": states["Test"], "role": None}],
        exclusions=[],
        by=admin_a,
    )
    Organisation.objects.filter(pk=org_a.pk).delete()
    assert not PresenceMapping.objects.exists()
