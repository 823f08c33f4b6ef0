"""FN-10 schedules: the matching engine (examples, daylight saving, a brute-force reference),
the operations' rules, the pages and who may use them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import GroupMembership, Prompt
from functionnumbers import schedules
from functionnumbers.models import Kind, ScheduleEvent
from functionnumbers.operations_schedules import (
    schedule_default_set,
    schedule_event_create,
    schedule_event_move,
    schedule_holidays_add,
)
from functionnumbers.queries import schedule_rows, schedule_state_at
from tests.factories import UserFactory, UserGroupFactory
from tests.functionnumbers.factories import make_function_number

CPH = ZoneInfo("Europe/Copenhagen")
OPEN_MON_THU = schedules.Event(
    name="Åben Mandag-Torsdag",
    repeat=schedules.WEEKLY,
    weekdays=frozenset({0, 1, 2, 3}),
    start_time=dt.time(8, 0),
    end_time=dt.time(15, 30),
    action=schedules.OPEN,
)
OPEN_ONE_DAY = schedules.Event(
    name="Åben",
    start_date=dt.date(2018, 1, 19),
    start_time=dt.time(0, 0),
    end_date=dt.date(2018, 1, 20),
    end_time=dt.time(0, 0),
    action=schedules.OPEN,
)
CLOSED = schedules.Event(name="", action=schedules.CLOSED, prompt="IpvisionLukket")


def at(*args):
    return dt.datetime(*args, tzinfo=CPH)


# --- the engine -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(2026, 12, 7, 8, 0), "Åben Mandag-Torsdag"),  # Monday, opening minute
        (at(2026, 12, 10, 15, 29), "Åben Mandag-Torsdag"),  # Thursday, last minute
        (at(2026, 12, 10, 15, 30), None),  # closing time belongs to the default
        (at(2026, 12, 11, 10, 0), None),  # Friday
        (at(2018, 1, 19, 23, 59), "Åben"),  # DEMO-13's one-day event (a Friday)
        (at(2018, 1, 20, 0, 0), None),
    ],
)
def test_demo_schedule(when, expected):
    match = schedules.schedule_match([OPEN_MON_THU, OPEN_ONE_DAY], CLOSED, when)
    if expected is None:
        assert match.is_default and match.event.action == schedules.CLOSED
    else:
        assert match.event.name == expected and not match.is_default


def test_the_first_matching_event_wins_and_the_ones_above_say_why_not():
    holiday = schedules.Event(
        name="Juleaften",
        start_date=dt.date(2026, 12, 24),
        end_date=dt.date(2026, 12, 24),
        action=schedules.CLOSED,
    )
    match = schedules.schedule_match(
        [holiday, OPEN_MON_THU], CLOSED, at(2026, 12, 24, 9, 0)
    )  # a Thursday
    assert match.event.name == "Juleaften"
    match = schedules.schedule_match([holiday, OPEN_MON_THU], CLOSED, at(2026, 12, 17, 9, 0))
    assert match.event.name == "Åben Mandag-Torsdag"
    assert [(s.event.name, s.reason) for s in match.skipped] == [("Juleaften", "before_period")]


def test_without_a_default_the_schedule_is_always_open():
    assert schedules.schedule_match([], None, at(2026, 1, 1, 3, 0)).event.action == schedules.OPEN


@pytest.mark.parametrize(
    ("utc", "open_"),
    [
        # Last Sunday of March 2027 (28th): clocks go 02:00 → 03:00. 07:30 UTC = 09:30 summer time.
        (dt.datetime(2027, 3, 28, 6, 59, tzinfo=dt.UTC), False),  # 08:59 local
        (dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC), True),  # 09:00 local
        (dt.datetime(2027, 3, 27, 7, 59, tzinfo=dt.UTC), False),  # Saturday 08:59 winter time
        (dt.datetime(2027, 3, 27, 8, 0, tzinfo=dt.UTC), True),  # Saturday 09:00 winter time
        # Last Sunday of October 2027 (31st): clocks go 03:00 → 02:00.
        (dt.datetime(2027, 10, 31, 7, 59, tzinfo=dt.UTC), False),  # 08:59 winter time
        (dt.datetime(2027, 10, 31, 8, 0, tzinfo=dt.UTC), True),  # 09:00 winter time
        (dt.datetime(2027, 10, 30, 6, 59, tzinfo=dt.UTC), False),  # Saturday 08:59 summer time
        (dt.datetime(2027, 10, 30, 7, 0, tzinfo=dt.UTC), True),  # Saturday 09:00 summer time
    ],
)
def test_wall_clock_times_keep_their_meaning_across_daylight_saving(utc, open_):
    weekend = schedules.Event(
        name="Weekend",
        repeat=schedules.WEEKLY,
        weekdays=frozenset({5, 6}),
        start_time=dt.time(9, 0),
        end_time=dt.time(12, 0),
    )
    match = schedules.schedule_match([weekend], CLOSED, utc, time_zone="Europe/Copenhagen")
    assert (not match.is_default) is open_


def test_the_spring_gap_does_not_exist():
    assert not schedules.wall_clock_exists(dt.datetime(2027, 3, 28, 2, 30), "Europe/Copenhagen")
    assert schedules.wall_clock_exists(dt.datetime(2027, 10, 31, 2, 30), "Europe/Copenhagen")


# A brute-force reference: an event's occurrences spelled out minute by minute for one day.
def _reference_minutes(event, day):
    """The set of minutes (0..1439) of `day` at which `event` applies, computed without the
    engine's shortcuts."""
    minutes = set()
    for minute in range(0, 24 * 60):
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        if event.repeat == schedules.NONE and (event.start_date or event.end_date):
            start = (
                dt.datetime.combine(event.start_date, event.start_time or dt.time())
                if event.start_date
                else dt.datetime.min
            )
            if event.end_date is None:
                end = dt.datetime.max
            elif event.end_time is None:
                end = dt.datetime.combine(event.end_date, dt.time()) + dt.timedelta(days=1)
            else:
                end = dt.datetime.combine(event.end_date, event.end_time)
            if start <= moment < end:
                minutes.add(minute)
            continue
        if event.repeat != schedules.NONE:
            if (
                event.start_date
                and day < event.start_date
                or event.end_date
                and day > event.end_date
            ):
                continue
            if event.repeat == schedules.WEEKLY and day.weekday() not in event.weekdays:
                continue
            if event.repeat == schedules.MONTHLY and day.day != event.start_date.day:
                continue
            if event.repeat == schedules.YEARLY and (day.month, day.day) != (
                event.start_date.month,
                event.start_date.day,
            ):
                continue
        first = (event.start_time.hour * 60 + event.start_time.minute) if event.start_time else 0
        last = (event.end_time.hour * 60 + event.end_time.minute) if event.end_time else 24 * 60
        if last == 0:
            last = 24 * 60
        if first <= minute < last:
            minutes.add(minute)
    return minutes


