"""FN-3: the tree editor of an auto attendant's call flow (no drag-and-drop canvas).

The draft tree travels with the form (a hidden JSON copy of its shape, plus one set of inputs per
node named `<field>@<path>`); each button changes the draft ("Tilføj valgmulighed", "Fjern", a new
step type) and shows it again, and "Gem" validates the whole tree and saves it in one go
(functionnumbers.operations.auto_attendant_flow_set). An invalid tree is shown again with the
node at fault marked, and nothing is saved.
"""

import json

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib.views import PortalMixin, no_access_response
from customers import permissions
from customers.models import Prompt
from functionnumbers import autoattendant as aa
from functionnumbers.models import IVR_KEYS, SCHEDULED_KINDS, AutoAttendant, FunctionNumber, Kind
from functionnumbers.operations import auto_attendant_flow_set

NODE_LABELS = {
    "ivr": gettext_lazy("IVR menu"),
    "group": gettext_lazy("ACD, attendant or hunt group"),
    "schedule": gettext_lazy("Schedule branch"),
    "inbox": gettext_lazy("Group inbox"),
    "voicemail": gettext_lazy("Voicemail"),
    "external": gettext_lazy("External number"),
    "hangup": gettext_lazy("Hang up"),
}
EDGE_LABELS = {
    "open": gettext_lazy("Open"),
    "closed": gettext_lazy("Closed or forwarded"),
    "no_input": gettext_lazy("No input"),
}
MAX_DRAFT_BYTES = 200_000


def _path_key(path):
    return "/".join(path)


def _new_node(kind):
    if kind == "ivr":
        return {"type": "ivr", "options": {"1": aa.empty_flow()}, "timeout": aa.DEFAULT_TIMEOUT}
    if kind == "schedule":
        return {"type": "schedule", "open": aa.empty_flow(), "closed": aa.empty_flow()}
    return {"type": kind if kind in aa.NODE_TYPES else "hangup"}


def _children(node):
    """(edge key, child) of a draft node, tolerant of any shape."""
    if not isinstance(node, dict):
        return []
    if node.get("type") == "ivr":
        options = node.get("options") if isinstance(node.get("options"), dict) else {}
        result = [(key, options[key]) for key in IVR_KEYS if key in options]
        if isinstance(node.get("no_input"), dict):
            result.append(("no_input", node["no_input"]))
        return result
    if node.get("type") == "schedule":
        return [
            (key, node.get(key)) for key in ("open", "closed") if isinstance(node.get(key), dict)
        ]
    return []


def draft_nodes(draft, limit=aa.MAX_NODES + 1):
    """(path, node) of a draft tree, depth first, at most `limit` nodes (a crafted draft may be huge)."""
    stack, seen = [((), draft)], 0
    while stack and seen < limit:
        path, node = stack.pop()
        seen += 1
        yield path, node
        if len(path) < aa.MAX_DEPTH + 1:
            stack.extend(reversed([((*path, key), child) for key, child in _children(node)]))


def _node_at(draft, path):
    node = draft
    for key in path:
        node = dict(_children(node)).get(key)
        if node is None:
            return None
    return node


