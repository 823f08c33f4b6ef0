"""Number ranges (ORG-9) and the single number registry (ARCHITECTURE.md invariant 3).

`number_register` is the only way a number comes into use: it normalises the input, checks that
the number may be used for the purpose (connect.lib.numbers.check_use: no emergency or service
numbers, users stay out of 1500–1799, ...) and lies inside one of the organisation's ranges, and
inserts the registry row. The
database unique constraint (organisation, number) is what makes "never given twice" true even
for concurrent requests; the friendly pre-check only gives the common case a nicer message.

Range changes and registrations are serialised against each other on PostgreSQL: range
operations lock the organisation row FOR UPDATE, registrations take FOR KEY SHARE on it (the
same lock a plain foreign-key insert takes), so registrations never wait for each other but a
range can't be shrunk or deleted between a registration's range check and its insert.

Errors are ValidationErrors with translated messages. `number_register` raises plain
(non-field) errors, so a caller can attach them to whichever form field held the number;
range operations raise errors keyed by the NumberRange field names (first, last, ...).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from connect.lib import numbers as numberlib
from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry, Number, NumberKind, NumberRange, Organisation

# Larger ranges would make "Vis tilgængelige numre" and the overlap checks meaningless; no
# organisation has a million numbers.
MAX_RANGE_SIZE = 1_000_000

RANGE_FIELDS = ("first", "last", "description", "callable_from_ivr")


# --- helpers -------------------------------------------------------------------------------


def _key_share_organisation(organisation):
    """Block range changes of this organisation until the current transaction ends (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Organisation._meta.db_table} WHERE id = %s FOR KEY SHARE", [organisation.pk])


def _lock_organisation(organisation):
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def range_containing(organisation, normalised):
    """The organisation's NumberRange that holds `normalised` (a NormalisedNumber), or None."""
    candidates = NumberRange.objects.filter(
        organisation=organisation,
        kind=normalised.kind,
        first_value__lte=normalised.value,
        last_value__gte=normalised.value,
    )
    for number_range in candidates:
        if normalised.kind == NumberKind.E164 or len(number_range.first) == len(normalised.number):
            return number_range
    return None


def numbers_in_range(number_range, queryset=None):
    """Registry rows (of the range's organisation) that lie inside `number_range`."""
    qs = Number.objects.filter(organisation_id=number_range.organisation_id) if queryset is None else queryset
    qs = qs.filter(kind=number_range.kind, value__gte=number_range.first_value, value__lte=number_range.last_value)
    if number_range.kind == NumberKind.LOCAL:
        qs = qs.annotate(_len=Length("number")).filter(_len=len(number_range.first))
    return qs


def _in_use_error(number):
    return ValidationError(_("The number %(number)s is already in use."), code="in_use", params={"number": number})


# --- the registry ----------------------------------------------------------------------------


def number_check_available(*, organisation, raw, allow_local=True, exclude=None, require_range=True, purpose=None):
    """Validate a number for use without registering it; returns the NormalisedNumber.

    For form clean() methods. `exclude` is a Number row of the organisation that may keep the
    number (the one being edited). `require_range=False` for numbers that need not lie in the
    ranges but must still be unique (user aliases and mobile phones, USR-11/USR-12). `purpose`
    (Number.Purpose) also checks that the number may be used for it.
    """
    normalised = numberlib.normalise(raw, allow_local=allow_local, use=purpose)
    if require_range and range_containing(organisation, normalised) is None:
        raise ValidationError(
            _("The number %(number)s is outside the organisation's number ranges."),
            code="outside_ranges",
            params={"number": normalised.number},
        )
    taken = Number.objects.filter(organisation=organisation, number=normalised.number)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise _in_use_error(normalised.number)
    return normalised


def number_register(
    *, organisation, raw, purpose, user=None, line_slot=None, owner=None, by=None, allow_local=True, require_range=True
):
    """Put a number into use for `purpose` (Number.Purpose) and return the new Number row.

    `raw` is what the admin typed ("88 88 77 65", "004588887765", "765"). The number must be
    allowed for `purpose`, lie in one of the organisation's ranges and be free. Raises
    ValidationError (translated, not keyed by field).
    """
    if purpose not in Number.Purpose.values:
        raise ValueError(f"unknown number purpose {purpose!r}")
    with transaction.atomic():
        _key_share_organisation(organisation)
        normalised = number_check_available(
            organisation=organisation, raw=raw, allow_local=allow_local, require_range=require_range, purpose=purpose
        )
        number = Number(
            organisation=organisation,
            number=normalised.number,
            kind=normalised.kind,
            value=normalised.value,
            purpose=purpose,
            user=user,
            line_slot=line_slot,
        )
        if owner is not None:
            number.owner_type = ContentType.objects.get_for_model(owner, for_concrete_model=True)
            number.owner_id = owner.pk
        try:
            with transaction.atomic():
                number.save()
        except IntegrityError as exc:
            # A concurrent request registered the same number between our check and our insert.
            raise _in_use_error(normalised.number) from exc
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=number, organisation=organisation, changes=diff({}, snapshot(number)))
    return number


def number_release(*, number, by):
    """Take a number out of use (its personal-line row goes with it)."""
    from customers.models import UserLine

    with transaction.atomic():
        number = Number.objects.select_for_update().get(pk=number.pk)
        before = snapshot(number)
        organisation = number.organisation
        UserLine.objects.filter(number=number).delete()
        audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=number, organisation=organisation, changes=diff(before, {}))
        number.delete()


