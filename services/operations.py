"""Writes of the services app (keyword-only `<entity>_<verb>`, atomic, audited).

Views, the demo seed and tests all save through these functions. References (groups, prompts,
users) are checked against the scope's organisation here as well as in the forms, so a crafted
call cannot attach another organisation's objects.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from connect.lib import numbers
from connect.lib.audit import audit_entry, audit_record, diff, snapshot
from connect.lib.bulk import bulk_insert, bulk_insert_with_ids
from customers.models import AuditEntry, DirectoryField, Number, Prompt, User, UserGroup
from services import working_hours
from services.definitions import NONE, ORGANISATION, SERVICES, UNION, get_service, run_validation
from services.models import ContactNumber, ExternalContact, MandatoryContact
from services.queries import FUNCTION_NUMBER_PURPOSES
from services.resolver import resolve_scope
from services.scopes import Scope

SNAPSHOT_EXCLUDE = ("password", "updated_at")


def _check_scope(scope):
    if not isinstance(scope, Scope):
        raise TypeError("scope must be a services.scopes.Scope")


def _check_value(service, f, value, organisation):
    """Tenancy and range checks of one field value (forms check the same, for messages)."""
    if value is None:
        return None
    if f.input == "yesno":
        if not isinstance(value, bool):
            raise ValidationError({f.name: _("Choose Yes or No.")})
    elif f.input == "working_hours":
        try:
            value = working_hours.to_json(working_hours.from_json(value))
        except (ValidationError, AttributeError, TypeError, ValueError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [_("Enter valid working hours.")]
            raise ValidationError({f.name: messages}) from exc
    elif f.input == "flag":
        if not isinstance(value, bool):
            raise ValidationError({f.name: _("A checkbox is either ticked or not ticked.")})
    elif f.input == "choice":
        if value not in {str(k) for k, _label in f.choices}:
            raise ValidationError({f.name: _("Select a valid choice.")})
    elif f.input == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError({f.name: _("Enter a whole number.")})
        if (f.min_value is not None and value < f.min_value) or (f.max_value is not None and value > f.max_value):
            raise ValidationError(
                {f.name: _("Enter a number from %(min)s to %(max)s.") % {"min": f.min_value, "max": f.max_value}}
            )
    elif f.input == "phone":  # a number calls are sent to ("forward to", "redirect to")
        value = numbers.normalise(value, use=numbers.TARGET).number
    elif f.input == "number_from_ranges":  # ranges and registry: the service's after_save
        value = numbers.normalise(value, use=numbers.SWITCHBOARD).number
    elif f.input in ("prompt", "prompt_or_none", "greeting"):
        if f.input == "prompt_or_none" and value == NONE:
            return value
        if f.input == "greeting" and value in {k for k, _label in f.choices}:
            return value
        prompts = Prompt.objects.for_organisation(organisation)
        if f.prompt_kind:
            prompts = prompts.filter(kind=f.prompt_kind)
        if not prompts.filter(pk=value).exists():
            raise ValidationError({f.name: _("Choose a voice prompt of the organisation.")})
    elif f.input == "group_or_org":
        if value != ORGANISATION and not UserGroup.objects.for_organisation(organisation).filter(pk=value).exists():
            raise ValidationError({f.name: _("Choose a user group of the organisation.")})
    return value


def _group_ids(values, organisation, model=UserGroup):
    """The ids of `values` (objects or ids), all of which must be `model` rows of the organisation
    (user groups; directory fields for SVC-16)."""
    message = (
        _("Choose directory fields of the organisation.")
        if model is DirectoryField
        else _("Choose user groups of the organisation.")
    )
    ids = {getattr(v, "pk", v) for v in values or ()}
    try:
        ids = {int(v) for v in ids}
    except (TypeError, ValueError) as exc:
        raise ValidationError(message) from exc
    found = set(model.objects.for_organisation(organisation).filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise ValidationError(message)
    return found


def service_settings_save(*, service, scope, data, by):
    """Store the values `data` ({field: value}, None = inherit; group multi-selects as group
    ids or groups) for `service` at `scope`. Fields missing from `data` keep their value.
    Conditional rules of the service are checked against the values it would inherit."""
    service = get_service(service)
    _check_scope(scope)
    if service.kind != "settings":
        raise ValueError(f"{service.slug} is not a settings service")
    organisation = scope.organisation
    unknown = set(data) - {f.name for f in service.fields}
    if unknown:
        raise TypeError(f"Unknown fields for {service.slug}: {', '.join(sorted(unknown))}")
    cleaned, errors = {}, {}
    for f in service.fields:
        if f.name not in data:
            continue
        try:
            if f.kind == UNION:
                model = service.model._meta.get_field(f.name).related_model
                cleaned[f.name] = _group_ids(data[f.name], organisation, model)
            else:
                cleaned[f.name] = _check_value(service, f, data[f.name], organisation)
        except ValidationError as exc:
            errors[f.name] = exc.messages
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        resolution = resolve_scope(service, scope)
        merged = {f.name: resolution.own.get(f.name) for f in service.fields if f.kind != UNION}
        merged.update({k: v for k, v in cleaned.items() if service.field(k).kind != UNION})
        run_validation(service, merged, resolution.inherited)

        model = service.model
        row = model.objects.select_for_update().filter(**scope.filter_kwargs()).first()
        created = row is None
        if created:
            row = model(**scope.filter_kwargs())
            before = {}
        else:
            before = snapshot(row, exclude=SNAPSHOT_EXCLUDE)
        for f in service.fields:
            if f.name in cleaned and f.kind != UNION:
                for column, value in f.write(cleaned[f.name]).items():
                    setattr(row, column, value)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # two first saves of one scope at the same time
            raise ValidationError(_("The settings were changed by someone else at the same time. Try again.")) from exc
        for f in service.fields:
            if f.kind == UNION and f.name in cleaned:
                getattr(row, f.name).set(cleaned[f.name])
        if service.after_save is not None:
            service.after_save(row=row, organisation=organisation, by=by)
        changes = diff(before, snapshot(row, exclude=SNAPSHOT_EXCLUDE))
        if created or changes:
            audit_record(
                actor=by,
                action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                obj=row,
                organisation=organisation,
                changes=changes,
            )
    return row


# --- SVC-7 contacts ----------------------------------------------------------------------------

CONTACT_FIELDS = (
    "company",
    "department",
    "first_name",
    "last_name",
    "short_name",
    "street",
    "postcode",
    "city",
    "country",
    "email",
    "speed_dial",
    "contact_type",
)


def _clean_contact(data):
    values = {}
    for name in CONTACT_FIELDS:
        field = ExternalContact._meta.get_field(name)
        raw = data.get(name, field.get_default())
        values[name] = raw.strip() if isinstance(raw, str) else raw
    if not (values["first_name"] or values["last_name"] or values["company"]):
        raise ValidationError({"first_name": _("Enter a first name, a last name or a company.")})
    return values


def _clean_numbers(rows):
    """[{number_type, number, abbreviated, is_preferred}] -> normalised rows, exactly one preferred."""
    cleaned = []
    for index, row in enumerate(rows):
        number = numbers.normalise(row.get("number")).number
        cleaned.append(
            {
                "number_type": row.get("number_type") or ContactNumber.NumberType.WORK,
                "number": number,
                "abbreviated": (row.get("abbreviated") or "").strip(),
                "is_preferred": bool(row.get("is_preferred")),
                "position": index,
            }
        )
    if not cleaned:
        raise ValidationError({"numbers": _("Add at least one phone number.")})
    preferred = [r for r in cleaned if r["is_preferred"]]
    if len(preferred) > 1:
        raise ValidationError({"numbers": _("Mark only one number as the preferred number.")})
    if not preferred:
        cleaned[0]["is_preferred"] = True
    if len({r["number"] for r in cleaned}) != len(cleaned):
        raise ValidationError({"numbers": _("The same number is listed twice.")})
    return cleaned


def _save_numbers(contact, rows):
    contact.numbers.all().delete()
    for row in rows:
        number = ContactNumber(contact=contact, **row)
        number.full_clean(exclude=["contact"])
        number.save()


def _full_clean(obj, exclude=(), constraints=True):
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=constraints, validate_constraints=constraints)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def contact_check(*, scope, data, numbers):
    """Every check `contact_create` makes, without writing: the unsaved contact and its cleaned
    number rows, or a ValidationError by field ("numbers" for the list as a whole). The contacts import
    validates each row of a file with it before anything is saved."""
    _check_scope(scope)
    values = _clean_contact(data)
    rows = _clean_numbers(numbers)
    contact = ExternalContact(**scope.filter_kwargs(), **values)
    # Field checks only: the constraints (one scope, one preferred number) hold by construction
    # here, the database enforces them on save, and checking them would cost a query per row of
    # an import.
    _full_clean(contact, exclude=["organisation", "group", "user"], constraints=False)
    for row in rows:
        _full_clean(ContactNumber(**row), exclude=["contact"], constraints=False)
    return contact, rows


def contact_create(*, scope, data, numbers, by):
    """Create an external contact at `scope` with its phone numbers (SVC-7)."""
    contact, rows = contact_check(scope=scope, data=data, numbers=numbers)
    with transaction.atomic():
        contact.save()
        _save_numbers(contact, rows)
        audit_record(
            actor=by,
            action=AuditEntry.Action.CREATE,
            obj=contact,
            organisation=scope.organisation,
            changes=diff({}, _contact_snapshot(contact)),
        )
    return contact


def _contact_snapshot(contact, rows=None):
    """The audit snapshot of a contact; `rows`: its number rows when they are at hand."""
    data = snapshot(contact, exclude=SNAPSHOT_EXCLUDE)
    if rows is None:
        rows = contact.numbers.order_by("position", "pk").values("number", "is_preferred")
    data["numbers"] = [f"{n['number']}{' *' if n['is_preferred'] else ''}" for n in rows]
    return data


def contacts_create_many(*, scope, contacts, by):
    """Create many external contacts at `scope` in a few statements (the contacts import, SVC-7).
    `contacts` is [(contact, rows)] as `contact_check` returned them; each gets its audit entry,
    as from `contact_create`. All or nothing: inside the caller's transaction, or its own."""
    _check_scope(scope)
    content_type = ContentType.objects.get_for_model(ExternalContact)
    with transaction.atomic():
        bulk_insert_with_ids(ExternalContact, [contact for contact, _rows in contacts])
        bulk_insert(ContactNumber, [ContactNumber(contact=contact, **row) for contact, rows in contacts for row in rows])
        bulk_insert(
            AuditEntry,
            [
                audit_entry(
                    actor=by,
                    action=AuditEntry.Action.CREATE,
                    obj=contact,
                    organisation=scope.organisation,
                    changes=diff({}, _contact_snapshot(contact, rows)),
                    content_type=content_type,
                )
                for contact, rows in contacts
            ],
        )
    return [contact for contact, _rows in contacts]


