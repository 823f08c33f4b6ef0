"""Users import/export (USR-3) and directory synchronisation from LDIF (USR-1).

File format (CSV or XLSX): one header row, then one row per user. Headers are FIXED, not
translated: the export writes the Danish names of FEATURES.md USR-3 — Brugernavn, Fornavn,
Efternavn, E-mail, Afdeling, Sprog, Licens, Primær linje, Primær linjetype, Sekundær linje,
Sekundær linjetype, Aliasser, Grupper, Felt 1 … Felt 6 — and the import accepts those and the
English names (Username, First name, Last name, E-mail/Email, Department, Language,
Licence/License, Primary line, Primary line type, Secondary line, Secondary line type, Aliases,
Groups, Field 1 … Field 6), in any order and case. Only Brugernavn is required; a missing column
leaves that value unchanged.

Rows are matched by Brugernavn (upsert; nobody is deleted). An empty cell leaves an existing
user's value unchanged (for a new user: Fornavn and Efternavn are required, the rest optional).
Sprog: a language code or name (da, Dansk, English ...). Licens: a licence name of the
organisation. Linjetype: "Kontor fastnet" / "Kontor mobilnet" (or the English labels). Aliasser:
the primary line's aliases, ";"-separated local numbers. Grupper: ";"-separated group names;
replaces the user's groups. Felt 1-6: the directory fields by number (USR-17).
Unknown licences/groups, numbers outside the ranges or in use, duplicate usernames (compared
case-insensitively after Unicode NFKC normalisation) are row errors; a username of another
organisation is refused without saying so.

LDIF (USR-1): entries of person accounts; userPrincipalName (else mail) → Brugernavn, givenName,
sn, department, title, mail, telephoneNumber → primary line, mobile → the mobile phone, memberOf
→ membership of the organisation's groups with the same name (added; others listed, not
created). A telephoneNumber outside the organisation's number ranges (a colleague abroad: the
directory holds numbers the portal does not own) is left out with a warning on the entry; the
person is imported all the same (a CSV file stays strict: there it is an error). Disabled accounts (userAccountControl & 0x2) are not created; an existing user whose
account is disabled is flagged and left alone.

The commit does not validate the file a second time when nothing changed: the preview keeps its
results (UsersImporter.checked: one JSON text per row, in the cache) with a digest of the file and
of everything validation read from the database (the organisation's languages, licences, groups,
directory fields and ranges; the file's users in any organisation with their lines, aliases,
mobiles, groups and values; the registry rows of the file's numbers). The commit loads that again
under its lock and compares digests (UsersImporter.reuse); any difference, a missing or older
record, and it validates the file again as before, with the same errors and messages.

Writes: set-based, a few statements per 1,000 users, all inside the job's single transaction. New
users are created in bulk (the same validation as customers.operations.users, the number
registry's unique constraint as the final guard, the audit trail written in bulk); changed users
go through customers.operations.users_bulk (fields, lines, mobile, groups and directory values in
bulk, one audit entry per user). A number someone else took meanwhile fails the import with its
row.
"""

import secrets
import tempfile
import unicodedata

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_write_many
from connect.lib.bulk import bulk_insert_with_ids, insert_rows
from connect.lib.i18n import message
from connect.lib.imports import (
    Action,
    Column,
    Importer,
    Row,
    RowError,
    RowResult,
    dn_first_cn,
    read_ldif,
    write_csv,
    write_xlsx,
)
from connect.lib.imports.errors import FileError
from connect.lib.numbers import NormalisedNumber
from customers.forms.imports import (
    LINE_TYPE_EXPORT,
    CurrentLine,
    ImportContext,
    UserImportForm,
    fold,
    split_list,
)
from customers.models import (
    AuditEntry,
    DirectoryField,
    DirectoryFieldValue,
    GroupMembership,
    Licence,
    Number,
    NumberRange,
    Organisation,
    User,
    UserGroup,
    UserLine,
)
from customers.operations.imports_reuse import (
    CHECKED_VERSION,
    file_digest,
    pack_row,
    state_digest,
    unpack_row,
)
from customers.operations.users_bulk import NumberRegistrations, UsersBulkUpdate

CHUNK = 2000
CREATE_CHUNK = 1000

