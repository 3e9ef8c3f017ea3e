"""Numbers as Tandem writes them on its pages and in its exports: thousands separators,
no trailing zeros, a whole percentage, an en dash for a value nobody has entered.

The template filters of the same names (``{{ value|number }}``) are these functions.
"""

from __future__ import annotations

from decimal import Decimal

# An en dash marks a value nobody has entered yet.
EMPTY = "\u2013"


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros and with thousands separators: 1200.5000 -> 1,200.5."""
    text = f"{value.normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def number(value: Decimal | int | None) -> str:
    if value is None:
        return EMPTY
    return plain(Decimal(value))


def percent(value: Decimal | None) -> str:
    """A progress fraction as a whole percentage (0.4567 -> 46%)."""
    if value is None:
        return EMPTY
    return f"{(Decimal(value) * 100).quantize(Decimal(1)):f}%"


def input_value(value: Decimal | None) -> str:
    """A decimal as an input's value: no thousands separators, no trailing zeros."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
