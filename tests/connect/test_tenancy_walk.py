"""The generic tenancy walk: every portal URL, found by enumerating the URL configuration.

For each URL pattern of the portal apps (customers, services, functionnumbers, devices, the
portal views of provisioning, and the home page) the walk fills the path kwargs with objects of
an organisation and checks, as a person would notice it:

- org A's OrgAdmin asking for org B's objects gets 404 (GET and POST), and nothing of org B
  changes; the same URL with org A's own objects works (so the 404 means something);
- pages without object kwargs show nothing of org B, even when searched for org B's names,
  and crafted POSTs carrying org B's ids change nothing of org B nor link org A to it;
- every POST form on those pages, replayed as the browser would send it but with org B's group,
  user or phone in one reference field (hidden field, select, checkbox), is refused: nothing
  of org A ends up pointing at org B, nothing of org B changes, never a 500;
- anonymous visitors are sent to the sign-in page;
- a standard user (no administrator profile) gets the 403 "no administrator access" page.

New views are covered automatically. When a pattern has a kwarg the walk cannot fill, the test
FAILS and says so: add the kwarg to KWARG_MODELS / SEGMENT_MODELS / URL_KWARGS / VALUE_KWARGS
below, or, for endpoints that are not portal pages (phones, the SIP platform), to SKIP.
"""

import base64
import itertools
import re
from datetime import date, time
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
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
    "jobs": "customers.Job",
    "prompts": "customers.Prompt",
    "prompt-recordings": "customers.PromptRecording",
    "prompt-calls": "customers.PromptCall",
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


# Per URL name: {kwarg: model label} or a callable(walk, org) -> {kwarg: value} for all kwargs.
URL_KWARGS = {
    "customers:history": _history_kwargs,
}


def _service_slugs():
    from services.definitions import SERVICES

    return sorted(SERVICES)


def _user_bulk_actions():
    from customers.views.users import BULK_ACTIONS

    return sorted(BULK_ACTIONS)


# (namespace, kwarg) -> callable returning the values valid in every organisation (not objects).
VALUE_KWARGS = {
    ("services", "slug"): _service_slugs,
    ("customers", "action"): _user_bulk_actions,
}