USER_COLUMNS = [
    Column("username", "Brugernavn", ("Username", "User name"), required=True),
    Column("first_name", "Fornavn", ("First name",)),
    Column("last_name", "Efternavn", ("Last name",)),
    Column("email", "E-mail", ("Email", "E-mail address", "Mail")),
    Column("department", "Afdeling", ("Department",)),
    Column("language", "Sprog", ("Language",)),
    Column("licence", "Licens", ("Licence", "License")),
    Column("primary", "Primær linje", ("Primary line",)),
    Column("primary_type", "Primær linjetype", ("Primary line type",)),
    Column("secondary", "Sekundær linje", ("Secondary line",)),
    Column("secondary_type", "Sekundær linjetype", ("Secondary line type",)),
    Column("aliases", "Aliasser", ("Aliases",)),
    Column("groups", "Grupper", ("Groups",)),
    *[Column(f"field_{n}", f"Felt {n}", (f"Field {n}",)) for n in range(1, 7)],
]

# For LDIF the "columns" name the directory attributes (used in error messages).
LDIF_COLUMNS = [
    Column("username", "userPrincipalName"),
    Column("first_name", "givenName"),
    Column("last_name", "sn"),
    Column("department", "department"),
    Column("title", "title"),
    Column("email", "mail"),
    Column("primary", "telephoneNumber"),
    Column("mobile", "mobile"),
    Column("groups", "memberOf"),
]

TEXT_FIELDS = ("first_name", "last_name", "email", "department", "title")
FIELD_KEYS = [f"field_{n}" for n in range(1, 7)]


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def username_key(raw):
    return unicodedata.normalize("NFKC", str(raw or "")).strip().lower()


