"""Reads for call routing (SVC-11..SVC-13): rule sets as plain data for services.routing, users'
effective rule lists in bulk (a constant number of queries), the allowed destinations (SVC-12)
and one simulation.

Rule-based numbers are reached only through their id and the rule set's foreign key (declared by
model string), so services never imports functionnumbers.
"""

from itertools import chain

from django.db.models import Q
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


def load_rule_sets(rule_sets, names=None, direction=None):
    """{set id: routing.RuleSet} for the RoutingRuleSet rows `rule_sets` (a list of rows, or a
    queryset of them with `names` {set id: source name}): three queries (rules, conditions,
    actions) whatever the number of sets and rules; plain rows, no model instances. With
    `direction`, only the rules a call in that direction can reach (its list and its fallback)."""
    if names is None:
        names = {row.pk: set_source_name(row) for row in rule_sets}
        rule_sets = list(names)
    else:
        rule_sets = rule_sets.values("pk")
    reach = Q()
    if direction is not None:
        trigger = routing.TRIGGER_OF[direction]
        reach = Q(rule_list=direction) | Q(rule_list=routing.FALLBACK, trigger=trigger)
    rules = list(
        RoutingRule.objects.filter(reach, rule_set__in=rule_sets)
        .order_by("rule_set_id", "rule_list", "tier", "position", "pk")
        .values_list("pk", "rule_set_id", "rule_list", "tier", "trigger")
    )
    conditions, actions = {}, {}
    if rules:
        for rule_id, kind, expected, activity, role, classification, value, *labels in (
            RoutingCondition.objects.filter(_on_rule(reach), rule__rule_set__in=rule_sets)
            .order_by("rule_id", "position", "pk")
            .values_list(
                "rule_id",
                "kind",
                "expected",
                "activity_id",
                "role_id",
                "classification_id",
                "value",
                "activity__name",
                "role__name",
                "classification__name",
            )
        ):
            ref = activity or role or classification
            label = next((name for name in labels if name), "")
            conditions.setdefault(rule_id, []).append(
                routing.Condition(kind, expected, ref, value, label)
            )
        for (
            rule_id,
            kind,
            destination,
            delay,
            number,
            presented,
            user,
            function,
            username,
            fn_name,
            fn_number,
        ) in (
            RoutingAction.objects.filter(_on_rule(reach), rule__rule_set__in=rule_sets)
            .order_by("rule_id", "position", "pk")
            .values_list(
                "rule_id",
                "kind",
                "destination",
                "delay",
                "number",
                "presented",
                "target_user_id",
                "target_function_number_id",
                "target_user__username",
                "target_function_number__name",
                "target_function_number__number__number",
            )
        ):
            if user:
                label = username
            elif function:
                label = f"{fn_name} ({fn_number})" if fn_name else fn_number  # FunctionNumber.label
            else:
                label = ""
            actions.setdefault(rule_id, []).append(
                routing.Action(kind, destination, delay, number, presented, user or function, label)
            )
    grouped = {pk: {} for pk in names}
    for pk, set_id, rule_list, tier, trigger in rules:
        if set_id not in grouped:
            continue
        item = routing.Rule(
            id=pk,
            trigger=trigger,
            conditions=tuple(conditions.get(pk, ())),
            actions=tuple(actions.get(pk, ())),
            tier=tier,
            rule_list=rule_list,
            source=names[set_id],
        )
        grouped[set_id].setdefault((rule_list, tier), []).append(item)
    return {
        pk: routing.RuleSet(names[pk], {key: tuple(v) for key, v in grouped[pk].items()})
        for pk in names
    }


def _on_rule(q):
    """The Q `q` about a rule, asked from its conditions or actions."""
    moved = Q()
    moved.connector, moved.negated = q.connector, q.negated
    moved.children = [
        _on_rule(child) if isinstance(child, Q) else (f"rule__{child[0]}", child[1])
        for child in q.children
    ]
    return moved


def ordered_tier_sets(organisation):
    """The organisation's and groups' rule sets in "Rækkefølge" order (the table of section 1)."""
    return list(
        RoutingRuleSet.objects.for_organisation(organisation)
        .ordered_tiers()
        .select_related("group")
    )


BULK = 500  # from this many users on, read the whole organisation instead of long IN lists


def effective_rule_lists(organisation, users, direction):
    """{user id: (routing.Rule, ...)} for `users` of `organisation`: six queries for any number of
    users (memberships, sets, rules, conditions, actions)."""
    user_ids = [u.pk if hasattr(u, "pk") else u for u in users]
    wanted = set(user_ids)
    many = len(user_ids) >= BULK
    memberships = GroupMembership.objects.for_organisation(organisation)
    if not many:
        memberships = memberships.filter(user_id__in=user_ids)
    groups_of = {}
    for user_id, group_id in memberships.values_list("user_id", "group_id"):
        groups_of.setdefault(user_id, set()).add(group_id)
    needed_groups = set().union(*groups_of.values()) if groups_of else set()
    sets = RoutingRuleSet.objects.for_organisation(organisation).filter(
        rule_based_number__isnull=True
    )
    if not many:
        sets = sets.filter(
            Q(group__isnull=True, user__isnull=True)
            | Q(group__in=needed_groups)
            | Q(user__in=user_ids)
        )
    rows = list(
        sets.order_by("position", "pk").values_list(
            "pk", "group_id", "user_id", "position", "group__name", "user__username"
        )
    )
    tier_rows, own_of_set = [], {}
    names = {}
    for pk, group_id, user_id, _position, group_name, username in rows:
        if user_id is not None:
            if user_id in wanted:
                own_of_set[pk] = user_id
                names[pk] = username
        else:
            tier_rows.append((pk, group_id))
            names[pk] = group_name if group_id else _("Organisation")
    data = load_rule_sets(sets, names, direction)
    own_of = {user_id: data[pk] for pk, user_id in own_of_set.items()}
    tiered_parts = (
        (direction, routing.REQUIRED),
        (direction, routing.OVERRIDABLE),
        (routing.FALLBACK, routing.REQUIRED),
        (routing.FALLBACK, routing.OVERRIDABLE),
    )
    own_parts = ((direction, routing.OWN), (routing.FALLBACK, routing.OWN))
    per_set = {pk: _split(data[pk], direction, tiered_parts) for pk, _g in tier_rows}
    per_own = {
        user_id: _split(rule_set, direction, own_parts) for user_id, rule_set in own_of.items()
    }
    empty = ((), ())
    cache = {}
    result = {}
    for user_id in user_ids:
        groups = frozenset(groups_of.get(user_id, ()))
        parts = cache.get(groups)
        if parts is None:
            chosen = [
                per_set[pk] for pk, group_id in tier_rows if group_id is None or group_id in groups
            ]
            parts = cache[groups] = tuple(
                tuple(chain.from_iterable(p[index] for p in chosen)) for index in range(4)
            )
        own_main, own_fallback = per_own.get(user_id, empty)
        required, overridable, required_fb, overridable_fb = parts
        result[user_id] = (
            required + own_main + overridable + required_fb + own_fallback + overridable_fb
        )
    return result


def _split(rule_set, direction, parts):
    """routing.effective_rule_list in pieces: the rules of `rule_set` for each (list, tier) of
    `parts` whose trigger fits `direction`, so a user's list is a few tuple concatenations."""
    trigger = routing.TRIGGER_OF[direction]
    return tuple(
        tuple(r for r in rule_set.get(rule_list, tier) if r.trigger == trigger)
        for rule_list, tier in parts
    )


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
