"""Write operations for phones (DEV-1..4). Keyword-only, atomic, audited; views, the CSV import,
the admin, the platform API and provisioning all call these.

Every operation that changes what a phone receives sends `devices.signals.phone_config_changed`
after commit, so provisioning can drop cached files. Telemetry (fetches, registration status,
free-seating log-ins reported by the platform) is recorded but not audited: it is not a change
made by anyone, and it would drown the history.
"""

import functools
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from connect.lib import numbers
from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.bulk import insert_rows
from connect.lib.crypto import encrypt, generate_password
from connect.lib.validators import validate_clean_text
from customers.models import AuditEntry
from devices import catalog
from devices.models import FunctionKey, Phone, PhoneFetch, SipAccount, normalise_mac
from devices.signals import notify_config_changed

FETCH_LOG_SIZE = 10
DESCRIPTION_MAX = 64
LABEL_MAX = 32


# --- validation helpers -------------------------------------------------------------------


def _clean_description(value):
    value = (value or "").strip()
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": _("Ensure the description has at most %(max)d characters.") % {"max": DESCRIPTION_MAX}}
        )
    try:
        validate_clean_text(value)
    except ValidationError as exc:
        raise ValidationError({"description": exc.messages}) from exc
    return value


def _clean_model(code):
    model = catalog.get(code)
    if model is None or not model.selectable:
        raise ValidationError({"model": _("Choose a supported phone model.")})
    return model


def _clean_expansion(model, module_code, count):
    module_code = module_code or ""
    count = int(count or 0)
    if not module_code or count == 0:
        return "", 0
    if module_code not in model.expansion_modules:
        raise ValidationError(
            {"expansion_module": _("%(model)s takes no %(module)s expansion module.")
             % {"model": model.display_name, "module": module_code}}
        )
    if not 0 <= count <= model.max_expansion_modules:
        raise ValidationError(
            {"expansion_module_count": _("%(model)s takes at most %(max)d expansion modules.")
             % {"model": model.display_name, "max": model.max_expansion_modules}}
        )
    return module_code, count


def _check_user(phone_or_org, user, field="user"):
    organisation_id = getattr(phone_or_org, "organisation_id", None) or getattr(phone_or_org, "pk", None)
    if user is not None and user.organisation_id != organisation_id:
        raise ValidationError({field: _("Choose a user of this organisation.")})


def _check_mac_free(mac, exclude_pk=None):
    qs = Phone.objects.filter(mac=mac)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        # System-wide uniqueness: don't say which organisation has it.
        raise ValidationError({"mac": _("A phone with this MAC address already exists.")})


def _prune_keys(phone):
    """Drop keys beyond the phone's key table (after a model or expansion change)."""
    last = len(phone.key_slots())
    FunctionKey.objects.filter(phone=phone, position__gt=last).delete()


# --- SIP accounts -------------------------------------------------------------------------


def _new_sip_username():
    return "c" + secrets.token_hex(7)


def sipaccount_ensure(*, user):
    """The user's SIP account, created with generated credentials if missing (DEV-4)."""
    try:
        return user.sip_account
    except SipAccount.DoesNotExist:
        pass
    for _attempt in range(5):
        try:
            with transaction.atomic():
                account = SipAccount.objects.create(
                    user=user, username=_new_sip_username(), password_encrypted=encrypt(generate_password(20))
                )
        except IntegrityError:
            existing = SipAccount.objects.filter(user=user).first()
            if existing:  # created concurrently for the same user
                user.sip_account = existing
                return existing
            continue  # username clash: try another
        audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=account, organisation=user.organisation)
        user.sip_account = account
        return account
    raise RuntimeError("Could not generate a unique SIP username")


@transaction.atomic
def sipaccount_reset_password(*, user, by):
    """Generate a new SIP password for the user; their phones get it on the next fetch."""
    account = sipaccount_ensure(user=user)
    account.password_encrypted = encrypt(generate_password(20))
    account.password_changed_at = timezone.now()
    account.save(update_fields=["password_encrypted", "password_changed_at"])
    audit_record(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        obj=account,
        organisation=user.organisation,
        changes={"password": ["***", "***"]},
    )
    from devices.signals import phone_ids_for_user

    notify_config_changed(phone_ids_for_user(user.pk))
    return account


# --- phones -------------------------------------------------------------------------------


