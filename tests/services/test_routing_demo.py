"""Demo routing rules (issue 13) in seed_demo, and USR-15 copying a user's own rules."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.models import Organisation, User
from customers.operations.users import user_copy
from services import routing
from services.models import RoutingRule, RoutingRuleSet
from services.operations_routing import routing_rule_save, rule_set_get_or_create
from services.queries_routing import routing_simulate

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_small_rule_set_that_reads_and_simulates(client):
    call_command("seed_demo", "--force", stdout=StringIO())
    call_command("seed_demo", "--force", stdout=StringIO())  # idempotent
    org = Organisation.objects.get(name="dialplantest4")
    assert RoutingRule.objects.for_organisation(org).count() == 5
    admin = User.objects.get(username="klj@ipvision.dk")
    client.force_login(admin)
    page = client.get(reverse("services:routing_rules")).content.decode()
    assert (
        "Når et opkald modtages og i samtale er sand derefter vil opkaldet blive dirigeret til voicemail uden forsinkelse"
        in page
    )
    assert (
        "Når et opkald modtages derefter vil opkaldet blive dirigeret til fastnettelefon og softphone uden forsinkelse "
        "og voicemail efter 20 sekunder" in page
    )
    member = (
        User.objects.for_organisation(org).filter(memberships__group__name="UsersGroup").first()
    )
    _rules, evaluation = routing_simulate(
        org, user=member, direction=routing.OUTGOING, number="+4412345678"
    )
    assert evaluation.fired.actions[0].kind == "block"
    _rules, evaluation = routing_simulate(
        org, user=member, direction=routing.OUTGOING, number="+4588887777"
    )
    assert evaluation.fired is None


def test_a_copied_user_gets_the_users_own_rules(org_a, admin_a, member_a):
    own = rule_set_get_or_create(organisation=org_a, user=member_a, by=admin_a)
    routing_rule_save(
        rule_set=own,
        by=admin_a,
        rule_list="incoming",
        tier="own",
        trigger="received",
        conditions=[{"kind": "busy", "expected": False}],
        actions=[{"kind": "route", "destination": "mobile", "delay": 5}],
    )
    copy = user_copy(
        source=member_a, username="copy@a.example", first_name="Copy", last_name="User", by=admin_a
    )
    copied = RoutingRule.objects.get(rule_set=RoutingRuleSet.objects.get(user=copy))
    assert copied.conditions.get().expected is False
    assert copied.actions.get().delay == 5
    assert RoutingRule.objects.filter(rule_set=own).count() == 1
