"""Turning what people type into values, with messages that name the field."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Stored amounts have 16 integer digits (max_digits=20, decimal_places=4).
LARGEST = Decimal("1e16")
# Commas are thousands separators only: "1,250.5". A decimal comma ("12,5") would
# otherwise silently become another number (125).
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def decimal_field(field: str, value: Any) -> Decimal | None:
    """``value`` as a Decimal, ``None`` when empty. Accepts "1,250.5" and " 3 ".

    Raises a ValidationError on ``field`` for text, booleans, decimal commas, NaN,
    infinities and amounts too large to store.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": value}})
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if "," in text:
        if not _GROUPED_NUMBER.fullmatch(text):
            raise ValidationError(
                {
                    field: _("“%(value)s” is not a number (write decimals with a point: 12.5).")
                    % {"value": value}
                }
            )
        text = text.replace(",", "")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            {field: _("“%(value)s” is not a number.") % {"value": value}}
        ) from None
    if not result.is_finite():
        raise ValidationError({field: _("“%(value)s” is not a finite number.") % {"value": value}})
    if abs(result) >= LARGEST:
        raise ValidationError({field: _("%(value)s is too large.") % {"value": value}})
    return result
