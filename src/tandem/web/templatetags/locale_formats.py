"""``{{ when|local_date:"j M Y" }}``: a date the way the active language writes it.

Loaded as a builtin (settings ``TEMPLATES`` ``builtins``), like ``{% term %}``. The pages
give their English format; German, French and Spanish get theirs in the same spirit.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import translation

from tandem.labels import label

register = template.Library()

# The pages' date formats (Django's ``date`` filter codes) in each language's order and
# abbreviations; English keeps the pages' own. "N" is the month's abbreviation with its
# full stop where the language writes one (déc., Dez., dic.).
_DATE_FORMATS: dict[str, dict[str, str]] = {
    "de": {
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
        "j M": "j N",
        "j M Y": "j N Y",
        "j M Y H:i": "j N Y, H:i",
        "j M Y, H:i": "j N Y, H:i",
        "j M Y H:i:s": "j N Y, H:i:s",
        "l j F Y": "l j F Y",
        "j F Y H:i e": "j F Y, H:i e",
    },
    "es": {
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


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value: Any, pattern: str) -> str:
    """``value|date:pattern`` with ``pattern`` (an English page's format) written the way
    the active language writes dates."""
    language = (translation.get_language() or "en").split("-")[0]
    return str(date_filter(value, _DATE_FORMATS.get(language, {}).get(pattern, pattern)))


@register.filter("label")
def label_filter(value: Any) -> str:
    """``{{ status|label }}``: a domain state's name in the reader's language."""
    return label(value)
