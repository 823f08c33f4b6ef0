"""The services pages in Danish, with the wording of the admin guide (locale/fragments/services.po)."""

from pathlib import Path

import polib
import pytest

from services import operations
from services.scopes import Scope

FRAGMENT = Path(__file__).resolve().parents[2] / "locale" / "fragments" / "services.po"


@pytest.fixture
def danish(settings, tmp_path, admin_a):
    """Only this app's fragment, compiled, as the Danish catalogue; the admin prefers Danish."""
    target = tmp_path / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(FRAGMENT)).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    admin_a.language = "da"
    admin_a.save()


def test_fragment_is_complete_and_valid():
    po = polib.pofile(str(FRAGMENT))
    assert len(po) > 200
    assert not po.untranslated_entries() and not po.fuzzy_entries()


def test_group_page_in_danish(danish, client_a, org_a, groups_a, member_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"queue_size": 7}, by=None)
    operations.service_settings_save(service="call-queues", scope=Scope(org_a, group=groups_a["Salg"]), data={"queue_size": 8}, by=None)
    text = client_a.get(f"/services/call-queues/group/{groups_a['Support'].pk}/").content.decode()
    for phrase in (
        "Opkald - køer",
        "Konfiguration af tjenesten for Support",
        "Konfigurer for alle brugere i organisationen",
        "Indtast en del af bruger-ID'et, for- eller efternavn:",
        "Prioritet",
        "Søg",
        "(Arv)",
        "Arvet: 7 (arvet fra organisationen org-a)",
        "Hvor mange opkald, der kan være i køen:",
        "Optagetsignal",
        "Gem",
        "Annuller",
    ):
        assert phrase in text, phrase
    user_text = client_a.get(f"/services/call-queues/user/{member_a.pk}/").content.decode()
    assert "Arvet: 8 (arvet fra gruppen Salg)" in user_text


def test_own_value_says_what_it_overrides_in_danish(danish, client_a, org_a, groups_a, member_a):
    operations.service_settings_save(service="voicemail", scope=Scope(org_a, group=groups_a["Salg"]), data={"retention_days": 50}, by=None)
    operations.service_settings_save(service="voicemail", scope=Scope(org_a, user=member_a), data={"retention_days": 20}, by=None)
    text = client_a.get(f"/services/voicemail/user/{member_a.pk}/").content.decode()
    assert "Tilsidesætter 50 (arvet fra gruppen Salg)" in text
    assert "Arvet: 50" not in text
