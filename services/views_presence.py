"""SVC-19 "Synkronisering af tilstedeværelse": one page per calendar connector (organisation level).

The connector comes from the URL through the tenancy helper (another organisation's connector is
a 404). Buttons that rearrange rows (+ Add rule, ▲/▼, delete, + Add exclusion) re-render the
posted rows without saving; Save writes all rows in one transaction; Test runs the rows as shown
through services.presence_sync.presence_policy_apply with a sample appointment.
"""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.tenancy import get_for_organisation, scoped
from customers.models import CalendarConnector
from services.forms_presence import MAX_ROWS, ExclusionFormSet, MappingFormSet, PresenceTesterForm
from services.models_presence import PresencePolicy
from services.operations_presence import presence_policy_save
from services.presence_sync import (
    EXCHANGE_AVAILABILITY,
    presence_policy_apply,
)
from services.queries_presence import policy_of
from services.views import ServicesMixin, history_url

MAPPINGS, EXCLUSIONS = "mappings", "exclusions"
_ROW_ACTION = re.compile(r"^(mappings|exclusions)-([0-9]{1,3})(?:-(up|down))?$")


def _page_url(connector):
    return reverse("services:presence_sync_connector", args=[connector.pk])


class PresenceSyncIndexView(ServicesMixin, View):
    """ "Select connector": the first connector's page, the chosen one's, or how to add one."""

    def get(self, request):
        connectors = scoped(CalendarConnector, self.organisation).order_by("name")
        chosen = request.GET.get("connector", "")
        if chosen.isdigit():
            return HttpResponseRedirect(
                _page_url(
                    get_for_organisation(CalendarConnector, self.organisation, pk=int(chosen))
                )
            )
        first = connectors.first()
        if first is not None:
            return HttpResponseRedirect(_page_url(first))
        return render(
            request,
            "services/presence_sync.html",
            {"title": _("Presence synchronization policies"), "connectors": []},
        )


