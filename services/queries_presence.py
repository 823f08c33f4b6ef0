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
    return Policy(
        exclusions=tuple(Exclusion(e.type, e.match) for e in exclusions),
        mappings=tuple(
            Mapping(m.type, m.match, state_of(m.activity), state_of(m.role)) for m in mappings
        ),
    )
