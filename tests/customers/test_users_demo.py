"""DEMO-3 users: seed_users is complete and idempotent."""

import pytest

from customers.demo_users import seed_users
from customers.models import AuditEntry, DirectoryFieldValue, Number, User, UserLine
from customers.operations import numberrange_create, organisation_create, usergroup_create

GROUPS = ["Administration", "AgentsGroup", "Salg", "Support", "UsersGroup", "Supervisor", "Sweden - Stockholm"]


@pytest.fixture
def demo_orgs(db):
    org = organisation_create(name="dialplantest4", by=None)
    for name in GROUPS:
        usergroup_create(organisation=org, name=name, by=None)
    numberrange_create(organisation=org, first="+4588887700", last="+4588887799", by=None)
    numberrange_create(organisation=org, first="200", last="299", by=None)
    numberrange_create(organisation=org, first="900", last="999", by=None)
    numberrange_create(organisation=org, first="1500", last="1899", by=None)
    other = organisation_create(name="demo-other", by=None)
    numberrange_create(organisation=other, first="+4570100100", last="+4570100199", by=None)
    return org, other


def test_seed_users_creates_demo_3_and_is_idempotent(demo_orgs):
    org, other = demo_orgs
    seed_users(org)
    seed_users(other)
    audits = AuditEntry.objects.count()
    seed_users(org)
    seed_users(other)
    assert AuditEntry.objects.count() == audits  # nothing changed the second time
    klj = User.objects.get(username="klj@ipvision.dk")
    assert klj.is_org_admin and klj.check_password("connect-demo")
    assert klj.licence.name == "Unified Communication" and klj.softphone_enabled
    assert UserLine.objects.get(user=klj).number.number == "+4588887765"
    assert Number.objects.get(user=klj, purpose="alias").number == "765"
    assert Number.objects.get(user=klj, purpose="mobile").number == "+4520304050"
    assert sorted(klj.user_groups.values_list("name", flat=True)) == ["Administration", "AgentsGroup", "Support"]
    assert set(DirectoryFieldValue.objects.filter(user=klj).values_list("value", flat=True)) == {"Ferrari", "italiensk"}
    assert klj.welcome_sent_at and klj.mobile_app_first_used_at
    assert UserLine.objects.get(user__username="wallboard@ipvision.dk").number.number == "914"
    assert User.objects.filter(organisation=org).count() == 6
    admin = User.objects.get(username="admin@other.example")
    assert admin.organisation == other and admin.is_org_admin
    assert UserLine.objects.filter(user__organisation=other).count() == 3