MARKER = "Zqbleak"  # in org B's names: must never show on org A's pages
LEAKS = (MARKER, MARKER.lower())  # case-sensitive: usernames are stored in lower case
QUERY = "zQbLeAk"  # searches are case-insensitive; the echoed query itself is no leak
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
                elif (namespace, kwarg) in VALUE_KWARGS:
                    value_lists[kwarg] = VALUE_KWARGS[(namespace, kwarg)]()
                else:
                    unknown.append(kwarg)
            if unknown:
                problems.append(
                    f"{name} ({route}): don't know how to fill {unknown}; add a mapping in "
                    f"tests/connect/test_tenancy_walk.py"
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


def _content(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.fixture
def walk(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return Walk()


def _client(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _url(name, kwargs):
    return reverse(name, kwargs=kwargs)


def _instances_or_fail(walk):
    instances, problems = walk.instances()
    assert not problems, "the tenancy walk cannot cover these URL patterns:\n" + "\n".join(problems)
    assert any(name == "home" for name, *_ in instances)
    return instances


def test_walk_enumerates_the_portal(walk):
    instances = _instances_or_fail(walk)
    names = {name for name, *_ in instances}
    assert "customers:history" in names
    assert len(instances) >= 5


def test_other_organisations_objects_are_404_for_an_org_admin(walk):
    instances = _instances_or_fail(walk)
    admin = _client(walk.admin_a)
    before, links_before = walk.snapshot_b(), walk.cross_links()
    failures = []
    for name, _route, kwargs_a, kwargs_b, has_objects in instances:
        if not has_objects:
            continue
        url_b = _url(name, kwargs_b)
        get = admin.get(url_b)
        post = admin.post(url_b, {})
        statuses = (get.status_code, post.status_code)
        if not set(statuses) <= {404, 405} or 404 not in statuses:
            failures.append(f"{name} {url_b}: org A's admin got GET {statuses[0]} / POST {statuses[1]}, expected 404")
        url_a = _url(name, kwargs_a)
        own = admin.get(url_a)
        if own.status_code in (404, 405):  # a POST-only view: try the POST, then undo it
            with transaction.atomic():
                own = admin.post(url_a, {})
                transaction.set_rollback(True)
        if own.status_code == 404 or own.status_code >= 500:
            failures.append(
                f"{name} {url_a}: org A's admin gets {own.status_code} for org A's own object, so "
                f"the 404 above proves nothing (fix the walk's kwarg mapping or the view)"
            )
    assert walk.snapshot_b() == before, "requests by org A's admin changed org B's data"
    assert walk.cross_links() - links_before == set(), "org A's admin linked rows to org B's objects"
    assert not failures, "\n".join(failures)


def test_pages_without_objects_show_only_the_own_organisation(walk):
    instances = _instances_or_fail(walk)
    admin = _client(walk.admin_a)
    before, links_before = walk.snapshot_b(), walk.cross_links()
    b_user, b_group = walk.member[walk.org_b.pk], walk.group[walk.org_b.pk]
    crafted = {
        key: value
        for keys, value in (
            (("group", "groups", "group_id", "group_pk", "scope_group"), b_group.pk),
            (("user", "users", "user_id", "user_pk", "contact_user", "member", "members"), b_user.pk),
            (("pk", "id", "object_id", "organisation", "organisation_id"), walk.org_b.pk),
            (("number", "numbers", "phone_number"), B_NUMBER),
            (("q", "query", "search", "term"), QUERY),
        )
        for key in keys
    }
    failures = []
    for name, _route, kwargs_a, _kwargs_b, has_objects in instances:
        if has_objects:
            continue
        url = _url(name, kwargs_a)
        responses = [("GET", admin.get(url)), ("GET ?q=", admin.get(url, {k: QUERY for k in ("q", "query", "search", "term")}))]
        responses += [("POST", admin.post(url, {})), ("crafted POST", admin.post(url, crafted))]
        responses += [("htmx POST", admin.post(url, crafted, headers={"HX-Request": "true"}))]
        for label, response in responses:
            body = _content(response)
            if response.status_code >= 500:
                failures.append(f"{name} {url}: {label} answered {response.status_code}")
            if any(leak in body for leak in LEAKS) or B_NUMBER[3:] in re.sub(r"\s", "", body):
                failures.append(f"{name} {url}: {label} shows org B's data to org A's admin")
    assert walk.snapshot_b() == before, "requests by org A's admin changed org B's data"
    new_links = walk.cross_links() - links_before
    assert not new_links, f"crafted requests by org A's admin linked rows to org B: {sorted(new_links)}"
    assert not failures, "\n".join(failures)


class _PostForms(HTMLParser):
    """A page's POST forms as a browser would submit them: (action, fields, every field name)."""

    SKIP_ACTIONS = ("/language/", "/accounts/logout/")

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path, self.forms = path, []
        self._form = self._select = self._textarea = None
        self._by_id, self._outside = {}, {}  # fields outside their form (form="id" attribute)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("hx-post") or a.get("action") or self.path
            if (a.get("method") or "get").lower() == "post" and action.startswith("/"):
                if not action.startswith(self.SKIP_ACTIONS):
                    self._form = (action, [], set())
                    self.forms.append(self._form)
                    if a.get("id"):
                        self._by_id[a["id"]] = self._form
            return
        if "name" not in a or "disabled" in a:
            return
        if a.get("form"):
            target = self._outside.setdefault(a["form"], ("", [], set()))
        elif self._form is not None:
            target = self._form
        else:
            return
        fields, names = target[1], target[2]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            names.add(a["name"])
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields.append((a["name"], a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            names.add(a["name"])
            self._select = {"name": a["name"], "multiple": "multiple" in a, "first": None, "chosen": [], "to": target}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea":
            names.add(a["name"])
            self._textarea = [a["name"], "", target]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            if not chosen and not self._select["multiple"] and self._select["first"] is not None:
                chosen = [self._select["first"]]
            self._select["to"][1].extend((self._select["name"], value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea[2][1].append(tuple(self._textarea[:2]))
            self._textarea = None

    def close(self):
        super().close()
        for form_id, (_action, fields, names) in self._outside.items():
            if form_id in self._by_id:
                self._by_id[form_id][1].extend(fields)
                self._by_id[form_id][2].update(names)


# Field names that reference a group, a user or a phone: "group", "user_groups", "key_2_user", ...
REFERENCE = re.compile(r"(?:^|_)(group|user|member|contact_user|phone)s?(?:_id|_pk)?$")
TARGET_OF = {"group": "group", "user": "member", "member": "member", "contact_user": "member", "phone": "phone"}


def _crafted_posts(walk, fields, names):
    """The form's own data, with one reference field at a time pointed at org B's object."""
    b = walk.org_b
    targets = {
        "group": str(walk.group[b.pk].pk),
        "member": str(walk.member[b.pk].pk),
        "phone": str(walk.object_of(apps.get_model("devices.Phone"), b).pk),
    }
    for name in sorted(names):
        base = name.rsplit("-", 1)[-1].lower()
        match = REFERENCE.search(base)
        if match is None:
            continue
        target = targets[TARGET_OF[match.group(1)]]
        data = {}
        for n, v in fields:
            data.setdefault(n, []).append(v)
        own = data.get(name, [])
        # A multiple choice (several values, or a plural name) gets org B's object added.
        data[name] = own + [target] if (len(own) > 1 or base.endswith("s")) else [target]
        yield name, data


def test_forms_reject_references_to_other_organisations(walk):
    """Every POST form of the portal, replayed with org B's group / user / phone in one field:
    the portal must refuse it (form error or 404) and link nothing to org B."""
    instances = _instances_or_fail(walk)
    admin = _client(walk.admin_a)
    before, links_before = walk.snapshot_b(), walk.cross_links()
    failures, replayed, seen = [], set(), set()
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        url = _url(name, kwargs_a)
        page = admin.get(url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        parser = _PostForms(url)
        parser.feed(_content(page))
        parser.close()
        for action, fields, names in parser.forms:
            for field, data in _crafted_posts(walk, fields, names):
                if (action, field) in seen:
                    continue
                seen.add((action, field))
                replayed.add(f"{action} {field}")
                with transaction.atomic():
                    response = admin.post(action, data)
                    new_links = walk.cross_links() - links_before
                    changed_b = walk.snapshot_b() != before
                    transaction.set_rollback(True)
                where = f"{name} {url} -> POST {action}"
                if response.status_code >= 500:
                    failures.append(f"{where}: crafted {field!r} answered {response.status_code}")
                if new_links:
                    failures.append(f"{where}: {field!r} = org B's object was accepted: {sorted(new_links)}")
                if changed_b:
                    failures.append(f"{where}: a crafted {field!r} changed org B's data")
    assert len(replayed) >= 5, f"the walk found almost no forms with group/user fields: {sorted(replayed)}"
    assert not failures, "\n".join(failures)


def test_anonymous_visitors_are_sent_to_sign_in(walk):
    instances = _instances_or_fail(walk)
    anonymous = _client()
    failures = []
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        url = _url(name, kwargs_a)
        response = anonymous.get(url)
        if response.status_code == 405:
            response = anonymous.post(url, {})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith(reverse("login")):
            failures.append(f"{name} {url}: anonymous got {response.status_code} {location!r}, expected the sign-in page")
    assert not failures, "\n".join(failures)


def test_standard_users_get_the_no_access_page(walk):
    instances = _instances_or_fail(walk)
    standard = _client(walk.user_a)
    before = AuditEntry.objects.count()
    failures = []
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        url = _url(name, kwargs_a)
        response = standard.get(url)
        if response.status_code == 405:
            response = standard.post(url, {})
        templates = {t.name for t in (response.templates or [])}
        if response.status_code != 403 or "registration/no_access.html" not in templates:
            failures.append(f"{name} {url}: a standard user got {response.status_code}, expected the 403 no-access page")
    assert AuditEntry.objects.count() == before, "a standard user's request changed something"
    assert not failures, "\n".join(failures)


def test_walk_fails_for_a_kwarg_it_cannot_fill(walk, monkeypatch):
    """The guard that makes new views add a mapping: an unknown kwarg is reported."""
    import tests.connect.test_tenancy_walk as module

    real = module.portal_patterns

    def with_unknown():
        found, problems = real()
        return found + [("devices:phone_detail", "devices/gadgets/<int:gadget>/", ["gadget"], None)], problems

    monkeypatch.setattr(module, "portal_patterns", with_unknown)
    _instances, problems = walk.instances()
    assert any("gadget" in problem for problem in problems)

