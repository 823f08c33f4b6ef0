"""Set-based changes of many existing users at once, for the users import and the directory sync
(customers.operations.imports): a few statements per 1,000 users instead of a few dozen per user.

It does what the one-user operations of customers.operations.users and .directory do, with the
same rules and the same audit content: user fields (user_update), personal lines with aliases
(user_set_lines), the mobile phone (user_set_mobile), groups (user_set_groups) and directory values
(user_set_directory_values). The differences are in how, not what:
- the users are locked first (SELECT ... FOR UPDATE) and their current lines, numbers, groups and
  values read again under the lock, so the writes start from what is committed;
- each user gets ONE audit entry with all of its changes (the keys the one-user operations write:
  field names, primary_line / secondary_line, mobile_number, user_groups, directory:<field>), and
  every registry row registered or released gets its own entry as number_register /
  number_release write it; all entries are saved with one bulk insert per batch;
- numbers come into use through one bulk insert into the registry, whose unique constraint stays
  the final guard: a number that someone else took meanwhile fails the whole import with the row
  that wanted it ("Row 7, Primary line: The number … is already in use.");
- the devices app hears about the users once per transaction (customers.signals.users_changed),
  not once per saved line.
Rows are the import's RowResults: `cleaned` holds user, data, lines, changed and groups (see
UsersImporter.validate); `header_for(key)` names a column in error messages.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_entry, diff, snapshot
from connect.lib.bulk import bulk_delete, bulk_insert, bulk_insert_with_ids, bulk_set
from connect.lib.i18n import message
from connect.lib.imports.errors import RowError, row_failure
from customers.models import (
    AuditEntry,
    DirectoryFieldValue,
    GroupMembership,
    Number,
    User,
    UserLine,
)
from customers.signals import users_changed

# The user's own fields an import may change (the rest goes through the steps below).
USER_FIELDS = frozenset(
    ("first_name", "last_name", "email", "department", "title", "language", "licence")
)
NAME_FIELDS = frozenset(("first_name", "last_name"))
LINE_PURPOSES = (Number.Purpose.USER_LINE, Number.Purpose.ALIAS)
SLOTS = ((UserLine.Slot.PRIMARY, "primary"), (UserLine.Slot.SECONDARY, "secondary"))


def _in_use(number):
    return message(_("The number %(number)s is already in use."), number=number)


class NumberRegistrations:
    """Registry rows to insert at once, each remembering the row and column that wanted it."""

    def __init__(self, organisation, unit, header_for):
        self.organisation = organisation
        self.unit = unit
        self.header_for = header_for
        self.rows = []
        self.wanted_by = {}  # number -> (row number, column key)

    def add(self, number, row_number, key):
        self.rows.append(number)
        self.wanted_by[number.number] = (row_number, key)

    def insert(self):
        """Insert them all, or fail the import with the first row whose number was taken meanwhile
        (by a concurrent request: the unique constraint decides)."""
        if not self.rows:
            return
        try:
            with transaction.atomic():
                bulk_insert_with_ids(Number, self.rows)
        except IntegrityError as exc:
            raise self.failure() from exc
        if any(
            n.pk is None for n in self.rows
        ):  # databases that cannot return ids from bulk inserts
            ids = dict(
                Number.objects.filter(
                    organisation=self.organisation, number__any=list(self.wanted_by)
                ).values_list("number", "pk")
            )
            for row in self.rows:
                row.pk = row.id = ids[row.number]

    def failure(self):
        taken = Number.objects.filter(
            organisation=self.organisation, number__any=list(self.wanted_by)
        ).values_list("number", flat=True)
        clashes = sorted((self.wanted_by[number], number) for number in taken)
        if not clashes:
            return ValidationError(
                _(
                    "Nothing was saved: a username or number was taken by someone else while the import ran. Upload the file again."
                ),
                code="conflict",
            )
        (row_number, key), number = clashes[0]
        return row_failure(
            RowError(row_number, self.header_for(key) or key, _in_use(number)), self.unit
        )


class UsersBulkUpdate:
    """Writes the changes of validated import rows of existing users; call `write(rows)` per batch
    and `finish()` once at the end (inside the import's transaction)."""

    def __init__(
        self, *, organisation, by, unit, header_for, directory_fields, group_names, replace_groups
    ):
        self.organisation = organisation
        self.by = by
        self.unit = unit
        self.header_for = header_for
        self.directory_fields = directory_fields  # number -> DirectoryField
        self.group_names = group_names  # group id -> name
        self.replace_groups = replace_groups  # False: the file's groups are added to the user's
        self.announce = set()  # users whose phones may show something new
        self.user_ct = ContentType.objects.get_for_model(User)
        self.number_ct = ContentType.objects.get_for_model(Number)

    def write(self, rows):
        rows = [r for r in rows if r.cleaned["changed"]]
        if not rows:
            return
        ids = [r.cleaned["user"].pk for r in rows]
        list(
            User.objects.select_for_update()
            .filter(pk__any=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.changes = {pk: {} for pk in ids}
        self.entries = []
        self.registrations = NumberRegistrations(self.organisation, self.unit, self.header_for)

        def having(*keys):
            return [r for r in rows if r.cleaned["changed"] & set(keys)]

        self._fields(having(*USER_FIELDS))
        released = self._lines(having("lines"))
        released += self._mobiles(having("mobile"))
        # Released numbers first: a number may move between a user's line and alias or mobile.
        for row in released:
            self.entries.append(
                self._number_entry(AuditEntry.Action.DELETE, row, diff(snapshot(row), {}))
            )
        bulk_delete(Number.objects.filter(pk__any=[row.pk for row in released]))
        self.registrations.insert()
        for row in self.registrations.rows:
            self.entries.append(
                self._number_entry(AuditEntry.Action.CREATE, row, diff({}, snapshot(row)))
            )
        # Built now: the registry rows registered above have their ids only now.
        bulk_insert(
            UserLine,
            [
                UserLine(user=user, slot=slot, line_type=line_type, number=number)
                for user, slot, line_type, number in self.new_lines
            ],
        )
        self._groups(having("groups"))
        self._directory(having(*(f"field_{n}" for n in self.directory_fields)))
        for row in rows:
            user = row.cleaned["user"]
            if self.changes[user.pk]:
                self.entries.append(
                    audit_entry(
                        actor=self.by,
                        action=AuditEntry.Action.UPDATE,
                        obj=user,
                        organisation=self.organisation,
                        changes=self.changes[user.pk],
                        content_type=self.user_ct,
                    )
                )
        bulk_insert(AuditEntry, self.entries)  # COPY on PostgreSQL
        self.entries = []

    def finish(self):
        """Tell the devices app once (it collects phones for one notice per transaction)."""
        if self.announce:
            users_changed.send(sender=User, user_ids=sorted(self.announce))

    def _number_entry(self, action, row, changes):
        return audit_entry(
            actor=self.by,
            action=action,
            obj=row,
            organisation=self.organisation,
            changes=changes,
            content_type=self.number_ct,
        )

    # --- the user's own fields (user_update) -----------------------------------------------------

    def _fields(self, rows):
        values = {}  # field name -> {pk: value}
        for row in rows:
            user, data = row.cleaned["user"], row.cleaned["data"]
            for name in sorted(row.cleaned["changed"] & USER_FIELDS):
                field = User._meta.get_field(name)
                old = getattr(user, field.attname)
                setattr(user, name, data[name])
                new = getattr(user, field.attname)
                self.changes[user.pk][name] = [
                    None if old is None else str(old),
                    None if new is None else str(new),
                ]
                values.setdefault(name, {})[user.pk] = new
            if row.cleaned["changed"] & NAME_FIELDS:
                self.announce.add(user.pk)
        for name, by_pk in values.items():
            bulk_set(User, name, by_pk)

    # --- personal lines with aliases (user_set_lines) ------------------------------------------

    @staticmethod
    def _summary(lines, aliases):
        """customers.operations.users._line_summary from memory: lines {slot: (number, type)},
        aliases {slot: [(value, number)]}."""
        summary = {}
        for slot, key in SLOTS:
            line = lines.get(slot)
            if line is None:
                summary[f"{key}_line"] = None
                continue
            text = f"{line[0]} ({line[1]})"
            if aliases.get(slot):
                text += " " + ", ".join(number for _value, number in sorted(aliases[slot]))
            summary[f"{key}_line"] = text
        return summary

    def _lines(self, rows):
        self.new_lines = []
        if not rows:
            return []
        ids = [r.cleaned["user"].pk for r in rows]
        existing = {}  # user id -> {number: Number}
        for number in (
            Number.objects.select_for_update()
            .filter(user_id__any=ids, purpose__in=LINE_PURPOSES)
            .order_by("pk")
        ):
            existing.setdefault(number.user_id, {})[number.number] = number
        current = {}  # user id -> {slot: (number, type)}
        for user_id, slot, line_type, number in (
            UserLine.objects.filter(user_id__any=ids)
            .order_by()
            .values_list("user_id", "slot", "line_type", "number__number")
        ):
            current.setdefault(user_id, {})[slot] = (number, line_type)
        # Lines are rebuilt from scratch (a swap of primary and secondary would otherwise meet the
        # one-to-one constraint half-way); the registry rows of kept numbers stay.
        bulk_delete(UserLine.objects.filter(user_id__any=ids))
        released, moved = [], []
        for row in rows:
            user, lines = row.cleaned["user"], row.cleaned["lines"]
            mine = existing.get(user.pk, {})
            before_aliases = {}
            for number in mine.values():
                if number.purpose == Number.Purpose.ALIAS:
                    before_aliases.setdefault(number.line_slot, []).append(
                        (number.value, number.number)
                    )
            wanted, after_lines, after_aliases = [], {}, {}
            for slot, key in SLOTS:
                line, line_type, aliases = lines[key]
                if line is None:
                    continue
                wanted.append((key, line, Number.Purpose.USER_LINE, slot, line_type))
                wanted += [
                    ("aliases", alias, Number.Purpose.ALIAS, slot, None) for alias in aliases
                ]
                after_lines[slot] = (line.number, line_type)
                after_aliases[slot] = [(alias.value, alias.number) for alias in aliases]
            numbers = {w[1].number for w in wanted}
            released += [number for key, number in mine.items() if key not in numbers]
            for key, normalised, purpose, slot, line_type in wanted:
                number = mine.get(normalised.number)
                if number is None:
                    number = Number(
                        organisation=self.organisation,
                        number=normalised.number,
                        kind=normalised.kind,
                        value=normalised.value,
                        purpose=purpose,
                        user=user,
                        line_slot=slot,
                    )
                    self.registrations.add(number, row.number, key)
                elif number.purpose != purpose or number.line_slot != slot:
                    number.purpose, number.line_slot = purpose, slot
                    moved.append(number)
                if purpose == Number.Purpose.USER_LINE:
                    self.new_lines.append((user, slot, line_type, number))
            changes = diff(
                self._summary(current.get(user.pk, {}), before_aliases),
                self._summary(after_lines, after_aliases),
            )
            self.changes[user.pk].update(changes)
            self.announce.add(user.pk)
        if moved:
            Number.objects.bulk_update(moved, ["purpose", "line_slot"])
        return released

    # --- the mobile phone (user_set_mobile) ----------------------------------------------------

    def _mobiles(self, rows):
        if not rows:
            return []
        ids = [r.cleaned["user"].pk for r in rows]
        current = {}
        for number in Number.objects.select_for_update().filter(
            user_id__any=ids, purpose=Number.Purpose.MOBILE
        ):
            current.setdefault(number.user_id, []).append(number)
        released = []
        for row in rows:
            user, wanted = row.cleaned["user"], row.cleaned["data"]["mobile"]
            mine = current.get(user.pk, [])
            keep = next((number for number in mine if number.number == wanted.number), None)
            released += [number for number in mine if number is not keep]
            if keep is None:
                number = Number(
                    organisation=self.organisation,
                    number=wanted.number,
                    kind=wanted.kind,
                    value=wanted.value,
                    purpose=Number.Purpose.MOBILE,
                    user=user,
                )
                self.registrations.add(number, row.number, "mobile")
            old = mine[0].number if mine else None
            if old != wanted.number:
                self.changes[user.pk]["mobile_number"] = [old, wanted.number]
        return released

    # --- groups (user_set_groups; the directory sync only adds) --------------------------------

    def _groups(self, rows):
        if not rows:
            return
        ids = [r.cleaned["user"].pk for r in rows]
        current = {}  # user id -> {group id: membership id}
        for pk, user_id, group_id in (
            GroupMembership.objects.filter(user_id__any=ids)
            .order_by()
            .values_list("pk", "user_id", "group_id")
        ):
            current.setdefault(user_id, {})[group_id] = pk
        removed, added = [], []
        for row in rows:
            user = row.cleaned["user"]
            mine = current.get(user.pk, {})
            wanted = {g.pk for g in row.cleaned["groups"]}
            if not self.replace_groups:
                wanted |= set(mine)
            if wanted == set(mine):
                continue
            removed += [pk for group_id, pk in mine.items() if group_id not in wanted]
            added += [GroupMembership(user=user, group_id=pk) for pk in sorted(wanted - set(mine))]
            self.changes[user.pk]["user_groups"] = [
                sorted(self.group_names.get(pk, "?") for pk in mine),
                sorted(self.group_names.get(pk, "?") for pk in wanted),
            ]
        bulk_delete(GroupMembership.objects.filter(pk__any=removed))
        bulk_insert(GroupMembership, added)

    # --- directory values (user_set_directory_values) ------------------------------------------

    def _directory(self, rows):
        if not rows:
            return
        ids = [r.cleaned["user"].pk for r in rows]
        fields = list(self.directory_fields.values())
        current = {}  # (user id, field id) -> (value id, value)
        for pk, user_id, field_id, value in (
            DirectoryFieldValue.objects.filter(user_id__any=ids, field__in=fields)
            .order_by()
            .values_list("pk", "user_id", "field_id", "value")
        ):
            current[user_id, field_id] = (pk, value)
        updated, added = {}, []
        # A field's name is translated once, not per user.
        labels = {field.pk: f"directory:{field}" for field in fields}
        for row in rows:
            user, data = row.cleaned["user"], row.cleaned["data"]
            for number, field in sorted(self.directory_fields.items()):
                if f"field_{number}" not in row.cleaned["changed"]:
                    continue
                value = str(data[f"field_{number}"]).strip()
                pk, old = current.get((user.pk, field.pk), (None, ""))
                if old == value:
                    continue
                if pk is None:
                    added.append(DirectoryFieldValue(user=user, field=field, value=value))
                else:
                    updated[pk] = value
                self.changes[user.pk][labels[field.pk]] = [old, value]
        bulk_set(DirectoryFieldValue, "value", updated)
        bulk_insert(DirectoryFieldValue, added)