@transaction.atomic
def phone_create(
    *,
    organisation,
    mac,
    model,
    by,
    description="",
    user=None,
    free_seating=False,
    expansion_module="",
    expansion_module_count=0,
):
    """Add a phone to the organisation (DEV-3). The MAC is unique across the whole system."""
    mac = normalise_mac(mac)
    phone_model = _clean_model(model)
    module, count = _clean_expansion(phone_model, expansion_module, expansion_module_count)
    description = _clean_description(description)
    _check_user(organisation, user)
    if free_seating and user is not None:
        raise ValidationError({"user": _("A free-seating phone has no user on line 1.")})
    _check_mac_free(mac)
    phone = Phone(
        organisation=organisation,
        mac=mac,
        model=phone_model.code,
        description=description,
        user=user,
        free_seating=bool(free_seating),
        expansion_module=module,
        expansion_module_count=count,
        created_by=by if getattr(by, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            phone.save()
    except IntegrityError as exc:
        raise ValidationError({"mac": _("A phone with this MAC address already exists.")}) from exc
    if user is not None:
        sipaccount_ensure(user=user)
    audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=phone, changes=diff({}, snapshot(phone)))
    notify_config_changed([phone.pk])
    return phone


_UPDATABLE = ("mac", "model", "description", "expansion_module", "expansion_module_count")


@transaction.atomic
def phone_update(*, phone, by, **fields):
    """Change a phone's MAC, model, description or expansion modules."""
    unknown = set(fields) - set(_UPDATABLE)
    if unknown:
        raise TypeError(f"phone_update cannot change {sorted(unknown)}")
    phone = Phone.objects.select_for_update().get(pk=phone.pk)
    before = snapshot(phone)
    if "mac" in fields:
        mac = normalise_mac(fields["mac"])
        if mac != phone.mac:
            _check_mac_free(mac, exclude_pk=phone.pk)
        phone.mac = mac
    phone_model = _clean_model(fields.get("model", phone.model))
    phone.model = phone_model.code
    if "description" in fields:
        phone.description = _clean_description(fields["description"])
    phone.expansion_module, phone.expansion_module_count = _clean_expansion(
        phone_model,
        fields.get("expansion_module", phone.expansion_module),
        fields.get("expansion_module_count", phone.expansion_module_count),
    )
    changes = diff(before, snapshot(phone))
    if not changes:
        return phone
    try:
        with transaction.atomic():
            phone.save()
    except IntegrityError as exc:
        raise ValidationError({"mac": _("A phone with this MAC address already exists.")}) from exc
    _prune_keys(phone)
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=phone, changes=changes)
    notify_config_changed([phone.pk])
    return phone


@transaction.atomic
def phone_delete(*, phone, by):
    """Remove a phone: it can no longer fetch a configuration."""
    pk = phone.pk
    audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=phone, changes=diff(snapshot(phone), {}))
    phone.delete()
    notify_config_changed([pk])


@transaction.atomic
def phone_assign_user(*, phone, user, by):
    """Put `user` on line 1 of the phone (DEV-4), or unassign with user=None.

    The user gets a SIP account (generated credentials) if they have none. A user may be on line 1
    of several phones. A free-seating phone has no line-1 user.
    """
    phone = Phone.objects.select_for_update().get(pk=phone.pk)
    _check_user(phone, user)
    if user is not None and phone.free_seating:
        raise ValidationError({"user": _("The phone is in free seating: turn free seating off to assign a user.")})
    if phone.user_id == (user.pk if user else None):
        return phone
    before = snapshot(phone)
    phone.user = user
    phone.save(update_fields=["user", "updated_at"])
    if user is not None:
        sipaccount_ensure(user=user)
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=phone, changes=diff(before, snapshot(phone)))
    notify_config_changed([phone.pk])
    return phone


@dataclass
class KeySpec:
    """One row of the key table as the form (or a caller) gives it."""

    position: int
    type: str = FunctionKey.Type.NONE
    value: str = ""
    label: str = ""
    target_user: object = None


def _describe_keys(rows):
    out = []
    for row in rows:
        who = row.target_user.username if row.target_user is not None else ""
        out.append(f"{row.position}:{row.type}:{who or row.value}:{row.label}")
    return out


