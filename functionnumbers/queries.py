"""Reads of function numbers."""

from django.db.models import Q

from customers import permissions
from functionnumbers.layouts import MENU_ORDER, layout_for
from functionnumbers.models import SCHEDULED_KINDS, SUPERVISED_KINDS, CallGroup, FunctionNumber

SCHEDULES_MENU_ENTRY = "functionnumbers:schedule_list"


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


def sees_every_function_number(user, organisation):
    """OrgAdmins and support (per their permissions) see and create every function number."""
    return permissions.may(user, permissions.EDIT_FUNCTION_NUMBER, organisation=organisation)


def function_numbers_visible_to(user, organisation, kind=None):
    """The function numbers (of `kind`, as its model; else all, as FunctionNumber) `user` may open
    (SET-5): all for OrgAdmins and support; for others those whose group administrators include a
    group of the user's, every ACD and attendant group for ACD supervisors, and call groups whose
    control groups include one of the user's groups. customers.permissions.may decides on each
    object by the same rules; this is the same answer for a whole list, in one query."""
    if kind is None:
        queryset = FunctionNumber.objects.for_organisation(organisation)
    else:
        queryset = function_numbers_of_kind(organisation, kind)
    if sees_every_function_number(user, organisation):
        return queryset
    if not _own(user, organisation):
        return queryset.none()
    groups = permissions.group_ids(user)
    visible = Q(admin_groups__in=groups)
    if permissions.is_acd_supervisor(user):
        visible |= Q(kind__in=SUPERVISED_KINDS)
    controlled = CallGroup.objects.filter(control_groups__in=groups).values("pk")
    visible |= Q(pk__in=controlled)
    ids = FunctionNumber.objects.for_organisation(organisation).filter(visible).values("pk")
    return queryset.filter(pk__in=ids)


def _own(user, organisation):
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organisation_id == getattr(organisation, "pk", None)
    )


def schedules_visible_to(user, organisation):
    """The function numbers whose schedule `user` may change (FN-10, SET-5): every schedulable one
    for OrgAdmins, support and "Planadministrator" members, those naming one of the user's groups
    as group administrators for others (customers.permissions.may(EDIT_SCHEDULE) on each)."""
    queryset = FunctionNumber.objects.for_organisation(organisation).filter(kind__in=SCHEDULED_KINDS)
    if permissions.may(user, permissions.EDIT_SCHEDULE, organisation=organisation) and (
        sees_every_function_number(user, organisation) or permissions.is_schedule_admin(user)
    ):
        return queryset
    if not _own(user, organisation):
        return queryset.none()
    ids = queryset.filter(admin_groups__in=permissions.group_ids(user)).values("pk")
    return queryset.filter(pk__in=ids)


def delegated_function_numbers(user, organisation):
    """Everything of function numbers `user` may open without being an OrgAdmin: their pages
    (function_numbers_visible_to) and their schedules (schedules_visible_to). Someone with none
    has nothing to see in the portal (customers.permissions.has_delegated_access)."""
    pages = function_numbers_visible_to(user, organisation).values("pk")
    schedules = schedules_visible_to(user, organisation).values("pk")
    return FunctionNumber.objects.for_organisation(organisation).filter(
        Q(pk__in=pages) | Q(pk__in=schedules)
    )


def visible_menu_entries(user, organisation):
    """The entries of MENU_ORDER (types, and pages such as the schedules) `user` may open, in the
    guide's order: all for those who see everything; for group administrators, ACD supervisors,
    controllers and schedule administrators only the types with a function number of theirs, and
    the schedules when they may change one. The menu and the home page show only these."""
    if sees_every_function_number(user, organisation):
        return list(MENU_ORDER)
    kinds = set(
        function_numbers_visible_to(user, organisation)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    if schedules_visible_to(user, organisation).exists():
        kinds.add(SCHEDULES_MENU_ENTRY)
    return [entry for entry in MENU_ORDER if entry in kinds]


def outgoing_line_number_ids(user, organisation):
    """Registry Number ids of the ACD and attendant groups `user` may use as outgoing line (USR-6,
    FC-7): "Tillad anvendelse af denne gruppe som udgående brugerlinje" is on and one of the
    user's groups is among "Hvilke brugergrupper kan logge på og besvare opkald"."""
    if user is None or not getattr(user, "pk", None):
        return CallGroup.objects.none().values("number_id")
    return (
        CallGroup.objects.for_organisation(organisation)
        .filter(
            kind__in=SUPERVISED_KINDS,
            outgoing_line_allowed=True,
            login_groups__memberships__user=user,
        )
        .values("number_id")
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
