"""Demo users (FEATURES.md DEMO-3) for dialplantest4, and a few users for "demo-other".

`seed_users(organisation)` is idempotent: it brings the demo users to the described state
through the ordinary operations (so numbers go through the registry and everything is audited).
customers.demo.seed() creates the organisations, groups, licences, directory fields and number
ranges first and then calls it. Every demo user has the password `connect-demo`.
"""

from datetime import timedelta

from django.utils import timezone

from connect.lib.numbers import USER_LINE
from customers.models import DirectoryField, Licence, Number, User, UserGroup, UserLine
from customers.operations.directory import user_set_directory_values
from customers.operations.users import (
    user_create,
    user_set_groups,
    user_set_lines,
    user_set_mobile,
    user_update,
)

DEMO_PASSWORD = "connect-demo"
DEMO_ORGANISATION = "dialplantest4"
OTHER_ORGANISATION = "demo-other"

# username, first, last, primary, primary aliases, groups, extra fields
DEMO_USERS = [
    ("klj@ipvision.dk", "Kasper Leth", "Jensen", "+4588887765", ["765"], ["Administration", "AgentsGroup", "Support"],
     {"admin_profile": "orgadmin", "licence": "Unified Communication", "softphone_enabled": True, "mobile_voip_enabled": True}),
    ("mbr@ipvision.dk", "Morten", "Brendstrup", "+4588887701", ["201"], ["AgentsGroup", "Salg"], {"licence": "Standard"}),
    ("kgo@ipvision.dk", "Kenneth", "Goldek", "+4588887702", ["202"], ["AgentsGroup", "Support"], {"licence": "Standard"}),
    ("mbe@ipvision.dk", "Morten Heiden", "Berg", "+4588887703", [], ["UsersGroup"], {"licence": "Standard"}),
    ("mhe@ipvision.dk", "Morten", "Helmer", "+4588887704", [], ["Supervisor"], {"licence": "Standard"}),
    ("wallboard@ipvision.dk", "Wallboard", "Wallboard", "914", [], ["UsersGroup"], {}),
]

OTHER_USERS = [
    ("admin@other.example", "Anna", "Admin", {"admin_profile": "orgadmin"}),
    ("bo@other.example", "Bo", "Bruger", {}),
    ("carla@other.example", "Carla", "Carlsen", {}),
]


def _licence(organisation, name):
    return Licence.objects.filter(organisation=organisation, name=name).first() if name else None


def _ensure_user(organisation, username, first_name, last_name, fields):
    fields = dict(fields)
    if "licence" in fields:
        fields["licence"] = _licence(organisation, fields["licence"])
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(
            organisation=organisation, username=username, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name, by=None, **fields
        )
    if user.organisation_id != organisation.pk:
        return None  # never move a user between organisations
    changed = {k: v for k, v in {"first_name": first_name, "last_name": last_name, **fields}.items() if getattr(user, k) != v}
    if not user.check_password(DEMO_PASSWORD):
        changed["password"] = DEMO_PASSWORD
    return user_update(user=user, by=None, **changed) if changed else user


def _groups(organisation, names):
    groups = {g.name: g for g in UserGroup.objects.filter(organisation=organisation, name__in=names)}
    return [groups[name] for name in names if name in groups]


def _seed_dialplantest4(organisation):
    users = {}
    for username, first, last, primary, aliases, group_names, fields in DEMO_USERS:
        user = _ensure_user(organisation, username, first, last, fields)
        if user is None:
            continue
        users[username] = user
        user_set_groups(user=user, groups=_groups(organisation, group_names), by=None)
        current = UserLine.objects.filter(user=user, slot=UserLine.Slot.PRIMARY).select_related("number").first()
        current_aliases = sorted(Number.objects.filter(user=user, purpose=Number.Purpose.ALIAS).values_list("number", flat=True))
        if current is None or current.number.number != primary or current_aliases != sorted(aliases):
            user_set_lines(user=user, primary=primary, primary_type=UserLine.LineType.FIXED, primary_aliases=aliases, by=None)
    klj = users.get("klj@ipvision.dk")
    if klj is not None:
        if not Number.objects.filter(user=klj, purpose=Number.Purpose.MOBILE).exists():
            user_set_mobile(user=klj, number="+4520304050", licence=_licence(organisation, "Mobilklient"), by=None)
        fields = {f.number: f for f in DirectoryField.objects.filter(organisation=organisation, number__in=[1, 2])}
        if fields:
            user_set_directory_values(
                user=klj, values={fields[n]: v for n, v in ((1, "Ferrari"), (2, "italiensk")) if n in fields}, by=None
            )
        # Welcome message sent to klj and the mobile app in use (DEMO-3); the others are not invited.
        if klj.welcome_sent_at is None:
            now = timezone.now()
            User.objects.filter(pk=klj.pk).update(welcome_sent_at=now - timedelta(days=30), mobile_app_first_used_at=now - timedelta(days=29))
    # The proposal waiting in the moderation queue (USR-18) is seeded by services.demo: which
    # fields users may edit is a service (SVC-16).
    return users


def _free_numbers(organisation, count):
    from customers.queries import available_numbers

    return [n.number for n in available_numbers(organisation=organisation, limit=max(count, 1), purpose=USER_LINE)][:count]


def _seed_other(organisation):
    users = {}
    for username, first, last, fields in OTHER_USERS:
        user = _ensure_user(organisation, username, first, last, fields)
        if user is not None:
            users[username] = user
    without_line = [u for u in users.values() if not UserLine.objects.filter(user=u).exists()]
    for user, number in zip(without_line, _free_numbers(organisation, len(without_line)), strict=False):
        user_set_lines(user=user, primary=number, primary_type=UserLine.LineType.FIXED, by=None)
    return users


def seed_users(organisation):
    """Create or complete the demo users of `organisation` (dialplantest4 or demo-other)."""
    if organisation.name == DEMO_ORGANISATION:
        return _seed_dialplantest4(organisation)
    if organisation.name == OTHER_ORGANISATION:
        return _seed_other(organisation)
    return {}
