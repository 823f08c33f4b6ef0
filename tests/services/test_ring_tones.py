"""SVC-17 ring tones: the page (five choices, the Snom note) and resolution across levels."""

from django.urls import reverse

from services import operations
from services.models import RingToneSettings
from services.queries import effective_ring_tones
from services.scopes import Scope

FIELDS = ("internal", "external", "acd", "attendant", "ring_group")


def page(scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=["ring-tones"])
    return reverse(f"services:service_{scope}", args=["ring-tones", pk])


def test_page_has_five_choices_and_says_it_works_only_on_snom(client_a, org_a):
    response = client_a.get(page())
    body = response.content.decode()
    assert "Note that this function only works on Snom phones." in body
    form = response.context["form"]
    assert list(form.fields) == list(FIELDS)
    labels = [form.fields[name].label for name in FIELDS]
    assert labels == [
        "Internal calls",
        "External calls",
        "ACD groups",
        "Attendant ring groups",
        "Ring groups",
    ]
    assert [label for _v, label in form.fields["acd"].choices] == ["Standard"] + [
        f"Ringer{n}" for n in range(1, 11)
    ]
    assert all(form[name].value() == "standard" for name in FIELDS)


def test_values_resolve_by_priority_per_field(client_a, org_a, groups_a, member_a):
    assert (
        client_a.post(
            page(), {name: "standard" for name in FIELDS} | {"internal": "ringer2"}
        ).status_code
        == 302
    )
    # member_a is in Salg (priority 2) and Support (3): Salg wins where both set a field.
    client_a.post(page("group", groups_a["Support"].pk), {"external": "ringer4", "acd": "ringer6"})
    client_a.post(page("group", groups_a["Salg"].pk), {"external": "ringer5"})
    client_a.post(page("user", member_a.pk), {"attendant": "ringer9"})
    values = effective_ring_tones(org_a, [member_a], with_organisation=True)
    assert values[member_a.pk] == {
        "internal": "ringer2",
        "external": "ringer5",
        "acd": "ringer6",
        "attendant": "ringer9",
        "ring_group": "standard",
    }
    assert values[None] == dict.fromkeys(FIELDS, "standard") | {"internal": "ringer2"}


def test_bad_choice_is_refused_and_writes_nothing(client_a, org_a, groups_a):
    response = client_a.post(page("group", groups_a["Salg"].pk), {"internal": "ringer11"})
    assert "Select a valid choice" in " ".join(response.context["form"].errors["internal"])
    assert not RingToneSettings.objects.exists()
    operations.service_settings_save(
        service="ring-tones", scope=Scope(org_a), data={"acd": "ringer10"}, by=None
    )
    assert RingToneSettings.objects.get().acd == "ringer10"
