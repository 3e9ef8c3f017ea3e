"""The quality coach's report of a cycle: every objective with the coach's advice.

A fixed number of queries however many objectives the cycle holds: the objectives
with their key results, the alignments, and the histories the forecasts need (the
"committed objective forecast to miss" rule reads them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tandem.accounts.models import Membership, Organization
from tandem.domain.coach import Finding
from tandem.okrs import selectors
from tandem.okrs.models import Objective
from tandem.web import insights, permissions
from tandem.web.decorators import org_view


@dataclass(frozen=True, slots=True)
class Coached:
    objective: Objective
    findings: list[Finding]


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    items: list[Coached]


@require_GET
@org_view
def cycle_coach(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    cycle = selectors.cycle_get(organization=org, pk=pk)
    cycle.organization = org
    now = timezone.now()
    objectives = selectors.coach_objectives(
        organization=org, cycle=cycle, viewer=permissions.viewer_of(membership)
    )
    histories = selectors.checkin_histories(
        organization=org,
        cycle=cycle,
        key_results=[kr for o in objectives for kr in o.key_results.all()],
    )
    insights.attach_forecasts(objectives, cycle=cycle, histories=histories, now=now)
    parents = selectors.cycle_alignment_parents(organization=org, cycle=cycle)
    counts = insights.owner_counts_of(objectives)
    groups: dict[str, list[Coached]] = {}
    for objective in objectives:
        findings = insights.coach_findings(
            objective,
            cycle=cycle,
            owner_counts=counts,
            aligned=objective.pk in parents,
            now=now,
        )
        # Team objectives under their team; personal ones together, after the teams.
        name = objective.owner_team.name if objective.owner_team else ""
        groups.setdefault(name, []).append(Coached(objective, findings))
    ordered = [Group(name, items) for name, items in sorted(groups.items()) if name]
    if "" in groups:
        ordered.append(Group("Personal objectives", groups[""]))
    return render(
        request,
        "web/cycle_coach.html",
        {
            "cycle": cycle,
            "groups": ordered,
            "objectives": len(objectives),
            "findings": sum(len(c.findings) for g in ordered for c in g.items),
        },
    )
