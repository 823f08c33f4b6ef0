"""Number ranges (ORG-9), the number registry and "Vis tilgængelige numre" (invariant 3)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect.lib import numbers as numberlib
from connect.lib.numbers import EMERGENCY_NUMBERS, SERVICE_NUMBERS
from customers.models import AuditEntry, Number, NumberRange, UserLine
from customers.operations import (
    number_check_available,
    number_register,
    number_release,
    numberrange_create,
    numberrange_delete,
    numberrange_update,
)
from customers.operations.users import user_set_lines
from customers.queries import available_numbers
from tests.factories import OrganisationFactory, UserFactory

USER_LINE = Number.Purpose.USER_LINE
FUNCTION_NUMBER = Number.Purpose.FUNCTION_NUMBER


@pytest.fixture
def ranges(org_a, admin_a):
    """DEMO-4's ranges."""
    return {
        "e164": numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", callable_from_ivr=True, by=admin_a),
        "local": numberrange_create(organisation=org_a, first="200", last="299", by=admin_a),
        "fn": numberrange_create(organisation=org_a, first="1500", last="1899", by=admin_a),
    }


def register(org, raw, by=None, purpose=USER_LINE):
    return number_register(organisation=org, raw=raw, purpose=purpose, by=by)


def free(org, **kwargs):
    return [f.number for f in available_numbers(organisation=org, **kwargs)]


# --- number ranges --------------------------------------------------------------------------


def test_range_is_normalised_and_audited(org_a, admin_a):
    r = numberrange_create(organisation=org_a, first="88 88 77 00", last="004588887799", description="Kontor", by=admin_a)
    assert (r.kind, r.first, r.last, r.first_value, r.size) == ("e164", "+4588887700", "+4588887799", 4588887700, 100)
    assert AuditEntry.objects.filter(object_id=str(r.pk), action="create").exists()


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        ("+4588887700", "299", "last", "From and To must be of the same kind: both full phone numbers or both local numbers."),
        ("200", "2999", "last", "From and To must have the same number of digits."),
        ("299", "200", "last", "To must not be lower than From."),
        ("٤٥", "299", "first", "Use only the digits 0-9."),
        ("200", "２９９", "last", "Use only the digits 0-9."),
        ("2\x0000", "299", "first", "The number contains control characters."),
        ("1" * 200, "299", "first", "The number is too long."),
        ("", "299", "first", "Enter a phone number."),
        ("+4520000000", "+4529999999", "last", "A range may contain at most 1.000.000 numbers."),
    ],
)
def test_invalid_ranges_give_translated_field_errors(org_a, admin_a, first, last, field, message):
    with pytest.raises(ValidationError) as exc:
        numberrange_create(organisation=org_a, first=first, last=last, by=admin_a)
    assert message in exc.value.message_dict[field]
    assert not NumberRange.objects.exists()


def test_ranges_may_not_overlap(org_a, org_b, admin_a, ranges):
    with pytest.raises(ValidationError) as exc:
        numberrange_create(organisation=org_a, first="250", last="350", by=admin_a)
    assert exc.value.message_dict["first"] == ["The range overlaps the existing range 200–299."]
    with pytest.raises(ValidationError):
        numberrange_create(organisation=org_a, first="+4588887790", last="+4588887800", by=admin_a)
    # Touching is fine, and other widths/organisations don't collide.
    numberrange_create(organisation=org_a, first="300", last="399", by=admin_a)
    numberrange_create(organisation=org_a, first="0250", last="0299", by=admin_a)
    numberrange_create(organisation=org_b, first="200", last="299", by=admin_a)


def test_range_cannot_shrink_below_numbers_in_use(org_a, admin_a, ranges):
    register(org_a, "250")
    with pytest.raises(ValidationError) as exc:
        numberrange_update(number_range=ranges["local"], last="249", by=admin_a)
    assert exc.value.message_dict["first"] == ["The range cannot shrink: 1 number in use would fall outside it: 250."]
    numberrange_update(number_range=ranges["local"], first="210", last="260", description="Lokal", by=admin_a)
    ranges["local"].refresh_from_db()
    assert (ranges["local"].first, ranges["local"].last, ranges["local"].description) == ("210", "260", "Lokal")
    entry = AuditEntry.objects.get(object_id=str(ranges["local"].pk), action="update")
    assert entry.changes["last"] == ["299", "260"]