dates = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 3, 31))
times = st.none() | st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def events(draw):
    repeat = draw(
        st.sampled_from(
            [schedules.NONE, schedules.DAILY, schedules.WEEKLY, schedules.MONTHLY, schedules.YEARLY]
        )
    )
    start_date = draw(st.none() | dates)
    end_date = draw(st.none() | dates)
    if repeat in (schedules.MONTHLY, schedules.YEARLY) and start_date is None:
        start_date = draw(dates)
    return schedules.Event(
        name=draw(st.text("abc", min_size=1, max_size=3)),
        repeat=repeat,
        weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        start_date=start_date,
        end_date=end_date,
        start_time=draw(times),
        end_time=draw(times),
        action=draw(st.sampled_from([schedules.OPEN, schedules.CLOSED])),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), max_size=6), dates, st.integers(0, 24 * 60 - 1))
def test_matching_equals_a_brute_force_reference(event_list, day, minute):
    moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    expected = next((e for e in event_list if minute in _reference_minutes(e, day)), None)
    match = schedules.schedule_match(event_list, CLOSED, moment)
    if expected is None:
        assert match.is_default
    else:
        assert not match.is_default and match.event is expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), max_size=6), st.lists(st.tuples(dates, st.integers(0, 24 * 60 - 1)), min_size=1, max_size=20))
