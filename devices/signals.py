"""`phone_config_changed`: the hook provisioning uses to drop cached configuration files.

notify_config_changed() first raises the phones' `config_version` in the caller's transaction (so
the change and the new version commit together: a file rendered from the state before the change
carries an older version and is never served again), then sends the signal after commit, with `sender=Phone` and `phone_ids` (a list of Phone primary keys, possibly of
phones that no longer exist), whenever something a phone receives may have changed: the phone
itself, its keys, its line-1 or key users (name, SIP account), or a user's deletion. Receivers
must be cheap and must not fail (they run after the transaction, where an error cannot undo it).

The receivers below (connected in DevicesConfig.ready) watch what `devices` does not own but
phones show: a renamed or deleted user (also renamed in bulk: customers.signals.users_changed),
a user's lines (a busy-lamp key watches the primary line's number), and SIP accounts.
"""

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal

phone_config_changed = Signal()


def notify_config_changed(phone_ids):
    """Raise the phones' config_version now and send phone_config_changed once the current
    transaction commits (at once outside one). Call it after the change, or in its transaction.
    However often it is called in one transaction, the signal is sent once, with every phone."""
    from devices.models import Phone

    ids = sorted({int(pk) for pk in phone_ids if pk is not None})
    if not ids:
        return
    Phone.objects.filter(pk__in=ids).update(config_version=F("config_version") + 1)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        phone_config_changed.send(sender=Phone, phone_ids=ids)
        return
    notice = getattr(connection, "_phone_config_notice", None)
    if notice is None or not notice.pending(connection):
        notice = connection._phone_config_notice = _Notice()
    notice.ids.update(ids)
    transaction.on_commit(notice.send)  # the first of a notice's callbacks to run sends it all


class _Notice:
    """The phones to announce when the current transaction commits, sent once."""

    def __init__(self):
        self.ids = set()
        self.sent = False

    def pending(self, connection):
        """Still to be sent: not sent yet, and not dropped with a rolled-back (savepoint) block."""
        return not self.sent and any(getattr(entry[1], "__self__", None) is self for entry in connection.run_on_commit)

    def send(self):
        from devices.models import Phone

        if not self.sent:
            self.sent = True
            phone_config_changed.send(sender=Phone, phone_ids=sorted(self.ids))


def phone_ids_for_users(user_ids):
    """Phones whose configuration shows one of these users: line 1, or a line/BLF key."""
    from devices.models import FunctionKey, Phone

    user_ids = list(user_ids)
    ids = set(Phone.objects.filter(user_id__in=user_ids).values_list("pk", flat=True))
    ids.update(FunctionKey.objects.filter(target_user_id__in=user_ids).values_list("phone_id", flat=True))
    return ids


def phone_ids_for_user(user_id):
    """Phones whose configuration shows this user: line 1, or a line/BLF key."""
    return phone_ids_for_users([user_id])


def users_changed(sender, user_ids=(), **kwargs):
    """customers.signals.users_changed: users were changed in bulk (no post_save)."""
    notify_config_changed(phone_ids_for_users(user_ids))


def user_detail_changed(sender, instance, **kwargs):
    """A user's line (the number a busy lamp watches) or SIP account was saved or deleted."""
    notify_config_changed(phone_ids_for_user(instance.user_id))


_NAME_FIELDS = ("first_name", "last_name", "username")


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    if created:
        return
    if update_fields is not None and not set(update_fields) & set(_NAME_FIELDS):
        return  # e.g. last_login
    notify_config_changed(phone_ids_for_user(instance.pk))


def user_deleting(sender, instance, **kwargs):
    """Before the database unassigns the user (SET_NULL): audit it and tell provisioning."""
    from connect.lib.audit import audit_record
    from customers.models import AuditEntry
    from devices.models import Phone

    ids = phone_ids_for_user(instance.pk)
    for phone in Phone.objects.filter(user_id=instance.pk):
        audit_record(
            actor=None,
            action=AuditEntry.Action.UPDATE,
            obj=phone,
            changes={"user": [instance.username, None]},
        )
    notify_config_changed(ids)
