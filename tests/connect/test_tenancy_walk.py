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
- a NUL character (`%00`) in the query string, in string path arguments or in POST data, sent
  by org A's admin to every URL, never gives a 500 (PostgreSQL cannot store NUL);
- anonymous visitors are sent to the sign-in page;
- a standard user (no administrator profile) gets the 403 "no administrator access" page.

New views are covered automatically. When a pattern has a kwarg the walk cannot fill, the test
FAILS and says so: add the kwarg to KWARG_MODELS / SEGMENT_MODELS / URL_KWARGS / VALUE_KWARGS
in tests/urlwalk.py (the URL enumeration, shared with the accessibility check), or, for
endpoints that are not portal pages (phones, the SIP platform), to SKIP there.
"""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse

from customers.models import AuditEntry
from tests.urlwalk import B_NUMBER, MARKER, Walk

LEAKS = (MARKER, MARKER.lower())  # case-sensitive: usernames are stored in lower case
QUERY = "zQbLeAk"  # searches are case-insensitive; the echoed query itself is no leak


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
            if label.endswith("POST"):
                # A form may show back what the admin typed (the crafted number, exactly as
                # posted, in its input and its error); org B's number shown any other way leaks.
                body = body.replace(B_NUMBER, "")
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
    import tests.urlwalk as module

    real = module.portal_patterns

    def with_unknown():
        found, problems = real()
        return found + [("devices:phone_detail", "devices/gadgets/<int:gadget>/", ["gadget"], None)], problems

    monkeypatch.setattr(module, "portal_patterns", with_unknown)
    _instances, problems = walk.instances()
    assert any("gadget" in problem for problem in problems)


NUL = "\x00"
NUL_QUERY = {key: NUL for key in ("q", "query", "search", "term", "after", "range", "target", "purpose", "page", "next")}


def _nul_urls(name, kwargs):
    """The URL with org A's objects, plus one URL per path argument that can carry a NUL
    (str/path converters and regex groups; reverse() refuses it for int and slug)."""
    urls = [(_url(name, kwargs), False)]
    for kwarg in kwargs:
        try:
            urls.append((_url(name, {**kwargs, kwarg: NUL}), True))
        except NoReverseMatch:
            continue
    return urls


def test_nul_characters_never_give_a_500(walk):
    """NUL in the query string, as a path argument and in POST data, sent by org A's admin to
    every portal URL: a clear answer, never a 500 (run it on PostgreSQL: SQLite accepts NUL)."""
    instances = _instances_or_fail(walk)
    admin = _client(walk.admin_a)
    failures, nul_paths = [], []
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        for url, nul_in_path in _nul_urls(name, kwargs_a):
            sends = [
                ("GET ?…=%00", lambda url=url: admin.get(url, NUL_QUERY)),
                ("POST …=%00", lambda url=url: admin.post(url, {**NUL_QUERY, "name": f"a{NUL}b", NUL: "x"})),
            ]
            if nul_in_path:
                nul_paths.append(url)
                sends.append(("GET", lambda url=url: admin.get(url)))
            for label, send in sends:
                with transaction.atomic():
                    response = send()
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    failures.append(f"{name} {url}: {label} answered {response.status_code}")
    assert any(url.startswith("/history/") for url in nul_paths), "the walk sent no NUL as a path argument"
    assert not failures, "\n".join(failures)
