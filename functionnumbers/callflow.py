"""The call-flow walker (ARCHITECTURE.md "Call handling"): where can a call to a number go?

Two halves, so that the visualisation (FN-6), the simulators and a later export share one answer:

- `load_flow_data(organisation)` reads everything the walk needs in a constant number of
  queries (ten, however many function numbers, options and members there are) and returns plain
  data (`FlowData`), no model instances.
- `callflow_walk(data, number)` is pure: it follows `number` through the function numbers and
  returns the tree of possible paths as `FlowNode`s.

A `FlowNode` has six fields:

- `kind`: a function number's type (`functionnumbers.models.Kind`: "acd", "ivr", …), or
  USER (a user's local number or alias), EXTERNAL (any other number), MEMBER (a user the group
  offers calls to), BUSY (busy tone: the call ends) or EXTENSION ("Ring til lokalnummer": the
  caller dials a local number).
- `label`: what to show (the function number's name, the user's name, the number).
- `number`: the number dialled to get there ("" for members without a line, busy tone, …).
- `reason`: why the call goes there from its parent: "" at the root, then one of REASONS
  (IVR keys as "option:<key>"); when several ways of a function number lead to the same place,
  they are one child with the reasons joined by "+" ("overflow+no_agents").
- `children`: the nodes a call may go to next, in the order a call meets them: members first,
  then overflow / max wait / no agents (ACD, attendant), fallback (hunt), options in keypad order
  then no input (IVR).
- `cycle`: True when this function number is already above on the path (↻ "se ovenfor"): it is
  shown once more, not expanded again, so the walk ends on any graph.

A function number reached along different paths appears on each of them (the tree repeats it);
on one path from the root every function number appears at most once, plus at most one cycle
mark as a leaf.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib

USER = "user"
EXTERNAL = "external"
MEMBER = "member"
BUSY = "busy"
EXTENSION = "extension"

REASONS = {
    "overflow": _("Overflow"),
    "max_wait": _("Waited too long"),
    "no_agents": _("No available agents"),
    "fallback": _("Fallback"),
    "no_input": _("No input"),
    "member": _("Member"),
    "dial_local": _("Call extension"),
}


def reason_label(reason):
    """The reason(s) of a node in words: "option:1+no_input" → "Key 1, No input"."""
    words = []
    for part in reason.split("+") if reason else ():
        if part.startswith("option:"):
            words.append(str(_("Key %(key)s") % {"key": part.removeprefix("option:")}))
        else:
            words.append(str(REASONS.get(part, part)))
    return ", ".join(words)


@dataclass
class FlowNode:
    kind: str
    label: str
    number: str
    reason: str = ""
    children: list = field(default_factory=list)
    cycle: bool = False

    def walk(self):
        """This node and every node below it, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


@dataclass(frozen=True)
class Exit:
    """One way out of a function number: to a function number (`function_id`), to a number,
    or (`kind` BUSY / EXTENSION) to no destination at all."""

    reason: str
    function_id: int | None = None
    number: str = ""
    kind: str = ""


@dataclass(frozen=True)
class FlowFunction:
    id: int
    kind: str
    number: str
    name: str
    exits: tuple = ()  # Exit, in the order a call meets them
    members: tuple = ()  # (label, number) of the users offered calls, in ring order

    @property
    def label(self):
        return self.name or self.number


@dataclass(frozen=True)
class FlowData:
    functions: dict  # id → FlowFunction
    by_number: dict  # function number's number → id
    users: dict  # a user's local number or alias → the user's name


# --- loading -----------------------------------------------------------------------------------


def _name(first, last, username):
    return " ".join(part for part in (first, last) if part) or username


def _destination(reason, row, name):
    function_id, number = row[f"{name}_function_id"], row[f"{name}_number"]
    if function_id is None and not number:
        return None
    return Exit(reason=reason, function_id=function_id, number=number)


