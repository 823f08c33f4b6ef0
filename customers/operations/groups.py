"""User groups (USR-16): create, change, delete and reorder, keeping priorities a gap-free 1..n.

Priority 1 is the highest. Every operation locks the organisation row first, so concurrent
reorders, creates and deletes in one organisation run one after another and never collide on
the unique (organisation, priority) constraint.

PostgreSQL checks a non-deferrable unique constraint after every row of an UPDATE, so a
renumbering such as "priority = priority - 1" can clash half-way. We renumber in two steps:
first move the rows above every existing priority (negative values would break the
PositiveIntegerField check constraint), then down to their final values 1..n.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Max, Value, When
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry, Organisation, UserGroup

GROUP_FIELDS = ("name", "is_schedule_admin", "is_acd_supervisor", "is_federated")


def _lock_organisation(organisation):
    # FOR NO KEY UPDATE: serialises group operations of one organisation without blocking
    # inserts of rows that merely reference the organisation (audit entries, numbers...).
    return Organisation.objects.select_for_update(no_key=True).get(pk=organisation.pk)


def _clean_name(organisation, name, exclude_pk=None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    field = UserGroup._meta.get_field("name")
    try:
        field.run_validators(name)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from exc
    if len(name) > field.max_length:
        raise ValidationError({"name": ValidationError(_("The name may be at most %(max)d characters."), params={"max": field.max_length})})
    clash = UserGroup.objects.filter(organisation=organisation, name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("A group with that name already exists in the organisation.")}, code="unique")
    return name


def _renumber(organisation, ordered_ids):
    """Give the groups `ordered_ids` (all of the organisation's) the priorities 1..n.

    Two statements: first every row to `offset + position` with an offset above every current
    priority (so no row can meet another's value), then subtract the offset.
    """
    if not ordered_ids:
        return
    groups = UserGroup.objects.filter(organisation=organisation, pk__in=ordered_ids)
    offset = (groups.aggregate(top=Max("priority"))["top"] or 0) + len(ordered_ids) + 1
    groups.update(
        priority=Case(
            *(When(pk=pk, then=Value(offset + position)) for position, pk in enumerate(ordered_ids, start=1)),
            output_field=IntegerField(),
        )
    )
    groups.update(priority=F("priority") - offset)


def _current_order(organisation):
    return list(UserGroup.objects.filter(organisation=organisation).order_by("priority", "pk").values_list("pk", flat=True))


def usergroup_create(*, organisation, name, is_schedule_admin=False, is_acd_supervisor=False, is_federated=False, by):
    """Create a group with the lowest priority (n + 1)."""
    with transaction.atomic():
        organisation = _lock_organisation(organisation)
        name = _clean_name(organisation, name)
        last = UserGroup.objects.filter(organisation=organisation).order_by("-priority").values_list("priority", flat=True).first()
        group = UserGroup(
            organisation=organisation,
            name=name,
            priority=(last or 0) + 1,
            is_schedule_admin=bool(is_schedule_admin),
            is_acd_supervisor=bool(is_acd_supervisor),
            is_federated=bool(is_federated),
        )
        try:
            with transaction.atomic():
                group.save()
        except IntegrityError as exc:
            raise ValidationError({"name": _("A group with that name already exists in the organisation.")}) from exc
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=group, changes=diff({}, snapshot(group)))
    return group


def usergroup_update(*, group, by, **fields):
    """Change name and flags. The priority is changed only by usergroup_move / usergroup_set_order."""
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"usergroup_update() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        _lock_organisation(group.organisation)
        group = UserGroup.objects.select_for_update().get(pk=group.pk)
        before = snapshot(group)
        if "name" in fields:
            fields["name"] = _clean_name(group.organisation, fields["name"], exclude_pk=group.pk)
        for key, value in fields.items():
            setattr(group, key, value if key == "name" else bool(value))
        try:
            with transaction.atomic():
                group.save(update_fields=list(fields) or None)
        except IntegrityError as exc:
            raise ValidationError({"name": _("A group with that name already exists in the organisation.")}) from exc
        changes = diff(before, snapshot(group))
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=group, changes=changes)
    return group


def usergroup_delete(*, group, by):
    """Delete a group and its memberships; the groups below move up to close the gap."""
    with transaction.atomic():
        organisation = _lock_organisation(group.organisation)
        group = UserGroup.objects.select_for_update().get(pk=group.pk)
        before = snapshot(group)
        audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=group, organisation=organisation, changes=diff(before, {}))
        group.delete()  # memberships cascade
        order = _current_order(organisation)
        _renumber(organisation, order)


def usergroup_move(*, group, direction, by):
    """Swap the group with its neighbour above ("up", towards priority 1) or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Unknown direction."), code="invalid")
    with transaction.atomic():
        organisation = _lock_organisation(group.organisation)
        order = _current_order(organisation)
        if group.pk not in order:
            raise ValidationError(_("The group no longer exists."), code="missing")
        index = order.index(group.pk)
        target = index - 1 if direction == "up" else index + 1
        if target < 0 or target >= len(order):
            return UserGroup.objects.get(pk=group.pk)
        before = dict(UserGroup.objects.filter(pk__in=order).values_list("pk", "priority"))
        order[index], order[target] = order[target], order[index]
        _renumber(organisation, order)
        _audit_priorities(organisation, before, by)
    return UserGroup.objects.get(pk=group.pk)


def usergroup_set_order(*, organisation, group_ids, by):
    """Set the whole order at once: `group_ids` must list every group of the organisation exactly once."""
    with transaction.atomic():
        organisation = _lock_organisation(organisation)
        current = _current_order(organisation)
        try:
            wanted = [int(pk) for pk in group_ids]
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("The order must list every group of the organisation exactly once."), code="invalid") from exc
        if len(wanted) != len(set(wanted)) or set(wanted) != set(current):
            raise ValidationError(_("The order must list every group of the organisation exactly once."), code="invalid")
        if wanted == current:
            return
        before = dict(UserGroup.objects.filter(pk__in=current).values_list("pk", "priority"))
        _renumber(organisation, wanted)
        _audit_priorities(organisation, before, by)


def _audit_priorities(organisation, before, by):
    for group in UserGroup.objects.filter(organisation=organisation, pk__in=before):
        if before[group.pk] != group.priority:
            audit_record(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                obj=group,
                organisation=organisation,
                changes={"priority": [str(before[group.pk]), str(group.priority)]},
            )
