"""Demo data of the customers app (FEATURES.md section 9), for `manage.py seed_demo`.

`seed()` is idempotent: it creates what is missing and brings the demo rows back to the
described state, through the ordinary operations (template, priorities, number ranges, audit).
It makes DEMO-1 "dialplantest4" (template applied), DEMO-2 groups in priority order, DEMO-4
number ranges, DEMO-14 directory field names, DEMO-5 presence states and the shortcut "Frokost",
DEMO-6 calendar connector "ipvexch01" (its presence-sync mappings are the services'), DEMO-7 prompts
with a generated tone per language, the second organisation "demo-other" and the
support user; the users (DEMO-3, and demo-other's users) come from customers.demo_users.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.demo_users import DEMO_ORGANISATION, DEMO_PASSWORD, OTHER_ORGANISATION, seed_users
from customers.models import (
    Activity,
    CalendarConnector,
    DirectoryField,
    NumberRange,
    Organisation,
    PresenceShortcut,
    Prompt,
    User,
    UserGroup,
)
from customers.models.presence import Availability
from customers.operations import (
    apply_template,
    connector_create,
    numberrange_create,
    organisation_create,
    shortcut_create,
    usergroup_create,
    usergroup_set_order,
    usergroup_update,
)
from customers.operations.directory import directoryfields_update
from customers.operations.presence import ensure_presence_states
from customers.operations.prompts import ensure_tone_recording

SUPPORT_USERNAME = "support@connect.example"

# DEMO-2: in priority order; flags (Planadministrator, ACD-supervisor, Fødereret).
DEMO_GROUPS = [
    ("Administration", {"is_schedule_admin": True}),
    ("AgentsGroup", {}),
    ("Salg", {}),
    ("Support", {}),
    ("UsersGroup", {}),
    ("Supervisor", {"is_acd_supervisor": True}),
    ("Sweden - Stockholm", {"is_federated": True}),
]
# DEMO-4: (from, to, description, can be called from IVR).
DEMO_RANGES = [
    ("+4588887700", "+4588887799", "Kontor", True),
    ("200", "299", "Lokalnumre", True),
    ("900", "999", "Wallboards og specialnumre", False),
    ("1500", "1899", "Funktionsnumre", False),
]
# DEMO-14: field number -> (name, searchable); the others stay unnamed as the template made them.
DEMO_DIRECTORY_FIELDS = {1: ("Bilmærker", True), 2: ("Sprog", True), 3: ("", True)}

OTHER_GROUPS = [("Ledelse", {"is_schedule_admin": True}), ("Kundeservice", {})]
OTHER_RANGES = [("+4533330000", "+4533330099", "Hovednumre", True), ("300", "399", "Lokalnumre", False)]


def _support_user():
    user, created = User.objects.get_or_create(
        username=SUPPORT_USERNAME,
        defaults={"first_name": "Support", "last_name": "Connect", "is_staff": True, "is_superuser": True, "language": "da"},
    )
    changed = created or not (user.is_staff and user.is_superuser and user.is_active)
    user.is_staff = user.is_superuser = user.is_active = True
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        changed = True
    if changed:
        user.save()
    return user


def _organisation(name, by):
    organisation = Organisation.objects.filter(name=name).first()
    if organisation is None:
        return organisation_create(name=name, default_language="da", languages=["da", "en"], time_zone="Europe/Copenhagen", by=by)
    apply_template(organisation, by=by)  # completes a half-made organisation; creates nothing twice
    return organisation


def _groups(organisation, wanted, by):
    """Create the groups, set their flags, and put them first in the described order."""
    flag_names = ("is_schedule_admin", "is_acd_supervisor", "is_federated")
    for name, flags in wanted:
        group = UserGroup.objects.filter(organisation=organisation, name=name).first()
        wanted_flags = {flag: flags.get(flag, False) for flag in flag_names}
        if group is None:
            usergroup_create(organisation=organisation, name=name, by=by, **wanted_flags)
        elif any(getattr(group, flag) != value for flag, value in wanted_flags.items()):
            usergroup_update(group=group, by=by, **wanted_flags)
    by_name = dict(UserGroup.objects.filter(organisation=organisation).values_list("name", "pk"))
    demo_ids = [by_name[name] for name, _flags in wanted]
    others = list(
        UserGroup.objects.filter(organisation=organisation).exclude(pk__in=demo_ids).order_by("priority").values_list("pk", flat=True)
    )
    usergroup_set_order(organisation=organisation, group_ids=demo_ids + others, by=by)


def _ranges(organisation, wanted, by):
    for first, last, description, ivr in wanted:
        if NumberRange.objects.filter(organisation=organisation, first=first, last=last).exists():
            continue
        try:
            numberrange_create(organisation=organisation, first=first, last=last, description=description, callable_from_ivr=ivr, by=by)
        except ValidationError:
            pass  # an admin changed the ranges by hand (e.g. overlapping ones): leave theirs alone


def _directory_fields(organisation, by):
    fields = {f.number: f for f in DirectoryField.objects.filter(organisation=organisation, number__in=DEMO_DIRECTORY_FIELDS)}
    rows = [(fields[number], name, searchable) for number, (name, searchable) in DEMO_DIRECTORY_FIELDS.items() if number in fields]
    if any((field.name, field.searchable) != (name, searchable) for field, name, searchable in rows):
        directoryfields_update(organisation=organisation, rows=rows, by=by)


# DEMO-5: activities (name, feature code, shown as, labels), roles, and the shortcut "Frokost".
DEMO_ACTIVITIES = (
    ("Ledig", 1, Availability.AVAILABLE, {"da": "Ledig", "en": "Available"}),
    ("Forstyr ikke", 2, Availability.BUSY, {"da": "Forstyr ikke", "en": "Busy"}),
    ("Test", 3, Availability.BUSY, {"da": "Test", "en": "Test"}),
)
DEMO_ROLES = (("Arbejde", 1, {"da": "Arbejde", "en": "Work"}), ("Privat", 2, {"da": "Privat", "en": "Private"}))


def _presence(organisation, by):
    ensure_presence_states(organisation, DEMO_ACTIVITIES, DEMO_ROLES, by=by)
    if not PresenceShortcut.objects.for_organisation(organisation).filter(name__iexact="Frokost").exists():
        shortcut_create(
            organisation=organisation,
            by=by,
            name="Frokost",
            activity=Activity.objects.for_organisation(organisation).get(name="Forstyr ikke"),
            duration=PresenceShortcut.Duration.MIN_30,
            availability=Availability.BUSY,
            icon=PresenceShortcut.Icon.LUNCH,
        )


# DEMO-6 (our decision: the server's address and service account; no password in the demo).
DEMO_CONNECTOR = {
    "name": "ipvexch01",
    "kind": CalendarConnector.Kind.EXCHANGE,
    "server_url": "https://ipvexch01.ipvision.dk/EWS/Exchange.asmx",
    "username": "svc-connect@ipvision.dk",
    "sync_calendar": True,
    "sync_contacts": False,
}


def _connector(organisation, by):
    if not CalendarConnector.objects.for_organisation(organisation).filter(name__iexact=DEMO_CONNECTOR["name"]).exists():
        connector_create(organisation=organisation, by=by, **DEMO_CONNECTOR)


# DEMO-7: the template made the system music, "Ringing" and "IpvisionLukket"; each gets a short
# generated tone per language so the players on the Lydfiler page play something.
DEMO_PROMPT_LANGUAGES = ("da", "en")


def _prompt_tones(organisation):
    prompts = list(Prompt.objects.for_organisation(organisation).order_by("organisation_id", "name"))
    for i, prompt in enumerate(prompts):
        for j, language in enumerate(DEMO_PROMPT_LANGUAGES):
            ensure_tone_recording(prompt=prompt, language=language, frequency=330 + 55 * i + 220 * j)


def seed():
    """Create or complete the customers demo data; returns (dialplantest4, demo-other)."""
    with transaction.atomic():
        support = _support_user()
        demo = _organisation(DEMO_ORGANISATION, support)
        _groups(demo, DEMO_GROUPS, support)
        _ranges(demo, DEMO_RANGES, support)
        _directory_fields(demo, support)
        _presence(demo, support)
        _connector(demo, support)
        _prompt_tones(demo)
        other = _organisation(OTHER_ORGANISATION, support)
        _groups(other, OTHER_GROUPS, support)
        _ranges(other, OTHER_RANGES, support)
        seed_users(demo)
        seed_users(other)
    return demo, other
