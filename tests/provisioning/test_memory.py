"""The phones' lookup answered from each process's memory (provisioning.memory, issue 14).

The first part drives a Memory with a stand-in for its LISTEN connection (the test hands it the
notifications PostgreSQL would deliver), on any database. The second part, on PostgreSQL with
commits, checks that the triggers announce exactly the changes that matter and that the fast
path, answering from memory, follows renewals and changes.
"""

import os
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices import operations as device_operations
from devices.models import Phone
from provisioning import cache as prov_cache
from provisioning import memory as memory_module
from provisioning import queries
from provisioning.memory import Memory
from provisioning.operations import ticket_for, ticket_renew
from provisioning.warm import warm
from tests.devices.factories import PhoneFactory
from tests.provisioning.conftest import WSGIEntryClient, snom_ua

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")


class Announcer:
    """Stands in for the LISTEN connection: hands over what the test announces."""

    instances = []

    def __init__(self):
        self.pending = []
        self.lost = False
        self.read_end, self.write_end = os.pipe()  # never readable: the watcher thread just waits
        Announcer.instances.append(self)

    def fileno(self):
        return self.read_end

    def received(self):
        if self.lost:
            raise OSError("connection lost")
        payloads, self.pending = self.pending, []
        return payloads

    def close(self):
        for fd in (self.read_end, self.write_end):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def mem(monkeypatch):
    Announcer.instances = []
    monkeypatch.setattr(memory_module, "RECONNECT_SECONDS", 0.0)
    instance = Memory(listener_factory=Announcer)
    yield instance
    instance.close()


def announce(payload):
    Announcer.instances[-1].pending.append(payload)


def the_database(ticket, mac, family):
    return queries.lookup(ticket, mac, timezone.now(), family)


def same_answer(from_memory, from_database):
    """The fields the endpoint uses (telemetry aside: memory is off when it matters)."""
    ticket_m, phone_m = from_memory
    ticket_d, phone_d = from_database
    assert ticket_m == ticket_d
    if phone_d is None:
        return phone_m is None
    fields = ("pk", "organisation_id", "model", "config_version", "file_stamp")
    if {f: getattr(phone_m, f) for f in fields} != {f: getattr(phone_d, f) for f in fields}:
        return False
    # Memory keeps a file in another form (cache.sealed): the same file once opened.
    return opened(phone_m) == opened(phone_d)


def opened(phone_row):
    return prov_cache.cached_body(phone_row.file_stamp, phone_row.file_body, phone_row.file_stamp)


@pytest.fixture
def fleet(org_a, admin_a):
    phones = [PhoneFactory(organisation=org_a, model="snom-725") for _ in range(4)]
    phones += [PhoneFactory(organisation=org_a, model="mitel-6867i") for _ in range(2)]
    ticket_for(org_a)
    assert warm(organisation=org_a) == len(phones)
    return phones


def family_of(phone):
    return "snom" if phone.model.startswith("snom") else "mitel"


def test_memory_answers_what_the_database_answers(mem, org_a, fleet):
    ticket = ticket_for(org_a).ticket
    for phone in fleet:
        for family in (family_of(phone), "mivoice", ""):
            found = mem.lookup(ticket, phone.mac, family)
            assert found is not None
            assert same_answer(found, the_database(ticket, phone.mac, family))
            if family == family_of(phone):
                assert found[1].file_body  # the stored file
    assert same_answer(mem.lookup(ticket, "", ""), the_database(ticket, "", ""))


def test_the_first_request_loads_the_organisation_and_the_rest_cost_no_query(mem, org_a, fleet, django_assert_num_queries):
    ticket = ticket_for(org_a).ticket
    with django_assert_num_queries(3):  # the ticket, the phones, their files
        assert mem.lookup(ticket, fleet[0].mac, "snom") is not None
    with django_assert_num_queries(0):
        for phone in fleet:
            assert mem.lookup(ticket, phone.mac, family_of(phone)) is not None


def test_what_memory_never_answers(mem, org_a, org_b, fleet):
    ticket = ticket_for(org_a).ticket
    foreign = PhoneFactory(organisation=org_b, model="snom-725")
    assert mem.lookup("x" * 43, fleet[0].mac, "snom") is None  # an unknown ticket (never kept)
    assert mem.lookup(ticket, foreign.mac, "snom") is None  # another organisation's phone
    assert mem.lookup(ticket, "000413FFFFFF", "snom") is None  # an unknown phone: auto-add
    assert mem.lookup(ticket, fleet[0].mac, "snom") is not None


def test_a_renewal_drops_the_organisation(mem, org_a, admin_a, fleet):
    old = ticket_for(org_a).ticket
    assert mem.lookup(old, fleet[0].mac, "snom") is not None
    new = ticket_renew(organisation=org_a, by=admin_a).ticket
    assert mem.lookup(old, fleet[0].mac, "snom") is not None  # nothing announced yet
    announce(f"o{org_a.pk}")
    assert mem.lookup(old, fleet[0].mac, "snom") is None
    found = mem.lookup(new, fleet[0].mac, "snom")
    assert found is not None and found[0].generation == 2


