"""Presence states (ORG-7), presence shortcuts (ORG-2), languages (ORG-8) and "what refers to this"."""

import pytest
from django.db.models import RestrictedError
from django.urls import reverse

from connect.lib.references import references_to
from customers import operations
from customers.models import Activity, AuditEntry, PresenceShortcut, Prompt, Role
from services.models import CallQueueSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledig(org_a, admin_a):
    return operations.activity_create(
        organisation=org_a, by=admin_a, name="Ledig", feature_code=1, show_as="available", labels={"da": "Ledig", "en": "Available"}
    )


def post_activity(client, url, **data):
    payload = {"name": "", "feature_code": "", "show_as": "available", "message": "", "label_da": "", "label_en": ""}
    payload.update(data)
    return client.post(url, payload)


def test_an_admin_creates_an_activity_with_translated_labels_and_sees_it_listed(client_a, org_a):
    response = post_activity(
        client_a, reverse("customers:activity_create"), name="Forstyr ikke", feature_code="2", show_as="busy",
        label_da="Forstyr ikke", label_en="Busy",
    )
    assert response.status_code == 302
    activity = Activity.objects.get(organisation=org_a)
    assert (activity.feature_code, activity.show_as, activity.labels) == (2, "busy", {"da": "Forstyr ikke", "en": "Busy"})
    page = client_a.get(reverse("customers:presence_states")).content.decode()
    assert "Forstyr ikke" in page and "Busy" in page
    assert AuditEntry.objects.filter(object_id=str(activity.pk), action="create").exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": "LEDIG", "feature_code": "5"}, "already used"),  # names are unique whatever the case
        ({"name": "Frokost", "feature_code": "1"}, "already used"),  # the number is taken
        ({"name": "Frokost", "feature_code": "100"}, "less than or equal to 99"),
        ({"name": "Frokost", "feature_code": "-1"}, "greater than or equal to 0"),
        ({"name": "Frokost", "feature_code": "x"}, "whole number"),
        ({"name": "", "feature_code": ""}, "required"),
        ({"name": "x" * 65}, "at most 64"),
    ],
)
def test_bad_activities_get_a_clear_error_and_nothing_is_written(client_a, ledig, data, field_error):
    response = post_activity(client_a, reverse("customers:activity_create"), **data)
    assert response.status_code == 200
    assert field_error in response.content.decode().lower()
    assert Activity.objects.count() == 1


def test_roles_have_their_own_numbers(client_a, org_a, ledig):
    url = reverse("customers:role_create")
    assert client_a.post(url, {"name": "Arbejde", "feature_code": "1", "label_da": "Arbejde", "label_en": "Work"}).status_code == 302
    role = Role.objects.get(organisation=org_a)
    assert role.feature_code == 1 and role.labels == {"da": "Arbejde", "en": "Work"}  # 1 is free among roles
    response = client_a.post(url, {"name": "Privat", "feature_code": "1"})
    assert response.status_code == 200 and "already used" in response.content.decode()


def test_a_shortcut_shows_its_icon_and_stores_a_normalised_diversion(client_a, org_a, ledig):
    response = client_a.post(
        reverse("customers:shortcut_create"),
        {"name": "Frokost", "activity": ledig.pk, "duration": "30", "availability": "busy", "icon": "lunch", "diversion_number": "88 88 77 65"},
    )
    assert response.status_code == 302
    shortcut = PresenceShortcut.objects.get(organisation=org_a)
    assert shortcut.diversion_number == "+4588887765" and shortcut.duration == "30"
    page = client_a.get(reverse("customers:shortcut_list")).content.decode()
    assert "bi-cup-hot-fill" in page and 'aria-label="Lunch"' in page and "30 minutes" in page


def test_a_bad_diversion_number_is_a_field_error(client_a, ledig):
    response = client_a.post(
        reverse("customers:shortcut_create"),
        {"name": "Frokost", "duration": "none", "availability": "busy", "icon": "lunch", "diversion_number": "12ab"},
    )
    assert response.status_code == 200 and "only digits" in response.content.decode()
    assert not PresenceShortcut.objects.exists()


def test_emergency_numbers_are_no_diversion_target(client_a, ledig):
    response = client_a.post(
        reverse("customers:shortcut_create"),
        {"name": "Nød", "duration": "none", "availability": "busy", "icon": "person", "diversion_number": "112"},
    )
    assert response.status_code == 200 and "emergency or service number" in response.content.decode()
    assert not PresenceShortcut.objects.exists()


def test_an_activity_in_use_lists_its_references_and_is_not_deleted(client_a, org_a, admin_a, ledig):
    shortcut = operations.shortcut_create(organisation=org_a, by=admin_a, name="Frokost", activity=ledig)
    url = reverse("customers:activity_delete", args=[ledig.pk])
    page = client_a.get(url).content.decode()
    assert "cannot be deleted" in page and reverse("customers:shortcut_update", args=[shortcut.pk]) in page
    assert "btn-danger" not in page  # no delete button
    client_a.post(url)
    assert Activity.objects.filter(pk=ledig.pk).exists()
    operations.shortcut_delete(shortcut=shortcut, by=admin_a)
    assert client_a.post(url).status_code == 302
    assert not Activity.objects.filter(pk=ledig.pk).exists()