def test_range_in_use_cannot_be_deleted(org_a, admin_a, ranges):
    number = register(org_a, "1500", purpose=FUNCTION_NUMBER)
    register(org_a, "1501", purpose=FUNCTION_NUMBER)
    with pytest.raises(ValidationError) as exc:
        numberrange_delete(number_range=ranges["fn"], by=admin_a)
    assert exc.value.messages == ["The range cannot be deleted while 2 of its numbers are in use, e.g. 1500."]
    number_release(number=number, by=admin_a)
    number_release(number=Number.objects.get(number="1501"), by=admin_a)
    numberrange_delete(number_range=ranges["fn"], by=admin_a)
    assert not NumberRange.objects.filter(pk=ranges["fn"].pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_repr="1500–1899").exists()


# --- the registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["88887765", "88 88 77 65", "+45 88 88 77 65", "004588887765", "+4588887765"])
def test_register_normalises_common_forms(org_a, ranges, raw):
    assert register(org_a, raw).number == "+4588887765"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("88887800", "The number +4588887800 is outside the organisation's number ranges."),
        ("300", "The number 300 is outside the organisation's number ranges."),
        ("٤٥", "Use only the digits 0-9."),
        ("４５", "Use only the digits 0-9."),
        ("2\x0000", "The number contains control characters."),
        ("9" * 50, "The number is too long."),
        ("12ab", "A phone number may contain only digits, spaces and a leading “+”."),
        ("+", "“+” is not a valid phone number."),
    ],
)
def test_register_refuses_bad_numbers(org_a, ranges, raw, message):
    with pytest.raises(ValidationError) as exc:
        register(org_a, raw)
    assert exc.value.messages == [message]
    assert not Number.objects.exists()


def test_a_number_is_given_only_once_per_organisation(org_a, org_b, admin_a, ranges):
    register(org_a, "205", by=admin_a)
    with pytest.raises(ValidationError) as exc:
        register(org_a, "205")
    assert exc.value.messages == ["The number 205 is already in use."]
    numberrange_create(organisation=org_b, first="200", last="299", by=admin_a)
    assert register(org_b, "205").organisation == org_b


def test_unique_constraint_is_the_last_line_of_defence(org_a, ranges, monkeypatch):
    """Even if the friendly pre-check is fooled (a concurrent insert), the constraint holds."""
    from connect.lib.numbers import NormalisedNumber
    from customers.operations import numbers as numbers_ops

    register(org_a, "210")
    monkeypatch.setattr(numbers_ops, "number_check_available", lambda **kw: NormalisedNumber("210", "local", 210))
    with pytest.raises(ValidationError) as exc:
        register(org_a, "210")
    assert exc.value.messages == ["The number 210 is already in use."]
    assert Number.objects.filter(number="210").count() == 1