class PresenceSyncView(ServicesMixin, View):
    model = CalendarConnector  # for the tenancy walk: <pk> is a connector of the organisation

    def get_connector(self):
        return get_for_organisation(CalendarConnector, self.organisation, pk=self.kwargs["pk"])

    def formsets(self, data=None, mappings=None, exclusions=None):
        kwargs = {"organisation": self.organisation}
        return (
            MappingFormSet(data, initial=mappings, prefix=MAPPINGS, **kwargs),
            ExclusionFormSet(data, initial=exclusions, prefix=EXCLUSIONS, **kwargs),
        )

    def get(self, request, pk):
        connector = self.get_connector()
        mapping_rows, exclusion_rows = _stored_rows(connector)
        mappings, exclusions = self.formsets(mappings=mapping_rows, exclusions=exclusion_rows)
        return self.render_page(connector, mappings, exclusions, PresenceTesterForm(prefix="test"))

    def post(self, request, pk):
        connector = self.get_connector()
        mappings, exclusions = self.formsets(request.POST)
        tester = PresenceTesterForm(prefix="test")
        if "add_mapping" in request.POST or "add_exclusion" in request.POST:
            kind = MAPPINGS if "add_mapping" in request.POST else EXCLUSIONS
            return self.rearranged(connector, mappings, exclusions, kind, "add", None)
        for action in ("move", "remove"):
            match = _ROW_ACTION.match(request.POST.get(action, ""))
            if match:
                kind, index, direction = match[1], int(match[2]), match[3]
                return self.rearranged(
                    connector, mappings, exclusions, kind, direction or action, index
                )
        valid = mappings.is_valid() & exclusions.is_valid()
        if "test" in request.POST:
            tester = PresenceTesterForm(request.POST, prefix="test")
            if valid and tester.is_valid():
                policy = policy_of(mappings.rows(), exclusions.rows())
                outcome = presence_policy_apply(policy, tester.appointment())
                shown = self.formsets(
                    mappings=mappings.raw_rows(skip_blank=True),
                    exclusions=exclusions.raw_rows(skip_blank=True),
                )
                return self.render_page(connector, *shown, tester, outcome=outcome)
            return self.render_page(connector, mappings, exclusions, tester)
        if valid:
            try:
                presence_policy_save(
                    connector=connector,
                    mappings=mappings.rows(),
                    exclusions=exclusions.rows(),
                    by=request.user,
                )
            except ValidationError as exc:
                page_errors = _add_errors(mappings, exclusions, exc)
                return self.render_page(
                    connector, mappings, exclusions, tester, page_errors=page_errors
                )
            else:
                messages.success(
                    request,
                    _("The presence synchronization policies for %(connector)s were saved.")
                    % {"connector": connector},
                )
                return HttpResponseRedirect(_page_url(connector))
        return self.render_page(connector, mappings, exclusions, tester)

    def rearranged(self, connector, mappings, exclusions, kind, action, index):
        """The page with the posted rows rearranged (nothing validated, nothing saved)."""
        rows = {MAPPINGS: mappings.raw_rows(), EXCLUSIONS: exclusions.raw_rows()}
        target = rows[kind]
        status, focus = "", None
        if action == "add":
            if len(target) < MAX_ROWS:
                target.append({"type": "availability"})
                focus = f"id_{kind}-{len(target) - 1}-type"
                status = _("A new empty row was added at the end.")
        elif index < len(target):
            if action == "remove":
                target.pop(index)
                status = _("Row %(n)s was removed. Save to keep the change.") % {"n": index + 1}
                focus = f"{kind}-heading"
            else:
                other = index - 1 if action == "up" else index + 1
                if 0 <= other < len(target):
                    target[index], target[other] = target[other], target[index]
                    status = _(
                        "Row %(from)s moved to position %(to)s. Save to keep the change."
                    ) % {"from": index + 1, "to": other + 1}
                    focus = f"{kind}-{other}-{action}"
                    if not (0 <= other + (-1 if action == "up" else 1) < len(target)):
                        focus = f"{kind}-{other}-{'down' if action == 'up' else 'up'}"
        shown = self.formsets(mappings=rows[MAPPINGS], exclusions=rows[EXCLUSIONS])
        return self.render_page(
            connector,
            *shown,
            PresenceTesterForm(prefix="test"),
            status=status,
            focus=focus,
            unsaved=True,
        )

    def render_page(self, connector, mappings, exclusions, tester, **extra):
        policy = PresencePolicy.objects.filter(connector=connector).first()
        context = {
            "title": _("Presence synchronization policies"),
            "connector": connector,
            "connectors": scoped(CalendarConnector, self.organisation).order_by("name"),
            "mappings": mappings,
            "exclusions": exclusions,
            "tester": tester,
            "availability_values": EXCHANGE_AVAILABILITY,
            "history_url": history_url(policy),
            **extra,
        }
        return render(self.request, "services/presence_sync.html", context)


def _stored_rows(connector):
    policy = PresencePolicy.objects.filter(connector=connector).first()
    if policy is None:
        return [], []
    mappings = [
        {"type": m.type, "match": m.match, "activity": m.activity_id, "role": m.role_id}
        for m in policy.mappings.order_by("position")
    ]
    exclusions = [
        {"type": e.type, "match": e.match} for e in policy.exclusions.order_by("position")
    ]
    return mappings, exclusions


def _add_errors(mappings, exclusions, exc):
    """Put an operation's "mappings-<n>-<field>" errors on that row's field (the operation
    numbers the non-blank rows); returns the errors that belong to no row."""
    by_prefix = {MAPPINGS: mappings, EXCLUSIONS: exclusions}
    leftover = []
    for key, errors in exc.message_dict.items():
        prefix, _sep, rest = key.partition("-")
        index, _sep, field = rest.partition("-")
        formset = by_prefix.get(prefix)
        forms = [f for f in formset.forms if f.has_changed()] if formset is not None else []
        if index.isdigit() and int(index) < len(forms) and field in forms[int(index)].fields:
            for error in errors:
                forms[int(index)].add_error(field, error)
        else:
            leftover.extend(errors)
    return leftover