def test_a_prompt_used_by_a_setting_cannot_be_deleted(org_a):
    prompt = Prompt.objects.create(organisation=org_a, name="Velkommen")
    setting = CallQueueSettings.objects.create(organisation=org_a, welcome_prompt=prompt)
    references = references_to(prompt)
    assert [r.url for r in references] == [reverse("services:service", args=["call-queues"])]
    with pytest.raises(RestrictedError):
        prompt.delete()
    setting.refresh_from_db()
    assert setting.welcome_prompt == prompt  # before, the setting silently fell back to "inherit"


def test_a_new_organisation_gets_the_templates_activity_and_role(support):
    organisation = operations.organisation_create(name="Ny kunde", by=support)
    activity = Activity.objects.get(organisation=organisation)
    role = Role.objects.get(organisation=organisation)
    assert (activity.name, activity.feature_code, activity.labels["en"]) == ("Ledig", 1, "Available")
    assert (role.name, role.feature_code, role.labels["en"]) == ("Arbejde", 1, "Work")


def test_languages_are_ordered_with_a_default_and_a_removal_says_what_goes(client_a, org_a, ledig):
    url = reverse("customers:languages")
    assert client_a.post(url, {"action": "add", "language": "sv"}).status_code == 302
    assert client_a.post(url, {"action": "up", "language": "en"}).status_code == 302
    assert client_a.post(url, {"action": "default", "language": "en"}).status_code == 302
    org_a.refresh_from_db()
    assert (org_a.languages, org_a.default_language) == (["en", "da", "sv"], "en")

    response = client_a.post(url, {"action": "remove", "language": "en"})
    page = response.content.decode()
    assert response.status_code == 200 and "Ledig" in page and "Remove English" in page  # asks first
    org_a.refresh_from_db()
    assert "en" in org_a.languages
    client_a.post(url, {"action": "remove", "language": "en", "confirm": "1"})
    org_a.refresh_from_db()
    ledig.refresh_from_db()
    assert org_a.languages == ["da", "sv"] and org_a.default_language == "da"
    assert ledig.labels == {"da": "Ledig"}


def test_the_last_language_cannot_be_removed(client_a, org_a):
    org_a.languages, org_a.default_language = ["da"], "da"
    org_a.save()
    response = client_a.post(reverse("customers:languages"), {"action": "remove", "language": "da"})
    assert response.status_code == 400 and "at least one language" in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.languages == ["da"]


def test_another_organisations_presence_objects_are_404(client_b, org_a, admin_a, ledig):
    shortcut = operations.shortcut_create(organisation=org_a, by=admin_a, name="Frokost", activity=ledig)
    for url in (
        reverse("customers:activity_update", args=[ledig.pk]),
        reverse("customers:activity_delete", args=[ledig.pk]),
        reverse("customers:shortcut_update", args=[shortcut.pk]),
    ):
        assert client_b.get(url).status_code == 404
        assert client_b.post(url, {"name": "stolen"}).status_code == 404
    ledig.refresh_from_db()
    assert ledig.name == "Ledig"


def test_an_activitys_message_is_one_of_the_organisations_prompts(client_a, org_a, org_b):
    foreign = Prompt.objects.create(organisation=org_b, name="Fremmed")
    response = post_activity(client_a, reverse("customers:activity_create"), name="Test", message=foreign.pk)
    assert response.status_code == 200 and not Activity.objects.exists()


def test_the_demo_has_the_presence_states_of_demo_5(db):
    from django.core.management import call_command

    call_command("seed_demo", "--force", stdout=__import__("io").StringIO())
    from customers.models import Organisation

    demo = Organisation.objects.get(name="dialplantest4")
    activities = {a.name: (a.feature_code, a.show_as, a.labels.get("en")) for a in Activity.objects.filter(organisation=demo)}
    assert activities == {
        "Ledig": (1, "available", "Available"),
        "Forstyr ikke": (2, "busy", "Busy"),
        "Test": (3, "busy", "Test"),
    }
    assert set(Role.objects.filter(organisation=demo).values_list("name", "feature_code")) == {("Arbejde", 1), ("Privat", 2)}
    frokost = PresenceShortcut.objects.get(organisation=demo, name="Frokost")
    assert (frokost.activity.name, frokost.duration, frokost.availability, frokost.icon) == ("Forstyr ikke", "30", "busy", "lunch")


def test_a_whole_organisation_can_still_be_deleted(org_a, admin_a, ledig):
    """RESTRICT, not PROTECT: objects of one organisation that refer to each other go together."""
    from customers.models import Licence, Organisation

    prompt = Prompt.objects.create(organisation=org_a, name="Velkommen")
    operations.activity_update(activity=ledig, by=admin_a, message=prompt)
    operations.shortcut_create(organisation=org_a, by=admin_a, name="Frokost", activity=ledig)
    CallQueueSettings.objects.create(organisation=org_a, welcome_prompt=prompt)
    admin_a.licence = Licence.objects.create(organisation=org_a, name="Standard")
    admin_a.save()
    Organisation.objects.filter(pk=org_a.pk).delete()
    assert not Activity.objects.exists() and not Prompt.objects.filter(organisation=org_a.pk).exists()
