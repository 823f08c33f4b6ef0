"""Writes of SVC-19 presence synchronization (keyword-only, atomic, audited)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from connect.lib.audit import audit_record, diff
from connect.lib.validators import validate_clean_text
from customers.models import Activity, AuditEntry, CalendarConnector, Role
from services.models_presence import PresenceExclusion, PresenceMapping, PresencePolicy
from services.presence_sync import RuleType, clean_match


def _rule_text(rule):
    return f"{dict(RuleType.choices).get(rule.type, rule.type)} “{rule.match}”"


def _mapping_text(mapping):
    activity = mapping.activity.name if mapping.activity_id else "-"
    role = mapping.role.name if mapping.role_id else "Do Not Change"
    return f"{_rule_text(mapping)} → {activity} / {role}"


def _policy_snapshot(policy):
    if policy is None:
        return {}
    mappings = policy.mappings.select_related("activity", "role").order_by("position")
    return {
        "mappings": [f"{m.position + 1}. {_mapping_text(m)}" for m in mappings],
        "exclusions": [_rule_text(e) for e in policy.exclusions.order_by("position")],
    }


def _clean_rule(row, prefix, index, errors):
    rule_type, match = row.get("type"), row.get("match")
    try:
        match = clean_match(rule_type, match)
        validate_clean_text(match)
    except ValidationError as exc:
        errors[f"{prefix}-{index}-match"] = exc.messages
    return rule_type, match


def _clean_state(model, value, organisation, key, errors):
    if value in (None, ""):
        return None
    if not isinstance(value, model) or value.organisation_id != organisation.pk:
        errors[key] = [_("Select a valid choice.")]
        return None
    return value


def presence_policy_save(*, connector, mappings, exclusions, by):
    """Replace the rules of `connector` (SVC-19) in one transaction with one audit entry.

    `mappings`: [{type, match, activity (Activity | None), role (Role | None)}] top-down;
    `exclusions`: [{type, match}]. Activities and roles must be the connector's organisation's;
    each mapping needs an activity unless it sets a role. Raises ValidationError keyed
    "mappings-<n>-<field>" / "exclusions-<n>-<field>" and writes nothing when a row is bad.
    No rules left: the policy row is removed (the connector stays deletable).
    Returns the policy, or None when it has no rules."""
    if not isinstance(connector, CalendarConnector) or connector.pk is None:
        raise TypeError("connector must be a saved CalendarConnector")
    organisation = connector.organisation
    errors, clean_mappings, clean_exclusions = {}, [], []
    for index, row in enumerate(mappings):
        rule_type, match = _clean_rule(row, "mappings", index, errors)
        activity = _clean_state(
            Activity, row.get("activity"), organisation, f"mappings-{index}-activity", errors
        )
        role = _clean_state(Role, row.get("role"), organisation, f"mappings-{index}-role", errors)
        if activity is None and role is None and f"mappings-{index}-activity" not in errors:
            errors[f"mappings-{index}-activity"] = [
                _("Choose an activity, or a role other than “Do Not Change”.")
            ]
        clean_mappings.append(
            {"type": rule_type, "match": match, "activity": activity, "role": role}
        )
    for index, row in enumerate(exclusions):
        rule_type, match = _clean_rule(row, "exclusions", index, errors)
        clean_exclusions.append({"type": rule_type, "match": match})
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Lock the connector: two saves of the same rules run one after the other.
        CalendarConnector.objects.select_for_update().get(pk=connector.pk)
        policy = PresencePolicy.objects.filter(connector=connector).first()
        before = _policy_snapshot(policy)
        if not clean_mappings and not clean_exclusions:
            if policy is not None:
                audit_record(
                    actor=by,
                    action=AuditEntry.Action.DELETE,
                    obj=policy,
                    organisation=organisation,
                    changes=diff(before, {}),
                )
                policy.delete()
            return None
        created = policy is None
        if created:
            policy = PresencePolicy.objects.create(organisation=organisation, connector=connector)
        else:
            policy.mappings.all().delete()
            policy.exclusions.all().delete()
            policy.save(update_fields=["updated_at"])
        PresenceMapping.objects.bulk_create(
            PresenceMapping(policy=policy, position=n, **row)
            for n, row in enumerate(clean_mappings)
        )
        PresenceExclusion.objects.bulk_create(
            PresenceExclusion(policy=policy, position=n, **row)
            for n, row in enumerate(clean_exclusions)
        )
        changes = diff(before, _policy_snapshot(policy))
        if created or changes:
            audit_record(
                actor=by,
                action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                obj=policy,
                organisation=organisation,
                changes=changes,
            )
    return policy
