"""Cycles, the company's alignment tree, closing a cycle, and the review of its scores.

Every page here runs a fixed number of queries whatever the size of the company:
objectives, key results and alignments are read once (with their stored
progress), and the tree and its roll-ups are built in Python by
:mod:`tandem.okrs.tree`. Writes go through the services; who may do what is in
:mod:`tandem.access.permissions`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.access import permissions
from tandem.access.permissions import Viewer
from tandem.accounts.models import Membership, Organization, User
from tandem.accounts.orgcache import TeamName, org_teams
from tandem.domain.progress import quantize
from tandem.domain.scoring import Band, Kind
from tandem.domain.scoring import score as score_of
from tandem.insights.selectors import objective_signals
from tandem.okrs import presenters, selectors
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tandem.okrs.presenters import Card, Group
from tandem.okrs.selectors import ObjectiveRow
from tandem.okrs.tree import (
    Forest,
    Line,
    Node,
    Row,
    build_tree,
    clamped,
    flatten,
    mean,
    summarize_scores,
)
from tandem.pages import apply_service_errors, org_view

UNPROCESSABLE = 422

# -- forms ------------------------------------------------------------------------------


class CycleForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=60,
        help_text=gettext_lazy("For example “Q3 2026” or “2026”."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Cycle.Kind.choices, initial=Cycle.Kind.QUARTER
    )
    start_date = forms.DateField(
        label=gettext_lazy("Start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=gettext_lazy("End"),
        help_text=gettext_lazy("The last day of the cycle."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Year"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("The year a quarter belongs to."),
    )

    def __init__(self, *args: Any, years: Sequence[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = {year.pk: year for year in years}
        self.fields["parent"].choices = [("", gettext_lazy("None"))] + [  # type: ignore[attr-defined]
            (year.pk, year.name) for year in years
        ]

    def parent_cycle(self) -> Cycle | None:
        pk = self.cleaned_data.get("parent")
        return self.years.get(pk) if pk is not None else None


class FiscalYearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Fiscal year starting in"),
        min_value=1900,
        max_value=9000,
        help_text=gettext_lazy(
            "Creates the year and its four quarters from your fiscal-year start month."
        ),
    )


class ScoreForm(forms.Form):
    score = forms.DecimalField(
        label=gettext_lazy("Final score"),
        help_text=gettext_lazy("From 0.0 to 1.0, in steps of 0.1."),
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "1"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Needed when the final score differs from the computed one."),
    )


def _cycle_or_404(organization: Organization, pk: int) -> Cycle:
    return selectors.cycle_get(organization=organization, pk=pk)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# -- the cycles list --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CycleLine:
    cycle: Cycle
    depth: int
    objectives: int
    progress: Decimal | None


def _cycle_lines(cycles: Sequence[Cycle], stats: dict[int, tuple[int, Decimal]]) -> list[CycleLine]:
    """Years (and other top-level cycles) newest first, each followed by its quarters
    in calendar order."""
    known = {cycle.pk for cycle in cycles}
    children: dict[int, list[Cycle]] = {}
    top: list[Cycle] = []
    for cycle in cycles:
        if cycle.parent_id is not None and cycle.parent_id in known:
            children.setdefault(cycle.parent_id, []).append(cycle)
        else:
            top.append(cycle)

    def line(cycle: Cycle, depth: int) -> CycleLine:
        count, total = stats.get(cycle.pk, (0, Decimal(0)))
        return CycleLine(
            cycle=cycle,
            depth=depth,
            objectives=count,
            progress=quantize(total / count) if count else None,
        )

    lines: list[CycleLine] = []
    for cycle in top:
        lines.append(line(cycle, 0))
        for child in sorted(children.get(cycle.pk, []), key=lambda c: (c.start_date, c.name)):
            lines.append(line(child, 1))
    return lines


def _render_cycles(
    request: HttpRequest,
    *,
    org: Organization,
    membership: Membership,
    form: CycleForm | None = None,
    year_form: FiscalYearForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cycles = list(selectors.cycle_list(organization=org))
    years = [cycle for cycle in cycles if cycle.kind == Cycle.Kind.YEAR]
    current = selectors.current_cycle(organization=org)
    next_year = dt.datetime.now(org.tz).year + 1
    return render(
        request,
        "web/cycle_list.html",
        {
            "lines": _cycle_lines(
                cycles,
                selectors.cycle_objective_stats(
                    organization=org, viewer=permissions.viewer_of(membership)
                ),
            ),
            "current": current,
            "can_manage": permissions.can_manage_cycles(membership),
            "form": form or CycleForm(years=years),
            "year_form": year_form or FiscalYearForm(initial={"year": next_year}),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@org_view
def cycle_list(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return _render_cycles(request, org=org, membership=membership)
    permissions.require_manage_cycles(membership)
    years = list(selectors.cycle_list(organization=org).filter(kind=Cycle.Kind.YEAR))
    form = CycleForm(request.POST, years=years)
    if form.is_valid():
        try:
            cycle = okrs.cycle_create(
                organization=org,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                parent=form.parent_cycle(),
                by=_user(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is ready for planning.") % {"name": cycle.name})
            return redirect("cycles")
    return _render_cycles(request, org=org, membership=membership, form=form, status=UNPROCESSABLE)


@require_POST
@org_view
def cycle_fiscal_year(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    permissions.require_manage_cycles(membership)
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            year, _quarters = okrs.cycle_create_quarters_for_year(
                organization=org, year=form.cleaned_data["year"], by=_user(request)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s and its four quarters are ready for planning.") % {"name": year.name},
            )
            return redirect("cycles")
    return _render_cycles(
        request, org=org, membership=membership, year_form=form, status=UNPROCESSABLE
    )


@require_POST
@org_view
def cycle_activate(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    cycle = _cycle_or_404(org, pk)
    permissions.require_manage_cycles(membership)
    try:
        okrs.cycle_activate(cycle=cycle, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is active: check-ins are open.") % {"name": cycle.name}
        )
    return redirect("cycles")


# -- the alignment tree -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeFacts:
    objectives: int
    rollup: Decimal | None
    aligned: int
    loops: int


# The page shows each root and the objectives that contribute to it; deeper branches
# load when opened. Once the page holds TREE_PAGE_BUDGET placements, the remaining
# team groups show their name and roll-up and load their tree when opened. A company
# of ten thousand objectives gets a page it can read, in a time bounded by the budget
# rather than by the size of the company.
TREE_LEVELS_SHOWN = 1
TREE_PAGE_BUDGET = 150
GROUP_KEY = re.compile(r"(?:team|person)-\d+")


def _tree_teams(org: Organization) -> Sequence[TeamName]:
    """Every team, for the tree's groups: what the groups show of them, from the
    organisation's cache (a thousand teams in a large company)."""
    return org_teams(org)