def _key_share_organisation(organisation):
    """Registrations hold FOR KEY SHARE on the organisation (as customers.operations.numbers
    does), so number ranges cannot change under the import (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Organisation._meta.db_table} WHERE id = %s FOR KEY SHARE", [organisation.pk])


def _concrete_snapshot(obj, fields=None):
    """connect.lib.audit.snapshot without many-to-many fields (no query per object). `fields`:
    `_snapshot_fields(model)`, when the caller snapshots many objects of one model."""
    data = {}
    for name, attname in fields or _snapshot_fields(type(obj)):
        value = getattr(obj, attname)
        data[name] = None if value is None else str(value)
    return data


def _snapshot_fields(model):
    """(name, attname) of the fields connect.lib.audit.snapshot records."""
    return [
        (field.name, field.attname)
        for field in model._meta.concrete_fields
        if field.name != "password" and not field.name.endswith("_encrypted")
    ]


# The columns of the file's existing users that validation and the bulk update read.
EXISTING_USER_FIELDS = (
    "username", "organisation", "first_name", "last_name", "email", "department", "title", "language", "licence", "licence__name",
)


class UsersImporter(Importer):
    """Users from CSV/XLSX (USR-3); see the module docstring."""

    columns = USER_COLUMNS
    formats = ("csv", "xlsx")
    unit = "row"
    strict_groups = True  # unknown group names are errors
    strict_ranges = True  # a line number outside the organisation's ranges is an error
    replace_groups = True  # the Grupper cell replaces the user's groups

    def header_for(self, key):
        for column in self.columns:
            if column.key == key:
                return column.header
        return ""

    # --- loading --------------------------------------------------------------------------------

    def prepare(self, rows):
        ctx = ImportContext(self.organisation)
        self._load_organisation(ctx)
        self.context = ctx
        usernames, numbers = set(), set()
        for row in rows:
            key = username_key(row.data.get("username"))
            if key:
                usernames.add(key)
            raw_numbers = [row.data.get(k, "") for k in ("primary", "secondary", "mobile")]
            raw_numbers += str(row.data.get("aliases", "")).replace(",", ";").replace(" ", ";").split(";")
            for raw in raw_numbers:
                if raw and raw.strip():
                    try:
                        numbers.add(ctx.normalise(raw, allow_local=True).number)
                    except ValidationError:
                        pass
        self.keys = (sorted(usernames), sorted(numbers))
        self._load(usernames, numbers)

    def _load_organisation(self, ctx):
        org = self.organisation
        ctx.languages = set(org.languages or [])
        ctx.licences = {fold(lic.name): lic for lic in Licence.objects.for_organisation(org).filter(kind=Licence.Kind.USER)}
        ctx.groups = {fold(g.name): g for g in UserGroup.objects.for_organisation(org)}
        ctx.directory_fields = {f.number: f for f in DirectoryField.objects.for_organisation(org).filter(number__lte=6)}
        ctx.ranges = list(NumberRange.objects.for_organisation(org))

    def _load(self, usernames, numbers):
        """The database's side of validation: what `prepare` loads once the file's usernames and
        numbers are known (also what `reuse` loads again under the commit's transaction)."""
        ctx, org = self.context, self.organisation
        for chunk in _chunks(usernames):
            # Only what validation and the bulk update read (a user has some forty columns).
            for user in User.objects.filter(username__any=chunk).select_related("licence").only(*EXISTING_USER_FIELDS).order_by():
                ctx.existing[user.username] = user
        own_ids = [u.pk for u in ctx.existing.values() if u.organisation_id == org.pk]
        for chunk in _chunks(own_ids):
            # Plain tuples, not UserLine and Number instances: tens of thousands per file.
            for user_id, slot, line_type, number, kind, value in UserLine.objects.filter(user_id__any=chunk).order_by().values_list(
                "user_id", "slot", "line_type", "number__number", "number__kind", "number__value"
            ):
                ctx.lines.setdefault(user_id, {})[slot] = CurrentLine(line_type, NormalisedNumber(number, kind, value))
            for user_id, purpose, slot, number in Number.objects.filter(
                user_id__any=chunk, purpose__in=[Number.Purpose.ALIAS, Number.Purpose.MOBILE]
            ).values_list("user_id", "purpose", "line_slot", "number").order_by("value"):
                if purpose == Number.Purpose.ALIAS:
                    ctx.aliases.setdefault(user_id, {}).setdefault(slot, []).append(number)
                else:
                    ctx.mobiles[user_id] = number
            for user_id, group_id in GroupMembership.objects.filter(user_id__any=chunk).order_by().values_list("user_id", "group_id"):
                ctx.memberships.setdefault(user_id, set()).add(group_id)
            for user_id, field_id, value in DirectoryFieldValue.objects.filter(user_id__any=chunk).order_by().values_list("user_id", "field_id", "value"):
                ctx.values.setdefault(user_id, {})[field_id] = value
        for chunk in _chunks(numbers):
            for number, user_id, purpose in Number.objects.filter(organisation=org, number__any=chunk).order_by().values_list("number", "user_id", "purpose"):
                ctx.numbers[number] = (user_id, purpose)

    # --- one row --------------------------------------------------------------------------------

    def validate(self, row):
        ctx = self.context
        result = RowResult(number=row.number, label=str(row.data.get("username", ""))[:254])
        if row.extra.get("skip"):
            result.skip(row.extra["skip"])
            return result
        user = ctx.existing.get(username_key(row.data.get("username")))
        if user is not None and user.organisation_id != self.organisation.pk:
            # Usernames are unique system-wide; never reveal who holds it.
            result.add_error(self.header_for("username"), _("This username cannot be used. Choose another."))
            return result
        if row.extra.get("disabled"):
            if user is not None:
                result.label = user.username
                result.skip(_("The account is disabled in the directory. The portal user is left unchanged (never deleted automatically)."))
                result.notes.append(_("Flagged: disabled in the directory."))
            else:
                result.skip(_("The account is disabled in the directory and is not created."))
            return result
        if row.errors:  # the reader could not read the row; its errors are enough
            return result
        form = UserImportForm(row.data, context=ctx, existing=user, strict_groups=self.strict_groups, strict_ranges=self.strict_ranges)
        valid = form.is_valid()
        for key, number in form.dropped_lines:
            result.add_warning(
                self.header_for(key),
                message(
                    _("The number %(number)s is outside the organisation's number ranges and is not imported as the user's line."),
                    number=number,
                ),
            )
        if not valid:
            for field, errors in form.errors.as_data().items():
                column = self.header_for(field) if field != "__all__" else ""
                for error in errors:
                    result.add_error(column, error)
            return result
        data = form.cleaned_data
        result.label = data["username"]
        if form.unknown_groups:
            result.notes.append(
                message(_("Groups that do not exist in the organisation (not created): %(names)s"), names=", ".join(form.unknown_groups))
            )
        lines = form.effective_lines()
        if user is None:
            result.action = Action.CREATE
            result.changes = self._create_changes(data, lines)
            result.cleaned = {"data": data, "lines": lines, "user": None, "groups": data.get("groups") or []}
            return result
        changed, changes, groups = self._update_changes(user, data, lines)
        result.cleaned = {"data": data, "lines": lines, "user": user, "changed": changed, "groups": groups}
        result.action = Action.UPDATE if changed else Action.UNCHANGED
        result.changes = changes
        return result

    def _display_lines(self, lines):
        out = {}
        for key in ("primary", "secondary"):
            number, line_type, aliases = lines[key]
            out[key] = number.number if number else ""
            out[f"{key}_type"] = LINE_TYPE_EXPORT.get(line_type, "") if number else ""
            out[f"{key}_aliases"] = "; ".join(a.number for a in aliases)
        return out

    def _create_changes(self, data, lines):
        changes = {}
        for key in TEXT_FIELDS + ("language",):
            if data.get(key):
                changes[self.header_for(key) or key] = [None, data[key]]
        if data.get("licence"):
            changes[self.header_for("licence")] = [None, data["licence"].name]
        shown = self._display_lines(lines)
        for key in ("primary", "primary_type", "secondary", "secondary_type"):
            if shown[key] and self.header_for(key):
                changes[self.header_for(key)] = [None, shown[key]]
        if shown["primary_aliases"] and self.header_for("aliases"):
            changes[self.header_for("aliases")] = [None, shown["primary_aliases"]]
        if data.get("mobile"):
            changes[self.header_for("mobile")] = [None, data["mobile"].number]
        if data.get("groups"):
            changes[self.header_for("groups")] = [None, "; ".join(g.name for g in data["groups"])]
        for key in FIELD_KEYS:
            if data.get(key) and self.header_for(key):
                changes[self.header_for(key)] = [None, data[key]]
        return changes

    def _update_changes(self, user, data, lines):
        ctx = self.context
        changed, changes = set(), {}
        for key in TEXT_FIELDS + ("language",):
            new = data.get(key)
            if new and new != getattr(user, key):
                changed.add(key)
                changes[self.header_for(key) or key] = [getattr(user, key), new]
        licence = data.get("licence")
        if licence is not None and licence.pk != user.licence_id:
            changed.add("licence")
            changes[self.header_for("licence")] = [user.licence.name if user.licence else "", licence.name]
        # Lines: compare the effective lines with the current ones.
        current_lines = ctx.lines.get(user.pk, {})
        current_aliases = ctx.aliases.get(user.pk, {})
        before = {}
        for slot, key in ((UserLine.Slot.PRIMARY, "primary"), (UserLine.Slot.SECONDARY, "secondary")):
            line = current_lines.get(slot)
            before[key] = line.number.number if line else ""
            before[f"{key}_type"] = LINE_TYPE_EXPORT.get(line.line_type, "") if line else ""
            before[f"{key}_aliases"] = "; ".join(current_aliases.get(slot, []))
        after = self._display_lines(lines)
        if before != after:
            changed.add("lines")
            for key, header_key in (
                ("primary", "primary"),
                ("primary_type", "primary_type"),
                ("secondary", "secondary"),
                ("secondary_type", "secondary_type"),
                ("primary_aliases", "aliases"),
            ):
                if before[key] != after[key]:
                    changes[self.header_for(header_key) or header_key] = [before[key], after[key]]
        mobile = data.get("mobile")
        if mobile is not None and mobile.number != ctx.mobiles.get(user.pk):
            changed.add("mobile")
            changes[self.header_for("mobile")] = [ctx.mobiles.get(user.pk, ""), mobile.number]
        groups = None
        if data.get("groups") is not None:
            current = ctx.memberships.get(user.pk, set())
            wanted = {g.pk for g in data["groups"]}
            if not self.replace_groups:
                wanted |= current
            if wanted != current:
                names = {g.pk: g.name for g in ctx.groups.values()}
                changed.add("groups")
                changes[self.header_for("groups")] = [
                    "; ".join(sorted(names.get(pk, "?") for pk in current)),
                    "; ".join(sorted(names.get(pk, "?") for pk in wanted)),
                ]
                groups = [g for g in ctx.groups.values() if g.pk in wanted]
        current_values = ctx.values.get(user.pk, {})
        for number in range(1, 7):
            key = f"field_{number}"
            new = data.get(key)
            field = ctx.directory_fields.get(number)
            if new and field is not None and new != current_values.get(field.pk, ""):
                changed.add(key)
                changes[self.header_for(key)] = [current_values.get(field.pk, ""), new]
        return changed, changes, groups

    # --- across rows ----------------------------------------------------------------------------

    def validate_all(self, results):
        by_username = {}
        for result in results:
            if result.action == Action.SKIP:
                continue
            key = fold(username_key(result.label))
            if key:
                by_username.setdefault(key, []).append(result)
        column = self.header_for("username")
        unit_word = _("lines") if self.unit == "line" else _("rows")
        for group in by_username.values():
            if len(group) > 1:
                where = ", ".join(str(r.number) for r in group)
                for result in group:
                    result.add_error(
                        column,
                        message(_("The username appears more than once in the file (%(unit)s %(numbers)s)."), unit=unit_word, numbers=where),
                    )
        by_number = {}
        for result in results:
            if result.action not in (Action.CREATE, Action.UPDATE) or not result.cleaned:
                continue
            data = result.cleaned["data"]
            for key in ("primary", "secondary", "mobile"):
                if data.get(key) is not None:
                    by_number.setdefault(data[key].number, []).append((result, key))
            for alias in data.get("aliases") or []:
                by_number.setdefault(alias.number, []).append((result, "aliases"))
        for number, uses in by_number.items():
            rows = sorted({r.number for r, _k in uses})
            if len(rows) > 1:
                where = ", ".join(str(n) for n in rows)
                for result, key in uses:
                    result.add_error(
                        self.header_for(key) or key,
                        message(
                            _("The number %(number)s is given in more than one row (%(unit)s %(numbers)s)."),
                            number=number,
                            unit=unit_word,
                            numbers=where,
                        ),
                    )

    # --- preview and commit ----------------------------------------------------------------------

    def preview(self, fileobj, fmt, progress=None):
        self.file_digest = file_digest(fileobj)
        return super().preview(fileobj, fmt, progress)

    def commit(self, fileobj, fmt, progress=None, checked=None):
        _key_share_organisation(self.organisation)
        return super().commit(fileobj, fmt, progress, checked=checked)

    def _state_digest(self):
        return state_digest(self.context, self.organisation, type(self).__name__)

    def checked(self, preview):
        """The preview's results with what `write` needs of each (see reuse): one JSON text per
        row, a few MB for 10,000 rows instead of hundreds of thousands of small objects."""
        rows = []
        for result in preview.results:
            text = pack_row(result)
            if text is None:
                return None
            rows.append(text)
        return {
            "version": CHECKED_VERSION,
            "file": self.file_digest,
            "state": self._state_digest(),
            "keys": self.keys,
            "rows": rows,
        }

    def reuse(self, checked, fileobj, fmt):
        """The preview's results when the file is the same and what validation read from the
        database is unchanged (loaded again here, under the commit's transaction, and compared
        by digest); otherwise None and the commit validates the file again."""
        if not isinstance(checked, dict) or checked.get("version") != CHECKED_VERSION:
            return None
        if file_digest(fileobj) != checked["file"]:
            return None
        self.context = ImportContext(self.organisation)
        self._load_organisation(self.context)
        usernames, numbers = checked["keys"]
        self._load(usernames, numbers)
        if self._state_digest() != checked["state"]:
            self.context = None
            return None
        ctx = self.context
        # What only validation compares is not needed for writing (the bulk update reads the
        # users' lines, numbers, groups and values again under its lock).
        ctx.lines, ctx.aliases, ctx.mobiles, ctx.memberships, ctx.values, ctx.numbers = {}, {}, {}, {}, {}, {}
        found = {
            "licence": {lic.pk: lic for lic in ctx.licences.values()},
            "groups": {group.pk: group for group in ctx.groups.values()},
            "users": {user.pk: user for user in ctx.existing.values()},
        }
        rows, results = checked["rows"], []
        for index, text in enumerate(rows):
            rows[index] = None  # each row's text is let go once it is a RowResult
            results.append(unpack_row(text, found))
        return results

    # --- writing --------------------------------------------------------------------------------

    def write(self, results, progress):
        creates = [r for r in results if r.action == Action.CREATE]
        updates = [r for r in results if r.action == Action.UPDATE]
        # In chunks, so memory stays bounded whatever the file's size.
        for start in range(0, len(creates), CREATE_CHUNK):
            chunk = creates[start : start + CREATE_CHUNK]
            self._bulk_create(chunk)
            for result in chunk:
                result.cleaned = None
            progress(start + len(chunk))
        writer = UsersBulkUpdate(
            organisation=self.organisation,
            by=self.by,
            unit=self.unit,
            header_for=self.header_for,
            directory_fields=self.context.directory_fields,
            group_names={g.pk: g.name for g in self.context.groups.values()},
            replace_groups=self.replace_groups,
        )
        for start in range(0, len(updates), CREATE_CHUNK):
            chunk = updates[start : start + CREATE_CHUNK]
            writer.write(chunk)
            for result in chunk:
                result.cleaned = None
            progress(len(creates) + start + len(chunk))
        writer.finish()

    def _integrity(self, exc):
        return ValidationError(
            _("Nothing was saved: a username or number was taken by someone else while the import ran. Upload the file again."),
            code="conflict",
        )

    def _bulk_create(self, creates):
        if not creates:
            return
        org = self.organisation
        now = timezone.now()
        users = []
        for result in creates:
            data = result.cleaned["data"]
            user = User(
                organisation=org,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data.get("email") or data["username"],
                department=data.get("department") or "",
                title=data.get("title") or "",
                language=data.get("language") or org.default_language,
                licence=data.get("licence"),
                date_joined=now,
            )
            # What set_unusable_password() stores ("!" and 40 random characters), from one
            # urandom call instead of 40 (a tenth of writing 10,000 users).
            user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)
            users.append(user)
        try:
            with transaction.atomic():
                bulk_insert_with_ids(User, users)
        except IntegrityError as exc:
            raise self._integrity(exc) from exc
        if any(u.pk is None for u in users):  # databases that cannot return ids from bulk inserts
            ids = dict(User.objects.filter(username__any=[u.username for u in users]).values_list("username", "pk"))
            for user in users:
                user.pk = user.id = ids[user.username]
        registrations = NumberRegistrations(org, self.unit, self.header_for)
        numbers, lines, memberships, values, summaries = registrations.rows, [], [], [], {}
        # (cell, field id, audit key) of the directory fields; a field's name is translated once.
        fields = [(f"field_{n}", field.pk, f"directory:{field}") for n, field in sorted(self.context.directory_fields.items()) if 1 <= n <= 6]
        # Registry rows refer to their organisation and user by id (no related-object caches
        # for 20,000 rows; the audit names the user from `users`).
        for user, result in zip(users, creates, strict=True):
            data = result.cleaned["data"]
            summary = {}
            for slot, key in ((UserLine.Slot.PRIMARY, "primary"), (UserLine.Slot.SECONDARY, "secondary")):
                number, line_type, aliases = result.cleaned["lines"][key]
                if number is None:
                    continue
                row = Number(
                    organisation_id=org.pk,
                    number=number.number,
                    kind=number.kind,
                    value=number.value,
                    purpose=Number.Purpose.USER_LINE,
                    user_id=user.pk,
                    line_slot=slot,
                )
                registrations.add(row, result.number, key)
                lines.append((user, slot, line_type, row))
                text = f"{number.number} ({line_type})"
                for alias in aliases:
                    registrations.add(
                        Number(
                            organisation_id=org.pk,
                            number=alias.number,
                            kind=alias.kind,
                            value=alias.value,
                            purpose=Number.Purpose.ALIAS,
                            user_id=user.pk,
                            line_slot=slot,
                        ),
                        result.number,
                        "aliases",
                    )
                if aliases:
                    text += " " + ", ".join(a.number for a in aliases)
                summary[f"{key}_line"] = [None, text]
            mobile = data.get("mobile")
            if mobile is not None:
                registrations.add(
                    Number(organisation_id=org.pk, number=mobile.number, kind=mobile.kind, value=mobile.value, purpose=Number.Purpose.MOBILE, user_id=user.pk),
                    result.number,
                    "mobile",
                )
                summary["mobile_number"] = [None, mobile.number]
            groups = result.cleaned["groups"]
            for group in groups:
                memberships.append((user.pk, group.pk))
            if groups:
                summary["user_groups"] = [None, sorted(g.name for g in groups)]
            for key, field_id, label in fields:
                value = data.get(key)
                if value:
                    values.append((user.pk, field_id, value))
                    summary[label] = [None, value]
            summaries[user.pk] = summary
        registrations.insert()
        # Plain rows, no model instance each (tens of thousands per import).
        insert_rows(
            UserLine,
            ("user_id", "slot", "line_type", "number_id"),
            ((user.pk, int(slot), str(line_type), row.pk) for user, slot, line_type, row in lines),
        )
        insert_rows(GroupMembership, ("user_id", "group_id"), memberships)
        insert_rows(DirectoryFieldValue, ("user_id", "field_id", "value"), values)
        self._bulk_audit(users, numbers, summaries)

    def _bulk_audit(self, users, numbers, summaries):
        """One entry per user and one per registry row, written without a model instance each."""
        user_ct = ContentType.objects.get_for_model(User).pk
        number_ct = ContentType.objects.get_for_model(Number).pk

        fields = _snapshot_fields(User)
        names = {user.pk: str(user) for user in users}

        def entries():
            for user in users:
                changes = {k: [None, v] for k, v in _concrete_snapshot(user, fields).items() if v not in (None, "")}
                changes.update(summaries.get(user.pk, {}))
                yield user_ct, user.pk, str(user), changes
            for number in numbers:
                # The registry row's own entry, as number_register writes it (the fields that say
                # something; the rest are ids and defaults).
                changes = {
                    "number": [None, number.number],
                    "kind": [None, number.kind],
                    "purpose": [None, number.purpose],
                    "user": [None, names[number.user_id]],
                }
                if number.line_slot:
                    changes["line_slot"] = [None, str(number.line_slot)]
                yield number_ct, number.pk, number.number, changes

        audit_write_many(actor=self.by, action=AuditEntry.Action.CREATE, organisation=self.organisation, entries=entries())


