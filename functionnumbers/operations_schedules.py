"""Writes of schedules (FN-10): events of a function number's schedule, their order, the default
event, and the Danish public holidays. Each is audited, in one transaction, and raises
ValidationError keyed by field. Matching itself is functionnumbers.schedules (pure)."""

import datetime as dt

import holidays
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry, Prompt
from functionnumbers.models import FunctionNumber, ScheduleEvent
from functionnumbers.operations import destination_resolve

EVENT_FIELDS = (
    "name",
    "repeat",
    "weekdays",
    "start_date",
    "end_date",
    "start_time",
    "end_time",
    "prompt",
    "action",
    "forward",
)
DEFAULT_FIELDS = ("prompt", "action", "forward", "drop_queued")
MAX_EVENTS = 500


def _clean_prompt(organisation, prompt):
    if prompt is None:
        return None
    if not Prompt.objects.for_organisation(organisation).filter(pk=prompt.pk).exists():
        raise ValidationError({"prompt": _("Select a valid choice.")}, code="invalid_choice")
    return prompt


def _clean_action(event, organisation, fields, errors):
    action = fields.get("action", event.action) or ScheduleEvent.Action.OPEN
    if action not in ScheduleEvent.Action.values:
        errors["action"] = [_("Select a valid choice.")]
        return
    event.action = action
    if "forward" in fields:
        try:
            event.forward_function, event.forward_number = destination_resolve(
                organisation=organisation, raw=fields["forward"], field="forward"
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
            return
    if action == ScheduleEvent.Action.FORWARD and not (
        event.forward_function or event.forward_number
    ):
        errors["forward"] = [_("Enter the number calls are forwarded to.")]
    if action != ScheduleEvent.Action.FORWARD:
        event.forward_function, event.forward_number = None, ""
    if "prompt" in fields:
        try:
            event.prompt = _clean_prompt(organisation, fields["prompt"])
        except ValidationError as exc:
            errors.update(exc.error_dict)


def _clean_event(event, organisation, fields):
    """Set and check an event's fields (FN-10 validation); raises ValidationError by field."""
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    errors = {}
    for name in ("name", "repeat", "start_date", "end_date", "start_time", "end_time"):
        if name in fields:
            value = fields[name]
            setattr(event, name, value.strip() if isinstance(value, str) else value)
    if "weekdays" in fields:
        days = fields["weekdays"] or []
        try:
            days = sorted({int(day) for day in days})
        except (TypeError, ValueError):
            days = [-1]
        if any(day not in range(7) for day in days):
            errors["weekdays"] = [_("Select a valid choice.")]
        event.weekdays = days
    if not event.name:
        errors["name"] = [_("This field is required.")]
    if event.repeat not in ScheduleEvent.Repeat.values:
        errors["repeat"] = [_("Select a valid choice.")]
    if event.repeat == ScheduleEvent.Repeat.WEEKLY and not event.weekdays:
        errors["weekdays"] = [_("Choose at least one weekday.")]
    if event.repeat != ScheduleEvent.Repeat.WEEKLY:
        event.weekdays = []
    if (
        event.repeat in (ScheduleEvent.Repeat.MONTHLY, ScheduleEvent.Repeat.YEARLY)
        and event.start_date is None
    ):
        errors["start_date"] = [
            _("Monthly and yearly events repeat on their start date: enter it.")
        ]
    if event.start_date and event.end_date and event.end_date < event.start_date:
        errors["end_date"] = [_("The end date is before the start date.")]
    one_period = event.repeat == ScheduleEvent.Repeat.NONE and (event.start_date or event.end_date)
    spans_days = one_period and event.start_date != event.end_date
    if event.start_time and event.end_time and not spans_days:
        end_is_midnight = event.end_time == dt.time(0, 0) and not one_period
        if not end_is_midnight and event.end_time <= event.start_time:
            errors["end_time"] = [_("The end time must be after the start time.")]
    _clean_action(event, organisation, fields, errors)
    try:
        event.full_clean(
            exclude={"function_number", "forward_function", "prompt", *errors},
            validate_constraints=False,
        )
    except ValidationError as exc:
        for key, value in exc.error_dict.items():
            errors.setdefault(key, []).extend(value)
    if errors:
        raise ValidationError(errors)


def _locked(function_number):
    return FunctionNumber.objects.select_for_update().get(pk=function_number.pk)


def schedule_event_create(*, function_number, by, position=None, **fields):
    """Add an event to the schedule (last, or at `position`: 0 = top)."""
    with transaction.atomic():
        function_number = _locked(function_number)
        events = ScheduleEvent.objects.filter(function_number=function_number, is_default=False)
        if events.count() >= MAX_EVENTS:
            raise ValidationError(
                _("A schedule holds at most %(max)d events.") % {"max": MAX_EVENTS}
            )
        event = ScheduleEvent(function_number=function_number)
        _clean_event(event, function_number.organisation, fields)
        if position is None:
            event.position = (events.aggregate(m=Max("position"))["m"] or 0) + 1
        else:
            events.filter(position__gte=position).update(position=F("position") + 1)
            event.position = position
        event.save()
        audit_record(
            actor=by,
            action=AuditEntry.Action.CREATE,
            obj=event,
            organisation=function_number.organisation,
            changes=diff({}, snapshot(event)),
        )
    return event


def schedule_event_update(*, event, by, **fields):
    with transaction.atomic():
        event = (
            ScheduleEvent.objects.select_for_update()
            .select_related("function_number__organisation")
            .get(pk=event.pk)
        )
        if event.is_default:
            raise ValueError("the default event is changed with schedule_default_set")
        before = snapshot(event)
        _clean_event(event, event.function_number.organisation, fields)
        event.save()
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            obj=event,
            organisation=event.function_number.organisation,
            changes=diff(before, snapshot(event)),
        )
    return event


