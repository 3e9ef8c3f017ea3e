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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.access import permissions
from tandem.accounts.models import Membership, Organization, Team, User
from tandem.domain.progress import quantize
from tandem.domain.scoring import Band, Kind, band
from tandem.domain.scoring import score as score_of
from tandem.domain.status import Status, live_status
from tandem.insights.selectors import objective_signals
from tandem.okrs import selectors
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.okrs.selectors import ObjectiveRow, Owner
from tandem.okrs.tree import (
    Forest,
    KindSummaries,
    Line,
    Node,
    Row,
    TeamRow,
    build_tree,
    clamped,
    flatten,
    mean,
    org_chart_order,
    summarize_scores,
)
from tandem.web.decorators import org_view
from tandem.web.forms import apply_service_errors

UNPROCESSABLE = 422

# -- forms ------------------------------------------------------------------------------


class CycleForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="For example “Q3 2026” or “2026”.")
    kind = forms.ChoiceField(choices=Cycle.Kind.choices, initial=Cycle.Kind.QUARTER)
    start_date = forms.DateField(label="Start", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label="End",
        help_text="The last day of the cycle.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    parent = forms.TypedChoiceField(
        label="Year",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="The year a quarter belongs to.",
    )

    def __init__(self, *args: Any, years: Sequence[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = {year.pk: year for year in years}
        self.fields["parent"].choices = [("", "None")] + [  # type: ignore[attr-defined]
            (year.pk, year.name) for year in years
        ]

    def parent_cycle(self) -> Cycle | None:
        pk = self.cleaned_data.get("parent")
        return self.years.get(pk) if pk is not None else None


class FiscalYearForm(forms.Form):
    year = forms.IntegerField(
        label="Fiscal year starting in",
        min_value=1900,
        max_value=9000,
        help_text="Creates the year and its four quarters from your fiscal-year start month.",
    )


class ScoreForm(forms.Form):
    score = forms.DecimalField(
        label="Final score",
        help_text="From 0.0 to 1.0, in steps of 0.1.",
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "1"}),
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the final score differs from the computed one.",
    )


# -- what the pages show ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyResultLine:
    key_result: KeyResult
    status: Status


@dataclass(frozen=True, slots=True)
class Card:
    """One objective as the tree, the close preview and the review show it."""

    objective: Objective
    progress: Decimal  # clamped, 0 without key results
    # Live status while the cycle runs; None once it is closed.
    status: Status | None
    key_results: tuple[KeyResultLine, ...]
    # Stored at the close; projected from the progress while the cycle is open.
    computed: Decimal
    # The score that stands once the cycle is closed (None while it is open).
    final: Decimal | None
    band: Band
    can_adjust: bool = False

    @property
    def shown(self) -> Decimal:
        return self.final if self.final is not None else self.computed

    @property
    def adjusted(self) -> bool:
        return self.final is not None and self.final != self.computed

    @property
    def is_committed(self) -> bool:
        return self.objective.kind == Objective.Kind.COMMITTED


@dataclass
class Group:
    """The objectives of one team (or one person) on the tree and the review."""

    key: str
    title: str
    team: Team | None = None
    person: User | Owner | None = None
    depth: int = 0
    # Objectives, or on the tree their rows (selectors.ObjectiveRow).
    objectives: list[Objective | ObjectiveRow] = field(default_factory=list)
    # The review's cards of those objectives.
    cards: list[Card] = field(default_factory=list)
    # The tree page: the top of the tree under the group's root objectives.
    lines: list[tuple[Line[ObjectiveRow], Card]] = field(default_factory=list)
    # Past the page's budget: the group's tree loads when it is opened.
    folded: bool = False
    summaries: KindSummaries | None = None

    @cached_property
    def rollup(self) -> Decimal | None:
        """The mean progress of the group's own objectives."""
        return mean(clamped(objective.progress) for objective in self.objectives)

    @property
    def committed(self) -> list[Card]:
        return [card for card in self.cards if card.is_committed]

    @property
    def aspirational(self) -> list[Card]:
        return [card for card in self.cards if not card.is_committed]


