"""Demo data of the functionnumbers app: DEMO-12 (function numbers) and DEMO-13 (the schedule of
ACD 1500). `seed(organisation)` is idempotent (a function number whose number is in use is left
as it is) and goes through the same operations as the pages. Called by `manage.py seed_demo`."""

import datetime as dt

from django.db import transaction

from customers.models import Number, Prompt, User, UserGroup
from functionnumbers.models import Kind, ScheduleEvent
from functionnumbers.operations import function_number_create
from functionnumbers.operations_agents import agent_add
from functionnumbers.operations_schedules import schedule_default_set, schedule_event_create


def _groups(organisation, *names):
    return list(UserGroup.objects.for_organisation(organisation).filter(name__in=names))


def _create(organisation, kind, number, by, **fields):
    if Number.objects.for_organisation(organisation).filter(number=number).exists():
        return None
    return function_number_create(
        organisation=organisation, kind=kind, number=number, by=by, **fields
    )


@transaction.atomic
def seed(organisation, by=None):
    ringing = Prompt.objects.filter(organisation__isnull=True, name="Ringing").first()
    closed = Prompt.objects.for_organisation(organisation).filter(name="IpvisionLukket").first()
    # DEMO-12 (the group inbox first: the hunt group falls back to it).
    _create(
        organisation,
        Kind.GROUP_INBOX,
        "1800",
        by,
        name="Support indbakke",
        inbox_code="18",
        member_groups=_groups(organisation, "Support"),
        email_groups=_groups(organisation, "Support"),
    )
    acd = _create(
        organisation,
        Kind.ACD,
        "1500",
        by,
        name="Kundeservice",
        code="1500",
        login_groups=_groups(organisation, "AgentsGroup"),
        admin_groups=_groups(organisation, "Supervisor"),
        control_groups=_groups(organisation, "Supervisor"),
        distribution="skill",
        queue_prompt=ringing,
        show_caller_number=True,
    )
    _create(
        organisation,
        Kind.ATTENDANT,
        "1501",
        by,
        name="Reception",
        code="1501",
        login_groups=_groups(organisation, "Administration"),
        show_caller_number=True,
        queue_prompt=ringing,
        camp_on_enabled=True,
        camp_on_notify_seconds=30,
        camp_on_notify_all_seconds=60,
    )
    _create(
        organisation,
        Kind.HUNT,
        "1502",
        by,
        name="Salg",
        code="1502",
        member_groups=_groups(organisation, "Salg"),
        strategy="sequential",
        ring_seconds=20,
        fallback="1800",
    )
    welcome = (
        Prompt.objects.for_organisation(organisation)
        .filter(kind=Prompt.Kind.PROMPT)
        .exclude(name="Ringing")
        .first()
    )
    if welcome is not None:
        _create(
            organisation,
            Kind.IVR,
            "1600",
            by,
            name="Hovedmenu",
            prompt=welcome,
            options={"1": "1502", "2": "1500", "0": "1501"},
        )
    _create(organisation, Kind.RULE_BASED, "1711", by, name="changelanguage", language="en")
    # DEMO-12 says 1801, but 1801 is a Danish public service number (connect.lib.numbers
    # SERVICE_NUMBERS): dialled from an extension it must reach the public network. 1803 instead.
    _create(organisation, Kind.VOICEMAIL, "1803", by, inbox_type="user")
    _create(organisation, Kind.VOICEMAIL, "1802", by, inbox_type="group")
    # DEMO-12's skill mode on ACD 1500: klj 5, mbr 3, kgo 3 (the guide's order).
    if acd is not None:
        for username, level in (
            ("klj@ipvision.dk", 5),
            ("mbr@ipvision.dk", 3),
            ("kgo@ipvision.dk", 3),
        ):
            user = User.objects.for_organisation(organisation).filter(username=username).first()
            if user is not None:
                agent_add(group=acd, user=user, by=by, skill_level=level)
    # DEMO-13: the schedule of ACD 1500 (only when the ACD group was made now: idempotent).
    if acd is not None:
        schedule_event_create(
            function_number=acd,
            by=by,
            name="Åben Mandag-Torsdag",
            repeat=ScheduleEvent.Repeat.WEEKLY,
            weekdays=[0, 1, 2, 3],
            start_time=dt.time(8, 0),
            end_time=dt.time(15, 30),
            action=ScheduleEvent.Action.OPEN,
        )
        schedule_event_create(
            function_number=acd,
            by=by,
            name="Åben",
            repeat=ScheduleEvent.Repeat.NONE,
            start_date=dt.date(2018, 1, 19),
            start_time=dt.time(0, 0),
            end_date=dt.date(2018, 1, 20),
            end_time=dt.time(0, 0),
            action=ScheduleEvent.Action.OPEN,
        )
        schedule_default_set(
            function_number=acd, by=by, prompt=closed, action=ScheduleEvent.Action.CLOSED
        )
    return [
        "Function numbers: ACD 1500 Kundeservice (agents, schedule), reception 1501, hunt group 1502, "
        "IVR 1600, … — Funktionsnumre → Nummervisualisering draws them and simulates a call."
    ]
