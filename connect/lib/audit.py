"""Audit trail (ARCHITECTURE.md invariant 7). Operations and the admin call `audit_record`."""

from django.contrib.contenttypes.models import ContentType
from django.db import models


def snapshot(obj, exclude=("password",)):
    """The concrete field values of `obj` as JSON-safe strings, for a before/after diff."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.name.endswith("_encrypted"):
            continue
        value = getattr(obj, field.attname)
        data[field.name] = None if value is None else str(value)
    for field in obj._meta.many_to_many:
        if obj.pk and field.name not in exclude:
            data[field.name] = sorted(str(o) for o in getattr(obj, field.name).all())
    return data


def diff(before, after):
    """{field: [old, new]} for the fields that changed."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _by(actor, organisation, via_support):
    """(actor or None, actor_name, via_support) of an entry by `actor` in `organisation`."""
    actor_obj = actor if getattr(actor, "pk", None) else None
    if via_support is None:
        via_support = bool(actor_obj and actor_obj.is_staff and getattr(actor_obj, "organisation_id", None) != getattr(organisation, "pk", None))
    return actor_obj, str(actor_obj) if actor_obj else "system", via_support


def audit_entry(*, actor, action, obj, organisation=None, changes=None, via_support=None, content_type=None):
    """The AuditEntry that `audit_record` writes, unsaved: for writers that save thousands at once
    (`AuditEntry.objects.bulk_create`). `content_type`: the object's, when the caller has it."""
    from customers.models import AuditEntry, Organisation

    if organisation is None:
        organisation = obj if isinstance(obj, Organisation) else getattr(obj, "organisation", None)
    if isinstance(organisation, models.Model) and organisation.pk is None:
        organisation = None
    actor_obj, actor_name, via_support = _by(actor, organisation, via_support)
    return AuditEntry(
        organisation=organisation,
        actor=actor_obj,
        actor_name=actor_name,
        via_support=via_support,
        action=action,
        content_type=content_type or ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=changes or {},
    )


AUDIT_COLUMNS = (
    "organisation",
    "actor",
    "actor_name",
    "via_support",
    "action",
    "content_type",
    "object_id",
    "object_repr",
    "changes",
    "at",
)


def audit_write_many(*, actor, action, organisation, entries, via_support=None):
    """Write many entries of one actor, action and organisation at once, without a model instance
    per entry (an import's tens of thousands): `entries` yields (content type id, object id,
    object repr, changes) with the content that audit_entry would give them. On PostgreSQL one
    COPY (JSON written as json.dumps writes it, as the model field does), elsewhere bulk_create.
    Inside the caller's transaction."""
    import json

    from django.db import connection
    from django.utils import timezone

    from customers.models import AuditEntry

    actor_obj, actor_name, via_support = _by(actor, organisation, via_support)
    org_id, actor_id, at = getattr(organisation, "pk", None), getattr(actor_obj, "pk", None), timezone.now()
    if connection.vendor != "postgresql":
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(organisation_id=org_id, actor_id=actor_id, actor_name=actor_name, via_support=via_support,
                           action=action, content_type_id=ct, object_id=str(pk), object_repr=str(text)[:255], changes=changes or {})
                for ct, pk, text, changes in entries
            ],
            batch_size=1000,
        )
        return
    from connect.lib.bulk import copy_rows

    common = (org_id, actor_id, actor_name, via_support, str(action))
    copy_rows(
        AuditEntry,
        AUDIT_COLUMNS,
        (common + (ct, str(pk), str(text)[:255], json.dumps(changes or {}), at) for ct, pk, text, changes in entries),
    )


def audit_record(*, actor, action, obj, organisation=None, changes=None, via_support=None):
    """Write one audit entry for `obj`. `action` is AuditEntry.Action (create/update/delete)."""
    entry = audit_entry(actor=actor, action=action, obj=obj, organisation=organisation, changes=changes, via_support=via_support)
    entry.save(force_insert=True)
    return entry


def history_for(obj):
    """The audit entries of one object, newest first."""
    from customers.models import AuditEntry

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