def _cards(
    objectives: Iterable[Objective],
    *,
    organization: Organization,
    cycle: Cycle,
    key_results: dict[int, list[KeyResult]] | None = None,
    can_adjust: Callable[[Objective], bool] | None = None,
) -> list[Card]:
    closed = cycle.is_closed
    expected = cycle.expected_progress(timezone.now())
    thresholds = organization.status_thresholds
    cards = []
    for objective in objectives:
        status = None
        lines: tuple[KeyResultLine, ...] = ()
        if not closed:
            status = live_status(
                progress=objective.progress,
                expected=expected,
                started=objective.last_checkin_at is not None,
                thresholds=thresholds,
            )
        if key_results is not None:
            lines = tuple(
                KeyResultLine(
                    key_result=kr,
                    status=live_status(
                        progress=kr.progress,
                        expected=expected,
                        started=kr.last_checkin_at is not None,
                        confidence=kr.last_confidence,
                        thresholds=thresholds,
                    ),
                )
                for kr in key_results.get(objective.pk, ())
            )
        if closed:
            computed = (
                objective.computed_score
                if objective.computed_score is not None
                else score_of(objective.progress)
            )
            final: Decimal | None = objective.score if objective.score is not None else computed
        else:
            computed, final = score_of(objective.progress), None
        cards.append(
            Card(
                objective=objective,
                progress=clamped(objective.progress),
                status=status,
                key_results=lines,
                computed=computed,
                final=final,
                band=band(final if final is not None else computed, kind=Kind(objective.kind)),
                can_adjust=closed and can_adjust is not None and can_adjust(objective),
            )
        )
    return cards


def _group_key(objective: Objective | ObjectiveRow) -> str:
    if objective.owner_team_id is not None:
        return f"team-{objective.owner_team_id}"
    return f"person-{objective.owner_user_id}"


def _groups(
    objectives: Iterable[Objective | ObjectiveRow], *, teams: Sequence[Team]
) -> dict[str, Group]:
    """A group per team that owns objectives, in org-chart order, then one per person
    owning objectives, by name. Each group holds its own objectives."""
    order = org_chart_order(
        [TeamRow(id=team.pk, parent_id=team.parent_id, name=team.name) for team in teams]
    )
    by_id = {team.pk: team for team in teams}
    groups: dict[str, Group] = {
        f"team-{team_id}": Group(
            key=f"team-{team_id}", title=by_id[team_id].name, team=by_id[team_id], depth=depth
        )
        for team_id, depth in order
    }
    people: dict[str, Group] = {}
    for objective in objectives:
        key = _group_key(objective)
        group = groups.get(key) or people.get(key)
        if group is None:
            person = objective.owner_user
            group = Group(key=key, title=str(person), person=person)
            people[key] = group
        group.objectives.append(objective)
    ordered = {key: group for key, group in groups.items() if group.objectives}
    for key in sorted(people, key=lambda k: (people[k].title.casefold(), k)):
        ordered[key] = people[key]
    return ordered


