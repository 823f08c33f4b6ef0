from customers import permissions


def portal(request):
    organisation = getattr(request, "organisation", None)
    user = getattr(request, "user", None)
    return {
        "organisation": organisation,
        "acting_as_support": getattr(request, "acting_as_support", False),
        "is_portal_admin": bool(user and permissions.has_portal_access(user, organisation)),
        # False for group administrators, ACD supervisors and controllers (SET-5): menu and home
        # page show them only their function numbers.
        "has_full_portal": bool(user and permissions.has_full_portal_access(user, organisation)),
        "can_set_up_two_factor": bool(user and permissions.may_set_up_two_factor(user)),
    }
