"""Fixtures for the services tests: an organisation with prioritised groups, members and prompts."""

from pathlib import Path

import polib
import pytest

from customers.models import Prompt
from tests.factories import UserFactory, UserGroupFactory


@pytest.fixture
def system_prompts(db):
    """The template's system prompts (ORG-1): "Ringing" and the music-on-hold categories."""
    prompts = {"Ringing": Prompt.objects.create(name="Ringing", kind=Prompt.Kind.PROMPT)}
    for name in ("fpm-calmriver", "fpm-sunshine", "fpm-worldmix", "ventemusikSamlet"):
        prompts[name] = Prompt.objects.create(name=name, kind=Prompt.Kind.MUSIC)
    return prompts


@pytest.fixture
def groups_a(org_a):
    """Priority 1 Administration, 2 Salg, 3 Support."""
    return {
        name: UserGroupFactory(organisation=org_a, name=name)
        for name in ("Administration", "Salg", "Support")
    }


@pytest.fixture
def member_a(org_a, groups_a):
    """A user of org A in Salg and Support."""
    return UserFactory(organisation=org_a, username="member@a.example", groups=[groups_a["Salg"], groups_a["Support"]])


@pytest.fixture
def group_b(org_b):
    return UserGroupFactory(organisation=org_b, name="Other")


@pytest.fixture
def user_b(org_b, group_b):
    return UserFactory(organisation=org_b, username="user@b.example", groups=[group_b])


@pytest.fixture
def danish_fragments(settings, tmp_path, admin_a):
    """The services fragments (services.po, svcengine.po), compiled, as the Danish catalogue;
    the admin prefers Danish."""
    fragments = Path(__file__).resolve().parents[2] / "locale" / "fragments"
    catalogue = polib.POFile()
    catalogue.metadata = polib.pofile(str(fragments / "services.po")).metadata
    for name in ("services.po", "svcengine.po"):
        for entry in polib.pofile(str(fragments / name)):
            catalogue.append(entry)
    target = tmp_path / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    catalogue.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    admin_a.language = "da"
    admin_a.save()
