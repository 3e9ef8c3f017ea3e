"""``{{ when|local_date:"j M Y" }}``: a date the way the active language writes it.

Loaded as a builtin (settings ``TEMPLATES`` ``builtins``), like ``{% term %}``. The pages
give their English format; German, French and Spanish get theirs in the same spirit.
"""

from __future__ import annotations

from typing import Any

from django import template

from tandem import formatting
from tandem.labels import label

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value: Any, pattern: str) -> str:
    """``value|date:pattern`` with ``pattern`` (an English page's format) written the way
    the active language writes dates."""
    return formatting.local_date(value, pattern)


@register.filter("label")
def label_filter(value: Any) -> str:
    """``{{ status|label }}``: a domain state's name in the reader's language."""
    return label(value)
