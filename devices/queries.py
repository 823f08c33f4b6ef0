"""Reads of phone data, for the devices pages and for provisioning's renderers.

Provisioning uses: `phone_for_provisioning(mac)`, `phone_config_data(phone)`,
`sip_credentials_for(user)` and `catalog` (models, key slots). Nothing here writes.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch

from devices import catalog
from devices.models import FunctionKey, Phone, PhoneFetch, SipAccount


@dataclass(frozen=True)
class SipCredentials:
    """What a phone needs to register a user's line. `password` is clear text: never log it."""

    username: str
    auth_name: str
    password: str
    display_name: str
    registrar: str
    proxy: str

    def __repr__(self):  # keep the password out of tracebacks and debug output
        return f"SipCredentials(username={self.username!r}, password=***)"


def sip_credentials_for(user):
    """The SIP credentials of `user` for a phone configuration, or None (no user, no account)."""
    if user is None:
        return None
    try:
        account = user.sip_account
    except SipAccount.DoesNotExist:
        return None
    return SipCredentials(
        username=account.username,
        auth_name=account.username,
        password=account.password,
        display_name=user.display_name,
        registrar=settings.SIP_REGISTRAR,
        proxy=settings.SIP_PROXY,
    )


def search_users(organisation, text, limit=10):
    """The organisation's users whose username, first or last name contains every word of `text`."""
    from django.db.models import Q

    from customers.models import User

    qs = User.objects.for_organisation(organisation).filter(is_active=True)
    for word in text.split()[:5]:
        qs = qs.filter(Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs.order_by("first_name", "last_name", "username")[:limit]


def phones_for_organisation(organisation):
    return Phone.objects.for_organisation(organisation)


def phone_list(organisation, *, state="", search=""):
    """The organisation's phones for the DEV-3 list, with the users it shows."""
    qs = Phone.objects.for_organisation(organisation).select_related("user", "seated_user")
    if state:
        qs = qs.with_state(state)
    return qs.search(search).order_by("mac")


def state_counts(organisation):
    """{state: number of phones} for the state filter, in one query."""
    from django.db.models import Count, Q

    qs = Phone.objects.for_organisation(organisation)
    return qs.aggregate(
        **{
            Phone.State.ASSIGNED: Count("pk", filter=Q(free_seating=False, user__isnull=False)),
            Phone.State.NOT_PROVISIONED: Count("pk", filter=Q(free_seating=False, user__isnull=True)),
            Phone.State.SEATED: Count("pk", filter=Q(free_seating=True, seated_user__isnull=False)),
            Phone.State.FREE_SEATING: Count("pk", filter=Q(free_seating=True, seated_user__isnull=True)),
        }
    )


def latest_fetches(phone, limit=10):
    return list(PhoneFetch.objects.filter(phone=phone).order_by("-at", "-id")[:limit])


@dataclass
class KeyRow:
    """One row of a phone's key table: the slot and what is on it."""

    slot: catalog.KeySlot
    type: str
    value: str = ""
    label: str = ""
    target_user: object = None
    credentials: SipCredentials | None = None  # for line keys (position 1 and shared lines)

    @property
    def position(self):
        return self.slot.position


@dataclass
class PhoneConfigData:
    """Everything a renderer needs about one phone, read in a constant number of queries."""

    phone: Phone
    model: catalog.PhoneModel
    user: object  # line-1 user or None (free seating, unassigned, deleted user)
    line1: SipCredentials | None
    keys: list = field(default_factory=list)  # KeyRow for every slot, position order
    organisation: object = None


def user_extension(user):
    """What a busy lamp watches for a user: their primary line number, else their SIP username."""
    if user is None:
        return ""
    lines = sorted(user.lines.all(), key=lambda line: line.slot)
    if lines:
        return lines[0].number.number
    try:
        return user.sip_account.username
    except SipAccount.DoesNotExist:
        return ""


def phone_for_provisioning(mac):
    """The phone with this (normalised) MAC with what rendering needs, or None."""
    keys = Prefetch(
        "keys",
        queryset=FunctionKey.objects.select_related("target_user__sip_account")
        .prefetch_related("target_user__lines__number")
        .order_by("position"),
    )
    return (
        Phone.objects.select_related("organisation", "user__sip_account")
        .prefetch_related(keys)
        .filter(mac=mac)
        .first()
    )


def phone_config_data(phone):
    """The data for rendering `phone` (fetched by phone_for_provisioning for few queries).

    A free-seating phone, an unassigned phone and a phone whose user was deleted get no line-1
    credentials. Shared-line keys carry the other user's credentials; a key whose user is gone
    becomes "none".
    """
    model = phone.phone_model
    user = None if phone.free_seating else phone.user
    line1 = sip_credentials_for(user)
    by_position = {k.position: k for k in phone.keys.all()}
    rows = []
    for slot in phone.key_slots():
        if slot.is_line1:
            rows.append(KeyRow(slot=slot, type=FunctionKey.Type.LINE if line1 else FunctionKey.Type.NONE,
                               target_user=user, credentials=line1, label=user.display_name if line1 else ""))
            continue
        key = by_position.get(slot.position)
        if key is None:
            rows.append(KeyRow(slot=slot, type=FunctionKey.Type.NONE))
            continue
        row = KeyRow(slot=slot, type=key.type, value=key.value, label=key.label, target_user=key.target_user)
        if key.type == FunctionKey.Type.LINE:
            row.credentials = sip_credentials_for(key.target_user)
            if row.credentials is None:
                row.type = FunctionKey.Type.NONE
        elif key.type == FunctionKey.Type.BLF:
            row.value = key.value or user_extension(key.target_user)
            if not row.value:
                row.type = FunctionKey.Type.NONE
        rows.append(row)
    return PhoneConfigData(phone=phone, model=model, user=user if line1 else None, line1=line1, keys=rows,
                           organisation=phone.organisation)
