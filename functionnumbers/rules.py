"""Type-specific rules of function numbers (FN-2 … FN-11), called by functionnumbers.operations
for every create and update, whoever calls it (the pages, the admin, imports, tests).

Each type may have a `clean_<type>(instance, *, organisation, fields, m2m)` that raises
ValidationError keyed by field after the plain fields and destinations are set on `instance`,
and an `after_save_<type>(instance, *, fields)` for what belongs to the type beyond its row.
The tables at the bottom say which applies to which kind; EXTRA_FIELDS names operation keywords
that are not model fields.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib import crypto
from functionnumbers.models import GroupInbox, Kind, VoicemailNumber


def clean_group_inbox(instance, *, organisation, fields, m2m):
    """FN-4: the inbox code is 2–10 digits, unique among the organisation's group inboxes; the
    PIN (4–8 digits) is required when anonymous callers may listen after entering it."""
    errors = {}
    code = (instance.inbox_code or "").strip()
    instance.inbox_code = code
    if not (code.isdigit() and 2 <= len(code) <= 10):
        errors["inbox_code"] = _("Enter 2 to 10 digits.")
    else:
        clash = (
            GroupInbox.objects.for_organisation(organisation)
            .filter(inbox_code=code)
            .exclude(pk=instance.pk)
        )
        if clash.exists():
            errors["inbox_code"] = _("Another group inbox already uses the code %(code)s.") % {
                "code": code
            }
    pin = (fields.get("pin") or "").strip()
    if pin and not (pin.isdigit() and 4 <= len(pin) <= 8):
        errors["pin"] = _("The PIN must be 4 to 8 digits.")
    elif instance.anonymous_pin_access and not pin and not instance.pin_encrypted:
        errors["pin"] = _("Enter a PIN when anonymous callers may listen after entering it.")
    if errors:
        raise ValidationError(errors)


def after_save_group_inbox(instance, *, fields):
    pin = (fields.get("pin") or "").strip()
    if pin:
        instance.pin_encrypted = crypto.encrypt(pin)
        instance.save(update_fields=["pin_encrypted"])


def clean_voicemail(instance, *, organisation, fields, m2m):
    """FN-11: type Gruppeindbakke needs at least one group inbox in the organisation."""
    if instance.inbox_type == VoicemailNumber.InboxType.GROUP:
        if not GroupInbox.objects.for_organisation(organisation).exists():
            raise ValidationError(
                {
                    "inbox_type": _(
                        "Create a group inbox first: a voicemail number of type group inbox needs one."
                    )
                }
            )


CLEANERS = {
    Kind.GROUP_INBOX: clean_group_inbox,
    Kind.VOICEMAIL: clean_voicemail,
}
AFTER_SAVE = {
    Kind.GROUP_INBOX: after_save_group_inbox,
}
EXTRA_FIELDS = {
    Kind.GROUP_INBOX: {"pin"},
}


def clean(kind, instance, *, organisation, fields, m2m):
    cleaner = CLEANERS.get(kind)
    if cleaner is not None:
        cleaner(instance, organisation=organisation, fields=fields, m2m=m2m)


def after_save(kind, instance, *, fields):
    hook = AFTER_SAVE.get(kind)
    if hook is not None:
        hook(instance, fields=fields)
