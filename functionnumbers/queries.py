"""Reads of function numbers."""

from functionnumbers.layouts import layout_for


def function_numbers_of_kind(organisation, kind):
    """The organisation's function numbers of one type, as the type's model, for its list page."""
    layout = layout_for(kind)
    return (
        layout.model._default_manager.for_organisation(organisation)
        .filter(kind=kind)
        .select_related("number")
        .order_by("number__kind", "number__value")
    )


def schedule_rows(function_number):
    """(events in order, default event row or None) of one function number's schedule."""
    from functionnumbers.models import ScheduleEvent

    rows = list(
        ScheduleEvent.objects.filter(function_number=function_number)
        .select_related("prompt", "forward_function__number")
        .order_by("is_default", "position", "pk")
    )
    default = next((row for row in rows if row.is_default), None)
    return [row for row in rows if not row.is_default], default


def schedules_of(function_number_ids):
    """{function number id: ([schedules.Event], default Event or None)} for many function
    numbers in one query."""
    from functionnumbers.models import ScheduleEvent

    result = {pk: ([], None) for pk in function_number_ids}
    rows = (
        ScheduleEvent.objects.filter(function_number__in=list(result))
        .select_related("prompt", "forward_function__number")
        .order_by("function_number", "is_default", "position", "pk")
    )
    for row in rows:
        events, default = result[row.function_number_id]
        if row.is_default:
            result[row.function_number_id] = (events, row.as_event())
        else:
            events.append(row.as_event())
    return result


def schedule_state_at(function_number, at):
    """The schedules.ScheduleMatch of one function number at `at` (its organisation's time zone)."""
    from functionnumbers import schedules

    events, default = schedules_of([function_number.pk])[function_number.pk]
    return schedules.schedule_match(
        events, default, at, time_zone=function_number.organisation.time_zone
    )
