"""The one resolver for every scoped service (ARCHITECTURE.md invariant 4, SET-1..SET-4).

Per field:
- VALUE fields: the user's value, else the value of the highest-priority group (priority 1 is
  highest) among the user's groups that sets it, else the organisation's, else the default.
- FLAG fields (checkboxes): OR-ed over organisation, all the user's groups and the user.
- UNION fields (group multi-selects, contact lists): united; an item present at several levels
  is listed once.

Every effective value comes with its Source (organisation, group, user or default). For FLAG
and UNION fields the source is the most general level that sets the value / item, because
that is the level a lower-level form cannot clear it at.

`resolve_many(service, users)` resolves any number of users of one organisation in a constant
number of queries: groups, memberships, the service's rows, one per group multi-select, and one
for defaults that name system prompts. The combination itself is the pure function `combine`.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from customers.models import GroupMembership, Organisation, Prompt, UserGroup
from services.definitions import FLAG, UNION, VALUE, SystemPrompt, get_service
from services.scopes import GROUP, ORGANISATION, USER

DEFAULT = "default"
# Above this many users, rows are fetched for the whole organisation and filtered in Python
# instead of sending a huge "IN (...)" list (also keeps SQLite under its parameter limit).
LARGE = 500


@dataclass(frozen=True)
class Source:
    """Where an effective value comes from."""

    level: str  # "default" | "organisation" | "group" | "user"
    name: str = ""
    pk: int | None = None
    priority: int | None = None

    @property
    def label(self):
        if self.level == ORGANISATION:
            return _("inherited from the organisation %(name)s") % {"name": self.name}
        if self.level == GROUP:
            return _("inherited from group %(name)s") % {"name": self.name}
        if self.level == USER:
            return _("set on the user %(name)s") % {"name": self.name}
        return _("default value")

    @property
    def short_label(self):
        if self.level == ORGANISATION:
            return _("Organisation")
        if self.level == GROUP:
            return _("Group %(name)s") % {"name": self.name}
        if self.level == USER:
            return _("User")
        return _("Default")

    def __str__(self):
        return self.label


DEFAULT_SOURCE = Source(DEFAULT)


class Effective(NamedTuple):
    """An effective value and its source. For UNION fields `value` is a tuple of items and
    `source` a tuple of Sources, one per item."""

    value: object
    source: object

    def item_sources(self):
        """For UNION fields: {item: Source}."""
        return dict(zip(self.value, self.source, strict=True))


def _union_items(values):
    if not values:
        return {}
    if isinstance(values, dict):
        return values
    return {v: v for v in values}


def combine(fields, layers, defaults):
    """The effective values from `layers`: a list of (Source, {field: value}) ordered from the
    most specific (user) to the most general (organisation), groups by priority in between.
    A VALUE of None means "not set". UNION values are iterables or {key: item} dicts."""
    result = {}
    general_first = None
    for f in fields:
        name, kind = f.name, f.kind
        if kind == VALUE:
            for source, values in layers:
                value = values.get(name)
                if value is not None:
                    result[name] = Effective(value, source)
                    break
            else:
                result[name] = Effective(defaults.get(name), DEFAULT_SOURCE)
            continue
        if general_first is None:
            general_first = layers[::-1]
        if kind == FLAG:
            for source, values in general_first:
                if values.get(name):
                    result[name] = Effective(True, source)
                    break
            else:
                result[name] = Effective(bool(defaults.get(name)), DEFAULT_SOURCE)
        else:
            merged = {}
            for source, values in general_first:
                for key, item in _union_items(values.get(name)).items():
                    if key not in merged:
                        merged[key] = (item, source)
            if not merged:
                for key, item in _union_items(defaults.get(name)).items():
                    merged[key] = (item, DEFAULT_SOURCE)
            result[name] = Effective(tuple(i for i, _s in merged.values()), tuple(s for _i, s in merged.values()))
    return result


def _overlay(fields, base, source, values):
    """`base` (already combined groups + organisation) with one more specific layer on top."""
    result = dict(base)
    for f in fields:
        name = f.name
        value = values.get(name)
        if f.kind == VALUE:
            if value is not None:
                result[name] = Effective(value, source)
        elif f.kind == FLAG:
            if value and base[name].source is DEFAULT_SOURCE and not base[name].value:
                result[name] = Effective(True, source)
        else:
            items = _union_items(value)
            if items:
                old = base[name]
                if old.value and all(s is DEFAULT_SOURCE for s in old.source):
                    old = Effective((), ())
                present = {_key_of(f, i) for i in old.value}
                new_items = [(i, source) for k, i in items.items() if k not in present]
                if new_items:
                    result[name] = Effective(
                        old.value + tuple(i for i, _s in new_items), old.source + tuple(s for _i, s in new_items)
                    )
    return result


def _key_of(f, item):
    key = getattr(item, "resolver_key", None)
    return key if key is not None else item


# --- loading ---------------------------------------------------------------------------------


@dataclass
class Layers:
    """Everything stored for one service in one organisation, by scope."""

    organisation: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)  # group id -> values
    users: dict = field(default_factory=dict)  # user id -> values
    row_ids: dict = field(default_factory=dict)  # ("organisation", None) / ("group", id) / ("user", id) -> row pk


def _empty_values(service):
    return {f.name: ({} if f.kind == UNION else None) for f in service.fields}


def _layer(layers, service, group_id, user_id):
    if user_id:
        return layers.users.setdefault(user_id, _empty_values(service))
    if group_id:
        return layers.groups.setdefault(group_id, _empty_values(service))
    if not layers.organisation:
        layers.organisation = _empty_values(service)
    return layers.organisation


def _scope_filter(prefix, user_ids, group_ids):
    """Rows of the organisation and groups, plus the rows of the given users."""
    if user_ids is None:
        return Q()
    q = Q(**{f"{prefix}user__isnull": True})
    if group_ids is not None:
        q &= Q(**{f"{prefix}group__isnull": True}) | Q(**{f"{prefix}group_id__in": group_ids})
    if user_ids:
        q |= Q(**{f"{prefix}user_id__in": list(user_ids)})
    return q


def load_layers(service, organisation_id, user_ids=None, group_ids=None):
    """Stored values of `service` for the organisation, its groups (all, or `group_ids`) and the
    users `user_ids` (None = every user of the organisation)."""
    service = get_service(service)
    if service.kind == "contacts":
        return _load_contact_layers(service, organisation_id, user_ids, group_ids)
    if service.kind == "conversions":
        return _load_conversion_layers(service, organisation_id, user_ids, group_ids)
    model = service.model
    layers = Layers()
    columns = [c for f in service.fields for c in f.columns]
    value_fields = [f for f in service.fields if f.kind != UNION]
    rows = model.objects.filter(organisation_id=organisation_id).filter(_scope_filter("", user_ids, group_ids))
    by_id = {}
    for row in rows.values("id", "group_id", "user_id", *columns):
        values = _layer(layers, service, row["group_id"], row["user_id"])
        for f in value_fields:
            values[f.name] = f.read(row)
        by_id[row["id"]] = values
        key = (USER, row["user_id"]) if row["user_id"] else (GROUP, row["group_id"]) if row["group_id"] else (ORGANISATION, None)
        layers.row_ids[key] = row["id"]
    for f in service.fields:
        if f.kind != UNION:
            continue
        m2m = model._meta.get_field(f.name)
        through = m2m.remote_field.through
        src, dst = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        links = through.objects.filter(**{f"{src}__organisation_id": organisation_id}).filter(
            _scope_filter(f"{src}__", user_ids, group_ids)
        )
        for row_id, item in links.values_list(f"{src}_id", f"{dst}_id"):
            if row_id in by_id:
                by_id[row_id][f.name][item] = item
    return layers


def _load_contact_layers(service, organisation_id, user_ids, group_ids):
    from services.models import ExternalContact, MandatoryContact

    layers = Layers()
    mandatory = (
        MandatoryContact.objects.filter(organisation_id=organisation_id)
        .filter(_scope_filter("", user_ids, group_ids))
        .select_related("contact_user", "contact_number")
        .prefetch_related("contact_number__owner")
        .order_by("contact_user__username", "contact_number__number")
    )
    for m in mandatory:
        _layer(layers, service, m.group_id, m.user_id)["mandatory_contacts"][m.contact_key] = m
    external = (
        ExternalContact.objects.filter(organisation_id=organisation_id)
        .filter(_scope_filter("", user_ids, group_ids))
        .prefetch_related("numbers")
    )
    for c in external:
        c.resolver_key = c.dedupe_key()
        _layer(layers, service, c.group_id, c.user_id)["external_contacts"][c.resolver_key] = c
    for m in mandatory:
        m.resolver_key = m.contact_key
    return layers


def _load_conversion_layers(service, organisation_id, user_ids, group_ids):
    """SVC-8 rules as a list per scope (SET-4), keyed by their signature: an identical rule at
    several levels is listed once, from the most general level."""
    from services.models import NumberConversion

    layers = Layers()
    rows = NumberConversion.objects.filter(organisation_id=organisation_id).filter(_scope_filter("", user_ids, group_ids))
    for rule in rows.order_by("prefix", "digits", "pk"):
        rule.resolver_key = rule.signature
        _layer(layers, service, rule.group_id, rule.user_id)["conversions"][rule.signature] = rule
    return layers


def load_defaults(service):
    """The service's DEFAULTS with system-prompt names replaced by prompt ids (one query at most)."""
    service = get_service(service)
    return load_defaults_many([service])[service.slug]


