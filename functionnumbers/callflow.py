"""The call-flow walker (ARCHITECTURE.md "Call handling"): where can a call to a number go?

Two halves, so that the visualisation (FN-6), the simulators and a later export share one answer:

- `load_flow_data(organisation)` reads everything the walk needs in a constant number of
  queries (twelve, however many function numbers, options and members there are) and returns plain
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
CLOSED = "closed"  # a schedule's "Lukket": the message (if any), then the call ends
HANGUP = "hangup"  # an auto attendant's "Læg på"

REASONS = {
    "overflow": _("Overflow"),
    "max_wait": _("Waited too long"),
    "no_agents": _("No available agents"),
    "fallback": _("Fallback"),
    "no_input": _("No input"),
    "member": _("Member"),
    "dial_local": _("Call extension"),
    "schedule_default": _("Schedule: default event"),
}


def reason_label(reason):
    """The reason(s) of a node in words: "option:1+no_input" → "Key 1, No input"."""
    words = []
    for part in reason.split("+") if reason else ():
        if part.startswith("option:"):
            words.append(str(_("Key %(key)s") % {"key": part.removeprefix("option:")}))
        elif part.startswith("schedule:"):
            words.append(str(_("Schedule: %(event)s") % {"event": part.removeprefix("schedule:")}))
        elif part.startswith("flow:"):
            from functionnumbers.autoattendant import edge_label

            steps = [str(edge_label(key)) for key in part.removeprefix("flow:").split("/") if key]
            words.append(" › ".join(steps) or str(_("Start")))
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
    label: str = ""  # for CLOSED: the message played before the call ends


@dataclass(frozen=True)
class FlowFunction:
    id: int
    kind: str
    number: str
    name: str
    exits: tuple = ()  # Exit, in the order a call meets them
    members: tuple = ()  # (label, number) of the users offered calls, in ring order
    prompt: str = ""  # IVR: the message played when the call is answered

    @property
    def label(self):
        return self.name or self.number


@dataclass(frozen=True)
class FlowData:
    functions: dict  # id → FlowFunction
    by_number: dict  # function number's number → id
    users: dict  # a user's local number or alias → the user's name
    schedules: dict = field(default_factory=dict)  # id → ([schedules.Event], default Event or None)
    flows: dict = field(default_factory=dict)  # auto attendant id → its validated flow document
    prompts: dict = field(default_factory=dict)  # prompt id → name (the flows' menus)
    time_zone: str = "Europe/Copenhagen"


# --- loading -----------------------------------------------------------------------------------


def _name(first, last, username):
    return " ".join(part for part in (first, last) if part) or username


def _destination(reason, row, name):
    function_id, number = row[f"{name}_function_id"], row[f"{name}_number"]
    if function_id is None and not number:
        return None
    return Exit(reason=reason, function_id=function_id, number=number)


def load_flow_data(organisation):
    """Everything `callflow_walk` needs for one organisation, in twelve queries (one more when
    auto attendants have menus)."""
    from customers.models import GroupMembership, Number, Prompt
    from functionnumbers.autoattendant import flow_nodes
    from functionnumbers.models import (
        Agent,
        AutoAttendant,
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
    ivr_prompts = {}
    for row in IvrMenu.objects.for_organisation(organisation).values(
        "id", "dial_local_number", "no_input_function_id", "no_input_number", "prompt__name"
    ):
        ivr_prompts[row["id"]] = row["prompt__name"] or ""
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

    from functionnumbers.queries import schedules_of

    schedule_data = {
        fid: sched
        for fid, sched in schedules_of([row["id"] for row in bases]).items()
        if sched[0] or sched[1]
    }
    flows = {
        row["id"]: row["flow"]
        for row in AutoAttendant.objects.for_organisation(organisation).values("id", "flow")
        if row["flow"]
    }
    prompt_ids = {
        node["prompt"]
        for flow in flows.values()
        for _path, node in flow_nodes(flow)
        if node["type"] == "ivr"
    }
    prompts = (
        dict(Prompt.objects.filter(pk__in=prompt_ids).values_list("pk", "name"))
        if prompt_ids
        else {}
    )
    for function_id, flow in flows.items():
        exits[function_id] = _flow_exits(flow, prompts)
    functions = {
        row["id"]: FlowFunction(
            id=row["id"],
            kind=row["kind"],
            number=row["number__number"],
            name=row["name"],
            exits=_schedule_exits(schedule_data.get(row["id"])) + exits.get(row["id"], ()),
            members=members.get(row["id"], ()),
            prompt=ivr_prompts.get(row["id"], ""),
        )
        for row in bases
    }
    by_number = {function.number: function.id for function in functions.values()}
    return FlowData(
        functions=functions,
        by_number=by_number,
        users=users,
        schedules=schedule_data,
        flows=flows,
        prompts=prompts,
        time_zone=organisation.time_zone,
    )


def _event_exit(event, reason):
    from functionnumbers import schedules

    if event.action == schedules.CLOSED:
        return Exit(reason=reason, kind=CLOSED, label=event.prompt)
    if event.action == schedules.FORWARD and event.forward:
        return Exit(reason=reason, number=event.forward)
    return None


def _schedule_exits(schedule):
    """Where a function number's schedule sends calls instead of handling them: its closed and
    forwarding events, then the default event's (the call meets the schedule first)."""
    if not schedule:
        return ()
    events, default = schedule
    ways = [_event_exit(event, f"schedule:{event.name}") for event in events]
    if default is not None:
        ways.append(_event_exit(default, "schedule_default"))
    return tuple(way for way in ways if way is not None)