def contact_update(*, contact, data, numbers, by):
    """Change an external contact and replace its phone numbers."""
    values = _clean_contact(data)
    rows = _clean_numbers(numbers)
    with transaction.atomic():
        contact = ExternalContact.objects.select_for_update().get(pk=contact.pk)
        before = _contact_snapshot(contact)
        for key, value in values.items():
            setattr(contact, key, value)
        _full_clean(contact, exclude=["organisation", "group", "user"])
        contact.save()
        _save_numbers(contact, rows)
        changes = diff(before, _contact_snapshot(contact))
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=contact, organisation=contact.organisation, changes=changes)
    return contact


def contact_delete(*, contact, by):
    with transaction.atomic():
        before = _contact_snapshot(contact)
        audit_record(actor=by, action=AuditEntry.Action.DELETE, obj=contact, organisation=contact.organisation, changes=diff(before, {}))
        contact.delete()


def mandatory_contact_add(*, scope, contact_user=None, contact_number=None, by):
    """Add a user of the organisation, or one of its function numbers (its registry `Number`), as
    a mandatory contact of everybody in `scope` (SVC-7)."""
    _check_scope(scope)
    if contact_number is not None:
        field, contact = "contact_number", contact_number
        if not is_function_number(contact_number, scope.organisation):
            raise ValidationError({field: _("Choose a function number of the organisation.")})
    else:
        field, contact = "contact_user", contact_user
        if not isinstance(contact_user, User) or contact_user.organisation_id != scope.organisation.pk:
            raise ValidationError({field: _("Choose a user of the organisation.")})
    label = _mandatory_label(contact)
    duplicate = ValidationError({field: _("%(user)s is already a mandatory contact here.") % {"user": label}})
    with transaction.atomic():
        if MandatoryContact.objects.for_scope(scope).filter(**{field: contact}).exists():
            raise duplicate
        row = MandatoryContact(**scope.filter_kwargs(), **{field: contact})
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise duplicate from exc
        audit_record(
            actor=by, action=AuditEntry.Action.CREATE, obj=row, organisation=scope.organisation, changes=diff({}, snapshot(row))
        )
    return row


