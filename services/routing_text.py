"""The readable sentence of a routing rule (SVC-11), generated in the active language, never stored.

"Når et opkald modtages og i samtale er sand derefter vil opkaldet blive dirigeret til
fastnettelefon og softphone uden forsinkelse og voicemail efter 10 sekunder": the trigger, the
AND-ed conditions ("og a, b og c"), then the actions. Route destinations are grouped by delay in
the order they ring; each group is a list ("fastnettelefon og softphone") followed by its delay
("uden forsinkelse", "efter 1 sekund", "efter 10 sekunder"). Takes services.routing dataclasses.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from customers.models.presence import Availability
from services import routing
from services.models_routing import ConditionKind, Destination, Presented, Trigger


def natural_list(items):
    """ "a", "a og b", "a, b og c" (English "a, b and c")."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def delay_text(seconds):
    if not seconds:
        return _("without delay")
    return ngettext("after %(seconds)d second", "after %(seconds)d seconds", seconds) % {
        "seconds": seconds
    }


def _caller(value):
    return pgettext("caller", "internal") if value == "internal" else pgettext("caller", "external")


def condition_text(condition):
    """ "<condition> er sand/falsk"."""
    label = ConditionKind(condition.kind).label
    kind = condition.kind
    if kind in (routing.ACTIVITY, routing.ROLE, routing.NUMBER_TYPE):
        subject = f"{label} {condition.label}"
    elif kind == routing.AVAILABILITY:
        subject = f"{label} {str(Availability(condition.value).label).lower()}"
    elif kind == routing.CALLER:
        subject = f"{label} {_caller(condition.value)}"
    elif kind in (routing.CALLER_PREFIX, routing.NUMBER_PREFIX):
        subject = f"{label} {condition.value}"
    else:
        subject = str(label)
    if condition.expected:
        return _("%(condition)s is true") % {"condition": subject}
    return _("%(condition)s is false") % {"condition": subject}


def destination_text(action):
    if action.destination == Destination.OTHER_NUMBER and action.number:
        return action.number
    if action.destination in (Destination.USER, Destination.FUNCTION_NUMBER) and action.label:
        return action.label
    return str(Destination(action.destination).label)


def _route_text(actions):
    groups = []  # [(delay, [destination text, ...])] in ringing order
    for action in sorted(actions, key=lambda a: a.delay):
        if groups and groups[-1][0] == action.delay:
            groups[-1][1].append(destination_text(action))
        else:
            groups.append((action.delay, [destination_text(action)]))
    parts = [
        _("%(destinations)s %(delay)s")
        % {"destinations": natural_list(names), "delay": delay_text(delay)}
        for delay, names in groups
    ]
    return _("the call will be routed to %(destinations)s") % {"destinations": natural_list(parts)}


def _present_text(presented):
    if presented == Presented.ANONYMOUS:
        return _("the call will be made anonymously")
    return _("the call will be presented with %(number)s") % {"number": Presented(presented).label}


def actions_text(actions):
    clauses = []
    routes = [a for a in actions if a.kind == routing.ROUTE]
    for action in actions:
        if action.kind == routing.PRESENT:
            clauses.append(_present_text(action.presented))
    if routes:
        clauses.append(_route_text(routes))
    for action in actions:
        if action.kind == routing.REJECT_BUSY:
            clauses.append(_("the call will be rejected with a busy tone"))
        elif action.kind == routing.BLOCK:
            clauses.append(_("the call will be blocked"))
    return natural_list(clauses)


def rule_sentence(rule):
    """The whole sentence of a routing.Rule in the active language."""
    trigger = Trigger(rule.trigger).label
    actions = actions_text(rule.actions)
    if rule.conditions:
        conditions = natural_list(condition_text(c) for c in rule.conditions)
        return _("%(trigger)s and %(conditions)s then %(actions)s") % {
            "trigger": trigger,
            "conditions": conditions,
            "actions": actions,
        }
    return _("%(trigger)s then %(actions)s") % {"trigger": trigger, "actions": actions}
