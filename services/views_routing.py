"""The page "Opkald - routing" (SVC-11..SVC-13): the overview with its four sections, one rule
set's rules as sentences with ▲/▼ and the simulator, and the structured rule editor.

Owners (group, user, rule-based number) and rules are fetched through the tenancy helper, so
another organisation's object is a 404; a rule moved through a crafted POST must belong to the
rule set in the URL (services.operations_routing.routing_rule_move).
"""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.forms import add_operation_errors
from connect.lib.tenancy import get_for_organisation, scoped
from customers.models import User, UserGroup
from services import operations_routing as ops
from services.definitions import ROUTING_DESTINATIONS
from services.forms_routing import RoutingRuleForm, RoutingSimulatorForm
from services.models import RoutingRule, RoutingRuleSet
from services.models_routing import MAX_RULES_PER_LIST, RuleList, Tier
from services.queries_routing import load_rule_sets, ordered_tier_sets, routing_simulate
from services.routing_text import delay_text, destination_text, rule_sentence
from services.views import ServicesMixin, search_users

LEVELS = ("organisation", "group", "user", "number")


def rule_based_number_model():
    """FN-8 rule-based numbers, reached by name: services does not import functionnumbers."""
    return apps.get_model("functionnumbers", "RuleBasedNumber")


def owner_kwargs(organisation, level, pk):
    """{group|user|rule_based_number: object} of the owner named in the URL (404 if not ours)."""
    if level == "group":
        return {"group": get_for_organisation(UserGroup, organisation, pk=pk)}
    if level == "user":
        return {"user": get_for_organisation(User, organisation, pk=pk)}
    if level == "number":
        return {
            "rule_based_number": get_for_organisation(
                rule_based_number_model(), organisation, pk=pk
            )
        }
    return {}


def rules_url(rule_set_or_level, pk=None):
    if isinstance(rule_set_or_level, RoutingRuleSet):
        level = rule_set_or_level.owner_kind
        pk = (
            rule_set_or_level.group_id
            or rule_set_or_level.user_id
            or rule_set_or_level.rule_based_number_id
        )
    else:
        level = rule_set_or_level
    if level == "organisation":
        return reverse("services:routing_rules")
    return reverse(f"services:routing_rules_{level}", args=[pk])


class RoutingHelpView(ServicesMixin, View):
    """"Hjælp": how routing rules are written and applied (SVC-11)."""

    def get(self, request):
        return render(request, "services/routing_help.html", {"title": _("Call routing: help")})


class RoutingOverviewView(ServicesMixin, View):
    """The four sections: Rækkefølge, allowed destinations, user search, rule-based numbers."""

    def get(self, request):
        organisation = self.organisation
        tier_sets = ordered_tier_sets(organisation)
        configured = {row.group_id for row in tier_sets}
        groups = list(
            scoped(UserGroup, organisation).order_by("name").only("pk", "name", "organisation_id")
        )
        query = request.GET.get("q", "").strip()[:100]
        numbers = list(
            scoped(rule_based_number_model(), organisation)
            .select_related("number")
            .order_by("name", "pk")
        )
        return render(
            request,
            "services/routing.html",
            {
                "title": _("Call routing"),
                "tier_sets": tier_sets,
                "organisation_configured": None in configured,
                "unconfigured_groups": [g for g in groups if g.pk not in configured],
                "groups": groups,
                "destinations_service": ROUTING_DESTINATIONS,
                "query": query,
                "search_results": search_users(organisation, query) if query else None,
                "rule_based_numbers": numbers,
            },
        )


class RoutingGroupAddView(ServicesMixin, View):
    """ "Start med at konfigurere regler ... for brugergruppe: [Vælg] [Konfigurer]"."""

    def post(self, request):
        group = get_for_organisation(
            UserGroup, self.organisation, pk=request.POST.get("group") or 0
        )
        rule_set = ops.rule_set_get_or_create(
            organisation=self.organisation, group=group, by=request.user
        )
        return HttpResponseRedirect(rules_url(rule_set))


class RoutingSetMoveView(ServicesMixin, View):
    def post(self, request, pk):
        rule_set = get_for_organisation(RoutingRuleSet, self.organisation, pk=pk)
        try:
            ops.rule_set_move(
                rule_set=rule_set, direction=request.POST.get("direction"), by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("services:routing"))


class RuleSetMixin(ServicesMixin):
    level = "organisation"

    def get_rule_set(self, create=False):
        self.owner = owner_kwargs(self.organisation, self.level, self.kwargs.get("pk"))
        if create:
            return ops.rule_set_get_or_create(
                organisation=self.organisation, by=self.request.user, **self.owner
            )
        found = RoutingRuleSet.objects.for_organisation(self.organisation).filter(
            group=self.owner.get("group"),
            user=self.owner.get("user"),
            rule_based_number=self.owner.get("rule_based_number"),
        )
        return found.select_related(
            "group", "user", "rule_based_number__number"
        ).first() or RoutingRuleSet(organisation=self.organisation, **self.owner)


def _steps_context(rule_list, evaluation):
    rows = []
    for step in evaluation.steps:
        if step.fired:
            why = (
                _("This rule fires: all its conditions hold.")
                if step.rule.conditions
                else _("This rule fires: it has no conditions.")
            )
        elif not step.tried:
            why = _("Not tried: a rule above fired.")
        else:
            from services.routing_text import condition_text

            why = _("Does not apply: %(conditions)s does not hold.") % {
                "conditions": "; ".join(condition_text(r.condition) for r in step.failed)
            }
        rows.append({"step": step, "sentence": rule_sentence(step.rule), "why": why})
    return rows


