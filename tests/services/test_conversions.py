"""SVC-8 pages and operations: rules per scope, validation, tenancy, the tester, the template."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry
from customers.operations import organisation_create
from services import demo
from services.conversions import conversion_apply
from services.models import NumberConversion
from services.operations_conversions import TEMPLATE_CONVERSIONS, conversion_create
from services.queries import effective_conversions, user_conversions
from services.scopes import Scope
from tests.factories import UserFactory
from tests.services.factories import NumberConversionFactory


def page(scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=["number-conversions"])
    return reverse(f"services:service_{scope}", args=["number-conversions", pk])


def rule(prefix="20", digits="1", rewrite="+458877317", intervals=(), **extra):
    data = {"prefix": prefix, "digits": digits, "rewrite": rewrite, **extra}
    for n, (lo, hi) in enumerate(intervals):
        data[f"intervals-{n}-from"], data[f"intervals-{n}-to"] = lo, hi
    return data


def test_create_rule_at_organisation_level_and_see_it(client_a, org_a, admin_a):
    create = reverse("services:conversion_create")
    page_text = client_a.get(create).content.decode()
    assert (
        "Match numbers with prefix:" in page_text
        and "Add interval" in page_text
        and "any number of digits" in page_text
    )
    response = client_a.post(create, rule(intervals=[("0", "9")]))
    assert response.status_code == 302 and response["Location"] == page()
    conversion = NumberConversion.objects.get()
    assert (conversion.organisation, conversion.group, conversion.user) == (org_a, None, None)
    assert (conversion.prefix, conversion.digits, conversion.intervals, conversion.rewrite) == (
        "20",
        1,
        [["0", "9"]],
        "+458877317",
    )
    assert (
        AuditEntry.objects.filter(
            content_type__model="numberconversion", actor=admin_a, action="create"
        ).count()
        == 1
    )
    text = client_a.get(page()).content.decode()
    assert "+458877317" in text and "0–9" in text


def test_any_number_of_digits_and_group_and_user_scopes(client_a, groups_a, member_a):
    salg = groups_a["Salg"]
    response = client_a.post(
        reverse("services:conversion_create_group", args=[salg.pk]),
        rule(prefix="00", digits="any", rewrite="+"),
    )
    assert response.status_code == 302 and response["Location"] == page("group", salg.pk)
    assert NumberConversion.objects.get(prefix="00").group == salg
    response = client_a.post(
        reverse("services:conversion_create_user", args=[member_a.pk]),
        rule(prefix="7", digits="2", rewrite="+45888877"),
    )
    assert response.status_code == 302
    own = NumberConversion.objects.get(prefix="7")
    assert own.user == member_a and own.digits == 2
    # The user's page lists the group's rule as inherited, with its source, and the own rule.
    text = client_a.get(page("user", member_a.pk)).content.decode()
    assert "inherited from group Salg" in text and "+45888877" in text


def test_add_and_remove_interval_rows_without_saving(client_a):
    create = reverse("services:conversion_create")
    response = client_a.post(create, {**rule(intervals=[("0", "4")]), "add_interval": "1"})
    text = response.content.decode()
    assert response.status_code == 200 and 'name="intervals-1-from"' in text and 'value="0"' in text
    response = client_a.post(
        create, {**rule(intervals=[("0", "4"), ("6", "9")]), "remove_interval": "0"}
    )
    text = response.content.decode()
    assert 'name="intervals-1-from"' not in text and 'value="6"' in text
    assert not NumberConversion.objects.exists()


@pytest.mark.parametrize(
    "data,field,message",
    [
        (rule(prefix="2a"), "prefix", "The prefix may contain only the digits 0-9"),
        (rule(prefix="abc"), "prefix", "The prefix may contain only the digits 0-9"),
        (rule(digits="16"), "digits", "Select a valid choice"),
        (rule(digits="-1"), "digits", "Select a valid choice"),
        (
            rule(prefix="2", digits="2", intervals=[("7", "15")]),
            "intervals",
            "Interval 1: both bounds must have exactly",
        ),
        (
            rule(prefix="2", digits="2", intervals=[("07", "15"), ("1", "29")]),
            "intervals",
            "Interval 2: both bounds",
        ),
        (
            rule(prefix="2", digits="2", intervals=[("15", "07")]),
            "intervals",
            "Interval 1: “from” must not be greater than “to”.",
        ),
        (
            rule(prefix="2", digits="2", intervals=[("07", "15"), ("15", "29")]),
            "intervals",
            "overlaps another interval",
        ),
        (
            rule(prefix="00", digits="any", intervals=[("0", "9")]),
            "intervals",
            "cannot be used with “any number of digits”",
        ),
        (rule(prefix="11", digits="1"), "prefix", "112 and 114 must not be converted."),
        (rule(prefix="114", digits="0"), "prefix", "112 and 114 must not be converted."),
        (rule(prefix="1", digits="any"), "prefix", "112 and 114 must not be converted."),
        (
            rule(prefix="", digits="3", intervals=[("100", "199")]),
            "prefix",
            "112 and 114 must not be converted.",
        ),
        (rule(prefix="", digits="8"), "prefix", "Enter a prefix, or restrict the digits"),
        (rule(rewrite="+45 88x"), "rewrite", "Rewrite the prefix to digits only"),
    ],
)
def test_bad_input_gets_a_field_error_and_writes_nothing(client_a, data, field, message):
    response = client_a.post(reverse("services:conversion_create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, [])), response.context[
        "form"
    ].errors
    assert not NumberConversion.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="numberconversion").exists()


def test_identical_rule_in_one_scope_is_refused_but_allowed_in_another(client_a, org_a, groups_a):
    data = rule(prefix="2", digits="2", intervals=[("07", "15"), ("17", "29")])
    assert client_a.post(reverse("services:conversion_create"), data).status_code == 302
    # Same intervals in another order are the same rule.
    response = client_a.post(
        reverse("services:conversion_create"),
        rule(prefix="2", digits="2", intervals=[("17", "29"), ("07", "15")]),
    )
    assert "An identical rule" in " ".join(response.context["form"].errors["prefix"])
    assert NumberConversion.objects.count() == 1
    response = client_a.post(
        reverse("services:conversion_create_group", args=[groups_a["Salg"].pk]), data
    )
    assert response.status_code == 302 and NumberConversion.objects.count() == 2


def test_edit_and_delete(client_a, org_a, admin_a):
    conversion = conversion_create(
        scope=Scope(org_a), prefix="7", digits=2, rewrite="+45888877", by=admin_a
    )
    edit = reverse("services:conversion_update", args=[conversion.pk])
    assert 'value="+45888877"' in client_a.get(edit).content.decode()
    response = client_a.post(edit, rule(prefix="7", digits="2", rewrite="+45999988"))
    assert response.status_code == 302
    conversion.refresh_from_db()
    assert conversion.rewrite == "+45999988"
    assert AuditEntry.objects.get(object_id=str(conversion.pk), action="update").changes[
        "rewrite"
    ] == ["+45888877", "+45999988"]
    delete = reverse("services:conversion_delete", args=[conversion.pk])
    assert client_a.get(delete).status_code == 200
    assert client_a.post(delete).status_code == 302
    assert not NumberConversion.objects.exists()


def test_other_organisations_group_user_and_rule_are_404(client_a, org_b, group_b, user_b, admin_b):
    theirs = conversion_create(scope=Scope(org_b), prefix="7", digits=2, rewrite="+45", by=admin_b)
    assert (
        client_a.post(
            reverse("services:conversion_create_group", args=[group_b.pk]), rule()
        ).status_code
        == 404
    )
    assert (
        client_a.post(
            reverse("services:conversion_create_user", args=[user_b.pk]), rule()
        ).status_code
        == 404
    )
    assert (
        client_a.post(
            reverse("services:conversion_update", args=[theirs.pk]), rule(rewrite="+46")
        ).status_code
        == 404
    )
    assert client_a.post(reverse("services:conversion_delete", args=[theirs.pk])).status_code == 404
    assert client_a.get(page("group", group_b.pk)).status_code == 404
    assert client_a.get(page() + f"?number=765&test_user={user_b.pk}").status_code == 404
    assert NumberConversion.objects.filter(organisation=org_b).count() == 1
    assert NumberConversion.objects.get().rewrite == "+45"


def test_operation_refuses_bad_values_directly(org_a, admin_a):
    with pytest.raises(ValidationError) as exc:
        conversion_create(scope=Scope(org_a), prefix="1", digits=16, rewrite="", by=admin_a)
    assert "digits" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        conversion_create(
            scope=Scope(org_a),
            prefix="",
            digits=3,
            intervals=[["110", "115"]],
            rewrite="+45",
            by=admin_a,
        )
    assert exc.value.message_dict["prefix"] == ["112 and 114 must not be converted."]
    assert not NumberConversion.objects.exists()


def test_tester_shows_conversion_rule_scope_and_losers(
    client_a, org_a, admin_a, groups_a, member_a
):
    conversion_create(scope=Scope(org_a), prefix="7", digits=2, rewrite="+45888877", by=admin_a)
    conversion_create(
        scope=Scope(org_a, group=groups_a["Salg"]),
        prefix="7",
        digits=2,
        rewrite="+45777766",
        by=admin_a,
    )
    conversion_create(
        scope=Scope(org_a),
        prefix="",
        digits=3,
        intervals=[["700", "799"]],
        rewrite="+4570",
        by=admin_a,
    )
    # Search the user, then test.
    text = client_a.get(page() + "?number=765&test_q=member").content.decode()
    assert f"test_user={member_a.pk}" in text
    response = client_a.get(page() + f"?number=765&test_user={member_a.pk}")
    result = response.context["test_result"]
    assert result.converted == "+4577776665" and result.rule.source.name == "Salg"
    text = response.content.decode()
    assert "+4577776665" in text and "inherited from group Salg" in text
    assert "equally specific, but set at a level with lower priority" in text
    assert "its prefix is shorter than the prefix of the rule used" in text
    # On a user's page the user is chosen already; 112 is never converted.
    response = client_a.get(page("user", member_a.pk) + "?number=112")
    assert response.context["test_result"].emergency
    assert "112 and 114 are never converted." in response.content.decode()
    response = client_a.get(page() + "?number=76a5")
    assert "Enter a dialled number" in response.content.decode()


def test_loader_combines_scopes_in_constant_queries(
    django_assert_num_queries, org_a, admin_a, groups_a
):
    users = [UserFactory(organisation=org_a, groups=[groups_a["Salg"]]) for _ in range(3)]
    loner = UserFactory(organisation=org_a)
    conversion_create(scope=Scope(org_a), prefix="7", digits=2, rewrite="+45888877", by=admin_a)
    conversion_create(
        scope=Scope(org_a, group=groups_a["Salg"]),
        prefix="7",
        digits=2,
        rewrite="+45777766",
        by=admin_a,
    )
    conversion_create(
        scope=Scope(org_a, user=users[0]), prefix="7", digits=2, rewrite="+45111122", by=admin_a
    )
    with django_assert_num_queries(4):  # groups, memberships, rules, the organisation
        rule_sets = effective_conversions(users + [loner])
    assert conversion_apply(rule_sets[users[0].pk], "765").converted == "+4511112265"
    assert conversion_apply(rule_sets[users[1].pk], "765").converted == "+4577776665"
    assert conversion_apply(rule_sets[loner.pk], "765").converted == "+4588887765"
    assert len(user_conversions(users[0])) == 3


def test_new_organisation_gets_the_template_conversions(admin_a):
    organisation = organisation_create(name="fresh-org", by=admin_a)
    stored = {
        (c.prefix, c.digits, tuple(map(tuple, c.intervals)), c.rewrite)
        for c in NumberConversion.objects.filter(organisation=organisation)
    }
    assert stored == {
        (r["prefix"], r["digits"], tuple(map(tuple, r["intervals"])), r["rewrite"])
        for r in TEMPLATE_CONVERSIONS
    }
    user = UserFactory(organisation=organisation)
    rules = user_conversions(user)
    assert conversion_apply(rules, "88887765").converted == "+4588887765"
    assert conversion_apply(rules, "004612345").converted == "+4612345"
    assert conversion_apply(rules, "1500").converted == "1500"


def test_demo_seed_adds_the_demo_conversions_once(org_a):
    demo.seed(org_a)
    count = NumberConversion.objects.filter(organisation=org_a).count()
    demo.seed(org_a)
    assert NumberConversion.objects.filter(organisation=org_a).count() == count == 6
    rules = user_conversions(UserFactory(organisation=org_a))
    assert conversion_apply(rules, "765").converted == "+4588887765"
    assert conversion_apply(rules, "205").converted == "+4588773175"


def test_factory_rule_shows_on_the_services_tab(client_a, org_a, member_a):
    NumberConversionFactory(organisation=org_a)
    text = client_a.get(reverse("services:user_services", args=[member_a.pk])).content.decode()
    assert "Number conversions" in text and "+45888877" in text


def test_tester_user_search_answers_htmx_with_the_result_list(client_a, member_a):
    response = client_a.get(page() + "?number=765&test_q=member", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert f"test_user={member_a.pk}&amp;number=765" in text


@pytest.fixture
def danish(settings, tmp_path, admin_a):
    """The services fragment and this feature's (conv.po), compiled, as the Danish catalogue."""
    from pathlib import Path

    import polib

    fragments = Path(__file__).resolve().parents[2] / "locale" / "fragments"
    catalogue = polib.pofile(str(fragments / "services.po"))
    for entry in polib.pofile(str(fragments / "conv.po")):
        catalogue.append(entry)
    target = tmp_path / "da" / "LC_MESSAGES"
    target.mkdir(parents=True)
    catalogue.save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    admin_a.language = "da"
    admin_a.save()


def test_pages_and_errors_in_danish(danish, client_a, org_a, admin_a):
    conversion_create(
        scope=Scope(org_a),
        prefix="20",
        digits=1,
        intervals=[["0", "9"]],
        rewrite="+458877317",
        by=admin_a,
    )
    text = client_a.get(page() + "?number=205&test_user=" + str(admin_a.pk)).content.decode()
    for phrase in (
        "Nummerkonverteringer",
        "Opret",
        "Test et nummer",
        "Konverteret nummer",
        "+4588773175",
        "1 ciffer",
    ):
        assert phrase in text, phrase
    text = client_a.get(reverse("services:conversion_create")).content.decode()
    for phrase in (
        "Match numre med præfiks:",
        "Efterfulgt af:",
        "vilkårligt antal cifre",
        "15 cifre",
        "Tilføj interval",
        "Genskriv præfiks til:",
    ):
        assert phrase in text, phrase
    response = client_a.post(reverse("services:conversion_create"), rule(prefix="11", digits="1"))
    assert "112 og 114 må ikke konverteres" in response.content.decode()
