"""The call-routing rule engine (SVC-11, SVC-13): pure functions over plain data, no queries.

- `effective_rule_list(tiered, own, direction)`: a user's (or rule-based number's) rules in the
  order they are tried: the required rules of the organisation and the user's groups in
  "Rækkefølge" order, then the user's own rules, then the overridable rules in "Rækkefølge" order;
  then the fallback rules in that same order. Only rules whose trigger fits the direction count.
- `routing_evaluate(rule_list, call)`: the first rule whose conditions (AND-ed) all hold fires;
  the answer keeps, for every rule tried, which condition failed, so the simulator can say why
  the rules above the one that fired did not.
- `routing_call(...)`: the facts about one call the conditions ask about (working hours through
  services.working_hours, the number type through customers.numbertypes).

services/queries_routing.py loads the rows in bulk and turns them into these dataclasses.
"""

from dataclasses import dataclass, field

from customers.numbertypes import classify, number_key
from services.working_hours import within_working_hours

INCOMING = "incoming"
OUTGOING = "outgoing"
FALLBACK = "fallback"
TRIGGER_OF = {INCOMING: "received", OUTGOING: "made"}

REQUIRED = "required"
OVERRIDABLE = "overridable"
OWN = "own"

# Condition kinds (services.models_routing.ConditionKind).
BUSY = "busy"
WORKING_HOURS = "working_hours"
ACTIVITY = "activity"
ROLE = "role"
AVAILABILITY = "availability"
CALLER = "caller"
CALLER_PREFIX = "caller_prefix"
NUMBER_TYPE = "number_type"
NUMBER_PREFIX = "number_prefix"

# Action kinds.
ROUTE = "route"
REJECT_BUSY = "busy"
BLOCK = "block"
PRESENT = "present"


@dataclass(slots=True)  # not frozen: built by the thousand (queries_routing); treat as read-only
class Condition:
    kind: str
    expected: bool = True  # "er sand" / "er falsk"
    ref: object = None  # activity, role or classification id
    value: str = ""  # availability, "internal"/"external", or a prefix (as prefix_clean returns it)
    label: str = ""  # the referred object's name, for sentences


@dataclass(slots=True)  # not frozen: built by the thousand (queries_routing); treat as read-only
class Action:
    kind: str
    destination: str = ""
    delay: int = 0
    number: str = ""  # "andet nummer" / a phone number of a rule-based number
    presented: str = ""  # own_line | switchboard | anonymous
    target: object = None  # user or function number id (rule-based numbers)
    label: str = ""  # the target's name, for sentences


@dataclass(slots=True)  # not frozen: built by the thousand (queries_routing); treat as read-only
class Rule:
    id: object
    trigger: str  # "received" | "made"
    conditions: tuple = ()
    actions: tuple = ()
    tier: str = OWN
    rule_list: str = INCOMING
    source: str = (
        ""  # the owner's name ("Organisation", "Salg", the user): where the rule comes from
    )


@dataclass(frozen=True)
class RuleSet:
    """One owner's rules: {(rule_list, tier): (Rule, ...)} in position order."""

    source: str
    rules: dict = field(default_factory=dict)

    def get(self, rule_list, tier):
        return self.rules.get((rule_list, tier), ())


@dataclass(frozen=True)
class Call:
    """What the conditions ask about one call."""

    direction: str = INCOMING
    on_call: bool = False
    within_working_hours: bool = True
    activity: object = None
    role: object = None
    availability: str = "available"
    caller_internal: bool = False
    caller_number: str = ""  # as number_key returns it
    number: str = ""  # the dialled number (outgoing), as number_key returns it
    number_type: object = None  # classification id of `number` or None


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    actual: bool

    @property
    def holds(self):
        return self.actual == self.condition.expected


@dataclass(frozen=True)
class Step:
    rule: Rule
    fired: bool
    failed: tuple = ()  # ConditionResult of the conditions that did not hold (empty if fired)
    tried: bool = True  # False for the rules after the one that fired


