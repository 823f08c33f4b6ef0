"""Signals other apps may connect to (customers imports none of them).

user_copied(sender=User, source, target, by): sent by customers.operations.user_copy inside its
transaction after "Opret ny bruger baseret på denne bruger" (USR-15) created `target` from
`source`. The services app connects a receiver that copies the user-level service settings and
user routing rules; a receiver that raises ValidationError aborts the whole copy.
"""

from django.dispatch import Signal

user_copied = Signal()
