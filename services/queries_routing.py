"""Reads for call routing (SVC-11..SVC-13): rule sets as plain data for services.routing, users'
effective rule lists in bulk (a constant number of queries), the allowed destinations (SVC-12)
and one simulation.

Rule-based numbers are reached only through their id and the rule set's foreign key (declared by
model string), so services never imports functionnumbers.
"""

from django.utils.translation import gettext as _

from customers.models import GroupMembership
from customers.queries_numbertypes import organisation_classification_table
from services import routing
from services.definitions import WORKING_HOURS
from services.models import (
    AllowedDestinationSettings,
    RoutingAction,
    RoutingCondition,
    RoutingRule,
    RoutingRuleSet,
)
from services.models_routing import ALLOWED_DESTINATIONS
from services.resolver import resolve_scope, resolve_user
from services.scopes import Scope
from services.working_hours import from_json


def set_source_name(row):
    """The name a rule set is shown under: "Organisation", the group, the user or the number."""
    if row.group_id:
        return row.group.name
    if row.user_id:
        return row.user.username
    if row.rule_based_number_id:
        return str(row.rule_based_number)
    return _("Organisation")


def load_rule_sets(rule_sets):
    """{set id: routing.RuleSet} for the RoutingRuleSet rows `rule_sets` (a queryset or list):
    three queries (rules, conditions, actions) whatever the number of sets and rules."""
    rows = {row.pk: row for row in rule_sets}
    rules = list(
        RoutingRule.objects.filter(rule_set_id__in=rows).order_by(
            "rule_set_id", "rule_list", "tier", "position", "pk"
        )
    )
    conditions, actions = {}, {}
    if rules:
        rule_ids = [rule.pk for rule in rules]
        for c in (
            RoutingCondition.objects.filter(rule_id__in=rule_ids)
            .select_related("activity", "role", "classification")
            .order_by("rule_id", "position", "pk")
        ):
            ref = c.activity_id or c.role_id or c.classification_id
            label = str(c.activity or c.role or c.classification or "")
            conditions.setdefault(c.rule_id, []).append(
                routing.Condition(c.kind, c.expected, ref, c.value, label)
            )
        for a in (
            RoutingAction.objects.filter(rule_id__in=rule_ids)
            .select_related("target_user", "target_function_number__number")
            .order_by("rule_id", "position", "pk")
        ):
            target = a.target_user_id or a.target_function_number_id
            if a.target_user_id:
                label = a.target_user.username
            elif a.target_function_number_id:
                label = a.target_function_number.label
            else:
                label = ""
            actions.setdefault(a.rule_id, []).append(
                routing.Action(a.kind, a.destination, a.delay, a.number, a.presented, target, label)
            )
    grouped = {pk: {} for pk in rows}
    for rule in rules:
        source = set_source_name(rows[rule.rule_set_id])
        item = routing.Rule(
            id=rule.pk,
            trigger=rule.trigger,
            conditions=tuple(conditions.get(rule.pk, ())),
            actions=tuple(actions.get(rule.pk, ())),
            tier=rule.tier,
            rule_list=rule.rule_list,
            source=source,
        )
        grouped[rule.rule_set_id].setdefault((rule.rule_list, rule.tier), []).append(item)
    return {
        pk: routing.RuleSet(set_source_name(row), {key: tuple(v) for key, v in grouped[pk].items()})
        for pk, row in rows.items()
    }


def ordered_tier_sets(organisation):
    """The organisation's and groups' rule sets in "Rækkefølge" order (the table of section 1)."""
    return list(
        RoutingRuleSet.objects.for_organisation(organisation)
        .ordered_tiers()
        .select_related("group")
    )


def effective_rule_lists(organisation, users, direction):
    """{user id: (routing.Rule, ...)} for `users` of `organisation`: six queries for any number of
    users (memberships, sets, rules, conditions, actions)."""
    user_ids = [u.pk if hasattr(u, "pk") else u for u in users]
    groups_of = {}
    for user_id, group_id in (
        GroupMembership.objects.for_organisation(organisation)
        .filter(user_id__in=user_ids)
        .values_list("user_id", "group_id")
    ):
        groups_of.setdefault(user_id, set()).add(group_id)
    tier_rows = ordered_tier_sets(organisation)
    own_rows = list(
        RoutingRuleSet.objects.for_organisation(organisation)
        .filter(user_id__in=user_ids)
        .select_related("user")
    )
    data = load_rule_sets(tier_rows + own_rows)
    own_of = {row.user_id: data[row.pk] for row in own_rows}
    cache = {}
    result = {}
    for user_id in user_ids:
        groups = frozenset(groups_of.get(user_id, ()))
        tiered = cache.get(groups)
        if tiered is None:
            tiered = cache[groups] = tuple(
                data[row.pk] for row in tier_rows if row.group_id is None or row.group_id in groups
            )
        result[user_id] = routing.effective_rule_list(tiered, own_of.get(user_id), direction)
    return result


def rule_based_number_rule_list(organisation, rule_based_number_id, direction=routing.INCOMING):
    """The rules of one rule-based number (SVC-13: its own incoming and fallback lists)."""
    row = (
        RoutingRuleSet.objects.for_organisation(organisation)
        .filter(rule_based_number_id=rule_based_number_id)
        .select_related("rule_based_number__number")
        .first()
    )
    if row is None:
        return ()
    return routing.effective_rule_list((), load_rule_sets([row])[row.pk], direction)


def allowed_destinations(organisation, group_ids=()):
    """SVC-12: the destinations ticked for the organisation or any of `group_ids` (SET-2). Until
    the organisation's list is saved every destination is allowed (the template's default)."""
    rows = list(
        AllowedDestinationSettings.objects.for_organisation(organisation)
        .filter(user__isnull=True)
        .values("group_id", *[str(d) for d in ALLOWED_DESTINATIONS])
    )
    if not any(row["group_id"] is None for row in rows):
        return set(ALLOWED_DESTINATIONS)
    wanted = set(group_ids)
    return {
        d
        for d in ALLOWED_DESTINATIONS
        for row in rows
        if (row["group_id"] is None or row["group_id"] in wanted) and row[str(d)]
    }


def working_hours_of(organisation, user=None):
    """The resolved working hours (SVC-1) of a user, or of the organisation."""
    if user is not None:
        value = resolve_user(WORKING_HOURS, user, organisation=organisation)["definition"].value
    else:
        value = resolve_scope(WORKING_HOURS, Scope(organisation)).effective["definition"].value
    return from_json(value)


def routing_simulate(
    organisation, *, direction, user=None, rule_based_number_id=None, at=None, **state
):
    """(rule list, Evaluation) of one call to or from `user` (or to a rule-based number): the
    same functions the telephone platform's export will use, with the user's working hours and
    the organisation's number types. `state`: number, caller_number, caller_internal, on_call,
    activity, role, availability (see routing.routing_call)."""
    if user is not None:
        rule_list = effective_rule_lists(organisation, [user], direction)[user.pk]
    else:
        rule_list = rule_based_number_rule_list(organisation, rule_based_number_id, direction)
    call = routing.routing_call(
        direction=direction,
        at=at,
        working_hours=working_hours_of(organisation, user) if at is not None else None,
        time_zone=organisation.time_zone,
        classification_table=organisation_classification_table(organisation),
        **state,
    )
    return rule_list, routing.routing_evaluate(rule_list, call)