def test_a_changed_phone_is_read_from_the_database_until_remembered(mem, org_a, admin_a, fleet, django_assert_num_queries):
    ticket = ticket_for(org_a).ticket
    phone = fleet[0]
    assert mem.lookup(ticket, phone.mac, "snom") is not None
    Phone.objects.filter(pk=phone.pk).update(config_version=phone.config_version + 5)
    announce(f"p{org_a.pk}:{phone.mac}")
    assert mem.lookup(ticket, phone.mac, "snom") is None  # stale: the database answers
    assert mem.lookup(ticket, fleet[1].mac, "snom") is not None  # the others still from memory
    mark = mem.mark()
    found = the_database(ticket, phone.mac, "snom")
    mem.remember(ticket, phone.mac, "snom", found, mark)
    with django_assert_num_queries(0):
        again = mem.lookup(ticket, phone.mac, "snom")
    assert again is not None and again[1].config_version == phone.config_version + 5


def test_an_announcement_after_the_read_keeps_a_lookup_from_being_remembered(mem, org_a, fleet):
    ticket = ticket_for(org_a).ticket
    phone = fleet[0]
    mem.lookup(ticket, phone.mac, "snom")
    announce(f"p{org_a.pk}:{phone.mac}")
    mem.lookup(ticket, fleet[1].mac, "snom")  # applies the announcement (before the mark)
    mark = mem.mark()
    found = the_database(ticket, phone.mac, "snom")
    announce(f"p{org_a.pk}:{phone.mac}")  # changed again after the read
    mem.remember(ticket, phone.mac, "snom", found, mark)
    assert mem.lookup(ticket, phone.mac, "snom") is None


@pytest.mark.parametrize("announced, answered", [("o", False), ("p", True)])
def test_an_announcement_during_a_load_is_applied_to_what_was_loaded(mem, org_a, fleet, monkeypatch, announced, answered):
    ticket = ticket_for(org_a).ticket
    phone = fleet[0]
    load = queries.organisation_snapshot

    def racing_load(digest, *, max_phones):
        result = load(digest, max_phones=max_phones)
        announce(f"o{org_a.pk}" if announced == "o" else f"p{org_a.pk}:{phone.mac}")
        return result

    monkeypatch.setattr(queries, "organisation_snapshot", racing_load)
    assert mem.lookup(ticket, phone.mac, "snom") is None  # stale, or the whole load void
    monkeypatch.setattr(queries, "organisation_snapshot", load)
    assert mem.lookup(ticket, fleet[1].mac, "snom") is not None
    if answered:  # the load was kept, that phone marked
        assert mem.lookup(ticket, phone.mac, "snom") is None


def test_a_lost_connection_sends_everything_to_the_database_until_listening_again(mem, org_a, fleet, django_assert_num_queries):
    ticket = ticket_for(org_a).ticket
    assert mem.lookup(ticket, fleet[0].mac, "snom") is not None
    Announcer.instances[-1].lost = True
    assert mem.lookup(ticket, fleet[0].mac, "snom") is None  # nothing can be vouched for
    # Listening again (a new connection): the memory starts empty and loads again.
    with django_assert_num_queries(3):
        assert mem.lookup(ticket, fleet[0].mac, "snom") is not None
    assert len(Announcer.instances) == 2


def test_an_organisation_beyond_the_limit_keeps_only_its_ticket(mem, org_a, fleet, settings):
    settings.PROVISIONING_MEMORY_PHONES = len(fleet) - 1
    ticket = ticket_for(org_a).ticket
    assert mem.lookup(ticket, fleet[0].mac, "snom") is None
    found = mem.lookup(ticket, "", "")  # the files every phone of a model fetches
    assert found is not None and found[1] is None


def test_the_least_recently_used_organisation_makes_room(mem, org_a, org_b, fleet, settings):
    settings.PROVISIONING_MEMORY_PHONES = len(fleet)  # not room for both
    other = PhoneFactory(organisation=org_b, model="snom-725")
    ticket_a, ticket_b = ticket_for(org_a).ticket, ticket_for(org_b).ticket
    assert mem.lookup(ticket_a, fleet[0].mac, "snom") is not None
    assert mem.lookup(ticket_b, other.mac, "snom") is not None
    assert list(mem._organisations) == [ticket_for(org_b).digest]


def test_many_changed_phones_reload_the_organisation(mem, org_a, fleet, django_assert_num_queries):
    ticket = ticket_for(org_a).ticket
    mem.lookup(ticket, fleet[0].mac, "snom")
    for n in range(65):
        announce(f"p{org_a.pk}:00041300{n:04X}")
    with django_assert_num_queries(3):  # loaded again, not 65 phones one by one
        assert mem.lookup(ticket, fleet[0].mac, "snom") is not None


def test_a_forked_process_starts_with_nothing(mem, org_a, fleet, monkeypatch):
    ticket = ticket_for(org_a).ticket
    mem.lookup(ticket, fleet[0].mac, "snom")
    monkeypatch.setattr(memory_module.os, "getpid", lambda: -1)
    mem.lookup(ticket, fleet[0].mac, "snom")
    assert len(Announcer.instances) == 2  # a listener of its own


