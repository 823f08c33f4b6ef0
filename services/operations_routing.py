"""Writes for call routing (SVC-11..SVC-13): rule sets, the "Rækkefølge", rules and their order.

Every write is keyword-only, atomic, audited, and raises ValidationError with nothing written.
Rule payloads are plain lists of dicts (what services.forms_routing cleans); errors about one
condition or action are keyed `condition_<i>_<field>` / `action_<i>_<field>` (i = its position).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from connect.lib.audit import audit_record
from customers.models import AuditEntry, GroupMembership
from services.definitions import ADVANCED
from services.models import RoutingAction, RoutingCondition, RoutingRule, RoutingRuleSet
from services.models_routing import (
    MAX_DELAY,
    MAX_RULES_PER_LIST,
    RULE_BASED_EXTRA_DESTINATIONS,
    ActionKind,
    ConditionKind,
    Destination,
    Presented,
    RuleList,
    Tier,
    Trigger,
)
from services.queries_routing import allowed_destinations
from services.resolver import resolve_scope, resolve_user
from services.scopes import Scope

REFERENCE_FIELD = {
    ConditionKind.ACTIVITY: "activity",
    ConditionKind.ROLE: "role",
    ConditionKind.NUMBER_TYPE: "classification",
}
PREFIX_KINDS = (ConditionKind.CALLER_PREFIX, ConditionKind.NUMBER_PREFIX)
VALUE_CHOICES = {
    ConditionKind.AVAILABILITY: ("available", "busy"),
    ConditionKind.CALLER: ("internal", "external"),
}


def _audit(*, by, action, obj, organisation, changes):
    audit_record(actor=by, action=action, obj=obj, organisation=organisation, changes=changes)


def rule_set_get_or_create(*, organisation, by, group=None, user=None, rule_based_number=None):
    """The owner's rule set; a new organisation or group set goes last in the "Rækkefølge"."""
    for owner in (group, user, rule_based_number):
        if owner is not None and owner.organisation_id != organisation.pk:
            raise ValidationError(_("Choose from your own organisation."), code="organisation")
    with transaction.atomic():
        rule_set = (
            RoutingRuleSet.objects.select_for_update()
            .filter(
                organisation=organisation,
                group=group,
                user=user,
                rule_based_number=rule_based_number,
            )
            .first()
        )
        if rule_set is not None:
            return rule_set
        position = None
        if user is None and rule_based_number is None:
            last = (
                RoutingRuleSet.objects.filter(organisation=organisation)
                .ordered_tiers()
                .aggregate(m=Max("position"))["m"]
            )
            position = (last or 0) + 1
        rule_set = RoutingRuleSet.objects.create(
            organisation=organisation,
            group=group,
            user=user,
            rule_based_number=rule_based_number,
            position=position,
        )
        _audit(
            by=by,
            action=AuditEntry.Action.CREATE,
            obj=rule_set,
            organisation=organisation,
            changes={"position": [None, position]},
        )
        return rule_set


def rule_set_move(*, rule_set, direction, by):
    """▲/▼ in the "Rækkefølge" of the organisation and the groups."""
    if direction not in ("up", "down") or not rule_set.has_tiers:
        raise ValidationError(_("Choose up or down."), code="direction")
    with transaction.atomic():
        rows = list(
            RoutingRuleSet.objects.select_for_update()
            .filter(organisation_id=rule_set.organisation_id)
            .ordered_tiers()
        )
        index = next(i for i, row in enumerate(rows) if row.pk == rule_set.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(rows):
            raise ValidationError(
                _("“%(name)s” cannot move further.") % {"name": rule_set}, code="edge"
            )
        rows[index], rows[other] = rows[other], rows[index]
        _renumber(rows, "position", start=1)
        _audit(
            by=by,
            action=AuditEntry.Action.UPDATE,
            obj=rule_set,
            organisation=rule_set.organisation,
            changes={"moved": direction},
        )


def _renumber(rows, field, start=0):
    changed = []
    for number, row in enumerate(rows, start=start):
        if getattr(row, field) != number:
            setattr(row, field, number)
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, [field])