def schedule_event_delete(*, event, by):
    with transaction.atomic():
        event = (
            ScheduleEvent.objects.select_for_update()
            .select_related("function_number__organisation")
            .get(pk=event.pk)
        )
        audit_record(
            actor=by,
            action=AuditEntry.Action.DELETE,
            obj=event,
            organisation=event.function_number.organisation,
            changes=diff(snapshot(event), {}),
        )
        event.delete()


def schedule_event_move(*, event, offset, by):
    """Move an event up (offset -1) or down (+1) in its schedule; the order is renumbered 1..n."""
    with transaction.atomic():
        function_number = _locked(event.function_number)
        events = list(
            ScheduleEvent.objects.filter(
                function_number=function_number, is_default=False
            ).order_by("position", "pk")
        )
        index = next((i for i, e in enumerate(events) if e.pk == event.pk), None)
        if index is None:
            raise ValidationError(_("The default event is always last."))
        target = max(0, min(len(events) - 1, index + offset))
        events.insert(target, events.pop(index))
        for position, row in enumerate(events, start=1):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            obj=events[target],
            organisation=function_number.organisation,
            changes={"position": [index + 1, target + 1]},
        )


def schedule_default_set(*, function_number, by, **fields):
    """Set the default event ("Rediger planlagt standardbegivenhed": Besked, Handling, Afbryd
    eksisterende opkald i køen)."""
    unknown = set(fields) - set(DEFAULT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        function_number = _locked(function_number)
        event = ScheduleEvent.objects.filter(
            function_number=function_number, is_default=True
        ).first()
        created = event is None
        if created:
            event = ScheduleEvent(function_number=function_number, is_default=True)
        before = {} if created else snapshot(event)
        errors = {}
        _clean_action(event, function_number.organisation, fields, errors)
        if "drop_queued" in fields:
            event.drop_queued = bool(fields["drop_queued"])
        if errors:
            raise ValidationError(errors)
        event.save()
        audit_record(
            actor=by,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=event,
            organisation=function_number.organisation,
            changes=diff(before, snapshot(event)),
        )
    return event


def danish_holidays(year, language="da"):
    """[(date, name)] of the Danish public holidays of `year` (the `holidays` library), names in
    `language` ("da" or "en")."""
    if not 1900 <= year <= 2200:
        raise ValidationError({"year": _("Choose a year between 1900 and 2200.")})
    names = holidays.Denmark(years=year, language="da" if language.startswith("da") else "en_US")
    return sorted(names.items())


def schedule_holidays_add(*, function_number, year, by, language="da"):
    """ "Tilføj helligdage": the Danish public holidays of `year` as closed whole-day events at the
    top of the schedule (so they win over the opening hours below them). Holidays already in the
    schedule (same name and date) are not added twice. Returns the events added."""
    added = []
    with transaction.atomic():
        function_number = _locked(function_number)
        existing = set(
            ScheduleEvent.objects.filter(
                function_number=function_number, is_default=False
            ).values_list("name", "start_date")
        )
        new = [
            (day, name)
            for day, name in danish_holidays(year, language)
            if (name, day) not in existing
        ]
        if not new:
            return added
        ScheduleEvent.objects.filter(function_number=function_number, is_default=False).update(
            position=F("position") + len(new)
        )
        for position, (day, name) in enumerate(new, start=1):
            event = ScheduleEvent.objects.create(
                function_number=function_number,
                position=position,
                name=name[:64],
                repeat=ScheduleEvent.Repeat.NONE,
                start_date=day,
                end_date=day,
                action=ScheduleEvent.Action.CLOSED,
            )
            audit_record(
                actor=by,
                action=AuditEntry.Action.CREATE,
                obj=event,
                organisation=function_number.organisation,
                changes=diff({}, snapshot(event)),
            )
            added.append(event)
    return added
