"""SVC-21 Udvidet arbejdstid: extending today's working hours of a scope until a given time.

Who may: an OrgAdmin (or support allowed to manage services) for any scope of the organisation;
otherwise the permission service SVC-21 (SET-4) decides. For a user scope that is
services.queries.may_act_on(actor, "extend_working_hours", user); for a group or the
organisation, the actor must be in a group of that scope's effective "extend_groups" (the same
union the resolver computes for the scope).

What is stored: an "additional working hours" entry (SVC-1) for today, from now until the given
time, in the organisation's time zone, so services.queries.user_within_working_hours (and night
mode) sees it. Working hours are one whole value per scope (SET-3): a scope that inherits its
working hours gets the inherited definition plus the entry as its own value, so the extension
does not reach the other users of the level it inherited from.
"""

import datetime as dt
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers import permissions
from customers.models import GroupMembership, User
from services import working_hours
from services.definitions import EXTEND_WORKING_HOURS, WORKING_HOURS
from services.models import WorkingHoursSettings
from services.queries import may_act_on
from services.resolver import resolve_scope
from services.scopes import USER, Scope

PERMISSION = "extend_working_hours"


def _scope_of(target):
    if isinstance(target, Scope):
        return target
    if isinstance(target, User) and target.organisation_id is not None:
        return Scope(target.organisation, user=target)
    raise TypeError("target must be a services.scopes.Scope or a user of an organisation")


def may_extend_working_hours(actor, target):
    """May `actor` extend today's working hours of `target` (a Scope or a user)?"""
    scope = _scope_of(target)
    organisation = scope.organisation
    if permissions.may(actor, permissions.MANAGE_SERVICES, organisation=organisation, write=True):
        return True
    if (
        actor is None
        or not actor.is_authenticated
        or not actor.is_active
        or actor.organisation_id != organisation.pk
    ):
        return False
    if scope.level == USER:
        return may_act_on(actor, PERMISSION, scope.user)
    allowed = set(resolve_scope(EXTEND_WORKING_HOURS, scope).effective["extend_groups"].value)
    if not allowed:
        return False
    return GroupMembership.objects.filter(user_id=actor.pk, group_id__in=allowed).exists()


def _until(value):
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    try:
        return working_hours.parse_time(value if isinstance(value, str) else "")
    except ValidationError as exc:
        raise ValidationError({"until": exc.messages}) from exc


def working_hours_extend(*, by, target, until, now=None):
    """Extend the working hours of `target` (a Scope, or a user: the user's scope) today until
    `until` (a time or "HH:MM", the organisation's local time). Refuses (PermissionDenied) an
    actor without the right; a time not after now is a ValidationError({"until": ...}).
    Returns the stored WorkingHoursSettings row; the change is audited like any SVC-1 change."""
    from services.operations import service_settings_save

    scope = _scope_of(target)
    if not may_extend_working_hours(by, scope):
        raise PermissionDenied(
            gettext("You may not extend the working hours of %(scope)s.") % {"scope": scope.name}
        )
    until = _until(until)
    zone = zoneinfo.ZoneInfo(scope.organisation.time_zone)
    local_now = (now or timezone.now()).astimezone(zone)
    start = local_now.time().replace(second=0, microsecond=0)
    if until <= start:
        raise ValidationError(
            {
                "until": _("Choose a time later than now (%(now)s) today.")
                % {"now": start.strftime("%H:%M")}
            }
        )
    with transaction.atomic():
        # Lock the scope's row (when it has one) so two extensions at once both end up stored.
        WorkingHoursSettings.objects.select_for_update().filter(**scope.filter_kwargs()).first()
        current = (
            resolve_scope(WORKING_HOURS, scope).effective["definition"].value
            or working_hours.DEFAULT
        )
        entry = {
            "description": gettext("Extended working hours"),
            "date": local_now.date().isoformat(),
            "from_time": start.strftime("%H:%M"),
            "to_time": until.strftime("%H:%M"),
        }
        definition = {**current, "additional": [*current.get("additional", []), entry]}
        return service_settings_save(
            service=WORKING_HOURS, scope=scope, data={"definition": definition}, by=by
        )
