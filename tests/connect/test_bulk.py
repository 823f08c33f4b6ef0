"""Set-based writes (connect.lib.bulk, connect.lib.audit.audit_write_many): the rows they write
are the rows Django's own save() writes, on every database."""

import pytest
from django.contrib.contenttypes.models import ContentType

from connect.lib.audit import audit_entry, audit_write_many
from connect.lib.bulk import bulk_insert, insert_rows
from customers.models import AuditEntry, GroupMembership, Number, UserGroup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COMPARED = (
    "organisation_id",
    "actor_id",
    "actor_name",
    "via_support",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
)


def _row(entry):
    return {name: getattr(entry, name) for name in COMPARED}


def test_audit_write_many_writes_what_audit_entry_saves(org_a, admin_a):
    user = UserFactory(organisation=org_a, username="anna@a.example", first_name="Anna")
    changes = {
        "first_name": [None, "Anna"],
        "user_groups": [None, ["Salg", "Søren's"]],
        "n": [None, 7],
    }
    expected = audit_entry(
        actor=admin_a,
        action=AuditEntry.Action.CREATE,
        obj=user,
        organisation=org_a,
        changes=changes,
    )
    expected.save(force_insert=True)
    user_ct = ContentType.objects.get_for_model(user).pk
    audit_write_many(
        actor=admin_a,
        action=AuditEntry.Action.CREATE,
        organisation=org_a,
        entries=[(user_ct, user.pk, str(user), changes), (user_ct, user.pk, "x" * 300, None)],
    )
    saved, written, long_repr = AuditEntry.objects.filter(object_id=str(user.pk)).order_by("pk")
    assert _row(written) == _row(saved)
    assert written.at is not None and written.changes == changes
    assert long_repr.object_repr == "x" * 255 and long_repr.changes == {}


def test_audit_write_many_by_the_system_and_by_support_staff(org_a, org_b):
    staff = UserFactory(organisation=org_b, username="support@b.example", is_staff=True)
    group = UserGroup.objects.create(organisation=org_a, name="Salg", priority=1)
    ct = ContentType.objects.get_for_model(group).pk
    audit_write_many(
        actor=None,
        action=AuditEntry.Action.UPDATE,
        organisation=org_a,
        entries=[(ct, group.pk, "Salg", {})],
    )
    audit_write_many(
        actor=staff,
        action=AuditEntry.Action.UPDATE,
        organisation=org_a,
        entries=[(ct, group.pk, "Salg", {})],
    )
    system, support = AuditEntry.objects.filter(object_id=str(group.pk)).order_by("pk")
    assert (system.actor_id, system.actor_name, system.via_support) == (None, "system", False)
    assert (support.actor_id, support.via_support, support.action) == (staff.pk, True, "update")


def _number(organisation, number, value, **fields):
    kind = "e164" if number.startswith("+") else "local"
    return Number(organisation=organisation, number=number, kind=kind, value=value, **fields)


def test_bulk_insert_writes_what_save_writes(org_a, admin_a):
    """Choices, None, JSON and auto_now_add go through as save() writes them (COPY converts only
    values that are not already of the column's plain type)."""
    user = UserFactory(organisation=org_a, username="bo@a.example")
    on_line = {"purpose": Number.Purpose.USER_LINE, "user": user, "line_slot": 1}
    reference = _number(org_a, "+4588887701", 4588887701, **on_line)
    reference.save()
    bulk_insert(
        Number,
        [
            _number(org_a, "+4588887702", 4588887702, **on_line),
            _number(org_a, "702", 702, purpose=Number.Purpose.ALIAS, user=None, line_slot=None),
        ],
    )
    line, alias = (
        Number.objects.filter(organisation=org_a).exclude(pk=reference.pk).order_by("number")
    )
    fields = (
        "organisation_id",
        "kind",
        "purpose",
        "user_id",
        "line_slot",
        "owner_type_id",
        "owner_id",
    )
    assert [getattr(line, f) for f in fields] == [getattr(reference, f) for f in fields]
    assert line.created_at is not None
    assert (alias.user_id, alias.line_slot, alias.purpose, alias.value) == (
        None,
        None,
        "alias",
        702,
    )


def test_insert_rows_writes_plain_rows(org_a):
    users = [UserFactory(organisation=org_a, username=f"u{n}@a.example") for n in range(3)]
    group = UserGroup.objects.create(organisation=org_a, name="Salg", priority=1)
    insert_rows(GroupMembership, ("user_id", "group_id"), [(u.pk, group.pk) for u in users])
    insert_rows(GroupMembership, ("user_id", "group_id"), [])
    assert sorted(
        GroupMembership.objects.filter(group=group).values_list("user_id", flat=True)
    ) == sorted(u.pk for u in users)
