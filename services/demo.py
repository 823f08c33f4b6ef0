"""Demo data of the services app: DEMO-6 (presence sync rules of ipvexch01), DEMO-8 (contacts),
DEMO-10 (working hours) and DEMO-11 (service settings).

`seed(organisation)` is idempotent: running it again changes nothing and writes no new audit
entries. It expects the customers demo (groups, users, system prompts) to exist already and
skips what refers to missing objects. Called by `manage.py seed_demo`.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from customers.models import Activity, CalendarConnector, DirectoryField, Prompt, User, UserGroup
from customers.models.users import DirectoryFieldProposal
from customers.operations.directory import directory_proposal_submit
from services import operations, working_hours
from services.definitions import NONE
from services.models import ExternalContact, MandatoryContact, WorkingHoursSettings
from services.operations_presence import presence_policy_save
from services.presence_sync import RuleType
from services.queries_presence import policy_of, presence_policy_load
from services.scopes import Scope

DEMO_CONTACT = {
    "company": "ipvision A/S",
    "department": "Operations",
    "first_name": "Kasper Leth",
    "last_name": "Jensen",
    "short_name": "Kalle",
    "street": "Skodsborgvej 305D",
    "postcode": "2850",
    "city": "Nærum",
    "country": "Danmark",
    "email": "klj@ipvision.dk",
    "speed_dial": "",
    "contact_type": ExternalContact.ContactType.PREFERRED,
}
DEMO_CONTACT_NUMBERS = [
    {"number_type": "mobile", "number": "+4581808088", "abbreviated": "", "is_preferred": True}
]
MANDATORY_CONTACT = "wallboard@ipvision.dk"
VOICEMAIL_GROUP = "Sweden - Stockholm"
# DEMO-11: permission services at organisation level naming Supervisor; SMS for Support.
SUPERVISOR_SERVICES = {
    "call-intrusion": "intrusion_groups",
    "diversion-bypass": "bypass_groups",
    "call-monitoring": "status_groups",
}
SUPERVISOR_GROUP = "Supervisor"
SMS_GROUP = "Support"
# DEMO-6: the rules of connector ipvexch01 (activity names of DEMO-5; "Busy" is Forstyr ikke).
DEMO_CONNECTOR = "ipvexch01"
DEMO_MAPPINGS = (("Out Of Office", "Test"), ("Busy", "Forstyr ikke"))
DEMO_EXCLUSIONS = ((RuleType.PRIVATE, "true"),)


@transaction.atomic
def seed(organisation, by=None):
    org_scope = Scope(organisation)
    _seed_contacts(organisation, org_scope, by)

    operations.service_settings_save(
        service="advanced",
        scope=org_scope,
        data={
            "mobile_numbers_visible": True,
            "default_phone_number": "primary",
            "users_may_change_photo": True,
            "desk_phone_transfer_pending": True,
        },
        by=by,
    )
    all_groups = list(UserGroup.objects.for_organisation(organisation).values_list("pk", flat=True))
    operations.service_settings_save(
        service="call-pickup",
        scope=org_scope,
        data={"pickup_groups": all_groups, "parked_groups": all_groups},
        by=by,
    )
    operations.service_settings_save(
        service="call-queues",
        scope=org_scope,
        data={"queue_size": 5, "callback_key": "none", "when_full": "busy", "status_prompt": NONE},
        by=by,
    )
    music = Prompt.objects.filter(
        organisation__isnull=True, kind=Prompt.Kind.MUSIC, name="ventemusikSamlet"
    ).first()
    if music is not None:
        operations.service_settings_save(service="music-on-hold", scope=org_scope, data={"music": music.pk}, by=by)
    _seed_directory_editing(organisation, org_scope, by)
    sweden = UserGroup.objects.for_organisation(organisation).filter(name=VOICEMAIL_GROUP).first()
    if sweden is not None:
        operations.service_settings_save(
            service="voicemail",
            scope=Scope(organisation, group=sweden),
            data={"personal_assistance": True, "personal_assistance_number": "+4655512345"},
            by=by,
        )
    groups = {
        g.name: g
        for g in UserGroup.objects.for_organisation(organisation).filter(
            name__in=(SUPERVISOR_GROUP, SMS_GROUP)
        )
    }
    if SUPERVISOR_GROUP in groups:
        for service, field in SUPERVISOR_SERVICES.items():
            operations.service_settings_save(
                service=service, scope=org_scope, data={field: [groups[SUPERVISOR_GROUP].pk]}, by=by
            )
    if SMS_GROUP in groups:
        operations.service_settings_save(
            service="sms-authorization",
            scope=Scope(organisation, group=groups[SMS_GROUP]),
            data={"sms_allowed": True},
            by=by,
        )
    _seed_working_hours(org_scope, by)
    _seed_presence_sync(organisation, by)


def _seed_working_hours(org_scope, by):
    """DEMO-10 at organisation level; saved only when the stored hours differ (compared as
    values: PostgreSQL returns the JSON with its keys in another order)."""
    wanted = demo_working_hours(timezone.localdate().year)
    row = WorkingHoursSettings.objects.for_scope(org_scope).first()
    if (
        row is None
        or row.definition is None
        or working_hours.from_json(row.definition) != working_hours.from_json(wanted)
    ):
        operations.service_settings_save(
            service="working-hours", scope=org_scope, data={"definition": wanted}, by=by
        )


def easter_sunday(year):
    """Easter Sunday of `year` (Gregorian calendar; the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def demo_working_hours(year):
    """DEMO-10: Man-Fre 07:00-18:00, weekend closed; "Jul" 24-26 Dec and "Påske" (Maundy
    Thursday to Easter Monday) as exceptions, this year and next."""
    exceptions = []
    for y in (year, year + 1):
        easter = easter_sunday(y)
        exceptions.append(
            {
                "description": "Påske",
                "from_date": (easter - dt.timedelta(days=3)).isoformat(),
                "to_date": (easter + dt.timedelta(days=1)).isoformat(),
                "from_time": "",
                "to_time": "",
            }
        )
        exceptions.append(
            {
                "description": "Jul",
                "from_date": f"{y}-12-24",
                "to_date": f"{y}-12-26",
                "from_time": "",
                "to_time": "",
            }
        )
    return {
        "week": [["07:00", "18:00"]] * 5 + [None, None],
        "exceptions": exceptions,
        "additional": [],
    }


def _seed_presence_sync(organisation, by):
    """DEMO-6: the mappings and the exclusion of ipvexch01; rewritten only when they differ."""
    connector = (
        CalendarConnector.objects.for_organisation(organisation)
        .filter(name__iexact=DEMO_CONNECTOR)
        .first()
    )
    activities = {
        a.name: a
        for a in Activity.objects.for_organisation(organisation).filter(
            name__in=[n for _m, n in DEMO_MAPPINGS]
        )
    }
    if connector is None or len(activities) < len(DEMO_MAPPINGS):
        return
    mappings = [
        {"type": RuleType.AVAILABILITY, "match": match, "activity": activities[name], "role": None}
        for match, name in DEMO_MAPPINGS
    ]
    exclusions = [{"type": rule_type, "match": match} for rule_type, match in DEMO_EXCLUSIONS]
    wanted = policy_of(mappings, exclusions)
    if presence_policy_load(connector) != wanted:
        presence_policy_save(connector=connector, mappings=mappings, exclusions=exclusions, by=by)


def _seed_directory_editing(organisation, org_scope, by):
    """SVC-16: users may edit Felt 2 (Sprog), not Felt 1 (Bilmærker); one proposal waits in the
    moderation queue (USR-18): mbr proposes another language."""
    language_field = DirectoryField.objects.for_organisation(organisation).filter(number=2).first()
    if language_field is None:
        return
    operations.service_settings_save(
        service="edit-directory-fields", scope=org_scope, data={"editable_fields": [language_field]}, by=by
    )
    mbr = User.objects.for_organisation(organisation).filter(username="mbr@ipvision.dk").first()
    if mbr is not None and not DirectoryFieldProposal.objects.filter(user=mbr).exists():
        directory_proposal_submit(user=mbr, field=language_field, value="tysk", by=mbr)


def _seed_contacts(organisation, org_scope, by):
    exists = ExternalContact.objects.for_scope(org_scope).filter(
        company=DEMO_CONTACT["company"],
        first_name=DEMO_CONTACT["first_name"],
        last_name=DEMO_CONTACT["last_name"],
    )
    if not exists.exists():
        operations.contact_create(
            scope=org_scope, data=DEMO_CONTACT, numbers=DEMO_CONTACT_NUMBERS, by=by
        )
    wallboard = (
        User.objects.for_organisation(organisation).filter(username=MANDATORY_CONTACT).first()
    )
    if (
        wallboard is not None
        and not MandatoryContact.objects.for_scope(org_scope)
        .filter(contact_user=wallboard)
        .exists()
    ):
        operations.mandatory_contact_add(scope=org_scope, contact_user=wallboard, by=by)