def _forest(
    org: Organization, cycle: Cycle, viewer: Viewer
) -> tuple[list[ObjectiveRow], Forest[ObjectiveRow]]:
    # Built from the objectives this person sees: a private one they may not see is
    # in no branch and no roll-up, and its children show as roots. Read as rows: the
    # page shows a few of the cycle's objectives in full (_with_cards reads those).
    objectives = selectors.cycle_objective_rows(organization=org, cycle=cycle, viewer=viewer)
    parents = selectors.cycle_alignment_parents(organization=org, cycle=cycle)
    forest = build_tree(
        [
            Row(objective.pk, objective, tuple(parents.get(objective.pk, ())), objective.progress)
            for objective in objectives
        ]
    )
    return objectives, forest


def _with_cards(
    lines: list[Line[ObjectiveRow]], *, org: Organization, cycle: Cycle, viewer: Viewer
) -> tuple[list[tuple[Line[ObjectiveRow], Card]], list[Objective]]:
    """Cards for the objectives on the page, read in full, with the key results of
    their full placements (a repeat shows only the objective)."""
    ids = {line.node.id for line in lines}
    found = {
        objective.pk: objective
        for objective in selectors.cycle_objectives(
            organization=org, cycle=cycle, viewer=viewer, ids=ids
        )
    }
    shown: dict[int, Objective] = {}
    for line in lines:
        shown.setdefault(line.node.id, found[line.node.id])
    key_results = selectors.key_results_of(
        organization=org,
        objective_ids={line.node.id for line in lines if not line.node.repeat},
    )
    cards = {
        card.objective.pk: card
        for card in presenters.cards(
            shown.values(), organization=org, cycle=cycle, key_results=key_results
        )
    }
    return [(line, cards[line.node.id]) for line in lines], list(shown.values())


