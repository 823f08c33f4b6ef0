"""Writes of function numbers (FN-1 … FN-11): create, update, delete, each audited, in one
transaction, raising ValidationError keyed by field.

The number comes from the one number registry (customers.operations.numbers): a new function
number registers its number (purpose FUNCTION_NUMBER, or VOICEMAIL for voicemail numbers) with
itself as owner; a changed number registers the new one and releases the old; deleting releases
it. Local numbers must lie in the type's range (SET-6, functionnumbers.layouts). Type-specific
rules live in functionnumbers.rules and are called from here, so the views, the admin and the
tests all meet the same rules.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.references import MAX_LISTED, references_to, refuse_delete_if_referenced
from customers.models import AuditEntry, Number
from customers.operations.numbers import number_check_available, number_register, number_release
from functionnumbers import rules
from functionnumbers.layouts import layout_for
from functionnumbers.models import IVR_KEYS, FunctionNumber, IvrOption

_COMMON_EXCLUDED = {
    "id",
    "functionnumber_ptr",
    "organisation",
    "kind",
    "number",
    "created_at",
    "updated_at",
}


def _field_kinds(model):
    """(plain field names, many-to-many names, destination base names) of a type's model."""
    plain, m2m, destinations = set(), set(), set()
    for f in model._meta.get_fields():
        if f.auto_created and not f.concrete:
            continue
        if f.name in _COMMON_EXCLUDED:
            continue
        if f.many_to_many:
            m2m.add(f.name)
        elif (
            f.name.endswith("_function")
            and isinstance(f, models.ForeignKey)
            and f.related_model is FunctionNumber
        ):
            destinations.add(f.name[: -len("_function")])
        elif f.name.endswith("_number") and f.name[: -len("_number")] + "_function" in {
            g.name for g in model._meta.fields
        }:
            continue
        elif getattr(f, "editable", True):
            plain.add(f.name)
    return plain, m2m, destinations


def check_local_range(layout, normalised, field="number"):
    """SET-6: a local function number lies in its type's range."""
    if layout.local_range is None or normalised.kind != "local":
        return
    first, last = layout.local_range
    if not first <= normalised.value <= last:
        raise ValidationError(
            {
                field: ValidationError(
                    _("A local number of this type must lie between %(first)s and %(last)s."),
                    code="outside_type_range",
                    params={"first": first, "last": last},
                )
            }
        )


def destination_resolve(*, organisation, raw, field, exclude=None):
    """Turn what an admin typed into a destination (function, number): a function number of the
    organisation (by its number), a user's local number or alias, or an external number. Raises a
    ValidationError keyed by `field`. Empty input is an empty destination."""
    raw = (raw or "").strip()
    if not raw:
        return None, ""
    try:
        normalised = numberlib.normalise(raw, use=numberlib.TARGET)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    registered = (
        Number.objects.for_organisation(organisation)
        .filter(number=normalised.number)
        .select_related("function_number")
        .first()
    )
    function = getattr(registered, "function_number", None) if registered is not None else None
    if function is not None:
        if exclude is not None and function.pk == exclude.pk:
            raise ValidationError(
                {field: _("A function number cannot send calls to itself.")}, code="self_target"
            )
        return function, normalised.number
    if normalised.kind == "local" and registered is None:
        raise ValidationError(
            {
                field: _("No user or function number has the local number %(number)s.")
                % {"number": normalised.number}
            },
            code="unknown_local",
        )
    return None, normalised.number


def _check_code(organisation, code, instance):
    code = (code or "").strip()
    if not code:
        return ""
    if not rules.ascii_digits(code) or not 1 <= len(code) <= 10:
        raise ValidationError({"code": _("Use digits only (at most 10).")}, code="invalid")
    clash = FunctionNumber.objects.for_organisation(organisation).filter(code=code)
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError(
            {
                "code": _("The code %(code)s is already used by another function number.")
                % {"code": code}
            },
            code="unique",
        )
    return code


def _check_related(organisation, name, values):
    """Many-to-many values (groups, blocking groups, activities, roles) of this organisation only:
    a crafted POST naming another organisation's row is refused like an unknown choice."""
    values = list(dict.fromkeys(values or []))
    if any(getattr(v, "organisation_id", None) != organisation.pk for v in values):
        raise ValidationError({name: _("Select a valid choice.")}, code="invalid_choice")
    return values


