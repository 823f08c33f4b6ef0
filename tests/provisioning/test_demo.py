"""The demo's curl commands (README) fetch real configurations."""

import re
import shlex

import pytest

from devices import demo as devices_demo
from provisioning import demo
from provisioning.operations import ticket_for
from tests.factories import UserFactory
from tests.provisioning.conftest import parse_cfg, parse_snom

pytestmark = pytest.mark.django_db


def test_seed_gives_working_curl_commands_for_the_demo_phones(client, org_a, settings):
    settings.PROVISIONING_BASE_URL = "http://127.0.0.1:8000"
    settings.PROVISIONING_ALLOW_HTTP = True  # as in the demo (DEBUG on): its commands use plain HTTP
    UserFactory(organisation=org_a, username="klj@ipvision.dk", first_name="Kasper Leth", last_name="Jensen")
    devices_demo.seed(org_a)
    notes = demo.seed(org_a)
    assert demo.seed(org_a) == notes  # idempotent: same ticket, same commands
    commands = [shlex.split(line.strip()) for line in notes if line.strip().startswith("curl ")]
    assert len(commands) == 3
    bodies = {}
    for argv in commands:
        agent, url = argv[2], argv[3]
        path = url.removeprefix("http://127.0.0.1:8000")
        assert f"/prov/{ticket_for(org_a).ticket}/" in path
        response = client.get(path, HTTP_USER_AGENT=agent)
        assert response.status_code == 200, url
        bodies[re.search(r"[0-9A-F]{12}", path.rsplit("/", 1)[1]).group(0)] = response.content
    settings_d725, _keys = parse_snom(bodies["000413A1B2C3"])
    assert settings_d725[("user_realname", "1")][0] == "Kasper Leth Jensen"
    assert settings_d725[("user_pass", "1")][0]  # klj is on line 1: credentials
    assert parse_cfg(bodies["00085D1610DE"].decode())["sip line1 password"] == ""  # no user
    settings_d345, _keys = parse_snom(bodies["000413A11FA7"])
    assert settings_d345[("user_active", "1")][0] == "off"  # free seating: no personal account
