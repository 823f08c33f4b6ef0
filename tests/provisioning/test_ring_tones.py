"""SVC-17 ring tones in Snom files (PRV-1, PRV-5): each phone shows its line-1 user's effective
ring tones, and a change at organisation, group or user level reaches exactly the phones whose
file shows it, also when files are served from storage."""

import pytest

from devices import operations as device_operations
from devices.models import Phone
from provisioning import queries
from provisioning.models import Ticket
from services.operations import service_settings_save
from services.scopes import Scope
from tests.devices.factories import PhoneFactory
from tests.factories import UserFactory, UserGroupFactory
from tests.provisioning.conftest import parse_snom, snom_ua

pytestmark = pytest.mark.django_db

OTHER_MAC = "000413C0C0C0"
SPARE_MAC = "000413D0D0D0"


@pytest.fixture
def office(org_a, admin_a, line_user, snom_phone, ticket_a):
    """line_user (in Salg) on snom_phone; a colleague outside Salg on another Snom; an unassigned Snom."""
    salg = UserGroupFactory(organisation=org_a, name="Salg")
    support = UserGroupFactory(organisation=org_a, name="Support")
    line_user.memberships.create(group=salg)
    colleague = UserFactory(organisation=org_a, username="colleague@a.example", groups=[support])
    other = PhoneFactory(organisation=org_a, mac=OTHER_MAC, model="snom-725")
    device_operations.phone_assign_user(phone=other, user=colleague, by=admin_a)
    PhoneFactory(organisation=org_a, mac=SPARE_MAC, model="snom-725")
    return {"salg": salg, "support": support, "colleague": colleague}


def fetch(client, base, mac):
    response = client.get(f"{base}/snom/{mac}.xml", HTTP_USER_AGENT=snom_ua("725"))
    assert response.status_code == 200
    return response.content


def tones(body):
    settings, _keys = parse_snom(body)
    return {
        "internal": settings[("alert_internal_ring_sound", None)],
        "external": settings[("alert_external_ring_sound", None)],
        "ring_group": settings[("alert_group_ring_sound", None)],
        "acd": settings[("internal_ringer_file", "0")],
        "attendant": settings[("internal_ringer_file", "1")],
    }


STANDARD = ("Ringer1", "!")


def save(scope, by, **values):
    service_settings_save(service="ring-tones", scope=scope, data=values, by=by)


def test_every_field_reaches_its_snom_setting(
    phone_client, base_a, org_a, admin_a, snom_phone, line_user, django_capture_on_commit_callbacks
):
    body = fetch(phone_client, base_a, snom_phone.mac)
    assert tones(body) == dict.fromkeys(
        ("internal", "external", "ring_group", "acd", "attendant"), STANDARD
    )
    settings, _keys = parse_snom(body)
    # The Alert-Info texts the platform marks calls with (the contract with the telephony platform).
    assert settings[("alert_internal_ring_text", None)][0] == "alert-internal"
    assert settings[("alert_external_ring_text", None)][0] == "alert-external"
    assert settings[("alert_group_ring_text", None)][0] == "alert-group"
    assert settings[("internal_ringer_text", "0")][0] == "alert-acd"
    assert settings[("internal_ringer_text", "1")][0] == "alert-attendant"
    with django_capture_on_commit_callbacks(execute=True):
        save(
            Scope(org_a, user=line_user),
            admin_a,
            internal="ringer2",
            external="ringer3",
            acd="ringer4",
            attendant="ringer5",
            ring_group="ringer10",
        )
    settings, _keys = parse_snom(fetch(phone_client, base_a, snom_phone.mac))
    assert tones(fetch(phone_client, base_a, snom_phone.mac)) == {
        "internal": ("Ringer2", "R"),
        "external": ("Ringer3", "R"),
        "acd": ("Ringer4", "R"),
        "attendant": ("Ringer5", "R"),
        "ring_group": ("Ringer10", "R"),
    }
    # The identity's own ringer (calls without an Alert-Info text) follows external calls.
    assert settings[("user_ringer", "1")] == ("Ringer3", "R")


@pytest.mark.parametrize("stored_files", [True, False])
def test_changes_at_each_level_reach_exactly_the_affected_phones(
    phone_client,
    base_a,
    org_a,
    org_b,
    admin_a,
    line_user,
    snom_phone,
    office,
    settings,
    stored_files,
    django_capture_on_commit_callbacks,
):
    settings.PROVISIONING_CACHE_FILES = stored_files
    macs = (snom_phone.mac, OTHER_MAC, SPARE_MAC)
    before = {mac: fetch(phone_client, base_a, mac) for mac in macs}
    assert all(tones(body)["internal"] == STANDARD for body in before.values())

    # Organisation: every phone of the organisation, also the one without a user.
    with django_capture_on_commit_callbacks(execute=True):
        save(Scope(org_a), admin_a, internal="ringer3")
    after_org = {mac: fetch(phone_client, base_a, mac) for mac in macs}
    assert all(tones(body)["internal"] == ("Ringer3", "R") for body in after_org.values())

    # Group Salg: only the phone of Salg's member; the others are not even marked changed.
    versions = dict(Phone.objects.values_list("mac", "config_version"))
    with django_capture_on_commit_callbacks(execute=True):
        save(Scope(org_a, group=office["salg"]), admin_a, external="ringer5", internal="ringer6")
    after_group = {mac: fetch(phone_client, base_a, mac) for mac in macs}
    assert tones(after_group[snom_phone.mac])["external"] == ("Ringer5", "R")
    assert tones(after_group[snom_phone.mac])["internal"] == ("Ringer6", "R")
    assert after_group[OTHER_MAC] == after_org[OTHER_MAC]
    assert after_group[SPARE_MAC] == after_org[SPARE_MAC]
    now = dict(Phone.objects.values_list("mac", "config_version"))
    assert now[OTHER_MAC] == versions[OTHER_MAC] and now[SPARE_MAC] == versions[SPARE_MAC]
    assert now[snom_phone.mac] > versions[snom_phone.mac]

    # User: the user's own value wins over the group's; only that user's phone changes.
    with django_capture_on_commit_callbacks(execute=True):
        save(Scope(org_a, user=line_user), admin_a, external="ringer2", acd="ringer7")
    after_user = {mac: fetch(phone_client, base_a, mac) for mac in macs}
    mine = tones(after_user[snom_phone.mac])
    assert mine["external"] == ("Ringer2", "R") and mine["acd"] == ("Ringer7", "R")
    assert mine["internal"] == ("Ringer6", "R")  # still from Salg
    assert after_user[OTHER_MAC] == after_org[OTHER_MAC]
    assert after_user[SPARE_MAC] == after_org[SPARE_MAC]

    # Back to inherit at user level: the group's value again.
    with django_capture_on_commit_callbacks(execute=True):
        save(Scope(org_a, user=line_user), admin_a, external=None, acd=None)
    assert tones(fetch(phone_client, base_a, snom_phone.mac))["external"] == ("Ringer5", "R")


