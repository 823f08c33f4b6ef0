"""What a users import's preview keeps for its commit, and the check that it still holds.

The commit of an import validates the file again: the database may have changed since the
preview. For a file of 10,000 users that second validation was half of the commit's CPU, and it
finds nothing new as long as the file and everything validation read are unchanged. So the
preview keeps (UsersImporter.checked, stored in the cache by the job runner):
- a digest of the file (`file_digest`);
- a digest of everything validation read from the database (`state_digest`): the
  organisation's languages, licences, groups, directory fields and number ranges, the file's
  usernames in any organisation with the fields validation compares, their lines, aliases,
  mobiles, groups and directory values, the registry rows of the file's numbers;
- the usernames and numbers that decided what was loaded;
- each row's result with what `write` needs of it, as one JSON text (`pack_row`).
The commit loads the same things again under its transaction and lock, and reuses the rows
(`unpack_row`, with the objects it has just loaded) only when both digests are equal: equal
input, equal validation. Otherwise it validates the file again, as it always did.
"""

import hashlib
import json

from connect.lib.imports import Action, RowError, RowResult
from connect.lib.numbers import NormalisedNumber
from customers.forms.imports import UserImportForm
from customers.models import UserLine

# The version of what is kept: a record of another version is not reused (a deploy in between).
CHECKED_VERSION = 1
# The user fields validation compares (a change of any of them since the preview: validate again).
CHECKED_USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "department",
    "title",
    "language",
    "licence_id",
)
DATA_KEYS = tuple(UserImportForm.base_fields)  # what a row's cleaned_data holds, in this order
NUMBER_KEYS = ("primary", "secondary", "mobile")
LINE_KEYS = ("primary", "secondary")


def file_digest(fileobj):
    """SHA-256 of the whole file; the file is left at its start."""
    fileobj.seek(0)
    digest = hashlib.sha256()
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(block.encode() if isinstance(block, str) else block)
    fileobj.seek(0)
    return digest.hexdigest()


def state_digest(ctx, organisation, kind):
    """A digest of what validation read from the database: the ImportContext `ctx` and the
    organisation, for the importer `kind`. Equal digests, equal validation of the same file."""
    org = organisation
    sections = (
        lambda: [CHECKED_VERSION, kind, org.pk, org.default_language, sorted(ctx.languages)],
        lambda: sorted((key, lic.pk, lic.name) for key, lic in ctx.licences.items()),
        lambda: sorted((key, group.pk, group.name) for key, group in ctx.groups.items()),
        lambda: sorted(
            (number, field.pk, field.name) for number, field in ctx.directory_fields.items()
        ),
        lambda: sorted((r.kind, r.first, r.last, r.first_value, r.last_value) for r in ctx.ranges),
        lambda: sorted(ctx.numbers.items()),
        lambda: sorted(
            (name, user.pk, user.organisation_id, user.licence.name if user.licence else None)
            + tuple(getattr(user, field) for field in CHECKED_USER_FIELDS)
            for name, user in ctx.existing.items()
        ),
        lambda: sorted(
            (user_id, slot, *line)
            for user_id, lines in ctx.lines.items()
            for slot, line in lines.items()
        ),
        lambda: sorted(
            (user_id, slot, tuple(numbers))
            for user_id, slots in ctx.aliases.items()
            for slot, numbers in slots.items()
        ),
        lambda: sorted(ctx.mobiles.items()),
        lambda: sorted(
            (user_id, tuple(sorted(groups))) for user_id, groups in ctx.memberships.items()
        ),
        lambda: sorted(
            (user_id, field_id, value)
            for user_id, values in ctx.values.items()
            for field_id, value in values.items()
        ),
    )
    # Section by section, item by item: never a text of the whole state at once (tens of MB).
    digest = hashlib.sha256()
    for section in sections:
        for item in section():
            digest.update(repr(item).encode())
            digest.update(b"\n")
        digest.update(b"\f")
    return digest.hexdigest()


def pack_row(result):
    """One RowResult of a preview as JSON text: number, label, action, warnings and, for a row
    that creates or updates, its `cleaned` (see UsersImporter.validate). None when the row holds
    something unforeseen (then nothing is kept and the commit validates again)."""
    payload = None
    if result.action in (Action.CREATE, Action.UPDATE):
        payload = _pack_cleaned(result.cleaned)
        if payload is None:
            return None
    warnings = [w.as_dict() for w in result.warnings]
    return json.dumps(
        [result.number, result.label, result.action, warnings, payload], separators=(",", ":")
    )


def unpack_row(text, found):
    """The RowResult of `pack_row`'s text, its `cleaned` with the objects loaded under the
    commit's transaction (`found`: {"licence"|"groups"|"users": {pk: object}})."""
    number, label, action, warnings, payload = json.loads(text)
    result = RowResult(
        number=number, label=label, action=action, warnings=[RowError(**w) for w in warnings]
    )
    if payload is not None:
        result.cleaned = _unpack_cleaned(payload, found)
    return result


def _pack_number(number):
    return None if number is None else (number.number, str(number.kind), number.value)


def _unpack_number(packed):
    return None if packed is None else NormalisedNumber(*packed)


def _pack_cleaned(cleaned):
    """`cleaned` as plain data: objects by primary key, numbers as (number, kind, value), the
    form's values in the order of DATA_KEYS (keys are not repeated in every row)."""
    data = cleaned["data"]
    if len(data) != len(DATA_KEYS) or not all(key in data for key in DATA_KEYS):
        return None
    values = []
    for key in DATA_KEYS:
        value = data[key]
        if key in NUMBER_KEYS:
            value = _pack_number(value)
        elif key == "aliases":
            value = None if value is None else [_pack_number(a) for a in value]
        elif key == "licence":
            value = None if value is None else value.pk
        elif key == "groups":
            value = None if value is None else [g.pk for g in value]
        elif isinstance(value, str):
            value = str(value)
        else:
            return None
        values.append(value)
    user, groups = cleaned["user"], cleaned["groups"]
    lines = [cleaned["lines"][key] for key in LINE_KEYS]
    return (
        values,
        [(_pack_number(n), str(t), [_pack_number(a) for a in aliases]) for n, t, aliases in lines],
        None if user is None else user.pk,
        sorted(cleaned["changed"]) if "changed" in cleaned else None,
        None if groups is None else [g.pk for g in groups],
    )


def _unpack_cleaned(packed, found):
    values, lines, user, changed, groups = packed
    data = {}
    for key, value in zip(DATA_KEYS, values, strict=True):
        if value is None:
            data[key] = None
        elif key in NUMBER_KEYS:
            data[key] = _unpack_number(value)
        elif key == "aliases":
            data[key] = [_unpack_number(a) for a in value]
        elif key == "licence":
            data[key] = found["licence"][value]
        elif key == "groups":
            data[key] = [found["groups"][pk] for pk in value]
        else:
            data[key] = value
    cleaned = {
        "data": data,
        "lines": {
            key: (_unpack_number(n), UserLine.LineType(t), [_unpack_number(a) for a in aliases])
            for key, (n, t, aliases) in zip(LINE_KEYS, lines, strict=True)
        },
        "user": None if user is None else found["users"][user],
        "groups": None if groups is None else [found["groups"][pk] for pk in groups],
    }
    if changed is not None:
        cleaned["changed"] = set(changed)
    return cleaned