def _clean_key(phone, spec, last_position):
    errors = []
    label = (spec.label or "").strip()
    value = (spec.value or "").strip()
    target = spec.target_user
    key_type = spec.type or FunctionKey.Type.NONE
    if key_type not in FunctionKey.Type.values:
        errors.append(_("Choose a valid key type."))
    if not 2 <= int(spec.position) <= last_position:
        errors.append(_("The phone has no key %(position)s.") % {"position": spec.position})
    if len(label) > LABEL_MAX:
        errors.append(_("Ensure the label has at most %(max)d characters.") % {"max": LABEL_MAX})
    try:
        validate_clean_text(label)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if target is not None and target.organisation_id != phone.organisation_id:
        errors.append(_("Choose a user of this organisation."))
        target = None
    if key_type == FunctionKey.Type.LINE:
        value = ""
        if target is None and not errors:
            errors.append(_("Choose the user whose line the key shows."))
    elif key_type == FunctionKey.Type.BLF:
        if target is not None:
            value = ""
        elif value:
            try:
                value = numbers.normalise(value).number
            except ValidationError as exc:
                errors.extend(exc.messages)
        elif not errors:
            errors.append(_("Choose a user or enter the number the busy lamp watches."))
    elif key_type == FunctionKey.Type.SPEED_DIAL:
        target = None
        try:
            value = numbers.normalise(value).number
        except ValidationError as exc:
            errors.extend(exc.messages)
    else:
        target, value, label = None, "", ""
    if errors:
        return None, errors
    return FunctionKey(phone=phone, position=int(spec.position), type=key_type, value=value, label=label, target_user=target), []


@transaction.atomic
def phone_set_keys(*, phone, keys, by):
    """Replace the phone's function keys 2..n (DEV-4) with `keys` (KeySpec or dicts).

    Errors name the key: "Key 3: Enter a phone number." Line keys give their user a SIP account.
    """
    phone = Phone.objects.select_for_update().get(pk=phone.pk)
    last_position = len(phone.key_slots())
    rows, errors, seen = [], [], set()
    for spec in keys:
        if isinstance(spec, dict):
            spec = KeySpec(**spec)
        if int(spec.position) in seen:
            errors.append(_("Key %(position)s is given twice.") % {"position": spec.position})
            continue
        seen.add(int(spec.position))
        row, key_errors = _clean_key(phone, spec, last_position)
        errors.extend(_("Key %(position)s: %(error)s") % {"position": spec.position, "error": e} for e in key_errors)
        if row is not None and row.type != FunctionKey.Type.NONE:
            rows.append(row)
    if errors:
        raise ValidationError(errors)
    existing = list(phone.keys.select_related("target_user").order_by("position"))
    rows.sort(key=lambda r: r.position)
    before, after = _describe_keys(existing), _describe_keys(rows)
    if before == after:
        return phone
    phone.keys.all().delete()
    FunctionKey.objects.bulk_create(rows)
    for row in rows:
        if row.type == FunctionKey.Type.LINE and row.target_user is not None:
            sipaccount_ensure(user=row.target_user)
    Phone.objects.filter(pk=phone.pk).update(updated_at=timezone.now())
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=phone, changes={"keys": [before, after]})
    notify_config_changed([phone.pk])
    return phone


@transaction.atomic
def phone_set_free_seating(*, phone, enabled, by):
    """Turn free seating on (clears the line-1 user) or off (DEV-3)."""
    phone = Phone.objects.select_for_update().get(pk=phone.pk)
    enabled = bool(enabled)
    if phone.free_seating == enabled and (not enabled or phone.user_id is None):
        return phone
    before = snapshot(phone)
    phone.free_seating = enabled
    phone.seated_user = None
    phone.seated_at = None
    if enabled:
        phone.user = None
    phone.save()
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=phone, changes=diff(before, snapshot(phone)))
    notify_config_changed([phone.pk])
    return phone


@transaction.atomic
def phone_seat(*, phone, user, at=None):
    """Record who logged in (user) or out (None) on a free-seating phone, as the platform reports."""
    phone = Phone.objects.select_for_update().get(pk=phone.pk)
    if not phone.free_seating:
        raise ValidationError(_("The phone is not in free seating."))
    _check_user(phone, user)
    phone.seated_user = user
    phone.seated_at = (at or timezone.now()) if user is not None else None
    phone.save(update_fields=["seated_user", "seated_at"])
    return phone


def _clean_ip(ip):
    """A client address as the database stores it (without an IPv6 zone such as %eth0), or None."""
    return _clean_address(str(ip or ""))


@functools.lru_cache(maxsize=4096)  # a storm's phones share few addresses (NAT, one site)
def _clean_address(text):
    import ipaddress

    try:
        return str(ipaddress.ip_address(text.split("%", 1)[0]))
    except ValueError:
        return None


