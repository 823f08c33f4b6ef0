"""Writes of SVC-8 number conversions (keyword-only, atomic, audited) and the ORG-1 template.

The rule checks themselves are the engine's (`services.conversions.rule_check`); this module
turns its codes into translated field errors, refuses a second identical rule in one scope and
stores the rule. Views, the demo seed and the organisation template all go through here.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from connect.lib.audit import audit_record, diff, snapshot
from customers.models import AuditEntry
from services import conversions as engine
from services.models import NumberConversion
from services.scopes import Scope

SNAPSHOT_EXCLUDE = ("updated_at", "signature")


def _message(code, index=None):
    messages = {
        engine.PREFIX_CHARACTERS: _(
            "The prefix may contain only the digits 0-9, optionally after a leading “+”, “*” or “#”."
        ),
        engine.PREFIX_TOO_LONG: _("The prefix may have at most %(max)d characters.")
        % {"max": engine.MAX_PREFIX},
        engine.EMPTY_PREFIX: _("Enter a prefix, or restrict the digits to number intervals."),
        engine.DIGITS_RANGE: _("Choose from 0 to 15 digits or any number of digits."),
        engine.INTERVALS_WITH_ANY: _(
            "Number intervals cannot be used with “any number of digits”."
        ),
        engine.TOO_MANY_INTERVALS: _("Enter at most %(max)d intervals.")
        % {"max": engine.MAX_INTERVALS},
        engine.INTERVAL_LENGTH: _(
            "Interval %(row)d: both bounds must have exactly as many digits as chosen under “Followed by”."
        ),
        engine.INTERVAL_REVERSED: _("Interval %(row)d: “from” must not be greater than “to”."),
        engine.INTERVAL_OVERLAP: _("Interval %(row)d overlaps another interval."),
        engine.REWRITE_CHARACTERS: _(
            "Rewrite the prefix to digits only, optionally after a leading “+” (at most %(max)d characters)."
        )
        % {"max": engine.MAX_REWRITE},
        engine.EMERGENCY_MATCH: _("112 and 114 must not be converted."),
    }
    message = messages[code]
    return message % {"row": index + 1} if index is not None and "%(row)d" in message else message


def _clean_digits(digits):
    if digits is None or digits == "":
        return None
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise ValidationError({"digits": _message(engine.DIGITS_RANGE)})
    return digits


def conversion_clean(*, prefix, digits, intervals, rewrite):
    """The rule's values, trimmed and checked; raises ValidationError({field: [..]}) with
    translated messages (fields prefix, digits, intervals, rewrite)."""
    prefix = (prefix or "").strip()
    rewrite = (rewrite or "").strip()
    digits = _clean_digits(digits)
    try:
        intervals = [[str(lo).strip(), str(hi).strip()] for lo, hi in intervals or ()]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"intervals": _("Enter each interval as “from” and “to”.")}) from exc
    problems = engine.rule_check(prefix, digits, intervals, rewrite)
    if problems:
        errors = {}
        for name, codes in problems.items():
            errors[name] = [
                _message(*code) if isinstance(code, tuple) else _message(code) for code in codes
            ]
        raise ValidationError(errors)
    return {"prefix": prefix, "digits": digits, "intervals": intervals, "rewrite": rewrite}


def _duplicate_error():
    return ValidationError(
        {
            "prefix": _(
                "An identical rule (same prefix, digits and intervals) already exists at this level."
            )
        }
    )


def _save(conversion):
    try:
        with transaction.atomic():
            conversion.save()
    except IntegrityError as exc:  # the same rule saved twice at the same time
        raise _duplicate_error() from exc


def _check_duplicate(scope_rows, values, exclude_pk=None):
    sig = engine.signature(values["prefix"], values["digits"], values["intervals"])
    rows = scope_rows.filter(signature=sig)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise _duplicate_error()
    return sig


def conversion_create(*, scope, prefix, digits, intervals=(), rewrite="", by):
    """Add a number conversion rule at `scope` (services.scopes.Scope)."""
    if not isinstance(scope, Scope):
        raise TypeError("scope must be a services.scopes.Scope")
    values = conversion_clean(prefix=prefix, digits=digits, intervals=intervals, rewrite=rewrite)
    with transaction.atomic():
        sig = _check_duplicate(NumberConversion.objects.for_scope(scope), values)
        conversion = NumberConversion(**scope.filter_kwargs(), **values, signature=sig)
        _save(conversion)
        audit_record(
            actor=by,
            action=AuditEntry.Action.CREATE,
            obj=conversion,
            organisation=scope.organisation,
            changes=diff({}, snapshot(conversion, exclude=SNAPSHOT_EXCLUDE)),
        )
    return conversion


def conversion_update(*, conversion, prefix, digits, intervals=(), rewrite="", by):
    """Change a number conversion rule (its scope stays)."""
    values = conversion_clean(prefix=prefix, digits=digits, intervals=intervals, rewrite=rewrite)
    with transaction.atomic():
        conversion = NumberConversion.objects.select_for_update().get(pk=conversion.pk)
        scope_rows = NumberConversion.objects.filter(
            organisation_id=conversion.organisation_id,
            group_id=conversion.group_id,
            user_id=conversion.user_id,
        )
        sig = _check_duplicate(scope_rows, values, exclude_pk=conversion.pk)
        before = snapshot(conversion, exclude=SNAPSHOT_EXCLUDE)
        for key, value in values.items():
            setattr(conversion, key, value)
        conversion.signature = sig
        _save(conversion)
        changes = diff(before, snapshot(conversion, exclude=SNAPSHOT_EXCLUDE))
        if changes:
            audit_record(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                obj=conversion,
                organisation=conversion.organisation,
                changes=changes,
            )
    return conversion


def conversion_delete(*, conversion, by):
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditEntry.Action.DELETE,
            obj=conversion,
            organisation=conversion.organisation,
            changes=diff(snapshot(conversion, exclude=SNAPSHOT_EXCLUDE), {}),
        )
        conversion.delete()


# The standard conversions of the organisation template (ORG-1, DEMO-9): calls to 15xx and
# 16xx stay local, Danish eight-digit numbers get +45, and "00" becomes "+".
TEMPLATE_CONVERSIONS = (
    {"prefix": "15", "digits": 2, "intervals": [], "rewrite": ""},
    {"prefix": "16", "digits": 2, "intervals": [], "rewrite": ""},
    {"prefix": "", "digits": 8, "intervals": [["20000000", "99999999"]], "rewrite": "+45"},
    {"prefix": "00", "digits": None, "intervals": [], "rewrite": "+"},
)


def conversions_add_missing(*, scope, rules, by=None):
    """Create those of `rules` (dicts of conversion_create's values) that `scope` lacks; safe to
    run again. Returns the created rules."""
    existing = set(NumberConversion.objects.for_scope(scope).values_list("signature", flat=True))
    created = []
    for rule in rules:
        if engine.signature(rule["prefix"], rule["digits"], rule["intervals"]) not in existing:
            created.append(conversion_create(scope=scope, **rule, by=by))
    return created


def conversions_apply_template(*, organisation, by=None):
    """The template's standard conversions at organisation level (ORG-1)."""
    return conversions_add_missing(scope=Scope(organisation), rules=TEMPLATE_CONVERSIONS, by=by)


def conversions_copy(*, source_user, target_user, by):
    """USR-15: the new user gets the user-level rules of the user it is created from."""
    if source_user.organisation_id != target_user.organisation_id:
        raise ValueError("Users of different organisations")
    rules = NumberConversion.objects.filter(user=source_user).values("prefix", "digits", "intervals", "rewrite")
    return conversions_add_missing(scope=Scope(target_user.organisation, user=target_user), rules=list(rules), by=by)
