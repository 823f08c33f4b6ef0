"""FN-3 auto attendant call flows: one document, a tree of nodes, validated whole (pure: the
caller passes what may be referenced). A node is a dict with a "type":

- "ivr": {"prompt": <prompt id>, "options": {"1": node, …, "*": node, "#": node},
          "timeout": <seconds 1..60>, "no_input": node | null}   (an IVR menu, FN-5's fields)
- "group": {"target": <id of an ACD, attendant or hunt group>}
- "schedule": {"target": <id of a function number whose schedule decides>,
               "open": node, "closed": node}   (FN-10: Åbent → "open", otherwise "closed")
- "inbox": {"target": <group inbox id>}
- "voicemail": {"target": <voicemail number id>}
- "external": {"number": "<an external number, E.164>"}
- "hangup": {}

`flow_validate` returns the normalised document or raises FlowError naming the node at fault by
its path (shown as "Start › Key 1 › Open"). Nothing is saved unless the whole tree is
valid (functionnumbers.operations.auto_attendant_flow_set).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from functionnumbers.models import IVR_KEYS

NODE_TYPES = ("ivr", "group", "schedule", "inbox", "voicemail", "external", "hangup")
REFERENCE_TYPES = {
    "group": "group",
    "schedule": "schedule",
    "inbox": "inbox",
    "voicemail": "voicemail",
}
CHILD_KEYS = {"ivr": (), "schedule": ("open", "closed")}
MAX_NODES = 500
MAX_DEPTH = 25
DEFAULT_TIMEOUT = 10


class FlowError(ValidationError):
    def __init__(self, path, message):
        self.path = path
        super().__init__(
            _("%(path)s: %(message)s") % {"path": path_label(path), "message": message},
            code="invalid_flow",
        )


EDGE_LABELS = {"open": _("Open"), "closed": _("Closed or forwarded"), "no_input": _("No input")}


def edge_label(key):
    """How a branch is named on the page: "Key 1", "Open", "No input"."""
    if key in IVR_KEYS:
        return _("Key %(key)s") % {"key": key}
    return EDGE_LABELS.get(key, key)


def path_label(path):
    """A node's place in the tree, for error messages: "Start › Key 1 › Open"."""
    return " › ".join([str(_("Start")), *(str(edge_label(key)) for key in path)])


@dataclass(frozen=True)
class Refs:
    """What a flow may refer to (ids of the organisation's objects), and the auto attendant's own id."""

    prompts: frozenset = frozenset()
    groups: frozenset = frozenset()
    schedules: frozenset = frozenset()
    inboxes: frozenset = frozenset()
    voicemails: frozenset = frozenset()
    own_id: int | None = None

    def allowed(self, kind):
        return {
            "group": self.groups,
            "schedule": self.schedules,
            "inbox": self.inboxes,
            "voicemail": self.voicemails,
        }[kind]


def empty_flow():
    return {"type": "hangup"}


def _id(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 18:
        return int(value)
    return None


def flow_validate(document, refs):
    """The normalised flow, or FlowError for the first node at fault (depth first, in order)."""
    if not isinstance(document, dict):
        raise FlowError((), _("The call flow must start with a node."))
    count = 0
    root = {}
    # Iterative walk (a crafted document may nest deeper than Python's recursion allows).
    stack = [(document, (), root)]
    while stack:
        node, path, out = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FlowError(path, _("A call flow has at most %(max)d steps.") % {"max": MAX_NODES})
        if len(path) > MAX_DEPTH:
            raise FlowError(
                path, _("A call flow nests at most %(max)d steps deep.") % {"max": MAX_DEPTH}
            )
        if not isinstance(node, dict):
            raise FlowError(path, _("Choose what happens here."))
        kind = node.get("type")
        if kind not in NODE_TYPES:
            raise FlowError(path, _("Unknown step “%(type)s”.") % {"type": str(kind)[:40]})
        out["type"] = kind
        if kind in REFERENCE_TYPES:
            target = _id(node.get("target"))
            if target is not None and target == refs.own_id:
                raise FlowError(
                    path, _("The call flow may not lead back to this auto attendant (a cycle).")
                )
            if target is None or target not in refs.allowed(kind):
                raise FlowError(
                    path, _("Choose one of the organisation's function numbers of the right type.")
                )
            out["target"] = target
        if kind == "external":
            try:
                normalised = numberlib.normalise(
                    node.get("number"), allow_local=False, use=numberlib.TARGET
                )
            except ValidationError as exc:
                raise FlowError(path, " ".join(exc.messages)) from None
            out["number"] = normalised.number
        if kind == "ivr":
            prompt = _id(node.get("prompt"))
            if prompt is None or prompt not in refs.prompts:
                raise FlowError(path, _("Choose the voice prompt the menu plays."))
            out["prompt"] = prompt
            timeout = _id(node.get("timeout", DEFAULT_TIMEOUT))
            if timeout is None or not 1 <= timeout <= 60:
                raise FlowError(path, _("The time to wait for a key is 1 to 60 seconds."))
            out["timeout"] = timeout
            options = node.get("options") or {}
            if not isinstance(options, dict) or any(key not in IVR_KEYS for key in options):
                raise FlowError(path, _("Menu options are the keys 0–9, * and #."))
            if not options:
                raise FlowError(path, _("A menu needs at least one option."))
            out["options"] = {}
            children = []
            for key in IVR_KEYS:
                if key in options:
                    out["options"][key] = {}
                    children.append((options[key], (*path, key), out["options"][key]))
            no_input = node.get("no_input")
            if no_input is not None:
                out["no_input"] = {}
                children.append((no_input, (*path, "no_input"), out["no_input"]))
            stack.extend(reversed(children))
        if kind == "schedule":
            children = []
            for key in ("open", "closed"):
                out[key] = {}
                children.append((node.get(key), (*path, key), out[key]))
            stack.extend(reversed(children))
    return root


def flow_nodes(document):
    """(path, node) of every node of a validated flow, depth first in display order."""
    stack = [((), document)]
    while stack:
        path, node = stack.pop()
        yield path, node
        children = []
        if node.get("type") == "ivr":
            children += [((*path, key), child) for key, child in node.get("options", {}).items()]
            if node.get("no_input"):
                children.append(((*path, "no_input"), node["no_input"]))
        elif node.get("type") == "schedule":
            children += [((*path, key), node[key]) for key in ("open", "closed") if node.get(key)]
        stack.extend(reversed(children))


def flow_references(document):
    """(function number ids, prompt ids) a validated flow refers to."""
    functions, prompts = set(), set()
    for _path, node in flow_nodes(document):
        if node["type"] in REFERENCE_TYPES:
            functions.add(node["target"])
        if node["type"] == "ivr":
            prompts.add(node["prompt"])
    return functions, prompts
