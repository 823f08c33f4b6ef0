"""The call-flow walker: the tree of paths from a number (pure, property-tested), and the bulk
loading of an organisation's function numbers in a constant number of queries."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.operations.users import user_set_lines
from functionnumbers.callflow import (
    BUSY,
    EXTENSION,
    EXTERNAL,
    MEMBER,
    USER,
    Exit,
    FlowData,
    FlowFunction,
    callflow_walk,
    load_flow_data,
    reason_label,
)
from functionnumbers.models import Agent, Kind
from functionnumbers.operations import function_number_update
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import ensure_ranges, make_function_number

NOT_FUNCTIONS = {USER, EXTERNAL, MEMBER, BUSY, EXTENSION}
USER_NUMBER = "1001"


# --- pure: property tests on any graph -----------------------------------------------------


@st.composite
def flow_graphs(draw):
    """Up to 7 function numbers whose exits go to any of them (by reference or only by number),
    to a user's number or to an external number; some have members."""
    size = draw(st.integers(min_value=1, max_value=7))
    ids = list(range(1, size + 1))
    target = st.one_of(
        st.tuples(st.just("function"), st.sampled_from(ids)),
        st.tuples(st.just("by_number"), st.sampled_from(ids)),
        st.just(("user", 0)),
        st.just(("external", 0)),
    )
    functions = {}
    for fid in ids:
        exits = []
        for index, (how, value) in enumerate(draw(st.lists(target, max_size=4))):
            reason = f"option:{index}"
            if how == "function":
                exits.append(Exit(reason=reason, function_id=value, number=str(1500 + value)))
            elif how == "by_number":
                exits.append(Exit(reason=reason, number=str(1500 + value)))
            elif how == "user":
                exits.append(Exit(reason=reason, number=USER_NUMBER))
            else:
                exits.append(Exit(reason=reason, number="+4570203040"))
        members = draw(st.lists(st.sampled_from(["Ann", "Bo"]), max_size=2))
        functions[fid] = FlowFunction(
            id=fid,
            kind=draw(st.sampled_from([Kind.ACD, Kind.HUNT, Kind.IVR, Kind.VOICEMAIL])),
            number=str(1500 + fid),
            name=f"F{fid}",
            exits=tuple(exits),
            members=tuple((name, "") for name in members),
        )
    data = FlowData(
        functions=functions,
        by_number={f.number: f.id for f in functions.values()},
        users={USER_NUMBER: "Ann"},
    )
    return data, str(1500 + draw(st.sampled_from(ids)))


def _reachable(data, number):
    start = data.by_number[number]
    seen, todo = {start}, [start]
    while todo:
        for exit_ in data.functions[todo.pop()].exits:
            target = exit_.function_id or data.by_number.get(exit_.number)
            if target is not None and target not in seen:
                seen.add(target)
                todo.append(target)
    return {data.functions[fid].number for fid in seen}


def _paths(node, above=()):
    """Every root-to-leaf path as a tuple of nodes."""
    here = (*above, node)
    if not node.children:
        yield here
    for child in node.children:
        yield from _paths(child, here)


@settings(max_examples=200, deadline=None)
@given(flow_graphs())
def test_the_walk_ends_on_any_graph_and_shows_every_reachable_function_number(graph):
    data, start = graph
    root = callflow_walk(data, start)
    assert root.number == start and not root.cycle
    shown = {node.number for node in root.walk() if node.kind not in NOT_FUNCTIONS}
    assert shown == _reachable(data, start)


@settings(max_examples=200, deadline=None)
@given(flow_graphs())
def test_on_every_path_a_function_number_appears_once_and_a_cycle_is_a_marked_leaf(graph):
    data, start = graph
    for path in _paths(callflow_walk(data, start)):
        expanded = [
            node.number for node in path if node.kind not in NOT_FUNCTIONS and not node.cycle
        ]
        assert len(expanded) == len(set(expanded))
        for depth, node in enumerate(path):
            if node.cycle:
                assert node.children == []
                assert depth == len(path) - 1
                assert node.number in expanded


@settings(max_examples=200, deadline=None)
@given(flow_graphs())
def test_a_function_number_shows_its_members_and_each_destination_once(graph):
    data, start = graph
    for node in callflow_walk(data, start).walk():
        if node.kind in NOT_FUNCTIONS or node.cycle:
            continue
        function = data.functions[data.by_number[node.number]]
        destinations = set()
        for exit_ in function.exits:
            target = exit_.function_id or data.by_number.get(exit_.number)
            destinations.add(("f", target) if target else ("n", exit_.number))
        assert len(node.children) == len(function.members) + len(destinations)
        assert [c.label for c in node.children if c.kind == MEMBER] == [
            m[0] for m in function.members
        ]
        reasons = [part for c in node.children if c.kind != MEMBER for part in c.reason.split("+")]
        assert sorted(reasons) == sorted(exit_.reason for exit_ in function.exits)


def test_a_cycle_is_marked_once_and_not_followed():
    data = FlowData(
        functions={
            1: FlowFunction(1, Kind.IVR, "1600", "Menu", exits=(Exit("option:1", 2, "1500"),)),
            2: FlowFunction(
                2,
                Kind.ACD,
                "1500",
                "Salg",
                exits=(Exit("overflow", 1, "1600"), Exit("no_agents", 1, "1600")),
            ),
        },
        by_number={"1600": 1, "1500": 2},
        users={},
    )
    root = callflow_walk(data, "1600")
    (salg,) = root.children
    (back,) = salg.children
    assert (salg.label, salg.reason, salg.cycle) == ("Salg", "option:1", False)
    assert (back.label, back.reason, back.cycle, back.children) == (
        "Menu",
        "overflow+no_agents",
        True,
        [],
    )
    assert reason_label(back.reason) == "Overflow, No available agents"
    assert reason_label(salg.reason) == "Key 1"


