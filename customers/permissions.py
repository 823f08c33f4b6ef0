"""The one permission module (ARCHITECTURE.md invariants 1 and 2, FEATURES.md SET-5).

Views ask `may(user, action, obj=None, organisation=None, write=False)`; nothing else decides who
may do what in the portal. `write` is True for requests that change something (every method but
GET, HEAD and OPTIONS); the portal's base view passes it.

Support staff: being staff (`is_staff`) grants nothing in the portal. Staff holding
SUPPORT_PERMISSION may act inside an organisation's portal (superusers hold every permission);
once inside, each action needs the Django model permissions listed in STAFF_PERMISSIONS, the
first set to read and the second to write. The Django admin asks the same table (`staff_may`),
so a staff member may do the same things in the admin and in the portal.
"""

ADMINISTER_ORGANISATION = "administer_organisation"  # every admin page of the portal
MANAGE_USERS = "manage_users"
MANAGE_SERVICES = "manage_services"
MANAGE_DEVICES = "manage_devices"
EDIT_FUNCTION_NUMBER = "edit_function_number"
EDIT_SCHEDULE = "edit_schedule"
CONTROL_AGENTS = "control_agents"
MODERATE_DIRECTORY = "moderate_directory"
# The provisioning ticket is in the provisioning URLs; whoever holds it can fetch every phone's
# SIP password. Reading it is therefore guarded like renewing it.
VIEW_PROVISIONING_TICKET = "view_provisioning_ticket"
RENEW_PROVISIONING_TICKET = "renew_provisioning_ticket"
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
    VIEW_PROVISIONING_TICKET,
    RENEW_PROVISIONING_TICKET,
    RECORD_PROMPT,
}

# --- Support staff -------------------------------------------------------------------------------

SUPPORT_PERMISSION = "customers.act_in_organisation"  # declared on Organisation.Meta.permissions

_SERVICES_MODELS = (
    "workinghourssettings",
    "advancedsettings",
    "callpickupsettings",
    "callqueuesettings",
    "futurepresencesettings",
    "callintrusionsettings",
    "callmonitoringsettings",
    "directorysearchsettings",
    "directoryeditsettings",
    "ringtonesettings",
    "smsauthorizationsettings",
    "diversionbypasssettings",
    "extendworkinghourssettings",
    "musiconholdsettings",
    "voicemailsettings",
    "mandatorycontact",
    "externalcontact",
    "contactnumber",
)
_TICKET = ("provisioning.change_ticket",)

# action -> (permissions to read, permissions to write). A portal section is coarser than
# Django's models: reading it needs the view permission of what it shows, writing the change
# permission of what it edits. Actions without an entry (function numbers, which have no models
# yet) are left to superusers.
STAFF_PERMISSIONS = {
    # Home, number ranges, jobs and history.
    ADMINISTER_ORGANISATION: (("customers.view_organisation",), ("customers.change_organisation",)),
    # Users, groups, directory fields, imports and exports, welcome messages, smartphone clients.
    MANAGE_USERS: (("customers.view_user",), ("customers.change_user",)),
    MANAGE_SERVICES: (
        tuple(f"services.view_{model}" for model in _SERVICES_MODELS),
        tuple(f"services.change_{model}" for model in _SERVICES_MODELS),
    ),
    MANAGE_DEVICES: (("devices.view_phone",), ("devices.change_phone",)),
    MODERATE_DIRECTORY: (
        ("customers.view_directoryfieldproposal",),
        ("customers.change_directoryfieldvalue",),
    ),
    VIEW_PROVISIONING_TICKET: (_TICKET, _TICKET),
    RENEW_PROVISIONING_TICKET: (_TICKET, _TICKET),
}


def _is_active_staff(user):
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def may_act_in_organisations(user):
    """May `user` act inside organisations' portals as support (the "act inside" button)?"""
    return _is_active_staff(user) and user.has_perm(SUPPORT_PERMISSION)


def staff_may(user, action, *, write=False):
    """Do `user`'s Django permissions allow `action` (see STAFF_PERMISSIONS)? Asked by may() for
    support acting inside an organisation and by the Django admin, so that both agree."""
    if not _is_active_staff(user):
        return False
    needed = STAFF_PERMISSIONS.get(action)
    if needed is None:
        return user.is_superuser
    return user.has_perms(needed[1] if write else needed[0])


def is_org_admin(user, organisation):
    """OrgAdmin of `organisation` (its own administrator profile). Support staff are not: see may()."""
    if user is None or not user.is_authenticated or not user.is_active or organisation is None:
        return False
    return user.organisation_id == organisation.pk and user.is_org_admin


def _support_may(user, action, write):
    return may_act_in_organisations(user) and staff_may(user, action, write=write)


def _group_ids(user):
    cache = getattr(user, "_connect_group_ids", None)
    if cache is None:
        cache = set(user.memberships.values_list("group_id", flat=True))
        user._connect_group_ids = cache
    return cache


def may(user, action, obj=None, organisation=None, *, write=False):
    """May `user` do `action` (to `obj`) in `organisation`? `write`: the request changes something."""
    if organisation is None and obj is not None:
        organisation = getattr(obj, "organisation", None)
    if organisation is None:
        organisation = getattr(user, "organisation", None)
    if is_org_admin(user, organisation):
        return action in ORG_ADMIN_ACTIONS
    if organisation is not None and _support_may(user, action, write):
        return True
    if user is None or not user.is_authenticated or user.organisation_id != getattr(organisation, "pk", None):
        return False
    if action == EDIT_SCHEDULE:
        if user.memberships.filter(group__is_schedule_admin=True).exists():
            return True
        # A function number's group administrators may change its schedule (FN-10, SET-5).
        admin_groups = getattr(obj, "admin_group_ids", None)
        return callable(admin_groups) and bool(_group_ids(user) & set(admin_groups()))
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
    """Anyone who may use at least part of the admin portal: its OrgAdmins and support staff
    allowed to act inside organisations (each page then asks may())."""
    if organisation is None:
        return False
    return is_org_admin(user, organisation) or may_act_in_organisations(user)


def may_set_up_two_factor(user):
    """OrgAdmins and support staff may protect their own sign-in with an authenticator app."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or (user.organisation_id and user.is_org_admin))


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


def directory_moderation_users(user, organisation, *, write=False):
    """The users whose directory proposals `user` may see (and, with `write`, approve or reject),
    as a queryset.

    SET-5: OrgAdmins moderate every user of the organisation; members of a group-administrator
    group moderate the users who share a group with them; support staff follow their Django
    permissions (STAFF_PERMISSIONS); everyone else nobody."""
    from customers.models import GroupMembership, User

    users = User.objects.for_organisation(organisation)
    if is_org_admin(user, organisation):
        return users
    if _support_may(user, MODERATE_DIRECTORY, write):
        return users
    if user is None or not user.is_authenticated or user.organisation_id != getattr(organisation, "pk", None):
        return users.none()
    own_groups = set(user.memberships.values_list("group_id", flat=True))
    if not own_groups & group_admin_group_ids(organisation):
        return users.none()
    shared = GroupMembership.objects.filter(group_id__in=own_groups).values("user_id")
    return users.filter(pk__in=shared)


def may_moderate_directory(user, organisation, *, write=False):
    """May `user` open the moderation queue (USR-18), or with `write` decide on proposals?"""
    return directory_moderation_users(user, organisation, write=write).exists()