class AutoAttendantFlowView(PortalMixin, View):
    model = FunctionNumber
    permission = permissions.EDIT_FUNCTION_NUMBER
    template_name = "functionnumbers/auto_attendant_flow.html"

    def has_permission(self):
        return True  # asked for the auto attendant itself, after the tenancy lookup

    def load(self, request, pk, write):
        self.object = self.get_object_for_organisation(
            AutoAttendant.objects.select_related("number"), pk=pk
        )
        return permissions.may(
            request.user,
            self.permission,
            obj=self.object,
            organisation=self.organisation,
            write=write,
        )

    def choices(self):
        org = self.organisation
        functions = list(
            FunctionNumber.objects.for_organisation(org)
            .select_related("number")
            .exclude(pk=self.object.pk)
        )
        return {
            "group": [
                (f.pk, f.label)
                for f in functions
                if f.kind in (Kind.ACD, Kind.ATTENDANT, Kind.HUNT)
            ],
            "schedule": [(f.pk, f.label) for f in functions if f.kind in SCHEDULED_KINDS],
            "inbox": [(f.pk, f.label) for f in functions if f.kind == Kind.GROUP_INBOX],
            "voicemail": [(f.pk, f.label) for f in functions if f.kind == Kind.VOICEMAIL],
            "prompt": list(
                Prompt.objects.for_organisation(org)
                .filter(kind=Prompt.Kind.PROMPT)
                .values_list("pk", "name")
            ),
        }

    def render_editor(self, request, draft, error=None, status=200):
        rows = []
        for path, node in draft_nodes(draft):
            kind = node.get("type") if isinstance(node, dict) else None
            edge = path[-1] if path else ""
            rows.append(
                {
                    "path": _path_key(path),
                    "depth": len(path),
                    "edge": (_("Key %(key)s") % {"key": edge})
                    if edge in IVR_KEYS
                    else EDGE_LABELS.get(edge, ""),
                    "node": node if isinstance(node, dict) else {},
                    "kind": kind,
                    "removable": bool(path) and (edge in IVR_KEYS or edge == "no_input"),
                    "free_keys": [k for k in IVR_KEYS if k not in dict(_children(node))]
                    if kind == "ivr"
                    else [],
                    "has_no_input": kind == "ivr" and isinstance(node.get("no_input"), dict),
                    "at_fault": error is not None
                    and _path_key(getattr(error, "path", ("?",))) == _path_key(path),
                }
            )
        context = {
            "object": self.object,
            "title": _("Call flow of %(number)s") % {"number": self.object.label},
            "rows": rows,
            "draft_json": json.dumps(draft, ensure_ascii=False),
            "node_labels": NODE_LABELS,
            "choices": self.choices(),
            "error": error,
            "cancel_url": reverse("functionnumbers:auto_attendant_update", args=[self.object.pk]),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        if not self.load(request, pk, write=False):
            return no_access_response(request)
        return self.render_editor(request, self.object.flow or aa.empty_flow())

    def post(self, request, pk):
        if not self.load(request, pk, write=True):
            return no_access_response(request)
        draft, problem = self.read_draft(request)
        if problem:
            return self.render_editor(
                request,
                self.object.flow or aa.empty_flow(),
                error=aa.FlowError((), problem),
                status=400,
            )
        action = request.POST.get("action", "")
        if action == "save":
            try:
                auto_attendant_flow_set(auto_attendant=self.object, document=draft, by=request.user)
            except aa.FlowError as exc:
                return self.render_editor(request, draft, error=exc)
            messages.success(request, _("The call flow was saved."))
            return HttpResponseRedirect(
                reverse("functionnumbers:auto_attendant_flow", args=[self.object.pk])
            )
        draft = self.apply_action(draft, action, request.POST)
        return self.render_editor(request, draft)

    def read_draft(self, request):
        """The draft tree: the posted shape with the posted field values applied."""
        raw = request.POST.get("draft", "")
        if len(raw) > MAX_DRAFT_BYTES:
            return None, _("The call flow is too large.")
        try:
            draft = json.loads(raw) if raw else aa.empty_flow()
        except (ValueError, RecursionError):
            return None, _("The call flow could not be read. Start again from the saved flow.")
        if not isinstance(draft, dict):
            return None, _("The call flow could not be read. Start again from the saved flow.")
        for path, node in draft_nodes(draft):
            if not isinstance(node, dict):
                continue
            key = _path_key(path)
            kind = request.POST.get(f"type@{key}")
            if kind and kind != node.get("type"):
                node.clear()
                node.update(_new_node(kind))
                continue
            for name in ("target", "number", "prompt", "timeout"):
                value = request.POST.get(f"{name}@{key}")
                if value is not None:
                    node[name] = value.strip()
        return draft, None

    def apply_action(self, draft, action, data):
        verb, _sep, key = action.partition(":")
        path = tuple(part for part in key.split("/") if part)
        node = _node_at(draft, path)
        if node is None:
            return draft
        if verb == "add_option" and node.get("type") == "ivr":
            new_key = data.get(f"newkey@{key}", "")
            options = node.setdefault("options", {})
            if new_key in IVR_KEYS and new_key not in options:
                options[new_key] = aa.empty_flow()
        elif verb == "add_no_input" and node.get("type") == "ivr":
            node.setdefault("no_input", aa.empty_flow())
        elif verb == "remove" and path:
            parent = _node_at(draft, path[:-1])
            if path[-1] == "no_input":
                parent.pop("no_input", None)
            else:
                parent.get("options", {}).pop(path[-1], None)
        return draft
