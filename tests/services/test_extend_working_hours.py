"""SVC-21 extend working hours: the operation (permission through SVC-21, an "additional working
hours" entry for today that "within working hours at T?" sees) and the OrgAdmin's action on the
working-hours page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from customers.models import AuditEntry
from services import operations
from services.extend import may_extend_working_hours, working_hours_extend
from services.models import WorkingHoursSettings
from services.queries import user_within_working_hours
from services.scopes import Scope
from tests.factories import UserFactory

CPH = ZoneInfo("Europe/Copenhagen")
# Monday 7 December 2026, 17:30 in Copenhagen: the template's hours end at 18:00.
NOW = dt.datetime(2026, 12, 7, 17, 30, tzinfo=CPH)


def grant(scope, *groups):
    operations.service_settings_save(
        service="extend-working-hours",
        scope=scope,
        data={"extend_groups": [g.pk for g in groups]},
        by=None,
    )


@pytest.fixture
def people(org_a, groups_a):
    return {
        "boss": UserFactory(
            organisation=org_a, username="boss@a.example", groups=[groups_a["Administration"]]
        ),
        "seller": UserFactory(
            organisation=org_a, username="seller@a.example", groups=[groups_a["Salg"]]
        ),
        "supporter": UserFactory(
            organisation=org_a, username="supporter@a.example", groups=[groups_a["Support"]]
        ),
    }


def test_a_permitted_user_extends_a_colleagues_working_hours_today(org_a, groups_a, people):
    seller = people["seller"]
    grant(
        Scope(org_a, group=groups_a["Salg"]), groups_a["Administration"]
    )  # Administration may extend Salg
    evening = NOW.replace(hour=19, minute=30)
    assert not user_within_working_hours(seller, evening)
    working_hours_extend(by=people["boss"], target=seller, until="20:00", now=NOW)
    assert user_within_working_hours(seller, evening)
    assert not user_within_working_hours(
        seller, NOW.replace(hour=20, minute=0)
    )  # until is exclusive
    assert not user_within_working_hours(seller, evening + dt.timedelta(days=7))  # today only
    stored = WorkingHoursSettings.objects.get(user=seller).definition
    assert stored["additional"] == [
        {
            "description": "Extended working hours",
            "date": "2026-12-07",
            "from_time": "17:30",
            "to_time": "20:00",
        }
    ]
    # The user's working hours otherwise are the ones inherited (the template's week).
    assert stored["week"][0] == ["07:00", "18:00"]
    # Another user of the group is not extended: the user's scope got its own value.
    assert not user_within_working_hours(
        UserFactory(organisation=org_a, groups=[groups_a["Salg"]]), evening
    )
    assert AuditEntry.objects.filter(
        actor=people["boss"], object_repr__contains="seller@a.example"
    ).exists()


def test_a_user_without_the_right_is_refused_and_nothing_is_stored(org_a, groups_a, people):
    grant(Scope(org_a, group=groups_a["Salg"]), groups_a["Administration"])
    for actor, target in (
        (people["supporter"], people["seller"]),
        (people["seller"], people["seller"]),
    ):
        assert not may_extend_working_hours(actor, target)
        with pytest.raises(PermissionDenied):
            working_hours_extend(by=actor, target=target, until="20:00", now=NOW)
    with pytest.raises(PermissionDenied):  # a group scope the supporter has no right on
        working_hours_extend(
            by=people["supporter"],
            target=Scope(org_a, group=groups_a["Salg"]),
            until="20:00",
            now=NOW,
        )
    assert not WorkingHoursSettings.objects.exists()


def test_another_organisations_admin_is_refused(org_a, admin_b, people):
    with pytest.raises(PermissionDenied):
        working_hours_extend(by=admin_b, target=people["seller"], until="20:00", now=NOW)
    assert not WorkingHoursSettings.objects.exists()


def test_group_scope_is_extended_for_its_members(org_a, groups_a, people):
    grant(Scope(org_a), groups_a["Administration"])  # Administration may extend everybody
    salg = Scope(org_a, group=groups_a["Salg"])
    assert may_extend_working_hours(people["boss"], salg)
    working_hours_extend(by=people["boss"], target=salg, until="21:15", now=NOW)
    assert user_within_working_hours(people["seller"], NOW.replace(hour=21, minute=0))
    assert not user_within_working_hours(people["supporter"], NOW.replace(hour=21, minute=0))


def test_a_time_not_after_now_or_malformed_is_a_field_error(org_a, admin_a, people):
    for until in ("17:30", "09:00", "25:00", "8 pm", ""):
        with pytest.raises(ValidationError) as exc:
            working_hours_extend(by=admin_a, target=people["seller"], until=until, now=NOW)
        assert "until" in exc.value.message_dict
    assert not WorkingHoursSettings.objects.exists()


def test_extensions_add_up_and_keep_the_scopes_own_hours(org_a, admin_a, people):
    seller = people["seller"]
    own = {"week": [["08:00", "16:00"]] * 5 + [None, None], "exceptions": [], "additional": []}
    operations.service_settings_save(
        service="working-hours",
        scope=Scope(org_a, user=seller),
        data={"definition": own},
        by=admin_a,
    )
    working_hours_extend(by=admin_a, target=seller, until="18:30", now=NOW)
    working_hours_extend(
        by=admin_a, target=seller, until="20:00", now=NOW.replace(hour=18, minute=45)
    )
    stored = WorkingHoursSettings.objects.get(user=seller).definition
    assert stored["week"][0] == ["08:00", "16:00"]
    assert [a["to_time"] for a in stored["additional"]] == ["18:30", "20:00"]


# --- the portal -----------------------------------------------------------------------------------


def extend_url(scope=None, pk=None):
    if scope is None:
        return reverse("services:working_hours_extend")
    return reverse(f"services:working_hours_extend_{scope}", args=[pk])


def test_the_working_hours_page_offers_the_extension(client_a, org_a, groups_a):
    body = client_a.get(
        reverse("services:service_group", args=["working-hours", groups_a["Salg"].pk])
    ).content.decode()
    assert "Extend the working hours today until" in body
    assert f'action="{extend_url("group", groups_a["Salg"].pk)}"' in body
    assert (
        "Extend the working hours today until"
        not in client_a.get(reverse("services:service", args=["voicemail"])).content.decode()
    )


def test_org_admin_extends_a_group_from_the_page(client_a, org_a, groups_a, people):
    late = (dt.datetime.now(CPH) + dt.timedelta(minutes=2)).strftime("%H:%M")
    if late <= dt.datetime.now(CPH).strftime("%H:%M"):  # just before midnight: nothing later today
        pytest.skip("no later time today")
    response = client_a.post(extend_url("group", groups_a["Salg"].pk), {"until": late})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "services:service_group", args=["working-hours", groups_a["Salg"].pk]
    )
    stored = WorkingHoursSettings.objects.get(group=groups_a["Salg"]).definition
    assert stored["additional"][-1]["to_time"] == late
    assert AuditEntry.objects.filter(content_type__model="workinghourssettings").exists()


def test_bad_time_on_the_page_is_a_field_error_and_writes_nothing(client_a, org_a):
    response = client_a.post(extend_url(), {"until": "25:99"})
    assert response.status_code == 200
    assert "Enter a time as HH:MM" in " ".join(response.context["extend_form"].errors["until"])
    assert not WorkingHoursSettings.objects.exists()


def test_page_action_is_post_only_admin_only_and_scoped(
    client, client_a, org_a, org_b, user_a, groups_a, group_b
):
    assert client_a.get(extend_url()).status_code == 405
    assert client_a.post(extend_url("group", group_b.pk), {"until": "23:59"}).status_code == 404
    client.force_login(user_a)
    assert client.post(extend_url(), {"until": "23:59"}).status_code == 403
    assert not WorkingHoursSettings.objects.exists()