def test_release_frees_the_number_and_its_line(org_a, admin_a, ranges):
    user = UserFactory(organisation=org_a)
    number = number_register(organisation=org_a, raw="220", purpose=USER_LINE, user=user, line_slot=1, by=admin_a)
    UserLine.objects.create(user=user, slot=1, number=number)
    assert "220" not in free(org_a, range=ranges["local"], limit=200)
    number_release(number=number, by=admin_a)
    assert not UserLine.objects.filter(user=user).exists()
    assert "220" in free(org_a, range=ranges["local"], limit=200)
    assert AuditEntry.objects.filter(action="delete", object_repr="220").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_give_one_number_twice(monkeypatch):
    """Two transactions race for +4588887705; both pass the friendly check, one must lose."""
    import threading

    from django.db import connection, connections

    from customers.operations import numbers as numbers_ops

    if connection.vendor != "postgresql":
        pytest.skip("needs two real concurrent transactions: SQLite serialises writers (runs on PostgreSQL in CI)")
    org = OrganisationFactory(name="race")
    numberrange_create(organisation=org, first="+4588887700", last="+4588887799", by=None)

    both_checked = threading.Barrier(2, timeout=10)
    original = numbers_ops.number_check_available

    def check_then_wait(**kwargs):
        result = original(**kwargs)
        both_checked.wait()  # both transactions have seen the number as free
        return result

    monkeypatch.setattr(numbers_ops, "number_check_available", check_then_wait)
    outcomes = []

    def attempt():
        try:
            with transaction.atomic():
                number = register(org, "88 88 77 05")
            outcomes.append(("ok", number.pk))
        except ValidationError as exc:
            outcomes.append(("refused", exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert ("refused", ["The number +4588887705 is already in use."]) in outcomes
    assert Number.objects.filter(organisation=org, number="+4588887705").count() == 1


# --- available numbers ----------------------------------------------------------------------


def test_available_numbers_are_the_ranges_minus_the_registry(org_a, org_b, admin_a, ranges):
    for raw in ("+4588887700", "+4588887702", "200"):
        register(org_a, raw)
    numberrange_create(organisation=org_b, first="+4588887700", last="+4588887799", by=admin_a)
    register(org_b, "+4588887701")  # another organisation's use doesn't matter
    numbers = free(org_a, limit=5)
    assert numbers == ["+4588887701", "+4588887703", "+4588887704", "+4588887705", "+4588887706"]
    assert free(org_a, range=ranges["local"], limit=3) == ["201", "202", "203"]
    assert free(org_a, range=ranges["fn"], limit=2) == ["1500", "1501"]


def test_keyset_pages_walk_every_range_once(org_a, ranges):
    for raw in ("+4588887799", "201", "1899"):
        register(org_a, raw)
    pages, after = [], None
    while True:
        page = free(org_a, after=after, limit=37)
        pages.extend(page)
        if len(page) < 37:
            break
        after = page[-1]
    expected = [f"+45888877{i:02d}" for i in range(99)] + [str(i) for i in range(200, 300) if i != 201]
    # Emergency and service numbers (1801, 1813, ...) are free for no use, so they are not offered.
    expected += [str(i) for i in range(1500, 1899) if i not in SERVICE_NUMBERS]
    assert pages == expected


def test_search_keeps_numbers_with_those_digits(org_a, ranges):
    register(org_a, "277")
    assert free(org_a, range=ranges["local"], search="77") == []
    assert free(org_a, search="7 7 5", limit=3) == ["+4588887750", "+4588887751", "+4588887752"]
    assert free(org_a, range=ranges["fn"], search="٤abc") == []  # no ASCII digits: nothing matches ... but no error
    assert free(org_a, range=ranges["fn"], search="188", limit=3) == ["1880", "1882", "1883"]  # 1881: a service number


def test_local_numbers_keep_their_leading_zeros(org_a, admin_a):
    r = numberrange_create(organisation=org_a, first="0100", last="0199", by=admin_a)
    register(org_a, "0100")
    assert free(org_a, range=r, limit=2) == ["0101", "0102"]
    assert free(org_a, after="0101", limit=1) == ["0102"]


def test_a_cursor_outside_every_range_continues_with_the_next_range(org_a, ranges):
    assert free(org_a, after="250", limit=1) == ["251"]
    assert free(org_a, after="1000", limit=1) == ["1500"]
    assert free(org_a, after="not a number", limit=1) == ["+4588887700"]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(used=st.sets(st.integers(0, 59)), page=st.integers(1, 25))
def test_paging_yields_exactly_the_free_numbers(used, page):
    with transaction.atomic():
        org = OrganisationFactory(name="paging")
        numberrange_create(organisation=org, first="3000", last="3059", by=None)
        numberrange_create(organisation=org, first="+4570000000", last="+4570000009", by=None)
        for value in used:
            register(org, str(3000 + value))
        seen, after = [], None
        for _ in range(100):
            chunk = free(org, after=after, limit=page)
            seen.extend(chunk)
            if len(chunk) < page:
                break
            after = chunk[-1]
        expected = [f"+457000000{i}" for i in range(10)] + [str(3000 + v) for v in range(60) if v not in used]
        assert seen == expected
        transaction.set_rollback(True)


# --- pages ----------------------------------------------------------------------------------


def test_range_list_shows_ranges_usage_and_menu(client_a, org_a, ranges):
    register(org_a, "+4588887765")
    html = client_a.get(reverse("customers:numberrange_list")).content.decode()
    assert "+4588887700" in html and "1500" in html
    assert "1 of 100" in html and "0 of 400" in html
    assert "Show available numbers" in html
    assert reverse("customers:numberrange_list") in client_a.get("/").content.decode()


def test_create_range_through_the_form(client_a, org_a):
    response = client_a.post(
        reverse("customers:numberrange_create"),
        {"first": "900", "last": "999", "description": "Lokal", "callable_from_ivr": "on"},
        follow=True,
    )
    assert "The number range 900–999 was created." in response.content.decode()
    r = NumberRange.objects.get(organisation=org_a)
    assert (r.kind, r.first_value, r.last_value, r.callable_from_ivr) == ("local", 900, 999, True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first": "٤٥", "last": "99"}, "Use only the digits 0-9."),
        ({"first": "４５", "last": "99"}, "Use only the digits 0-9."),
        ({"first": "10", "last": "2\x070"}, "The number contains control characters."),  # NUL: a 400 page
        ({"first": "1" * 40, "last": "99"}, "Ensure this value has at most 32 characters (it has 40)."),
        ({"first": "10", "last": "99", "description": "x" * 300}, "Ensure this value has at most 255 characters (it has 300)."),
        ({"first": "10", "last": "99", "description": "tab\x1b"}, "The text contains control characters, which are not allowed."),
        ({"first": "+4588887700", "last": "99"}, "From and To must be of the same kind"),
    ],
)
def test_bad_range_input_is_a_field_error_not_500(client_a, org_a, data, message):
    response = client_a.post(reverse("customers:numberrange_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NumberRange.objects.exists()


def test_edit_page_shows_history_and_shrink_error(client_a, org_a, ranges):
    register(org_a, "299")
    url = reverse("customers:numberrange_update", args=[ranges["local"].pk])
    html = client_a.get(url).content.decode()
    assert "History" in html and "Show available numbers" in html and 'value="200"' in html
    response = client_a.post(url, {"first": "200", "last": "250"})
    assert "The range cannot shrink: 1 number in use would fall outside it: 299." in response.content.decode()
    ranges["local"].refresh_from_db()
    assert ranges["local"].last == "299"


def test_delete_in_use_shows_error(client_a, org_a, ranges):
    register(org_a, "1600", purpose=FUNCTION_NUMBER)
    url = reverse("customers:numberrange_delete", args=[ranges["fn"].pk])
    response = client_a.post(url, follow=True)
    assert "The range cannot be deleted while 1 of its numbers is in use: 1600." in response.content.decode()
    assert NumberRange.objects.filter(pk=ranges["fn"].pk).exists()
    client_a.post(reverse("customers:numberrange_delete", args=[ranges["local"].pk]))
    assert not NumberRange.objects.filter(pk=ranges["local"].pk).exists()


def test_available_numbers_panel_fills_a_target_and_pages(client_a, org_a, ranges):
    url = reverse("customers:available_numbers")
    response = client_a.get(url, {"range": ranges["local"].pk, "target": "id_primary"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-number="200"' in html and 'data-target="id_primary"' in html and 'data-number="249"' in html
    assert 'data-number="250"' not in html
    assert "after=249" in html and "Show more" in html
    more = client_a.get(url, {"range": ranges["local"].pk, "target": "id_primary", "after": "249"}, HTTP_HX_REQUEST="true")
    more_html = more.content.decode()
    assert 'data-number="250"' in more_html and 'data-number="299"' in more_html and "Number range" not in more_html
    last = client_a.get(url, {"range": ranges["local"].pk, "after": "299"}, HTTP_HX_REQUEST="true").content.decode()
    assert "There are no more free numbers." in last
    # Without htmx it is a full page.
    page = client_a.get(url, {"search": "1899"}).content.decode()
    assert "<html" in page and "Available numbers" in page and "1899" in page


def test_available_number_widget_renders_the_button(org_a):
    from django import forms

    from customers.forms.numbers import AvailableNumberInput

    class LineForm(forms.Form):
        primary = forms.CharField(widget=AvailableNumberInput(range_id=7))

    html = str(LineForm()["primary"])
    assert 'hx-get="/numbers/available/?target=id_primary&amp;range=7"' in html

    class FunctionNumberForm(forms.Form):
        number = forms.CharField(widget=AvailableNumberInput(purpose=FUNCTION_NUMBER))

    assert "?target=id_number&amp;purpose=function_number" in str(FunctionNumberForm()["number"])
    assert 'id="id_primary-free"' in html and "Show available numbers" in html


def test_other_organisations_ranges_are_404(client_b, org_a, ranges):
    r = ranges["local"]
    for name in ("numberrange_update", "numberrange_delete"):
        url = reverse(f"customers:{name}", args=[r.pk])
        assert client_b.get(url).status_code == 404
        assert client_b.post(url, {"first": "200", "last": "209"}).status_code == 404
    assert client_b.get(reverse("customers:available_numbers"), {"range": r.pk}).status_code == 404
    assert client_b.get(reverse("customers:available_numbers"), {"range": "x"}).status_code == 404
    r.refresh_from_db()
    assert r.last == "299"
    assert "+4588887700" not in client_b.get(reverse("customers:numberrange_list")).content.decode()
    assert "+4588887700" not in client_b.get(reverse("customers:available_numbers")).content.decode()


# --- what a number may be used for (emergency and service numbers, 1500–1799) ----------------

SERVICE_ERROR = "{} is an emergency or service number of the public network and cannot be used here."
RESERVED_ERROR = "Local numbers 1500–1799 are reserved for function numbers."


@pytest.fixture
def user_ranges(org_a, admin_a):
    """Ranges that hold the emergency numbers, 1500–1799 and a 5-digit twin of it, so only the
    use rule (not "outside the ranges") can refuse them."""
    for first, last in (("+4588887700", "+4588887799"), ("100", "199"), ("1400", "1899"), ("01400", "01899")):
        numberrange_create(organisation=org_a, first=first, last=last, by=admin_a)
    return org_a


@pytest.mark.parametrize(("raw", "message"), [
    ("112", SERVICE_ERROR.format("112")),
    ("114", SERVICE_ERROR.format("114")),
    ("0112", SERVICE_ERROR.format("0112")),  # a leading zero hides nothing
    ("1813", SERVICE_ERROR.format("1813")),  # Akuttelefonen
    ("1500", RESERVED_ERROR),
    ("01500", RESERVED_ERROR),
    ("0 1 7 9 9", RESERVED_ERROR),
])
def test_users_lines_and_aliases_refuse_emergency_service_and_function_numbers(user_ranges, admin_a, user_a, raw, message):
    with pytest.raises(ValidationError) as line:
        user_set_lines(user=user_a, primary=raw, by=admin_a)
    assert line.value.message_dict["primary"] == [message]
    with pytest.raises(ValidationError) as alias:
        user_set_lines(user=user_a, primary="+4588887701", primary_aliases=[raw], by=admin_a)
    assert alias.value.message_dict["primary_aliases"] == [f"{raw}: {message}"]
    # The registry itself refuses them too, whoever calls it.
    with pytest.raises(ValidationError):
        register(user_ranges, raw)
    assert not Number.objects.exists()


def test_numbers_next_to_the_refused_ones_are_fine(user_ranges, admin_a, user_a):
    user_set_lines(user=user_a, primary="+4588887701", primary_aliases=["113", "1499", "01800", "1800"], by=admin_a)
    assert set(Number.objects.filter(purpose="alias").values_list("number", flat=True)) == {"113", "1499", "01800", "1800"}


def test_function_numbers_may_use_1500_to_1799_but_not_service_numbers(user_ranges):
    assert register(user_ranges, "1500", purpose=FUNCTION_NUMBER).number == "1500"
    with pytest.raises(ValidationError) as exc:
        register(user_ranges, "1813", purpose=FUNCTION_NUMBER)
    assert exc.value.messages == [SERVICE_ERROR.format("1813")]


@pytest.mark.parametrize("raw", ["112", "114", "0114", "1813"])
def test_emergency_numbers_are_never_a_diversion_target(org_a, admin_a, user_a, raw):
    from customers.operations.users import user_update

    with pytest.raises(ValidationError) as exc:
        user_update(user=user_a, diversion_enabled=True, diversion_number=raw, by=admin_a)
    assert exc.value.message_dict["diversion_number"] == [SERVICE_ERROR.format(raw)]
    user_a.refresh_from_db()
    assert (user_a.diversion_enabled, user_a.diversion_number) == (False, "")
    # 1500 is a function number: a fine place to divert to.
    user_update(user=user_a, diversion_enabled=True, diversion_number="1500", by=admin_a)


def test_user_page_shows_the_emergency_number_errors(client_a, user_ranges):
    response = client_a.post(
        reverse("customers:user_create"),
        {
            "username": "ny@a.example", "first_name": "Ny", "last_name": "Bruger", "language": "da",
            "profile": "standard", "primary": "112", "primary_type": "fixed", "secondary_type": "mobile",
            "mobile_profile": "standard", "sip_display_as": "fixed", "diversion_enabled": "on", "diversion_number": "114",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["primary"] == [SERVICE_ERROR.format("112")]
    assert form.errors["diversion_number"] == [SERVICE_ERROR.format("114")]
    assert not Number.objects.exists()


def test_the_service_numbers_are_phonenumbers_danish_short_numbers():
    """SERVICE_NUMBERS is phonenumbers' DK short-number list: a new phonenumbers release that
    adds or drops one makes this fail, so the list is updated by a person, not silently."""
    from phonenumbers import shortnumberinfo
    from phonenumbers.phonemetadata import PhoneMetadata

    metadata = PhoneMetadata.short_metadata_for_region("DK")
    pattern = re.compile(metadata.short_code.national_number_pattern)
    lengths = metadata.general_desc.possible_length
    found = {int(d) for n in lengths for d in (f"1{i:0{n - 1}d}" for i in range(10 ** (n - 1))) if pattern.fullmatch(d)}
    assert found == set(SERVICE_NUMBERS)
    assert {n for n in SERVICE_NUMBERS if shortnumberinfo.is_emergency_number(str(n), "DK")} == set(EMERGENCY_NUMBERS)


# "Vis tilgængelige numre" for a user's line offers only what the user form accepts.


def test_available_numbers_for_a_user_line_skip_function_and_service_numbers(user_ranges):
    r = NumberRange.objects.get(first="1400")
    offered = [f.number for f in available_numbers(organisation=user_ranges, range=r, after="1497", limit=5, purpose=USER_LINE)]
    assert offered == ["1498", "1499", "1800", "1802", "1803"]  # 1500–1799 and 1801 are not offered
    five_digits = NumberRange.objects.get(first="01400")
    assert free(user_ranges, range=five_digits, after="01499", limit=1, purpose=USER_LINE) == ["01800"]
    assert free(user_ranges, range=NumberRange.objects.get(first="100"), after="110", limit=4, purpose=USER_LINE) == [
        "111", "113", "115", "116"
    ]
    # For a function number 1500 is fine; 112 is free for no purpose at all.
    assert free(user_ranges, range=r, after="1499", limit=1, purpose=FUNCTION_NUMBER) == ["1500"]
    assert "112" not in free(user_ranges, range=NumberRange.objects.get(first="100"), limit=20)


def test_show_available_numbers_on_the_user_page_offers_what_the_field_accepts(client_a, user_ranges):
    page = client_a.get(reverse("customers:user_create")).content.decode()
    assert "/numbers/available/?target=id_primary&amp;purpose=user_line" in page
    assert "/numbers/available/?target=id_mobile_number&amp;purpose=mobile" in page
    url = reverse("customers:available_numbers")
    r = NumberRange.objects.get(first="1400")
    params = {"target": "id_primary", "purpose": "user_line", "range": r.pk}
    panel = client_a.get(url, params, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="purpose" value="user_line"' in panel  # the panel's own filter keeps the purpose
    html = client_a.get(url, {**params, "after": "1489"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-number="1499"' in html and 'data-number="1800"' in html
    assert 'data-number="1500"' not in html and 'data-number="1801"' not in html
    more = re.search(r'hx-get="([^"]*after=[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "purpose=user_line" in more
    more_html = client_a.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-number="1899"' in more_html and 'data-number="1851"' not in more_html
    assert client_a.get(url, {"purpose": "nonsense"}).status_code == 404
    # Mobile phones take full numbers only.
    mobile = client_a.get(url, {"target": "id_mobile_number", "purpose": "mobile"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-number="+4588887700"' in mobile and 'data-number="100"' not in mobile


def _user_form(org, admin, **fields):
    from customers.forms.users import UserForm

    data = {"username": "ny@a.example", "first_name": "Ny", "last_name": "Bruger", "language": "da", "profile": "standard",
            "primary_type": "fixed", "secondary_type": "mobile", "mobile_profile": "standard", "sip_display_as": "fixed", **fields}
    form = UserForm(data, organisation=org, user=admin)
    form.is_valid()
    return form


# Digits as admins type them: leading zeros, separators, and the interesting numbers.
typed_numbers = st.builds(
    lambda zeros, value, sep: sep.join("0" * zeros + str(value)),
    st.integers(0, 3),
    st.one_of(st.sampled_from(SERVICE_NUMBERS), st.integers(1490, 1810), st.integers(0, 10**9)),
    st.sampled_from(["", " ", "-"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(typed_numbers, st.text(max_size=24)))
def test_the_line_field_accepts_only_numbers_outside_the_refused_sets(org_a, admin_a, raw):
    """Property: whatever is typed, the user's line field either accepts a number that is no
    emergency/service number and not in 1500–1799, or gives a ValidationError."""
    form = _user_form(org_a, admin_a, primary=raw)
    if "primary" in form.errors:
        return
    value = form.cleaned_data["primary"]
    if value:
        normalised = numberlib.normalise(value)
        if normalised.kind == "local":
            assert normalised.value not in SERVICE_NUMBERS
            assert not 1500 <= normalised.value <= 1799
    # The registry's check (what saving runs) agrees with the field.
    try:
        normalised = numberlib.normalise(raw, use=USER_LINE)
    except ValidationError as exc:
        assert exc.messages and not value.strip()
    else:
        assert normalised.kind == "e164" or (normalised.value not in SERVICE_NUMBERS and not 1500 <= normalised.value <= 1799)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(2, 6),
    first=st.integers(0, 2000),
    size=st.integers(1, 400),
    after=st.one_of(st.none(), st.integers(0, 2400)),
    data=st.data(),
)
def test_every_number_offered_for_a_user_line_is_accepted_by_the_user_form(width, first, size, after, data):
    """Property: "Vis tilgængelige numre" for a user's line offers only numbers that the user
    form accepts and that saving registers."""
    first = min(max(first, 10 ** (width - 2)), 10**width - 1)  # "00…" would be an international prefix
    last = min(first + size - 1, 10**width - 1)
    with transaction.atomic():
        org = OrganisationFactory(name="offered")
        admin = UserFactory(organisation=org, username="admin@offered.example")
        numberrange_create(organisation=org, first=f"{first:0{width}d}", last=f"{last:0{width}d}", by=None)
        cursor = None if after is None else f"{after:0{width}d}"
        offered = free(org, after=cursor, limit=20, purpose=USER_LINE)
        for number in offered:
            number_check_available(organisation=org, raw=number, purpose=USER_LINE)
        if offered:
            chosen = data.draw(st.sampled_from(offered))
            form = _user_form(org, admin, primary=chosen)
            assert "primary" not in form.errors
            user = UserFactory(organisation=org, username="line@offered.example")
            user_set_lines(user=user, primary=chosen, by=admin)
        transaction.set_rollback(True)
