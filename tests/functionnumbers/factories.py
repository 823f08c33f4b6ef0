"""Factories for function numbers: they go through the operations, like the pages do."""

from customers.models import NumberKind, NumberRange
from functionnumbers.models import Kind
from functionnumbers.operations import function_number_create


def ensure_ranges(organisation):
    """Local 1000–1999 and the numbers +4588880000–+4588889999 on the organisation."""
    NumberRange.objects.get_or_create(
        organisation=organisation, kind=NumberKind.LOCAL, first="1000", last="1999", first_value=1000, last_value=1999
    )
    NumberRange.objects.get_or_create(
        organisation=organisation,
        kind=NumberKind.E164,
        first="+4588880000",
        last="+4588889999",
        first_value=4588880000,
        last_value=4588889999,
    )


_DEFAULT_NUMBERS = {
    Kind.ACD: 1500,
    Kind.ATTENDANT: 1550,
    Kind.HUNT: 1580,
    Kind.IVR: 1600,
    Kind.RULE_BASED: 1700,
    Kind.GROUP_INBOX: 1900,
    Kind.VOICEMAIL: 1950,
    Kind.AUTO_ATTENDANT: 1960,
}


def make_function_number(organisation, kind=Kind.ACD, number=None, by=None, **fields):
    """A function number of `kind` with sensible required fields; `number` defaults to the next
    free local number of the type's range."""
    from customers.models import Number, Prompt

    ensure_ranges(organisation)
    if number is None:
        value = _DEFAULT_NUMBERS[kind]
        while Number.objects.filter(organisation=organisation, number=str(value)).exists():
            value += 1
        number = str(value)
    defaults = {"name": f"{kind} {number}"}
    if kind == Kind.IVR:
        prompt = Prompt.objects.for_organisation(organisation).filter(kind=Prompt.Kind.PROMPT).first()
        if prompt is None:
            prompt = Prompt.objects.create(organisation=organisation, name="Velkommen")
        defaults["prompt"] = prompt
        defaults["options"] = {"0": "+4570203040"}  # FN-5: at least one option
    if kind == Kind.GROUP_INBOX:
        defaults["inbox_code"] = str(10 + Number.objects.filter(organisation=organisation).count())
    if kind == Kind.HUNT:
        from tests.factories import UserGroupFactory

        defaults["member_groups"] = [UserGroupFactory(organisation=organisation)]  # FN-9: at least one
    if kind == Kind.VOICEMAIL:
        defaults = {}
    defaults.update(fields)
    return function_number_create(organisation=organisation, kind=kind, number=number, by=by, **defaults)
