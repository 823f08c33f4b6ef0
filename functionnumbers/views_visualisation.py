"""Funktionsnumre → Nummervisualisering (FN-6) and "what happens to a call at time T".

The list expands a function number into the tree of callflow_walk (lazily, with htmx; "Udvid
alle" opens every branch); a number's page shows the whole tree, "Gengiv billede" (SVG, PNG) and
the simulation form, which calls callflow_simulate on the same loaded data and highlights the
path it takes in the tree.
"""

import datetime as dt

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib import numbers as numberlib
from connect.lib.views import PortalMixin, no_access_response
from customers import permissions
from functionnumbers import callflow, schedules
from functionnumbers import render as drawing
from functionnumbers.models import FunctionNumber
from functionnumbers.render import FORMATS, kind_label


class SimulationForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Number"), max_length=32)
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args, time_zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean_number(self):
        return numberlib.normalise(self.cleaned_data["number"]).number  # ValidationError: a field error

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            local = dt.datetime.combine(data["date"], data["time"])
            if not schedules.wall_clock_exists(local, self.time_zone):
                self.add_error(
                    "time",
                    _(
                        "%(time)s does not exist on %(date)s in %(zone)s: the clocks are put forward then."
                    )
                    % {
                        "time": data["time"].strftime("%H:%M"),
                        "date": data["date"].isoformat(),
                        "zone": self.time_zone,
                    },
                )
            data["local"] = local
        return data


def _visible(request, organisation):
    items = (
        FunctionNumber.objects.for_organisation(organisation)
        .select_related("number")
        .prefetch_related("admin_groups")  # may() asks each for its groups: one query for all
        .order_by("kind", "number__kind", "number__value")
    )
    return [
        fn
        for fn in items
        if permissions.may(
            request.user, permissions.EDIT_FUNCTION_NUMBER, obj=fn, organisation=organisation
        )
    ]


class VisualisationListView(PortalMixin, View):
    permission = permissions.EDIT_FUNCTION_NUMBER
    template_name = "functionnumbers/visualisation_list.html"

    def has_permission(self):
        self.items = _visible(self.request, self.organisation)
        return bool(self.items) or permissions.may(
            self.request.user, permissions.ADMINISTER_ORGANISATION, organisation=self.organisation
        )

    def get(self, request):
        return render(
            request, self.template_name, {"items": self.items, "title": _("Number visualization")}
        )


class VisualisationMixin(PortalMixin):
    model = FunctionNumber
    permission = permissions.EDIT_FUNCTION_NUMBER

    def has_permission(self):
        return True  # asked for the function number itself, after the tenancy lookup

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.load(request, kwargs["pk"])  # another organisation's number is a 404 whatever the method
        return super().http_method_not_allowed(request, *args, **kwargs)

    def load(self, request, pk):
        self.object = self.get_object_for_organisation(
            FunctionNumber.objects.select_related("number"), pk=pk
        )
        return permissions.may(
            request.user, self.permission, obj=self.object, organisation=self.organisation
        )

    def tree(self):
        self.data = callflow.load_flow_data(self.organisation)
        return callflow.callflow_walk(self.data, self.object.number.number)


def tree_rows(tree, highlight=frozenset()):
    """The tree flattened for the template (no template recursion, whatever its depth): each row
    opens a nested list when it has children; `close_after` is how many nested lists end after it."""
    rows, stack = [], [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        rows.append(
            {
                "node": node,
                "depth": depth,
                "kind": kind_label(node.kind),
                "reason": callflow.reason_label(node.reason),
                "has_children": bool(node.children),
                "on_path": id(node) in highlight,
            }
        )
        stack.extend((child, depth + 1) for child in reversed(node.children))
    for index, row in enumerate(rows):
        following = rows[index + 1]["depth"] if index + 1 < len(rows) else 0
        row["close_after"] = range(0) if row["has_children"] else range(row["depth"] - following)
    return rows


class VisualisationTreeView(VisualisationMixin, View):
    """The expanded tree of one function number (a partial for the list, or the whole page)."""

    def get(self, request, pk):
        if not self.load(request, pk):
            return no_access_response(request)
        tree = self.tree()
        if request.headers.get("HX-Request"):
            return render(
                request,
                "functionnumbers/_callflow_tree.html",
                {"rows": tree_rows(tree), "object": self.object},
            )
        form = SimulationForm(
            request.GET if "date" in request.GET else None,
            time_zone=self.organisation.time_zone,
            initial=self._initial(),
        )
        simulation, highlight = None, frozenset()
        if form.is_bound and form.is_valid():
            simulation = callflow.callflow_simulate(
                self.data, form.cleaned_data["number"], form.cleaned_data["local"]
            )
            highlight = (
                callflow.mark_path(tree, simulation.path)
                if form.cleaned_data["number"] == self.object.number.number
                else frozenset()
            )
        context = {
            "object": self.object,
            "rows": tree_rows(tree, highlight),
            "form": form,
            "simulation": simulation,
            "when": self._when(simulation),
            "title": _("Number visualization: %(number)s") % {"number": self.object.label},
            "formats": list(FORMATS),
        }
        return render(request, "functionnumbers/visualisation_detail.html", context)

    def _initial(self):
        now = timezone.localtime(timezone.now(), schedules.ZoneInfo(self.organisation.time_zone))
        return {
            "number": self.object.number.number,
            "date": now.date(),
            "time": now.time().replace(second=0, microsecond=0),
        }

    def _when(self, simulation):
        if simulation is None:
            return ""
        local = simulation.local
        return f"{formats.date_format(local, 'l')} {local:%H:%M}"


class VisualisationImageView(VisualisationMixin, View):
    """ "Gengiv billede": the routing of a function number as SVG or PNG (a download)."""

    def get(self, request, pk, fmt):
        if fmt not in FORMATS:
            raise Http404
        if not self.load(request, pk):
            return no_access_response(request)
        picture = drawing.render(self.tree(), fmt)
        response = HttpResponse(picture, content_type=FORMATS[fmt])
        filename = f"callflow-{self.object.number.number.lstrip('+')}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response