def _clean_telemetry(text, limit):
    text = str(text or "")
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:limit]


@dataclass(frozen=True)
class FetchRecord:
    """One configuration fetch as provisioning saw it (PRV-5)."""

    phone_id: int
    at: object  # an aware datetime
    ip: str = ""
    user_agent: str = ""
    firmware: str = ""
    file_name: str = ""


def phone_record_fetch(*, phone, ip, user_agent, firmware, file_name="", at=None):
    """Record one configuration fetch ("sidst set"): phone_record_fetches for a single fetch.
    Returns the phone with the recorded fields set."""
    record = FetchRecord(phone.pk, at or timezone.now(), ip or "", user_agent or "", firmware or "", file_name or "")
    phone_record_fetches(fetches=[record])
    fresh = Phone.objects.filter(pk=phone.pk).values("last_seen_at", "last_ip", "user_agent", "firmware", "fetch_count").first()
    for name, value in (fresh or {}).items():
        setattr(phone, name, value)
    return phone


def _fetch_update_sql(rows=None):
    """UPDATE ... FROM the batch's rows, returning the new fetch counts: one statement per batch.
    Telemetry is taken only from fetches at least as recent as what the phone shows (web
    processes write their buffers independently, so an older batch may come last); the count
    always grows. `rows` None (PostgreSQL): the rows as six arrays (unnest), one short text
    whatever the batch's size, which psycopg converts once per process; else a VALUES list of
    `rows` rows (SQLite 3.35+)."""
    from django.db import connection

    meta = Phone._meta
    col = {name: meta.get_field(name).column for name in ("id", "last_seen_at", "last_ip", "user_agent", "firmware", "fetch_count")}
    table = connection.ops.quote_name(meta.db_table)
    if rows is None:
        arrays = f"%s::{meta.pk.rel_db_type(connection)}[], %s::timestamptz[], %s::inet[], %s::text[], %s::text[], %s::integer[]"
        head, source = "", f"unnest({arrays}) AS v(id, at, ip, ua, fw, n)"
    else:
        head, source = f"WITH v(id, at, ip, ua, fw, n) AS (VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * rows)}) ", "v"
    seen = f"{table}.{col['last_seen_at']}"
    newer = f"({seen} IS NULL OR v.at >= {seen})"
    return (
        f"{head}UPDATE {table} SET {col['last_seen_at']} = CASE WHEN {newer} THEN v.at ELSE {seen} END, "
        f"{col['last_ip']} = CASE WHEN {newer} THEN v.ip ELSE {table}.{col['last_ip']} END, "
        f"{col['user_agent']} = CASE WHEN {newer} THEN v.ua ELSE {table}.{col['user_agent']} END, "
        f"{col['firmware']} = CASE WHEN {newer} AND v.fw <> '' THEN v.fw ELSE {table}.{col['firmware']} END, "
        f"{col['fetch_count']} = {table}.{col['fetch_count']} + v.n "
        f"FROM {source} WHERE {table}.{col['id']} = v.id "
        f"RETURNING {table}.{col['id']}, {table}.{col['fetch_count']}"
    )


def _single_statement_update():
    import sqlite3

    from django.db import connection

    return connection.vendor == "postgresql" or (connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35))


# Writers of fetch records (one per web process) take this transaction-level lock in PostgreSQL,
# so two batches touching the same phones never wait on each other's rows in opposite orders.
_FETCH_WRITER_LOCK = 0x70686F6E  # "phon"


FETCH_COLUMNS = ("phone_id", "at", "ip", "firmware", "user_agent", "file_name")


@dataclass(frozen=True)
class FetchesWritten:
    written: int  # fetch rows written
    busy: list  # FetchRecords left out: their phones were being changed (skip_busy)


