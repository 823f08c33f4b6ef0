"""The Django admin for support staff: every customers model, audited, through the operations."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from customers.models import (
    AuditEntry,
    DirectoryField,
    GroupMembership,
    Licence,
    Number,
    NumberRange,
    Organisation,
    Prompt,
    User,
    UserGroup,
)
from customers.operations import (
    number_register,
    numberrange_create,
    organisation_create,
    usergroup_create,
)
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


@pytest.fixture
def populated(org_a, admin_a, support):
    """One row of (nearly) every customers model."""
    group = usergroup_create(organisation=org_a, name="Salg", by=admin_a)
    GroupMembership.objects.create(user=admin_a, group=group)
    numberrange_create(organisation=org_a, first="200", last="299", by=admin_a)
    number_register(organisation=org_a, raw="201", purpose=Number.Purpose.USER_LINE, user=admin_a, by=admin_a)
    Licence.objects.create(organisation=org_a, name="Standard")
    Prompt.objects.create(organisation=org_a, name="Lukket")
    DirectoryField.objects.create(organisation=org_a, number=1, name="Bilmærker", searchable=True)
    return org_a


def customers_models():
    return list(apps.get_app_config("customers").get_models())


def test_every_customers_model_is_registered_with_search_and_filters():
    for model in customers_models():
        assert admin.site.is_registered(model), model
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, model
        if model is not Organisation:
            assert model_admin.list_filter, model


def test_every_changelist_search_and_organisation_filter_works(support_client, populated):
    for model in customers_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert support_client.get(url).status_code == 200, model
        assert support_client.get(url, {"q": "salg"}).status_code == 200, model
        model_admin = admin.site._registry[model]
        params = [getattr(f, "parameter_name", None) for f in model_admin.list_filter if isinstance(f, type)]
        for param in filter(None, params):
            if param.endswith("_id") and "organisation" in param:
                response = support_client.get(url, {param: populated.pk})
                assert response.status_code == 200, (model, param)
                assert "org-a" in response.content.decode()


def test_every_change_and_add_page_renders(support_client, support, populated, rf):
    request = rf.get("/admin/")
    request.user = support
    for model in customers_models():
        model_admin = admin.site._registry[model]
        info = (model._meta.app_label, model._meta.model_name)
        obj = model._default_manager.first()
        if obj is not None:
            assert support_client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])).status_code == 200, model
        if model_admin.has_add_permission(request):
            assert support_client.get(reverse(f"admin:{info[0]}_{info[1]}_add")).status_code == 200, model


def test_organisation_added_in_admin_gets_the_template(support_client, support):
    response = support_client.post(
        reverse("admin:customers_organisation_add"),
        {
            "name": "Ny kunde",
            "default_language": "da",
            "languages": '["da", "en"]',
            "time_zone": "Europe/Copenhagen",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organisation.objects.get(name="Ny kunde")
    assert set(org.licences.values_list("name", flat=True)) == {"Unified Communication", "Standard", "Mobilklient"}
    assert org.directory_fields.count() == 6
    assert Prompt.objects.filter(organisation=org, name="IpvisionLukket").exists()
    entry = AuditEntry.objects.get(content_type__model="organisation", object_id=str(org.pk), action="create")
    assert entry.actor == support and entry.via_support


def test_duplicate_organisation_name_is_a_form_error(support_client, org_a):
    response = support_client.post(
        reverse("admin:customers_organisation_add"),
        {"name": "ORG-A", "default_language": "da", "languages": '["da"]', "time_zone": "Europe/Copenhagen"},
    )
    assert response.status_code == 200
    assert "An organisation with that name already exists." in response.content.decode()
    bad_zone = support_client.post(
        reverse("admin:customers_organisation_add"),
        {"name": "Zone", "default_language": "da", "languages": '["da"]', "time_zone": "Mars/Olympus"},
    )
    assert "Choose a valid time zone" in bad_zone.content.decode()
    assert not Organisation.objects.filter(name="Zone").exists()


def test_act_inside_organisation_shows_banner_and_audits_as_support(support_client, support, org_a):
    change = support_client.get(reverse("admin:customers_organisation_change", args=[org_a.pk])).content.decode()
    assert "Act inside this organisation" in change
    assert reverse("support_act", args=[org_a.pk]) in change
    response = support_client.post(reverse("support_act", args=[org_a.pk]))
    assert response.status_code == 302 and response.url == "/"
    home = support_client.get("/").content.decode()
    assert 'id="support-banner"' in home and "org-a" in home
    support_client.post(reverse("customers:usergroup_create"), {"name": "Fra support"})
    group = UserGroup.objects.get(organisation=org_a, name="Fra support")
    entry = AuditEntry.objects.get(object_id=str(group.pk), content_type__model="usergroup")
    assert entry.via_support and entry.actor == support and entry.organisation == org_a
    history = support_client.get(reverse("customers:history", args=[entry.content_type_id, group.pk])).content.decode()
    assert "support" in history
    support_client.post(reverse("support_stop"))
    assert 'id="support-banner"' not in support_client.get("/admin/").content.decode()


def test_group_admin_keeps_priorities_gap_free(support_client, org_a, admin_a):
    usergroup_create(organisation=org_a, name="A", by=admin_a)
    b = usergroup_create(organisation=org_a, name="B", by=admin_a)
    support_client.post(reverse("admin:customers_usergroup_add"), {"organisation": org_a.pk, "name": "C", "is_federated": "on"})
    c = UserGroup.objects.get(organisation=org_a, name="C")
    assert (c.priority, c.is_federated) == (3, True)
    duplicate = support_client.post(reverse("admin:customers_usergroup_add"), {"organisation": org_a.pk, "name": "c"})
    assert "A group with that name already exists in the organisation." in duplicate.content.decode()
    support_client.post(reverse("admin:customers_usergroup_delete", args=[b.pk]), {"post": "yes"})
    assert list(UserGroup.objects.filter(organisation=org_a).order_by("priority").values_list("name", "priority")) == [("A", 1), ("C", 2)]
    assert AuditEntry.objects.filter(content_type__model="usergroup", action="delete", object_repr="B", via_support=True).exists()


def test_number_range_admin_uses_the_portal_rules(support_client, org_a, admin_a):
    numberrange_create(organisation=org_a, first="200", last="299", by=admin_a)
    url = reverse("admin:customers_numberrange_add")
    overlap = support_client.post(url, {"organisation": org_a.pk, "first": "250", "last": "350", "description": ""})
    assert "The range overlaps the existing range 200–299." in overlap.content.decode()
    unicode_digits = support_client.post(url, {"organisation": org_a.pk, "first": "٤٥٠", "last": "499"})
    assert "Use only the digits 0-9." in unicode_digits.content.decode()
    assert NumberRange.objects.count() == 1
    assert not AuditEntry.objects.filter(content_type__model="numberrange", via_support=True).exists()  # dry runs leave nothing
    ok = support_client.post(url, {"organisation": org_a.pk, "first": "88 88 77 00", "last": "88887799", "callable_from_ivr": "on"})
    assert ok.status_code == 302
    r = NumberRange.objects.get(first="+4588887700")
    assert r.callable_from_ivr
    assert AuditEntry.objects.filter(content_type__model="numberrange", object_id=str(r.pk), action="create", via_support=True).count() == 1


def test_admin_changes_are_audited_with_a_diff(support_client, org_a):
    licence = Licence.objects.create(organisation=org_a, name="Standard")
    support_client.post(
        reverse("admin:customers_licence_change", args=[licence.pk]),
        {"organisation": org_a.pk, "name": "Standard+", "kind": "user", "quota": "10"},
    )
    entry = AuditEntry.objects.get(content_type__model="licence", object_id=str(licence.pk), action="update")
    assert entry.changes["name"] == ["Standard", "Standard+"] and entry.changes["quota"] == [None, "10"]
    assert entry.via_support and entry.organisation == org_a


def test_user_admin_creates_users_and_changes_passwords(support_client, client, org_a):
    response = support_client.post(
        reverse("admin:customers_user_add"),
        {"username": "Ny.Bruger@A.example", "organisation": org_a.pk, "password1": "Very-long-pass-123", "password2": "Very-long-pass-123"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="ny.bruger@a.example")
    assert user.organisation == org_a and user.check_password("Very-long-pass-123")
    assert AuditEntry.objects.filter(content_type__model="user", object_id=str(user.pk), action="create").exists()
    duplicate = support_client.post(
        reverse("admin:customers_user_add"),
        {"username": "NY.BRUGER@a.example", "password1": "Very-long-pass-123", "password2": "Very-long-pass-123"},
    )
    assert "A user with that username already exists." in duplicate.content.decode()
    not_email = support_client.post(
        reverse("admin:customers_user_add"), {"username": "nobody", "password1": "Very-long-pass-123", "password2": "Very-long-pass-123"}
    )
    assert "Enter a valid email address." in not_email.content.decode()

    url = reverse("admin:auth_user_password_change", args=[user.pk])
    changed = support_client.post(url, {"password1": "Another-pass-456", "password2": "Another-pass-456", "usable_password": "true"})
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-456")
    entry = AuditEntry.objects.filter(content_type__model="user", object_id=str(user.pk), action="update").first()
    assert entry.changes == {"password": ["", "(changed)"]}
    assert "Another-pass-456" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_user_admin_refuses_groups_of_another_organisation(support_client, org_a, org_b, admin_b):
    user = UserFactory(organisation=org_a, username="member@a.example")
    foreign = usergroup_create(organisation=org_b, name="Fremmed", by=admin_b)
    data = {
        "username": user.username,
        "organisation": org_a.pk,
        "language": "da",
        "profile": "standard",
        "admin_profile": "",
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-group": foreign.pk,
        "memberships-0-user": user.pk,
    }
    response = support_client.post(reverse("admin:customers_user_change", args=[user.pk]), data)
    assert response.status_code == 200
    assert "Choose a group of the user&#x27;s organisation." in response.content.decode()
    assert not GroupMembership.objects.filter(user=user).exists()


def test_audit_entries_are_read_only_and_filterable(support_client, org_a, org_b, admin_a, admin_b):
    usergroup_create(organisation=org_a, name="Alpha", by=admin_a)
    usergroup_create(organisation=org_b, name="Beta", by=admin_b)
    url = reverse("admin:customers_auditentry_changelist")
    html = support_client.get(url, {"organisation_id": org_a.pk}).content.decode()
    assert "Alpha" in html and "Beta" not in html
    html = support_client.get(url, {"action__exact": "create", "q": "Beta"}).content.decode()
    assert "Beta" in html and "Alpha" not in html
    entry = AuditEntry.objects.first()
    assert support_client.get(reverse("admin:customers_auditentry_add")).status_code == 403
    view = support_client.get(reverse("admin:customers_auditentry_change", args=[entry.pk])).content.decode()
    assert 'name="_save"' not in view and "Close" in view
    support_client.post(reverse("admin:customers_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_admin_requires_staff(client, admin_a):
    client.force_login(admin_a)  # an OrgAdmin is not support staff
    response = client.get(reverse("admin:customers_organisation_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_organisation_create_operation_is_idempotent_for_system_prompts(support):
    organisation_create(name="one", by=support)
    organisation_create(name="two", by=support)
    assert Prompt.objects.filter(organisation=None, name="Ringing").count() == 1
    assert Prompt.objects.filter(organisation=None, kind="music").count() == 4


def test_support_signs_in_to_the_admin(client, support):
    response = client.post(reverse("admin:login"), {"username": support.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert "Support administration" in client.get(reverse("admin:index")).content.decode()
