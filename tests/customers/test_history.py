"""The "Historik" page reads like the edit page it belongs to: labels, Yes/No, names, dates."""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from customers.models import AuditEntry, User
from customers.operations import usergroup_create, usergroup_update
from customers.operations.users import user_set_groups
from tests.factories import UserFactory


def history_url(obj):
    return reverse("customers:history", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def test_group_history_shows_labels_and_yes_no(client_a, org_a, admin_a):
    group = usergroup_create(organisation=org_a, name="Salg", by=admin_a)
    usergroup_update(group=group, name="Salg DK", is_federated=True, by=admin_a)
    html = client_a.get(history_url(group)).content.decode()
    assert "<strong>Name</strong>: Salg → Salg DK" in html
    assert "<strong>Federated</strong>: No → Yes" in html
    assert "<strong>id</strong>" not in html and "<strong>organisation</strong>" not in html


def test_user_history_names_groups_and_keeps_ipad_spelling(client_a, org_a, admin_a):
    group = usergroup_create(organisation=org_a, name="Salg", by=admin_a)
    user = UserFactory(organisation=org_a, username="kasper@a.example")
    AuditEntry.objects.create(
        organisation=org_a,
        actor=admin_a,
        actor_name=str(admin_a),
        action=AuditEntry.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user),
        changes={"app_ipad": ["False", "True"], "licence": [None, None], "department": ["", None], "primary_line": [None, "+4588887765"]},
    )
    user_set_groups(user=user, groups=[group], by=admin_a)
    html = client_a.get(history_url(user)).content.decode()
    assert "<strong>iPad</strong>: No → Yes" in html
    assert "<strong>Primary line</strong>: — → +4588887765" in html
    assert "<strong>User groups</strong>: — → Salg" in html
    assert "Department" not in html  # "" and None look the same: not a change worth a row


def test_history_title_is_the_current_name(client_a, org_a, admin_a):
    group = usergroup_create(organisation=org_a, name="Salg", by=admin_a)
    usergroup_update(group=group, name="Salg DK", by=admin_a)
    assert "History of “Salg DK”" in client_a.get(history_url(group)).content.decode()