@transaction.atomic
def phone_record_fetches(*, fetches, skip_busy=False):
    """Record configuration fetches (PRV-5) in bulk: per phone the latest firmware, IP,
    User-Agent and time ("sidst set") and the fetch count; one PhoneFetch row per fetch, of which
    the latest FETCH_LOG_SIZE per phone are kept. Fetches of phones deleted meanwhile are
    dropped. A batch costs one UPDATE, one INSERT and at most two statements that prune the log,
    whatever its size. Telemetry: not audited.

    skip_busy (PostgreSQL): never wait for a phone another transaction is changing (a long
    import holds its phones until it commits); those fetches come back in `busy`, to be written
    later. Without it the batch waits for them.
    """
    from django.db import connection
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    by_phone = {}
    for record in fetches:
        by_phone.setdefault(int(record.phone_id), []).append(record)
    busy = []
    if connection.vendor == "postgresql" and by_phone:
        with connection.cursor() as cursor:
            # Writers take turns (never the same rows in two orders); a writer that waits this
            # long gives up and tries again later.
            cursor.execute("SET LOCAL lock_timeout = '5s'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FETCH_WRITER_LOCK])
        if skip_busy:
            ids = sorted(by_phone)
            table, pk = connection.ops.quote_name(Phone._meta.db_table), connection.ops.quote_name(Phone._meta.pk.column)
            with connection.cursor() as cursor:
                # The phones as one array parameter: a statement text that does not grow with the batch.
                cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s) ORDER BY {pk} FOR NO KEY UPDATE SKIP LOCKED", [ids])
                free = {row[0] for row in cursor.fetchall()}
                if len(free) < len(ids):
                    cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s)", [ids])
                    for (phone_id,) in cursor.fetchall():
                        if phone_id not in free:
                            busy.extend(by_phone.pop(phone_id))
    updates = []  # (id, at, ip, user agent, firmware, n) per phone: its latest fetch and how many
    fetch_rows = []  # (phone id, at, ip, firmware, user agent, file name): FETCH_COLUMNS
    for phone_id in sorted(by_phone):
        records = sorted(by_phone[phone_id], key=lambda r: r.at)
        firmware = ""
        for record in records:
            ip = _clean_ip(record.ip)
            user_agent = _clean_telemetry(record.user_agent, 255)
            fw = _clean_telemetry(record.firmware, 64)
            firmware = fw or firmware
            fetch_rows.append((phone_id, record.at, ip, fw, user_agent, _clean_telemetry(record.file_name, 64)))
        updates.append((phone_id, records[-1].at, ip, user_agent, firmware, len(records)))
    if not updates:
        return FetchesWritten(0, busy)
    if connection.vendor == "postgresql":
        columns = list(zip(*updates, strict=True))
        columns[1] = [connection.ops.adapt_datetimefield_value(at) for at in columns[1]]
        with connection.cursor() as cursor:
            cursor.execute(_fetch_update_sql(), [list(column) for column in columns])
            new_counts = dict(cursor.fetchall())
    elif _single_statement_update():
        params = []
        for phone_id, at, ip, user_agent, firmware, n in updates:
            params += [phone_id, connection.ops.adapt_datetimefield_value(at), ip, user_agent, firmware, n]
        with connection.cursor() as cursor:
            cursor.execute(_fetch_update_sql(len(updates)), params)
            new_counts = dict(cursor.fetchall())
    else:
        from django.db.models import Q

        new_counts = {}
        for phone_id, at, ip, user_agent, firmware, n in updates:
            if not Phone.objects.filter(pk=phone_id).update(fetch_count=F("fetch_count") + n):
                continue
            fields = {"last_seen_at": at, "last_ip": ip, "user_agent": user_agent}
            if firmware:
                fields["firmware"] = firmware
            Phone.objects.filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=at), pk=phone_id).update(**fields)
            new_counts[phone_id] = Phone.objects.filter(pk=phone_id).values_list("fetch_count", flat=True).first()
    fetch_rows = [row for row in fetch_rows if row[0] in new_counts]
    insert_rows(PhoneFetch, FETCH_COLUMNS, fetch_rows)  # cleaned values: no model instances
    added = {phone_id: n for phone_id, *_rest, n in updates}
    # When a phone's count crosses a multiple of FETCH_LOG_SIZE, keep its latest FETCH_LOG_SIZE
    # rows: one query finds the surplus of all those phones, one deletes it.
    crossed = [pk for pk, count in new_counts.items() if count // FETCH_LOG_SIZE > (count - added[pk]) // FETCH_LOG_SIZE]
    if crossed and connection.vendor == "postgresql":
        # One statement, the surplus never travels to Python.
        table, pk = connection.ops.quote_name(PhoneFetch._meta.db_table), connection.ops.quote_name(PhoneFetch._meta.pk.column)
        phone, at = (connection.ops.quote_name(PhoneFetch._meta.get_field(name).column) for name in ("phone", "at"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE {pk} IN (SELECT {pk} FROM (SELECT {pk}, row_number() OVER "
                f"(PARTITION BY {phone} ORDER BY {at} DESC, {pk} DESC) AS rank FROM {table} WHERE {phone} = ANY(%s)) ranked "
                f"WHERE rank > %s)",
                [crossed, FETCH_LOG_SIZE],
            )
    elif crossed:
        surplus = list(
            PhoneFetch.objects.filter(phone_id__in=crossed)
            .annotate(rank=Window(RowNumber(), partition_by=[F("phone_id")], order_by=[F("at").desc(), F("id").desc()]))
            .filter(rank__gt=FETCH_LOG_SIZE)
            .values_list("pk", flat=True)
        )
        if surplus:
            PhoneFetch.objects.filter(pk__in=surplus).delete()
    return FetchesWritten(len(fetch_rows), busy)


@transaction.atomic
def phone_auto_add(*, organisation, mac, model, ip=None, user_agent="", firmware=""):
    """Add an unknown phone that fetched under the organisation's valid ticket (PRV-5).

    Description = the client IP, state "Ikke klargjort", no user and so no SIP account. Raises
    ValidationError if the MAC is taken (by any organisation) or the model is not supported.
    Rate limiting is the caller's (provisioning's) job.
    """
    mac = normalise_mac(mac)
    phone_model = _clean_model(model.code if isinstance(model, catalog.PhoneModel) else model)
    ip = _clean_ip(ip)
    _check_mac_free(mac)
    phone = Phone(
        organisation=organisation,
        mac=mac,
        model=phone_model.code,
        description=(ip or "")[:DESCRIPTION_MAX],
        auto_added=True,
        last_ip=ip,
        user_agent=_clean_telemetry(user_agent, 255),
        firmware=_clean_telemetry(firmware, 64),
    )
    try:
        with transaction.atomic():
            phone.save()
    except IntegrityError as exc:
        raise ValidationError({"mac": _("A phone with this MAC address already exists.")}) from exc
    audit_record(
        actor=None, action=AuditEntry.Action.CREATE, obj=phone, organisation=organisation,
        changes=diff({}, snapshot(phone)),
    )
    return phone


def phone_set_registration(*, phone, status, at=None):
    """Set the registration status reported by the SIP platform (green/red/unknown)."""
    if status not in Phone.Registration.values:
        raise ValidationError(_("Unknown registration status “%(status)s”.") % {"status": str(status)[:32]})
    if phone.registration_status == status:
        return phone
    phone.registration_status = status
    phone.registration_changed_at = at or timezone.now()
    Phone.objects.filter(pk=phone.pk).update(
        registration_status=status, registration_changed_at=phone.registration_changed_at
    )
    return phone


_STATUS_ALIASES = {
    "registered": Phone.Registration.REGISTERED,
    "green": Phone.Registration.REGISTERED,
    "up": Phone.Registration.REGISTERED,
    "unregistered": Phone.Registration.UNREGISTERED,
    "not_registered": Phone.Registration.UNREGISTERED,
    "red": Phone.Registration.UNREGISTERED,
    "down": Phone.Registration.UNREGISTERED,
    "unknown": Phone.Registration.UNKNOWN,
    "grey": Phone.Registration.UNKNOWN,
    "gray": Phone.Registration.UNKNOWN,
}


def registration_status_from(text):
    """Map a platform's word for a status to Phone.Registration, or None."""
    return _STATUS_ALIASES.get(str(text or "").strip().lower())


@transaction.atomic
def registration_update(*, statuses, at=None):
    """Apply (mac, status) pairs from the SIP platform; returns {"updated": n, "unchanged": n,
    "unknown": [macs not found], "invalid": [entries that are not a MAC and a status]}."""
    at = at or timezone.now()
    result = {"updated": 0, "unchanged": 0, "unknown": [], "invalid": []}
    wanted = {}
    for mac, status in statuses:
        try:
            clean_mac = normalise_mac(mac)
        except ValidationError:
            result["invalid"].append(str(mac)[:40])
            continue
        clean_status = registration_status_from(status)
        if clean_status is None:
            result["invalid"].append(clean_mac)
            continue
        wanted[clean_mac] = clean_status
    phones = {p.mac: p for p in Phone.objects.filter(mac__in=list(wanted)).only("pk", "mac", "registration_status")}
    for mac, status in wanted.items():
        phone = phones.get(mac)
        if phone is None:
            result["unknown"].append(mac)
        elif phone.registration_status == status:
            result["unchanged"] += 1
        else:
            phone_set_registration(phone=phone, status=status, at=at)
            result["updated"] += 1
    return result
