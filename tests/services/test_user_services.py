"""The user page's "Services" tab: every service's effective value for one user, with its source and
a link to the service page at the level that sets it, in a bounded number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from services import operations
from services.definitions import MENU_ORDER
from services.scopes import Scope
from tests.factories import UserFactory, UserGroupFactory
from tests.services.factories import ExternalContactFactory
from tests.services.test_danish import danish  # noqa: F401 - fixture


def tab_url(user):
    return reverse("services:user_services", args=[user.pk])


def save(scope, slug, **data):
    operations.service_settings_save(service=slug, scope=scope, data=data, by=None)


def cell(url, value, source):
    """A single value as the table shows it: the value linked to its level's page, then the source."""
    return f'<td><a href="{url}">{value}</a></td><td>{source}</td>'


@pytest.fixture
def configured(org_a, groups_a, member_a, admin_a, system_prompts):
    """member_a is in Salg (priority 2) and Support (3); values at every level."""
    salg, support, administration = (
        groups_a["Salg"],
        groups_a["Support"],
        groups_a["Administration"],
    )
    save(Scope(org_a), "voicemail", retention_days=30)
    save(Scope(org_a), "call-pickup", pickup_groups=[administration.pk])
    save(
        Scope(org_a, group=salg),
        "call-queues",
        queue_size=8,
        when_full="forward",
        forward_number="+4588887766",
    )
    save(Scope(org_a, group=support), "call-queues", queue_size=9)
    save(Scope(org_a, group=support), "call-pickup", pickup_groups=[support.pk])
    save(Scope(org_a, user=member_a), "advanced", default_phone_number="secondary")
    save(Scope(org_a, user=member_a), "music-on-hold", music=system_prompts["fpm-sunshine"].pk)
    ExternalContactFactory(
        organisation=org_a,
        group=salg,
        first_name="Hanne",
        last_name="Holm",
        company="",
        number="+4570101010",
    )
    operations.mandatory_contact_add(scope=Scope(org_a), contact_user=admin_a, by=None)
    return groups_a


def test_every_service_with_value_source_and_link(
    client_a, org_a, member_a, configured, system_prompts
):
    salg, support, administration = (
        configured["Salg"],
        configured["Support"],
        configured["Administration"],
    )
    response = client_a.get(tab_url(member_a))
    assert response.status_code == 200
    text = response.content.decode()
    for service in MENU_ORDER:
        assert f">{service.title}</h2>" in text
        if service.has_user_level:  # SVC-12 is set for the organisation and groups only
            assert reverse("services:service_user", args=[service.slug, member_a.pk]) in text
    # The highest-priority group that sets a value wins, shown as the admin reads it.
    queues_salg = reverse("services:service_group", args=["call-queues", salg.pk])
    assert cell(queues_salg, "8", "inherited from group Salg") in text
    assert cell(queues_salg, "Forward", "inherited from group Salg") in text
    assert cell(queues_salg, "+45 88 88 77 66", "inherited from group Salg") in text
    # The organisation's value, the user's own values, and defaults (choice labels, Yes/No, prompt names).
    assert (
        cell(
            reverse("services:service", args=["voicemail"]),
            "30",
            "inherited from the organisation org-a",
        )
        in text
    )
    advanced_user = reverse("services:service_user", args=["advanced", member_a.pk])
    assert cell(advanced_user, "Secondary", "set on the user member@a.example") in text
    assert cell(reverse("services:service", args=["advanced"]), "Yes", "default value") in text
    assert (
        cell(
            reverse("services:service_user", args=["music-on-hold", member_a.pk]),
            "fpm-sunshine",
            "set on the user member@a.example",
        )
        in text
    )
    assert (
        cell(reverse("services:service", args=["call-queues"]), "Ringing", "default value") in text
    )
    assert (
        cell(reverse("services:service", args=["call-queues"]), "(None)", "default value") in text
    )
    # Lists: every item with its own source and link.
    pickup_org = reverse("services:service", args=["call-pickup"])
    pickup_support = reverse("services:service_group", args=["call-pickup", support.pk])
    assert (
        f'<a href="{pickup_org}">Administration</a> <span class="text-body-secondary small">(inherited from the organisation org-a)</span>'
        in text
    )
    assert (
        f'<a href="{pickup_support}">Support</a> <span class="text-body-secondary small">(inherited from group Support)</span>'
        in text
    )
    contacts_salg = reverse("services:service_group", args=["contacts", salg.pk])
    assert f'<a href="{contacts_salg}">Hanne Holm — +45 70 10 10 10</a>' in text
    assert f'<a href="{reverse("services:service", args=["contacts"])}">admin@a.example</a>' in text
    # The user's name fills the labels that name the scope.
    assert "Which groups may retrieve calls parked for member@a.example:" in text
    assert administration.name in text


