"""The set-based write of the users import (customers.operations.users_bulk): the same result, the
same audit trail per user and the same registry guarantees as the one-user operations."""

from connect.lib.audit import diff, snapshot
from customers.models import AuditEntry, DirectoryField, Job, Number, User, UserGroup, UserLine
from customers.operations import imports
from customers.operations.numbers import number_register
from customers.operations.users import user_create, user_set_groups, user_set_lines, user_set_mobile
from devices.signals import phone_config_changed
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, csv_bytes, run_upload
from tests.devices.factories import PhoneFactory

URL = "/users/import/"


def _preview(client, captured, data):
    response, job = run_upload(client, captured, URL, "users.csv", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job.refresh_from_db()
    return job


def _updates(user):
    return list(
        AuditEntry.objects.filter(
            object_id=str(user.pk), content_type__model="user", action="update"
        )
    )


def test_a_bulk_update_writes_one_audit_entry_per_user_with_every_change(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    salg = UserGroup.objects.get(organisation=import_org, name="Salg")
    kasper = user_create(
        organisation=import_org,
        username="klj@firma.dk",
        first_name="Kasper",
        last_name="Jensen",
        department="Salg",
        by=admin_a,
    )
    user_set_lines(user=kasper, primary="+4588887765", primary_aliases=["765"], by=admin_a)
    user_set_groups(user=kasper, groups=[salg], by=admin_a)
    anna = user_create(
        organisation=import_org,
        username="anna@firma.dk",
        first_name="Anna",
        last_name="Berg",
        department="Salg",
        by=admin_a,
    )
    AuditEntry.objects.all().delete()
    old_line = {n.number: snapshot(n) for n in Number.objects.filter(user=kasper)}
    data = csv_bytes(
        [
            "klj@firma.dk;;;;Support;;;+4588887766;;;;766;Support;Ferrari;;;;;",
            "anna@firma.dk;;;;Support;;Standard;;;;;;;;;;;;",
        ]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["update"] == 2, job.preview
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text

    field = DirectoryField.objects.get(organisation=import_org, number=1)
    (entry,) = _updates(kasper)
    assert entry.actor == admin_a and entry.organisation == import_org
    assert entry.changes == {
        "department": ["Salg", "Support"],
        "primary_line": ["+4588887765 (fixed) 765", "+4588887766 (fixed) 766"],
        "user_groups": [["Salg"], ["Support"]],
        f"directory:{field}": ["", "Ferrari"],
    }
    anna.refresh_from_db()
    assert (anna.department, anna.licence.name) == ("Support", "Standard")
    (entry,) = _updates(anna)
    assert entry.changes == {
        "department": ["Salg", "Support"],
        "licence": [None, str(anna.licence_id)],
    }
    # Every registry row registered or released has its entry, as number_register/number_release write it.
    created = {
        e.object_repr: e.changes
        for e in AuditEntry.objects.filter(content_type__model="number", action="create")
    }
    assert created == {
        n.number: diff({}, snapshot(n))
        for n in Number.objects.filter(number__in=["+4588887766", "766"])
    }
    deleted = {
        e.object_repr: e.changes
        for e in AuditEntry.objects.filter(content_type__model="number", action="delete")
    }
    assert deleted == {number: diff(before, {}) for number, before in old_line.items()}
    lines = {
        line.slot: line.number.number
        for line in UserLine.objects.filter(user=kasper).select_related("number")
    }
    assert lines == {1: "+4588887766"}
    assert Number.objects.get(organisation=import_org, number="766").line_slot == 1


def test_a_bulk_update_of_mobiles_and_directory_groups(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    """The directory sync adds groups (never removes them) and replaces the mobile phone."""
    from tests.customers.test_ldif import URL as LDIF_URL
    from tests.customers.test_ldif import ldifde, person

    salg = UserGroup.objects.get(organisation=import_org, name="Salg")
    anna = user_create(
        organisation=import_org,
        username="anna@firma.dk",
        first_name="Anna",
        last_name="Berg",
        by=admin_a,
    )
    user_set_groups(user=anna, groups=[salg], by=admin_a)
    user_set_mobile(user=anna, number="+4520304050", by=admin_a)
    AuditEntry.objects.all().delete()
    data = ldifde(
        person(
            "CN=Anna Berg,DC=firma",
            "anna@firma.dk",
            "Anna",
            "Berg",
            mobile="+45 20 30 40 51",
            member_of=["Support"],
        )
    )
    response, job = run_upload(
        client_a,
        django_capture_on_commit_callbacks,
        LDIF_URL,
        "users.ldf",
        data,
        "application/octet-stream",
    )
    job.refresh_from_db()
    assert job.counts["update"] == 1, job.preview
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    assert sorted(anna.user_groups.values_list("name", flat=True)) == ["Salg", "Support"]
    assert list(
        Number.objects.filter(user=anna, purpose="mobile").values_list("number", flat=True)
    ) == ["+4520304051"]
    (entry,) = _updates(anna)
    assert entry.changes == {
        "mobile_number": ["+4520304050", "+4520304051"],
        "user_groups": [["Salg"], ["Salg", "Support"]],
    }


def test_phones_hear_of_a_bulk_line_change_once(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    users = []
    for index in range(3):
        user = user_create(
            organisation=import_org,
            username=f"u{index}@firma.dk",
            first_name="U",
            last_name=str(index),
            by=admin_a,
        )
        user_set_lines(user=user, primary=f"+458888776{index}", by=admin_a)
        users.append(user)
    phones = [PhoneFactory(organisation=import_org, user=user) for user in users]
    versions = {p.pk: p.config_version for p in phones}
    job = _preview(
        client_a,
        django_capture_on_commit_callbacks,
        csv_bytes([f"u{i}@firma.dk;;;;;;;+458888777{i};;;;;;;;;;;" for i in range(3)]),
    )
    assert job.counts["update"] == 3, job.preview
    received = []

    def receiver(sender, phone_ids, **kwargs):
        received.append(sorted(phone_ids))

    phone_config_changed.connect(receiver)
    try:
        _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    finally:
        phone_config_changed.disconnect(receiver)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    assert received == [sorted(versions)]  # one notice for the whole import, with every phone
    for phone in phones:
        phone.refresh_from_db()
        assert phone.config_version > versions[phone.pk]


def test_a_number_taken_just_before_the_bulk_write_fails_the_import_with_its_row(
    client_a, import_org, admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    other = user_create(
        organisation=import_org,
        username="other@firma.dk",
        first_name="O",
        last_name="O",
        by=admin_a,
    )
    data = csv_bytes(
        [
            "a@firma.dk;A;A;;;;;+4588887701;;;;;;;;;;;",
            "b@firma.dk;B;B;;;;;+4588887702;;;;;;;;;;;",
        ]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    assert job.counts["create"] == 2, job.preview
    real_write = imports.UsersImporter.write

    def taken_then_write(self, results, progress):
        # Validated (or the preview's validation reused), not yet written.
        number_register(
            organisation=import_org,
            raw="+4588887702",
            purpose=Number.Purpose.MOBILE,
            user=other,
            by=admin_a,
            require_range=False,
        )
        real_write(self, results, progress)

    monkeypatch.setattr(imports.UsersImporter, "write", taken_then_write)
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.FAILED
    assert job.message_text == "Row 3, Primær linje: The number +4588887702 is already in use."
    # Nothing half-written: no user, no line, no number, no audit entry of the import.
    assert not User.objects.filter(username__in=["a@firma.dk", "b@firma.dk"]).exists()
    assert not Number.objects.filter(number__in=["+4588887701", "+4588887702"]).exists()
    assert not UserLine.objects.exists()


def test_a_bulk_create_writes_one_audit_entry_per_user_and_per_number(
    client_a, import_org, admin_a, django_capture_on_commit_callbacks
):
    data = csv_bytes(
        ["klj@firma.dk;Kasper Leth;Jensen;;Salg;da;Standard;+4588887765;Kontor fastnet;;;765;Salg;Ferrari;;;;;"]
    )
    job = _preview(client_a, django_capture_on_commit_callbacks, data)
    AuditEntry.objects.all().delete()
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    user = User.objects.get(username="klj@firma.dk")
    (entry,) = AuditEntry.objects.filter(content_type__model="user", object_id=str(user.pk))
    assert (entry.action, entry.actor, entry.actor_name, entry.organisation_id, entry.via_support) == (
        "create",
        admin_a,
        str(admin_a),
        import_org.pk,
        False,
    )
    assert entry.object_repr == str(user)
    assert entry.changes["username"] == [None, "klj@firma.dk"]
    assert entry.changes["first_name"] == [None, "Kasper Leth"]
    assert entry.changes["primary_line"] == [None, "+4588887765 (fixed) 765"]
    assert entry.changes["user_groups"] == [None, ["Salg"]]
    assert entry.changes["directory:" + str(DirectoryField.objects.get(organisation=import_org, number=1))] == [None, "Ferrari"]
    numbers = {
        e.object_repr: e.changes
        for e in AuditEntry.objects.filter(content_type__model="number", action="create")
    }
    assert numbers == {
        "+4588887765": {
            "number": [None, "+4588887765"],
            "kind": [None, "e164"],
            "purpose": [None, "user_line"],
            "user": [None, str(user)],
            "line_slot": [None, "1"],
        },
        "765": {
            "number": [None, "765"],
            "kind": [None, "local"],
            "purpose": [None, "alias"],
            "user": [None, str(user)],
            "line_slot": [None, "1"],
        },
    }
