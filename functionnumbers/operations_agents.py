"""Writes of agent lists and login state (FN-2 "Fordelingsindstillinger", FN-7, FN-9, FC-1):
each in one transaction with an audit entry on the group, raising ValidationError keyed by field.

The agent list is kept gap-free (positions 1..n, 1 offered first in priority mode); every change
locks the group's row first, so two admins editing the same list one after the other never
produce duplicate positions. Who may call these (OrgAdmin, the group's administrators,
supervisors, controllers) is decided by the views through customers.permissions.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Max, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from connect.lib.audit import audit_record
from customers.models import AuditEntry
from functionnumbers import queries
from functionnumbers.models import Agent, AgentLogin, CallGroup, FunctionNumber, Kind

SKILL_LEVELS = range(1, 11)  # FN-2: "Levels *our decision* 1–10"
DEFAULT_SKILL_LEVEL = 5
LOGIN_KINDS = (Kind.ACD, Kind.ATTENDANT, Kind.HUNT)


def _lock(function_number):
    return FunctionNumber.objects.select_for_update().get(pk=function_number.pk)


def _audit(group, by, changes):
    audit_record(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        obj=group,
        organisation=group.organisation,
        changes=changes,
    )


def _check_level(skill_level):
    if skill_level is None:
        return DEFAULT_SKILL_LEVEL
    try:
        level = int(skill_level)
    except (TypeError, ValueError):
        level = None
    if level not in SKILL_LEVELS:
        raise ValidationError(
            {"skill_level": _("Choose a level from 1 to 10.")}, code="invalid_level"
        )
    return level


def agent_add(*, group, user, by, skill_level=None):
    """Put `user` last on `group`'s agent list (with `skill_level`, 1–10, for skill mode). Only
    members of the group's login groups or administrator groups can be added (FN-2)."""
    if not isinstance(group, CallGroup):
        raise TypeError("agents belong to ACD and attendant groups")
    level = _check_level(skill_level)
    with transaction.atomic():
        _lock(group)
        if user is None or user.organisation_id != group.organisation_id:
            raise ValidationError({"user": _("Choose a user of the organisation.")}, code="invalid")
        if not queries.eligible_agents(group).filter(pk=user.pk).exists():
            raise ValidationError(
                {
                    "user": _(
                        "%(user)s cannot be an agent of this group: only members of the groups "
                        "that can log in or administer it can."
                    )
                    % {"user": user.username}
                },
                code="not_eligible",
            )
        if Agent.objects.filter(group=group, user=user).exists():
            raise ValidationError(
                {"user": _("%(user)s is already on the list.") % {"user": user.username}},
                code="duplicate",
            )
        last = Agent.objects.filter(group=group).aggregate(last=Max("position"))["last"] or 0
        agent = Agent.objects.create(group=group, user=user, position=last + 1, skill_level=level)
        _audit(group, by, {f"agent {user.username}": ["", f"#{agent.position}, level {level}"]})
    return agent


def agent_remove(*, agent, by):
    """Take `agent` off its group's list; the agents after it move up one place."""
    with transaction.atomic():
        _lock(agent.group)
        fresh = Agent.objects.get(pk=agent.pk)
        fresh.delete()
        Agent.objects.filter(group=agent.group_id, position__gt=fresh.position).update(
            position=F("position") - 1
        )
        _audit(
            agent.group,
            by,
            {f"agent {agent.user.username}": [f"#{fresh.position}, level {fresh.skill_level}", ""]},
        )


def agent_move(*, agent, direction, by):
    """Swap `agent` with its neighbour above ("up") or below ("down") in priority order. At the
    top (bottom) moving up (down) changes nothing. Of `agent` only its pk and group are used: it
    is read afresh under the group's lock (Agent.DoesNotExist when it is not on that group's list).
    Returns the agent with its new position and its user. A fixed handful of queries whatever the
    list's length (issue 10: at most 10 for the whole request)."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Choose up or down.")}, code="invalid")
    step = -1 if direction == "up" else 1
    group = agent.group
    with transaction.atomic():
        _lock(group)
        # Positions are gap-free, so the neighbour is at position ± 1: one query reads both.
        own = Agent.objects.filter(pk=agent.pk, group=group.pk).values("position")
        pair = {
            row.pk: row
            for row in Agent.objects.filter(group=group.pk)
            .filter(Q(pk=agent.pk) | Q(position=Subquery(own) + step))
            .select_related("user")
        }
        if agent.pk not in pair:
            raise Agent.DoesNotExist
        moving = pair.pop(agent.pk)
        moving.group = group
        if not pair:
            return moving
        neighbour = pair.popitem()[1]
        old = moving.position
        Agent.objects.filter(pk__in=[moving.pk, neighbour.pk]).update(
            position=Case(
                When(pk=moving.pk, then=Value(neighbour.position)),
                default=Value(moving.position),
            )
        )
        moving.position, neighbour.position = neighbour.position, old
        _audit(group, by, {f"agent {moving.user.username}": [f"#{old}", f"#{moving.position}"]})
    return moving


def agent_set_level(*, agent, skill_level, by):
    """Change the skill level (1–10) of `agent` ("Rediger" in skill mode)."""
    level = _check_level(skill_level)
    with transaction.atomic():
        _lock(agent.group)
        fresh = Agent.objects.get(pk=agent.pk)
        if fresh.skill_level != level:
            old, fresh.skill_level = fresh.skill_level, level
            fresh.save(update_fields=["skill_level"])
            _audit(
                agent.group,
                by,
                {f"agent {agent.user.username}": [f"level {old}", f"level {level}"]},
            )
    return fresh


def agent_login_set(*, function_number, user, logged_in, by):
    """Log `user` in to or out of an ACD, attendant or hunt group (FC-1 semantics, FN-9). The
    user must be a member of the group's login (participating) groups. Idempotent: setting the
    state the user is already in writes nothing. Returns True when the state changed."""
    if function_number.kind not in LOGIN_KINDS:
        raise TypeError("only ACD, attendant and hunt groups have agents to log in")
    with transaction.atomic():
        group = _lock(function_number)
        if user is None or not queries.login_members(group).filter(pk=user.pk).exists():
            raise ValidationError(
                {
                    "user": _(
                        "Only members of the groups that can log in to this group can be logged in or out."
                    )
                },
                code="not_member",
            )
        row = (
            AgentLogin.objects.select_for_update().filter(function_number=group, user=user).first()
        )
        current = row.logged_in if row is not None else queries.logged_in_by_default(group)
        if current == bool(logged_in):
            return False
        if row is None:
            AgentLogin.objects.create(
                function_number=group, user=user, logged_in=bool(logged_in), changed_by=by
            )
        else:
            row.logged_in, row.changed_by = bool(logged_in), by
            row.save(update_fields=["logged_in", "changed_by", "changed_at"])
        state = {True: "logged in", False: "logged out"}
        _audit(
            function_number.specific(),  # the type's model: its history page shows the entry
            by,
            {f"login {user.username}": [state[current], state[bool(logged_in)]]},
        )
    return True
