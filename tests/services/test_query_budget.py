"""Every service page stays within 15 queries, whatever the size of the organisation.

Two organisations with values stored at every level of every service: a small one (3 groups,
6 users) and a large one (30 groups, 200 users). Each service page (organisation, group and user
scope, and the scope picker's user search) costs exactly as many queries in both, and at most 15.
"""

import pytest
from django.urls import reverse

from customers.models import DirectoryField, Prompt
from customers.operations.numbers import numberrange_create
from services import operations, working_hours
from services.definitions import MENU_ORDER, NONE, ORGANISATION
from services.operations_conversions import conversion_create
from services.scopes import Scope
from tests.factories import UserFactory, UserGroupFactory

BUDGET = 15
STORED = 4  # groups and users with their own values (each), in both organisations


def _value(f, groups, directory_fields, prompts, free_numbers):
    """A valid value for every input of the definitions table."""
    if f.input == "number_from_ranges":  # a switchboard number is given once per organisation
        return next(free_numbers)
    return {
        "yesno": True,
        "flag": True,
        "choice": f.choices[-1][0] if f.choices else None,
        "int": f.min_value if f.min_value else 1,
        "phone": "+4588887765",
        "groups": [g.pk for g in groups[:2]],
        "directory_fields": [d.pk for d in directory_fields[:2]],
        "working_hours": working_hours.DEFAULT,
        "prompt": next(
            (p.pk for p in prompts if not f.prompt_kind or p.kind == f.prompt_kind), None
        ),
        "prompt_or_none": NONE,
        "greeting": "name",
        "group_or_org": ORGANISATION,
    }[f.input]


def _organisation(org, admin, group_count, user_count, prompts):
    groups = [UserGroupFactory(organisation=org, name=f"Group {i:02d}") for i in range(group_count)]
    users = [
        UserFactory(organisation=org, groups=groups[i % group_count : i % group_count + 3])
        for i in range(user_count)
    ]
    directory_fields = [
        DirectoryField.objects.create(organisation=org, number=n, name=f"Felt {n}")
        for n in range(1, 7)
    ]
    numberrange_create(organisation=org, first="+4588887700", last="+4588887799", by=admin)
    free_numbers = iter(f"+45888877{n:02d}" for n in range(100))
    scopes = (
        [Scope(org)]
        + [Scope(org, group=g) for g in groups[:STORED]]
        + [Scope(org, user=u) for u in users[:STORED]]
    )
    for service in MENU_ORDER:
        for scope in scopes:
            if service.kind == "contacts":
                operations.contact_create(
                    scope=scope,
                    data={"company": f"Firma {scope.name}"},
                    numbers=[{"number": "+4588887765"}],
                    by=admin,
                )
                continue
            if service.kind == "conversions":
                conversion_create(scope=scope, prefix="7", digits=2, rewrite="+45888877", by=admin)
                continue
            data = {f.name: _value(f, groups, directory_fields, prompts, free_numbers) for f in service.fields}
            operations.service_settings_save(service=service, scope=scope, data=data, by=admin)
    for user in users[:STORED]:
        operations.mandatory_contact_add(scope=Scope(org), contact_user=user, by=admin)
    return {"admin": admin, "group": groups[1], "user": users[2]}


@pytest.fixture
def sized(org_a, org_b, admin_a, admin_b, system_prompts):
    prompts = list(Prompt.objects.all())
    return {
        "small": _organisation(org_a, admin_a, 3, 6, prompts),
        "large": _organisation(org_b, admin_b, 30, 200, prompts),
    }


def _pages(slug, org):
    from services.definitions import get_service

    pages = [reverse("services:service", args=[slug]), reverse("services:service_group", args=[slug, org["group"].pk])]
    if get_service(slug).has_user_level:  # SVC-12 has no user level
        user = reverse("services:service_user", args=[slug, org["user"].pk])
        pages += [user, user + "?q=user"]
    return pages


def _counts(client, org, slug, django_assert_max_num_queries):
    client.force_login(org["admin"])
    counts = []
    for url in _pages(slug, org):
        with django_assert_max_num_queries(BUDGET) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    return counts


def test_every_service_page_costs_the_same_in_a_small_and_a_large_organisation(
    client, sized, django_assert_max_num_queries
):
    # One test for all pages: building the large organisation is the expensive part.
    differences = {}
    for org in (sized["small"], sized["large"]):  # warm the content-type cache like a running server
        client.force_login(org["admin"])
        for slug in [s.slug for s in MENU_ORDER]:
            client.get(_pages(slug, org)[0])
    for slug in [s.slug for s in MENU_ORDER]:
        small = _counts(client, sized["small"], slug, django_assert_max_num_queries)
        large = _counts(client, sized["large"], slug, django_assert_max_num_queries)
        if small != large:
            differences[slug] = (small, large)
    counts = []
    for org in (sized["small"], sized["large"]):
        client.force_login(org["admin"])
        client.get(reverse("services:index"))
        with django_assert_max_num_queries(BUDGET) as captured:
            assert client.get(reverse("services:index")).status_code == 200
        counts.append(len(captured.captured_queries))
    if counts[0] != counts[1]:
        differences["index"] = tuple(counts)
    assert not differences, (
        f"queries (small organisation, large organisation) per page: {differences}"
    )