def destinations_for(rule_set):
    """Destinations a rule of `rule_set` may use: SVC-12 united over the organisation and the
    owner's groups; a rule-based number also any function number, user or phone number."""
    organisation = rule_set.organisation
    if rule_set.group_id:
        groups = [rule_set.group_id]
    elif rule_set.user_id:
        groups = list(
            GroupMembership.objects.filter(user_id=rule_set.user_id).values_list(
                "group_id", flat=True
            )
        )
    else:
        groups = []
    allowed = allowed_destinations(organisation, groups)
    if rule_set.rule_based_number_id:
        allowed |= set(RULE_BASED_EXTRA_DESTINATIONS)
    return {Destination(d) for d in allowed}


def anonymous_allowed(rule_set):
    """SVC-2 field 4 ("anonyme opkald") for the owner of `rule_set`."""
    if rule_set.user_id:
        return bool(
            resolve_user(ADVANCED, rule_set.user, organisation=rule_set.organisation)[
                "anonymous_calls_allowed"
            ].value
        )
    scope = Scope(rule_set.organisation, group=rule_set.group)
    return bool(resolve_scope(ADVANCED, scope).effective["anonymous_calls_allowed"].value)


def _check_placement(rule_set, rule_list, tier, trigger):
    errors = {}
    if rule_list not in rule_set.lists:
        errors["rule_list"] = _("This list does not exist here.")
    allowed_tiers = (Tier.REQUIRED, Tier.OVERRIDABLE) if rule_set.has_tiers else (Tier.OWN,)
    if tier not in allowed_tiers:
        errors["tier"] = _(
            "Choose required or overridable for the organisation and groups; users and rule-based numbers have their own rules only."
        )
    expected = {RuleList.INCOMING: Trigger.RECEIVED, RuleList.OUTGOING: Trigger.MADE}.get(rule_list)
    if (
        trigger not in Trigger.values
        or (expected and trigger != expected)
        or (rule_set.owner_kind == "number" and trigger != Trigger.RECEIVED)
    ):
        errors["trigger"] = _("This trigger does not belong in this list.")
    return errors


def _check_conditions(rule_set, trigger, conditions):
    errors = {}
    organisation_id = rule_set.organisation_id
    for i, c in enumerate(conditions):
        kind = c.get("kind")
        key = f"condition_{i}_"
        if kind not in ConditionKind.values:
            errors[key + "kind"] = _("Choose a condition.")
            continue
        if (
            kind in (ConditionKind.NUMBER_TYPE, ConditionKind.NUMBER_PREFIX)
            and trigger != Trigger.MADE
        ):
            errors[key + "kind"] = _(
                "The number type and the dialled number can only be asked about when a call is made."
            )
        field = REFERENCE_FIELD.get(kind)
        if field:
            ref = c.get(field)
            if ref is None:
                errors[key + field] = _("Choose one.")
            elif ref.organisation_id != organisation_id:
                errors[key + field] = _("Choose from your own organisation.")
        if kind in VALUE_CHOICES and c.get("value") not in VALUE_CHOICES[kind]:
            errors[key + "value"] = _("Choose one of the values offered.")
        if kind in PREFIX_KINDS:
            from customers.numbertypes import prefix_clean

            try:
                c["value"] = prefix_clean(c.get("value"))
            except ValidationError as exc:
                errors[key + "value"] = exc.messages[0]
    return errors


