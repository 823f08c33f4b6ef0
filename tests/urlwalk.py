"""The portal's URLconf, enumerated: one page per URL pattern, with objects to fill its kwargs.

Shared by the tenancy walk (tests/connect/test_tenancy_walk.py) and the accessibility check
(tests/browser/test_accessibility.py). `Walk()` builds two organisations (A and B, B's names
carry MARKER) with one object of every model a URL kwarg needs; `Walk.instances()` lists every
portal URL pattern with kwargs for org A and for org B, and the patterns it cannot fill.

New views are covered automatically. When a pattern has a kwarg the walk cannot fill, it says
so: add the kwarg to KWARG_MODELS / SEGMENT_MODELS / URL_KWARGS / VALUE_KWARGS below, or, for
endpoints that are not portal pages (phones, the SIP platform), to SKIP.
"""

import base64
import itertools
import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from customers.models import AuditEntry, GroupMembership, Organisation
from tests.factories import OrgAdminFactory, OrganisationFactory, UserFactory, UserGroupFactory

PORTAL_NAMESPACES = {"customers", "services", "functionnumbers", "devices", "provisioning"}
ROOT_PORTAL_NAMES = {"home"}  # portal pages outside the app namespaces

# Patterns that are not portal pages, with where they are tested instead.
SKIP = {
    "devices:platform_registration": "SIP platform API (token auth): tests/devices",
    "devices:platform_seating": "SIP platform API (token auth): tests/devices",
    "customers:set_password": "welcome-message link, signed token instead of sign-in: tests/customers",
    "customers:set_password_done": "public page after choosing a password via the welcome link",
}
# The endpoints phones call (tests/provisioning) and machine APIs with their own authentication.
SKIP_ROUTE_PREFIXES = ("prov/", "api/")

# kwarg name -> model whose object (of the organisation) fills it.
KWARG_MODELS = {
    "group_pk": "customers.UserGroup",
    "group_id": "customers.UserGroup",
    "user_pk": "customers.User",
    "user_id": "customers.User",
    "range_pk": "customers.NumberRange",
    "number_pk": "customers.Number",
    "phone_pk": "devices.Phone",
    "phone_id": "devices.Phone",
    "contact_pk": "services.ExternalContact",
}
# For a plain `pk` / `id`: the path segment in front of it names the model ("phones/<int:pk>/").
SEGMENT_MODELS = {
    "group": "customers.UserGroup",
    "groups": "customers.UserGroup",
    "user": "customers.User",
    "users": "customers.User",
    "ranges": "customers.NumberRange",
    "numbers": "customers.Number",
    "phones": "devices.Phone",
    "phone": "devices.Phone",
    "external": "services.ExternalContact",
    "mandatory": "services.MandatoryContact",
    "conversions": "services.NumberConversion",
    "jobs": "customers.Job",
    "prompts": "customers.Prompt",
    "prompt-recordings": "customers.PromptRecording",
    "prompt-calls": "customers.PromptCall",
    "sets": "services.RoutingRuleSet",  # call routing (SVC-11): a rule set ...
    "rules": "services.RoutingRule",  # ... and one rule
}


def _history_kwargs(walk, org):
    """An audit entry of one of the organisation's users, as the history page needs."""
    user = walk.member[org.pk]
    AuditEntry.objects.get_or_create(
        organisation=org,
        content_type=ContentType.objects.get_for_model(user),
        object_id=str(user.pk),
        defaults={"action": AuditEntry.Action.UPDATE, "object_repr": str(user), "actor_name": "walk"},
    )
    return {"content_type_id": ContentType.objects.get_for_model(user).pk, "object_id": str(user.pk)}


def _function_number_kwargs(kind):
    """A function number of `kind` (one model serves several kinds: ACD and attendant groups)."""

    def kwargs(walk, org):
        return {"pk": walk.function_number(kind, org).pk}

    return kwargs


def _function_number_url_kwargs():
    from functionnumbers.layouts import LAYOUTS

    return {
        f"functionnumbers:{kind}_{action}": _function_number_kwargs(kind)
        for kind in LAYOUTS
        for action in ("update", "delete")
    } | {
        "functionnumbers:agent_search": _function_number_kwargs("acd"),
        "functionnumbers:agent_add": _function_number_kwargs("acd"),
        "functionnumbers:agent_login": _function_number_kwargs("acd"),
        "functionnumbers:agent_change": _function_number_kwargs("acd"),
    }


