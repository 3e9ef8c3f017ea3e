"""``{% term "objectives" %}``: the organisation's word for a concept, in every template.

Loaded as a builtin (settings ``TEMPLATES`` ``builtins``), so pages, e-mails and
exports need no ``{% load %}``. The words come from ``terms`` in the context (the
context processor puts the organisation's there), else from an ``organization`` in the
context (e-mails and exports rendered outside a request), else Tandem's own words.
"""

from __future__ import annotations

from typing import Any

from django import template

from tandem.terms import DEFAULT, Terms, terms_of

register = template.Library()


@register.simple_tag(takes_context=True)
def term(context: template.Context, key: str) -> str:
    words: Any = context.get("terms")
    if not isinstance(words, Terms):
        words = terms_of(context.get("organization"))
    if key not in words:
        # A typo in a template must show, not vanish: the tests render every page.
        raise template.TemplateSyntaxError(f"{{% term %}}: “{key}” is not a concept's form.")
    return str(words.get(key, DEFAULT.get(key, key)))
