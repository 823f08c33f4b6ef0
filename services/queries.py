"""Reads of the services app asked by other code: the permission services (FEATURES.md SET-4),
"is this user within working hours?" (SVC-1), the ring tones Snom phones get (SVC-17, read by
provisioning) and the directory fields users may edit (SVC-16).

"May user A do X to user T?" for SVC-3, SVC-4, SVC-10, SVC-14, SVC-15, SVC-20 and SVC-21: A may
iff A is a member of a group in T's effective group set (united over T's organisation, T's
groups and T, SET-2) of a field that grants X (services.definitions.PERMISSIONS). The group sets
come from the one resolver, so the answer is what the service pages show as effective.
"""

from django.db.models import Q, QuerySet

from connect.lib import numbers as numberlib
from customers.models import GroupMembership
from services.conversions import ORGANISATION_RANK, USER_RANK, Rule, RuleSet
from services.definitions import EDIT_DIRECTORY_FIELDS, PERMISSIONS, RING_TONES
from services.resolver import (
    LARGE,
    Source,
    load_memberships,
    organisation_source,
    resolve_many,
    resolve_scope,
    resolve_user,
    user_rows,
    users_with_any,
)
from services.scopes import USER, Scope
from services.working_hours import from_json, within_working_hours


def _grants(permission):
    try:
        grants = PERMISSIONS[permission]
    except KeyError:
        raise LookupError(f"Unknown permission: {permission}") from None
    by_slug = {}
    for service, f in grants:
        by_slug.setdefault(service.slug, []).append(f.name)
    return by_slug


def permitted_targets(actor, permission, targets):
    """Ids of the users among `targets` (a queryset or an iterable of users) to whom `actor` may
    do `permission` ("intrude", "see_status", ...; unknown names raise LookupError). Users of
    another organisation than the actor's never are. A constant number of queries (about six),
    whatever the number of targets."""
    grants = _grants(permission)
    if (
        actor is None
        or not actor.is_authenticated
        or not actor.is_active
        or actor.organisation_id is None
    ):
        return set()
    organisation_id = actor.organisation_id
    actor_groups = set(
        GroupMembership.objects.filter(
            user_id=actor.pk, group__organisation_id=organisation_id
        ).values_list("group_id", flat=True)
    )
    if not actor_groups:
        return set()
    if isinstance(targets, QuerySet):
        targets = targets.filter(organisation_id=organisation_id)
    else:
        targets = [t for t in targets if t.organisation_id == organisation_id]
        if not targets:
            return set()
    permitted = set()
    for slug, names in grants.items():
        permitted |= users_with_any(
            slug, names, actor_groups, targets, organisation_id=organisation_id
        )
    return permitted


def may_act_on(actor, permission, target):
    """May `actor` do `permission` to the user `target` (SET-4)?"""
    return target.pk in permitted_targets(actor, permission, [target])


def user_within_working_hours(user, at):
    """Is `user` within working hours at the aware datetime `at` (SVC-1)? The user's effective
    working hours, one whole value (SET-3: the user's, else the highest-priority group's that
    sets them, else the organisation's, else the template's), read in the organisation's time
    zone. Night mode is the opposite (FC-8 and SVC-21 extensions are not applied here)."""
    organisation = user.organisation
    value = resolve_user("working-hours", user, organisation=organisation)["definition"].value
    return within_working_hours(from_json(value), at, time_zone=organisation.time_zone)


def effective_ring_tones(organisation, users, *, with_organisation=False):
    """SVC-17 for the Snom renderer: {user_id: {field: choice}} of `users` (users of
    `organisation`, objects or a queryset) with "standard" or "ringer1".."ringer10" per field of
    services.definitions.RING_TONES, and with `with_organisation` also key None: the
    organisation's own effective values (for a phone without a user). Through the one resolver,
    in a constant number of queries (three for users given as objects, one more for the
    organisation's values) whatever the number of users."""
    users = users if isinstance(users, QuerySet) else list(users)
    resolved = resolve_many(RING_TONES, users, organisation=organisation)
    result = {user_id: {name: e.value for name, e in values.items()} for user_id, values in resolved.items()}
    if with_organisation:
        effective = resolve_scope(RING_TONES, Scope(organisation)).effective
        result[None] = {name: e.value for name, e in effective.items()}
    return result