def is_function_number(number, organisation):
    """Is `number` a registry row of `organisation` owned by a function number (FUNCTION_NUMBER or
    VOICEMAIL purpose, with an owner)?"""
    return (
        isinstance(number, Number)
        and number.organisation_id == organisation.pk
        and number.purpose in FUNCTION_NUMBER_PURPOSES
        and number.owner_type_id is not None
    )


def _mandatory_label(contact):
    if isinstance(contact, Number):
        owner = contact.owner
        return str(owner) if owner is not None else contact.number
    return str(contact)


def mandatory_contact_remove(*, contact, by):
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditEntry.Action.DELETE,
            obj=contact,
            organisation=contact.organisation,
            changes=diff(snapshot(contact), {}),
        )
        contact.delete()


# --- USR-15: "Opret ny bruger baseret på denne bruger" -----------------------------------------


def service_settings_copy(*, source_user, target_user, by):
    """Copy every user-level settings row of `source_user` to `target_user` (same organisation).

    Contacts are personal data, not settings, and are not copied (FEATURES.md USR-15).
    """
    if source_user.organisation_id != target_user.organisation_id:
        raise ValueError("Users of different organisations")
    copied = []
    with transaction.atomic():
        for service in SERVICES.values():
            if service.kind != "settings" or service.after_save is not None:
                continue  # lists are not settings; a registered number cannot be given twice
            model = service.model
            row = model.objects.filter(user=source_user).first()
            if row is None:
                continue
            unions = {f.name: list(getattr(row, f.name).values_list("pk", flat=True)) for f in service.fields if f.kind == UNION}
            model.objects.filter(user=target_user).delete()
            clone = model(organisation=row.organisation, user=target_user)
            for field in model._meta.concrete_fields:
                if field.primary_key or field.name in ("organisation", "group", "user", "updated_at"):
                    continue
                setattr(clone, field.attname, getattr(row, field.attname))
            clone.save()
            for name, ids in unions.items():
                getattr(clone, name).set(ids)
            audit_record(
                actor=by,
                action=AuditEntry.Action.CREATE,
                obj=clone,
                organisation=row.organisation,
                changes=diff({}, snapshot(clone, exclude=SNAPSHOT_EXCLUDE)),
            )
            copied.append(clone)
    return copied
