"""The scorecard's columns, as the page, its exports and their addresses choose them:
weeks, months or quarters, and how many of them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tandem.domain import periods as pm

DEFAULT_PERIODS = 13
MAX_PERIODS = 52
GRANULARITIES = {
    pm.Frequency.WEEKLY: gettext_lazy("weeks"),
    pm.Frequency.MONTHLY: gettext_lazy("months"),
    pm.Frequency.QUARTERLY: gettext_lazy("quarters"),
}


def granularity_from(raw: str) -> pm.Frequency:
    """The granularity named by ``raw``; weeks when it names none of them."""
    return pm.Frequency(raw) if raw in GRANULARITIES else pm.Frequency.WEEKLY


def periods_from(raw: str | None) -> int:
    """How many columns: 1 to 52, 13 when missing or not a number."""
    try:
        wanted = int(raw or DEFAULT_PERIODS)
    except ValueError:
        return DEFAULT_PERIODS
    return max(1, min(MAX_PERIODS, wanted))