def load_defaults_many(services):
    """{slug: defaults} of several services; their system prompts are looked up in one query."""
    result = {s.slug: dict(s.defaults) for s in map(get_service, services)}
    names = {v.name for defaults in result.values() for v in defaults.values() if isinstance(v, SystemPrompt)}
    if names:
        ids = dict(Prompt.objects.filter(organisation__isnull=True, name__in=names).values_list("name", "id"))
        for defaults in result.values():
            for key, value in defaults.items():
                if isinstance(value, SystemPrompt):
                    defaults[key] = ids.get(value.name)
    return result


def _group_sources(organisation_id):
    groups = UserGroup.objects.filter(organisation_id=organisation_id).values_list("id", "name", "priority")
    return {pk: Source(GROUP, name, pk, priority) for pk, name, priority in groups}


@dataclass(frozen=True)
class Memberships:
    """The organisation's groups as Sources and, per user, the groups the user is in (two queries);
    the same for every service, so several services of one user share them."""

    groups: dict  # group id -> Source
    by_user: dict  # user id -> [Source]


def load_memberships(organisation_id, user_ids=None):
    """Memberships of the users `user_ids` (None = every user of the organisation)."""
    groups = _group_sources(organisation_id)
    rows = GroupMembership.objects.filter(group__organisation_id=organisation_id)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    by_user = {}
    for user_id, group_id in rows.values_list("user_id", "group_id"):
        if group_id in groups:
            by_user.setdefault(user_id, []).append(groups[group_id])
    return Memberships(groups, by_user)


