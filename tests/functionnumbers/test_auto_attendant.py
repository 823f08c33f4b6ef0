"""FN-3 auto attendant: the call-flow document is validated whole, the editor builds it step by
step, and what it refers to cannot be deleted."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import Prompt
from functionnumbers.autoattendant import FlowError, flow_validate
from functionnumbers.models import AutoAttendant, Kind
from functionnumbers.operations import (
    auto_attendant_flow_set,
    auto_attendant_refs,
    function_number_delete,
)
from tests.functionnumbers.factories import make_function_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org_a, admin_a):
    aa = make_function_number(
        org_a, Kind.AUTO_ATTENDANT, number="+4588880200", name="Hovedmenu", by=admin_a
    )
    acd = make_function_number(org_a, Kind.ACD, number="1500", name="Kundeservice")
    inbox = make_function_number(
        org_a, Kind.GROUP_INBOX, number="1800", name="Support indbakke", inbox_code="18"
    )
    prompt = Prompt.objects.create(organisation=org_a, name="Velkommen")
    return aa, acd, inbox, prompt


def good_flow(acd, inbox, prompt):
    return {
        "type": "schedule",
        "target": acd.pk,
        "open": {
            "type": "ivr",
            "prompt": prompt.pk,
            "options": {
                "1": {"type": "group", "target": acd.pk},
                "9": {"type": "external", "number": "70 20 30 40"},
            },
            "no_input": {"type": "inbox", "target": inbox.pk},
        },
        "closed": {"type": "hangup"},
    }


def test_a_valid_flow_is_saved_normalised_and_its_references_protect_their_targets(setup, admin_a):
    aa, acd, inbox, prompt = setup
    auto_attendant_flow_set(auto_attendant=aa, document=good_flow(acd, inbox, prompt), by=admin_a)
    stored = AutoAttendant.objects.get(pk=aa.pk).flow
    assert stored["open"]["options"]["9"]["number"] == "+4570203040"
    with pytest.raises(ValidationError, match="Hovedmenu"):
        function_number_delete(function_number=inbox, by=admin_a)


def crafted(setup, org_b):
    aa, acd, inbox, prompt = setup
    foreign = make_function_number(org_b, Kind.ACD, number="1500")
    deep = {"type": "hangup"}
    for _ in range(1000):
        deep = {"type": "schedule", "target": acd.pk, "open": deep, "closed": {"type": "hangup"}}
    wide = {"type": "ivr", "prompt": prompt.pk, "options": {}}
    node = wide
    for _ in range(5000):  # ~10,000 nodes
        child = {"type": "ivr", "prompt": prompt.pk, "options": {"2": {"type": "hangup"}}}
        node["options"]["1"] = child
        node = child
    return {
        "unknown type": ({"type": "teleport"}, ()),
        "another organisation's group": ({"type": "group", "target": foreign.pk}, ()),
        "a cycle back to itself": (
            {
                "type": "ivr",
                "prompt": prompt.pk,
                "options": {
                    "1": {
                        "type": "schedule",
                        "target": aa.pk,
                        "open": {"type": "hangup"},
                        "closed": {"type": "hangup"},
                    }
                },
            },
            ("1",),
        ),
        "nesting 1,000 deep": (deep, None),
        "10,000 nodes": (wide, None),
        "menu without options": ({"type": "ivr", "prompt": prompt.pk, "options": {}}, ()),
        "bad key": ({"type": "ivr", "prompt": prompt.pk, "options": {"x": {"type": "hangup"}}}, ()),
        "emergency number": ({"type": "external", "number": "112"}, ()),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown type",
        "another organisation's group",
        "a cycle back to itself",
        "nesting 1,000 deep",
        "10,000 nodes",
        "menu without options",
        "bad key",
        "emergency number",
    ],
)
def test_crafted_documents_are_refused_naming_the_node_and_nothing_is_saved(
    setup, org_b, admin_a, case
):
    aa = setup[0]
    document, path = crafted(setup, org_b)[case]
    with pytest.raises(FlowError) as exc:
        auto_attendant_flow_set(auto_attendant=aa, document=document, by=admin_a)
    if path is not None:
        assert exc.value.path == path
    if case == "a cycle back to itself":
        assert "cycle" in str(exc.value)
    assert AutoAttendant.objects.get(pk=aa.pk).flow == {}


def test_the_editor_builds_a_menu_step_by_step_and_saves(client_a, setup):
    aa, acd, inbox, prompt = setup
    url = reverse("functionnumbers:auto_attendant_flow", args=[aa.pk])
    page = client_a.get(url)
    assert page.status_code == 200
    draft = json.loads(page.context["draft_json"])
    # Root becomes an IVR menu.
    page = client_a.post(url, {"draft": json.dumps(draft), "type@": "ivr", "action": "refresh"})
    draft = json.loads(page.context["draft_json"])
    assert draft["type"] == "ivr" and "1" in draft["options"]
    # Option 1 → the ACD group; add option 2 → hang up; choose the prompt; save.
    data = {
        "draft": json.dumps(draft),
        "prompt@": str(prompt.pk),
        "timeout@": "8",
        "type@1": "group",
    }
    draft = json.loads(client_a.post(url, {**data, "action": "refresh"}).context["draft_json"])
    data = {
        "draft": json.dumps(draft),
        "prompt@": str(prompt.pk),
        "timeout@": "8",
        "target@1": str(acd.pk),
        "newkey@": "2",
    }
    draft = json.loads(client_a.post(url, {**data, "action": "add_option:"}).context["draft_json"])
    assert set(draft["options"]) == {"1", "2"}
    response = client_a.post(
        url,
        {
            "draft": json.dumps(draft),
            "prompt@": str(prompt.pk),
            "target@1": str(acd.pk),
            "action": "save",
        },
    )
    assert response.status_code == 302
    flow = AutoAttendant.objects.get(pk=aa.pk).flow
    assert flow["options"]["1"] == {"type": "group", "target": acd.pk} and flow["timeout"] == 8


def test_the_editor_marks_the_node_at_fault_and_saves_nothing(client_a, setup):
    aa, acd, inbox, prompt = setup
    url = reverse("functionnumbers:auto_attendant_flow", args=[aa.pk])
    draft = {"type": "ivr", "prompt": prompt.pk, "options": {"1": {"type": "group"}}}
    response = client_a.post(url, {"draft": json.dumps(draft), "action": "save"})
    assert response.status_code == 200
    assert response.context["error"].path == ("1",)
    assert [row["path"] for row in response.context["rows"] if row["at_fault"]] == ["1"]
    assert AutoAttendant.objects.get(pk=aa.pk).flow == {}


def test_garbage_drafts_get_a_clear_error(client_a, setup):
    aa = setup[0]
    url = reverse("functionnumbers:auto_attendant_flow", args=[aa.pk])
    for garbage in ("{not json", "[1,2]", "[" * 5000 + "]" * 5000, "x" * 300_000):
        response = client_a.post(url, {"draft": garbage, "action": "save"})
        assert response.status_code == 400
    assert AutoAttendant.objects.get(pk=aa.pk).flow == {}


def test_another_organisations_admin_gets_404(client_b, setup):
    assert (
        client_b.get(reverse("functionnumbers:auto_attendant_flow", args=[setup[0].pk])).status_code
        == 404
    )


def test_refs_are_the_organisations_own(setup, org_a, org_b):
    aa, acd, inbox, prompt = setup
    refs = auto_attendant_refs(org_a, own_id=aa.pk)
    assert acd.pk in refs.groups and inbox.pk in refs.inboxes and prompt.pk in refs.prompts
    assert flow_validate({"type": "hangup"}, refs) == {"type": "hangup"}
