"""Directory synchronisation from an Active Directory LDIF export (USR-1)."""

import base64
import os
import tracemalloc
import urllib.request

import pytest
from django.urls import reverse

from connect.lib.i18n import message_text
from connect.lib.imports import FileError, read_ldif
from customers.models import Job, Number, User, UserGroup, UserLine
from customers.operations.users import user_create, user_set_groups
from tests.customers.jobs_helpers import *  # noqa: F401,F403
from tests.customers.jobs_helpers import confirm, run_upload

URL = "/users/directory-sync/"


def _notes(row):
    """A preview row's notes in the active language."""
    return [message_text(note) for note in row["notes"]]


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode()


def fold(line, width=76):
    """Fold an LDIF line as ldifde does: continuation lines start with one space."""
    parts = [line[:width]]
    rest = line[width:]
    while rest:
        parts.append(" " + rest[: width - 1])
        rest = rest[width - 1 :]
    return "\r\n".join(parts)


def person(dn, upn, given, sn, *, title="", department="", phone="", mobile="", member_of=(), uac=512, mail=None):
    lines = [
        fold(f"dn: {dn}"),
        "changetype: add",
        "objectClass: top",
        "objectClass: person",
        "objectClass: organizationalPerson",
        "objectClass: user",
        f"cn:: {b64(given + ' ' + sn)}",
        f"sn:: {b64(sn)}" if not sn.isascii() else f"sn: {sn}",
        f"givenName:: {b64(given)}" if not given.isascii() else f"givenName: {given}",
    ]
    if title:
        lines.append(f"title:: {b64(title)}")
    if department:
        lines.append(f"department: {department}")
    for group in member_of:
        lines.append(fold(f"memberOf: CN={group},OU=Grupper,OU=Firma Sikkerhedsgrupper,DC=firma,DC=local"))
    lines.append(f"userAccountControl: {uac}")
    if phone:
        lines.append(f"telephoneNumber: {phone}")
    if mobile:
        lines.append(f"mobile: {mobile}")
    lines.append(f"userPrincipalName: {upn}")
    lines.append(f"mail: {mail or upn}")
    lines.append("objectGUID:: " + base64.b64encode(os.urandom(16)).decode())
    return "\r\n".join(lines)


def ldifde(*records):
    """The shape of `ldifde -f users.ldf`: a blank first line, CRLF, records separated by blank lines."""
    return ("\r\n" + "\r\n\r\n".join(records) + "\r\n\r\n").encode("utf-8")


GROUP = "\r\n".join(
    [
        "dn: CN=Salg,OU=Grupper,DC=firma,DC=local",
        "changetype: add",
        "objectClass: top",
        "objectClass: group",
        "cn: Salg",
    ]
)
COMPUTER = "\r\n".join(
    [
        "dn: CN=PC-017,OU=Computers,DC=firma,DC=local",
        "changetype: add",
        "objectClass: top",
        "objectClass: person",
        "objectClass: organizationalPerson",
        "objectClass: user",
        "objectClass: computer",
        "userAccountControl: 4096",
    ]
)


def _sync(client, captured, data, name="users.ldf"):
    response, job = run_upload(client, captured, URL, name, data, "application/octet-stream")
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    return job


def test_directory_sync_page(client_a, import_org):
    page = client_a.get(URL).content.decode()
    assert "ldifde -f users.ldf" in page and 'accept=".ldif,.ldf"' in page