def organisation_source(organisation):
    return Source(ORGANISATION, organisation.name, organisation.pk)


def user_source(user):
    return Source(USER, user.username, user.pk)


# --- public API ------------------------------------------------------------------------------


def user_rows(users, organisation=None):
    """([(pk, username, organisation_id)], organisation) of `users` (a queryset or an iterable
    of users of exactly one organisation; ValueError otherwise), for the bulk loaders."""
    if isinstance(users, QuerySet):
        # Plain tuples: instantiating 10,000 model objects would cost more than resolving them.
        rows = list(users.values_list("pk", "username", "organisation_id"))
    else:
        rows = [(u.pk, u.username, u.organisation_id) for u in users]
    if not rows:
        return rows, organisation
    org_ids = {row[2] for row in rows}
    if len(org_ids) != 1 or None in org_ids:
        raise ValueError("The users must belong to exactly one organisation.")
    if organisation is None:
        organisation = Organisation.objects.only("name").get(pk=org_ids.pop())
    elif organisation.pk not in org_ids:
        raise ValueError("The users belong to another organisation.")
    return rows, organisation


def resolve_many(service, users, *, organisation=None, memberships=None, defaults=None):
    """{user_id: {field: Effective(value, source)}} for all `users` (one organisation).
    `memberships` and `defaults` (load_memberships / load_defaults) may be passed in when several
    services are resolved for the same users."""
    service = get_service(service)
    rows, organisation = user_rows(users, organisation)
    if not rows:
        return {}

    user_ids = [row[0] for row in rows]
    whole_org = len(user_ids) > LARGE
    if memberships is None:
        memberships = load_memberships(organisation.pk, None if whole_org else user_ids)
    group_sources, user_groups = memberships.groups, memberships.by_user
    layers = load_layers(service, organisation.pk, None if whole_org else user_ids)
    if defaults is None:
        defaults = load_defaults(service)

    fields = service.fields
    org_layer = [(organisation_source(organisation), layers.organisation)] if layers.organisation else []
    stored_groups = layers.groups
    by_priority = {s.priority: s for s in group_sources.values() if s.pk in stored_groups}
    # The groups + organisation part of a user's values depends only on which groups (that
    # store values) the user is in. It is built by laying each group over the combination of
    # the lower-priority ones, so combinations sharing a tail share the work.
    base_cache = {(): combine(fields, org_layer, defaults)}

    def base_for(key):
        base = base_cache.get(key)
        if base is None:
            source = by_priority[key[0]]
            base = base_cache[key] = _overlay(fields, base_for(key[1:]), source, stored_groups[source.pk])
        return base

    result = {}
    for user_id, username, _org_id in rows:
        key = tuple(sorted(s.priority for s in user_groups.get(user_id, ()) if s.priority in by_priority))
        base = base_for(key)
        own = layers.users.get(user_id)
        result[user_id] = _overlay(fields, base, Source(USER, username, user_id), own) if own else dict(base)
    return result


