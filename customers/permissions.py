"""The one permission module (ARCHITECTURE.md invariant 2, FEATURES.md SET-5).

Views ask `may(user, action, obj=None, organisation=None)`; nothing else decides who may do what.
Support staff acting inside an organisation (request.acting_as_support) count as OrgAdmin there.
"""

ADMINISTER_ORGANISATION = "administer_organisation"  # every admin page of the portal
MANAGE_USERS = "manage_users"
MANAGE_SERVICES = "manage_services"
MANAGE_DEVICES = "manage_devices"
EDIT_FUNCTION_NUMBER = "edit_function_number"
EDIT_SCHEDULE = "edit_schedule"
CONTROL_AGENTS = "control_agents"
MODERATE_DIRECTORY = "moderate_directory"

ORG_ADMIN_ACTIONS = {
    ADMINISTER_ORGANISATION,
    MANAGE_USERS,
    MANAGE_SERVICES,
    MANAGE_DEVICES,
    EDIT_FUNCTION_NUMBER,
    EDIT_SCHEDULE,
    CONTROL_AGENTS,
    MODERATE_DIRECTORY,
}


def is_org_admin(user, organisation):
    """OrgAdmin of `organisation`, or support staff (who may act in any organisation)."""
    if user is None or not user.is_authenticated or not user.is_active or organisation is None:
        return False
    if user.is_staff:
        return True
    return user.organisation_id == organisation.pk and user.is_org_admin


def _group_ids(user):
    cache = getattr(user, "_connect_group_ids", None)
    if cache is None:
        cache = set(user.memberships.values_list("group_id", flat=True))
        user._connect_group_ids = cache
    return cache


def may(user, action, obj=None, organisation=None):
    """May `user` do `action` (to `obj`) in `organisation`?"""
    if organisation is None and obj is not None:
        organisation = getattr(obj, "organisation", None)
    if organisation is None:
        organisation = getattr(user, "organisation", None)
    if is_org_admin(user, organisation):
        return action in ORG_ADMIN_ACTIONS
    if user is None or not user.is_authenticated or user.organisation_id != getattr(organisation, "pk", None):
        return False
    if action == EDIT_SCHEDULE:
        return user.memberships.filter(group__is_schedule_admin=True).exists()
    if action in (EDIT_FUNCTION_NUMBER, CONTROL_AGENTS) and obj is not None:
        admin_groups = getattr(obj, "admin_group_ids", None)
        if callable(admin_groups):
            if _group_ids(user) & set(admin_groups()):
                return True
        if action == CONTROL_AGENTS:
            if user.memberships.filter(group__is_acd_supervisor=True).exists():
                return True
            control_groups = getattr(obj, "control_group_ids", None)
            if callable(control_groups) and _group_ids(user) & set(control_groups()):
                return True
        return False
    return False


def has_portal_access(user, organisation):
    """Anyone who may use at least part of the admin portal."""
    return is_org_admin(user, organisation)