def _flow_exits(flow, prompts):
    """The ends of an auto attendant's call flow (FN-3), each with its place in the tree."""
    from functionnumbers.autoattendant import flow_nodes

    ways = []
    for path, node in flow_nodes(flow):
        reason = "flow:" + "/".join(path)
        kind = node["type"]
        if kind in ("group", "inbox", "voicemail"):
            ways.append(Exit(reason=reason, function_id=node["target"]))
        elif kind == "external":
            ways.append(Exit(reason=reason, number=node["number"]))
        elif kind == "hangup":
            ways.append(Exit(reason=reason, kind=HANGUP))
    return tuple(ways)


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
    if exit_.kind == CLOSED:
        if exit_.label:
            return (
                None,
                CLOSED,
                str(_("Closed: %(prompt)s, then the call ends") % {"prompt": exit_.label}),
                "",
            )
        return None, CLOSED, str(_("Closed: the call ends")), ""
    if exit_.kind == HANGUP:
        return None, HANGUP, str(_("Hang up")), ""
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
        key = ("function", function_id) if function_id is not None else (kind, number or label)
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


# --- simulation: one concrete call -------------------------------------------------------------


@dataclass
class Simulation:
    """What happens to one call: `sentences` in order, `path` the reasons of the edges taken
    from the root of callflow_walk's tree (to highlight it), `local` the wall-clock time."""

    local: object
    sentences: list = field(default_factory=list)
    path: list = field(default_factory=list)


def _where(data, exit_):
    _id, _kind, label, number = _target(data, exit_)
    return (
        f"{label} ({numberlib.display(number)})"
        if number and label != numberlib.display(number)
        else label
    )


def _exits_text(data, function, reasons):
    parts = []
    for exit_ in function.exits:
        base = exit_.reason.split(":")[0]
        if base in reasons or exit_.reason in reasons:
            parts.append(
                _("%(reason)s → %(target)s")
                % {"reason": reason_label(exit_.reason), "target": _where(data, exit_)}
            )
    return "; ".join(str(part) for part in parts)


def _people(function):
    names = [label for label, _number in function.members]
    if not names:
        return str(_("nobody (no members)"))
    shown = ", ".join(names[:5])
    return shown + (f" (+{len(names) - 5})" if len(names) > 5 else "")


def _otherwise(text, more):
    if not more:
        return str(text)
    otherwise = _("Otherwise: %(ways)s.") % {"ways": more}
    return f"{text} {otherwise}"


def _handling(data, function):
    """The sentence for a function number's own handling of a call it accepts."""
    from functionnumbers.models import Kind

    label = f"{function.label} ({function.number})"
    if function.kind in (Kind.ACD, Kind.ATTENDANT):
        text = _("The call waits in the queue of %(group)s and is offered to %(people)s.") % {
            "group": label,
            "people": _people(function),
        }
        more = _exits_text(data, function, {"overflow", "max_wait", "no_agents"})
        return _otherwise(text, more)
    if function.kind == Kind.HUNT:
        text = _("The hunt group %(group)s rings %(people)s.") % {
            "group": label,
            "people": _people(function),
        }
        more = _exits_text(data, function, {"fallback"})
        return _otherwise(text, more)
    if function.kind == Kind.IVR:
        text = _("The caller hears %(prompt)s in %(menu)s and chooses.") % {
            "prompt": function.prompt or "—",
            "menu": label,
        }
        more = _exits_text(data, function, {"option", "no_input", "dial_local"})
        return f"{text} {more}." if more else str(text)
    if function.kind == Kind.RULE_BASED:
        return str(_("The call is handled by the routing rules of %(number)s.") % {"number": label})
    if function.kind == Kind.GROUP_INBOX:
        return str(
            _("The caller can leave a message in the group inbox %(inbox)s.") % {"inbox": label}
        )
    if function.kind == Kind.VOICEMAIL:
        return str(_("The caller reaches the voicemail number %(number)s.") % {"number": label})
    return str(_("The call reaches %(number)s.") % {"number": label})


