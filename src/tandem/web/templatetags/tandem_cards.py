"""Objective cards, key result rows and the tree's placements for the templates, drawn
by :mod:`tandem.web.okr_html` (one function call instead of a template include per
objective and key result)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from tandem.web import okr_html

register = template.Library()


@register.simple_tag(takes_context=True)
def objective_cards(context: template.Context, objectives: Any) -> SafeString:
    """Every objective of ``objectives`` as a card with its key results."""
    return okr_html.objective_cards(objectives, okr_html.drawing_from(context))


@register.simple_tag(takes_context=True)
def kr_row(
    context: template.Context, kr: Any, objective: Any, form: Any = None, saved: Any = False
) -> SafeString:
    """One key result's row with its check-in form (``form`` bound after a failed one)."""
    return okr_html.kr_row(
        kr, objective, okr_html.drawing_from(context), form=form or None, saved=bool(saved)
    )


@register.simple_tag(takes_context=True)
def objective_progress(context: template.Context, objective: Any, oob: Any = False) -> SafeString:
    """An objective's status, forecast and progress bar."""
    return okr_html.objective_progress(objective, okr_html.drawing_from(context), oob=bool(oob))


@register.simple_tag(takes_context=True)
def tree_lines(context: template.Context, lines: Any) -> SafeString:
    """The alignment tree's placements in ``lines``."""
    return okr_html.tree_lines(lines, cycle=context["cycle"], d=okr_html.drawing_from(context))


@register.simple_tag(takes_context=True)
def tree_groups(context: template.Context, groups: Any) -> SafeString:
    """The tree's sections, one per team or person, with their placements."""
    return okr_html.tree_groups(groups, cycle=context["cycle"], d=okr_html.drawing_from(context))


@register.simple_tag(takes_context=True)
def folded_groups(context: template.Context, groups: Any) -> SafeString:
    """The teams past the tree page's budget, each loaded when opened."""
    return okr_html.folded_groups(groups, cycle=context["cycle"], d=okr_html.drawing_from(context))