def _tree_page(
    request: HttpRequest, *, org: Organization, membership: Membership, cycle: Cycle | None
) -> HttpResponse:
    cycles = list(selectors.cycle_list(organization=org))
    if cycle is None:
        return render(request, "web/tree.html", {"cycle": None, "cycles": cycles, "groups": []})
    # The viewer's teams, read once for both reads of the objectives.
    viewer = permissions.viewer_of(membership)
    objectives, forest = _forest(org, cycle, viewer)
    groups = presenters.groups(
        objectives, teams=_tree_teams(org), chart=selectors.org_chart(organization=org)
    )
    roots_by_group: dict[str, list[Node[ObjectiveRow]]] = {}
    for root in forest.roots:
        roots_by_group.setdefault(presenters.group_key(root.item), []).append(root)
    # A team whose objectives all contribute elsewhere has no group: they are nested.
    shown_groups = [group for key, group in groups.items() if key in roots_by_group]
    lines: list[Line[ObjectiveRow]] = []
    spans: list[tuple[Group, int, int]] = []
    for group in shown_groups:
        if len(lines) >= TREE_PAGE_BUDGET:
            group.folded = True
            continue
        group_lines = flatten(roots_by_group[group.key], max_depth=TREE_LEVELS_SHOWN)
        spans.append((group, len(lines), len(lines) + len(group_lines)))
        lines.extend(group_lines)
    with_cards, shown = _with_cards(lines, org=org, cycle=cycle, viewer=viewer)
    for group, start, end in spans:
        group.lines = with_cards[start:end]
    facts = TreeFacts(
        objectives=len(objectives),
        rollup=mean(clamped(objective.progress) for objective in objectives),
        aligned=forest.aligned,
        loops=sum(1 for root in forest.roots if root.loop),
    )
    return render(
        request,
        "web/tree.html",
        {
            "cycle": cycle,
            "cycles": cycles,
            "groups": [group for group in shown_groups if not group.folded],
            "folded_groups": [group for group in shown_groups if group.folded],
            "facts": facts,
            "signals": objective_signals(organization=org, objectives=shown, cycles=[cycle]),
        },
    )


