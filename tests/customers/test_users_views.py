"""User pages (USR-2, USR-4, USR-6 … USR-15): rendering, saving, tenancy, bad input."""

import pytest
from django.urls import reverse

from customers.models import GroupMembership, Number, User, UserLine
from customers.models.users import ThirdPartySipAccount
from customers.operations import numberrange_create
from customers.operations.users import user_set_lines, user_set_mobile
from tests.factories import LicenceFactory, UserFactory, UserGroupFactory


@pytest.fixture
def ranges_a(org_a, admin_a):
    numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", by=admin_a)
    numberrange_create(organisation=org_a, first="200", last="299", by=admin_a)
    return org_a


def form_data(**overrides):
    data = {
        "username": "kasper@a.example",
        "first_name": "Kasper",
        "last_name": "Jensen",
        "language": "da",
        "profile": "standard",
        "primary_type": "fixed",
        "secondary_type": "mobile",
        "mobile_profile": "standard",
        "mobile_voip_enabled": "on",
        "sip_display_as": "fixed",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_pages_render(client_a, admin_a, user_a):
    for url in (
        reverse("customers:user_list"),
        reverse("customers:user_create"),
        reverse("customers:user_update", args=[user_a.pk]),
        reverse("customers:user_copy", args=[user_a.pk]),
        reverse("customers:user_delete", args=[user_a.pk]),
        reverse("customers:directory_fields"),
        reverse("customers:directory_moderation"),
        reverse("customers:smartphone_list"),
    ):
        response = client_a.get(url)
        assert response.status_code == 200, url


def test_create_user_with_lines_and_groups(client_a, ranges_a):
    g1, g2 = UserGroupFactory(organisation=ranges_a, name="Salg"), UserGroupFactory(organisation=ranges_a, name="Support")
    response = client_a.post(
        reverse("customers:user_create"),
        form_data(
            password="Very-secret-pw-1",
            password_confirm="Very-secret-pw-1",
            user_groups=[g1.pk, g2.pk],
            primary="88 88 77 65",
            primary_aliases="265",
            is_admin="on",
            admin_profile="orgadmin",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="kasper@a.example")
    assert user.is_org_admin and user.check_password("Very-secret-pw-1")
    assert set(user.user_groups.all()) == {g1, g2}
    assert UserLine.objects.get(user=user).number.number == "+4588887765"
    assert Number.objects.get(user=user, purpose="alias").number == "265"


def test_create_errors_are_field_errors_and_change_nothing(client_a, ranges_a, admin_b):
    response = client_a.post(
        reverse("customers:user_create"),
        form_data(username="admin@b.example", primary="1550", secondary="+4588887701", first_name="x" * 65),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "already exists" in body
    assert "at most 64" in body or "most 64" in body
    assert not Number.objects.filter(organisation=ranges_a).exists()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"primary": "٤٥٦"}, "Use only the digits 0-9."),
        ({"primary": "２０１"}, "Use only the digits 0-9."),
        ({"first_name": "A\x01B"}, "control characters"),  # NUL: a 400 page (tests/connect/test_nul_input.py)
        ({"primary": "+4588887701", "primary_type": "mobile", "secondary": "+4588887702", "secondary_type": "fixed"}, "secondary line cannot"),
        ({"secondary": "+4588887701"}, "requires a primary line"),
        ({"primary": "201", "primary_aliases": "202"}, "only when the line"),
        ({"primary": "+4599999999"}, "outside the organisation"),
        ({"username": "not-an-email"}, "e-mail form"),
        ({"username": "a" * 300 + "@x.dk"}, "at most"),
    ],
)
def test_bad_input_translated_errors(client_a, ranges_a, overrides, message):
    response = client_a.post(reverse("customers:user_create"), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="kasper@a.example").exists()


def test_danish_error_messages(client_a, ranges_a, admin_a):
    admin_a.language = "da"
    admin_a.save()
    response = client_a.post(reverse("customers:user_create"), form_data(primary="٤٥٦"))
    assert response.status_code == 200
    assert 'lang="da"' in response.content.decode()