def _with_summaries(groups: Iterable[Group]) -> None:
    for group in groups:
        group.summaries = summarize_scores(
            (card.shown, Kind(card.objective.kind)) for card in group.cards
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
            messages.success(request, f"{cycle.name} is ready for planning.")
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
            year, _ = okrs.cycle_create_quarters_for_year(
                organization=org, year=form.cleaned_data["year"], by=_user(request)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{year.name} and its four quarters are ready for planning.")
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
        messages.success(request, f"{cycle.name} is active: check-ins are open.")
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


def _tree_teams(org: Organization) -> list[Team]:
    """Every team, for the tree's groups: what the groups show of them, without their
    parents' rows (a thousand teams in a large company)."""
    return list(
        selectors.team_list(organization=org)
        .select_related(None)
        .only("id", "organization_id", "parent_id", "name", "slug", "kind")
    )


def _forest(
    org: Organization, cycle: Cycle, membership: Membership
) -> tuple[list[ObjectiveRow], Forest[ObjectiveRow]]:
    # Built from the objectives this person sees: a private one they may not see is
    # in no branch and no roll-up, and its children show as roots. Read as rows: the
    # page shows a few of the cycle's objectives in full (_with_cards reads those).
    objectives = selectors.cycle_objective_rows(
        organization=org, cycle=cycle, viewer=permissions.viewer_of(membership)
    )
    parents = selectors.cycle_alignment_parents(organization=org, cycle=cycle)
    forest = build_tree(
        [
            Row(
                id=objective.pk,
                item=objective,
                parent_ids=tuple(parents.get(objective.pk, ())),
                progress=objective.progress,
            )
            for objective in objectives
        ]
    )
    return objectives, forest


def _with_cards(
    lines: list[Line[ObjectiveRow]], *, org: Organization, cycle: Cycle, membership: Membership
) -> tuple[list[tuple[Line[ObjectiveRow], Card]], list[Objective]]:
    """Cards for the objectives on the page, read in full, with the key results of
    their full placements (a repeat shows only the objective)."""
    ids = {line.node.id for line in lines}
    found = {
        objective.pk: objective
        for objective in selectors.cycle_objectives(
            organization=org, cycle=cycle, viewer=permissions.viewer_of(membership), ids=ids
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
        for card in _cards(shown.values(), organization=org, cycle=cycle, key_results=key_results)
    }
    return [(line, cards[line.node.id]) for line in lines], list(shown.values())


def _tree_page(
    request: HttpRequest, *, org: Organization, membership: Membership, cycle: Cycle | None
) -> HttpResponse:
    cycles = list(selectors.cycle_list(organization=org))
    if cycle is None:
        return render(request, "web/tree.html", {"cycle": None, "cycles": cycles, "groups": []})
    objectives, forest = _forest(org, cycle, membership)
    groups = _groups(objectives, teams=_tree_teams(org))
    roots_by_group: dict[str, list[Node[ObjectiveRow]]] = {}
    for root in forest.roots:
        roots_by_group.setdefault(_group_key(root.item), []).append(root)
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
    with_cards, shown = _with_cards(lines, org=org, cycle=cycle, membership=membership)
    for group, start, end in spans:
        group.lines = with_cards[start:end]
    facts = TreeFacts(
        objectives=len(objectives),
        rollup=mean(clamped(objective.progress) for objective in objectives),
        aligned=sum(1 for node in forest.nodes.values() if node.parent_count),
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
            "signals": objective_signals(organization=org, objectives=shown),
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
    _, forest = _forest(org, cycle, membership)
    node = forest.nodes.get(objective_pk)
    if node is None:
        raise Http404("No such objective in this cycle.")
    if request.headers.get("HX-Request"):
        lines, shown = _with_cards(
            flatten(node.children, max_depth=0), org=org, cycle=cycle, membership=membership
        )
        return render(
            request,
            "web/_tree_lines.html",
            {
                "cycle": cycle,
                "lines": lines,
                "signals": objective_signals(organization=org, objectives=shown),
            },
        )
    lines, shown = _with_cards(
        flatten([node], max_depth=TREE_LEVELS_SHOWN), org=org, cycle=cycle, membership=membership
    )
    objective = next(o for o in shown if o.pk == node.id)
    branch = Group(
        key=f"branch-{objective.pk}",
        title=f"Below “{objective.title}”",
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
            "signals": objective_signals(organization=org, objectives=shown),
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
    objectives, forest = _forest(org, cycle, membership)
    roots = [root for root in forest.roots if _group_key(root.item) == key]
    if not roots:
        raise Http404("No objectives of this team are roots of the tree.")
    lines, shown = _with_cards(
        flatten(roots, max_depth=TREE_LEVELS_SHOWN), org=org, cycle=cycle, membership=membership
    )
    context: dict[str, Any] = {
        "cycle": cycle,
        "signals": objective_signals(organization=org, objectives=shown),
    }
    if request.headers.get("HX-Request"):
        return render(request, "web/_tree_lines.html", {**context, "lines": lines})
    group = _groups(objectives, teams=_tree_teams(org))[key]
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
    cards = _cards(objectives, organization=org, cycle=cycle, can_adjust=can_adjust)
    by_objective = {card.objective.pk: card for card in cards}
    groups = _groups(objectives, teams=list(selectors.team_list(organization=org)))
    for group in groups.values():
        group.cards = [by_objective[objective.pk] for objective in group.objectives]
    _with_summaries(groups.values())
    bands = {value: sum(1 for card in cards if card.band == value) for value in Band}
    return {
        "cycle": cycle,
        "groups": list(groups.values()),
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
        messages.info(request, f"{cycle.name} is already closed; here are its scores.")
        return redirect("cycle_review", pk=cycle.pk)
    if request.method == "POST":
        try:
            okrs.cycle_close(cycle=cycle, by=_user(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cycle_close", pk=cycle.pk)
        messages.success(
            request,
            f"{cycle.name} is closed and its scores are recorded. Owners can adjust a score "
            "with a reason.",
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
                messages.success(request, f"The score of “{objective}” is {objective.score}.")
                review = reverse("cycle_review", args=[cycle.pk])
                return redirect(f"{review}#objective-{objective.pk}")
        status = UNPROCESSABLE
    return render(
        request,
        "web/cycle_score.html",
        {"objective": objective, "cycle": cycle, "computed": computed, "form": form},
        status=status,
    )