@dataclass(frozen=True)
class Evaluation:
    steps: tuple
    fired: Rule | None

    @property
    def actions(self):
        return self.fired.actions if self.fired is not None else ()

    @property
    def destinations(self):
        """(Action, ...) of the route actions, by delay (the order the destinations ring in)."""
        return tuple(sorted((a for a in self.actions if a.kind == ROUTE), key=lambda a: a.delay))


def effective_rule_list(tiered, own, direction):
    """The rules tried for a call in `direction`, in order (tuple of Rule).

    `tiered`: the organisation's and the user's groups' RuleSets in "Rækkefølge" order; `own`:
    the user's (or the rule-based number's) RuleSet or None."""
    trigger = TRIGGER_OF[direction]
    ordered = []
    for rule_list in (direction, FALLBACK):
        for rule_set in tiered:
            ordered.extend(rule_set.get(rule_list, REQUIRED))
        if own is not None:
            ordered.extend(own.get(rule_list, OWN))
        for rule_set in tiered:
            ordered.extend(rule_set.get(rule_list, OVERRIDABLE))
    return tuple(rule for rule in ordered if rule.trigger == trigger)


def condition_actual(condition, call):
    """Whether the fact the condition names is true for `call` (before "er sand/falsk")."""
    kind = condition.kind
    if kind == BUSY:
        return call.on_call
    if kind == WORKING_HOURS:
        return call.within_working_hours
    if kind == ACTIVITY:
        return call.activity is not None and call.activity == condition.ref
    if kind == ROLE:
        return call.role is not None and call.role == condition.ref
    if kind == AVAILABILITY:
        return call.availability == condition.value
    if kind == CALLER:
        return call.caller_internal == (condition.value == "internal")
    if kind == CALLER_PREFIX:
        return bool(condition.value) and call.caller_number.startswith(condition.value)
    if kind == NUMBER_TYPE:
        return call.number_type is not None and call.number_type == condition.ref
    if kind == NUMBER_PREFIX:
        return bool(condition.value) and call.number.startswith(condition.value)
    raise ValueError(f"unknown condition {kind!r}")


def routing_evaluate(rule_list, call):
    """Try the rules in order; the first whose conditions all hold fires (an Evaluation)."""
    trigger = TRIGGER_OF[call.direction]
    steps = []
    fired = None
    for rule in rule_list:
        if fired is not None:
            steps.append(Step(rule, False, tried=False))
            continue
        if rule.trigger != trigger:
            steps.append(Step(rule, False, tried=False))
            continue
        failed = tuple(
            result
            for result in (ConditionResult(c, condition_actual(c, call)) for c in rule.conditions)
            if not result.holds
        )
        if failed:
            steps.append(Step(rule, False, failed))
        else:
            fired = rule
            steps.append(Step(rule, True))
    return Evaluation(tuple(steps), fired)


def routing_call(
    *,
    direction,
    at=None,
    working_hours=None,
    time_zone="Europe/Copenhagen",
    classification_table=None,
    number="",
    caller_number="",
    caller_internal=False,
    on_call=False,
    activity=None,
    role=None,
    availability="available",
):
    """A Call from the simulator's inputs: the number keys, whether `at` lies within the
    (already resolved) working hours, and the number type of the dialled number."""
    number_k = number_key(number) if number else ""
    caller_k = number_key(caller_number) if caller_number else ""
    within = True  # no time given: the simulator asks about a moment within working hours
    if at is not None:
        within = within_working_hours(working_hours, at, time_zone=time_zone)
    number_type = None
    if classification_table is not None and number_k:
        match = classify(classification_table, number_k)
        number_type = match.classification if match else None
    return Call(
        direction=direction,
        on_call=on_call,
        within_working_hours=within,
        activity=activity,
        role=role,
        availability=availability,
        caller_internal=caller_internal,
        caller_number=caller_k,
        number=number_k,
        number_type=number_type,
    )