def load_flow_data(organisation):
    """Everything `callflow_walk` needs for one organisation, in ten queries."""
    from customers.models import GroupMembership, Number
    from functionnumbers.models import (
        Agent,
        CallGroup,
        FunctionNumber,
        HuntGroup,
        IvrMenu,
        IvrOption,
    )

    bases = list(
        FunctionNumber.objects.for_organisation(organisation).values(
            "id", "kind", "name", "number__number"
        )
    )
    users, lines = {}, {}
    user_numbers = (
        Number.objects.for_organisation(organisation)
        .filter(user__isnull=False, purpose__in=[Number.Purpose.USER_LINE, Number.Purpose.ALIAS])
        .order_by("purpose", "line_slot", "value")
        .values(
            "number", "purpose", "user_id", "user__first_name", "user__last_name", "user__username"
        )
    )
    for row in user_numbers:
        users[row["number"]] = _name(
            row["user__first_name"], row["user__last_name"], row["user__username"]
        )
        if row["purpose"] == Number.Purpose.USER_LINE:
            lines.setdefault(row["user_id"], row["number"])
    group_members, people = {}, {}
    memberships = GroupMembership.objects.for_organisation(organisation).values(
        "group_id", "user_id", "user__first_name", "user__last_name", "user__username"
    )
    for row in memberships:
        group_members.setdefault(row["group_id"], set()).add(row["user_id"])
        people[row["user_id"]] = _name(
            row["user__first_name"], row["user__last_name"], row["user__username"]
        )

    def members_of(group_ids, first=()):
        """Users of the groups, `first` (an ordered agent list) first, the rest by name."""
        ids = set().union(*(group_members.get(g, set()) for g in group_ids))
        ordered = [user_id for user_id in first if user_id in people]
        rest = sorted(ids - set(ordered), key=lambda user_id: (people[user_id].lower(), user_id))
        return tuple((people[user_id], lines.get(user_id, "")) for user_id in ordered + rest)

    login_groups = {}
    for row in CallGroup.login_groups.through.objects.filter(
        callgroup__organisation=organisation
    ).values("callgroup_id", "usergroup_id"):
        login_groups.setdefault(row["callgroup_id"], []).append(row["usergroup_id"])
    agents = {}
    for row in Agent.objects.for_organisation(organisation).values(
        "group_id", "user_id", "position", "skill_level"
    ):
        agents.setdefault(row["group_id"], []).append(row)
    hunt_groups = {}
    for row in HuntGroup.member_groups.through.objects.filter(
        huntgroup__organisation=organisation
    ).values("huntgroup_id", "usergroup_id"):
        hunt_groups.setdefault(row["huntgroup_id"], []).append(row["usergroup_id"])

    exits, members = {}, {}
    for row in CallGroup.objects.for_organisation(organisation).values(
        "id",
        "distribution",
        "overflow_action",
        "overflow_function_id",
        "overflow_number",
        "max_wait_seconds",
        "max_wait_function_id",
        "max_wait_number",
        "no_agents_function_id",
        "no_agents_number",
    ):
        ways = []
        if row["overflow_action"] == CallGroup.OverflowAction.FORWARD:
            ways.append(_destination("overflow", row, "overflow"))
        else:
            ways.append(Exit(reason="overflow", kind=BUSY))
        if row["max_wait_seconds"]:
            ways.append(_destination("max_wait", row, "max_wait"))
        ways.append(_destination("no_agents", row, "no_agents"))
        exits[row["id"]] = tuple(way for way in ways if way is not None)
        if row["distribution"] == CallGroup.Distribution.SKILL:
            order = sorted(
                agents.get(row["id"], []), key=lambda a: (-a["skill_level"], a["position"])
            )
        else:
            order = sorted(agents.get(row["id"], []), key=lambda a: a["position"])
        members[row["id"]] = members_of(
            login_groups.get(row["id"], []), first=[agent["user_id"] for agent in order]
        )
    for row in HuntGroup.objects.for_organisation(organisation).values(
        "id", "fallback_function_id", "fallback_number"
    ):
        fallback = _destination("fallback", row, "fallback")
        exits[row["id"]] = (fallback,) if fallback else ()
        members[row["id"]] = members_of(hunt_groups.get(row["id"], []))
    options = {}
    for row in IvrOption.objects.for_organisation(organisation).values(
        "ivr_id", "key", "destination_function_id", "destination_number"
    ):
        options.setdefault(row["ivr_id"], {})[row["key"]] = row
    for row in IvrMenu.objects.for_organisation(organisation).values(
        "id", "dial_local_number", "no_input_function_id", "no_input_number"
    ):
        if row["dial_local_number"]:
            ways = [Exit(reason="dial_local", kind=EXTENSION)]
        else:
            keyed = options.get(row["id"], {})
            ways = [
                _destination(f"option:{key}", keyed[key], "destination")
                for key in _keypad_order(keyed)
            ]
        ways.append(_destination("no_input", row, "no_input"))
        exits[row["id"]] = tuple(way for way in ways if way is not None)

    functions = {
        row["id"]: FlowFunction(
            id=row["id"],
            kind=row["kind"],
            number=row["number__number"],
            name=row["name"],
            exits=exits.get(row["id"], ()),
            members=members.get(row["id"], ()),
        )
        for row in bases
    }
    by_number = {function.number: function.id for function in functions.values()}
    return FlowData(functions=functions, by_number=by_number, users=users)


