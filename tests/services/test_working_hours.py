"""SVC-1 working hours: "within working hours at T?" in the organisation's time zone, across the
daylight-saving changes (last Sunday of March and of October), and bad input refused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from services.working_hours import parse_time, within_working_hours, working_hours_clean

CPH = "Europe/Copenhagen"
ZONE = ZoneInfo(CPH)
UTC = dt.UTC
OFFICE = [("07:00", "18:00")] * 5 + [("", "")] * 2  # Man-Fre 07:00-18:00, Lør/Søn empty


def local(year, month, day, hour, minute=0, fold=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZONE, fold=fold)


def last_sunday(year, month):
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(year, 12, 31)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def test_office_hours_in_the_organisations_time_zone():
    hours = working_hours_clean(week=OFFICE)
    monday = local(2026, 12, 7, 7)  # Monday 07:00 in Copenhagen = 06:00 UTC
    assert within_working_hours(hours, monday, time_zone=CPH)
    assert within_working_hours(hours, monday.astimezone(UTC), time_zone=CPH)
    assert not within_working_hours(hours, monday - dt.timedelta(minutes=1), time_zone=CPH)
    assert not within_working_hours(hours, local(2026, 12, 7, 18), time_zone=CPH)  # Til is exclusive
    assert not within_working_hours(hours, local(2026, 12, 5, 12), time_zone=CPH)  # Saturday off
    # The same instant read in another organisation's time zone.
    assert not within_working_hours(hours, monday, time_zone="America/New_York")
    assert not within_working_hours(None, monday, time_zone=CPH)
    with pytest.raises(ValueError):
        within_working_hours(hours, dt.datetime(2026, 12, 7, 9), time_zone=CPH)


def test_exceptions_win_over_the_week_and_additional_hours_over_exceptions():
    hours = working_hours_clean(
        week=OFFICE,
        exceptions=[
            {"description": "Jul", "from_date": "2026-12-24", "to_date": "2026-12-26"},
            {"description": "Personalemøde", "from_date": "2026-12-09", "to_date": "2026-12-09", "from_time": "12:00", "to_time": "13:30"},
        ],
        additional=[{"description": "Juleåbent", "date": "2026-12-24", "from_time": "09:00", "to_time": "12:00"}],
    )
    assert not within_working_hours(hours, local(2026, 12, 24, 8), time_zone=CPH)
    assert within_working_hours(hours, local(2026, 12, 24, 10), time_zone=CPH)
    assert not within_working_hours(hours, local(2026, 12, 24, 12), time_zone=CPH)
    assert not within_working_hours(hours, local(2026, 12, 25, 10), time_zone=CPH)
    assert within_working_hours(hours, local(2026, 12, 9, 11, 59), time_zone=CPH)
    assert not within_working_hours(hours, local(2026, 12, 9, 13, 0), time_zone=CPH)
    assert within_working_hours(hours, local(2026, 12, 9, 13, 30), time_zone=CPH)
    # Additional hours on a day off (Saturday).
    saturday = working_hours_clean(week=OFFICE, additional=[{"date": "2026-12-12", "from_time": "10:00", "to_time": "14:00"}])
    assert within_working_hours(saturday, local(2026, 12, 12, 10), time_zone=CPH)
    assert not within_working_hours(saturday, local(2026, 12, 19, 10), time_zone=CPH)


# --- across the daylight-saving changes ---------------------------------------------------------

times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: dt.time(*hm))


def _working_minutes(hours, day):
    """Real minutes of working time on the local `day`, sampling every UTC minute."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=ZONE).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=ZONE).astimezone(UTC)
    minutes = int((end - start).total_seconds() // 60)
    return sum(within_working_hours(hours, start + dt.timedelta(minutes=m), time_zone=CPH) for m in range(minutes))


@given(st.integers(2020, 2040), st.sampled_from([3, 10]), times, times)
@settings(max_examples=30, deadline=None)
def test_a_span_on_the_day_of_the_change_lasts_its_wall_clock_length_minus_or_plus_the_lost_hour(year, month, a, b):
    start, end = sorted((a, b))
    if start == end:
        return
    sunday = last_sunday(year, month)
    week = [("", "")] * 6 + [(start.strftime("%H:%M"), end.strftime("%H:%M"))]
    hours = working_hours_clean(week=week)
    wall = (dt.datetime.combine(sunday, end) - dt.datetime.combine(sunday, start)).total_seconds() // 60

    # The change happens at 02:00 local (March: 02:00-02:59 is skipped; October: 02:00-02:59 twice).
    def covered(t):
        return start <= t < end

    changed = sum(covered(dt.time(2, m)) for m in range(60))
    expected = wall - changed if month == 3 else wall + changed
    assert _working_minutes(hours, sunday) == expected


@given(st.integers(2020, 2040), st.integers(0, 59), times, times)
@settings(max_examples=30, deadline=None)
def test_the_repeated_october_hour_gets_the_same_answer_twice(year, minute, a, b):
    start, end = sorted((a, b))
    if start == end:
        return
    sunday = last_sunday(year, 10)
    hours = working_hours_clean(week=[(start.strftime("%H:%M"), end.strftime("%H:%M"))] * 7)
    first = local(sunday.year, sunday.month, sunday.day, 2, minute, fold=0)
    second = local(sunday.year, sunday.month, sunday.day, 2, minute, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)
    assert within_working_hours(hours, first, time_zone=CPH) == within_working_hours(hours, second, time_zone=CPH)
    assert within_working_hours(hours, first, time_zone=CPH) == (start <= dt.time(2, minute) < end)


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2040, 12, 31)), times, times)
@settings(max_examples=100, deadline=None)
def test_any_instant_is_judged_by_its_local_wall_clock(naive_utc, a, b):
    start, end = sorted((a, b))
    if start == end:
        return
    hours = working_hours_clean(week=[(start.strftime("%H:%M"), end.strftime("%H:%M"))] * 5 + [("", "")] * 2)
    at = naive_utc.replace(tzinfo=UTC)
    wall = at.astimezone(ZONE)
    expected = wall.weekday() < 5 and start <= wall.time() < end
    assert within_working_hours(hours, at, time_zone=CPH) == expected


