"""Numbers as inputs show them: the shortest plain text of the same value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.formatting import input_value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("141.0000", "141"),
        ("1200.5000", "1200.5"),
        ("-5.0000", "-5"),
        ("0.0000", "0"),
        ("0.0001", "0.0001"),
        ("99999999999.9999", "99999999999.9999"),
        ("1E+3", "1000"),
        ("1.5E-7", "0.00000015"),
        ("100", "100"),
    ],
)
def test_an_input_shows_a_decimal_without_trailing_zeros_or_an_exponent(value, shown):
    assert input_value(Decimal(value)) == shown


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**15))
def test_an_inputs_text_is_the_same_value(value: Decimal):
    text = input_value(value)
    assert Decimal(text) == value
    assert "E" not in text
    assert "," not in text
    assert not ("." in text and text.endswith(("0", ".")))


def test_no_value_is_an_empty_input():
    assert input_value(None) == ""
