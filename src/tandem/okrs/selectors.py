"""Every read of OKRs, scoped to an organisation: another organisation's object is a 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.accounts.models import Organization, Team
from tandem.okrs.models import Cycle, KeyResult, Objective


def cycle_list(*, organization: Organization) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organization=organization).order_by("-start_date", "kind")


def cycle_get(*, organization: Organization, pk: int | str) -> Cycle:
    return get_object_or_404(
        Cycle.objects.select_related("organization"), organization=organization, pk=pk
    )


def current_cycle(*, organization: Organization, today: dt.date | None = None) -> Cycle | None:
    """The cycle people work in today: the active quarter around today, else the
    active cycle that started last, else the most recent cycle of any state."""
    day = today or dt.datetime.now(organization.tz).date()
    cycles = Cycle.objects.filter(organization=organization).select_related("organization")
    around = cycles.filter(state=Cycle.State.ACTIVE, start_date__lte=day, end_date__gte=day)
    return (
        around.filter(kind=Cycle.Kind.QUARTER).order_by("-start_date").first()
        or around.order_by("-start_date").first()
        or cycles.filter(state=Cycle.State.ACTIVE).order_by("-start_date").first()
        or cycles.order_by("-start_date").first()
    )


def team_get(*, organization: Organization, slug: str) -> Team:
    return get_object_or_404(Team, organization=organization, slug=slug)


def objective_get(*, organization: Organization, pk: int | str) -> Objective:
    return get_object_or_404(
        Objective.objects.select_related("cycle", "organization", "owner_team", "owner_user"),
        organization=organization,
        pk=pk,
    )


def key_result_get(*, organization: Organization, pk: int | str) -> KeyResult:
    return get_object_or_404(
        KeyResult.objects.select_related(
            "objective__cycle", "objective__organization", "organization", "owner"
        ),
        organization=organization,
        pk=pk,
    )
