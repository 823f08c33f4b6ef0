"""Property-based tests of the resolver rules against a naive reference implementation."""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import GroupMembership, Organisation, User, UserGroup
from services.definitions import Field
from services.models import CallPickupSettings, CallQueueSettings
from services.resolver import DEFAULT_SOURCE, Source, _overlay, combine, resolve_many

FIELDS = (
    Field("v", "V", "int", default=5),
    Field("w", "W", "choice", default="x"),
    Field("f", "F", "flag"),
    Field("u", "U", "groups", default=()),
)
DEFAULTS = {f.name: f.default for f in FIELDS}

layer_values = st.fixed_dictionaries(
    {
        "v": st.none() | st.integers(0, 50),
        "w": st.none() | st.sampled_from(["a", "b"]),
        "f": st.booleans(),
        "u": st.frozensets(st.integers(1, 6), max_size=4),
    }
)


@st.composite
def organisations(draw):
    """Groups with a random priority order, the user's memberships and values at every level."""
    n_groups = draw(st.integers(0, 5))
    priorities = draw(st.permutations(list(range(1, n_groups + 1))))
    groups = [
        {"pk": 100 + i, "name": f"G{i}", "priority": priorities[i], "values": draw(layer_values), "stored": draw(st.booleans())}
        for i in range(n_groups)
    ]
    member_of = draw(st.sets(st.sampled_from([g["pk"] for g in groups])) if groups else st.just(set()))
    org = draw(st.none() | layer_values)
    user = draw(st.none() | layer_values)
    return groups, member_of, org, user


ORG_SOURCE = Source("organisation", "org", 1)
USER_SOURCE = Source("user", "u@x", 7)


def layers_for(groups, member_of, org, user):
    mine = sorted((g for g in groups if g["pk"] in member_of and g["stored"]), key=lambda g: g["priority"])
    group_layers = [(Source("group", g["name"], g["pk"], g["priority"]), g["values"]) for g in mine]
    org_layers = [(ORG_SOURCE, org)] if org is not None else []
    user_layers = [(USER_SOURCE, user)] if user is not None else []
    return user_layers, group_layers, org_layers


def naive(groups, member_of, org, user):
    """The rules as the guide states them, written without sorting tricks."""
    mine = [g for g in groups if g["pk"] in member_of and g["stored"]]
    result = {}
    for name in ("v", "w"):
        if user is not None and user[name] is not None:
            result[name] = (user[name], "user", None)
            continue
        setters = [g for g in mine if g["values"][name] is not None]
        if setters:
            best = min(setters, key=lambda g: g["priority"])
            result[name] = (best["values"][name], "group", best["pk"])
        elif org is not None and org[name] is not None:
            result[name] = (org[name], "organisation", None)
        else:
            result[name] = (DEFAULTS[name], "default", None)
    levels = [("organisation", None, org)] + [("group", g["pk"], g["values"]) for g in mine] + [("user", None, user)]
    flag_levels = [(lvl, pk) for lvl, pk, vals in levels if vals is not None and vals["f"]]
    result["f"] = bool(flag_levels)
    items = set()
    for _lvl, _pk, vals in levels:
        if vals is not None:
            items |= vals["u"]
    result["u"] = items
    return result


@given(organisations())
@settings(max_examples=150)
def test_combine_matches_naive_reference(org_state):
    groups, member_of, org, user = org_state
    user_layers, group_layers, org_layers = layers_for(*org_state)
    effective = combine(FIELDS, user_layers + group_layers + org_layers, DEFAULTS)
    expected = naive(*org_state)
    for name in ("v", "w"):
        value, level, pk = expected[name]
        assert effective[name].value == value
        assert effective[name].source.level == level
        if level == "group":
            assert effective[name].source.pk == pk
    assert effective["f"].value == expected["f"]
    assert set(effective["u"].value) == expected["u"]
    assert len(effective["u"].value) == len(set(effective["u"].value))  # duplicates once


@given(organisations())
@settings(max_examples=150)
def test_sources_really_hold_the_value(org_state):
    groups, member_of, org, user = org_state
    user_layers, group_layers, org_layers = layers_for(*org_state)
    by_source = dict(user_layers + group_layers + org_layers)
    effective = combine(FIELDS, user_layers + group_layers + org_layers, DEFAULTS)
    for name in ("v", "w"):
        value, source = effective[name]
        if source is DEFAULT_SOURCE:
            assert all(values[name] is None for values in by_source.values())
        else:
            assert by_source[source][name] == value
    value, source = effective["f"]
    if value and source is not DEFAULT_SOURCE:
        assert by_source[source]["f"] is True
    for item, source in zip(*effective["u"], strict=True):
        assert item in by_source[source]["u"]
        # The most general level that has the item: nothing more general has it too.
        order = [s for s, _v in reversed(user_layers + group_layers + org_layers)]
        for more_general in order[: order.index(source)]:
            assert item not in by_source[more_general]["u"]