def test_the_index_for_many_lookups_gives_the_same_answers(event_list, moments):
    index = schedules.ScheduleIndex(event_list, CLOSED)
    for day, minute in moments:
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        expected = schedules.schedule_match(event_list, CLOSED, moment)
        got = index.match(moment)
        assert (got.event is expected.event) and got.is_default == expected.is_default


# --- operations ----------------------------------------------------------------------------


@pytest.fixture
def acd(org_a, admin_a):
    return make_function_number(org_a, Kind.ACD, number="1500", name="Kundeservice", by=admin_a)


def _event(acd, admin, **fields):
    values = {"name": "Åben", "repeat": "weekly", "weekdays": [0, 1, 2, 3], "action": "open"}
    values.update(fields)
    return schedule_event_create(function_number=acd, by=admin, **values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": dt.date(2026, 5, 2), "end_date": dt.date(2026, 5, 1)}, "end_date"),
        ({"start_time": dt.time(16, 0), "end_time": dt.time(8, 0)}, "end_time"),
        ({"weekdays": []}, "weekdays"),
        ({"action": "forward"}, "forward"),
        ({"action": "forward", "forward": "1234"}, "forward"),  # no such local number
        ({"name": ""}, "name"),
        ({"repeat": "monthly"}, "start_date"),
        ({"weekdays": [7]}, "weekdays"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(acd, admin_a, fields, field):
    with pytest.raises(ValidationError) as exc:
        _event(acd, admin_a, **fields)
    assert field in exc.value.error_dict
    assert not ScheduleEvent.objects.exists()


@pytest.mark.django_db
def test_forward_takes_an_external_number(acd, admin_a):
    event = _event(acd, admin_a, action="forward", forward="70 20 30 40")
    assert event.forward_number == "+4570203040"


@pytest.mark.django_db
def test_a_forward_to_a_function_number_blocks_its_deletion(org_a, acd, admin_a):
    from functionnumbers.operations import function_number_delete

    hunt = make_function_number(org_a, Kind.HUNT, number="1580")
    _event(acd, admin_a, action="forward", forward="1580")
    with pytest.raises(ValidationError, match="1500"):
        function_number_delete(function_number=hunt, by=admin_a)


@pytest.mark.django_db
def test_moving_events_changes_which_wins(acd, admin_a):
    weekly = _event(acd, admin_a, name="Åben")
    closed = _event(acd, admin_a, name="Lukket mandag", weekdays=[0], action="closed")
    monday = at(2026, 12, 7, 10, 0)
    assert schedule_state_at(acd, monday).event.name == "Åben"
    schedule_event_move(event=closed, offset=-1, by=admin_a)
    assert schedule_state_at(acd, monday).event.name == "Lukket mandag"
    assert [e.pk for e in schedule_rows(acd)[0]] == [closed.pk, weekly.pk]


@pytest.mark.django_db
def test_holidays_are_added_once_as_closed_events_at_the_top(acd, admin_a):
    _event(acd, admin_a, name="Åben")
    added = schedule_holidays_add(function_number=acd, year=2027, by=admin_a)
    assert "Langfredag" in {event.name for event in added}
    again = schedule_holidays_add(function_number=acd, year=2027, by=admin_a)
    assert again == []
    rows = schedule_rows(acd)[0]
    assert rows[-1].name == "Åben"
    assert schedule_state_at(acd, at(2027, 3, 25, 10, 0)).event.name == "Skærtorsdag"


@pytest.mark.django_db
def test_default_event_with_message(acd, admin_a, org_a):
    prompt = Prompt.objects.create(organisation=org_a, name="IpvisionLukket")
    schedule_default_set(
        function_number=acd, by=admin_a, prompt=prompt, action="closed", drop_queued=True
    )
    match = schedule_state_at(acd, at(2026, 12, 12, 10, 0))
    assert match.is_default and match.event.prompt == "IpvisionLukket" and match.event.drop_queued


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_pages(client_a, acd):
    assert "Kundeservice" in client_a.get(reverse("functionnumbers:schedule_list")).content.decode()
    url = reverse("functionnumbers:schedule_event_create", args=[acd.pk])
    response = client_a.post(
        url,
        {
            "name": "Åben Mandag-Torsdag",
            "repeat": "weekly",
            "weekdays": ["0", "1", "2", "3"],
            "start_time": "08:00",
            "end_time": "15:30",
            "action": "open",
        },
    )
    assert response.status_code == 302
    page = client_a.get(reverse("functionnumbers:schedule_detail", args=[acd.pk])).content.decode()
    assert "Åben Mandag-Torsdag" in page and "Mon–Thu 08:00–15:30" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start_date": "2026-02-30"}, "start_date", "Enter a valid date"),
        ({"prompt": "999999"}, "prompt", "Select a valid choice"),
        (
            {"end_date": "2026-01-01", "start_date": "2026-02-01"},
            "end_date",
            "before the start date",
        ),
        ({"weekdays": []}, "weekdays", "at least one weekday"),
    ],
)
def test_bad_input_on_the_event_form(client_a, acd, data, field, message):
    values = {"name": "X", "repeat": "weekly", "weekdays": ["0"], "action": "open"}
    values.update(data)
    response = client_a.post(
        reverse("functionnumbers:schedule_event_create", args=[acd.pk]), values
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not ScheduleEvent.objects.exists()


@pytest.mark.django_db
def test_holiday_page_shows_the_dates_before_adding(client_a, acd):
    url = reverse("functionnumbers:schedule_holidays", args=[acd.pk])
    preview = client_a.get(url, {"year": "2027"}).content.decode()
    assert "Good Friday" in preview
    assert not ScheduleEvent.objects.exists()
    assert client_a.post(url, {"year": "2027"}).status_code == 302
    assert ScheduleEvent.objects.filter(action="closed").count() >= 10


@pytest.mark.django_db
def test_schedule_admins_and_the_numbers_group_admins_may_edit_others_may_not(
    client, org_a, acd, password
):
    planners = UserGroupFactory(organisation=org_a, name="Planlæggere", is_schedule_admin=True)
    admins = UserGroupFactory(organisation=org_a, name="Gruppeadmins")
    acd.admin_groups.add(admins)
    planner = UserFactory(organisation=org_a)
    group_admin = UserFactory(organisation=org_a)
    nobody = UserFactory(organisation=org_a)
    GroupMembership.objects.create(user=planner, group=planners)
    GroupMembership.objects.create(user=group_admin, group=admins)
    url = reverse("functionnumbers:schedule_detail", args=[acd.pk])
    from customers import permissions

    assert permissions.may(planner, permissions.EDIT_SCHEDULE, obj=acd)
    assert permissions.may(group_admin, permissions.EDIT_SCHEDULE, obj=acd)
    assert not permissions.may(nobody, permissions.EDIT_SCHEDULE, obj=acd)
    del url


@pytest.mark.django_db
def test_another_organisations_admin_gets_404(client_b, acd):
    assert (
        client_b.get(reverse("functionnumbers:schedule_detail", args=[acd.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_the_schedule_list_opens_before_any_function_number_exists(client_a):
    page = client_a.get(reverse("functionnumbers:schedule_list"))
    assert page.status_code == 200 and "None yet." in page.content.decode()
