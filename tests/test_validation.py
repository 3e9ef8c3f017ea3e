"""What people type into number fields, everywhere in Tandem (check-ins, KPI cells, targets)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tandem.validation import decimal_field


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("42", Decimal(42)),
        (" 3 ", Decimal(3)),
        ("1,250.5", Decimal("1250.5")),
        ("-1,000", Decimal(-1000)),
        (7, Decimal(7)),
        (0.1, Decimal("0.1")),
        ("", None),
        (None, None),
    ],
)
def test_numbers_people_type_are_read_as_they_mean_them(typed, expected):
    assert decimal_field("value", typed) == expected


@pytest.mark.parametrize("typed", ["12,5", "1,25", "lots", "NaN", "inf", "1e20", True])
def test_text_decimal_commas_and_huge_values_are_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as caught:
        decimal_field("target", typed)
    assert list(caught.value.message_dict) == ["target"]
    assert str(typed) in caught.value.message_dict["target"][0]


@given(st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, places=4))
def test_every_storable_amount_reads_back_unchanged(amount):
    assert decimal_field("value", str(amount)) == amount
    assert decimal_field("value", f"{amount:,}") == amount
