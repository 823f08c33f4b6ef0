"""Forms of call routing (SVC-11..SVC-13): the structured rule editor and the simulator.

The rule editor has a fixed number of condition rows and action rows (an empty row is ignored),
so it works without JavaScript. Choices are narrowed to the organisation (activities, roles,
number types, users, function numbers) and destinations to the allowed ones (SVC-12); the
operation checks everything again (services.operations_routing).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connect.lib.tenancy import scoped
from customers.models import Activity, NumberClassification, Role, User
from customers.models.presence import Availability
from services import routing
from services.models_routing import (
    MAX_DELAY,
    ActionKind,
    ConditionKind,
    Destination,
    Presented,
    RuleList,
    Tier,
    Trigger,
)

CONDITION_ROWS = 4
ACTION_ROWS = 5
TRUTH = (("true", _("is true")), ("false", _("is false")))
CALLER_VALUES = (
    ("internal", pgettext_lazy("caller", "internal")),
    ("external", pgettext_lazy("caller", "external")),
)


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


def placements(rule_set):
    """(value, label) of the lists and tiers a rule of `rule_set` can be placed in."""
    tiers = (Tier.REQUIRED, Tier.OVERRIDABLE) if rule_set.has_tiers else (Tier.OWN,)
    return [
        (
            f"{rule_list}:{tier}",
            f"{RuleList(rule_list).label} – {Tier(tier).label}"
            if rule_set.has_tiers
            else RuleList(rule_list).label,
        )
        for rule_list in rule_set.lists
        for tier in tiers
    ]


class RoutingRuleForm(forms.Form):
    placement = forms.ChoiceField(label=_("List"))
    trigger = forms.ChoiceField(label=_("Trigger"), choices=Trigger.choices)

    def __init__(self, *args, rule_set, destinations, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = rule_set.organisation
        self.rule_set = rule_set
        self.fields["placement"].choices = placements(rule_set)
        if rule_set.owner_kind == "number":
            self.fields["trigger"].choices = [(Trigger.RECEIVED, Trigger.RECEIVED.label)]
        activities = scoped(Activity, organisation).order_by("name")
        roles = scoped(Role, organisation).order_by("name")
        classifications = scoped(NumberClassification, organisation).order_by("name")
        blank = [("", "—")]
        for i in range(CONDITION_ROWS):
            p = f"condition_{i}_"
            self.fields[p + "kind"] = forms.ChoiceField(
                label=_("Condition %(n)d") % {"n": i + 1},
                choices=blank + list(ConditionKind.choices),
                required=False,
            )
            self.fields[p + "expected"] = forms.ChoiceField(
                label=_("True or false"), choices=TRUTH, initial="true"
            )
            self.fields[p + "activity"] = forms.ModelChoiceField(
                activities, label=_("Activity"), required=False
            )
            self.fields[p + "role"] = forms.ModelChoiceField(roles, label=_("Role"), required=False)
            self.fields[p + "classification"] = forms.ModelChoiceField(
                classifications, label=_("Number type"), required=False
            )
            self.fields[p + "value"] = forms.CharField(
                label=_("Value"),
                required=False,
                max_length=16,
                help_text=_("Available/busy, internal/external, or a prefix such as +45."),
            )
        ordered = [d for d in Destination if d in destinations]
        users = functions = None
        if rule_set.owner_kind == "number":
            users = (
                scoped(User, organisation)
                .order_by("username")
                .only("pk", "username", "organisation_id")
            )
            FunctionNumber = apps.get_model("functionnumbers", "FunctionNumber")  # noqa: N806 - no import cycle
            functions = (
                scoped(FunctionNumber, organisation).select_related("number").order_by("name")
            )
        for i in range(ACTION_ROWS):
            p = f"action_{i}_"
            self.fields[p + "kind"] = forms.ChoiceField(
                label=_("Action %(n)d") % {"n": i + 1},
                choices=blank + list(ActionKind.choices),
                required=False,
            )
            self.fields[p + "destination"] = forms.ChoiceField(
                label=_("Destination"),
                choices=blank + [(d.value, d.label) for d in ordered],
                required=False,
            )
            self.fields[p + "delay"] = forms.IntegerField(
                label=_("Delay (seconds)"),
                required=False,
                initial=0,
                validators=[MinValueValidator(0), MaxValueValidator(MAX_DELAY)],
                help_text=_("0 = without delay; at most %(max)d seconds.") % {"max": MAX_DELAY},
            )
            self.fields[p + "number"] = forms.CharField(
                label=_("Phone number"), required=False, max_length=20
            )
            self.fields[p + "presented"] = forms.ChoiceField(
                label=_("Present number"), choices=blank + list(Presented.choices), required=False
            )
            if users is not None:
                self.fields[p + "target_user"] = forms.ModelChoiceField(
                    users, label=_("User"), required=False
                )
                self.fields[p + "target_function_number"] = forms.ModelChoiceField(
                    functions, label=_("Function number"), required=False
                )
        _style(self)

    @classmethod
    def initial_for(cls, rule):
        initial = {"placement": f"{rule.rule_list}:{rule.tier}", "trigger": rule.trigger}
        for i, c in enumerate(rule.conditions.all()[:CONDITION_ROWS]):
            p = f"condition_{i}_"
            initial.update(
                {
                    p + "kind": c.kind,
                    p + "expected": "true" if c.expected else "false",
                    p + "activity": c.activity_id,
                    p + "role": c.role_id,
                    p + "classification": c.classification_id,
                    p + "value": c.value,
                }
            )
        for i, a in enumerate(rule.actions.all()[:ACTION_ROWS]):
            p = f"action_{i}_"
            initial.update(
                {
                    p + "kind": a.kind,
                    p + "destination": a.destination,
                    p + "delay": a.delay,
                    p + "number": a.number,
                    p + "presented": a.presented,
                    p + "target_user": a.target_user_id,
                    p + "target_function_number": a.target_function_number_id,
                }
            )
        return initial

    def condition_rows(self):
        return [
            [
                self[f"condition_{i}_{n}"]
                for n in ("kind", "expected", "activity", "role", "classification", "value")
            ]
            for i in range(CONDITION_ROWS)
        ]

    def action_rows(self):
        names = (
            "kind",
            "destination",
            "delay",
            "number",
            "presented",
            "target_user",
            "target_function_number",
        )
        return [
            [self[f"action_{i}_{n}"] for n in names if f"action_{i}_{n}" in self.fields]
            for i in range(ACTION_ROWS)
        ]

    def clean(self):
        data = super().clean()
        rule_list, _sep, tier = (data.get("placement") or "").partition(":")
        data["rule_list"], data["tier"] = rule_list, tier
        conditions, actions = [], []
        for i in range(CONDITION_ROWS):
            p = f"condition_{i}_"
            if data.get(p + "kind"):
                conditions.append(
                    {
                        "kind": data[p + "kind"],
                        "expected": data.get(p + "expected") != "false",
                        "activity": data.get(p + "activity"),
                        "role": data.get(p + "role"),
                        "classification": data.get(p + "classification"),
                        "value": (data.get(p + "value") or "").strip(),
                    }
                )
        for i in range(ACTION_ROWS):
            p = f"action_{i}_"
            if data.get(p + "kind"):
                delay = data.get(p + "delay")
                actions.append(
                    {
                        "kind": data[p + "kind"],
                        "destination": data.get(p + "destination"),
                        "delay": 0 if delay is None else delay,
                        "number": (data.get(p + "number") or "").strip(),
                        "presented": data.get(p + "presented"),
                        "target_user": data.get(p + "target_user"),
                        "target_function_number": data.get(p + "target_function_number"),
                    }
                )
        data["conditions"], data["actions"] = conditions, actions
        return data

    def payload(self):
        d = self.cleaned_data
        return {
            "rule_list": d["rule_list"],
            "tier": d["tier"],
            "trigger": d["trigger"],
            "conditions": d["conditions"],
            "actions": d["actions"],
        }


class RoutingSimulatorForm(forms.Form):
    """One call to simulate (a GET form: nothing is written)."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=((routing.INCOMING, _("Incoming call")), (routing.OUTGOING, _("Outgoing call"))),
    )
    at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the organisation's time zone; empty = now."),
    )
    number = forms.CharField(label=_("Dialled number"), required=False, max_length=32)
    caller_number = forms.CharField(label=_("Caller's number"), required=False, max_length=32)
    caller_internal = forms.BooleanField(label=_("The caller is internal"), required=False)
    on_call = forms.BooleanField(label=_("On a call"), required=False)
    activity = forms.ModelChoiceField(Activity.objects.none(), label=_("Activity"), required=False)
    role = forms.ModelChoiceField(Role.objects.none(), label=_("Role"), required=False)
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["activity"].queryset = scoped(Activity, organisation).order_by("name")
        self.fields["role"].queryset = scoped(Role, organisation).order_by("name")
        _style(self)

    def simulation_kwargs(self):
        d = self.cleaned_data
        zone = ZoneInfo(self.organisation.time_zone)
        at = d.get("at")
        if at is None:
            at = timezone.now()
        else:
            at = at.replace(tzinfo=None) if isinstance(at, dt.datetime) else at
            at = at.replace(tzinfo=zone)
        return {
            "direction": d["direction"],
            "at": at,
            "number": d.get("number") or "",
            "caller_number": d.get("caller_number") or "",
            "caller_internal": bool(d.get("caller_internal")),
            "on_call": bool(d.get("on_call")),
            "activity": d["activity"].pk if d.get("activity") else None,
            "role": d["role"].pk if d.get("role") else None,
            "availability": d.get("availability") or "available",
        }