def editable_directory_field_ids(user):
    """SVC-16: ids of the directory fields (USR-17) `user` may edit (propose values for) himself:
    the union over the organisation, the user's groups and the user; none by default."""
    if user.organisation_id is None:
        return set()
    return set(resolve_user(EDIT_DIRECTORY_FIELDS, user)["editable_fields"].value)


# --- SVC-8 number conversions ------------------------------------------------------------------


def _conversion_rule(row, source, rank):
    return Rule(
        prefix=row["prefix"],
        digits=row["digits"],
        intervals=tuple(tuple(i) for i in row["intervals"]),
        rewrite=row["rewrite"],
        rank=rank,
        order=row["id"],
        pk=row["id"],
        source=source,
    )


def effective_conversions(users, *, organisation=None):
    """{user_id: RuleSet} of `users` (a queryset or an iterable of users of one organisation):
    the number conversions of the organisation, of each user's groups and of the user (SET-4),
    ranked by scope for services.conversions.conversion_apply. A constant number of queries
    (the users, the groups, the memberships, the rules), whatever the number of users; users
    that share their groups and have no rules of their own share one RuleSet."""
    rows, organisation = user_rows(users, organisation)
    if not rows:
        return {}
    from services.models import NumberConversion

    user_ids = [row[0] for row in rows]
    whole_org = len(user_ids) > LARGE
    memberships = load_memberships(organisation.pk, None if whole_org else user_ids)
    stored = NumberConversion.objects.filter(organisation=organisation)
    if not whole_org:
        stored = stored.filter(Q(user__isnull=True) | Q(user_id__in=user_ids))
    org_rules, group_rules, own_rows = [], {}, {}
    org_source = organisation_source(organisation)
    fields = ("id", "group_id", "user_id", "prefix", "digits", "intervals", "rewrite")
    for row in stored.values(*fields):
        if row["user_id"]:
            own_rows.setdefault(row["user_id"], []).append(row)
        elif row["group_id"]:
            source = memberships.groups.get(row["group_id"])
            if source is not None:
                group_rules.setdefault(row["group_id"], []).append(
                    _conversion_rule(row, source, source.priority)
                )
        else:
            org_rules.append(_conversion_rule(row, org_source, ORGANISATION_RANK))

    shared = {}  # groups with rules -> (rules, RuleSet), shared by users without own rules
    result = {}
    for user_id, username, _org in rows:
        groups = tuple(
            sorted(s.pk for s in memberships.by_user.get(user_id, ()) if s.pk in group_rules)
        )
        inherited = shared.get(groups)
        if inherited is None:
            rules = [r for pk in groups for r in group_rules[pk]] + org_rules
            inherited = shared[groups] = (rules, RuleSet(rules))
        own = own_rows.get(user_id)
        if own:
            source = Source(USER, username, user_id)
            result[user_id] = RuleSet(
                inherited[0] + [_conversion_rule(row, source, USER_RANK) for row in own]
            )
        else:
            result[user_id] = inherited[1]
    return result


def user_conversions(user):
    """The RuleSet of one user (SVC-8 "Test et nummer")."""
    return effective_conversions([user], organisation=user.organisation)[user.pk]


# Registry purposes of the numbers function numbers own (functionnumbers registers them; services
# does not import functionnumbers, SVC-7 mandatory contacts refer to the registry row).
FUNCTION_NUMBER_PURPOSES = (numberlib.FUNCTION_NUMBER, numberlib.VOICEMAIL)


def function_number_contact_choices(organisation):
    """The organisation's function numbers as registry `Number` rows (owner prefetched, so
    `str(number.owner)` names each), for "add a mandatory contact" (SVC-7)."""
    from customers.models import Number

    return (
        Number.objects.for_organisation(organisation)
        .filter(purpose__in=FUNCTION_NUMBER_PURPOSES, owner_type__isnull=False)
        .prefetch_related("owner")
        .order_by("kind", "value")
    )