def _apply(instance, layout, organisation, fields):
    """Set plain fields and destinations on `instance`; return the many-to-many values to set."""
    plain, m2m, destinations = _field_kinds(layout.model)
    unknown = set(fields) - plain - m2m - destinations - rules.EXTRA_FIELDS.get(layout.kind, set())
    if unknown:
        raise TypeError(f"unexpected fields for {layout.kind}: {', '.join(sorted(unknown))}")
    errors = {}
    for name in destinations:
        if name in fields:
            try:
                function, number = destination_resolve(
                    organisation=organisation,
                    raw=fields[name],
                    field=name,
                    exclude=instance if instance.pk else None,
                )
            except ValidationError as exc:
                errors.update(exc.error_dict)
                continue
            setattr(instance, f"{name}_function", function)
            setattr(instance, f"{name}_number", number)
    for name in plain & set(fields):
        value = fields[name]
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    instance.name = (instance.name or "").strip()
    if layout.name_required and not instance.name:
        errors["name"] = [_("This field is required.")]
    try:
        instance.code = _check_code(organisation, instance.code, instance)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    m2m_values = {}
    for name in m2m & set(fields):
        try:
            m2m_values[name] = _check_related(organisation, name, fields[name])
        except ValidationError as exc:
            errors.update(exc.error_dict)
    try:
        rules.clean(layout.kind, instance, organisation=organisation, fields=fields, m2m=m2m_values)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, value in exc.error_dict.items():
                errors.setdefault(key, []).extend(value)
        else:
            errors.setdefault("__all__", []).extend(exc.error_list)
    exclude = {"organisation", "number", "functionnumber_ptr", "kind"}
    try:
        instance.full_clean(
            exclude=exclude | set(errors), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for key, value in exc.error_dict.items():
            errors.setdefault(key, []).extend(value)
    if errors:
        raise ValidationError(errors)
    return m2m_values


def _refuse_own_number(instance, layout):
    """A destination typed as the number this function number is just getting was taken for an
    external number (it was not registered yet when it was resolved): it is the function
    number itself, which cannot send calls to itself."""
    for name in sorted(_field_kinds(layout.model)[2]):
        if getattr(instance, f"{name}_function_id") is None and (
            getattr(instance, f"{name}_number") == instance.number.number
        ):
            raise ValidationError(
                {name: _("A function number cannot send calls to itself.")}, code="self_target"
            )


def function_number_create(*, organisation, kind, number, by, **fields):
    """Create a function number of `kind` with the number typed as `number` (registered in the
    number registry) and the type's `fields` (model fields; destinations by base name as typed;
    many-to-many as iterables). Returns the type's model instance."""
    layout = layout_for(kind)
    with transaction.atomic():
        instance = layout.model(organisation=organisation, kind=kind)
        errors = {}
        try:
            normalised = number_check_available(
                organisation=organisation, raw=number, purpose=layout.purpose
            )
            check_local_range(layout, normalised)
            instance.pending_number_kind = normalised.kind  # rules that depend on it (FN-2)
        except ValidationError as exc:
            errors.update(
                exc.error_dict if hasattr(exc, "error_dict") else {"number": exc.messages}
            )
        try:
            m2m_values = _apply(instance, layout, organisation, fields)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if errors:
            raise ValidationError(errors)
        try:
            registered = number_register(
                organisation=organisation, raw=number, purpose=layout.purpose, by=by
            )
        except ValidationError as exc:
            raise ValidationError({"number": exc.messages}) from exc
        instance.number = registered
        _refuse_own_number(instance, layout)
        instance.save()
        registered.owner = instance
        registered.save(update_fields=["owner_type", "owner_id"])
        for name, values in m2m_values.items():
            getattr(instance, name).set(values)
        rules.after_save(layout.kind, instance, fields=fields, by=by)
        audit_record(
            actor=by,
            action=AuditEntry.Action.CREATE,
            obj=instance,
            organisation=organisation,
            changes=diff({}, snapshot(instance)),
        )
    return instance


def function_number_update(*, function_number, by, number=None, **fields):
    """Change a function number; `number` (as typed) moves it to another free number."""
    layout = layout_for(function_number.kind)
    organisation = function_number.organisation
    with transaction.atomic():
        instance = layout.model._default_manager.select_for_update().get(pk=function_number.pk)
        before = snapshot(instance)
        errors = {}
        new_number = None
        if number is not None:
            try:
                normalised = number_check_available(
                    organisation=organisation,
                    raw=number,
                    purpose=layout.purpose,
                    exclude=instance.number,
                )
                check_local_range(layout, normalised)
                instance.pending_number_kind = normalised.kind  # rules that depend on it (FN-2)
                if normalised.number != instance.number.number:
                    new_number = number
            except ValidationError as exc:
                errors.update(
                    exc.error_dict if hasattr(exc, "error_dict") else {"number": exc.messages}
                )
        try:
            m2m_values = _apply(instance, layout, organisation, fields)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if errors:
            raise ValidationError(errors)
        if new_number is not None:
            old = instance.number
            try:
                registered = number_register(
                    organisation=organisation,
                    raw=new_number,
                    purpose=layout.purpose,
                    owner=instance,
                    by=by,
                )
            except ValidationError as exc:
                raise ValidationError({"number": exc.messages}) from exc
            instance.number = registered
            _refuse_own_number(instance, layout)
            instance.save()
            number_release(number=old, by=by)
        else:
            instance.save()
        for name, values in m2m_values.items():
            getattr(instance, name).set(values)
        rules.after_save(layout.kind, instance, fields=fields, by=by)
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            obj=instance,
            organisation=organisation,
            changes=diff(before, snapshot(instance)),
        )
    return instance