def test_edit_user_keeps_numbers_and_updates(client_a, ranges_a, user_a, admin_a):
    user_set_lines(user=user_a, primary="+4588887710", primary_aliases=["210"], by=admin_a)
    page = client_a.get(reverse("customers:user_update", args=[user_a.pk])).content.decode()
    assert "+4588887710" in page and "210" in page
    response = client_a.post(
        reverse("customers:user_update", args=[user_a.pk]),
        form_data(username=user_a.username, primary="+4588887710", primary_aliases="211", department="Salg", app_ipad="on"),
    )
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert user_a.department == "Salg" and user_a.app_ipad
    assert set(Number.objects.filter(user=user_a).values_list("number", flat=True)) == {"+4588887710", "211"}


def test_other_org_user_urls_404(client_b, user_a):
    for name in ("user_update", "user_delete", "user_copy", "user_photo"):
        assert client_b.get(reverse(f"customers:{name}", args=[user_a.pk])).status_code == 404
    assert client_b.post(reverse("customers:user_delete", args=[user_a.pk])).status_code == 404
    assert User.objects.filter(pk=user_a.pk).exists()


def test_crafted_post_other_org_group_and_licence_rejected(client_a, org_a, org_b, user_a):
    other_group = UserGroupFactory(organisation=org_b)
    other_licence = LicenceFactory(organisation=org_b)
    response = client_a.post(
        reverse("customers:user_update", args=[user_a.pk]),
        form_data(username=user_a.username, user_groups=[other_group.pk], licence=other_licence.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not GroupMembership.objects.filter(user=user_a).exists()


def test_crafted_post_other_org_number_as_caller_id(client_a, org_b, admin_b, user_a):
    numberrange_create(organisation=org_b, first="300", last="399", by=admin_b)
    other = UserFactory(organisation=org_b)
    user_set_lines(user=other, primary="301", by=admin_b)
    number = Number.objects.get(number="301")
    response = client_a.post(
        reverse("customers:user_update", args=[user_a.pk]), form_data(username=user_a.username, caller_id_number=number.pk)
    )
    assert response.status_code == 200
    user_a.refresh_from_db()
    assert user_a.caller_id_number is None


def test_last_org_admin_cannot_remove_own_profile(client_a, admin_a):
    response = client_a.post(
        reverse("customers:user_update", args=[admin_a.pk]),
        form_data(username=admin_a.username, first_name="A", last_name="B"),
    )
    assert response.status_code == 200
    assert "last OrgAdmin" in response.content.decode()
    admin_a.refresh_from_db()
    assert admin_a.is_org_admin


def test_third_party_sip_password_never_rendered(client_a, user_a):
    url = reverse("customers:user_update", args=[user_a.pk])
    response = client_a.post(url, form_data(username=user_a.username, sip_enabled="on", sip_password="Secret-Pass-12345"))
    assert response.status_code == 302
    account = ThirdPartySipAccount.objects.get(user=user_a)
    assert account.enabled and "Secret-Pass-12345" not in account.password_encrypted
    page = client_a.get(url).content.decode()
    assert "Secret-Pass-12345" not in page
    assert account.sip_username in page
    # A weak password is refused and not echoed back
    response = client_a.post(url, form_data(username=user_a.username, sip_enabled="on", sip_password="weakpassword"))
    assert response.status_code == 200
    assert "weakpassword" not in response.content.decode()
    assert "upper-case" in response.content.decode()


def test_sip_password_generate(client_a):
    response = client_a.get(reverse("customers:sip_password_generate"))
    assert response.status_code == 200
    assert 'name="sip_password"' in response.content.decode()


def test_mobile_phone_section(client_a, ranges_a, user_a):
    lic = LicenceFactory(organisation=ranges_a, kind="mobile", name="Mobilklient")
    response = client_a.post(
        reverse("customers:user_update", args=[user_a.pk]),
        form_data(username=user_a.username, mobile_number="+4520304050", mobile_licence=lic.pk),
    )
    assert response.status_code == 302
    assert Number.objects.get(user=user_a, purpose="mobile").number == "+4520304050"
    user_a.refresh_from_db()
    assert user_a.mobile_licence == lic


def test_copy_view_copies_non_personal(client_a, org_a, admin_a):
    lic = LicenceFactory(organisation=org_a, name="UC")
    g = UserGroupFactory(organisation=org_a)
    source = UserFactory(organisation=org_a, licence=lic, app_ipad=True, department="Salg", groups=[g])
    response = client_a.post(
        reverse("customers:user_copy", args=[source.pk]),
        {"username": "copy@a.example", "first_name": "C", "last_name": "P"},
    )
    assert response.status_code == 302
    copy = User.objects.get(username="copy@a.example")
    assert copy.licence == lic and copy.app_ipad and copy.department == ""
    assert list(copy.user_groups.all()) == [g]


def test_delete_user_view(client_a, ranges_a, user_a, admin_a):
    user_set_lines(user=user_a, primary="+4588887720", by=admin_a)
    user_set_mobile(user=user_a, number="+4520304050", by=admin_a)
    response = client_a.post(reverse("customers:user_delete", args=[user_a.pk]))
    assert response.status_code == 302
    assert not User.objects.filter(pk=user_a.pk).exists()
    assert not Number.objects.filter(organisation=ranges_a).exists()


def test_history_link_on_edit_page(client_a, user_a):
    page = client_a.get(reverse("customers:user_update", args=[user_a.pk])).content.decode()
    assert "/history/" in page


def test_standard_user_gets_no_access(client, user_a):
    client.force_login(user_a)
    assert client.get(reverse("customers:user_list")).status_code == 403


def test_full_access_warning_shown_only_for_full_profile(client_a, user_a):
    url = reverse("customers:user_update", args=[user_a.pk])
    assert 'id="full-access-warning" role="note" hidden' in client_a.get(url).content.decode()
    user_a.profile = "full"
    user_a.save()
    assert 'id="full-access-warning" role="note">' in client_a.get(url).content.decode()


def test_admin_changing_own_password_stays_signed_in(client_a, admin_a):
    from customers.models import User as U

    U.objects.create(organisation=admin_a.organisation, username="other-admin@a.example", admin_profile="orgadmin", first_name="O", last_name="A")
    url = reverse("customers:user_update", args=[admin_a.pk])
    response = client_a.post(
        url,
        form_data(username=admin_a.username, is_admin="on", admin_profile="orgadmin", password="New-long-pass-77", password_confirm="New-long-pass-77"),
    )
    assert response.status_code == 302
    admin_a.refresh_from_db()
    assert admin_a.check_password("New-long-pass-77")
    assert client_a.get(url).status_code == 200


def test_password_mismatch_and_weak_password(client_a, user_a):
    url = reverse("customers:user_update", args=[user_a.pk])
    body = client_a.post(url, form_data(username=user_a.username, password="Abcdefgh-1234", password_confirm="other")).content.decode()
    assert "The two passwords differ." in body
    body = client_a.post(url, form_data(username=user_a.username, password="123", password_confirm="123")).content.decode()
    assert "too short" in body
    assert "Abcdefgh-1234" not in body


def test_mistyped_numbers_are_reported_with_the_other_field_errors(client_a, ranges_a):
    """One round trip shows every mistake: a bad username no longer hides the number errors."""
    response = client_a.post(
        reverse("customers:user_create"),
        form_data(
            username="not-an-email",
            primary="٤٥٦",
            secondary="88-88-77-xx",
            mobile_number="201",
            diversion_enabled="on",
            diversion_number="abc",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"username", "primary", "secondary", "mobile_number", "diversion_number"}
    assert form.errors["primary"] == ["Use only the digits 0-9."]
    assert form["primary"].value() == "٤٥٦"  # what the admin typed stays in the field
    assert not User.objects.filter(username="not-an-email").exists()


def test_copy_page_shows_the_copied_settings_with_their_labels(client_a, org_a):
    source = UserFactory(organisation=org_a, app_ipad=True)
    page = client_a.get(reverse("customers:user_copy", args=[source.pk])).content.decode()
    assert '<th scope="row">iPad</th>' in page
    assert '<th scope="row">Enable mobile VoIP</th>' in page
