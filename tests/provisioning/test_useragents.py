"""User-Agent parsing (PRV-5): the verbatim strings of PROVISIONING-NOTES.md and property tests."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import catalog
from provisioning import useragents
from provisioning.useragents import MITEL, SNOM, format_mitel, format_snom, parse

VERBATIM = [
    # (User-Agent, vendor, model, firmware, MAC)
    ("Mozilla/4.0 (compatible; snom320-SIP 6.5.20; snom320 jffs2 v3.36; snom320 linux 3.38)", SNOM, "320", "6.5.20", ""),
    ("Mozilla/4.0 (compatible; snom320-SIP 7.3.30 1.1.3-u)", SNOM, "320", "7.3.30", ""),
    ("Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)", SNOM, "710", "8.7.3.19", ""),
    ("Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)", SNOM, "710", "8.7.5.35", "000413741767"),
    ("Mozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)", SNOM, "760", "8.7.3.19", ""),
    # "SNOM 1.4": wazo's loose regex would take "1" as the MAC.
    ("Mozilla/4.0 (compatible; snom870-SIP 8.4.35 SPEAr300 SNOM 1.4)", SNOM, "870", "8.4.35", ""),
    ("Mozilla/4.0 (compatible; snomPA1-SIP 8.4.35 1.1.3-s)", SNOM, "PA1", "8.4.35", ""),
    ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)", SNOM, "D785", "10.1.33.33", "000413922D24"),
    ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43) 00041396D9B4 SXM:0 UXM:0 UXMC:0)", SNOM, "D785", "10.1.169.16", "00041396D9B4"),
    ("Mozilla/4.0 (compatible; snom lid 3605)", SNOM, "", "", ""),
    ("Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP", MITEL, "6731i", "3.2.0.70", "00085D237429"),
    ("Aastra6739i MAC:00-08-5D-13-CA-05 V:3.2.1.1013-SIP", MITEL, "6739i", "3.2.1.1013", "00085D13CA05"),
    ("Aastra6863i MAC:00-08-5D-40-90-5F V:4.1.0.128-SIP", MITEL, "6863i", "4.1.0.128", "00085D40905F"),
    ("Mitel6915 MAC:14-00-E9-1B-E2-41 V:6.4.0.140-SIP", MITEL, "6915", "6.4.0.140", "1400E91BE241"),
    ("Mitel6920 MAC:14-00-E9-1F-03-EA V:6.4.0.140-SIP", MITEL, "6920", "6.4.0.140", "1400E91F03EA"),
    ("Mitel6930 MAC:14-00-E9-1E-DB-52 V:6.4.0.140-SIP", MITEL, "6930", "6.4.0.140", "1400E91EDB52"),
    ("Mitel6940 MAC:14-00-E9-29-4C-6B V:6.4.0.4006-SIP", MITEL, "6940", "6.4.0.4006", "1400E9294C6B"),
    ("Aastra6731i MAC:00-08-5D-29-4C-6B V:3.3.1.4365-SIP", MITEL, "6731i", "3.3.1.4365", "00085D294C6B"),
]


@pytest.mark.parametrize("raw, vendor, model, firmware, mac", VERBATIM)
def test_verbatim_user_agents(raw, vendor, model, firmware, mac):
    agent = parse(raw)
    assert (agent.vendor, agent.model, agent.firmware, agent.mac) == (vendor, model, firmware, mac)


@pytest.mark.parametrize(
    "raw",
    ["", None, "curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Aastra6867i", "snomD345-SIP 10.1",
     "Mitel6867i MAC:00-08-5D-16-10 V:5.1-SIP", "Mozilla/4.0 (compatible; snomD345-SIP 10.1.33.33\x00 000413A1B2C3)",
     "x" * 5000],
)
def test_other_strings_are_not_phones(raw):
    assert not parse(raw).recognised


def test_supported_models_are_found_in_the_catalogue():
    assert catalog.by_identifier(SNOM, parse(format_snom("725", "10.1.33.33")).model).code == "snom-725"
    assert catalog.by_identifier(SNOM, parse(format_snom("D345", "10.1.33.33")).model).code == "snom-d345"
    assert catalog.by_identifier(MITEL, parse(format_mitel("6867i", "00085D1610DE", "5.1.0.2047")).model).code == "mitel-6867i"
    assert catalog.by_identifier(SNOM, parse(format_snom("D785", "10.1.33.33")).model) is None


models = st.from_regex(r"\A(D[0-9]{3}|[0-9]{3}|MP|PA1)\Z")
firmwares = st.from_regex(r"\A[0-9]{1,2}(\.[0-9]{1,4}){2,3}\Z")
macs = st.from_regex(r"\A[0-9A-F]{12}\Z")
builds = st.sampled_from(["1.1.5-IFX-05.01.12", "2010.12-00004-g9ba52f5", "2010.06", "SPEAr300 SNOM 1.4",
                          "2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43)", "1.1.3-s"])
extras = st.sampled_from(["", "SXM:0 UXM:0", "SXM:1 UXM:2 UXMC:0"])


@given(models, firmwares, st.one_of(st.just(""), macs), builds, extras)
def test_snom_round_trip(model, firmware, mac, build, extra):
    agent = parse(format_snom(model, firmware, mac=mac, build=build, extra=extra))
    assert (agent.vendor, agent.model, agent.firmware, agent.mac) == (SNOM, model, firmware, mac)


mitel_models = st.from_regex(r"\A(68[0-9]{2}i|69[0-9]{2}w?|UC360)\Z")


@given(mitel_models, macs, firmwares, st.sampled_from(["Aastra", "Mitel"]))
def test_mitel_round_trip(model, mac, firmware, brand):
    agent = parse(format_mitel(model, mac, firmware, brand=brand))
    assert (agent.vendor, agent.model, agent.firmware, agent.mac) == (MITEL, model, firmware, mac)


@given(st.text(max_size=300))
def test_parse_never_raises_and_macs_are_well_formed(text):
    agent = parse(text)
    assert agent.mac == "" or (len(agent.mac) == 12 and all(c in "0123456789ABCDEF" for c in agent.mac))
    assert agent.vendor in ("", useragents.SNOM, useragents.MITEL)


@given(macs, st.text(alphabet="0123456789abcdefABCDEF.-", min_size=1, max_size=11))
def test_only_whole_twelve_digit_tokens_are_macs(mac, short):
    agent = parse(format_snom("D345", "10.1.33.33", build=f"{short} 1.1.3-u"))
    assert agent.mac == ""
    assert parse(format_snom("D345", "10.1.33.33", mac=mac.lower())).mac == mac
