"""`manage.py seed_demo`: the demo organisations, idempotent, never without DEBUG unless forced."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from customers.models import Organisation, User

PROJECT_APPS = {"customers", "services", "functionnumbers", "devices", "provisioning"}


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }


def seed():
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_gives_the_same_data(db):
    output = seed()
    first = row_counts()
    assert seed()
    assert row_counts() == first
    assert set(Organisation.objects.values_list("name", flat=True)) >= {
        "dialplantest4",
        "demo-other",
    }
    for username in ("klj@ipvision.dk", "admin@other.example", "support@connect.example"):
        assert username in output
    assert "connect-demo" in output
    assert "http://" in output or "https://" in output


@pytest.mark.parametrize(
    ("username", "organisation", "org_admin", "staff"),
    [
        ("klj@ipvision.dk", "dialplantest4", True, False),
        ("admin@other.example", "demo-other", True, False),
        ("support@connect.example", None, False, True),
    ],
)
def test_demo_logins(db, client, username, organisation, org_admin, staff):
    seed()
    user = User.objects.get(username=username)
    assert user.check_password("connect-demo")
    assert (user.organisation.name if user.organisation else None) == organisation
    assert user.is_org_admin is org_admin
    assert user.is_staff is staff
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    if organisation:
        assert organisation in response.content.decode()


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not Organisation.objects.filter(name="dialplantest4").exists()


def test_seed_demo_adds_presence_sync_working_hours_and_the_services_of_demo_11(db):
    """DEMO-6 presence sync rules, DEMO-10 working hours, DEMO-11 permission services and SMS."""
    import datetime as dt

    from django.utils import timezone

    from customers.models import CalendarConnector, UserGroup
    from services import working_hours
    from services.definitions import get_service
    from services.presence_sync import Appointment, presence_policy_apply
    from services.queries_presence import presence_policy_load
    from services.resolver import resolve_scope
    from services.scopes import Scope

    seed()
    organisation = Organisation.objects.get(name="dialplantest4")
    connector = CalendarConnector.objects.get(organisation=organisation, name="ipvexch01")
    policy = presence_policy_load(connector)
    assert [(m.type, m.match, str(m.activity), m.role) for m in policy.mappings] == [
        ("availability", "Out Of Office", "Test", None),
        ("availability", "Busy", "Forstyr ikke", None),
    ]
    assert [(e.type, e.match) for e in policy.exclusions] == [("private", "true")]
    assert (
        str(presence_policy_apply(policy, Appointment(availability="Busy")).activity)
        == "Forstyr ikke"
    )
    assert presence_policy_apply(policy, Appointment(availability="Busy", private=True)).excluded

    org_scope = Scope(organisation)
    hours = working_hours.from_json(
        resolve_scope(get_service("working-hours"), org_scope).own["definition"]
    )
    assert hours.week == ((dt.time(7), dt.time(18)),) * 5 + (None, None)
    year = timezone.localdate().year
    descriptions = {(e.description, e.start.date()) for e in hours.exceptions}
    assert ("Jul", dt.date(year, 12, 24)) in descriptions
    assert any(d == "Påske" and s.year == year for d, s in descriptions)
    zone = organisation.time_zone
    christmas = dt.datetime(
        year, 12, 24, 10, tzinfo=dt.UTC
    )  # a weekday or not: an exception all day
    assert not working_hours.within_working_hours(hours, christmas, time_zone=zone)

    groups = {g.name: g.pk for g in UserGroup.objects.filter(organisation=organisation)}
    for slug, field in (
        ("call-intrusion", "intrusion_groups"),
        ("diversion-bypass", "bypass_groups"),
        ("call-monitoring", "status_groups"),
    ):
        own = resolve_scope(get_service(slug), org_scope).own[field]
        assert set(own) == {groups["Supervisor"]}, slug
    support_scope = Scope(
        organisation, group=UserGroup.objects.get(organisation=organisation, name="Support")
    )
    assert resolve_scope(get_service("sms-authorization"), support_scope).own["sms_allowed"] is True

    # Seeding again rewrites none of it (no new audit entries).
    from customers.models import AuditEntry

    models = [
        "presencepolicy",
        "workinghourssettings",
        "callintrusionsettings",
        "diversionbypasssettings",
    ]
    entries = AuditEntry.objects.filter(
        content_type__model__in=models + ["callmonitoringsettings", "smsauthorizationsettings"]
    )
    count = entries.count()
    seed()
    assert entries.count() == count