class RoutingRulesView(RuleSetMixin, View):
    """One owner's rules as sentences, ▲/▼ per rule, and the simulator (users and numbers)."""

    def get(self, request, **kwargs):
        rule_set = self.get_rule_set()
        data = load_rule_sets([rule_set]).get(rule_set.pk) if rule_set.pk else None
        tiers = (Tier.REQUIRED, Tier.OVERRIDABLE) if rule_set.has_tiers else (Tier.OWN,)
        sections = []
        for rule_list in rule_set.lists:
            parts = []
            for tier in tiers:
                rules = data.get(rule_list, tier) if data else ()
                parts.append(
                    {
                        "tier": tier,
                        "label": Tier(tier).label if rule_set.has_tiers else "",
                        "rules": [{"rule": r, "sentence": rule_sentence(r)} for r in rules],
                        "full": len(rules) >= MAX_RULES_PER_LIST,
                    }
                )
            sections.append({"list": rule_list, "label": RuleList(rule_list).label, "parts": parts})
        context = {
            "title": _("Call routing rules for %(owner)s") % {"owner": rule_set},
            "rule_set": rule_set,
            "sections": sections,
            "max_rules": MAX_RULES_PER_LIST,
            "create_url": request.path + "new/",
        }
        if rule_set.owner_kind in ("user", "number"):
            context.update(self.simulation(request, rule_set))
        return render(request, "services/routing_rules.html", context)

    def simulation(self, request, rule_set):
        if "direction" not in request.GET:
            return {"simulator": RoutingSimulatorForm(organisation=self.organisation)}
        form = RoutingSimulatorForm(request.GET, organisation=self.organisation)
        if not form.is_valid():
            return {"simulator": form}
        rule_list, evaluation = routing_simulate(
            self.organisation,
            user=rule_set.user if rule_set.user_id else None,
            rule_based_number_id=rule_set.rule_based_number_id,
            **form.simulation_kwargs(),
        )
        return {
            "simulator": form,
            "simulated": True,
            "steps": _steps_context(rule_list, evaluation),
            "fired": evaluation.fired,
            "fired_sentence": rule_sentence(evaluation.fired) if evaluation.fired else "",
            "destinations": [
                (destination_text(a), delay_text(a.delay)) for a in evaluation.destinations
            ],
        }


class RoutingRuleEditMixin(RuleSetMixin):
    template_name = "services/routing_rule_form.html"

    def render_form(self, form, rule_set):
        return render(
            self.request,
            self.template_name,
            {
                "title": _("Rule for %(owner)s") % {"owner": rule_set},
                "form": form,
                "rule_set": rule_set,
                "cancel_url": rules_url(rule_set)
                if rule_set.pk
                else rules_url(self.level, self.kwargs.get("pk")),
                "max_rules": MAX_RULES_PER_LIST,
            },
        )

    def make_form(self, rule_set, data=None, initial=None):
        return RoutingRuleForm(
            data, rule_set=rule_set, destinations=ops.destinations_for(rule_set), initial=initial
        )

    def save(self, form, rule_set, rule=None):
        if form.is_valid():
            try:
                ops.routing_rule_save(
                    rule_set=rule_set, rule=rule, by=self.request.user, **form.payload()
                )
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(self.request, _("The rule was saved."))
                return HttpResponseRedirect(rules_url(rule_set))
        return self.render_form(form, rule_set)


class RoutingRuleCreateView(RoutingRuleEditMixin, View):
    def get(self, request, **kwargs):
        rule_set = self.get_rule_set()
        placement = request.GET.get("placement", "")
        return self.render_form(
            self.make_form(rule_set, initial={"placement": placement}), rule_set
        )

    def post(self, request, **kwargs):
        rule_set = self.get_rule_set()
        form = self.make_form(rule_set, data=request.POST)
        if not form.is_valid():
            return self.render_form(form, rule_set)
        rule_set = self.get_rule_set(create=True)
        form = self.make_form(rule_set, data=request.POST)
        return self.save(form, rule_set)


class RoutingRuleUpdateView(RoutingRuleEditMixin, View):
    def get_rule(self, pk):
        rule = get_for_organisation(
            RoutingRule.objects.select_related("rule_set__organisation"), self.organisation, pk=pk
        )
        self.level = rule.rule_set.owner_kind
        return rule

    def get(self, request, pk):
        rule = self.get_rule(pk)
        return self.render_form(
            self.make_form(rule.rule_set, initial=RoutingRuleForm.initial_for(rule)), rule.rule_set
        )

    def post(self, request, pk):
        rule = self.get_rule(pk)
        return self.save(self.make_form(rule.rule_set, data=request.POST), rule.rule_set, rule)


class RoutingRuleDeleteView(ServicesMixin, View):
    def post(self, request, pk):
        rule = get_for_organisation(
            RoutingRule.objects.select_related("rule_set"), self.organisation, pk=pk
        )
        rule_set = rule.rule_set
        ops.routing_rule_delete(rule=rule, by=request.user)
        messages.success(request, _("The rule was deleted."))
        return HttpResponseRedirect(rules_url(rule_set))


class RoutingRuleMoveView(ServicesMixin, View):
    """▲/▼ of one rule; the rule named in the POST must belong to the rule set in the URL."""

    def post(self, request, pk):
        rule_set = get_for_organisation(RoutingRuleSet, self.organisation, pk=pk)
        rule_id = request.POST.get("rule", "")
        rule_id = int(rule_id) if rule_id.isdigit() and len(rule_id) < 12 else None
        try:
            ops.routing_rule_move(
                rule_set=rule_set,
                rule_id=rule_id,
                direction=request.POST.get("direction"),
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(rules_url(rule_set))
