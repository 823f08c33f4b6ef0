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
    assert set(Organisation.objects.values_list("name", flat=True)) >= {"dialplantest4", "demo-other"}
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
