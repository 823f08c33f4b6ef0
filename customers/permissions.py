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
# Function numbers (SET-5). Without an object EDIT_FUNCTION_NUMBER means "all of them": create,
# delete and every list unfiltered (OrgAdmins). With an object it is that one function number's
# page (its group administrators too); VIEW_FUNCTION_NUMBER opens the page read-only (also who may
# control its agents); VIEW_DELEGATED opens the portal for people who administer or control part of
# it (the lists then show only what they may see, functionnumbers.queries).
EDIT_FUNCTION_NUMBER = "edit_function_number"
VIEW_FUNCTION_NUMBER = "view_function_number"
VIEW_DELEGATED = "view_delegated"
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
    VIEW_FUNCTION_NUMBER,
    VIEW_DELEGATED,
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
# permission of what it edits. Actions without an entry are left to superusers.
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
    EDIT_FUNCTION_NUMBER: (("functionnumbers.view_functionnumber",), ("functionnumbers.change_functionnumber",)),
    VIEW_FUNCTION_NUMBER: (("functionnumbers.view_functionnumber",), ("functionnumbers.change_functionnumber",)),
    CONTROL_AGENTS: (("functionnumbers.view_agentlogin",), ("functionnumbers.change_agentlogin",)),
    VIEW_DELEGATED: (("functionnumbers.view_functionnumber",), ("functionnumbers.change_functionnumber",)),
    EDIT_SCHEDULE: (("functionnumbers.view_scheduleevent",), ("functionnumbers.change_scheduleevent",)),
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


def group_ids(user):
    """Ids of the groups `user` is a member of (read once per request's user object)."""
    if user is None or not user.is_authenticated:
        return set()
    return _group_ids(user)


def _in_flagged_group(user, flag):
    """Is `user` a member of a group with the boolean `flag` set? Read once per user object."""
    if user is None or not user.is_authenticated:
        return False
    cache = getattr(user, "_connect_group_flags", None)
    if cache is None:
        cache = user._connect_group_flags = {}
    if flag not in cache:
        from customers.models import UserGroup

        ids = _group_ids(user)
        cache[flag] = bool(ids) and UserGroup.objects.filter(pk__in=ids, **{flag: True}).exists()
    return cache[flag]


def is_acd_supervisor(user):
    """Member of an "ACD-supervisor" group (USR-16): may log agents in and out of every ACD and
    attendant group of the organisation (SET-5)."""
    return _in_flagged_group(user, "is_acd_supervisor")


def is_schedule_admin(user):
    """Member of a "Planadministrator" group (USR-16): may change every schedule (FN-10, SET-5)."""
    return _in_flagged_group(user, "is_schedule_admin")


def _in_own_organisation(user, organisation):
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and organisation is not None
        and user.organisation_id == organisation.pk
    )


def _delegated_may(user, action, obj):
    """SET-5 for people who are not OrgAdmins, on one object that answers the hooks below."""
    admin_groups = getattr(obj, "admin_group_ids", None)
    is_admin = callable(admin_groups) and bool(_group_ids(user) & set(admin_groups()))
    if action == EDIT_FUNCTION_NUMBER:
        return is_admin
    if is_admin:
        return action in (VIEW_FUNCTION_NUMBER, CONTROL_AGENTS)
    if action not in (VIEW_FUNCTION_NUMBER, CONTROL_AGENTS):
        return False
    # ACD supervisors control every ACD and attendant group (not hunt groups: our decision, as
    # the guide names only ACD groups); control groups control their own group.
    if getattr(obj, "supervised_by_acd_supervisors", False) and is_acd_supervisor(user):
        return True
    control_groups = getattr(obj, "control_group_ids", None)
    return callable(control_groups) and bool(_group_ids(user) & set(control_groups()))


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
    if not _in_own_organisation(user, organisation):
        return False
    if action == VIEW_DELEGATED:
        return has_delegated_access(user, organisation)
    if action in (EDIT_FUNCTION_NUMBER, VIEW_FUNCTION_NUMBER, CONTROL_AGENTS) and obj is not None:
        if getattr(obj, "organisation_id", None) != organisation.pk:
            return False
        if write and action == VIEW_FUNCTION_NUMBER:
            return False  # reading only: changing needs EDIT_FUNCTION_NUMBER
        return _delegated_may(user, action, obj)
    if action == EDIT_SCHEDULE:
        if obj is not None and getattr(obj, "organisation_id", None) != organisation.pk:
            return False
        if is_schedule_admin(user):
            return True
        # A function number's group administrators may change its schedule (FN-10, SET-5).
        admin_groups = getattr(obj, "admin_group_ids", None)
        return callable(admin_groups) and bool(_group_ids(user) & set(admin_groups()))
    return False


