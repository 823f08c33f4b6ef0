"""Number type classifications (ORG-6) and blocking groups (ORG-10).

Prefixes are checked by customers.numbertypes.prefix_clean; duplicates are ignored. A
classification used by a blocking group (or anything else, connect.lib.references) is not deleted.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.references import refuse_delete_if_referenced
from customers.models import AuditEntry, BlockingGroup, ClassificationPrefix, NumberClassification
from customers.numbertypes import prefix_clean
from customers.operations.naming import check_unique_name, clean_text, delete_unreferenced


def prefixes_clean(raw_prefixes, *, field="prefixes"):
    """Checked, normalised, de-duplicated prefixes in input order; every bad one is reported."""
    cleaned, errors = [], []
    for raw in raw_prefixes or []:
        if not str(raw or "").strip():
            continue
        try:
            cleaned.append(prefix_clean(raw))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({field: errors}, code="invalid")
    return list(dict.fromkeys(cleaned))


def _classification_snapshot(classification):
    data = snapshot(classification)
    data["prefixes"] = sorted(classification.prefixes.values_list("prefix", flat=True)) if classification.pk else []
    return data


def _set_prefixes(classification, prefixes, *, replace):
    existing = set(classification.prefixes.values_list("prefix", flat=True))
    wanted = set(prefixes)
    if replace:
        classification.prefixes.exclude(prefix__in=wanted).delete()
    ClassificationPrefix.objects.bulk_create(
        [ClassificationPrefix(classification=classification, prefix=p) for p in prefixes if p not in existing],
        batch_size=2000,
    )


def _save_named(instance):
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError({"name": _("The name “%(name)s” is already used.") % {"name": instance.name}}) from exc


def classification_create(*, organisation, name, prefixes=(), by):
    """Add a classification with its prefixes (ORG-6 "Ny nummertypeklassifikation")."""
    with transaction.atomic():
        classification = NumberClassification(organisation=organisation)
        classification.name = clean_text(NumberClassification, "name", name, required=True)
        check_unique_name(classification)
        cleaned = prefixes_clean(prefixes)
        _save_named(classification)
        _set_prefixes(classification, cleaned, replace=True)
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=classification, changes=diff({}, _classification_snapshot(classification)))
    return classification


def classification_update(*, classification, by, name=None, prefixes=None, add_prefixes=None):
    """Rename, replace the prefix list (`prefixes`) or append to it (`add_prefixes`)."""
    with transaction.atomic():
        classification = NumberClassification.objects.select_for_update().get(pk=classification.pk)
        before = _classification_snapshot(classification)
        if name is not None:
            classification.name = clean_text(NumberClassification, "name", name, required=True)
            check_unique_name(classification)
            _save_named(classification)
        if prefixes is not None:
            _set_prefixes(classification, prefixes_clean(prefixes), replace=True)
        if add_prefixes is not None:
            _set_prefixes(classification, prefixes_clean(add_prefixes), replace=False)
        changes = diff(before, _classification_snapshot(classification))
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=classification, changes=changes)
    return classification


def classification_delete(*, classification, by):
    """Delete a classification that no blocking group or rule uses."""
    with transaction.atomic():
        classification = NumberClassification.objects.select_for_update().get(pk=classification.pk)
        refuse_delete_if_referenced(classification)
        audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=classification, changes=diff(_classification_snapshot(classification), {}))
        classification.delete()


BLOCKING_GROUP_FIELDS = ("name", "classifications", "extra_prefixes")


def _blockinggroup_apply(group, fields):
    if "name" in fields or group.pk is None:
        group.name = clean_text(BlockingGroup, "name", fields.get("name"), required=True)
        check_unique_name(group)
    if "extra_prefixes" in fields:
        group.extra_prefixes = prefixes_clean(fields["extra_prefixes"], field="extra_prefixes")
    classifications = None
    if "classifications" in fields:
        classifications = list(fields["classifications"] or [])
        own = set(NumberClassification.objects.for_organisation(group.organisation).values_list("pk", flat=True))
        if any(c.pk not in own for c in classifications):
            raise ValidationError({"classifications": _("Select a valid choice.")}, code="invalid_choice")
    _save_named(group)
    if classifications is not None:
        group.classifications.set(classifications)
    return group


def blockinggroup_create(*, organisation, by, **fields):
    """Add a blocking group (ORG-10): name, classifications, extra prefixes."""
    unknown = set(fields) - set(BLOCKING_GROUP_FIELDS)
    if unknown:
        raise TypeError(f"blockinggroup_create() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        group = _blockinggroup_apply(BlockingGroup(organisation=organisation), fields)
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=group, changes=diff({}, snapshot(group)))
    return group


def blockinggroup_update(*, group, by, **fields):
    unknown = set(fields) - set(BLOCKING_GROUP_FIELDS)
    if unknown:
        raise TypeError(f"blockinggroup_update() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        group = BlockingGroup.objects.select_for_update().get(pk=group.pk)
        before = snapshot(group)
        group = _blockinggroup_apply(group, fields)
        changes = diff(before, snapshot(group))
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=group, changes=changes)
    return group


def blockinggroup_delete(*, group, by):
    """Delete a blocking group that no function number uses."""
    delete_unreferenced(group, by=by)
