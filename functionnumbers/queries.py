"""Reads of function numbers."""

from functionnumbers.layouts import layout_for


def function_numbers_of_kind(organisation, kind):
    """The organisation's function numbers of one type, as the type's model, for its list page."""
    layout = layout_for(kind)
    return (
        layout.model._default_manager.for_organisation(organisation)
        .filter(kind=kind)
        .select_related("number")
        .order_by("number__kind", "number__value")
    )


# --- Agents and login state (FN-2, FN-7, FN-9, FC-1) ------------------------------------------


def eligible_agents(group):
    """Users who may be put on a call group's agent list: members of its login groups or of its
    administrator groups (FN-2, *our decision*). One query when evaluated."""
    from django.db.models import Exists, OuterRef, Q

    from customers.models import GroupMembership, User

    memberships = GroupMembership.objects.filter(user=OuterRef("pk")).filter(
        Q(group__login_call_groups=group.pk) | Q(group__administered_function_numbers=group.pk)
    )
    return User.objects.for_organisation(group.organisation_id).filter(Exists(memberships))


def agent_candidates(group, text, limit):
    """Eligible users not yet on the list whose user ID, first or last name contains every word of
    `text` ("Indtast en del af bruger-ID'et, for- eller efternavn")."""
    from django.db.models import Q

    users = eligible_agents(group).filter(is_active=True).exclude(agent_entries__group=group.pk)
    for word in text.split()[:5]:
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return users.order_by("first_name", "last_name", "username")[:limit]


def agent_list(group):
    """The agent list as shown: by position (priority mode) or highest level first (skill mode),
    with only the user columns the page shows."""
    from functionnumbers.models import Agent, CallGroup

    agents = (
        Agent.objects.filter(group=group.pk)
        .select_related("user")
        .only(
            "position",
            "skill_level",
            "group_id",
            "user__username",
            "user__first_name",
            "user__last_name",
        )
    )
    if group.distribution == CallGroup.Distribution.SKILL:
        return agents.order_by("-skill_level", "position", "pk")
    return agents.order_by("position", "pk")


def login_members(function_number):
    """The users who can be logged in to a call or hunt group: members of its login groups
    (ACD/attendant) or of its participating groups (hunt group)."""
    from django.db.models import Exists, OuterRef

    from customers.models import GroupMembership, User
    from functionnumbers.models import Kind

    if function_number.kind == Kind.HUNT:
        lookup = {"group__hunt_groups": function_number.pk}
    else:
        lookup = {"group__login_call_groups": function_number.pk}
    memberships = GroupMembership.objects.filter(user=OuterRef("pk"), **lookup)
    return User.objects.for_organisation(function_number.organisation_id).filter(
        Exists(memberships)
    )


def logged_in_by_default(function_number):
    """FN-9: hunt group members are logged in until they log out; ACD and attendant agents are
    logged out until they log in."""
    from functionnumbers.models import Kind

    return function_number.kind == Kind.HUNT


def login_states(function_number):
    """Everyone who can be logged in, by name, each with `logged_in` (their stored state, else
    the type's default). One query."""
    from django.db.models import BooleanField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from functionnumbers.models import AgentLogin

    stored = AgentLogin.objects.filter(
        function_number=function_number.pk, user=OuterRef("pk")
    ).values("logged_in")[:1]
    default = Value(logged_in_by_default(function_number), output_field=BooleanField())
    return (
        login_members(function_number)
        .filter(is_active=True)
        .annotate(logged_in=Coalesce(Subquery(stored), default))
        .only("username", "first_name", "last_name", "organisation_id")
        .order_by("first_name", "last_name", "username")
    )


def schedule_rows(function_number):
    """(events in order, default event row or None) of one function number's schedule."""
    from functionnumbers.models import ScheduleEvent

    rows = list(
        ScheduleEvent.objects.filter(function_number=function_number)
        .select_related("prompt", "forward_function__number")
        .order_by("is_default", "position", "pk")
    )
    default = next((row for row in rows if row.is_default), None)
    return [row for row in rows if not row.is_default], default


def schedules_of(function_number_ids):
    """{function number id: ([schedules.Event], default Event or None)} for many function
    numbers in one query."""
    from functionnumbers.models import ScheduleEvent

    result = {pk: ([], None) for pk in function_number_ids}
    rows = (
        ScheduleEvent.objects.filter(function_number__in=list(result))
        .select_related("prompt", "forward_function__number")
        .order_by("function_number", "is_default", "position", "pk")
    )
    for row in rows:
        events, default = result[row.function_number_id]
        if row.is_default:
            result[row.function_number_id] = (events, row.as_event())
        else:
            events.append(row.as_event())
    return result


def schedule_state_at(function_number, at):
    """The schedules.ScheduleMatch of one function number at `at` (its organisation's time zone)."""
    from functionnumbers import schedules

    events, default = schedules_of([function_number.pk])[function_number.pk]
    return schedules.schedule_match(
        events, default, at, time_zone=function_number.organisation.time_zone
    )