def _check_actions(rule_set, trigger, actions):
    errors = {}
    if not actions:
        errors["action_0_kind"] = _(
            "Add at least one action: a destination, a busy tone, a block or a presented number."
        )
        return errors
    allowed = destinations_for(rule_set)
    kinds = {a.get("kind") for a in actions}
    if kinds & {ActionKind.BUSY, ActionKind.BLOCK} and len(actions) > 1:
        errors["action_0_kind"] = _("Rejecting or blocking a call is the rule's only action.")
    if kinds & {ActionKind.BLOCK, ActionKind.PRESENT} and trigger != Trigger.MADE:
        errors["action_0_kind"] = _(
            "Blocking and presenting a number apply to calls that are made."
        )
    if ActionKind.ROUTE in kinds and trigger == Trigger.MADE:
        errors["action_0_kind"] = _(
            "Calls that are made are not routed to destinations; choose block or present number."
        )
    organisation_id = rule_set.organisation_id
    for i, a in enumerate(actions):
        key = f"action_{i}_"
        kind = a.get("kind")
        if kind not in ActionKind.values:
            errors[key + "kind"] = _("Choose an action.")
            continue
        if kind == ActionKind.ROUTE:
            destination = a.get("destination")
            if destination not in Destination.values or Destination(destination) not in allowed:
                errors[key + "destination"] = _(
                    "This destination is not allowed here (Allowed destinations)."
                )
            delay = a.get("delay")
            if delay is None or not 0 <= delay <= MAX_DELAY:
                errors[key + "delay"] = _("Enter a delay from 0 to %(max)d seconds.") % {
                    "max": MAX_DELAY
                }
            if destination == Destination.OTHER_NUMBER and not a.get("number"):
                errors[key + "number"] = _("Enter the number.")
            if destination == Destination.USER:
                target = a.get("target_user")
                if target is None or target.organisation_id != organisation_id:
                    errors[key + "target_user"] = _("Choose a user of your organisation.")
            if destination == Destination.FUNCTION_NUMBER:
                target = a.get("target_function_number")
                if target is None or target.organisation_id != organisation_id:
                    errors[key + "target_function_number"] = _(
                        "Choose a function number of your organisation."
                    )
        if kind == ActionKind.PRESENT:
            presented = a.get("presented")
            if presented not in Presented.values:
                errors[key + "presented"] = _("Choose the number to present.")
            elif presented == Presented.ANONYMOUS and not anonymous_allowed(rule_set):
                errors[key + "presented"] = _(
                    "Anonymous calls are not allowed here: set “anonymous calls” to Yes under Advanced settings first."
                )
    return errors


def routing_rule_save(*, rule_set, by, rule=None, rule_list, tier, trigger, conditions, actions):
    """Create (rule None, appended to its list) or replace a rule: its placement, its AND-ed
    conditions and its actions, validated as a whole."""
    conditions = [dict(c) for c in conditions]
    actions = [dict(a) for a in actions]
    errors = _check_placement(rule_set, rule_list, tier, trigger)
    errors.update(_check_conditions(rule_set, trigger, conditions))
    errors.update(_check_actions(rule_set, trigger, actions))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        RoutingRuleSet.objects.select_for_update().get(pk=rule_set.pk)
        siblings = RoutingRule.objects.filter(rule_set=rule_set, rule_list=rule_list, tier=tier)
        if rule is None or (rule.rule_list, rule.tier) != (rule_list, tier):
            if siblings.count() >= MAX_RULES_PER_LIST:
                raise ValidationError(
                    _("A list holds at most %(max)d rules.") % {"max": MAX_RULES_PER_LIST},
                    code="limit",
                )
        action = AuditEntry.Action.CREATE if rule is None else AuditEntry.Action.UPDATE
        if rule is None or (rule.rule_list, rule.tier) != (rule_list, tier):
            last = siblings.aggregate(m=Max("position"))["m"]
            position = 0 if last is None else last + 1
        else:
            position = rule.position
        if rule is None:
            rule = RoutingRule(rule_set=rule_set)
        elif rule.rule_set_id != rule_set.pk:
            raise ValidationError(_("This rule belongs to another rule set."), code="scope")
        rule.rule_list, rule.tier, rule.trigger, rule.position = rule_list, tier, trigger, position
        rule.save()
        rule.conditions.all().delete()
        rule.actions.all().delete()
        RoutingCondition.objects.bulk_create(
            RoutingCondition(
                rule=rule,
                kind=c["kind"],
                expected=c.get("expected", True),
                activity=c.get("activity") if c["kind"] == ConditionKind.ACTIVITY else None,
                role=c.get("role") if c["kind"] == ConditionKind.ROLE else None,
                classification=c.get("classification")
                if c["kind"] == ConditionKind.NUMBER_TYPE
                else None,
                value=(c.get("value") or "")
                if c["kind"] in (*VALUE_CHOICES, *PREFIX_KINDS)
                else "",
                position=i,
            )
            for i, c in enumerate(conditions)
        )
        RoutingAction.objects.bulk_create(
            RoutingAction(
                rule=rule,
                kind=a["kind"],
                destination=(a.get("destination") or "") if a["kind"] == ActionKind.ROUTE else "",
                delay=(a.get("delay") or 0) if a["kind"] == ActionKind.ROUTE else 0,
                number=(a.get("number") or "")
                if a.get("destination") == Destination.OTHER_NUMBER
                else "",
                target_user=a.get("target_user")
                if a.get("destination") == Destination.USER
                else None,
                target_function_number=a.get("target_function_number")
                if a.get("destination") == Destination.FUNCTION_NUMBER
                else None,
                presented=(a.get("presented") or "") if a["kind"] == ActionKind.PRESENT else "",
                position=i,
            )
            for i, a in enumerate(actions)
        )
        _audit(
            by=by,
            action=action,
            obj=rule,
            organisation=rule_set.organisation,
            changes={
                "list": rule_list,
                "tier": tier,
                "conditions": len(conditions),
                "actions": len(actions),
            },
        )
        return rule


