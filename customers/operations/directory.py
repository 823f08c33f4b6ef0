"""Directory fields (USR-17), users' directory values (USR-7/8) and moderation (USR-18).

Admins set values directly. A value proposed by a user (SVC-16 decides which fields users may
edit: the services app refuses other fields through signals.directory_proposal_submitting) waits in the moderation queue until a moderator (SET-5, customers.permissions) approves it;
approval writes the value, rejection discards it, and the proposer is told by e-mail. A newer
proposal for the same user and field replaces the older one.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record, diff, snapshot
from connect.lib.validators import validate_clean_text
from customers.models import AuditEntry, DirectoryField, DirectoryFieldValue, Organisation, User
from customers.models.users import DirectoryFieldProposal
from customers.signals import directory_proposal_submitting

MAX_FIELDS = 50


def _clean_value(value, max_length=255):
    value = str(value or "").strip()
    if len(value) > max_length:
        raise ValidationError(
            _("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).")
            % {"limit_value": max_length, "show_value": len(value)},
            code="max_length",
        )
    validate_clean_text(value)
    return value


# --- fields (USR-17) ---------------------------------------------------------------------------


def directoryfield_add(*, organisation, by):
    """"+ Tilføj et nyt felt": the next field (Felt 7 …), unnamed, not searchable."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        count = DirectoryField.objects.filter(organisation=organisation).count()
        if count >= MAX_FIELDS:
            raise ValidationError(_("An organisation can have at most %(max)d directory fields.") % {"max": MAX_FIELDS}, code="max")
        last = DirectoryField.objects.filter(organisation=organisation).aggregate(m=Max("number"))["m"] or 0
        field = DirectoryField.objects.create(organisation=organisation, number=last + 1)
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=field, changes=diff({}, snapshot(field)))
    return field


def directoryfields_update(*, organisation, rows, by):
    """Save the table: `rows` is a list of (field, name, searchable); fields of the organisation."""
    errors = {}
    cleaned = []
    for field, name, searchable in rows:
        if not isinstance(field, DirectoryField) or field.organisation_id != organisation.pk:
            raise ValidationError(_("Choose fields of the organisation."), code="invalid_choice")
        try:
            cleaned.append((field, _clean_value(name, max_length=DirectoryField._meta.get_field("name").max_length), bool(searchable)))
        except ValidationError as exc:
            errors[f"name_{field.pk}"] = exc.messages
    names = [name.casefold() for _f, name, _s in cleaned if name]
    for field, name, _s in cleaned:
        if name and names.count(name.casefold()) > 1:
            errors.setdefault(f"name_{field.pk}", []).append(str(_("Two fields cannot have the same name.")))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for field, name, searchable in cleaned:
            field = DirectoryField.objects.select_for_update().get(pk=field.pk)
            before = snapshot(field)
            field.name, field.searchable = name, searchable
            field.save(update_fields=["name", "searchable"])
            changes = diff(before, snapshot(field))
            if changes:
                audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=field, changes=changes)


# --- values (USR-7/8) --------------------------------------------------------------------------


def user_set_directory_values(*, user, values, by):
    """Set the user's directory values: `values` maps DirectoryField → text (empty removes).
    Fields must be the user's organisation's. Applies directly (admins need no moderation)."""
    errors = {}
    cleaned = {}
    for field, value in values.items():
        if not isinstance(field, DirectoryField) or field.organisation_id != user.organisation_id:
            raise ValidationError(_("Choose fields of the organisation."), code="invalid_choice")
        try:
            cleaned[field] = _clean_value(value)
        except ValidationError as exc:
            errors[f"field_{field.number}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        current = {v.field_id: v for v in DirectoryFieldValue.objects.filter(user=user, field__in=list(cleaned))}
        changes = {}
        for field, value in cleaned.items():
            row = current.get(field.pk)
            old = row.value if row else ""
            if old == value:
                continue
            if value:
                if row:
                    row.value = value
                    row.save(update_fields=["value"])
                else:
                    DirectoryFieldValue.objects.create(user=user, field=field, value=value)
            elif row:
                row.delete()
            changes[f"directory:{field}"] = [old, value]
        if changes:
            audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=user, changes=changes)


# --- moderation (USR-18) -----------------------------------------------------------------------


def directory_proposal_submit(*, user, field, value, by):
    """A user proposes `value` for `field` of `user` (often him/herself). Replaces an older open
    proposal for the same user and field. Returns the proposal (None if the value is unchanged)."""
    if not isinstance(field, DirectoryField) or field.organisation_id != user.organisation_id:
        raise ValidationError(_("Choose fields of the organisation."), code="invalid_choice")
    try:
        value = _clean_value(value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc
    # SVC-16 (services) decides which fields users may edit; a refused field raises here.
    directory_proposal_submitting.send(sender=User, user=user, field=field, by=by)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        DirectoryFieldProposal.objects.filter(user=user, field=field).delete()
        current = DirectoryFieldValue.objects.filter(user=user, field=field).values_list("value", flat=True).first() or ""
        if current == value:
            return None
        proposal = DirectoryFieldProposal.objects.create(user=user, field=field, value=value, proposed_by=by)
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=proposal, organisation=user.organisation, changes=diff({}, snapshot(proposal)))
    return proposal


def _notify(proposal, approved):
    """Tell the proposer (after commit) that the proposal was approved or rejected."""
    proposer = proposal.proposed_by
    if proposer is None or not proposer.email:
        return
    context = {
        "proposer": proposer,
        "user": proposal.user,
        "field": str(proposal.field),
        "value": proposal.value,
        "approved": approved,
    }
    language = proposer.language if proposer.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string("emails/directory_moderation-subject.txt", context).strip()
        body = render_to_string("emails/directory_moderation-body.txt", context)
    recipient = proposer.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=False))


def directory_proposal_approve(*, proposal, by):
    """Approve: the proposed value becomes the user's value; the proposer is notified."""
    with transaction.atomic():
        proposal = DirectoryFieldProposal.objects.select_for_update(of=("self",)).select_related("user", "field", "proposed_by").get(pk=proposal.pk)
        user_set_directory_values(user=proposal.user, values={proposal.field: proposal.value}, by=by)
        audit_record(
            actor=by, action=AuditEntry.Action.DELETE, obj=proposal, organisation=proposal.user.organisation, changes={"approved": ["", proposal.value]}
        )
        _notify(proposal, approved=True)
        proposal.delete()


def directory_proposal_reject(*, proposal, by):
    """Reject: the proposal is discarded; the proposer is notified."""
    with transaction.atomic():
        proposal = DirectoryFieldProposal.objects.select_for_update(of=("self",)).select_related("user", "field", "proposed_by").get(pk=proposal.pk)
        audit_record(
            actor=by, action=AuditEntry.Action.DELETE, obj=proposal, organisation=proposal.user.organisation, changes={"rejected": [proposal.value, ""]}
        )
        _notify(proposal, approved=False)
        proposal.delete()
