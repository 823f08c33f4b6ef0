"""One term per thing in both languages, and third-party admin pages in Danish too."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import translation

from devices.models import Phone


@pytest.mark.parametrize(("language", "label"), [("en", "Free seating"), ("da", "Gratis pladser")])
def test_the_free_seating_state_uses_one_term(language, label):
    with translation.override(language):
        assert str(Phone.State.FREE_SEATING.label) == label


def test_axes_pages_of_the_admin_read_danish(client, support):
    support.language = "da"
    support.save(update_fields=["language"])
    client.force_login(support)
    AccessAttempt.objects.create(
        username="someone", ip_address="192.0.2.1", user_agent="x", http_accept="*/*", path_info="/accounts/login/",
        get_data="", post_data="", failures_since_start=3,
    )
    with translation.override("da"):
        assert str(AccessAttempt._meta.verbose_name_plural) == "log-ind-forsøg"
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "log-ind-forsøg" in page.lower() and "access attempts" not in page.lower()
    assert "IP-adresse" in page and "Spærret" in page