def routing_rule_delete(*, rule, by):
    with transaction.atomic():
        rule_set = rule.rule_set
        _audit(
            by=by,
            action=AuditEntry.Action.DELETE,
            obj=rule,
            organisation=rule_set.organisation,
            changes={"list": rule.rule_list},
        )
        rule.delete()
        _renumber(
            list(
                RoutingRule.objects.filter(
                    rule_set=rule_set, rule_list=rule.rule_list, tier=rule.tier
                ).order_by("position", "pk")
            ),
            "position",
        )


def routing_rule_move(*, rule_set, rule_id, direction, by):
    """▲/▼ of one rule within its list; a rule of another rule set is refused."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."), code="direction")
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().filter(pk=rule_id, rule_set=rule_set).first()
        if rule is None:
            raise ValidationError(_("This rule is not in this rule set."), code="scope")
        rows = list(
            RoutingRule.objects.select_for_update()
            .filter(rule_set=rule_set, rule_list=rule.rule_list, tier=rule.tier)
            .order_by("position", "pk")
        )
        index = next(i for i, row in enumerate(rows) if row.pk == rule.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(rows):
            raise ValidationError(_("The rule cannot move further."), code="edge")
        rows[index], rows[other] = rows[other], rows[index]
        _renumber(rows, "position")
        _audit(
            by=by,
            action=AuditEntry.Action.UPDATE,
            obj=rule,
            organisation=rule_set.organisation,
            changes={"moved": direction},
        )
    return rule


def routing_rules_copy(*, source_user, target_user, by):
    """USR-15 "Opret ny bruger baseret på denne bruger": the new user gets copies of the source
    user's own rules (conditions and actions included)."""
    source = RoutingRuleSet.objects.filter(user=source_user).first()
    if source is None:
        return None
    with transaction.atomic():
        target = rule_set_get_or_create(
            organisation=target_user.organisation, user=target_user, by=by
        )
        for rule in source.rules.prefetch_related("conditions", "actions").order_by(
            "rule_list", "position", "pk"
        ):
            conditions = list(rule.conditions.all())
            actions = list(rule.actions.all())
            rule.pk, rule.id, rule.rule_set = None, None, target
            rule._state.adding = True
            rule.save()
            for row in conditions + actions:
                row.pk, row.id, row.rule = None, None, rule
                row._state.adding = True
            RoutingCondition.objects.bulk_create(conditions)
            RoutingAction.objects.bulk_create(actions)
        _audit(
            by=by,
            action=AuditEntry.Action.UPDATE,
            obj=target,
            organisation=target.organisation,
            changes={"copied_from": source_user.username},
        )
    return target
