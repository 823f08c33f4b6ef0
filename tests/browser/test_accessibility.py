"""axe-core on every portal page, in Danish and in English (issue 15).

Signs in as an OrgAdmin (the URL walk's organisation A, tests/urlwalk.py, with a few groups like
the demo's) and visits the sign-in page, one page of every portal URL pattern that answers a GET
with HTML, a user import preview and an import job with errors. On each page it injects axe-core
(node_modules/axe-core/axe.min.js, pinned in package-lock.json; ./scripts/test runs `npm ci` when
it is missing, nothing is downloaded at run time) and runs the WCAG 2.0/2.1 A and AA rules plus
best practice. Any serious or critical finding fails the test, listed with the rule, the selector,
axe's summary (for contrast: the colours and the ratio) and the page. New pages are covered
automatically because the walk enumerates the URLconf.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserGroupFactory
from tests.urlwalk import Walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = ("serious", "critical")
LOCALES = {"da": "da-DK", "en": "en-GB"}
IMPORT_HEADER = "Username;First name;Last name;E-mail"


@pytest.fixture(scope="module")
def axe_script():
    if not AXE_SCRIPT.exists():
        message = (
            f"{AXE_SCRIPT} is missing: run `npm ci` in the project directory (./scripts/test does)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(AXE_SCRIPT)


def _import_job(client, rows):
    """A user import of these CSV rows, read and checked (the task runs in-process): its page."""
    data = "\r\n".join([IMPORT_HEADER, *rows]).encode() + b"\r\n"
    upload = SimpleUploadedFile("users.csv", data, content_type="text/csv")
    response = client.post(reverse("customers:users_import"), {"file": upload})
    assert response.status_code == 302 and "/jobs/" in response["Location"], response
    return response["Location"]


def _pages(walk, client):
    """(label, path) of one page per portal URL pattern that answers a GET with an HTML page
    (not an htmx fragment, a file or a 405), plus the patterns that answered with a server error."""
    instances, problems = walk.instances()
    assert not problems, "the URL walk cannot cover these URL patterns:\n" + "\n".join(problems)
    pages, broken, seen = [], [], set()
    for name, _route, kwargs_a, _kwargs_b, _has_objects in instances:
        if name in seen:
            continue
        seen.add(name)
        path = reverse(name, kwargs=kwargs_a)
        response = client.get(path)
        if response.status_code >= 500:
            broken.append(
                f"{name} {path}: GET answered {response.status_code}, so it could not be checked"
            )
        elif response.status_code == 200 and response.get("Content-Type", "").startswith(
            "text/html"
        ):
            if response.content.lstrip()[:15].lower() == b"<!doctype html>":
                pages.append((name, path))
    return pages, broken


def _violations(page, label, axe_script):
    """axe's serious and critical findings on the page, one line per element."""
    page.add_script_tag(path=axe_script)
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        for node in violation["nodes"]:
            selector = " ".join(
                " >> ".join(part) if isinstance(part, list) else part for part in node["target"]
            )
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(
                f"[{violation['impact']}] {violation['id']} on {label} ({page.url}): {selector}\n"
                f"    {violation['help']}. {summary}"
            )
    return lines


def _sign_in(page, live_server, user):
    """On the sign-in page: sign in and land on the home page."""
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_passes_axe(language, chromium, axe_script, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    walk = Walk()
    admin = walk.admin_a
    admin.language = language
    admin.save(update_fields=["language"])
    # Several groups, so the scope picker and Brugergrupper show their ▲/▼.
    for name in ("Salg", "Support"):
        UserGroupFactory(organisation=walk.org_a, name=name)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    pages, failures = _pages(walk, client)
    assert len(pages) >= 20, f"the walk found almost no HTML pages: {pages}"
    pages.append(
        ("an import preview", _import_job(client, ["anna@firma.dk;Anna;Berg;anna@firma.dk"]))
    )
    pages.append(
        (
            "an import job with errors",
            _import_job(
                client, ["bo@firma.dk;Bo;Holm;bo@firma.dk", "bad@firma.dk;Bad;Person;not-an-email"]
            ),
        )
    )

    context = chromium.new_context(
        locale=LOCALES[language], viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('login')}")
        assert page.locator("html").get_attribute("lang") == language
        failures += _violations(page, "the sign-in page", axe_script)
        _sign_in(page, live_server, admin)
        for label, path in pages:
            page.goto(f"{live_server.url}{path}")
            if page.locator("html").get_attribute("lang") != language:
                failures.append(f"{label} ({page.url}): the page is not in {language}")
            failures += _violations(page, label, axe_script)
    finally:
        context.close()
    print(f"axe ({language}): {len(pages) + 1} pages checked")
    if failures:
        pytest.fail(
            f"axe ({language}): {len(failures)} serious or critical findings on {len(pages) + 1} "
            f"pages:\n" + "\n".join(failures),
            pytrace=False,
        )


def test_top_bar_menus_show_a_focus_ring_from_the_keyboard(page, live_server, admin_a):
    """Tabbing through the top bar, each menu title gets a visible ring (not only a change of
    text colour): a solid white outline of at least 2px on the blue bar."""
    page.goto(f"{live_server.url}{reverse('login')}")
    _sign_in(page, live_server, admin_a)
    menus = page.locator("header .nav-link.dropdown-toggle")
    titles = menus.all_inner_texts()
    assert len(titles) >= 3, titles
    rings = {}
    for _ in range(3 * len(titles)):  # skip link, brand, the menus: tab until past the last menu
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el.matches("header .nav-link.dropdown-toggle")) return null;
                const style = getComputedStyle(el);
                return [el.innerText.trim(), style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor];
            }"""
        )
        if focused:
            rings[focused[0]] = tuple(focused[1:])
        if len(rings) == len(titles):
            break
    assert sorted(rings) == sorted(titles), f"menus reached with Tab: {sorted(rings)} of {titles}"
    for title, (style, width, colour) in rings.items():
        assert style == "solid" and width >= 2 and colour == "rgb(255, 255, 255)", (
            title,
            style,
            width,
            colour,
        )
