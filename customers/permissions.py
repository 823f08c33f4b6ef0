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
RECORD_PROMPT = "record_prompt"  # "Optag filen": the platform calls the admin (ORG-5, SET-5)

ORG_ADMIN_ACTIONS = {
    ADMINISTER_ORGANISATION,
    MANAGE_USERS,
    MANAGE_SERVICES,
    MANAGE_DEVICES,
    EDIT_FUNCTION_NUMBER,
    EDIT_SCHEDULE,
    CONTROL_AGENTS,
    MODERATE_DIRECTORY,
    RECORD_PROMPT,
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


# --- Directory field moderation (USR-18, SET-5) ------------------------------------------------


def group_admin_group_ids(organisation):
    """Ids of the groups chosen as "Kan administreres af gruppeadministratoren med profil" on any
    function number of the organisation. Function numbers are reached through the number
    registry's owner (customers imports no other app) and answer `admin_group_ids()`."""
    from collections import defaultdict

    from django.contrib.contenttypes.models import ContentType

    from customers.models import Number

    owners = defaultdict(set)
    rows = (
        Number.objects.for_organisation(organisation)
        .filter(purpose=Number.Purpose.FUNCTION_NUMBER, owner_type__isnull=False)
        .values_list("owner_type_id", "owner_id")
    )
    for type_id, owner_id in rows:
        owners[type_id].add(owner_id)
    ids = set()
    for type_id, owner_ids in owners.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for obj in model._default_manager.filter(pk__in=owner_ids):
            admin_groups = getattr(obj, "admin_group_ids", None)
            if callable(admin_groups):
                ids.update(admin_groups())
    return ids


def directory_moderation_users(user, organisation):
    """The users whose directory proposals `user` may approve or reject, as a queryset.

    SET-5: OrgAdmins moderate every user of the organisation; members of a group-administrator
    group moderate the users who share a group with them; everyone else nobody."""
    from customers.models import GroupMembership, User

    users = User.objects.for_organisation(organisation)
    if is_org_admin(user, organisation):
        return users
    if user is None or not user.is_authenticated or user.organisation_id != getattr(organisation, "pk", None):
        return users.none()
    own_groups = set(user.memberships.values_list("group_id", flat=True))
    if not own_groups & group_admin_group_ids(organisation):
        return users.none()
    shared = GroupMembership.objects.filter(group_id__in=own_groups).values("user_id")
    return users.filter(pk__in=shared)


def may_moderate_directory(user, organisation):
    """May `user` open the moderation queue (USR-18)?"""
    return directory_moderation_users(user, organisation).exists()
