"""FN-6 "Gengiv billede": the tree of callflow_walk drawn with Graphviz (SVG and PNG), labels in
the viewer's language. The `dot` program comes from Debian's graphviz package (installed by
scripts/test, scripts/demo and the Dockerfile)."""

import graphviz
from django.utils.translation import gettext as _

from functionnumbers.callflow import (
    BUSY,
    CLOSED,
    EXTENSION,
    EXTERNAL,
    HANGUP,
    MEMBER,
    USER,
    reason_label,
)
from functionnumbers.models import Kind

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
_FILL = {
    MEMBER: "#eef6ee",
    USER: "#eef6ee",
    EXTERNAL: "#fff7e0",
    BUSY: "#f4e0e0",
    CLOSED: "#f4e0e0",
    HANGUP: "#f4e0e0",
    EXTENSION: "#eeeeee",
}


def kind_label(kind):
    labels = {
        MEMBER: _("Member"),
        USER: _("User"),
        EXTERNAL: _("External number"),
        BUSY: _("Busy tone"),
        CLOSED: _("Closed"),
        HANGUP: _("Hang up"),
        EXTENSION: _("Call extension"),
    }
    if kind in labels:
        return labels[kind]
    try:
        return Kind(kind).label
    except ValueError:
        return kind


def callflow_graph(tree, highlight=frozenset()):
    """A graphviz.Digraph of the tree (nodes in `highlight`, by id(), drawn bold)."""
    graph = graphviz.Digraph(
        "callflow",
        graph_attr={"rankdir": "LR", "fontname": "DejaVu Sans", "bgcolor": "white"},
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": "DejaVu Sans",
            "fontsize": "11",
        },
        edge_attr={"fontname": "DejaVu Sans", "fontsize": "9"},
    )
    names = {}
    for index, node in enumerate(tree.walk()):
        names[id(node)] = f"n{index}"
        lines = [str(kind_label(node.kind)), node.label]
        if node.number and node.number != node.label:
            lines.append(node.number)
        if node.cycle:
            lines.append("↻ " + _("see above"))
        attrs = {"fillcolor": _FILL.get(node.kind, "#e6efff")}
        if node.cycle:
            attrs["style"] = "rounded,filled,dashed"
        if id(node) in highlight:
            attrs.update({"penwidth": "3", "color": "#0b5ed7"})
        graph.node(names[id(node)], "\n".join(lines), **attrs)
    for node in tree.walk():
        for child in node.children:
            attrs = {"label": reason_label(child.reason)}
            if id(child) in highlight and id(node) in highlight:
                attrs.update({"penwidth": "3", "color": "#0b5ed7"})
            graph.edge(names[id(node)], names[id(child)], **attrs)
    return graph


def render(tree, fmt, highlight=frozenset()):
    """The picture as bytes in `fmt` ("svg" or "png")."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return callflow_graph(tree, highlight).pipe(format=fmt)
