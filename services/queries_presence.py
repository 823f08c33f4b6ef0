"""Reads of SVC-19 presence synchronization: a connector's stored rules as plain data."""

from services.models_presence import PresenceExclusion, PresenceMapping
from services.presence_sync import Exclusion, Mapping, Policy, State


def state_of(obj):
    """An Activity or Role (or None) as the engine's State."""
    return None if obj is None else State(obj.pk, obj.name)


def presence_policy_load(connector):
    """The Policy of `connector` for services.presence_sync (empty without stored rules).
    Two queries, whatever the number of rules."""
    mappings = (
        PresenceMapping.objects.filter(policy__connector=connector)
        .select_related("activity", "role")
        .order_by("position")
    )
    exclusions = PresenceExclusion.objects.filter(policy__connector=connector).order_by("position")
    return policy_of(
        [
            {"type": m.type, "match": m.match, "activity": m.activity, "role": m.role}
            for m in mappings
        ],
        [{"type": e.type, "match": e.match} for e in exclusions],
    )


def policy_of(mapping_rows, exclusion_rows):
    """A Policy from rows as the save operation takes them ({type, match, activity, role} with
    Activity / Role objects or None; {type, match}): what the page shows, the stored rules."""
    return Policy(
        exclusions=tuple(Exclusion(r["type"], r["match"]) for r in exclusion_rows),
        mappings=tuple(
            Mapping(r["type"], r["match"], state_of(r["activity"]), state_of(r["role"]))
            for r in mapping_rows
        ),
    )