class DirectorySyncImporter(UsersImporter):
    """Users from an Active Directory LDIF export (USR-1); see the module docstring."""

    columns = LDIF_COLUMNS
    formats = ("ldif",)
    unit = "line"
    strict_groups = False  # groups that do not exist are listed, not errors
    strict_ranges = False  # a telephoneNumber the organisation does not own: imported without it
    replace_groups = False  # memberships are added, never removed

    ATTRIBUTES = {
        "first_name": ("givenname",),
        "last_name": ("sn",),
        "department": ("department",),
        "title": ("title",),
        "email": ("mail",),
        "primary": ("telephonenumber",),
        "mobile": ("mobile",),
    }

    def rows(self, fileobj, fmt):
        for entry in read_ldif(fileobj):
            yield self._row(entry)

    @staticmethod
    def _text(entry, name):
        value = entry.first(name, "")
        if isinstance(value, bytes):
            return None
        return str(value).strip()

    def _row(self, entry):
        errors = []
        classes = {c.lower() for c in entry.all("objectclass") if isinstance(c, str)}
        extra = {"dn": entry.dn}
        is_account = bool(classes & {"user", "inetorgperson", "posixaccount"}) and "computer" not in classes
        if classes and not is_account:
            if "group" in classes or "groupofnames" in classes:
                extra["skip"] = _("A group, not a person account.")
            elif "computer" in classes:
                extra["skip"] = _("A computer account, not a person account.")
            elif "contact" in classes:
                extra["skip"] = _("A contact, not a user account.")
            else:
                extra["skip"] = _("Not a person account.")
        elif not classes and not (entry.all("userprincipalname") or entry.all("mail")):
            extra["skip"] = _("Not a person account.")
        uac = self._text(entry, "useraccountcontrol")
        if uac and uac.isascii() and uac.isdigit() and int(uac) & 0x2:
            extra["disabled"] = True
        data, present = {}, set()
        username = self._text(entry, "userprincipalname") or self._text(entry, "mail")
        data["username"] = username or ""
        present.add("username")
        if username is None:
            errors.append(RowError(entry.line, "userPrincipalName", _("The value is not UTF-8 text.")))
        if not username and "skip" not in extra:
            extra["skip"] = _("No userPrincipalName or mail: cannot be matched to a username.")
        for key, names in self.ATTRIBUTES.items():
            for name in names:
                if entry.all(name):
                    value = self._text(entry, name)
                    if value is None:
                        errors.append(RowError(entry.line, self.header_for(key), _("The value is not UTF-8 text.")))
                        value = ""
                    data[key] = value
                    present.add(key)
                    break
        member_of = [v for v in entry.all("memberof") if isinstance(v, str)]
        if member_of:
            data["groups"] = "; ".join(dn_first_cn(dn) for dn in member_of if dn_first_cn(dn))
            present.add("groups")
        return Row(number=entry.line, data=data, present=frozenset(present), errors=errors if "skip" not in extra else [], extra=extra)


