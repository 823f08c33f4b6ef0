"""Benchmark: import 10,000 users from CSV and from a 10,000-entry LDIF (preview + commit).

Targets (issue 14): each import (preview + commit) in under 8 s with peak memory under 250 MB;
the re-import of an unchanged file under 5 s. Prints figures; asserts nothing. Besides wall time
it prints CPU time, of this process and of its PostgreSQL backend (read from /proc when the
database runs on the same machine): on a shared machine wall time is noisy, CPU time much less.

Runs the real path: a Job with the stored upload, the Celery task body (the job runner) for the
preview, then for the commit after confirmation, on PostgreSQL. The script creates a throw-away
test database next to the configured one ("test_<name>") and drops it afterwards:

    .venv/bin/python bench/bench_import.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jobs_bench_import .venv/bin/python bench/bench_import.py

Options: --users N (default 10000).

Memory: the process's peak resident set size (ru_maxrss) after each phase; it includes Django
itself (shown as "baseline"). Every user of the CSV has a primary line with an alias, a licence,
a language, one or two groups and two directory fields; every LDIF entry is what `ldifde -f`
writes (CRLF, base64 values for æøå, folded lines, changetype: add) with a phone, a mobile and
memberOf.
"""

import argparse
import base64
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jobs_bench_import")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-import-media-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

# As in production: no query log (DEBUG=1 above only spares the script a SECRET_KEY).
settings.DEBUG = False