def _schedule_step(data, function_id, local, result):
    """Apply a function number's schedule; returns ("open", None) to go on with its own handling,
    ("end", None) when the call ends, or ("to", Exit) when it is forwarded."""
    from functionnumbers import schedules

    schedule = data.schedules.get(function_id)
    if not schedule:
        return "open", None
    function = data.functions[function_id]
    match = schedules.schedule_match(schedule[0], schedule[1], local)
    event = match.event
    which = (
        _("the default event")
        if match.is_default
        else _("the event “%(name)s”") % {"name": event.name}
    )
    action = {
        schedules.OPEN: _("Open"),
        schedules.CLOSED: _("Closed"),
        schedules.FORWARD: _("Forward"),
    }[event.action]
    opening = _("The schedule of %(number)s matches %(which)s “%(action)s”") % {
        "number": f"{function.label} ({function.number})",
        "which": which,
        "action": action,
    }
    reason = "schedule_default" if match.is_default else f"schedule:{event.name}"
    if event.action == schedules.OPEN:
        result.sentences.append(f"{opening}.")
        return "open", None
    if event.action == schedules.CLOSED:
        result.path.append(reason)
        if event.prompt:
            tail = _("the caller hears %(prompt)s and the call ends.") % {"prompt": event.prompt}
        else:
            tail = _("the call ends.")
        result.sentences.append(f"{opening}: {tail}")
        return "end", None
    exit_ = Exit(reason=reason, number=event.forward)
    result.path.append(reason)
    heard = _("the caller hears %(prompt)s and ") % {"prompt": event.prompt} if event.prompt else ""
    forwarded = _("the call is forwarded to %(target)s.") % {"target": _where(data, exit_)}
    result.sentences.append(f"{opening}: {heard}{forwarded}")
    return "to", exit_


def _flow_step(data, function_id, local, result):
    """Follow an auto attendant's flow as far as the time decides; returns an Exit to go on
    with, or None when the call ends or waits for the caller."""
    from functionnumbers import schedules

    node, path = data.flows.get(function_id) or {"type": "hangup"}, []
    while True:
        kind = node["type"]
        if kind == "schedule":
            target = data.functions.get(node["target"])
            schedule = data.schedules.get(node["target"], ([], None))
            match = schedules.schedule_match(schedule[0], schedule[1], local)
            branch = "open" if match.event.action == schedules.OPEN else "closed"
            result.sentences.append(
                str(
                    _("The auto attendant follows the schedule of %(number)s: %(branch)s.")
                    % {
                        "number": target.label if target else "?",
                        "branch": _("open") if branch == "open" else _("closed"),
                    }
                )
            )
            node, path = node[branch], [*path, branch]
            continue
        reason = "flow:" + "/".join(path)
        if kind == "ivr":
            keys = ", ".join(node.get("options", {}))
            result.sentences.append(
                str(
                    _("The caller hears %(prompt)s and chooses one of the keys %(keys)s.")
                    % {"prompt": data.prompts.get(node["prompt"], "—"), "keys": keys}
                )
            )
            return None
        if kind == "hangup":
            result.path.append(reason)
            result.sentences.append(str(_("The call ends.")))
            return None
        if kind == "external":
            return Exit(reason=reason, number=node["number"])
        return Exit(reason=reason, function_id=node["target"])


def callflow_simulate(data, number, at):
    """What happens to a call to `number` at `at` (aware, or naive wall-clock time in the
    organisation's zone): the same data and rules as callflow_walk and schedules.schedule_match,
    followed for one concrete moment as far as the time decides it (the caller's key presses and
    the agents' answers are not known, so the answer names the ways from there)."""
    from functionnumbers import schedules
    from functionnumbers.models import Kind

    local = schedules.local_time(at, data.time_zone)
    result = Simulation(local=local)
    function_id = data.by_number.get(number)
    if function_id is None:
        result.sentences.append(
            str(
                _("The call goes to %(target)s.")
                % {"target": _where(data, Exit(reason="", number=number))}
            )
        )
        return result
    seen = set()
    while function_id is not None:
        if function_id in seen:
            result.sentences.append(
                str(
                    _("The call comes back to %(number)s (↻ see above).")
                    % {"number": data.functions[function_id].label}
                )
            )
            return result
        seen.add(function_id)
        state, exit_ = _schedule_step(data, function_id, local, result)
        if state == "end":
            return result
        if state == "open":
            function = data.functions[function_id]
            if function.kind == Kind.AUTO_ATTENDANT:
                exit_ = _flow_step(data, function_id, local, result)
                if exit_ is None:
                    return result
                result.path.append(exit_.reason)
            else:
                result.sentences.append(_handling(data, function))
                return result
        next_id, kind, label, shown = _target(data, exit_)
        if next_id is None:
            if kind not in (CLOSED, HANGUP):
                result.sentences.append(
                    str(_("The call goes to %(target)s.") % {"target": _where(data, exit_)})
                )
            return result
        function_id = next_id
    return result


def mark_path(tree, reasons):
    """The ids (Python `id()`) of the nodes of `tree` along `reasons` (Simulation.path)."""
    marked, node = {id(tree)}, tree
    for reason in reasons:
        child = next((c for c in node.children if reason in c.reason.split("+")), None)
        if child is None:
            break
        marked.add(id(child))
        node = child
    return marked
