"""Directory fields (USR-17) and moderation (USR-18)."""

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import DirectoryField, DirectoryFieldValue
from customers.models.users import DirectoryFieldProposal
from customers.operations.directory import directory_proposal_submit
from customers.permissions import directory_moderation_users, may_moderate_directory
from tests.factories import UserFactory, UserGroupFactory


@pytest.fixture
def fields_a(org_a):
    from services.operations import service_settings_save
    from services.scopes import Scope

    fields = [DirectoryField.objects.create(organisation=org_a, number=n, searchable=n <= 3) for n in range(1, 7)]
    # SVC-16: users may propose values only for editable fields; here every field is.
    service_settings_save(
        service="edit-directory-fields", scope=Scope(org_a), data={"editable_fields": fields}, by=None
    )
    return fields


def test_fields_page_table_and_save(client_a, fields_a):
    url = reverse("customers:directory_fields")
    body = client_a.get(url).content.decode()
    assert "Field 1" in body and "Field 6" in body and "Searchable" in body
    data = {f"name_{f.pk}": "" for f in fields_a}
    data.update({f"searchable_{f.pk}": "on" for f in fields_a[:3]})
    data[f"name_{fields_a[0].pk}"] = "Bilmærker"
    data[f"searchable_{fields_a[5].pk}"] = "on"
    response = client_a.post(url, data)
    assert response.status_code == 302
    fields_a[0].refresh_from_db()
    fields_a[5].refresh_from_db()
    assert fields_a[0].name == "Bilmærker" and fields_a[5].searchable


def test_fields_bad_input(client_a, fields_a):
    url = reverse("customers:directory_fields")
    data = {f"name_{fields_a[0].pk}": "x" * 65, f"name_{fields_a[1].pk}": "a\x01"}
    response = client_a.post(url, data)
    assert response.status_code == 200
    assert "at most 64" in response.content.decode()
    assert "control characters" in response.content.decode()
    data = {f"name_{fields_a[0].pk}": "Sprog", f"name_{fields_a[1].pk}": "sprog"}
    assert "same name" in client_a.post(url, data).content.decode()


def test_add_field(client_a, org_a, fields_a):
    response = client_a.post(reverse("customers:directory_field_add"))
    assert response.status_code == 302
    assert DirectoryField.objects.filter(organisation=org_a).order_by("-number").first().number == 7


def test_fields_of_other_org_are_not_touched(client_b, fields_a):
    client_b.post(reverse("customers:directory_fields"), {f"name_{fields_a[0].pk}": "Hacked"})
    fields_a[0].refresh_from_db()
    assert fields_a[0].name == ""


def test_moderation_flow_approve_and_reject(client_a, org_a, fields_a, django_capture_on_commit_callbacks):
    proposer = UserFactory(organisation=org_a, email="p@a.example")
    directory_proposal_submit(user=proposer, field=fields_a[0], value="Ferrari", by=proposer)
    # A newer proposal for the same user and field replaces the older one
    p = directory_proposal_submit(user=proposer, field=fields_a[0], value="Porsche", by=proposer)
    assert DirectoryFieldProposal.objects.filter(user=proposer).count() == 1
    body = client_a.get(reverse("customers:directory_moderation")).content.decode()
    assert "Porsche" in body and proposer.username in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("customers:directory_moderation"), {"proposals": [p.pk], "decision": "approve"})
    assert response.status_code == 302
    assert DirectoryFieldValue.objects.get(user=proposer, field=fields_a[0]).value == "Porsche"
    assert not DirectoryFieldProposal.objects.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["p@a.example"] and "approved" in mail.outbox[0].subject
    q1 = directory_proposal_submit(user=proposer, field=fields_a[1], value="tysk", by=proposer)
    q2 = directory_proposal_submit(user=proposer, field=fields_a[2], value="x", by=proposer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("customers:directory_moderation"), {"proposals": [q1.pk, q2.pk], "decision": "reject"})
    assert response.status_code == 302
    assert not DirectoryFieldProposal.objects.exists()
    assert not DirectoryFieldValue.objects.filter(field__in=fields_a[1:3]).exists()
    assert "rejected" in mail.outbox[-1].subject


def test_moderation_other_org_proposal_rejected(client_b, org_a, fields_a):
    user = UserFactory(organisation=org_a)
    p = directory_proposal_submit(user=user, field=fields_a[0], value="X", by=user)
    response = client_b.post(reverse("customers:directory_moderation"), {"proposals": [p.pk], "decision": "approve"})
    assert response.status_code == 302
    assert DirectoryFieldProposal.objects.filter(pk=p.pk).exists()
    assert "X" not in client_b.get(reverse("customers:directory_moderation")).content.decode().split("<main")[1]


def test_standard_user_cannot_moderate(client, user_a, org_a):
    client.force_login(user_a)
    assert client.get(reverse("customers:directory_moderation")).status_code == 403
    assert not may_moderate_directory(user_a, org_a)


def test_group_admin_moderates_users_sharing_a_group(org_a, fields_a, monkeypatch):
    from customers import permissions

    admins = UserGroupFactory(organisation=org_a, name="Gruppeadmins")
    team = UserGroupFactory(organisation=org_a, name="Team")
    moderator = UserFactory(organisation=org_a, groups=[admins, team])
    colleague = UserFactory(organisation=org_a, groups=[team])
    stranger = UserFactory(organisation=org_a)
    assert not may_moderate_directory(moderator, org_a)
    monkeypatch.setattr(permissions, "group_admin_group_ids", lambda organisation: {admins.pk})
    allowed = set(directory_moderation_users(moderator, org_a))
    assert colleague in allowed and stranger not in allowed


def test_proposal_value_validated(org_a, fields_a, user_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        directory_proposal_submit(user=user_a, field=fields_a[0], value="x" * 256, by=user_a)


def test_each_field_links_its_history(client_a, fields_a):
    url = reverse("customers:directory_fields")
    data = {f"name_{f.pk}": "" for f in fields_a}
    data[f"name_{fields_a[0].pk}"] = "Bilmærker"
    client_a.post(url, data)
    body = client_a.get(url).content.decode()
    assert "History of Field 1" in body
    history = body.split("History of Field 1")[0].rsplit('href="', 1)[1].split('"')[0]
    page = client_a.get(history)
    assert page.status_code == 200
    assert "Bilmærker" in page.content.decode()
