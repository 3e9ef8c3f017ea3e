"""Numbers as Tandem writes them on its pages and in its exports: thousands separators,
no trailing zeros, a whole percentage, an en dash for a value nobody has entered.

These functions write English numbers (1,200.5 and 46%), the form exports and the API
keep for machines whatever the reader's language. The pages' template filters
(``{{ value|number }}``, ``|percent``, ``|with_unit``, ``|approx``) pass them through
:func:`for_reader`, which writes them the way the active language does: 1.200,5 and
46 % in German, 1 200,5 and 46 % in French and Spanish (Django's formats for each language).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.defaultfilters import date as date_filter
from django.utils import formats, translation

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
    # A stored value's text (141.0000) is plain already: only its zeros go. Normalising
    # first cost twice as much, and a scorecard writes 6,500 of these.
    text = str(value)
    if "E" in text:
        text = f"{Decimal(value).normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def reader_language() -> str:
    """The active language as :func:`for_reader` reads it: for a page that writes
    hundreds of numbers, looked up once."""
    return (translation.get_language() or "en").split("-")[0]


def for_reader(text: str, language: str | None = None) -> str:
    """``text`` (a number or percentage written the English way by the functions above)
    with the active language's decimal and thousands separators, and a percent sign
    after a narrow space where the language writes one (German, French, Spanish).
    ``language`` is :func:`reader_language`'s answer when the caller has it."""
    if language is None:
        language = reader_language()
    if language == "en" or not text or text == EMPTY:
        return text
    decimal = str(formats.get_format("DECIMAL_SEPARATOR", language))
    thousands = str(formats.get_format("THOUSAND_SEPARATOR", language))
    separators: dict[str, str | int | None] = {",": thousands, ".": decimal}
    text = text.translate(str.maketrans(separators))
    if text.endswith("%") and not text.endswith("\u202f%"):
        text = text[:-1] + "\u202f%"
    return text


# The pages' date formats (Django's ``date`` filter codes) in each language's order and
# abbreviations; English keeps the pages' own. "N" is the month's abbreviation with its
# full stop where the language writes one (déc., Dez., dic.).
_DATE_FORMATS: dict[str, dict[str, str]] = {
    "de": {
        "M": "N",
        "M Y": "N Y",
        "j M": "j. N",
        "j M Y": "j. N Y",
        "j M Y H:i": "j. N Y, H:i",
        "j M Y, H:i": "j. N Y, H:i",
        "j M Y H:i:s": "j. N Y, H:i:s",
        "j F Y": "j. F Y",
        "l j F Y": "l, j. F Y",
        "j F Y H:i e": "j. F Y, H:i e",
    },
    "fr": {
        "M": "N",
        "M Y": "N Y",
        "j M": "j N",
        "j M Y": "j N Y",
        "j M Y H:i": "j N Y, H:i",
        "j M Y, H:i": "j N Y, H:i",
        "j M Y H:i:s": "j N Y, H:i:s",
        "l j F Y": "l j F Y",
        "j F Y H:i e": "j F Y, H:i e",
    },
    "es": {
        "M": "N",
        "M Y": "N Y",
        "j M": "j N",
        "j M Y": "j N Y",
        "j M Y H:i": "j N Y, H:i",
        "j M Y, H:i": "j N Y, H:i",
        "j M Y H:i:s": "j N Y, H:i:s",
        "j F Y": "j \\d\\e F \\d\\e Y",
        "l j F Y": "l, j \\d\\e F \\d\\e Y",
        "j F Y H:i e": "j \\d\\e F \\d\\e Y, H:i e",
    },
}


def local_date(value: Any, pattern: str) -> str:
    """``value`` (a date or datetime) in ``pattern``, an English page's ``date`` filter
    format, written the way the active language writes dates (``|local_date``)."""
    language = (translation.get_language() or "en").split("-")[0]
    return str(date_filter(value, _DATE_FORMATS.get(language, {}).get(pattern, pattern)))
