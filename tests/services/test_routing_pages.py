"""The page "Opkald - routing" (SVC-11..SVC-13): sections, the rule editor, reordering, bad input."""

import pytest
from django.urls import reverse

from customers.models import Activity
from functionnumbers.models import Kind
from services.models import AllowedDestinationSettings, RoutingAction, RoutingRule, RoutingRuleSet
from services.models_routing import MAX_RULES_PER_LIST
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db

ORG_RULES = reverse("services:routing_rules")
ORG_NEW = reverse("services:routing_rule_create")


def busy_to_voicemail(**extra):
    data = {
        "placement": "incoming:required",
        "trigger": "received",
        "condition_0_kind": "busy",
        "condition_0_expected": "true",
        "action_0_kind": "route",
        "action_0_destination": "desk_phone",
        "action_0_delay": "0",
        "action_1_kind": "route",
        "action_1_destination": "voicemail",
        "action_1_delay": "10",
    }
    for i in range(1, 4):
        data.setdefault(f"condition_{i}_expected", "true")
    data.update(extra)
    return data


def test_the_page_has_its_four_sections_under_services(client_a, org_a):
    make_function_number(org_a, kind=Kind.RULE_BASED, name="changelanguage")
    page = client_a.get(reverse("services:routing")).content.decode()
    for heading in (
        "Rules for the organisation and user groups",
        "Allowed destinations",
        "Search for a user to add individual rules",
        "Rules for rule-based numbers",
    ):
        assert heading in page
    assert "changelanguage" in page
    assert reverse("services:routing") in client_a.get(reverse("services:index")).content.decode()


def test_a_rule_is_saved_and_shown_as_a_sentence(client_a):
    response = client_a.post(ORG_NEW, busy_to_voicemail())
    assert response.status_code == 302
    page = client_a.get(ORG_RULES).content.decode()
    assert (
        "When a call is received and on a call is true then the call will be routed to desk phone without delay "
        "and voicemail after 10 seconds" in page
    )


def test_a_destination_that_is_not_allowed_is_refused(client_a, org_a):
    AllowedDestinationSettings.objects.create(organisation=org_a, voicemail=True)
    response = client_a.post(ORG_NEW, busy_to_voicemail())
    assert response.status_code == 200
    assert response.context["form"].errors["action_0_destination"]
    assert not RoutingRule.objects.exists()


def test_a_groups_allowed_destinations_add_to_the_organisations(client_a, org_a):
    group = UserGroupFactory(organisation=org_a, name="Salg")
    AllowedDestinationSettings.objects.create(organisation=org_a, voicemail=True)
    AllowedDestinationSettings.objects.create(organisation=org_a, group=group, desk_phone=True)
    response = client_a.post(
        reverse("services:routing_rule_create_group", args=[group.pk]), busy_to_voicemail()
    )
    assert response.status_code == 302
    assert (
        client_a.post(ORG_NEW, busy_to_voicemail()).status_code == 200
    )  # not for the organisation itself


@pytest.mark.parametrize("delay", ["-1", "301"])
def test_a_delay_outside_0_to_300_seconds_is_refused(client_a, delay):
    response = client_a.post(ORG_NEW, busy_to_voicemail(action_1_delay=delay))
    assert response.status_code == 200
    assert response.context["form"].errors["action_1_delay"]
    assert not RoutingRule.objects.exists()