def _schedule_kwargs(with_event):
    """An ACD group's schedule (and one of its events)."""

    def kwargs(walk, org):
        function_number = walk.function_number("acd", org)
        values = {"pk": function_number.pk}
        if with_event:
            from functionnumbers.models import ScheduleEvent

            label = MARKER if org == walk.org_b else "Walka"
            event, _created = ScheduleEvent.objects.get_or_create(
                function_number=function_number, is_default=False, defaults={"name": f"{label} event"}
            )
            values["event_pk"] = event.pk
        return values

    return kwargs


def _schedule_url_kwargs():
    names = ("schedule_detail", "schedule_default", "schedule_holidays", "schedule_event_create")
    events = ("schedule_event_update", "schedule_event_delete", "schedule_event_move")
    return {
        **{f"functionnumbers:{name}": _schedule_kwargs(False) for name in names},
        **{f"functionnumbers:{name}": _schedule_kwargs(True) for name in events},
    }


# Per URL name: {kwarg: model label} or a callable(walk, org) -> {kwarg: value} for all kwargs.
URL_KWARGS = {
    "customers:history": _history_kwargs,
    **_function_number_url_kwargs(),
    **_schedule_url_kwargs(),
    "functionnumbers:auto_attendant_flow": _function_number_kwargs("auto_attendant"),
    "services:routing_rules_number": _function_number_kwargs("rule_based"),
    "services:routing_rule_create_number": _function_number_kwargs("rule_based"),
    "functionnumbers:visualisation_detail": _function_number_kwargs("acd"),
    "functionnumbers:visualisation_image": lambda walk, org: {**_function_number_kwargs("acd")(walk, org), "fmt": "svg"},
}


def _service_slugs():
    from services.definitions import SERVICES

    return sorted(SERVICES)


def _user_bulk_actions():
    from customers.views.users import BULK_ACTIONS

    return sorted(BULK_ACTIONS)


def _user_level_service_slugs():
    from services.definitions import SERVICES

    return sorted(slug for slug, service in SERVICES.items() if service.has_user_level)


# URL name -> {kwarg: callable}: values for one URL that differ from its namespace's (a service
# set for the organisation and groups only has no user-level page, SVC-12).
URL_VALUE_KWARGS = {"services:service_user": {"slug": _user_level_service_slugs}}

# (namespace, kwarg) -> callable returning the values valid in every organisation (not objects).
VALUE_KWARGS = {
    ("services", "slug"): _service_slugs,
    ("customers", "action"): _user_bulk_actions,
}

