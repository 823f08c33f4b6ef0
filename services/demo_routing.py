"""Demo call routing (issue 13) for dialplantest4: a small, realistic rule set so that a new admin
sees the sentences and can try the simulator straight away.

- Organisation, required: "Når et opkald modtages og i samtale er sand derefter vil opkaldet blive
  dirigeret til voicemail uden forsinkelse".
- Organisation, overridable: outside working hours to the switchboard number; otherwise desk phone
  and softphone without delay and voicemail after 20 seconds.
- UsersGroup, required outgoing: calls to the number type "Udland" are blocked.
- The rule-based number "changelanguage": external callers to voicemail.

Idempotent: a rule set that already has rules is left alone. Runs after functionnumbers.demo
(the rule-based number) from `manage.py seed_demo`.
"""

from django.apps import apps
from django.db import transaction

from customers.models import NumberClassification, UserGroup
from customers.operations.numbertypes import classification_create
from services.operations_routing import routing_rule_save, rule_set_get_or_create

ABROAD = "Udland"
DENMARK = "Danmark"
OUTGOING_GROUP = "UsersGroup"
RULE_BASED_NAME = "changelanguage"


def _route(destination, delay=0):
    return {"kind": "route", "destination": destination, "delay": delay}


def _classification(organisation, name, prefixes, by):
    found = (
        NumberClassification.objects.for_organisation(organisation)
        .filter(name__iexact=name)
        .first()
    )
    return found or classification_create(
        organisation=organisation, name=name, prefixes=prefixes, by=by
    )


def _seed_set(rule_set, rules, by):
    if rule_set.rules.exists():
        return
    for rule in rules:
        routing_rule_save(rule_set=rule_set, by=by, **rule)


@transaction.atomic
def seed(organisation, by=None):
    org_set = rule_set_get_or_create(organisation=organisation, by=by)
    _seed_set(
        org_set,
        [
            {
                "rule_list": "incoming",
                "tier": "required",
                "trigger": "received",
                "conditions": [{"kind": "busy", "expected": True}],
                "actions": [_route("voicemail")],
            },
            {
                "rule_list": "incoming",
                "tier": "overridable",
                "trigger": "received",
                "conditions": [{"kind": "working_hours", "expected": False}],
                "actions": [_route("switchboard")],
            },
            {
                "rule_list": "incoming",
                "tier": "overridable",
                "trigger": "received",
                "conditions": [],
                "actions": [_route("desk_phone"), _route("softphone"), _route("voicemail", 20)],
            },
        ],
        by,
    )
    group = UserGroup.objects.for_organisation(organisation).filter(name=OUTGOING_GROUP).first()
    if group is not None:
        _classification(organisation, DENMARK, ["+45"], by)
        abroad = _classification(organisation, ABROAD, ["+"], by)
        _seed_set(
            rule_set_get_or_create(organisation=organisation, group=group, by=by),
            [
                {
                    "rule_list": "outgoing",
                    "tier": "required",
                    "trigger": "made",
                    "conditions": [
                        {"kind": "number_type", "expected": True, "classification": abroad}
                    ],
                    "actions": [{"kind": "block"}],
                }
            ],
            by,
        )
    number = (
        apps.get_model("functionnumbers", "RuleBasedNumber")
        .objects.for_organisation(organisation)
        .filter(name=RULE_BASED_NAME)
        .first()
    )
    if number is not None:
        _seed_set(
            rule_set_get_or_create(organisation=organisation, rule_based_number=number, by=by),
            [
                {
                    "rule_list": "incoming",
                    "tier": "own",
                    "trigger": "received",
                    "conditions": [{"kind": "caller", "expected": True, "value": "external"}],
                    "actions": [_route("voicemail")],
                }
            ],
            by,
        )
    return [
        "Call routing: Tjenester → Opkald - routing (rules as sentences, simulator on a user's rules)."
    ]