def test_ldifde_export_creates_person_accounts(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    data = ldifde(
        person(
            "CN=Kasper Leth Jensen,OU=Brugere,OU=Firma med et meget langt organisationsnavn,DC=firma,DC=local",
            "klj@firma.dk",
            "Kasper Leth",
            "Jensen",
            title="Sælger",
            department="Salg",
            phone="+45 88 88 77 65",
            mobile="+45 20 30 40 50",
            member_of=["Salg", "Ukendt gruppe"],
        ),
        person("CN=Søren Ærø,OU=Brugere,DC=firma,DC=local", "soren@firma.dk", "Søren", "Ærø-Åberg"),
        person("CN=Gammel,OU=Brugere,DC=firma,DC=local", "gammel@firma.dk", "Gammel", "Konto", uac=514),
        GROUP,
        COMPUTER,
    )
    job = _sync(client_a, django_capture_on_commit_callbacks, data)
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert (job.counts["create"], job.counts["skip"], job.counts["error"]) == (2, 3, 0), job.preview
    rows = {r["label"]: r for r in job.preview}
    assert rows["klj@firma.dk"]["number"] == 2  # the line where the entry starts
    assert "Groups that do not exist in the organisation (not created): Ukendt gruppe" in _notes(rows["klj@firma.dk"])
    assert _notes(rows["gammel@firma.dk"]) == ["The account is disabled in the directory and is not created."]
    page = client_a.get(reverse("customers:job_detail", args=[job.pk])).content.decode()
    assert "A computer account, not a person account." in page and "A group, not a person account." in page
    assert not User.objects.filter(username="klj@firma.dk").exists()

    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    klj = User.objects.get(username="klj@firma.dk")
    assert (klj.first_name, klj.last_name, klj.title, klj.department) == ("Kasper Leth", "Jensen", "Sælger", "Salg")
    assert UserLine.objects.get(user=klj, slot=1).number.number == "+4588887765"
    assert Number.objects.get(user=klj, purpose=Number.Purpose.MOBILE).number == "+4520304050"
    assert list(klj.user_groups.values_list("name", flat=True)) == ["Salg"]
    assert not UserGroup.objects.filter(name="Ukendt gruppe").exists()
    assert User.objects.get(username="soren@firma.dk").last_name == "Ærø-Åberg"
    assert not User.objects.filter(username="gammel@firma.dk").exists()


def test_sync_updates_changed_fields_adds_groups_and_flags_disabled_accounts(client_a, import_org, admin_a, django_capture_on_commit_callbacks):
    support = UserGroup.objects.get(organisation=import_org, name="Support")
    klj = user_create(organisation=import_org, username="klj@firma.dk", first_name="Kasper", last_name="Jensen", title="Elev", by=admin_a)
    user_set_groups(user=klj, groups=[support], by=admin_a)
    old = user_create(organisation=import_org, username="old@firma.dk", first_name="Old", last_name="Timer", by=admin_a)
    same = user_create(organisation=import_org, username="same@firma.dk", first_name="Same", last_name="Same", by=admin_a)
    data = ldifde(
        person("CN=K,DC=firma,DC=local", "klj@firma.dk", "Kasper", "Jensen", title="Sælger", member_of=["Salg"]),
        person("CN=O,DC=firma,DC=local", "old@firma.dk", "Old", "Changed", uac=66050),
        person("CN=S,DC=firma,DC=local", "same@firma.dk", "Same", "Same"),
    )
    job = _sync(client_a, django_capture_on_commit_callbacks, data)
    rows = {r["label"]: r for r in job.preview}
    assert rows["klj@firma.dk"]["action"] == "update"
    assert rows["klj@firma.dk"]["changes"] == {"title": ["Elev", "Sælger"], "memberOf": ["Support", "Salg; Support"]}
    assert rows["old@firma.dk"]["action"] == "skip" and "Flagged: disabled in the directory." in _notes(rows["old@firma.dk"])
    assert rows["same@firma.dk"]["action"] == "unchanged"
    _response, job = confirm(client_a, django_capture_on_commit_callbacks, job)
    assert job.status == Job.Status.SUCCEEDED, job.message_text
    klj.refresh_from_db()
    old.refresh_from_db()
    assert klj.title == "Sælger"
    assert set(klj.user_groups.values_list("name", flat=True)) == {"Salg", "Support"}  # added, never removed
    assert old.last_name == "Timer" and old.is_active  # flagged, left alone, never deleted
    assert User.objects.filter(pk=same.pk).exists()


def test_utf16_export_of_ldifde_u(client_a, import_org, django_capture_on_commit_callbacks):
    text = "\r\ndn: CN=Åse,DC=firma,DC=local\r\nchangetype: add\r\nobjectClass: user\r\ngivenName: Åse\r\nsn: Østergård\r\nuserPrincipalName: aase@firma.dk\r\n\r\n"
    job = _sync(client_a, django_capture_on_commit_callbacks, text.encode("utf-16"))
    assert job.status == Job.Status.PREVIEW, job.message_text
    assert job.preview[0]["changes"]["sn"] == [None, "Østergård"]


def test_plain_content_records_without_changetype_and_with_version_line(client_a, import_org, django_capture_on_commit_callbacks):
    data = b"version: 1\n\n# exported\ndn: uid=x,dc=firma,dc=dk\nobjectClass: inetOrgPerson\ngivenName: X\nsn: Y\nmail: x@firma.dk\n"
    job = _sync(client_a, django_capture_on_commit_callbacks, data, name="users.ldif")
    assert job.counts["create"] == 1, (job.message_text, job.preview)


@pytest.mark.parametrize(
    "record,line",
    [
        ("dn: CN=Kasper,DC=firma,DC=local\r\nchangetype: delete", 8),
        ("dn: CN=Kasper,DC=firma,DC=local\r\nchangetype: modify\r\nreplace: title\r\ntitle: Chef\r\n-", 8),
        ("dn: CN=Kasper,DC=firma,DC=local\r\nchangetype: modrdn\r\nnewrdn: CN=Kim\r\ndeleteoldrdn: 1", 8),
    ],
    ids=["delete", "modify", "modrdn"],
)
def test_change_records_are_refused_with_their_line(client_a, import_org, record, line, django_capture_on_commit_callbacks):
    ok = "dn: CN=A,DC=firma,DC=local\r\nchangetype: add\r\nobjectClass: user\r\nuserPrincipalName: a@firma.dk"
    data = ("\r\n" + ok + "\r\n\r\n" + record + "\r\n").encode()
    job = _sync(client_a, django_capture_on_commit_callbacks, data)
    assert job.status == Job.Status.FAILED
    kind = record.split("changetype: ")[1].split("\r\n")[0]
    assert f"Line {line}: “changetype: {kind}” records would change or delete directory data and are not accepted." in job.message_text
    assert not User.objects.filter(username="a@firma.dk").exists()


def test_url_values_are_never_fetched(client_a, import_org, monkeypatch, django_capture_on_commit_callbacks):
    def explode(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("an LDIF URL value was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", explode)
    import ldif

    monkeypatch.setattr(ldif, "urlopen", explode)
    data = b"\r\ndn: CN=A,DC=firma,DC=local\r\nchangetype: add\r\nobjectClass: user\r\nuserPrincipalName: a@firma.dk\r\ndescription:< file:///etc/passwd\r\n\r\n"
    job = _sync(client_a, django_capture_on_commit_callbacks, data)
    assert job.status == Job.Status.FAILED
    assert "Line 6 refers to a URL (“:<”). URL values are never fetched; the file was refused." in job.message_text
    assert "root:" not in str(job.preview) + job.message_text


def test_wrong_extension_for_ldif(client_a, import_org, django_capture_on_commit_callbacks):
    response, job = run_upload(client_a, django_capture_on_commit_callbacks, URL, "users.csv", b"dn: x\n", "text/csv")
    assert response.status_code == 200 and job is None
    assert "The file must have one of the extensions .ldif, .ldf." in response.content.decode()


def test_bad_base64_and_non_utf8_values(client_a, import_org, django_capture_on_commit_callbacks):
    data = b"dn: CN=A,DC=x\nobjectClass: user\nuserPrincipalName: a@firma.dk\nsn: J\xf8rgensen\ngivenName: A\n"
    job = _sync(client_a, django_capture_on_commit_callbacks, data, name="users.ldif")
    assert job.status == Job.Status.PREVIEW
    assert [(e["number"], e["column"], message_text(e["message"])) for e in job.errors] == [(1, "sn", "The value is not UTF-8 text.")]
    data = b"dn: CN=A,DC=x\nobjectClass: user\nuserPrincipalName:: !!!notbase64\n"
    job = _sync(client_a, django_capture_on_commit_callbacks, data, name="users.ldif")
    assert job.status == Job.Status.FAILED


def _million_entry_file(path, count=1_000_000):
    with open(path, "wb") as handle:
        chunk = []
        for i in range(count):
            chunk.append(b"dn: cn=u%d\n\n" % i)
            if len(chunk) == 10_000:
                handle.write(b"".join(chunk))
                chunk = []
        handle.write(b"".join(chunk))


def test_a_million_entries_are_refused_by_the_entry_limit_with_bounded_memory(tmp_path):
    path = tmp_path / "million.ldf"
    _million_entry_file(path)
    assert path.stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        with open(path, "rb") as handle:
            entries = read_ldif(handle)
            count = 0
            with pytest.raises(FileError) as caught:
                for _entry in entries:
                    count += 1  # streamed one by one, never collected
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert "more than 50000 entries" in caught.value.text
    assert peak < 20 * 1024 * 1024, peak


def test_a_million_entry_upload_fails_with_a_clear_message(client_a, import_org, tmp_path, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_LDIF_ENTRIES = 1000
    path = tmp_path / "million.ldf"
    _million_entry_file(path)
    job = _sync(client_a, django_capture_on_commit_callbacks, path.read_bytes())
    assert job.status == Job.Status.FAILED
    assert "The file has more than 1000 entries; export a smaller part of the directory." in job.message_text