@given(organisations(), st.data())
@settings(max_examples=150)
def test_or_monotonicity(org_state, data):
    """Ticking a checkbox or adding a group anywhere never switches anything off."""
    groups, member_of, org, user = org_state
    layers = [layer for part in layers_for(*org_state) for layer in part]
    if not layers:
        return
    before = combine(FIELDS, layers, DEFAULTS)
    index = data.draw(st.integers(0, len(layers) - 1))
    extra = data.draw(st.frozensets(st.integers(1, 6), max_size=3))
    source, values = layers[index]
    changed = list(layers)
    changed[index] = (source, {**values, "f": True, "u": values["u"] | extra})
    after = combine(FIELDS, changed, DEFAULTS)
    assert after["f"].value is True
    assert set(before["u"].value) | extra <= set(after["u"].value)


@given(organisations())
@settings(max_examples=150)
def test_user_overlay_equals_full_combination(org_state):
    """resolve_many caches groups + organisation and lays the user on top: same result."""
    user_layers, group_layers, org_layers = layers_for(*org_state)
    full = combine(FIELDS, user_layers + group_layers + org_layers, DEFAULTS)
    base = combine(FIELDS, group_layers + org_layers, DEFAULTS)
    overlaid = _overlay(FIELDS, base, USER_SOURCE, user_layers[0][1]) if user_layers else base
    for name in ("v", "w", "f"):
        assert overlaid[name] == full[name]
    assert overlaid["u"].item_sources() == full["u"].item_sources()


# --- the same rules through the database -------------------------------------------------------

db_states = st.fixed_dictionaries(
    {
        "priorities": st.permutations([1, 2, 3, 4]),
        "group_sizes": st.lists(st.none() | st.integers(0, 50), min_size=4, max_size=4),
        "group_pickups": st.lists(st.frozensets(st.integers(0, 3), max_size=2), min_size=4, max_size=4),
        "org_size": st.none() | st.integers(0, 50),
        "org_pickup": st.frozensets(st.integers(0, 3), max_size=2),
        "users": st.lists(
            st.fixed_dictionaries(
                {
                    "groups": st.frozensets(st.integers(0, 3)),
                    "size": st.none() | st.integers(0, 50),
                    "pickup": st.frozensets(st.integers(0, 3), max_size=2),
                }
            ),
            min_size=1,
            max_size=4,
        ),
    }
)


class Rollback(Exception):
    pass


@given(db_states)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_resolve_many_matches_reference_on_the_database(db, state):
    try:
        with transaction.atomic():
            org = Organisation.objects.create(name="hyp-org")
            groups = [UserGroup.objects.create(organisation=org, name=f"G{i}", priority=100 + i) for i in range(4)]
            for group, priority in zip(groups, state["priorities"], strict=True):
                UserGroup.objects.filter(pk=group.pk).update(priority=priority)
                group.priority = priority
            if state["org_size"] is not None or state["org_pickup"]:
                CallQueueSettings.objects.create(organisation=org, queue_size=state["org_size"])
                pick = CallPickupSettings.objects.create(organisation=org)
                pick.pickup_groups.set([groups[i] for i in state["org_pickup"]])
            for group, size, pickup in zip(groups, state["group_sizes"], state["group_pickups"], strict=True):
                CallQueueSettings.objects.create(organisation=org, group=group, queue_size=size)
                CallPickupSettings.objects.create(organisation=org, group=group).pickup_groups.set([groups[i] for i in pickup])
            users = []
            for n, spec in enumerate(state["users"]):
                user = User.objects.create(organisation=org, username=f"hyp{n}@x.example")
                GroupMembership.objects.bulk_create([GroupMembership(user=user, group=groups[i]) for i in spec["groups"]])
                CallQueueSettings.objects.create(organisation=org, user=user, queue_size=spec["size"])
                CallPickupSettings.objects.create(organisation=org, user=user).pickup_groups.set([groups[i] for i in spec["pickup"]])
                users.append(user)

            queues = resolve_many("call-queues", users, organisation=org)
            pickups = resolve_many("call-pickup", users, organisation=org)
            for user, spec in zip(users, state["users"], strict=True):
                setters = [i for i in spec["groups"] if state["group_sizes"][i] is not None]
                if spec["size"] is not None:
                    expected = spec["size"]
                elif setters:
                    expected = state["group_sizes"][min(setters, key=lambda i: state["priorities"][i])]
                elif state["org_size"] is not None:
                    expected = state["org_size"]
                else:
                    expected = 5
                assert queues[user.pk]["queue_size"].value == expected
                united = set(state["org_pickup"]) | set(spec["pickup"])
                for i in spec["groups"]:
                    united |= state["group_pickups"][i]
                assert set(pickups[user.pk]["pickup_groups"].value) == {groups[i].pk for i in united}
            raise Rollback
    except Rollback:
        pass


@given(organisations())
@settings(max_examples=150)
def test_stacked_group_overlays_equal_full_combination(org_state):
    """resolve_many lays each group over the combination of the lower-priority ones."""
    user_layers, group_layers, org_layers = layers_for(*org_state)
    stacked = combine(FIELDS, org_layers, DEFAULTS)
    for source, values in reversed(group_layers):
        stacked = _overlay(FIELDS, stacked, source, values)
    full = combine(FIELDS, group_layers + org_layers, DEFAULTS)
    for name in ("v", "w", "f"):
        assert stacked[name] == full[name]
    assert stacked["u"].item_sources() == full["u"].item_sources()