def test_a_long_chain_does_not_exhaust_the_recursion_limit():
    size = 5000
    functions = {
        i: FlowFunction(
            i,
            Kind.HUNT,
            str(10000 + i),
            "",
            exits=(Exit("fallback", i + 1, str(10001 + i)),) if i < size else (),
        )
        for i in range(1, size + 1)
    }
    data = FlowData(
        functions=functions, by_number={f.number: i for i, f in functions.items()}, users={}
    )
    depth, node = 1, callflow_walk(data, "10001")
    while node.children:
        (node,) = node.children
        depth += 1
    assert depth == size


def test_a_number_that_is_not_a_function_number_is_one_node():
    data = FlowData(functions={}, by_number={}, users={USER_NUMBER: "Ann Jensen"})
    assert callflow_walk(data, USER_NUMBER).kind == USER
    external = callflow_walk(data, "+4570203040")
    assert (external.kind, external.label, external.children) == (EXTERNAL, "+45 70 20 30 40", [])


# --- from the database ---------------------------------------------------------------------


def _org_flow(org, admin, suffix):
    """An IVR whose keys go to an ACD group (agents, overflow to a hunt group), a user and an
    external number; the hunt group falls back to the IVR."""
    sales = UserGroupFactory(organisation=org, name=f"Salg {suffix}")
    anna = UserFactory(organisation=org, first_name="Anna", last_name=f"A{suffix}", groups=[sales])
    bo = UserFactory(organisation=org, first_name="Bo", last_name=f"B{suffix}", groups=[sales])
    user_set_lines(user=anna, primary=f"10{suffix}1", by=admin)
    hunt = make_function_number(org, Kind.HUNT, name=f"Ringegruppe {suffix}", member_groups=[sales])
    acd = make_function_number(
        org,
        Kind.ACD,
        name=f"Salg {suffix}",
        login_groups=[sales],
        overflow_action="forward",
        overflow=hunt.number.number,
        no_agents="+4570203040",
    )
    Agent.objects.create(group=acd, user=bo, position=1)
    ivr = make_function_number(
        org,
        Kind.IVR,
        name=f"Hovedmenu {suffix}",
        options={"1": acd.number.number, "2": f"10{suffix}1", "#": "+4570203041"},
    )
    function_number_update(function_number=hunt, fallback=ivr.number.number, by=admin)
    return ivr, acd, hunt


@pytest.mark.django_db
def test_the_tree_of_an_organisation(org_a, admin_a):
    ensure_ranges(org_a)
    ivr, acd, hunt = _org_flow(org_a, admin_a, "1")
    root = callflow_walk(load_flow_data(org_a), ivr.number.number)
    assert (root.kind, root.label) == (Kind.IVR, "Hovedmenu 1")
    key1, key2, hash_key = root.children
    assert (key1.kind, key1.label, key1.reason) == (Kind.ACD, "Salg 1", "option:1")
    assert (key2.kind, key2.label, key2.number, key2.reason) == (
        USER,
        "Anna A1",
        "1011",
        "option:2",
    )
    assert (hash_key.kind, hash_key.reason) == (EXTERNAL, "option:#")
    # Bo is on the agent list, so he comes first; Anna rings with her line.
    members = [(c.label, c.number) for c in key1.children if c.kind == MEMBER]
    assert members == [("Bo B1", ""), ("Anna A1", "1011")]
    overflow, no_agents = (c for c in key1.children if c.kind != MEMBER)
    assert (overflow.kind, overflow.label, overflow.reason) == (
        Kind.HUNT,
        "Ringegruppe 1",
        "overflow",
    )
    assert (no_agents.kind, no_agents.number) == (EXTERNAL, "+4570203040")
    (back,) = (c for c in overflow.children if c.kind != MEMBER)
    assert (back.kind, back.reason, back.cycle, back.children) == (Kind.IVR, "fallback", True, [])


@pytest.mark.django_db
def test_loading_takes_the_same_number_of_queries_however_many_function_numbers(
    org_a, admin_a, django_assert_num_queries
):
    ensure_ranges(org_a)
    _org_flow(org_a, admin_a, "1")
    with django_assert_num_queries(10):
        small = load_flow_data(org_a)
    for suffix in "2345":
        _org_flow(org_a, admin_a, suffix)
    make_function_number(org_a, Kind.IVR, dial_local_number=True, options={})
    with django_assert_num_queries(10):
        large = load_flow_data(org_a)
    assert len(large.functions) == len(small.functions) * 5 + 1


@pytest.mark.django_db
def test_busy_tone_and_call_extension_are_leaves(org_a):
    acd = make_function_number(org_a, Kind.ACD)
    ivr = make_function_number(org_a, Kind.IVR, dial_local_number=True, options={})
    data = load_flow_data(org_a)
    assert [(c.kind, c.reason) for c in callflow_walk(data, acd.number.number).children] == [
        (BUSY, "overflow")
    ]
    assert [(c.kind, c.reason) for c in callflow_walk(data, ivr.number.number).children] == [
        (EXTENSION, "dial_local")
    ]


@pytest.mark.django_db
def test_another_organisations_function_numbers_are_not_loaded(org_a, org_b):
    make_function_number(org_a, Kind.ACD)
    make_function_number(org_b, Kind.HUNT)
    assert {f.kind for f in load_flow_data(org_a).functions.values()} == {Kind.ACD}