def function_number_references(function_number, limit=MAX_LISTED):
    """What refers to a function number: other function numbers' destinations and IVR options
    (foreign keys to it), and rows referring to its number in the registry, such as mandatory
    contacts (SVC-7) and users presenting it as caller ID (USR-6)."""
    base = FunctionNumber.objects.select_related("number").get(pk=function_number.pk)
    found = references_to(base, limit)
    if len(found) < limit:
        found += references_to(base.number, limit - len(found), ignore=[base])
    return found


def function_number_delete(*, function_number, by):
    """Delete a function number and release its number; refused (listing them) while anything
    refers to it: another function number's destination, an IVR option, a schedule or routing rule."""
    with transaction.atomic():
        base = FunctionNumber.objects.select_for_update().get(pk=function_number.pk)
        instance = base.specific()
        refuse_delete_if_referenced(base, function_number_references(base))
        audit_record(
            actor=by,
            action=AuditEntry.Action.DELETE,
            obj=instance,
            organisation=base.organisation,
            changes=diff(snapshot(instance), {}),
        )
        number = base.number
        instance.delete()
        number_release(number=number, by=by)


def auto_attendant_refs(organisation, own_id=None):
    """What an auto attendant of `organisation` may refer to (functionnumbers.autoattendant.Refs)."""
    from customers.models import Prompt
    from functionnumbers.autoattendant import Refs
    from functionnumbers.models import SCHEDULED_KINDS, Kind

    rows = list(FunctionNumber.objects.for_organisation(organisation).values_list("pk", "kind"))

    def of(*kinds):
        return frozenset(pk for pk, kind in rows if kind in kinds)

    return Refs(
        prompts=frozenset(
            Prompt.objects.for_organisation(organisation)
            .filter(kind=Prompt.Kind.PROMPT)
            .values_list("pk", flat=True)
        ),
        groups=of(Kind.ACD, Kind.ATTENDANT, Kind.HUNT),
        schedules=of(*SCHEDULED_KINDS),
        inboxes=of(Kind.GROUP_INBOX),
        voicemails=of(Kind.VOICEMAIL),
        own_id=own_id,
    )


def auto_attendant_flow_set(*, auto_attendant, document, by):
    """Validate the whole call-flow document of an auto attendant (FN-3) and save it, with the
    references it makes; an invalid tree raises FlowError (naming the node) and saves nothing."""
    from functionnumbers.autoattendant import flow_references, flow_validate
    from functionnumbers.models import AutoAttendant, AutoAttendantReference

    with transaction.atomic():
        instance = AutoAttendant.objects.select_for_update().get(pk=auto_attendant.pk)
        flow = flow_validate(
            document, auto_attendant_refs(instance.organisation, own_id=instance.pk)
        )
        before = {"flow": instance.flow}
        instance.flow = flow
        instance.save(update_fields=["flow", "updated_at"])
        functions, prompts = flow_references(flow)
        AutoAttendantReference.objects.filter(auto_attendant=instance).delete()
        AutoAttendantReference.objects.bulk_create(
            [
                AutoAttendantReference(auto_attendant=instance, function_number_id=pk)
                for pk in sorted(functions)
            ]
            + [
                AutoAttendantReference(auto_attendant=instance, prompt_id=pk)
                for pk in sorted(prompts)
            ]
        )
        audit_record(
            actor=by,
            action=AuditEntry.Action.UPDATE,
            obj=instance,
            organisation=instance.organisation,
            changes=diff(before, {"flow": flow}),
        )
    return instance


def _options_text(destinations):
    """{key: dialled number} as the audit shows it: ["1: 1500", "#: +4570203040"]."""
    return [f"{key}: {destinations[key]}" for key in IVR_KEYS if key in destinations]


def ivr_options_set(*, ivr, options, by):
    """Set the keys of an IVR menu (FN-5 "Angivelse af valgmuligheder"): `options` maps keys of
    IVR_KEYS to destinations as typed; a missing or empty key has no option. Replaces every
    option of the IVR and records the change on the IVR's history. The destinations are
    references (a function number they name cannot be deleted)."""
    with transaction.atomic():
        resolved = rules.ivr_options_resolve(
            organisation=ivr.organisation, ivr=ivr, options=options
        )
        existing = {option.key: option for option in IvrOption.objects.filter(ivr=ivr)}
        before = {key: option.destination_number for key, option in existing.items()}
        after = {key: number for key, (_function, number) in resolved.items()}
        IvrOption.objects.filter(ivr=ivr).exclude(key__in=list(resolved)).delete()
        new = []
        for key, (function, number) in resolved.items():
            option = existing.get(key)
            if option is None:
                new.append(
                    IvrOption(
                        ivr=ivr, key=key, destination_function=function, destination_number=number
                    )
                )
            elif (option.destination_function_id, option.destination_number) != (
                getattr(function, "pk", None),
                number,
            ):
                option.destination_function = function
                option.destination_number = number
                option.save(update_fields=["destination_function", "destination_number"])
        IvrOption.objects.bulk_create(new)
        if before != after:
            audit_record(
                actor=by,
                action=AuditEntry.Action.UPDATE,
                obj=ivr,
                organisation=ivr.organisation,
                changes={"options": [_options_text(before), _options_text(after)]},
            )
