"""SVC-1 working hours ("Arbejdstid"): the value and the one question "within working hours at T?".

A working-hours definition is plain data, one whole value per scope (SET-3 resolves it whole,
never day by day):
- `week`: seven entries, Monday first, each None (day off) or (from, to) as "HH:MM".
- `exceptions` ("Undtagelser, f.eks. jul, påske"): non-working time, winning over the week.
  Each {"description", "from_date", "to_date", "from_time", "to_time"}: from `from_date` at
  `from_time` (empty = the start of the day) to `to_date` at `to_time` (empty = its end).
- `additional` ("Yderligere arbejdstid"): working time, winning over exceptions on its date.
  Each {"description", "date", "from_time", "to_time"}.

`working_hours_clean` validates raw input (what a form or an import posts) into a
`WorkingHours`; `within_working_hours` is the pure rule engine (no queries), asked in the
organisation's time zone: wall-clock times, so a span keeps its local meaning across the
daylight-saving changes (the hour that does not exist in March is simply never reached).
"""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")  # [0-9]: \d would take other scripts' digits
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ExceptionPeriod:
    description: str
    start: dt.datetime  # naive local wall-clock time
    end: dt.datetime  # exclusive


@dataclass(frozen=True)
class AdditionalHours:
    description: str
    date: dt.date
    start: dt.time
    end: dt.time  # exclusive


@dataclass(frozen=True)
class WorkingHours:
    week: tuple  # 7 x (dt.time, dt.time) | None, Monday first
    exceptions: tuple = ()
    additional: tuple = ()


def parse_time(text):
    """"HH:MM", 24-hour, two digits each: "07:00" yes; "7:5", "24:00", "7.00" no."""
    match = TIME.match((text or "").strip())
    if not match:
        raise ValidationError(_("Enter a time as HH:MM (00:00-23:59), e.g. 07:00."), code="time")
    return dt.time(int(match[1]), int(match[2]))


def _parse_date(text):
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="date") from None


def _span(from_text, to_text):
    """(from, to) of one day; From before To, no span past midnight."""
    start, end = parse_time(from_text), parse_time(to_text)
    if start >= end:
        raise ValidationError(
            _("To must be after From; a span cannot run past midnight (end at 23:59, start the next day at 00:00)."),
            code="order",
        )
    return start, end


def working_hours_clean(*, week, exceptions=(), additional=()):
    """A WorkingHours from raw input: `week` 7 pairs of "HH:MM" or empty strings; `exceptions`
    and `additional` lists of dicts of strings (see the module docstring). Raises
    ValidationError({"week-<day>" | "exceptions-<n>" | "additional-<n>": [...]}) listing every
    bad entry; nothing is partly accepted."""
    errors = {}
    days = []
    if len(week) != 7:
        raise ValidationError({"week": [_("Enter the seven days Monday to Sunday.")]})
    for day, (from_text, to_text) in zip(DAYS, week, strict=True):
        if not (from_text or "").strip() and not (to_text or "").strip():
            days.append(None)
            continue
        try:
            if not (from_text or "").strip() or not (to_text or "").strip():
                raise ValidationError(_("Enter both From and To, or neither for a day off."), code="both")
            days.append(_span(from_text, to_text))
        except ValidationError as exc:
            errors[f"week-{day}"] = exc.messages
            days.append(None)
    cleaned_exceptions = []
    for n, row in enumerate(exceptions):
        try:
            cleaned_exceptions.append(_clean_exception(row))
        except ValidationError as exc:
            errors[f"exceptions-{n}"] = exc.messages
    cleaned_additional = []
    for n, row in enumerate(additional):
        try:
            cleaned_additional.append(
                AdditionalHours(_description(row), _parse_date(row.get("date")), *_span(row.get("from_time"), row.get("to_time")))
            )
        except ValidationError as exc:
            errors[f"additional-{n}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return WorkingHours(tuple(days), tuple(cleaned_exceptions), tuple(cleaned_additional))


def _description(row):
    text = (row.get("description") or "").strip()
    if len(text) > 64:
        raise ValidationError(_("Use at most 64 characters for the description."), code="description")
    return text


def _clean_exception(row):
    description = _description(row)
    from_date, to_date = _parse_date(row.get("from_date")), _parse_date(row.get("to_date"))
    from_time = parse_time(row["from_time"]) if (row.get("from_time") or "").strip() else dt.time(0, 0)
    start = dt.datetime.combine(from_date, from_time)
    if (row.get("to_time") or "").strip():
        end = dt.datetime.combine(to_date, parse_time(row["to_time"]))
    else:
        end = dt.datetime.combine(to_date + dt.timedelta(days=1), dt.time(0, 0))
    if end <= start:
        raise ValidationError(_("The exception ends before it starts."), code="order")
    return ExceptionPeriod(description, start, end)


def within_working_hours(hours, at, *, time_zone):
    """Is the aware datetime `at` within the working hours `hours` (a WorkingHours, or None for
    "no working hours defined": never), read in `time_zone` (a name like "Europe/Copenhagen",
    the organisation's, or a tzinfo)? Additional hours win over exceptions, exceptions over
    the week table. Pure: no queries."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("within_working_hours() needs an aware datetime.")
    if hours is None:
        return False
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    local = at.astimezone(zone).replace(tzinfo=None)
    day, clock = local.date(), local.time()
    for extra in hours.additional:
        if extra.date == day and extra.start <= clock < extra.end:
            return True
    for exception in hours.exceptions:
        if exception.start <= local < exception.end:
            return False
    span = hours.week[day.weekday()]
    return span is not None and span[0] <= clock < span[1]


# --- stored form: one JSON value per scope (services.models.WorkingHoursSettings.definition) ------

# The template's working hours (ORG-1, the guide's example): Man-Fre 07:00-18:00, Lør/Søn off.
DEFAULT = {"week": [["07:00", "18:00"]] * 5 + [None, None], "exceptions": [], "additional": []}


def to_json(hours):
    """The canonical stored value of a WorkingHours."""
    return {
        "week": [None if span is None else [span[0].strftime("%H:%M"), span[1].strftime("%H:%M")] for span in hours.week],
        "exceptions": [
            {
                "description": e.description,
                "from_date": e.start.date().isoformat(),
                "from_time": "" if e.start.time() == dt.time(0) else e.start.strftime("%H:%M"),
                "to_date": (e.end - dt.timedelta(minutes=1)).date().isoformat() if e.end.time() == dt.time(0) else e.end.date().isoformat(),
                "to_time": "" if e.end.time() == dt.time(0) else e.end.strftime("%H:%M"),
            }
            for e in hours.exceptions
        ],
        "additional": [
            {"description": a.description, "date": a.date.isoformat(), "from_time": a.start.strftime("%H:%M"), "to_time": a.end.strftime("%H:%M")}
            for a in hours.additional
        ],
    }


def from_json(value):
    """A WorkingHours from a stored value (None stays None: no working hours)."""
    if value is None:
        return None
    return working_hours_clean(
        week=[span or ("", "") for span in value.get("week", ())],
        exceptions=value.get("exceptions", ()),
        additional=value.get("additional", ()),
    )
