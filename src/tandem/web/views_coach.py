"""The quality coach's report of a cycle, and its advice while an objective is written.

A fixed number of queries however many objectives the cycle holds: the objectives
with their key results, the alignments, and the histories the forecasts need (the
"committed objective forecast to miss" rule reads them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tandem.access import permissions
from tandem.accounts.models import Membership, Organization
from tandem.accounts.orgcache import org_terms
from tandem.coach_text import Suggestion, suggestions
from tandem.domain.coach import KeyResultDraft, KeyResultKind, ObjectiveDraft, coach
from tandem.domain.scoring import Kind
from tandem.okrs import selectors
from tandem.okrs.models import Objective
from tandem.pages import org_view
from tandem.web import insights


@dataclass(frozen=True, slots=True)
class Coached:
    objective: Objective
    findings: list[Suggestion]


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
    words = org_terms(org)
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
        groups.setdefault(name, []).append(Coached(objective, suggestions(findings, words)))
    ordered = [Group(name, items) for name, items in sorted(groups.items()) if name]
    if "" in groups:
        ordered.append(Group(_("Personal %(objectives)s") % words, groups[""]))
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


_KR_TITLE = re.compile(r"^kr-(\d+)-title$")
_KR_KINDS = {k.value for k in KeyResultKind}
_KINDS = {k.value for k in Kind}


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def _draft_key_results(data: QueryDict, objective: Objective | None) -> list[KeyResultDraft]:
    indexes = sorted(int(m.group(1)) for name in data if (m := _KR_TITLE.match(name)))
    if not indexes and objective is not None:
        return [
            KeyResultDraft(
                title=kr.title,
                kind=KeyResultKind(kr.kind),
                baseline=kr.baseline,
                target=kr.target,
            )
            for kr in objective.key_results.all()
        ]
    drafts = []
    for i in indexes:
        title = data.get(f"kr-{i}-title", "").strip()
        if not title:
            continue  # an empty extra row of the form is not a key result
        kind = data.get(f"kr-{i}-kind", KeyResultKind.METRIC)
        drafts.append(
            KeyResultDraft(
                title=title,
                kind=KeyResultKind(kind) if kind in _KR_KINDS else KeyResultKind.METRIC,
                baseline=_decimal(data.get(f"kr-{i}-baseline", "")),
                target=_decimal(data.get(f"kr-{i}-target", "")),
            )
        )
    return drafts


@require_POST
@org_view
def coach_draft(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    """The coach's advice on an objective as it is being written (the form posts here
    while the person types); nothing is saved."""
    data = request.POST
    objective = None
    if data.get("objective", "").isdigit():
        objective = selectors.objective_get(
            organization=org, pk=int(data["objective"]), viewer=permissions.viewer_of(membership)
        )
    kind = data.get("kind", Kind.ASPIRATIONAL)
    draft = ObjectiveDraft(
        title=data.get("title", ""),
        key_results=tuple(_draft_key_results(data, objective)),
        kind=Kind(kind) if kind in _KINDS else Kind.ASPIRATIONAL,
        has_owner=bool(data.get("owner", "").strip()),
        aligned=objective is not None and objective.alignments_up.exists(),
        reason=data.get("description", ""),
    )
    findings = coach(draft, enabled=insights.rules_of(org)) if draft.title.strip() else []
    return render(
        request,
        "web/_coach_live.html",
        {"findings": suggestions(findings, org_terms(org)), "started": bool(draft.title.strip())},
    )