# --- bad input: clear errors, nothing accepted ----------------------------------------------------


@pytest.mark.parametrize("text", ["24:00", "7:5", "7:00", "07:60", "0700", "07.00", "", "٠٧:٠٠", "0٧:00"])
def test_times_are_hh_mm(text):
    with pytest.raises(ValidationError) as exc:
        parse_time(text)
    assert exc.value.messages == ["Enter a time as HH:MM (00:00-23:59), e.g. 07:00."]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (("18:00", "07:00"), "To must be after From"),  # Fra after Til
        (("22:00", "06:00"), "cannot run past midnight"),  # an overnight span
        (("09:00", "09:00"), "To must be after From"),
        (("24:00", "18:00"), "HH:MM"),
        (("7:5", "18:00"), "HH:MM"),
        (("07:00", ""), "Enter both From and To"),
    ],
)
def test_bad_week_rows_are_refused_by_day(span, message):
    week = list(OFFICE)
    week[2] = span
    with pytest.raises(ValidationError) as exc:
        working_hours_clean(week=week)
    assert set(exc.value.message_dict) == {"week-wed"}
    assert message in exc.value.message_dict["week-wed"][0]


def test_an_exception_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError) as exc:
        working_hours_clean(
            week=OFFICE,
            exceptions=[
                {"description": "Påske", "from_date": "2027-03-25", "to_date": "2027-03-29"},
                {"description": "Baglæns", "from_date": "2027-04-02", "to_date": "2027-04-01"},
                {"description": "Samme dag", "from_date": "2027-04-05", "to_date": "2027-04-05", "from_time": "14:00", "to_time": "10:00"},
            ],
            additional=[{"description": "Sent", "date": "2027-04-06", "from_time": "20:00", "to_time": "02:00"}],
        )
    errors = exc.value.message_dict
    assert set(errors) == {"exceptions-1", "exceptions-2", "additional-0"}
    assert errors["exceptions-1"] == ["The exception ends before it starts."]
    assert errors["exceptions-2"] == ["The exception ends before it starts."]
    assert "cannot run past midnight" in errors["additional-0"][0]


# --- the page, the stored value and "is this user within working hours?" ------------------------

from django.urls import reverse  # noqa: E402

from customers.models import AuditEntry  # noqa: E402
from services import operations  # noqa: E402
from services.models import WorkingHoursSettings  # noqa: E402
from services.queries import user_within_working_hours  # noqa: E402
from services.scopes import Scope  # noqa: E402


def page(scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=["working-hours"])
    return reverse(f"services:service_{scope}", args=["working-hours", pk])


def week_post(name="definition", week=OFFICE, mode="own", exceptions=(), additional=()):
    data = {f"{name}-mode": mode}
    for day, (start, end) in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), week, strict=True):
        data[f"{name}-{day}-from"], data[f"{name}-{day}-to"] = start, end
    for n, row in enumerate(exceptions):
        data.update({f"{name}-exception-{n}-{k}": v for k, v in row.items()})
    for n, row in enumerate(additional):
        data.update({f"{name}-additional-{n}-{k}": v for k, v in row.items()})
    return data


