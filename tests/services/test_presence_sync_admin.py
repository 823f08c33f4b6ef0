"""SVC-19 in the Django admin: support staff edit a connector's rules, checked and audited like
the portal page (another organisation's activity or connector is refused)."""

from django.urls import reverse

from customers.models import Activity, AuditEntry
from services.models_presence import PresenceMapping, PresencePolicy
from tests.factories import CalendarConnectorFactory


def policy_data(organisation, connector, activity, match="Busy"):
    return {
        "organisation": organisation.pk,
        "connector": connector.pk,
        "mappings-TOTAL_FORMS": 1,
        "mappings-INITIAL_FORMS": 0,
        "mappings-0-position": 0,
        "mappings-0-type": "availability",
        "mappings-0-match": match,
        "mappings-0-activity": activity.pk,
        "mappings-0-role": "",
        "exclusions-TOTAL_FORMS": 0,
        "exclusions-INITIAL_FORMS": 0,
    }


def test_support_adds_rules_in_the_admin_checked_and_audited(client, support, org_a, org_b):
    client.force_login(support)
    connector = CalendarConnectorFactory(organisation=org_a, name="ipvexch01")
    ours = Activity.objects.create(organisation=org_a, name="Forstyr ikke")
    theirs = Activity.objects.create(organisation=org_b, name="Theirs")
    add = reverse("admin:services_presencepolicy_add")
    for data, message in (
        (policy_data(org_a, connector, theirs), "Choose from the row"),
        (policy_data(org_b, connector, theirs), "Choose from the row"),
        (policy_data(org_a, connector, ours, match="Away"), "An availability is one of"),
    ):
        response = client.post(add, data)
        assert response.status_code == 200 and message in response.content.decode()
    assert not PresencePolicy.objects.exists()
    response = client.post(add, policy_data(org_a, connector, ours, match="busy"))
    assert response.status_code == 302
    mapping = PresenceMapping.objects.get()
    assert (mapping.match, mapping.activity, mapping.policy.connector) == ("Busy", ours, connector)
    assert AuditEntry.objects.filter(
        content_type__model="presencepolicy", via_support=True
    ).exists()
    assert AuditEntry.objects.filter(
        content_type__model="presencemapping", via_support=True
    ).exists()
    for name in ("presencepolicy", "presencemapping"):
        obj = PresencePolicy.objects.get() if name == "presencepolicy" else mapping
        assert (
            client.get(reverse(f"admin:services_{name}_change", args=[obj.pk])).status_code == 200
        )
