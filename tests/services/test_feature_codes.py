"""The "Funktionskoder" page (FEATURES.md §3, FC-1 ... FC-14) and its declarative table."""

import re

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from services.feature_codes import FEATURE_CODES, PLACEHOLDERS, feature_code, parse

URL = "/services/feature-codes/"

# (id, syntax as the English page shows it, example as the guide gives it)
GUIDE = [
    ("FC-1", ["*11*&lt;code&gt;*", "**11*&lt;code&gt;*"], ["*11*1500*", "**11*1500*"]),
    ("FC-2", ["*65*&lt;local number&gt;*"], ["*65*201*"]),
    ("FC-3", ["*8*"], ["*8*"]),
    ("FC-4", ["*9*&lt;local number&gt;*"], ["*9*201*"]),
    ("FC-5", ["*60*&lt;local number&gt;*"], ["*60*201*"]),
    ("FC-6", ["*7*"], ["*7*"]),
    ("FC-7", ["*30*&lt;number&gt;*"], ["*30*&lt;number&gt;*"]),
    ("FC-8", ["*22*", "#22#*"], ["*22*", "#22#*"]),
    ("FC-9", ["*21*&lt;number&gt;*", "#21#*"], ["*21*88887777*", "#21#*"]),
    ("FC-10", ["*26*&lt;activity no&gt;*&lt;HHMM&gt;*&lt;HHMM&gt;*"], ["*26*1*1300*1500*"]),
    ("FC-11", ["*23*&lt;activity no&gt;*"], ["*23*1*"]),
    ("FC-12", ["*24*&lt;role no&gt;*"], ["*24*1*"]),
    ("FC-13", ["*25*&lt;role no&gt;*&lt;number&gt;*"], ["*25*2*88887777*"]),
    ("FC-14", ["*1*&lt;local number&gt;*"], ["*1*202*"]),
]


def _row(page, code_id):
    match = re.search(rf'<tr id="{code_id.lower()}">(.*?)</tr>', page, re.S)
    assert match, code_id
    return match.group(1)


def test_page_lists_every_code_in_english(client_a):
    response = client_a.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Feature codes" in page
    for code_id, syntaxes, examples in GUIDE:
        row = _row(page, code_id)
        for text in syntaxes + examples:
            assert f"<code>{text}</code>" in row, (code_id, text)
    assert "ACD group login" in _row(page, "FC-1") and "logs in to the ACD group 1500" in _row(
        page, "FC-1"
    )
    # the gating service is linked where a service page exists
    assert reverse("services:service", args=["call-pickup"]) in _row(page, "FC-3")
    assert reverse("services:service", args=["call-pickup"]) in _row(page, "FC-4")
    assert reverse("services:service", args=["diversion-bypass"]) in _row(page, "FC-5")
    assert reverse("services:service", args=["call-intrusion"]) in _row(page, "FC-2")
    assert reverse("services:service", args=["future-presence"]) in _row(page, "FC-10")
    assert reverse("customers:presence_states") in _row(page, "FC-11")
    assert "No special permission." in _row(page, "FC-14")


