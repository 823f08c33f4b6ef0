"""FN-10 schedules ("Tidsplaner"): the one answer to "which event of a function number's
schedule applies at time T?" — a pure function over plain data (ARCHITECTURE.md "Call handling").

`schedule_match(events, default, at, time_zone=)` tries the events from the top; the first that
matches applies, anything not matched falls to the default event ("Rediger planlagt
standardbegivenhed", "Altid"). Times are wall-clock times in the organisation's time zone, so
"08:00–15:30 on weekdays" keeps its meaning across the daylight-saving changes.

When an event matches (decided here, documented on the schedule page):
- Gentag "Ingen": one continuous period from the start date at the start time (empty: the start
  of the day) to the end date at the end time (empty: the end of that day), e.g. "2018-01-19 00:00
  – 2018-01-20 00:00". Without dates, the times apply every day.
- "Dagligt" / "Ugentligt" (on the chosen weekdays): every such day between the start and end
  dates (both optional, inclusive), within the time window (empty: the whole day; an end time of
  00:00 after a later start means midnight).
- "Månedligt": on the start date's day of the month; "Årligt": on its day and month; from the
  start date, until the end date if given; within the time window.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

NONE, DAILY, WEEKLY, MONTHLY, YEARLY = "none", "daily", "weekly", "monthly", "yearly"
OPEN, CLOSED, FORWARD = "open", "closed", "forward"

_MIDNIGHT = dt.time(0, 0)
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Event:
    """One scheduled event as plain data (functionnumbers.models.ScheduleEvent.as_event())."""

    name: str
    repeat: str = NONE
    weekdays: frozenset = frozenset()  # 0 = Monday … 6 = Sunday (Ugentligt)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    action: str = OPEN
    prompt: str = ""  # the prompt's name, "" = none
    forward: str = ""  # Videresend: the number
    id: int | None = None
    drop_queued: bool = False  # the default event: "Afbryd eksisterende opkald i køen"


DEFAULT_EVENT = Event(name="", action=OPEN)


@dataclass(frozen=True)
class Skipped:
    event: Event
    reason: str  # a code: see REASONS


@dataclass(frozen=True)
class ScheduleMatch:
    event: Event
    is_default: bool
    local: dt.datetime  # the wall-clock time asked about (naive, organisation's time zone)
    skipped: tuple = field(default=())  # Skipped, for the events above the winner


def window(event):
    """(start, end) of the daily time window of a repeated event, as times of day; end None =
    midnight at the end of the day."""
    start = event.start_time or _MIDNIGHT
    end = event.end_time
    if end == _MIDNIGHT:
        end = None
    return start, end


def _in_window(event, time_of_day):
    start, end = window(event)
    return time_of_day >= start and (end is None or time_of_day < end)


def _period_bounds(event):
    """Gentag "Ingen" with at least one date: [start, end) as naive datetimes (None = open)."""
    start = end = None
    if event.start_date is not None:
        start = dt.datetime.combine(event.start_date, event.start_time or _MIDNIGHT)
    if event.end_date is not None:
        if event.end_time is None:
            end = dt.datetime.combine(event.end_date + _DAY, _MIDNIGHT)
        else:
            end = dt.datetime.combine(event.end_date, event.end_time)
    return start, end


def event_match(event, local):
    """(matches, reason) for one event at the naive wall-clock datetime `local`."""
    day = local.date()
    if event.repeat == NONE:
        if event.start_date is None and event.end_date is None:
            return (True, "matched") if _in_window(event, local.time()) else (False, "outside_time")
        start, end = _period_bounds(event)
        if start is not None and local < start:
            return False, "before_period"
        if end is not None and local >= end:
            return False, "after_period"
        return True, "matched"
    if event.start_date is not None and day < event.start_date:
        return False, "before_period"
    if event.end_date is not None and day > event.end_date:
        return False, "after_period"
    if event.repeat == WEEKLY and day.weekday() not in event.weekdays:
        return False, "other_weekday"
    if event.repeat == MONTHLY and (event.start_date is None or day.day != event.start_date.day):
        return False, "other_day"
    if event.repeat == YEARLY and (
        event.start_date is None
        or (day.month, day.day) != (event.start_date.month, event.start_date.day)
    ):
        return False, "other_day"
    if not _in_window(event, local.time()):
        return False, "outside_time"
    return True, "matched"


def local_time(at, time_zone):
    """`at` (aware) as naive wall-clock time in `time_zone` (a name or tzinfo); a naive `at` is
    taken as wall-clock time already."""
    if at.tzinfo is None:
        return at
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    return at.astimezone(zone).replace(tzinfo=None)


def schedule_match(events, default, at, *, time_zone="Europe/Copenhagen"):
    """The event that applies at `at`: the first matching of `events` (in order), else `default`
    (DEFAULT_EVENT, "Altid | Åbent", when None)."""
    local = local_time(at, time_zone)
    skipped = []
    for event in events:
        matches, reason = event_match(event, local)
        if matches:
            return ScheduleMatch(event=event, is_default=False, local=local, skipped=tuple(skipped))
        skipped.append(Skipped(event, reason))
    return ScheduleMatch(
        event=default or DEFAULT_EVENT, is_default=True, local=local, skipped=tuple(skipped)
    )


def wall_clock_exists(local, time_zone):
    """False for a wall-clock time in the spring-forward gap (e.g. 02:30 on the last Sunday of
    March in Copenhagen), which no call can have."""
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == local


def describe(event):
    """The "Varighed" column in short form: "Man–Tor 08:00–15:30", "2018-01-19 00:00 - 2018-01-20
    00:00", "Dagligt", "Hver måned den 5.", "Hvert år 24/12"; the default event is "Altid"."""
    from django.utils.translation import gettext as _

    days = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))

    def hhmm(value):
        return value.strftime("%H:%M") if value else ""

    def times():
        if not event.start_time and not event.end_time:
            return ""
        return f"{hhmm(event.start_time) or '00:00'}–{hhmm(event.end_time) or '24:00'}"

    def weekdays():
        chosen = sorted(event.weekdays)
        runs, start = [], None
        for i, day in enumerate(chosen):
            if start is None:
                start = day
            if i + 1 == len(chosen) or chosen[i + 1] != day + 1:
                runs.append(days[start] if start == day else f"{days[start]}–{days[day]}")
                start = None
        return ", ".join(runs)

    def period():
        if not event.start_date and not event.end_date:
            return ""
        start = event.start_date.isoformat() if event.start_date else "…"
        end = event.end_date.isoformat() if event.end_date else "…"
        return _("from %(start)s to %(end)s") % {"start": start, "end": end}

    if event.repeat == NONE:
        if event.start_date or event.end_date:
            start = (
                f"{event.start_date.isoformat()} {hhmm(event.start_time) or '00:00'}"
                if event.start_date
                else "…"
            )
            if event.end_date:
                end_time = hhmm(event.end_time) if event.end_time else "24:00"
                end = f"{event.end_date.isoformat()} {end_time}"
            else:
                end = "…"
            return f"{start} - {end}"
        parts = [_("Every day"), times()]
    elif event.repeat == DAILY:
        parts = [_("Daily"), times(), period()]
    elif event.repeat == WEEKLY:
        parts = [weekdays(), times(), period()]
    elif event.repeat == MONTHLY:
        parts = [_("Monthly on day %(day)d") % {"day": event.start_date.day}, times(), period()]
    else:
        parts = [
            _("Yearly on %(day)d/%(month)d")
            % {"day": event.start_date.day, "month": event.start_date.month},
            times(),
        ]
    return " ".join(part for part in parts if part)