def test_a_condition_on_another_organisations_activity_is_refused(client_a, org_b):
    foreign = Activity.objects.create(organisation=org_b, name="Frokost")
    response = client_a.post(
        ORG_NEW,
        busy_to_voicemail(condition_0_kind="activity", condition_0_activity=str(foreign.pk)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["condition_0_activity"]
    assert not RoutingRule.objects.exists()


def test_a_rule_without_action_is_refused(client_a):
    data = busy_to_voicemail(action_0_kind="", action_1_kind="")
    response = client_a.post(ORG_NEW, data)
    assert response.status_code == 200
    assert "at least one action" in str(response.context["form"].errors)
    assert not RoutingRule.objects.exists() and not RoutingAction.objects.exists()


def test_rules_reorder_and_a_crafted_post_cannot_move_another_sets_rule(client_a, org_a):
    client_a.post(ORG_NEW, busy_to_voicemail())
    client_a.post(ORG_NEW, busy_to_voicemail(condition_0_expected="false"))
    group = UserGroupFactory(organisation=org_a, name="Salg")
    client_a.post(
        reverse("services:routing_rule_create_group", args=[group.pk]), busy_to_voicemail()
    )
    org_set = RoutingRuleSet.objects.get(organisation=org_a, group=None)
    first, second = RoutingRule.objects.filter(rule_set=org_set).order_by("position")
    group_rule = RoutingRule.objects.get(rule_set__group=group)

    move = reverse("services:routing_rule_move", args=[org_set.pk])
    client_a.post(move, {"rule": second.pk, "direction": "up"})
    assert list(RoutingRule.objects.filter(rule_set=org_set).order_by("position")) == [
        second,
        first,
    ]

    response = client_a.post(move, {"rule": group_rule.pk, "direction": "up"}, follow=True)
    assert "This rule is not in this rule set." in response.content.decode()
    assert list(RoutingRule.objects.filter(rule_set=org_set).order_by("position")) == [
        second,
        first,
    ]


def test_raekkefoelge_of_organisation_and_groups(client_a, org_a):
    group = UserGroupFactory(organisation=org_a, name="Salg")
    client_a.post(ORG_NEW, busy_to_voicemail())
    client_a.post(reverse("services:routing_group_add"), {"group": group.pk})
    group_set = RoutingRuleSet.objects.get(group=group)
    assert group_set.position == 2
    client_a.post(reverse("services:routing_set_move", args=[group_set.pk]), {"direction": "up"})
    assert [
        s.group_id for s in RoutingRuleSet.objects.filter(organisation=org_a).ordered_tiers()
    ] == [group.pk, None]


def test_another_organisations_owners_are_404(client_a, org_b):
    group = UserGroupFactory(organisation=org_b)
    user = UserFactory(organisation=org_b)
    assert client_a.get(reverse("services:routing_rules_group", args=[group.pk])).status_code == 404
    assert client_a.get(reverse("services:routing_rules_user", args=[user.pk])).status_code == 404
    assert (
        client_a.post(reverse("services:routing_group_add"), {"group": group.pk}).status_code == 404
    )


def test_a_list_of_1000_rules_still_works_and_the_limit_is_stated(
    client_a, org_a, django_assert_max_num_queries
):
    rule_set = RoutingRuleSet.objects.create(organisation=org_a, position=1)
    rules = RoutingRule.objects.bulk_create(
        RoutingRule(
            rule_set=rule_set, rule_list="incoming", tier="required", trigger="received", position=i
        )
        for i in range(MAX_RULES_PER_LIST)
    )
    RoutingAction.objects.bulk_create(
        RoutingAction(rule=r, kind="route", destination="voicemail") for r in rules
    )
    with django_assert_max_num_queries(15):
        response = client_a.get(ORG_RULES)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("the call will be routed to voicemail without delay") == MAX_RULES_PER_LIST
    assert "This list is full (1000 rules)" in page
    refused = client_a.post(ORG_NEW, busy_to_voicemail())
    assert "at most 1000 rules" in refused.content.decode()
    assert RoutingRule.objects.count() == MAX_RULES_PER_LIST


def test_a_rule_is_edited_and_deleted(client_a, org_a):
    client_a.post(ORG_NEW, busy_to_voicemail())
    rule = RoutingRule.objects.get()
    url = reverse("services:routing_rule_update", args=[rule.pk])
    form = client_a.get(url).context["form"]
    assert form.initial["action_1_delay"] == 10 and form.initial["condition_0_kind"] == "busy"
    client_a.post(url, busy_to_voicemail(action_1_delay="30", placement="incoming:overridable"))
    rule.refresh_from_db()
    assert rule.tier == "overridable" and rule.actions.get(destination="voicemail").delay == 30
    client_a.post(reverse("services:routing_rule_delete", args=[rule.pk]))
    assert not RoutingRule.objects.exists()


def test_the_editor_in_danish(client_a, admin_a):
    admin_a.language = "da"
    admin_a.save()
    page = client_a.get(ORG_NEW + "?placement=incoming:required").content.decode()
    assert (
        "Indgående regler – Påkrævet" in page
        and "fastnettelefon" in page
        and "Forsinkelse (sekunder)" in page
    )
    client_a.post(ORG_NEW, busy_to_voicemail())
    rules_page = client_a.get(ORG_RULES).content.decode()
    assert "Kan tilsidesættes" in rules_page
    assert (
        "dirigeret til fastnettelefon uden forsinkelse og voicemail efter 10 sekunder" in rules_page
    )



def test_allowed_destinations_are_set_for_the_organisation_and_groups_only(client_a, org_a):
    """SVC-12 is per organisation and per group: the user level is not offered (no user search,
    404 for a crafted user URL, no "Configure for this user" on a user's services tab)."""

    user = UserFactory(organisation=org_a)
    group = UserGroupFactory(organisation=org_a)
    page = client_a.get(reverse("services:service", args=["routing-destinations"])).content.decode()
    assert 'id="user-search"' not in page
    assert client_a.get(reverse("services:service_group", args=["routing-destinations", group.pk])).status_code == 200
    assert client_a.get(reverse("services:service_user", args=["routing-destinations", user.pk])).status_code == 404
    tab = client_a.get(reverse("services:user_services", args=[user.pk])).content.decode()
    assert reverse("services:service_user", args=["routing-destinations", user.pk]) not in tab
    assert 'id="user-search"' in client_a.get(reverse("services:service", args=["call-transfer"])).content.decode()


def test_help_explains_the_order_rules_are_tried_in(client_a):
    page = client_a.get(reverse("services:routing")).content.decode()
    assert reverse("services:routing_help") in page
    help_page = client_a.get(reverse("services:routing_help")).content.decode()
    assert "a required rule always wins over a user's rule" in help_page
