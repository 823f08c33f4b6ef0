"""What a screen reader or keyboard user gets from the shared partials (issue 15); the colours and
the rest of WCAG are checked by axe-core in tests/browser/test_accessibility.py.

- ▲/▼ on the service pages' scope picker and on Brugergrupper come from one partial: the buttons
  are named "Move Salg up" ("Flyt Salg op"), the arrow glyph is hidden from assistive technology,
  and a move is announced in a status region ("“Support” har nu prioritet 2.").
- The `ldifde` command on Adressekartoteksynkronisering scrolls sideways, so it takes focus and
  has a name.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import UserGroupFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
DIRECTION_BUTTON = re.compile(r'<button type="submit" name="direction"[^>]*>.*?</button>', re.S)
STATUS = re.compile(
    r'<div id="([\w-]+)-status" class="visually-hidden" role="status" aria-live="polite">(.*?)</div>',
    re.S,
)


@pytest.fixture
def groups(org_a):
    """Priority 1 Salg, 2 Support, 3 Lager."""
    return [
        UserGroupFactory(organisation=org_a, name=name) for name in ("Salg", "Support", "Lager")
    ]


def _move(client, table, group, direction):
    if table == "services":
        url = reverse("services:group_move", args=[group.pk])
        data = {
            "direction": direction,
            "service": "call-queues",
            "next": reverse("services:service", args=["call-queues"]),
        }
    else:
        url = reverse("customers:usergroup_move", args=[group.pk])
        data = {"direction": direction}
    return client.post(url, data, **HTMX).content.decode()


def _status(html):
    (match,) = STATUS.findall(html)
    return match[1].strip()


@pytest.mark.parametrize("table", ["services", "customers"])
def test_a_move_is_announced_in_the_status_region(client_a, groups, table):
    html = _move(client_a, table, groups[2], "up")
    assert _status(html) == "“Lager” now has priority 2."
    html = _move(client_a, table, groups[2], "up")
    assert _status(html) == "“Lager” now has priority 1."
    # The announcement sits outside the part htmx swaps, so it stays in the page and is read out.
    (table_id, _text) = STATUS.findall(html)[0]
    assert (
        f'hx-target="#{table_id}"' in html
        and f'hx-select-oob="#{table_id}-status:innerHTML"' in html
    )
    assert html.index(f'id="{table_id}-status"') < html.index(f'<div id="{table_id}">')


@pytest.mark.parametrize("table", ["services", "customers"])
def test_the_announcement_is_danish_for_a_danish_user(client_a, admin_a, groups, table):
    admin_a.language = "da"
    admin_a.save(update_fields=["language"])
    html = _move(client_a, table, groups[1], "down")
    assert _status(html) == "“Support” har nu prioritet 3."
    assert 'aria-label="Flyt Support op"' in html


def test_a_refused_move_is_announced_too(client_a, groups):
    html = _move(client_a, "services", groups[0], "sideways")
    assert _status(html) == "Unknown direction."


@pytest.mark.parametrize(
    "url", [reverse("services:service", args=["call-queues"]), reverse("customers:usergroup_list")]
)
def test_arrows_are_named_and_the_glyph_is_hidden(client_a, groups, url):
    html = client_a.get(url).content.decode()
    buttons = DIRECTION_BUTTON.findall(html)
    # Salg only ▼, Support ▲ and ▼, Lager only ▲.
    names = [re.search(r'aria-label="([^"]*)"', button).group(1) for button in buttons]
    assert names == ["Move Salg down", "Move Support up", "Move Support down", "Move Lager up"]
    for button in buttons:
        assert re.search(r'>\s*<span aria-hidden="true">[▲▼]</span>\s*</button>$', button), button
    assert html.count('role="status" aria-live="polite"') >= 1


def test_the_ldifde_command_can_be_scrolled_from_the_keyboard(client_a):
    html = client_a.get(reverse("customers:directory_sync")).content.decode()
    (pre,) = re.findall(r"<pre[^>]*>", html)
    assert 'tabindex="0"' in pre and 'role="region"' in pre
    assert 'aria-label="Command that exports the users from Active Directory"' in pre