# --- export -------------------------------------------------------------------------------------


def users_export_rows(users):
    """Dicts keyed by USER_COLUMNS keys for a queryset of users (a few queries per 2,000 users)."""
    ids = list(users.values_list("pk", flat=True))
    for chunk in _chunks(ids):
        batch = list(User.objects.filter(pk__any=chunk).select_related("licence").order_by())
        order = {pk: index for index, pk in enumerate(chunk)}
        batch.sort(key=lambda u: order[u.pk])
        lines, aliases, groups, values = {}, {}, {}, {}
        for line in UserLine.objects.filter(user_id__any=chunk).select_related("number"):
            lines.setdefault(line.user_id, {})[line.slot] = line
        for user_id, slot, number in Number.objects.filter(user_id__any=chunk, purpose=Number.Purpose.ALIAS).order_by("value").values_list(
            "user_id", "line_slot", "number"
        ):
            aliases.setdefault((user_id, slot), []).append(number)
        for user_id, name in GroupMembership.objects.filter(user_id__any=chunk).order_by("group__priority").values_list("user_id", "group__name"):
            groups.setdefault(user_id, []).append(name)
        for user_id, number, value in DirectoryFieldValue.objects.filter(user_id__any=chunk, field__number__lte=6).values_list(
            "user_id", "field__number", "value"
        ):
            values[(user_id, number)] = value
        for user in batch:
            user_lines = lines.get(user.pk, {})
            row = {
                "username": user.username,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "department": user.department,
                "language": user.language,
                "licence": user.licence.name if user.licence else "",
                "aliases": ";".join(aliases.get((user.pk, UserLine.Slot.PRIMARY), [])),
                "groups": ";".join(groups.get(user.pk, [])),
            }
            for slot, key in ((UserLine.Slot.PRIMARY, "primary"), (UserLine.Slot.SECONDARY, "secondary")):
                line = user_lines.get(slot)
                row[key] = line.number.number if line else ""
                row[f"{key}_type"] = LINE_TYPE_EXPORT.get(line.line_type, "") if line else ""
            for number in range(1, 7):
                row[f"field_{number}"] = values.get((user.pk, number), "")
            yield row