def test_organisation_change_leaves_other_organisations_alone(
    org_a, org_b, admin_a, ticket_a, ticket_b
):
    before_a = Ticket.objects.get(pk=ticket_a.pk).config_version
    before_b = Ticket.objects.get(pk=ticket_b.pk).config_version
    save(Scope(org_a), admin_a, internal="ringer3")
    assert Ticket.objects.get(pk=ticket_a.pk).config_version > before_a
    assert Ticket.objects.get(pk=ticket_b.pk).config_version == before_b


def test_saving_unchanged_ring_tones_marks_nothing(org_a, admin_a, line_user, snom_phone):
    save(Scope(org_a, user=line_user), admin_a, internal="ringer3")
    version = Phone.objects.get(pk=snom_phone.pk).config_version
    save(Scope(org_a, user=line_user), admin_a, internal="ringer3")
    assert Phone.objects.get(pk=snom_phone.pk).config_version == version


def test_phone_without_a_user_gets_the_organisations_ring_tones(
    org_a, admin_a, line_user, snom_phone
):
    save(Scope(org_a), admin_a, attendant="ringer8")
    save(Scope(org_a, user=line_user), admin_a, attendant="ringer9")
    spare = PhoneFactory(organisation=org_a, mac=SPARE_MAC, model="snom-725", user=None)
    phones = list(
        Phone.objects.select_related("organisation", "user").filter(
            pk__in=[snom_phone.pk, spare.pk]
        )
    )
    result = queries.ring_tones_for_phones(phones)
    assert result[spare.pk].attendant == "ringer8"
    assert result[snom_phone.pk].attendant == "ringer9"


def _phones_with_users(org, count, groups, start=0):
    phones = []
    for n in range(start, start + count):
        user = UserFactory(organisation=org, groups=[groups[n % len(groups)]])
        phones.append(
            PhoneFactory(organisation=org, mac=f"0004131{n:05X}", model="snom-725", user=user)
        )
    return phones


def _load(phones):
    return list(
        Phone.objects.select_related("organisation", "user").filter(pk__in=[p.pk for p in phones])
    )


def test_ring_tones_of_many_phones_in_constant_queries(
    org_a, admin_a, django_assert_max_num_queries
):
    groups = [UserGroupFactory(organisation=org_a) for _ in range(5)]
    for n, group in enumerate(groups):
        save(Scope(org_a, group=group), admin_a, ring_group=f"ringer{n + 1}")
    few = _phones_with_users(org_a, 3, groups)
    many = few + _phones_with_users(org_a, 60, groups, start=3)
    many.append(PhoneFactory(organisation=org_a, mac="000413FFFFFE", model="snom-725", user=None))
    few, many = _load(few), _load(many)
    with django_assert_max_num_queries(3) as small:
        queries.ring_tones_for_phones(few)
    # 64 phones: the same queries, plus the organisation's own values for the phone without a user.
    with django_assert_max_num_queries(len(small.captured_queries) + 1):
        result = queries.ring_tones_for_phones(many)
    assert {r.ring_group for r in result.values()} == {f"ringer{n}" for n in range(1, 6)} | {
        "standard"
    }


def test_joining_a_group_brings_its_ring_tones(
    phone_client, base_a, org_a, admin_a, line_user, snom_phone, office
):
    from customers.operations.users import user_set_groups

    save(Scope(org_a, group=office["support"]), admin_a, ring_group="ringer4")
    assert tones(fetch(phone_client, base_a, snom_phone.mac))["ring_group"] == STANDARD
    other_version = Phone.objects.get(mac=OTHER_MAC).config_version
    user_set_groups(user=line_user, groups=[office["salg"], office["support"]], by=admin_a)
    assert tones(fetch(phone_client, base_a, snom_phone.mac))["ring_group"] == ("Ringer4", "R")
    user_set_groups(user=line_user, groups=[office["salg"]], by=admin_a)
    assert tones(fetch(phone_client, base_a, snom_phone.mac))["ring_group"] == STANDARD
    assert Phone.objects.get(mac=OTHER_MAC).config_version == other_version