def users_with_any(service, names, items, users, *, organisation_id):
    """Ids of the users among `users` (a queryset or iterable of users of the organisation) whose
    effective value of the UNION fields `names` of `service` holds any of `items` (group ids).

    The effective value is the union over the organisation, every group of the user and the
    user (SET-2), as resolve_many computes it; a union holds an item iff one of those levels
    does. So: everybody if the organisation's value does, else the members of the groups whose
    value does, plus the users whose own value does. Permission services (SET-4) ask this for
    thousands of users at once: a constant number of queries (the users, the service's rows and
    links, one for memberships) and no per-user sets. Fields with default items are refused:
    their effective value depends on whether any level sets anything."""
    service = get_service(service)
    fields = [service.field(name) for name in names]
    if any(f.kind != UNION or f.default for f in fields):
        raise ValueError("users_with_any() takes group multi-selects without default items.")
    items = set(items)
    if isinstance(users, QuerySet):
        user_ids = set(users.values_list("pk", flat=True))
    else:
        user_ids = {u.pk for u in users}
    if not user_ids or not items:
        return set()
    whole_org = len(user_ids) > LARGE
    layers = load_layers(service, organisation_id, None if whole_org else user_ids)

    def holds(values):
        return any(not items.isdisjoint(values[name]) for name in names)

    if layers.organisation and holds(layers.organisation):
        return user_ids
    found = {user_id for user_id, values in layers.users.items() if user_id in user_ids and holds(values)}
    groups = [pk for pk, values in layers.groups.items() if holds(values)]
    if groups:
        members = GroupMembership.objects.filter(group_id__in=groups, group__organisation_id=organisation_id)
        if not whole_org:
            members = members.filter(user_id__in=user_ids)
        found.update(user_ids.intersection(members.values_list("user_id", flat=True).distinct()))
    return found


def resolve_user(service, user, *, organisation=None):
    """{field: Effective} for one user."""
    return resolve_many(service, [user], organisation=organisation)[user.pk]


def resolve_user_services(services, user, *, organisation=None):
    """{slug: {field: Effective}} of one user for several services (the user's "Services" tab).
    Groups, memberships and system-prompt defaults are loaded once for all of them; each service
    then costs only its own rows (one query, one more per group multi-select; contacts three)."""
    services = [get_service(s) for s in services]
    if organisation is None:
        organisation = user.organisation
    memberships = load_memberships(organisation.pk, [user.pk])
    defaults = load_defaults_many(services)
    return {
        s.slug: resolve_many(s, [user], organisation=organisation, memberships=memberships, defaults=defaults[s.slug])[user.pk]
        for s in services
    }


@dataclass
class ScopeResolution:
    """What a scope's form needs: its own stored values, what it inherits from the levels above,
    and (for a user, or a member of just this group) the effective values."""

    own: dict
    inherited: dict
    effective: dict
    row_id: int | None
    layers: Layers


def resolve_scope(service, scope):
    """Own, inherited and effective values of `service` at `scope` (services.scopes.Scope)."""
    service = get_service(service)
    organisation = scope.organisation
    defaults = load_defaults(service)
    fields = service.fields
    if scope.level == USER:
        memberships = load_memberships(organisation.pk, [scope.user.pk])
        groups = sorted(memberships.by_user.get(scope.user.pk, ()), key=lambda s: s.priority)
        layers = load_layers(service, organisation.pk, [scope.user.pk], [s.pk for s in groups])
        above = [(s, layers.groups[s.pk]) for s in groups if s.pk in layers.groups]
        own_source, own = user_source(scope.user), layers.users.get(scope.user.pk)
        row_id = layers.row_ids.get((USER, scope.user.pk))
    elif scope.level == GROUP:
        layers = load_layers(service, organisation.pk, [], [scope.group.pk])
        above = []
        own_source = Source(GROUP, scope.group.name, scope.group.pk, scope.group.priority)
        own = layers.groups.get(scope.group.pk)
        row_id = layers.row_ids.get((GROUP, scope.group.pk))
    else:
        layers = load_layers(service, organisation.pk, [], [])
        above, own_source, own = [], organisation_source(organisation), layers.organisation or None
        row_id = layers.row_ids.get((ORGANISATION, None))
    if scope.level != ORGANISATION and layers.organisation:
        above = above + [(organisation_source(organisation), layers.organisation)]
    inherited = combine(fields, above, defaults)
    own = own or _empty_values(service)
    effective = combine(fields, [(own_source, own)] + above, defaults)
    return ScopeResolution(own=own, inherited=inherited, effective=effective, row_id=row_id, layers=layers)