def users_export_file(users, fmt):
    """A temporary file with the export of `users` (a queryset) as CSV or XLSX."""
    handle = tempfile.TemporaryFile()
    rows = users_export_rows(users)
    if fmt == "xlsx":
        write_xlsx(handle, USER_COLUMNS, rows, title=str(_("Users"))[:31])
    else:
        write_csv(handle, USER_COLUMNS, rows)
    handle.seek(0)
    return handle


class UsersExportHandler:
    """The RUN stage of an export job: writes the file of the saved search (idempotent)."""

    def run(self, job, progress):
        from customers.queries_users import parse_show, users_list

        params = job.params or {}
        fmt = "xlsx" if params.get("format") == "xlsx" else "csv"
        _show, group, department = parse_show(job.organisation, params.get("show", ""), params.get("group", ""))
        users = users_list(job.organisation, q=params.get("q", ""), group=group, department=department, sort=params.get("sort") or "username")
        total = users.count()
        progress(0, total)
        handle = users_export_file(users, fmt)
        try:
            if job.result_file:
                job.result_file.delete(save=False)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            prefix = gettext("users")
            file_name = f"{prefix}-{stamp}.{fmt}"
            job.result_file.save(file_name, File(handle), save=False)
        finally:
            handle.close()
        return {
            "result_file": job.result_file.name,
            "file_name": file_name,
            "counts": {"total": total},
            "progress_done": total,
            "progress_total": total,
            "message": message(_("%(count)d users exported."), count=total),
        }


def user_import_columns():
    """The headers of the users file, in order (for the import page's help)."""
    return [c.header for c in USER_COLUMNS]


__all__ = [
    "DirectorySyncImporter",
    "FileError",
    "LDIF_COLUMNS",
    "USER_COLUMNS",
    "UsersExportHandler",
    "UsersImporter",
    "split_list",
    "user_import_columns",
    "users_export_file",
    "users_export_rows",
]
