"""Property tests for connect.lib.numbers: the normalisation every number goes through."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from connect.lib.numbers import LOCAL_MAX_DIGITS, LOCAL_MIN_DIGITS, display, from_value, normalise

# Danish subscriber numbers are 8 digits and don't start with 0 or 1.
danish = st.integers(20_000_000, 99_999_999).map(str)
separators = st.sampled_from(["", " ", "-", ".", "\u00a0"])
non_ascii_digits = st.characters(categories=["Nd"]).filter(lambda ch: not "0" <= ch <= "9")


def spaced(digits, sep):
    """88887765 -> "88 88 77 65" with the chosen separator."""
    return sep.join(digits[i : i + 2] for i in range(0, len(digits), 2))


@given(digits=danish, sep=separators, prefix=st.sampled_from(["", "+45", "0045", "+45 ", "0045 "]))
@example(digits="88887765", sep=" ", prefix="")
def test_danish_numbers_in_any_common_form_become_e164(digits, sep, prefix):
    result = normalise(prefix + spaced(digits, sep))
    assert result.number == f"+45{digits}"
    assert result.kind == "e164"
    assert result.value == int(f"45{digits}")


# "00…" is the international prefix, never an extension (see test_double_zero_is_international).
local_digits = st.text("0123456789", min_size=LOCAL_MIN_DIGITS, max_size=LOCAL_MAX_DIGITS).filter(lambda d: not d.startswith("00"))


@given(digits=local_digits)
def test_short_digit_strings_are_local_extensions(digits):
    result = normalise(digits)
    assert (result.number, result.kind, result.value) == (digits, "local", int(digits))
    assert from_value("local", result.value, len(digits)) == digits


@given(digits=local_digits)
def test_local_numbers_can_be_refused(digits):
    with pytest.raises(ValidationError) as exc:
        normalise(digits, allow_local=False)
    assert exc.value.messages == ["Enter a full phone number, e.g. +4588887765."]


@pytest.mark.parametrize("raw", ["00", "001", "0012", "004"])
def test_double_zero_is_international_so_short_forms_are_refused(raw):
    with pytest.raises(ValidationError):
        normalise(raw)


@given(raw=st.one_of(danish, danish.map(lambda d: "+45" + d), st.text("0123456789 +-", max_size=20)))
def test_normalising_is_idempotent(raw):
    try:
        first = normalise(raw)
    except ValidationError:
        return
    again = normalise(first.number)
    assert again == first
    assert from_value(first.kind, first.value, len(first.number)) == first.number


@given(prefix=st.text("0123456789", max_size=4), bad=non_ascii_digits, suffix=st.text("0123456789", max_size=4))
@example(prefix="", bad="٤", suffix="٥")
@example(prefix="", bad="４", suffix="５")
def test_unicode_digits_are_refused_with_a_clear_message(prefix, bad, suffix):
    with pytest.raises(ValidationError) as exc:
        normalise(prefix + bad + suffix)
    assert exc.value.messages == ["Use only the digits 0-9."]


@given(raw=st.text(max_size=60))
@example(raw="\x00")
@example(raw="12\x0034")
@example(raw="+" * 30)
def test_any_text_either_normalises_or_gives_a_validation_error(raw):
    try:
        result = normalise(raw)
    except ValidationError as exc:
        assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)
        return
    assert result.number.lstrip("+").isdigit()
    assert result.number.isascii()
    assert len(result.number) <= 16  # fits Number.number


@given(digits=danish)
def test_display_groups_danish_numbers(digits):
    assert display(f"+45{digits}").replace(" ", "") == f"+45{digits}"
    assert display(f"+45{digits}").startswith("+45 ")


def test_display_leaves_local_numbers_alone():
    assert display("1500") == "1500"
    assert display("") == ""


def test_danish_numbers_normalise_as_phonenumbers_does():
    """The shortcut for eight-digit Danish numbers gives what the phonenumbers parser gives."""
    rnd = random.Random(45)
    for prefix in range(10, 100):
        for _ in range(20):
            digits = f"{prefix}{rnd.randrange(10**6):06d}"
            expected = phonenumbers.format_number(phonenumbers.parse(digits, "DK"), phonenumbers.PhoneNumberFormat.E164)
            for raw in (digits, f"+45{digits}", f"0045 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"):
                assert normalise(raw).number == expected == f"+45{digits}"
                assert normalise(raw).value == int(expected[1:])