def test_page_in_danish(client_a, admin_a):
    admin_a.language = "da"
    admin_a.save()
    page = client_a.get(URL).content.decode()
    assert "Funktionskoder" in page
    for code_id, function, syntax, example in [
        ("FC-1", "ACD-gruppelogin", "*11*&lt;kode&gt;*", "*11*1500*"),
        ("FC-2", "Opkaldsafbrydelse", "*65*&lt;lokalnummer&gt;*", "*65*201*"),
        ("FC-3", "Almindelig besvarelse", "*8*", "*8*"),
        ("FC-4", "Dirigeret besvarelse", "*9*&lt;lokalnummer&gt;*", "*9*201*"),
        ("FC-5", "Tilsidesættelse af omdirigering", "*60*&lt;lokalnummer&gt;*", "*60*201*"),
        ("FC-6", "Hent mine aktive opkald", "*7*", "*7*"),
        ("FC-7", "Nummerpræsentering", "*30*&lt;nummer&gt;*", "*30*&lt;nummer&gt;*"),
        ("FC-8", "Tilsidesæt nattilstand", "*22*", "#22#*"),
        ("FC-9", "Omdirigering", "*21*&lt;nummer&gt;*", "*21*88887777*"),
        (
            "FC-10",
            "Planlæg begivenhed",
            "*26*&lt;aktivitet-nr&gt;*&lt;HHMM&gt;*&lt;HHMM&gt;*",
            "*26*1*1300*1500*",
        ),
        ("FC-11", "Angiv aktivitet", "*23*&lt;aktivitet-nr&gt;*", "*23*1*"),
        ("FC-12", "Angiv rolle", "*24*&lt;rolle-nr&gt;*", "*24*1*"),
        (
            "FC-13",
            "Angiv rolle for opkald",
            "*25*&lt;rolle-nr&gt;*&lt;nummer&gt;*",
            "*25*2*88887777*",
        ),
        ("FC-14", "Viderestil til telefonsvarer", "*1*&lt;lokalnummer&gt;*", "*1*202*"),
    ]:
        row = _row(page, code_id)
        assert (
            function in row and f"<code>{syntax}</code>" in row and f"<code>{example}</code>" in row
        ), code_id
    assert (
        "Kræver at brugeren har rettigheder til dette, angivet under Tjenester → Besvar opkald"
        in _row(page, "FC-3")
    )
    assert "for at logge ind i ACD-gruppen 1500" in _row(page, "FC-1")


def test_menu_has_the_page_under_services(client_a):
    page = client_a.get(reverse("services:index")).content.decode()
    assert f'href="{URL}"' in page


def test_standard_user_has_no_access(client, user_a):
    client.force_login(user_a)
    assert client.get(URL).status_code == 403


def test_table_ids_and_lookup():
    assert [c.id for c in FEATURE_CODES] == [f"FC-{n}" for n in range(1, 15)]
    assert feature_code("FC-1").syntaxes[0].pattern == "*11*{code}*"


def test_parse_examples():
    assert parse("*11*1500*")[0].id == "FC-1" and parse("*11*1500*")[1:] == (
        "login",
        {"code": "1500"},
    )
    assert parse("**11*1500*")[1:] == ("logout", {"code": "1500"})
    assert parse("#21#*")[0].id == "FC-9" and parse("#21#*")[1] == "cancel"
    assert parse("*25*2*88887777*")[2] == {"role": "2", "number": "88887777"}
    assert parse("*26*1*2400*1500*") is None  # 24:00 is no time
    assert parse("*99*1*") is None and parse("") is None


_VALUES = {
    "code": st.from_regex(r"\A[0-9]{1,6}\Z"),
    "local": st.from_regex(r"\A[0-9]{2,6}\Z"),
    "number": st.from_regex(r"\A\+?[0-9]{2,15}\Z"),
    "activity": st.from_regex(r"\A[0-9]{1,3}\Z"),
    "role": st.from_regex(r"\A[0-9]{1,3}\Z"),
    "start": st.from_regex(r"\A([01][0-9]|2[0-3])[0-5][0-9]\Z"),
    "end": st.from_regex(r"\A([01][0-9]|2[0-3])[0-5][0-9]\Z"),
}
_SYNTAXES = [(code, syntax) for code in FEATURE_CODES for syntax in code.syntaxes]


@given(st.sampled_from(_SYNTAXES), st.fixed_dictionaries(_VALUES))
def test_every_dialled_code_parses_back_to_its_code_and_values(chosen, values):
    code, syntax = chosen
    used = {name: values[name] for name in PLACEHOLDERS if "{" + name + "}" in syntax.pattern}
    dialled = syntax.pattern.format(**used)
    assert parse(dialled) == (code, syntax.action, used)