MARKER = "Zqbleak"  # in org B's names: must never show on org A's pages
B_NUMBER = "+4577665544"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _walk_patterns(patterns, prefix="", namespace=None):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if namespace and entry.namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from _walk_patterns(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            yield namespace, entry, route


def portal_patterns():
    """(url name, route, kwarg names, view callback) of every portal URL pattern, plus problems."""
    found, problems = [], []
    for namespace, pattern, route in _walk_patterns(get_resolver().url_patterns):
        top = (namespace or "").split(":")[0]
        if top not in PORTAL_NAMESPACES and not (namespace is None and pattern.name in ROOT_PORTAL_NAMES):
            continue
        if route.replace("^", "").startswith(SKIP_ROUTE_PREFIXES):
            continue
        if not pattern.name:
            problems.append(f"{route}: give the pattern a name (app:model_action)")
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        if name in SKIP:
            continue
        kwargs = [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]
        found.append((name, route, kwargs, pattern.callback))
    return found, problems


def _segment_before(route, kwarg):
    match = re.search(rf"([^/<>()]+)/(?:<(?:\w+:)?{kwarg}>|\(\?P<{kwarg}>)", route)
    return match.group(1) if match else None


def model_for(name, route, kwarg, callback):
    explicit = URL_KWARGS.get(name)
    if isinstance(explicit, dict) and kwarg in explicit:
        return apps.get_model(explicit[kwarg])
    if kwarg in KWARG_MODELS:
        return apps.get_model(KWARG_MODELS[kwarg])
    if kwarg in ("pk", "id"):
        segment = _segment_before(route, kwarg)
        if segment in SEGMENT_MODELS:
            return apps.get_model(SEGMENT_MODELS[segment])
        view_class = getattr(callback, "view_class", None)
        if getattr(view_class, "model", None) is not None:
            return view_class.model
    return None


def organisation_path(model):
    """The lookup from `model` to its Organisation, or None for unscoped models."""
    if model is Organisation:
        return "pk"
    queryset = model._default_manager.all()
    if not hasattr(queryset, "for_organisation"):
        return None
    return getattr(queryset, "organisation_field", "organisation")


def _factories():
    import importlib
    import pkgutil

    import factory

    import tests

    found = {}
    modules = ["tests.factories"] + [
        f"tests.{m.name}.factories" for m in pkgutil.iter_modules(tests.__path__) if m.ispkg
    ]
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
                model = value._meta.model
                if isinstance(model, str):
                    model = apps.get_model(model)
                if model is not None and value._meta.abstract is False:
                    found.setdefault(model, value)  # the first (base) factory of a model
    return found


class Walk:
    """Two organisations with one object of every model the URL patterns need."""

    def __init__(self):
        self.factories = _factories()
        self.org_a = OrganisationFactory(name="walk-org-a")
        self.org_b = OrganisationFactory(name=f"{MARKER}-org-b")
        self.admin_a = OrgAdminFactory(organisation=self.org_a, username="admin@walk-a.example")
        self.user_a = UserFactory(organisation=self.org_a, username="standard@walk-a.example")
        self.admin_b = OrgAdminFactory(
            organisation=self.org_b, username=f"{MARKER.lower()}-admin@b.example", first_name=MARKER
        )
        self.member, self.group, self.objects = {}, {}, {}
        for org, label in ((self.org_a, "Walka"), (self.org_b, MARKER)):
            group = UserGroupFactory(organisation=org, name=f"{label} group")
            member = UserFactory(
                organisation=org, username=f"{label.lower()}-member@{org.pk}.example",
                first_name=f"{label}first", last_name=f"{label}last",
            )
            GroupMembership.objects.create(user=member, group=group)
            if hasattr(member, "photo"):  # the photo view 404s for users without one
                member.photo.save("walk.png", ContentFile(PNG), save=True)
            self.group[org.pk], self.member[org.pk] = group, member
        from customers.models import Number, NumberKind

        Number.objects.create(
            organisation=self.org_b, number=B_NUMBER, kind=NumberKind.E164, value=int(B_NUMBER[1:]),
            purpose=Number.Purpose.USER_LINE, user=self.member[self.org_b.pk],
        )

    # --- objects ---------------------------------------------------------------------------
    def function_number(self, kind, org):
        key = (f"functionnumber:{kind}", org.pk)
        if key not in self.objects:
            from tests.functionnumbers.factories import make_function_number

            label = MARKER if org == self.org_b else "Walka"
            self.objects[key] = make_function_number(org, kind, **({} if kind == "voicemail" else {"name": f"{label} {kind}"}))
        return self.objects[key]

    def object_of(self, model, org):
        key = (model, org.pk)
        if key not in self.objects:
            self.objects[key] = self._build(model, org)
        return self.objects[key]

    def _build(self, model, org):
        label = MARKER if org == self.org_b else "Walka"
        if model is Organisation:
            return org
        if model._meta.label == "customers.User":
            return self.member[org.pk]
        if model._meta.label == "customers.UserGroup":
            return self.group[org.pk]
        path = organisation_path(model)
        if path is None:
            pytest.fail(f"{model._meta.label} has no .for_organisation(): it cannot fill a portal URL kwarg")
        overrides = self._org_overrides(model, path, org)
        overrides.update(self._marker_fields(model, label, overrides))
        factory_class = self.factories.get(model)
        try:
            with transaction.atomic():
                if factory_class is not None:
                    return factory_class(**overrides)
                return self._autobuild(model, org, overrides, label)
        except (IntegrityError, TypeError, ValueError) as exc:
            pytest.fail(
                f"cannot build a {model._meta.label} for the tenancy walk ({exc!r}); add a factory "
                f"for it to tests/<app>/factories.py"
            )

    def _org_overrides(self, model, path, org):
        first, _, rest = path.partition("__")
        field = model._meta.get_field(first)
        if not rest:
            return {first: org}
        return {first: self.object_of(field.related_model, org)}

    def _marker_fields(self, model, label, taken):
        values = {}
        for name in ("name", "first_name", "last_name", "company", "description", "label", "title"):
            try:
                field = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - FieldDoesNotExist
                continue
            if isinstance(field, models.CharField) and not field.choices and name not in taken:
                values[name] = f"{label} {name}"[: field.max_length]
        return values

    def _autobuild(self, model, org, overrides, label):
        values = dict(overrides)
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name in values or field.has_default() or field.null:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                continue
            if field.blank and field.empty_strings_allowed:  # "" is a valid value
                continue
            if field.is_relation:
                values[field.name] = self.object_of(field.related_model, org)
            elif field.choices:
                values[field.name] = field.choices[0][0]
            elif isinstance(field, models.BooleanField):
                values[field.name] = False
            elif isinstance(field, models.IntegerField | models.FloatField):
                values[field.name] = 1
            elif isinstance(field, models.DecimalField):
                values[field.name] = Decimal("1")
            elif isinstance(field, models.DateTimeField):
                values[field.name] = timezone.now()
            elif isinstance(field, models.DateField):
                values[field.name] = date.today()
            elif isinstance(field, models.TimeField):
                values[field.name] = time(8, 0)
            elif isinstance(field, models.JSONField):
                values[field.name] = {}
            elif isinstance(field, models.CharField | models.TextField):
                values[field.name] = f"{label}{field.name}"[: field.max_length or 64]
            else:
                raise TypeError(f"cannot invent a value for {field!r}")
        return model._default_manager.create(**values)

    # --- kwargs ----------------------------------------------------------------------------
    def instances(self):
        """(name, route, kwargs for org A, kwargs for org B, references objects?) per URL."""
        patterns, problems = portal_patterns()
        result = []
        for name, route, kwarg_names, callback in patterns:
            explicit = URL_KWARGS.get(name)
            if callable(explicit):
                result.append((name, route, explicit(self, self.org_a), explicit(self, self.org_b), True))
                continue
            object_kwargs, value_lists, unknown = {}, {}, []
            namespace = name.split(":")[0]
            for kwarg in kwarg_names:
                model = model_for(name, route, kwarg, callback)
                if model is not None:
                    object_kwargs[kwarg] = model
                elif kwarg in URL_VALUE_KWARGS.get(name, {}):
                    value_lists[kwarg] = URL_VALUE_KWARGS[name][kwarg]()
                elif (namespace, kwarg) in VALUE_KWARGS:
                    value_lists[kwarg] = VALUE_KWARGS[(namespace, kwarg)]()
                else:
                    unknown.append(kwarg)
            if unknown:
                problems.append(
                    f"{name} ({route}): don't know how to fill {unknown}; add a mapping in "
                    f"tests/urlwalk.py"
                )
                continue
            for combo in itertools.product(*value_lists.values()) if value_lists else [()]:
                values = dict(zip(value_lists, combo, strict=True))
                a = {**values, **{k: self.object_of(m, self.org_a).pk for k, m in object_kwargs.items()}}
                b = {**values, **{k: self.object_of(m, self.org_b).pk for k, m in object_kwargs.items()}}
                result.append((name, route, a, b, bool(object_kwargs)))
        return result, problems

    # --- org B must stay untouched -----------------------------------------------------------
    def scoped_models(self):
        for model in apps.get_models():
            if model._meta.app_label in PORTAL_NAMESPACES and organisation_path(model):
                yield model

    def snapshot_b(self):
        rows = {}
        for model in self.scoped_models():
            for row in model._default_manager.filter(**{organisation_path(model): self.org_b.pk}).values():
                rows[(model._meta.label, row["id"] if "id" in row else str(row))] = row
        return rows

    def cross_links(self):
        """Rows of one organisation pointing at another organisation's rows."""
        links = set()
        for model in self.scoped_models():
            own = organisation_path(model)
            for field in model._meta.concrete_fields:
                if not field.is_relation or field.related_model in (None, Organisation):
                    continue
                other = organisation_path(field.related_model)
                if other is None or field.name == own.split("__")[0]:
                    continue
                other_lookup = field.name if other == "pk" else f"{field.name}__{other}"
                for pk, mine, theirs in model._default_manager.values_list("pk", own, other_lookup):
                    if mine is not None and theirs is not None and mine != theirs:
                        links.add((model._meta.label, field.name, pk))
        return links
