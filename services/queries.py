"""Reads of the services app asked by other code: the permission services (FEATURES.md SET-4) and
"is this user within working hours?" (SVC-1).

"May user A do X to user T?" for SVC-3, SVC-4, SVC-10, SVC-14, SVC-15, SVC-20 and SVC-21: A may
iff A is a member of a group in T's effective group set (united over T's organisation, T's
groups and T, SET-2) of a field that grants X (services.definitions.PERMISSIONS). The group sets
come from the one resolver, so the answer is what the service pages show as effective.
"""

from django.db.models import QuerySet

from connect.lib import numbers as numberlib
from customers.models import GroupMembership
from services.definitions import PERMISSIONS
from services.resolver import resolve_user, users_with_any
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
    if actor is None or not actor.is_authenticated or not actor.is_active or actor.organisation_id is None:
        return set()
    organisation_id = actor.organisation_id
    actor_groups = set(
        GroupMembership.objects.filter(user_id=actor.pk, group__organisation_id=organisation_id).values_list("group_id", flat=True)
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
        permitted |= users_with_any(slug, names, actor_groups, targets, organisation_id=organisation_id)
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
