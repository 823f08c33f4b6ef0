"""Call routing storage (SVC-11): one rule set per owner, and rules protect what they refer to."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import Activity, NumberClassification
from customers.operations.numbertypes import classification_delete
from customers.operations.presence import activity_delete
from services.models import RoutingCondition, RoutingRule, RoutingRuleSet
from services.models_routing import ConditionKind, RuleList, Tier, Trigger
from tests.factories import UserGroupFactory


def _rule(rule_set, **kwargs):
    return RoutingRule.objects.create(
        rule_set=rule_set,
        rule_list=RuleList.INCOMING,
        tier=Tier.REQUIRED,
        trigger=Trigger.RECEIVED,
        **kwargs,
    )


@pytest.mark.django_db
def test_an_activity_used_by_a_rule_cannot_be_deleted(org_a, admin_a):
    activity = Activity.objects.create(organisation=org_a, name="Frokost")
    rule = _rule(RoutingRuleSet.objects.create(organisation=org_a, position=1))
    RoutingCondition.objects.create(rule=rule, kind=ConditionKind.ACTIVITY, activity=activity)

    with pytest.raises(ValidationError, match="in use"):
        activity_delete(activity=activity, by=admin_a)
    assert Activity.objects.filter(pk=activity.pk).exists()


@pytest.mark.django_db
def test_a_number_type_used_by_a_rule_cannot_be_deleted(org_a, admin_a):
    classification = NumberClassification.objects.create(organisation=org_a, name="Udland")
    rule = _rule(RoutingRuleSet.objects.create(organisation=org_a, position=1), position=0)
    RoutingCondition.objects.create(
        rule=rule, kind=ConditionKind.NUMBER_TYPE, classification=classification
    )

    with pytest.raises(ValidationError, match="in use"):
        classification_delete(classification=classification, by=admin_a)


@pytest.mark.django_db
def test_one_rule_set_per_owner(org_a):
    group = UserGroupFactory(organisation=org_a, name="Salg")
    RoutingRuleSet.objects.create(organisation=org_a, position=1)
    RoutingRuleSet.objects.create(organisation=org_a, group=group, position=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRuleSet.objects.create(organisation=org_a, position=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRuleSet.objects.create(organisation=org_a, group=group, position=4)
