"""Turning what people type into values, with messages that name the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

# Stored amounts have 16 integer digits (max_digits=20, decimal_places=4).
LARGEST = Decimal("1e16")


def decimal_field(field: str, value: Any) -> Decimal | None:
    """``value`` as a Decimal, ``None`` when empty. Accepts "1,250.5" and " 3 ".

    Raises a ValidationError on ``field`` for text, NaN, infinities and amounts too
    large to store.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({field: f"“{value}” is not a number."}) from None
    if not result.is_finite():
        raise ValidationError({field: f"“{value}” is not a finite number."})
    if abs(result) >= LARGEST:
        raise ValidationError({field: f"{value} is too large."})
    return result