@require_GET
@org_view
def tree(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    wanted = request.GET.get("cycle", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404("No such cycle.")
        return redirect("cycle_tree", pk=_cycle_or_404(org, int(wanted)).pk)
    cycle = selectors.current_cycle(organization=org)
    return _tree_page(request, org=org, membership=membership, cycle=cycle)


@require_GET
@org_view
def cycle_tree(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    return _tree_page(request, org=org, membership=membership, cycle=_cycle_or_404(org, pk))


@require_GET
@org_view
def cycle_tree_branch(
    request: HttpRequest, pk: int, objective_pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    """One branch of the tree: the objectives under ``objective_pk``, one level more
    (for the page to insert when a branch is opened), or, without JavaScript, a page
    of its own with the objective at the top."""
    cycle = _cycle_or_404(org, pk)
    viewer = permissions.viewer_of(membership)
    _cycles, forest = _forest(org, cycle, viewer)
    node = forest.nodes.get(objective_pk)
    if node is None:
        raise Http404("No such objective in this cycle.")
    if request.headers.get("HX-Request"):
        lines, shown = _with_cards(
            flatten(node.children, max_depth=0), org=org, cycle=cycle, viewer=viewer
        )
        return render(
            request,
            "web/_tree_lines.html",
            {
                "cycle": cycle,
                "lines": lines,
                "signals": objective_signals(organization=org, objectives=shown, cycles=[cycle]),
            },
        )
    lines, shown = _with_cards(
        flatten([node], max_depth=TREE_LEVELS_SHOWN), org=org, cycle=cycle, viewer=viewer
    )
    objective = next(o for o in shown if o.pk == node.id)
    branch = Group(
        key=f"branch-{objective.pk}",
        title=_("Below “%(title)s”") % {"title": objective.title},
        objectives=[objective],
        lines=lines,
    )
    return render(
        request,
        "web/tree.html",
        {
            "cycle": cycle,
            "cycles": list(selectors.cycle_list(organization=org)),
            "groups": [branch],
            "branch": objective,
            "signals": objective_signals(organization=org, objectives=shown, cycles=[cycle]),
        },
    )


@require_GET
@org_view
def cycle_tree_group(
    request: HttpRequest, pk: int, key: str, *, org: Organization, membership: Membership
) -> HttpResponse:
    """The tree under one team's (or person's) root objectives: for the page to insert
    when a folded group is opened, or a page of its own without JavaScript."""
    cycle = _cycle_or_404(org, pk)
    if not GROUP_KEY.fullmatch(key):
        raise Http404("No such group.")
    viewer = permissions.viewer_of(membership)
    objectives, forest = _forest(org, cycle, viewer)
    roots = [root for root in forest.roots if presenters.group_key(root.item) == key]
    if not roots:
        raise Http404("No objectives of this team are roots of the tree.")
    lines, shown = _with_cards(
        flatten(roots, max_depth=TREE_LEVELS_SHOWN), org=org, cycle=cycle, viewer=viewer
    )
    context: dict[str, Any] = {
        "cycle": cycle,
        "signals": objective_signals(organization=org, objectives=shown, cycles=[cycle]),
    }
    if request.headers.get("HX-Request"):
        return render(request, "web/_tree_lines.html", {**context, "lines": lines})
    group = presenters.groups(
        objectives, teams=_tree_teams(org), chart=selectors.org_chart(organization=org)
    )[key]
    group.lines = lines
    return render(
        request,
        "web/tree.html",
        {
            **context,
            "cycles": list(selectors.cycle_list(organization=org)),
            "groups": [group],
            "branch": group,
        },
    )


# -- closing a cycle and its review -----------------------------------------------------


def _review_context(
    *,
    org: Organization,
    cycle: Cycle,
    membership: Membership,
    can_adjust: Callable[[Objective], bool] | None = None,
) -> dict[str, Any]:
    objectives = selectors.cycle_objectives(
        organization=org, cycle=cycle, viewer=permissions.viewer_of(membership)
    )
    cards, groups = presenters.grouped_cards(
        objectives,
        organization=org,
        cycle=cycle,
        teams=list(selectors.team_list(organization=org)),
        can_adjust=can_adjust,
    )
    bands = {value: sum(1 for card in cards if card.band == value) for value in Band}
    return {
        "cycle": cycle,
        "groups": groups,
        "overall": summarize_scores((card.shown, Kind(card.objective.kind)) for card in cards),
        "bands": bands,
        "count": len(cards),
    }


@require_http_methods(["GET", "POST"])
@org_view
def cycle_close(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    cycle = _cycle_or_404(org, pk)
    permissions.require_manage_cycles(membership)
    if cycle.is_closed:
        messages.info(
            request, _("%(name)s is already closed; here are its scores.") % {"name": cycle.name}
        )
        return redirect("cycle_review", pk=cycle.pk)
    if request.method == "POST":
        try:
            okrs.cycle_close(cycle=cycle, by=_user(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cycle_close", pk=cycle.pk)
        messages.success(
            request,
            _(
                "%(name)s is closed and its scores are recorded. Owners can adjust a score "
                "with a reason."
            )
            % {"name": cycle.name},
        )
        return redirect("cycle_review", pk=cycle.pk)
    return render(
        request,
        "web/cycle_close.html",
        _review_context(org=org, cycle=cycle, membership=membership),
    )


@require_GET
@org_view
def cycle_review(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    cycle = _cycle_or_404(org, pk)
    lead_team_ids: set[int] = set()
    if cycle.is_closed and not permissions.can_edit(membership):
        lead_team_ids = selectors.lead_team_ids_of(organization=org, user=_user(request))

    def can_adjust(objective: Objective) -> bool:
        return permissions.can_adjust_score(membership, objective, lead_team_ids)

    context = _review_context(org=org, cycle=cycle, membership=membership, can_adjust=can_adjust)
    context["can_manage"] = permissions.can_manage_cycles(membership)
    return render(request, "web/cycle_review.html", context)


@require_http_methods(["GET", "POST"])
@org_view
def objective_score(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    objective = selectors.objective_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_adjust_score(membership, objective, viewer.lead_team_ids)
    cycle = objective.cycle
    computed = (
        objective.computed_score
        if objective.computed_score is not None
        else score_of(objective.progress)
    )
    form = ScoreForm(
        initial={
            "score": objective.score if objective.score is not None else computed,
            "reason": objective.score_reason,
        }
    )
    status = 200
    if request.method == "POST":
        form = ScoreForm(request.POST)
        if form.is_valid():
            try:
                okrs.objective_set_score(
                    objective=objective,
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                    by=_user(request),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The score of “%(objective)s” is %(score)s.")
                    % {"objective": objective, "score": objective.score},
                )
                review = reverse("cycle_review", args=[cycle.pk])
                return redirect(f"{review}#objective-{objective.pk}")
        status = UNPROCESSABLE
    return render(
        request,
        "web/cycle_score.html",
        {"objective": objective, "cycle": cycle, "computed": computed, "form": form},
        status=status,
    )
