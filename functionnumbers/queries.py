"""Reads of function numbers."""

from django.db.models import Q

from customers import permissions
from functionnumbers.layouts import MENU_ORDER, layout_for
from functionnumbers.models import SUPERVISED_KINDS, CallGroup, FunctionNumber


def function_numbers_of_kind(organisation, kind):
    """The organisation's function numbers of one type, as the type's model, for its list page."""
    layout = layout_for(kind)
    return (
        layout.model._default_manager.for_organisation(organisation)
        .filter(kind=kind)
        .select_related("number")
        .order_by("number__kind", "number__value")
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


def visible_kinds(user, organisation):
    """The types (in menu order) of which `user` may open at least one function number; every
    type for those who see everything. The menu and the home page show only these."""
    if sees_every_function_number(user, organisation):
        return list(MENU_ORDER)
    kinds = set(
        function_numbers_visible_to(user, organisation)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    return [kind for kind in MENU_ORDER if kind in kinds]


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