FIRST_NAMES = ["Søren", "Åse", "Kasper Leth", "Mette", "Jørgen", "Ida", "Frederik", "Æbel", "Lars", "Anne-Marie"]
LAST_NAMES = ["Jensen", "Ærø", "Østergård", "Nielsen", "Hansen", "Pedersen", "Møller", "Kjær", "Holm", "Brøndum"]
DEPARTMENTS = ["Salg", "Support", "Økonomi", "Lager", "Ledelse"]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def db_cpu():
    """(pid, CPU seconds used so far) of this connection's PostgreSQL backend process (same
    machine), or None when it cannot be read."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_text(python_seconds, db_before, db_after):
    text = f"{python_seconds:6.2f} s"
    if db_before and db_after and db_before[0] == db_after[0]:  # the same backend throughout
        text += f" + database {db_after[1] - db_before[1]:5.2f} s"
    return text


def setup_organisation(name, admin_username):
    from customers.models import Organisation, User, UserGroup
    from customers.operations.numbers import numberrange_create
    from customers.operations.organisations import apply_template

    organisation = Organisation.objects.create(name=name)
    apply_template(organisation)
    admin = User.objects.create(organisation=organisation, username=admin_username, admin_profile="orgadmin", language="en")
    numberrange_create(organisation=organisation, first="+4570000000", last="+4570099999", by=admin)
    numberrange_create(organisation=organisation, first="10000", last="99999", by=admin)
    for index, department in enumerate(DEPARTMENTS, start=1):
        UserGroup.objects.create(organisation=organisation, name=department, priority=index)
    return organisation, admin


def users_csv(count):
    header = (
        "Brugernavn;Fornavn;Efternavn;E-mail;Afdeling;Sprog;Licens;Primær linje;Primær linjetype;"
        "Sekundær linje;Sekundær linjetype;Aliasser;Grupper;Felt 1;Felt 2;Felt 3;Felt 4;Felt 5;Felt 6"
    )
    lines = [header]
    # Aliases 20000-29999: inside the organisation's local range and clear of the public
    # network's service numbers (16190-16192 may not be taken: connect.lib.numbers).
    for i in range(count):
        first, last = FIRST_NAMES[i % 10], LAST_NAMES[(i // 10) % 10]
        department = DEPARTMENTS[i % 5]
        # Two groups in one cell: quoted, the file's delimiter being the semicolon.
        groups = department if i % 3 else f'"{department};{DEPARTMENTS[(i + 1) % 5]}"'
        lines.append(
            f"user{i}@firma.dk;{first};{last};;{department};{'da' if i % 4 else 'en'};Standard;+45700{i:05d};Kontor fastnet;;;"
            f"{20000 + i};{groups};Bilmærke {i % 7};Dansk;;;;"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode()


def _attr(name, value):
    """As ldifde writes it: base64 ("name:: ...") when the value is not plain ASCII."""
    return f"{name}: {value}" if value.isascii() else f"{name}:: {_b64(value)}"


def _fold(line, width=76):
    parts, rest = [line[:width]], line[width:]
    while rest:
        parts.append(" " + rest[: width - 1])
        rest = rest[width - 1 :]
    return "\r\n".join(parts)


def users_ldif(count):
    out = io.StringIO()
    out.write("\r\n")
    for i in range(count):
        first, last = FIRST_NAMES[i % 10], LAST_NAMES[(i // 10) % 10]
        department = DEPARTMENTS[i % 5]
        record = [
            _fold(f"dn:: {_b64(f'CN={first} {last} {i},OU=Brugere,OU=Firma A/S hovedkontor,DC=firma,DC=local')}"),
            "changetype: add",
            "objectClass: top",
            "objectClass: person",
            "objectClass: organizationalPerson",
            "objectClass: user",
            f"givenName:: {_b64(first)}",
            f"sn:: {_b64(last)}",
            f"title:: {_b64('Sælger')}",
            f"department:: {_b64(department)}",
            _fold(_attr("memberOf", f"CN={department},OU=Sikkerhedsgrupper,OU=Firma A/S hovedkontor,DC=firma,DC=local")),
            "userAccountControl: 512",
            f"telephoneNumber: +45 70 0{i // 1000 % 100:02d} {i % 1000:03d}",
            f"mobile: +45 30 {i // 10000 % 100:02d} {i % 10000:04d}",
            f"userPrincipalName: ad{i}@firma.dk",
            f"mail: ad{i}@firma.dk",
            "objectGUID:: " + _b64(f"guid-{i:012d}"),
        ]
        out.write("\r\n".join(record) + "\r\n\r\n")
    return out.getvalue().encode("ascii")


def run_import(organisation, admin, kind, task, name, data, fmt):
    from django.core.files.base import ContentFile

    from connect.lib.jobs import job_confirm
    from customers.models import Job

    job = Job(organisation=organisation, kind=kind, task_name=task.name, created_by=admin, file_name=name, file_format=fmt)
    job.upload.save(name, ContentFile(data), save=False)
    job.save()
    db0 = db_cpu()
    start, cpu = time.perf_counter(), time.process_time()
    task(job.pk)
    preview_seconds, preview_cpu = time.perf_counter() - start, time.process_time() - cpu
    db1 = db_cpu()
    job.refresh_from_db()
    preview_rss = rss_mb()
    if job.status != Job.Status.PREVIEW or not job.can_confirm:
        print(f"  preview did not pass: {job.status} {job.message_text} {job.errors[:3]}")
        return
    start, cpu = time.perf_counter(), time.process_time()
    job_confirm(job=job, by=admin)  # outside a transaction the eager task runs right here
    task(job.pk)  # a duplicate delivery: does nothing
    commit_seconds, commit_cpu = time.perf_counter() - start, time.process_time() - cpu
    db2 = db_cpu()
    job.refresh_from_db()
    print(f"  file: {len(data) / 1e6:.1f} MB; result: {job.status}: {job.message_text}")
    print(f"  preview {preview_seconds:6.2f} s   commit {commit_seconds:6.2f} s   total {preview_seconds + commit_seconds:6.2f} s")
    print(
        f"  CPU: preview {cpu_text(preview_cpu, db0, db1)}   commit {cpu_text(commit_cpu, db1, db2)}"
        f"   total {cpu_text(preview_cpu + commit_cpu, db0, db2)}"
    )
    print(f"  peak RSS after preview {preview_rss:6.1f} MB, after commit {rss_mb():6.1f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from customers import tasks
        from customers.models import Job, User

        print(f"database: {connection.vendor} {test_name}; users: {args.users}")
        print(f"baseline RSS (Django loaded, database migrated): {rss_mb():.1f} MB")
        organisation, admin = setup_organisation("bench-csv", "admin@csv.example")
        data = users_csv(args.users)
        print(f"CSV import ({args.users} users, Windows-1252, semicolons):")
        run_import(organisation, admin, Job.Kind.USERS_IMPORT, tasks.users_import, "brugere.csv", data, "csv")
        print(f"  users in the organisation: {User.objects.filter(organisation=organisation).count()}")

        start, cpu = time.perf_counter(), time.process_time()
        again = Job(organisation=organisation, kind=Job.Kind.USERS_IMPORT, task_name=tasks.users_import.name, created_by=admin, file_format="csv")
        from django.core.files.base import ContentFile

        again.upload.save("brugere.csv", ContentFile(data), save=False)
        again.save()
        tasks.users_import(again.pk)
        again.refresh_from_db()
        print(
            f"  re-import of the same file (preview, all unchanged): {time.perf_counter() - start:.2f} s"
            f" (CPU {time.process_time() - cpu:.2f} s), counts {again.counts}"
        )

        # Every user changes department; one in ten also gets another primary line.
        rows = data.decode("cp1252").split("\r\n")
        for index in range(1, len(rows)):
            cells = rows[index].split(";")
            if len(cells) < 8:
                continue
            cells[4] = cells[4] + " Nord"
            if index % 10 == 0:
                cells[7] = "+457001" + cells[7][-4:]
            rows[index] = ";".join(cells)
        changed = "\r\n".join(rows)
        print(f"CSV re-import: {args.users} users change Afdeling, {args.users // 10} of them also Primær linje:")
        run_import(organisation, admin, Job.Kind.USERS_IMPORT, tasks.users_import, "brugere.csv", changed.encode("cp1252"), "csv")

        organisation, admin = setup_organisation("bench-ldif", "admin@ldif.example")
        data = users_ldif(args.users)
        print(f"LDIF directory sync ({args.users} entries, ldifde format):")
        run_import(organisation, admin, Job.Kind.DIRECTORY_SYNC, tasks.directory_sync, "users.ldf", data, "ldif")
        print(f"  users in the organisation: {User.objects.filter(organisation=organisation).count()}")
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
