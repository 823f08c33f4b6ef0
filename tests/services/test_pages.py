"""Service pages: scope picker, every scope renders, saving, inheritance hints, validation, tenancy."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import AuditEntry, Prompt, UserGroup
from services import operations
from services.definitions import MENU_ORDER, get_service
from services.models import CallPickupSettings, CallQueueSettings, VoicemailSettings
from services.resolver import resolve_user
from services.scopes import Scope
from tests.factories import UserFactory, UserGroupFactory

SLUGS = [s.slug for s in MENU_ORDER]


def url(slug, scope=None, pk=None):
    if scope is None:
        return reverse("services:service", args=[slug])
    return reverse(f"services:service_{scope}", args=[slug, pk])


def test_index_lists_every_service(client_a):
    response = client_a.get(reverse("services:index"))
    assert response.status_code == 200
    text = response.content.decode()
    for title in (
        "Advanced settings",
        "Call pickup",
        "Future presence authorization",
        "Call queues",
        "Contact lists",
        "Call intrusion",
        "Call monitoring",
        "Directory information",
        "SMS authorization",
        "Diversion bypass",
        "Extend working hours",
        "Music on hold",
        "Voicemail settings",
    ):
        assert title in text


def test_services_menu_is_in_the_navigation(client_a):
    text = client_a.get("/").content.decode()
    assert reverse("services:service", args=["call-queues"]) in text
    assert ">Services<" in text


@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_renders_at_every_scope(client_a, org_a, groups_a, member_a, system_prompts, slug):
    service = get_service(slug)
    targets = [(url(slug), "org-a"), (url(slug, "group", groups_a["Salg"].pk), "Salg")]
    if service.has_user_level:
        targets.append((url(slug, "user", member_a.pk), "member@a.example"))
    else:  # SVC-12: organisation and groups only
        assert client_a.get(url(slug, "user", member_a.pk)).status_code == 404
    for target, name in targets:
        response = client_a.get(target)
        assert response.status_code == 200, target
        text = response.content.decode()
        assert f"Configuration of the service for {name}" in text
        assert "Configure for all users in the organisation" in text
        assert ("Enter part of the user ID, first or last name:" in text) is service.has_user_level


def test_scope_picker_lists_groups_in_priority_order_with_arrows(client_a, groups_a):
    text = client_a.get(url("advanced")).content.decode()
    assert text.index("Administration") < text.index("Salg") < text.index("Support")
    assert "Priority" in text
    # First row only ▼, last row only ▲.
    assert "Move Administration down" in text and "Move Administration up" not in text
    assert "Move Salg up" in text and "Move Salg down" in text
    assert "Move Support up" in text and "Move Support down" not in text


def test_reorder_with_htmx_returns_the_table_only(client_a, groups_a, admin_a):
    support = groups_a["Support"]
    response = client_a.post(
        reverse("services:group_move", args=[support.pk]),
        {"direction": "up", "service": "call-queues", "next": url("call-queues")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert 'id="group-priorities"' in text
    assert text.index("Support") < text.index("Salg")
    support.refresh_from_db()
    assert support.priority == 2
    assert list(UserGroup.objects.filter(organisation=support.organisation).order_by("priority").values_list("priority", flat=True)) == [1, 2, 3]
    assert AuditEntry.objects.filter(object_id=str(support.pk), action="update").exists()


def test_reorder_without_javascript_redirects_back(client_a, groups_a):
    salg = groups_a["Salg"]
    back = url("voicemail", "group", salg.pk)
    response = client_a.post(reverse("services:group_move", args=[salg.pk]), {"direction": "down", "service": "voicemail", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    salg.refresh_from_db()
    assert salg.priority == 3


def test_reorder_refuses_foreign_redirects(client_a, groups_a):
    response = client_a.post(
        reverse("services:group_move", args=[groups_a["Salg"].pk]),
        {"direction": "up", "service": "advanced", "next": "https://evil.example/"},
    )
    assert response["Location"] == url("advanced")


def test_user_search_htmx_and_plain(client_a, org_a, member_a):
    UserFactory(organisation=org_a, username="kasper@a.example", first_name="Kasper Leth", last_name="Jensen")
    response = client_a.get(url("advanced"), {"q": "leth jens"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text
    assert "kasper@a.example" in text
    assert url("advanced", "user", member_a.pk) not in text
    plain = client_a.get(url("advanced"), {"q": "member"}).content.decode()
    assert "<html" in plain and url("advanced", "user", member_a.pk) in plain
    none = client_a.get(url("advanced"), {"q": "nobody-here"}, HTTP_HX_REQUEST="true").content.decode()
    assert "No users match" in none


def test_user_search_never_finds_other_organisations(client_a, user_b):
    text = client_a.get(url("advanced"), {"q": "user@b"}, HTTP_HX_REQUEST="true").content.decode()
    assert "user@b.example" not in text


def test_org_form_shows_defaults(client_a, system_prompts):
    response = client_a.get(url("voicemail"))
    form = response.context["form"]
    assert form["retention_days"].value() == 30
    assert form["max_inbox_mb"].value() == 100
    assert form["play_activity"].value() == "yes"
    assert form["default_greeting"].value() == "name"
    assert "(Inherit)" not in response.content.decode().split('id="config-heading"')[1]
    queues = client_a.get(url("call-queues")).context["form"]
    assert queues["queue_size"].value() == 5
    assert queues["waiting_prompt"].value() == str(system_prompts["Ringing"].pk)
    assert queues["status_prompt"].value() == "none"


QUEUE_ORG = {
    "queue_size": "7",
    "callback_key": "none",
    "callback_conversion": "organisation",
    "when_full": "busy",
    "forward_number": "",
    "welcome_prompt": "none",
    "status_prompt": "none",
    "status_interval": "",
}


def test_save_at_organisation_level(client_a, org_a, system_prompts, admin_a):
    data = {**QUEUE_ORG, "waiting_prompt": str(system_prompts["fpm-sunshine"].pk)}
    response = client_a.post(url("call-queues"), data)
    assert response.status_code == 302
    row = CallQueueSettings.objects.get(organisation=org_a, group=None, user=None)
    assert row.queue_size == 7
    assert row.waiting_prompt == system_prompts["fpm-sunshine"]
    assert row.status_prompt_none is True
    entry = AuditEntry.objects.get(object_id=str(row.pk), content_type__model="callqueuesettings")
    assert entry.actor == admin_a and entry.action == "create"
    page = client_a.get(url("call-queues")).content.decode()
    history = reverse("customers:history", args=[entry.content_type_id, row.pk])
    assert "History" in page and history in page
    assert "were saved" in page
    history_page = client_a.get(history).content.decode()
    assert "<strong>Calls in queue</strong>: — → 7" in history_page  # the field's label, not its column name


def test_save_at_group_level_and_inherit(client_a, org_a, groups_a, member_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"queue_size": 7}, by=None)
    response = client_a.post(url("call-queues", "group", groups_a["Salg"].pk), {"queue_size": "12", "when_full": "", "callback_key": "5"})
    assert response.status_code == 302
    row = CallQueueSettings.objects.get(group=groups_a["Salg"])
    assert row.queue_size == 12 and row.callback_key == "5" and row.when_full is None
    effective = resolve_user("call-queues", member_a)
    assert effective["queue_size"].value == 12 and effective["queue_size"].source.name == "Salg"
    # Clearing the field again = inherit.
    client_a.post(url("call-queues", "group", groups_a["Salg"].pk), {"queue_size": ""})
    row.refresh_from_db()
    assert row.queue_size is None
    assert resolve_user("call-queues", member_a)["queue_size"].value == 7


def test_save_at_user_level(client_a, org_a, member_a):
    response = client_a.post(url("advanced", "user", member_a.pk), {"anonymous_calls_allowed": "yes", "default_phone_number": "secondary"})
    assert response.status_code == 302
    effective = resolve_user("advanced", member_a)
    assert effective["anonymous_calls_allowed"].value is True
    assert effective["anonymous_calls_allowed"].source.level == "user"
    assert effective["default_phone_number"].value == "secondary"
    assert effective["mobile_numbers_visible"].source.level == "default"


def test_group_form_hints_inherited_value_and_source(client_a, org_a, groups_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"queue_size": 7, "when_full": "busy"}, by=None)
    text = client_a.get(url("call-queues", "group", groups_a["Salg"].pk)).content.decode()
    assert "Inherited: 7 (inherited from the organisation org-a)" in text
    assert "Inherited: Busy signal (inherited from the organisation org-a)" in text
    assert '<option value="" selected>(Inherit)</option>' in text


def test_user_form_hints_group_source_and_effective_panel(client_a, org_a, groups_a, member_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a, group=groups_a["Salg"]), data={"queue_size": 8}, by=None)
    operations.service_settings_save(service="call-queues", scope=Scope(org_a, group=groups_a["Support"]), data={"queue_size": 9}, by=None)
    response = client_a.get(url("call-queues", "user", member_a.pk))
    text = response.content.decode()
    assert "Inherited: 8 (inherited from group Salg)" in text
    assert "Effective values for member@a.example" in text
    rows = {label: (value, source) for label, value, source in response.context["effective_rows"]}
    value, source = rows["How many calls can be in the queue:"]
    assert value == "8" and source.label == "inherited from group Salg"


def test_user_field_with_own_value_says_what_it_overrides(client_a, org_a, groups_a, member_a):
    salg = groups_a["Salg"]
    operations.service_settings_save(service="voicemail", scope=Scope(org_a, group=salg), data={"retention_days": 50, "notify_sms": True}, by=None)
    operations.service_settings_save(service="voicemail", scope=Scope(org_a, user=member_a), data={"retention_days": 20}, by=None)
    text = client_a.get(url("voicemail", "user", member_a.pk)).content.decode()
    assert "Overrides 50 (inherited from group Salg)" in text
    assert "Inherited: 50" not in text
    # A field without its own value still says what it inherits.
    assert "Inherited: Yes (inherited from group Salg)" in text
    assert "Overrides Yes" not in text


def test_group_field_with_own_value_says_what_it_overrides(client_a, org_a, groups_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a), data={"when_full": "busy"}, by=None)
    operations.service_settings_save(service="call-queues", scope=Scope(org_a, group=groups_a["Salg"]), data={"when_full": "forward", "forward_number": "+4588887766", "queue_size": 9}, by=None)
    text = client_a.get(url("call-queues", "group", groups_a["Salg"].pk)).content.decode()
    assert "Overrides Busy signal (inherited from the organisation org-a)" in text
    assert "Overrides 5 (default value)" in text
    # The forward number has its own value and nothing above sets one.
    assert "Overrides no value: no level above sets one." in text
    assert "Overrides —" not in text


def test_group_checkbox_set_higher_is_ticked_disabled_with_source(client_a, org_a, groups_a, member_a):
    admin, salg, support = groups_a["Administration"], groups_a["Salg"], groups_a["Support"]
    operations.service_settings_save(service="call-pickup", scope=Scope(org_a), data={"pickup_groups": [admin.pk]}, by=None)
    operations.service_settings_save(service="call-pickup", scope=Scope(org_a, group=salg), data={"pickup_groups": [support.pk]}, by=None)
    text = client_a.get(url("call-pickup", "group", salg.pk)).content.decode()
    assert f'value="{admin.pk}"' in text
    admin_input = text[text.index(f'name="pickup_groups" value="{admin.pk}"') - 200 : text.index(f'name="pickup_groups" value="{admin.pk}"') + 200]
    assert "disabled" in admin_input and "checked" in admin_input
    assert "Administration (inherited from the organisation org-a)" in text
    assert "Which groups may answer incoming calls, or calls placed in a queue, for Salg:" in text
    # The user sees both inherited groups disabled, Support from group Salg.
    user_text = client_a.get(url("call-pickup", "user", member_a.pk)).content.decode()
    assert "Support (inherited from group Salg)" in user_text
    # Posting without the disabled box does not switch it off.
    client_a.post(url("call-pickup", "group", salg.pk), {"pickup_groups": [str(support.pk)], "parked_groups": []})
    assert admin.pk in resolve_user("call-pickup", member_a)["pickup_groups"].value


def test_group_multiselect_is_in_group_name_order(client_a, org_a, groups_a):
    UserGroupFactory(organisation=org_a, name="Aardvark")  # lowest priority, first by name
    form = client_a.get(url("call-pickup")).context["form"]
    names = [label for _value, label in form.fields["pickup_groups"].choices]
    assert names == sorted(names, key=str.casefold)


def test_save_group_multiselect_and_audit(client_a, org_a, groups_a, admin_a):
    salg, support = groups_a["Salg"], groups_a["Support"]
    response = client_a.post(url("call-pickup"), {"pickup_groups": [str(salg.pk), str(support.pk)], "parked_groups": [str(salg.pk)]})
    assert response.status_code == 302
    row = CallPickupSettings.objects.get(organisation=org_a, group=None, user=None)
    assert set(row.pickup_groups.all()) == {salg, support}
    entry = AuditEntry.objects.get(object_id=str(row.pk), content_type__model="callpickupsettings")
    assert entry.changes["pickup_groups"] == [None, ["Salg", "Support"]]


# --- conditional and range validation ------------------------------------------------------------


def test_forward_requires_a_number(client_a, org_a):
    response = client_a.post(url("call-queues"), {**QUEUE_ORG, "when_full": "forward", "waiting_prompt": ""})
    assert response.status_code == 200
    assert "Enter the number to forward to when the queue is full." in response.content.decode()
    assert not CallQueueSettings.objects.exists()


def test_forward_number_is_normalised(client_a, org_a, system_prompts):
    data = {**QUEUE_ORG, "when_full": "forward", "forward_number": "88 88 77 65", "waiting_prompt": str(system_prompts["Ringing"].pk)}
    assert client_a.post(url("call-queues"), data).status_code == 302
    assert CallQueueSettings.objects.get().forward_number == "+4588887765"


@pytest.mark.parametrize("number", ["112", "114", "0112"])
def test_calls_are_never_forwarded_to_an_emergency_number(client_a, org_a, system_prompts, number):
    data = {**QUEUE_ORG, "when_full": "forward", "forward_number": number, "waiting_prompt": str(system_prompts["Ringing"].pk)}
    response = client_a.post(url("call-queues"), data)
    assert response.status_code == 200
    message = f"{number} is an emergency or service number of the public network and cannot be used here."
    assert response.context["form"].errors["forward_number"] == [message]
    assert not CallQueueSettings.objects.exists()
    with pytest.raises(ValidationError) as exc:
        operations.service_settings_save(
            service="call-queues", scope=Scope(org_a), data={"when_full": "forward", "forward_number": number}, by=None
        )
    assert exc.value.messages == [message]


def test_forward_number_may_be_inherited(client_a, org_a, groups_a):
    operations.service_settings_save(
        service="call-queues", scope=Scope(org_a), data={"when_full": "busy", "forward_number": "+4588887765"}, by=None
    )
    response = client_a.post(url("call-queues", "group", groups_a["Salg"].pk), {"when_full": "forward"})
    assert response.status_code == 302


def test_status_message_requires_an_interval(client_a, org_a, system_prompts):
    prompt = str(system_prompts["Ringing"].pk)
    for interval in ("", "0"):
        data = {**QUEUE_ORG, "status_prompt": prompt, "status_interval": interval, "waiting_prompt": prompt}
        response = client_a.post(url("call-queues"), data)
        assert response.status_code == 200
        assert "Enter how often the status message is played" in response.content.decode()
    data = {**QUEUE_ORG, "status_prompt": prompt, "status_interval": "30", "waiting_prompt": prompt}
    assert client_a.post(url("call-queues"), data).status_code == 302


def test_personal_assistance_requires_a_number(client_a, org_a, groups_a):
    response = client_a.post(url("voicemail", "group", groups_a["Salg"].pk), {"personal_assistance": "yes"})
    assert response.status_code == 200
    assert "Enter the number the caller is transferred to after pressing 1." in response.content.decode()
    assert not VoicemailSettings.objects.exists()
    response = client_a.post(
        url("voicemail", "group", groups_a["Salg"].pk), {"personal_assistance": "yes", "personal_assistance_number": "+46 55 51 23 45"}
    )
    assert response.status_code == 302
    assert VoicemailSettings.objects.get().personal_assistance_number == "+4655512345"


@pytest.mark.parametrize(
    "slug,field,value,message",
    [
        ("call-queues", "queue_size", "51", "less than or equal to 50"),
        ("call-queues", "queue_size", "-1", "greater than or equal to 0"),
        ("call-queues", "queue_size", "４５", "Use only the digits 0-9."),
        ("call-queues", "status_interval", "1.5", "Enter a whole number"),
        ("voicemail", "retention_days", "0", "greater than or equal to 1"),
        ("voicemail", "retention_days", "3651", "less than or equal to 3650"),
        ("voicemail", "max_inbox_mb", "1001", "less than or equal to 1000"),
        ("voicemail", "max_inbox_mb", "99999999999999999999", "less than or equal to 1000"),
        ("call-queues", "forward_number", "٤٥٦٧٨٩٠١", "Use only the digits 0-9."),
        ("call-queues", "forward_number", "88\x0788", "control characters"),
        ("call-queues", "forward_number", "8" * 40, "at most 32 characters"),
        ("voicemail", "personal_assistance_number", "abc", "only digits"),
        ("call-queues", "callback_key", "7", "Select a valid choice"),
        ("advanced", "mobile_numbers_visible", "maybe", "Select a valid choice"),
    ],
)
def test_bad_input_gives_field_errors(client_a, org_a, groups_a, slug, field, value, message):
    response = client_a.post(url(slug, "group", groups_a["Salg"].pk), {field: value})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not response.context["form"].is_valid()


# --- tenancy -----------------------------------------------------------------------------------------


def test_other_organisations_group_and_user_are_404(client_b, groups_a, member_a):
    for slug in SLUGS:
        assert client_b.get(url(slug, "group", groups_a["Salg"].pk)).status_code == 404
        assert client_b.get(url(slug, "user", member_a.pk)).status_code == 404
        assert client_b.post(url(slug, "group", groups_a["Salg"].pk), {}).status_code == 404
    assert client_b.post(reverse("services:group_move", args=[groups_a["Salg"].pk]), {"direction": "up"}).status_code == 404


def test_unknown_service_is_404(client_a):
    assert client_a.get("/services/no-such-service/").status_code == 404


def test_standard_user_has_no_access(client, user_a):
    client.force_login(user_a)
    assert client.get(url("advanced")).status_code == 403
    assert client.get(reverse("services:index")).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(url("advanced"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_crafted_post_with_other_organisations_group_is_rejected(client_a, org_a, groups_a, group_b):
    response = client_a.post(url("call-pickup"), {"pickup_groups": [str(groups_a["Salg"].pk), str(group_b.pk)]})
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["pickup_groups"])
    assert not CallPickupSettings.objects.exists()
    response = client_a.post(url("call-queues", "group", groups_a["Salg"].pk), {"callback_conversion": str(group_b.pk)})
    assert "Select a valid choice" in " ".join(response.context["form"].errors["callback_conversion"])
    assert not CallQueueSettings.objects.exists()


def test_crafted_post_with_other_organisations_prompt_is_rejected(client_a, org_a, org_b, groups_a):
    foreign = Prompt.objects.create(organisation=org_b, name="Theirs")
    own = Prompt.objects.create(organisation=org_a, name="IpvisionLukket")
    response = client_a.post(url("call-queues", "group", groups_a["Salg"].pk), {"welcome_prompt": str(foreign.pk)})
    assert "Select a valid choice" in " ".join(response.context["form"].errors["welcome_prompt"])
    assert not CallQueueSettings.objects.exists()
    assert client_a.post(url("call-queues", "group", groups_a["Salg"].pk), {"welcome_prompt": str(own.pk)}).status_code == 302


def test_music_on_hold_offers_only_music(client_a, system_prompts):
    form = client_a.get(url("music-on-hold")).context["form"]
    names = {label for _v, label in form.fields["music"].choices}
    assert names == {"fpm-calmriver", "fpm-sunshine", "fpm-worldmix", "ventemusikSamlet"}
    assert form["music"].value() == str(system_prompts["ventemusikSamlet"].pk)
    response = client_a.post(url("music-on-hold"), {"music": str(system_prompts["Ringing"].pk)})
    assert "Select a valid choice" in " ".join(response.context["form"].errors["music"])


# --- query budget ---------------------------------------------------------------------------------


@pytest.fixture
def big_org(org_a, admin_a, system_prompts):
    groups = [UserGroupFactory(organisation=org_a, name=f"Group {i:02d}") for i in range(40)]
    users = [UserFactory(organisation=org_a, groups=groups[i % 40 : i % 40 + 3]) for i in range(150)]
    for service, data in (
        ("call-queues", {"queue_size": 3}),
        ("call-pickup", {"pickup_groups": [g.pk for g in groups[:5]]}),
        ("voicemail", {"retention_days": 10}),
        ("advanced", {"anonymous_calls_allowed": True}),
    ):
        operations.service_settings_save(service=service, scope=Scope(org_a), data=data, by=admin_a)
        for group in groups[:20]:
            operations.service_settings_save(service=service, scope=Scope(org_a, group=group), data=data, by=admin_a)
        for user in users[:20]:
            operations.service_settings_save(service=service, scope=Scope(org_a, user=user), data=data, by=admin_a)
    return groups, users


@pytest.mark.parametrize("slug", SLUGS)
def test_service_page_query_budget(client_a, big_org, slug, django_assert_max_num_queries):
    groups, users = big_org
    user_level = get_service(slug).has_user_level
    targets = [url(slug), url(slug, "group", groups[3].pk)] + ([url(slug, "user", users[5].pk)] if user_level else [])
    for target in targets:
        client_a.get(target)  # warm the content-type cache like a running server
        with django_assert_max_num_queries(15):
            assert client_a.get(target).status_code == 200
    with django_assert_max_num_queries(15):
        search = url(slug, "user", users[5].pk) if user_level else url(slug)
        assert client_a.get(search, {"q": "user"}).status_code == 200


CHANGES = {
    "advanced": ("anonymous_calls_allowed", lambda ctx: "yes", True),
    "call-pickup": ("pickup_groups", lambda ctx: [str(ctx["groups"]["Support"].pk)], "Support"),
    "call-queues": ("queue_size", lambda ctx: "13", 13),
    "call-intrusion": ("intrusion_groups", lambda ctx: [str(ctx["groups"]["Support"].pk)], "Support"),
    "sms-authorization": ("sms_allowed", lambda ctx: "on", True),
    "music-on-hold": ("music", lambda ctx: str(ctx["prompts"]["fpm-sunshine"].pk), "fpm-sunshine"),
    "voicemail": ("retention_days", lambda ctx: "45", 45),
}


def _form_data(form):
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


@pytest.mark.parametrize("slug", sorted(CHANGES))
@pytest.mark.parametrize("level", ["organisation", "group", "user"])
def test_every_service_saves_at_every_scope(client_a, org_a, groups_a, member_a, system_prompts, slug, level):
    target = {"organisation": url(slug), "group": url(slug, "group", groups_a["Salg"].pk), "user": url(slug, "user", member_a.pk)}[level]
    field, make, expected = CHANGES[slug]
    data = _form_data(client_a.get(target).context["form"])
    data[field] = make({"groups": groups_a, "prompts": system_prompts})
    response = client_a.post(target, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    effective = resolve_user(slug, member_a)[field]
    if slug in ("call-pickup", "call-intrusion"):
        names = {groups_a[n].pk: n for n in groups_a}
        sources = {names[k]: s for k, s in effective.item_sources().items()}
        assert sources[expected].level == level
    elif slug == "music-on-hold":
        assert effective.value == system_prompts[expected].pk and effective.source.level == level
    else:
        assert effective.value == expected and effective.source.level == level
    assert AuditEntry.objects.filter(content_type__app_label="services").exists()