def test_the_fast_path_asks_memory_only_when_it_may(settings):
    settings.PROVISIONING_MEMORY = True
    expected = connection.vendor == "postgresql"
    assert memory_module.memory.enabled() is expected
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 60  # recording depends on each phone's last fetch
    assert memory_module.memory.enabled() is False
    settings.PROVISIONING_FETCH_RECORD_SECONDS = 0
    settings.PROVISIONING_MEMORY = False
    assert memory_module.memory.enabled() is False


# -- PostgreSQL, with commits: the triggers and the real LISTEN connection --------------------


def announcements(listener, settle=0.3, timeout=5.0):
    """What PostgreSQL delivered to `listener` (waits until nothing more arrives)."""
    got, deadline, quiet_since = [], time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - quiet_since < settle:
        more = listener.received()
        if more:
            got += more
            quiet_since = time.monotonic()
        time.sleep(0.02)
    return got


@postgresql
@pytest.mark.django_db(transaction=True)
def test_the_triggers_announce_what_changes_a_phones_answer_and_nothing_else(org_a, admin_a):
    from devices.operations import FetchRecord, phone_record_fetches

    listener = memory_module._Listener()
    try:
        phone = PhoneFactory(organisation=org_a, model="snom-725")
        ticket_for(org_a)
        assert f"p{org_a.pk}:{phone.mac}" in announcements(listener)
        warm(organisation=org_a)  # a stored file
        assert announcements(listener) == [f"p{org_a.pk}:{phone.mac}"]
        phone_record_fetches(fetches=[FetchRecord(phone.pk, timezone.now(), "192.0.2.1", "ua", "1.0", "f.xml")])
        assert announcements(listener) == []  # telemetry: nothing
        org_a.save()  # nothing the phones see changed
        assert f"o{org_a.pk}" not in announcements(listener)
        org_a.name = "Renamed"
        org_a.save()
        assert f"o{org_a.pk}" in announcements(listener)
        ticket_renew(organisation=org_a, by=admin_a)
        assert f"o{org_a.pk}" in announcements(listener)
        device_operations.phone_update(phone=phone, by=admin_a, description="Reception")
        assert f"p{org_a.pk}:{phone.mac}" in announcements(listener)
        Phone.objects.filter(pk=phone.pk).update(mac="000413ABCDEF")  # old and new MAC
        assert set(announcements(listener)) >= {f"p{org_a.pk}:{phone.mac}", f"p{org_a.pk}:000413ABCDEF"}
    finally:
        listener.close()


@postgresql
@pytest.mark.django_db(transaction=True)
def test_the_fast_path_from_memory_follows_renewals_and_changes(org_a, admin_a, settings):
    from django.test import Client

    settings.PROVISIONING_MEMORY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    memory_module.memory.close()
    from tests.factories import UserFactory

    line_user = UserFactory(organisation=org_a, first_name="Before", last_name="Change")
    phone = PhoneFactory(organisation=org_a, mac="000413A1B2C3", model="snom-725")
    device_operations.phone_assign_user(phone=phone, user=line_user, by=admin_a)
    warm(organisation=org_a)
    fast = WSGIEntryClient(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")
    full = Client(REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_PROTO="https")
    agent = snom_ua("725")
    old = ticket_for(org_a).ticket
    path = f"/prov/{old}/snom/000413A1B2C3.xml"
    try:
        first = fast.get(path, HTTP_USER_AGENT=agent)  # from the database; the organisation loads
        assert first.status_code == 200 and b"Before Change" in first.content
        memory_module.memory.wait_for_loads()
        assert memory_module.memory._organisations  # answered from memory from now on
        with CaptureQueriesContext(connection) as queries_run:
            assert fast.get(path, HTTP_USER_AGENT=agent).content == first.content
        # No lookup (what runs is the fetch record, written at once in tests: see fetchlog).
        assert not [q for q in queries_run.captured_queries if "provisioning_ticket" in (q["sql"] or "")]

        line_user.first_name = "After"
        line_user.save()
        warm(organisation=org_a)
        wait_until_delivered()
        changed = fast.get(path, HTTP_USER_AGENT=agent)
        assert b"After Change" in changed.content
        assert changed.content == full.get(path, HTTP_USER_AGENT=agent).content

        new = ticket_renew(organisation=org_a, by=admin_a).ticket
        wait_until_delivered()
        assert fast.get(path, HTTP_USER_AGENT=agent).status_code == 404
        renewed = fast.get(path.replace(old, new), HTTP_USER_AGENT=agent)
        assert renewed.status_code == 200
        assert renewed.content == full.get(path.replace(old, new), HTTP_USER_AGENT=agent).content
    finally:
        memory_module.memory.close()


def wait_until_delivered(timeout=2.0):
    """Let PostgreSQL deliver the last commit's notifications to this process's LISTEN connection
    (asynchronous: a fraction of a millisecond on one machine)."""
    listener = memory_module.memory._listener
    if listener is None:
        return
    import select

    select.select([listener.fileno()], [], [], timeout)