# --- number ranges (ORG-9) ------------------------------------------------------------------


def _normalise_bound(raw, field):
    try:
        return numberlib.normalise(raw, allow_local=True)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _clean_range(organisation, first, last, exclude_pk=None):
    """Normalise and check From/To; returns (first, last) NormalisedNumbers."""
    errors = {}
    a = b = None
    try:
        a = _normalise_bound(first, "first")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        b = _normalise_bound(last, "last")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if a.kind != b.kind:
        raise ValidationError({"last": _("From and To must be of the same kind: both full phone numbers or both local numbers.")})
    if len(a.number) != len(b.number):
        raise ValidationError({"last": _("From and To must have the same number of digits.")})
    if b.value < a.value:
        raise ValidationError({"last": _("To must not be lower than From.")})
    if b.value - a.value + 1 > MAX_RANGE_SIZE:
        raise ValidationError(
            {"last": ValidationError(_("A range may contain at most %(max)s numbers."), params={"max": f"{MAX_RANGE_SIZE:,}".replace(",", ".")})}
        )
    others = NumberRange.objects.filter(organisation=organisation, kind=a.kind, first_value__lte=b.value, last_value__gte=a.value)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        if a.kind == NumberKind.E164 or len(other.first) == len(a.number):
            raise ValidationError(
                {"first": ValidationError(_("The range overlaps the existing range %(range)s."), code="overlap", params={"range": str(other)})}
            )
    return a, b


def _clean_description(description):
    description = (description or "").strip()
    field = NumberRange._meta.get_field("description")
    if len(description) > field.max_length:
        raise ValidationError(
            {"description": ValidationError(_("The text may be at most %(max)d characters."), params={"max": field.max_length})}
        )
    try:
        field.run_validators(description)
    except ValidationError as exc:
        raise ValidationError({"description": exc.messages}) from exc
    return description


def numberrange_create(*, organisation, first, last, description="", callable_from_ivr=False, by):
    """Add a number range. From/To: same kind and length, no overlap with the organisation's ranges."""
    with transaction.atomic():
        organisation = _lock_organisation(organisation)
        a, b = _clean_range(organisation, first, last)
        number_range = NumberRange.objects.create(
            organisation=organisation,
            kind=a.kind,
            first=a.number,
            last=b.number,
            first_value=a.value,
            last_value=b.value,
            description=_clean_description(description),
            callable_from_ivr=bool(callable_from_ivr),
        )
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=number_range, changes=diff({}, snapshot(number_range)))
    return number_range


def numberrange_update(*, number_range, by, **fields):
    """Change a range. It may not shrink below numbers in use nor change kind while numbers are in use."""
    unknown = set(fields) - set(RANGE_FIELDS)
    if unknown:
        raise TypeError(f"numberrange_update() got unexpected fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        organisation = _lock_organisation(number_range.organisation)
        number_range = NumberRange.objects.select_for_update().get(pk=number_range.pk)
        before = snapshot(number_range)
        old = NumberRange(
            organisation=organisation,
            kind=number_range.kind,
            first=number_range.first,
            last=number_range.last,
            first_value=number_range.first_value,
            last_value=number_range.last_value,
        )
        a, b = _clean_range(
            organisation, fields.get("first", number_range.first), fields.get("last", number_range.last), exclude_pk=number_range.pk
        )
        number_range.kind, number_range.first, number_range.last = a.kind, a.number, b.number
        number_range.first_value, number_range.last_value = a.value, b.value
        if "description" in fields:
            number_range.description = _clean_description(fields["description"])
        if "callable_from_ivr" in fields:
            number_range.callable_from_ivr = bool(fields["callable_from_ivr"])
        in_old = numbers_in_range(old)
        outside = in_old.exclude(pk__in=numbers_in_range(number_range).values("pk"))
        count = outside.count()
        if count:
            example = outside.order_by("value").first()
            message = ngettext_lazy(
                "The range cannot shrink: %(count)d number in use would fall outside it: %(number)s.",
                "The range cannot shrink: %(count)d numbers in use would fall outside it, e.g. %(number)s.",
                "count",
            )
            raise ValidationError({"first": ValidationError(message, code="in_use", params={"count": count, "number": example.number})})
        number_range.save()
        changes = diff(before, snapshot(number_range))
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=number_range, changes=changes)
    return number_range


def numberrange_delete(*, number_range, by):
    """Delete a range that has no numbers in use."""
    with transaction.atomic():
        organisation = _lock_organisation(number_range.organisation)
        number_range = NumberRange.objects.select_for_update().get(pk=number_range.pk)
        in_use = numbers_in_range(number_range)
        count = in_use.count()
        if count:
            example = in_use.order_by("value").first()
            message = ngettext_lazy(
                "The range cannot be deleted while %(count)d of its numbers is in use: %(number)s.",
                "The range cannot be deleted while %(count)d of its numbers are in use, e.g. %(number)s.",
                "count",
            )
            raise ValidationError(message, code="in_use", params={"count": count, "number": example.number})
        audit_record(
            actor=by, action=AuditEntry.Action.DELETE, obj=number_range, organisation=organisation, changes=diff(snapshot(number_range), {})
        )
        number_range.delete()