def _keypad_order(keys):
    from functionnumbers.models import IVR_KEYS

    return [key for key in IVR_KEYS if key in keys]


# --- walking -----------------------------------------------------------------------------------


def _target(data, exit_):
    """(function id or None, node kind, label, number) of where an exit leads."""
    if exit_.kind == BUSY:
        return None, BUSY, str(_("Busy tone")), ""
    if exit_.kind == EXTENSION:
        return None, EXTENSION, str(_("Call extension")), ""
    function_id = exit_.function_id
    if function_id is None:
        function_id = data.by_number.get(exit_.number)
    if function_id in data.functions:
        function = data.functions[function_id]
        return function_id, function.kind, function.label, function.number
    if exit_.number in data.users:
        return None, USER, data.users[exit_.number], exit_.number
    return None, EXTERNAL, numberlib.display(exit_.number), exit_.number


def _children(data, function):
    """[(function id or None, FlowNode without children)] below a function number: members,
    then its exits, one child per distinct destination."""
    result = [
        (None, FlowNode(kind=MEMBER, label=label, number=number, reason="member"))
        for label, number in function.members
    ]
    merged = {}
    for exit_ in function.exits:
        function_id, kind, label, number = _target(data, exit_)
        key = ("function", function_id) if function_id is not None else (kind, number)
        if key in merged:
            merged[key][1].reason += "+" + exit_.reason
            continue
        merged[key] = (
            function_id,
            FlowNode(kind=kind, label=label, number=number, reason=exit_.reason),
        )
        result.append(merged[key])
    return result


def callflow_walk(data, number):
    """The tree of the paths a call to `number` (as stored: "1500", "+4588880100") may take
    (see the module docstring). A number that is not a function number is a single node."""
    function_id = data.by_number.get(number)
    if function_id is None:
        _id, kind, label, shown = _target(data, Exit(reason="", number=number))
        return FlowNode(kind=kind, label=label, number=shown)
    function = data.functions[function_id]
    root = FlowNode(kind=function.kind, label=function.label, number=function.number)
    # Iterative, so a long chain of function numbers cannot exhaust the recursion limit.
    stack = [(root, function_id, frozenset({function_id}))]
    while stack:
        node, function_id, path = stack.pop()
        for child_id, child in _children(data, data.functions[function_id]):
            node.children.append(child)
            if child_id is None:
                continue
            if child_id in path:
                child.cycle = True
            else:
                stack.append((child, child_id, path | {child_id}))
    return root
