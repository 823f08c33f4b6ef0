"""The production build, as the Dockerfile makes it and gunicorn serves it.

`collectstatic` runs with production settings (DEBUG off, the manifest storage with compression),
then gunicorn starts from the project's gunicorn.conf.py with DEBUG off against the test database,
and the sign-in page, a portal page behind the sign-in and a hashed static file are fetched. A
static file that the manifest cannot resolve, or a page that needs a missing manifest entry, fails
here instead of as a 500 in production.
"""

import http.client
import os
import re
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.connect.test_deployment import production_env
from tests.factories import OrgAdminFactory, OrganisationFactory
from tests.servers import free_port, test_database_url, wait_until_listening

ROOT = Path(settings.BASE_DIR)
PASSWORD = "production-build-pw-1"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="gunicorn needs a test database it can share (PostgreSQL; CI always has it)",
    ),
]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic exactly as the Dockerfile runs it."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env(DEBUG="0", CONNECT_TESTING="0", STATIC_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (root / "staticfiles.json").exists(), "no manifest: every page would be a 500"
    return root


@pytest.fixture
def server(static_root, tmp_path):
    port = free_port()
    env = production_env(
        DEBUG="0",
        CONNECT_TESTING="0",
        STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=test_database_url(),
        REDIS_URL="",
        CELERY_BROKER_URL="",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        SECURITY_LOG_FILE=str(tmp_path / "security.log"),
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if not wait_until_listening(port, process):
        process.kill()
        log.seek(0)
        pytest.fail("gunicorn did not start:\n" + log.read()[-3000:])
    yield Browser(port)
    process.terminate()
    process.wait(15)
    log.seek(0)
    output = log.read()
    assert "Traceback" not in output, output[-3000:]


class Browser:
    """Just enough of a browser behind the TLS proxy: cookies, CSRF and X-Forwarded-Proto."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Referer": "https://127.0.0.1/accounts/login/",
            "Accept-Language": "da",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.getheaders()), content
        finally:
            conn.close()


def test_production_build_serves_sign_in_portal_and_hashed_static_files(server):
    organisation = OrganisationFactory(name="production-build")
    admin = OrgAdminFactory(organisation=organisation, username="admin@production.example")
    # The server hashes passwords as production does (PBKDF2), not with the tests' fast hasher.
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    admin.save(update_fields=["password"])

    status, headers, page = server.request("GET", "/accounts/login/")
    assert status == 200, page[:2000]
    html = page.decode()
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', html)
    assert stylesheets, html[:2000]
    # Manifest names: the hashed file, never the plain one.
    assert all(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in stylesheets), stylesheets
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    status, static_headers, css = server.request("GET", stylesheets[0])
    assert status == 200 and len(css) > 1000
    assert "immutable" in static_headers.get("Cache-Control", "")

    status, headers, _ = server.request(
        "POST",
        "/accounts/login/",
        {"username": admin.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
    )
    assert status == 302, headers
    status, headers, page = server.request("GET", "/users/")
    assert status == 200, page[:2000]
    assert admin.username in page.decode()
    assert server.request("GET", "/static/connect/does-not-exist.css")[0] == 404