# --- Delegated administration (SET-5) ----------------------------------------------------------
#
# customers imports no other app. The apps whose rows people administer on the organisation's
# behalf own numbers in the number registry (function numbers, whose schedules they carry), so
# customers finds their models as the registry's owners and asks each model a small hook, a
# static method shared by a model and its subclasses:
#   delegated_rows(user, organisation) -> queryset of the rows `user` may see without being an
#       OrgAdmin (administer or control);
#   outgoing_line_numbers(user, organisation) -> queryset of registry Number ids `user` may
#       present as caller ID (USR-6, FC-7).


def _owner_hooks(organisation, name):
    """The distinct `name` hooks of the models owning the organisation's registry numbers."""
    from django.contrib.contenttypes.models import ContentType

    from customers.models import Number

    type_ids = (
        Number.objects.for_organisation(organisation)
        .filter(owner_type__isnull=False)
        .order_by()
        .values_list("owner_type_id", flat=True)
        .distinct()
    )
    hooks = []
    for type_id in type_ids:
        model = ContentType.objects.get_for_id(type_id).model_class()
        hook = getattr(model, name, None) if model is not None else None
        if callable(hook) and hook not in hooks:
            hooks.append(hook)
    return hooks


def has_delegated_access(user, organisation):
    """Has `user`, not an OrgAdmin, something of `organisation` to administer or control (a
    function number naming one of his/her groups as group administrators or controllers, or every
    ACD/attendant group for an ACD supervisor)? Such people get into the portal and see only that.
    Answered once per request's user object."""
    if not _in_own_organisation(user, organisation):
        return False
    cache = getattr(user, "_connect_delegated", None)
    if cache is None:
        cache = any(
            hook(user, organisation).exists()
            for hook in _owner_hooks(organisation, "delegated_rows")
        )
        user._connect_delegated = cache
    return cache


def outgoing_line_number_ids(user, organisation):
    """Registry Number ids of the group numbers `user` may present as caller ID (FN-2 "Tillad
    anvendelse af denne gruppe som udgående brugerlinje", a login group of the user's): a
    subquery for Number.objects.filter(pk__in=...), or an empty list."""
    from django.db.models import Q

    from customers.models import Number

    hooks = _owner_hooks(organisation, "outgoing_line_numbers")
    if not hooks:
        return []
    condition = Q(pk__in=[])
    for hook in hooks:
        condition |= Q(pk__in=hook(user, organisation))
    return Number.objects.for_organisation(organisation).filter(condition).values("pk")


def has_portal_access(user, organisation):
    """Anyone who may use at least part of the admin portal: its OrgAdmins, support staff allowed
    to act inside organisations (each page then asks may()), and people with delegated access
    (group administrators, ACD supervisors, controllers), who see only their part."""
    if organisation is None:
        return False
    return (
        is_org_admin(user, organisation)
        or may_act_in_organisations(user)
        or has_delegated_access(user, organisation)
    )


def has_full_portal_access(user, organisation):
    """Sees the whole portal (OrgAdmin, support): the menu's every section and the home cards."""
    if organisation is None:
        return False
    return is_org_admin(user, organisation) or may_act_in_organisations(user)


def may_set_up_two_factor(user):
    """Everyone who gets into the admin portal may protect their sign-in with an authenticator
    app: OrgAdmins, support staff, and people with delegated access (the organisation's
    "require two-factor sign-in" applies to all of them, customers.queries.two_factor_required)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or (user.organisation_id and user.is_org_admin):
        return True
    return bool(user.organisation_id) and has_delegated_access(user, user.organisation)


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
