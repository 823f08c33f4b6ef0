"""Support staff on every portal URL (the tenancy walk's enumeration, ARCHITECTURE.md invariant 1).

- A support member with view-only permissions, acting inside org A, opens every page, but every
  write (any POST) is refused with 403 and changes nothing.
- A staff member without the support permission gets nothing of the portal, not even with a
  session that names an organisation to act in: every URL sends them to the Django admin.

New views are covered automatically, as in tests/connect/test_tenancy_walk.py.
"""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction

from connect.lib.tenancy import SUPPORT_SESSION_KEY
from customers.models import AuditEntry, Job
from tests.connect.test_tenancy_walk import _client, _instances_or_fail, _url
from tests.factories import SupportFactory
from tests.urlwalk import Walk, organisation_path


@pytest.fixture
def walk(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return Walk()


# GET pages that only confirm a write: refused to whoever may not do the write. "Optag filen" and
# its call pages make the platform call the signed-in person's phone: an OrgAdmin's action (ORG-5)
# that support leaves to superusers.
CONFIRMATIONS_OF_WRITES = {
    "provisioning:ticket_renew",
    "customers:prompt_record",
    "customers:prompt_call",
    "customers:prompt_call_status",
}


def _staff(username, *, support):
    user = SupportFactory(username=username, is_superuser=False)
    perms = Permission.objects.filter(codename__startswith="view_")
    if support:
        perms |= Permission.objects.filter(codename="act_in_organisation")
    user.user_permissions.add(*perms)
    return user


def _inside(user, organisation):
    client = _client(user)
    session = client.session
    session[SUPPORT_SESSION_KEY] = organisation.pk
    session.save()
    return client


def _snapshot(walk, organisation):
    rows = {}
    for model in walk.scoped_models():
        for row in model._default_manager.filter(
            **{organisation_path(model): organisation.pk}
        ).values():
            rows[(model._meta.label, row.get("id", str(row)))] = row
    return rows


# The signed-in person's own account pages (two-factor sign-in): any staff member may protect their
# own sign-in, with or without the support permission. The organisation's requirement on that page
# follows the permissions (test_support_permissions).
OWN_ACCOUNT_PAGES = {"customers:two_factor", "customers:two_factor_setup", "customers:two_factor_codes"}


def test_view_only_support_opens_every_page_and_writes_nothing(walk):
    instances = _instances_or_fail(walk)
    client = _inside(_staff("viewer@connect.example", support=True), walk.org_a)
    before, audit, jobs = (
        _snapshot(walk, walk.org_a),
        AuditEntry.objects.count(),
        Job.objects.count(),
    )
    failures, opened = [], 0
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        if name in OWN_ACCOUNT_PAGES:
            continue
        url = _url(name, kwargs_a)
        get = client.get(url)
        opened += get.status_code == 200
        refused = get.status_code == 403 and name not in CONFIRMATIONS_OF_WRITES
        if refused or get.status_code >= 500:
            failures.append(f"{name} {url}: GET answered {get.status_code}, expected the page")
        with transaction.atomic():
            post = client.post(url, {})
            htmx = client.post(url, {}, headers={"HX-Request": "true"})
            transaction.set_rollback(True)
        for label, response in (("POST", post), ("htmx POST", htmx)):
            if response.status_code not in (403, 405):
                failures.append(
                    f"{name} {url}: {label} answered {response.status_code}, expected 403"
                )
    assert _snapshot(walk, walk.org_a) == before, "a view-only support member changed org A"
    assert AuditEntry.objects.count() == audit and Job.objects.count() == jobs
    assert opened >= 10, f"only {opened} pages opened"
    assert not failures, "\n".join(failures)


def test_staff_without_the_support_permission_get_nothing_of_the_portal(walk):
    instances = _instances_or_fail(walk)
    client = _inside(_staff("staff@connect.example", support=False), walk.org_a)
    before, audit = _snapshot(walk, walk.org_a), AuditEntry.objects.count()
    failures = []
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        if name in OWN_ACCOUNT_PAGES:
            continue
        url = _url(name, kwargs_a)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            if response.status_code == 404 and name == "provisioning:ticket_renew":
                continue  # a function view: no organisation to act in is a 404 there
            if response.status_code != 302 or response.url != "/admin/":
                failures.append(
                    f"{name} {url}: {method.upper()} answered {response.status_code}, expected /admin/"
                )
    assert _snapshot(walk, walk.org_a) == before and AuditEntry.objects.count() == audit
    assert not failures, "\n".join(failures)


def test_view_only_support_cannot_change_the_organisations_two_factor_rule(walk):
    from django.urls import reverse

    client = _inside(_staff("viewer2@connect.example", support=True), walk.org_a)
    page = client.get(reverse("customers:two_factor"))
    assert page.status_code == 200 and 'name="require-require_2fa"' not in page.content.decode()
    client.post(reverse("customers:two_factor"), {"action": "require", "require-require_2fa": "on"})
    walk.org_a.refresh_from_db()
    assert walk.org_a.require_2fa is False
