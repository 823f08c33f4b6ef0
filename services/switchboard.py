"""SVC-5 Hovednummer and the number registry (ARCHITECTURE.md invariant 3).

A switchboard number is "a number in use" like a user line: the registry has the purpose
SWITCHBOARD for it, and the numbers a user may present as caller ID include the organisation's
switchboard numbers (customers.operations.users.caller_id_choices). So the number a scope sets
is registered with purpose SWITCHBOARD, owned by the scope's settings row. The one exception
(FEATURES.md SVC-5): the number may be one of the organisation's function numbers (e.g. the
main IVR); that number is already registered and is used as it is.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from connect.lib import numbers as numberlib
from customers.models import Number
from customers.operations.numbers import number_register, number_release, range_containing

FIELD = "switchboard_number"


def _owned(row):
    if row is None or row.pk is None:
        return Number.objects.none()
    content_type = ContentType.objects.get_for_model(row, for_concrete_model=True)
    return Number.objects.filter(
        owner_type=content_type, owner_id=row.pk, purpose=Number.Purpose.SWITCHBOARD
    )


def switchboard_number_check(*, organisation, raw, row=None):
    """The normalised number (str) if `raw` may be the switchboard number of the scope whose
    settings row is `row` (None: not stored yet); raises ValidationError (translated)."""
    normalised = numberlib.normalise(raw, use=numberlib.SWITCHBOARD)
    taken = Number.objects.filter(organisation=organisation, number=normalised.number).first()
    if taken is not None:
        if taken.purpose == Number.Purpose.FUNCTION_NUMBER or taken in _owned(row):
            return normalised.number
        raise ValidationError(
            _("The number %(number)s is already in use.") % {"number": normalised.number}
        )
    if range_containing(organisation, normalised) is None:
        raise ValidationError(
            _("The number %(number)s is outside the organisation's number ranges.")
            % {"number": normalised.number}
        )
    return normalised.number


def switchboard_register(*, row, organisation, by):
    """Bring the registry in step with `row` (a SwitchboardSettings just saved): release the
    number it registered before if that changed, register the new one unless it is a function
    number. Raises ValidationError({"switchboard_number": [..]}) to undo the save."""
    number = getattr(row, FIELD)
    for old in _owned(row):
        if old.number != number:
            number_release(number=old, by=by)
    if not number:
        return
    try:
        switchboard_number_check(organisation=organisation, raw=number, row=row)
        if Number.objects.filter(organisation=organisation, number=number).exists():
            return  # a function number, or already registered for this row
        number_register(
            organisation=organisation,
            raw=number,
            purpose=Number.Purpose.SWITCHBOARD,
            owner=row,
            by=by,
        )
    except ValidationError as exc:
        raise ValidationError({FIELD: exc.messages}) from exc


def switchboard_release(row, by=None):
    """Release the number a deleted settings row had registered."""
    for old in _owned(row):
        number_release(number=old, by=by)
