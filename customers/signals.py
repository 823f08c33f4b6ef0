"""Signals other apps may connect to (customers imports none of them).

user_copied(sender=User, source, target, by): sent by customers.operations.user_copy inside its
transaction after "Opret ny bruger baseret på denne bruger" (USR-15) created `target` from
`source`. The services app connects a receiver that copies the user-level service settings and
user routing rules; a receiver that raises ValidationError aborts the whole copy.

users_changed(sender=User, user_ids): sent inside the transaction by bulk writes that change
users without saving each one (no post_save), such as the CSV/LDIF import's bulk update of names
and personal lines (customers.operations.users_bulk: once per import, with every user), and a
change of a user's groups (customers.operations.users: the groups' settings apply to the user).
devices connects a receiver that marks the phones showing those users as changed.

directory_proposal_submitting(sender=User, user, field, by): sent by
customers.operations.directory.directory_proposal_submit before a user's own edit of a directory
field (USR-18) is stored. The services app connects a receiver that raises ValidationError when
`field` is not among the fields SVC-16 lets `user` edit; the proposal is then not stored.
"""

from django.dispatch import Signal

user_copied = Signal()
users_changed = Signal()
directory_proposal_submitting = Signal()