def test_the_page_shows_the_template_week_and_saves_the_whole_value(client_a, org_a, member_a):
    text = client_a.get(page()).content.decode()
    for phrase in ("Normal working hours", "Exceptions, e.g. Christmas, Easter", "Additional working hours", "Night mode is active"):
        assert phrase in text
    assert 'name="definition-mon-from" value="07:00"' in text and 'name="definition-sat-from" value=""' in text

    week = [("08:00", "16:00")] * 5 + [("10:00", "14:00"), ("", "")]
    response = client_a.post(
        page(),
        week_post(
            week=week,
            exceptions=[{"description": "Jul", "from_date": "2026-12-24", "to_date": "2026-12-26"}],
            additional=[{"description": "Sent", "date": "2026-12-10", "from_time": "18:00", "to_time": "21:00"}],
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    stored = WorkingHoursSettings.objects.get(organisation=org_a, group=None, user=None).definition
    assert stored["week"][5] == ["10:00", "14:00"] and stored["week"][6] is None
    assert stored["exceptions"][0]["description"] == "Jul"
    assert AuditEntry.objects.filter(content_type__model="workinghourssettings").exists()
    text = client_a.get(page()).content.decode()
    assert 'value="Jul"' in text and 'name="definition-exception-1-description" value=""' in text  # + an empty row
    assert user_within_working_hours(member_a, local(2026, 12, 12, 11))  # a Saturday
    assert not user_within_working_hours(member_a, local(2026, 12, 24, 9))  # Christmas
    assert user_within_working_hours(member_a, local(2026, 12, 10, 20))  # the late opening


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"definition-wed-from": "18:00", "definition-wed-to": "07:00"}, "Wed: To must be after From"),
        ({"definition-fri-from": "22:00", "definition-fri-to": "06:00"}, "cannot run past midnight"),
        ({"definition-mon-to": "24:00"}, "Mon: Enter a time as HH:MM"),
        ({"definition-tue-from": "7:5"}, "Tue: Enter a time as HH:MM"),
        (
            {"definition-exception-0-from_date": "2027-04-02", "definition-exception-0-to_date": "2027-04-01"},
            "Exception 1: The exception ends before it starts.",
        ),
    ],
)
def test_bad_input_on_the_page_is_a_clear_error_and_writes_nothing(client_a, org_a, change, message):
    data = {**week_post(), **change}
    response = client_a.post(page(), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["definition"])
    assert message in errors
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not WorkingHoursSettings.objects.exists()


def test_one_whole_value_per_scope_not_merged_day_by_day(client_a, org_a, groups_a, member_a):
    # The organisation works Monday to Friday; Salg only on Saturdays.
    operations.service_settings_save(
        service="working-hours", scope=Scope(org_a), data={"definition": {"week": [["07:00", "18:00"]] * 5 + [None, None]}}, by=None
    )
    response = client_a.post(page("group", groups_a["Salg"].pk), week_post(week=[("", "")] * 5 + [("10:00", "14:00"), ("", "")]))
    assert response.status_code == 302, response.context["form"].errors
    monday, saturday = local(2026, 12, 7, 9), local(2026, 12, 12, 11)
    assert not user_within_working_hours(member_a, monday)  # the group's value wins whole
    assert user_within_working_hours(member_a, saturday)
    # The member's own page shows "(Inherit)" chosen with the group's hours as the hint.
    text = client_a.get(page("user", member_a.pk)).content.decode()
    assert 'value="inherit" id="definition-mode-inherit" checked' in text
    assert "inherited from group Salg" in text
    # Back to inherit on the group: the organisation's hours again.
    client_a.post(page("group", groups_a["Salg"].pk), week_post(mode="inherit"))
    assert user_within_working_hours(member_a, monday)
    assert not user_within_working_hours(member_a, saturday)


def test_the_organisations_time_zone_is_used(org_a, member_a):
    org_a.time_zone = "America/New_York"
    org_a.save()
    member_a.refresh_from_db()
    at = dt.datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York, 14:00 in Copenhagen
    assert user_within_working_hours(member_a, at)
    assert not user_within_working_hours(member_a, dt.datetime(2026, 12, 7, 11, 0, tzinfo=UTC))  # 06:00 in New York


def test_the_page_in_danish(danish_fragments, client_a, org_a):
    response = client_a.post(page(), {**week_post(), "definition-wed-from": "18:00", "definition-wed-to": "07:00"})
    text = response.content.decode()
    for phrase in (
        "Arbejdstid",
        "Normal arbejdstid",
        "Dag",
        "Fra",
        "Til",
        "Undtagelser, f.eks. jul, påske",
        "Yderligere arbejdstid, f.eks. særlige sene åbningstider",
        "Tilføj",
        "Nattilstand er aktiv uden for arbejdstiden.",
        "Ons: Til skal være efter Fra",
    ):
        assert phrase in text, phrase


@pytest.mark.parametrize("value", [{"week": [["24:00", "18:00"]] * 7}, {"week": [["07:00"]] * 7}, "Mon-Fri", {"week": "x"}])
def test_the_operation_refuses_bad_stored_values(org_a, value):
    with pytest.raises(ValidationError) as exc:
        operations.service_settings_save(service="working-hours", scope=Scope(org_a), data={"definition": value}, by=None)
    assert "definition" in exc.value.message_dict
    assert not WorkingHoursSettings.objects.exists()