def test_user_page_links_to_the_tab_and_back(client_a, member_a):
    edit = reverse("customers:user_update", args=[member_a.pk])
    page = client_a.get(edit).content.decode()
    assert f'href="{tab_url(member_a)}">Services</a>' in page
    assert f'aria-current="page" href="{edit}">User</a>' in page
    tab = client_a.get(tab_url(member_a)).content.decode()
    assert f'href="{edit}">User</a>' in tab
    assert f'aria-current="page" href="{tab_url(member_a)}">Services</a>' in tab
    # The new-user form has no user yet, so no tabs.
    assert tab_url(member_a) not in client_a.get(reverse("customers:user_create")).content.decode()


def test_other_organisations_user_is_404(client_b, member_a):
    assert client_b.get(tab_url(member_a)).status_code == 404


def test_the_tenancy_walk_fills_the_tab_with_a_user():
    """tests/connect/test_tenancy_walk.py asks for another organisation's user here (404)."""
    from customers.models import User
    from tests.urlwalk import model_for, portal_patterns

    found, _problems = portal_patterns()
    [(name, route, kwargs, callback)] = [p for p in found if p[0] == "services:user_services"]
    assert kwargs == ["pk"] and model_for(name, route, "pk", callback) is User


def test_standard_user_gets_no_access(client, member_a, user_a):
    client.force_login(user_a)
    response = client.get(tab_url(member_a))
    assert response.status_code == 403


def test_in_danish(danish, client_a, org_a, member_a, configured, system_prompts):  # noqa: F811
    text = client_a.get(tab_url(member_a)).content.decode()
    for phrase in (
        "Tjenester",
        "arvet fra gruppen Salg",
        "standardværdi",
        "Konfigurer for denne bruger",
        "Gældende værdi",
    ):
        assert phrase in text, phrase
    assert cell(reverse("services:service", args=["advanced"]), "Ja", "standardværdi") in text


# --- query budget ---------------------------------------------------------------------------------


def _organisation_with(org, admin, prompts, group_count):
    """A user in `group_count` groups; every service stores values at every level."""
    groups = [UserGroupFactory(organisation=org, name=f"G{i:02d}") for i in range(group_count)]
    user = UserFactory(organisation=org, groups=groups)
    for scope in [Scope(org)] + [Scope(org, group=g) for g in groups] + [Scope(org, user=user)]:
        save(scope, "advanced", anonymous_calls_allowed=True, default_phone_number="secondary")
        save(scope, "call-queues", queue_size=4, waiting_prompt=prompts["Ringing"].pk)
        save(
            scope,
            "call-pickup",
            pickup_groups=[g.pk for g in groups[:3]],
            parked_groups=[groups[0].pk],
        )
        save(scope, "music-on-hold", music=prompts["fpm-worldmix"].pk)
        save(scope, "voicemail", retention_days=12, notify_sms=True)
        ExternalContactFactory(organisation=org, group=scope.group, user=scope.user)
        operations.mandatory_contact_add(scope=scope, contact_user=admin, by=None)
    return user


def _queries(client, user):
    client.get(tab_url(user))  # warm the content-type and session caches like a running server
    with CaptureQueriesContext(connection) as captured:
        assert client.get(tab_url(user)).status_code == 200
    return len(captured)


# Session, signed-in user and organisation (3), the user shown (1), prompt, group and directory
# field names (3), groups, memberships and system prompts shared by all services (3), each
# service's rows (working hours 1, advanced 1, call pickup 3, future presence 3, call queues 1,
# contacts 3, call intrusion, call monitoring, directory information, edit directory fields,
# diversion bypass and extend working hours 2 each, ring tones 1, SMS authorization 1, music on
# hold 1, voicemail 1, switchboard number 1, number conversions 1, call transfer 1, allowed destinations 1).
BUDGET = 42


def test_query_count_does_not_grow_with_groups_or_settings(
    client_a, org_a, org_b, admin_a, admin_b, system_prompts, django_assert_max_num_queries
):
    one = _organisation_with(org_a, admin_a, system_prompts, 1)
    many = _organisation_with(org_b, admin_b, system_prompts, 25)
    few_queries = _queries(client_a, one)
    client_a.force_login(admin_b)
    many_queries = _queries(client_a, many)
    assert few_queries == many_queries <= BUDGET
    with django_assert_max_num_queries(BUDGET):
        client_a.get(tab_url(many))
