"""Objectives as the pages and reports show them: cards with their live status and
score, grouped by the team or person that owns them.

The cycle's tree and review pages, the strategic plan and the presentation build
their cards and groups here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone
from django.utils.functional import cached_property

from tandem.accounts.models import Organization, Team, User
from tandem.accounts.orgcache import TeamName
from tandem.domain.scoring import Band, Kind, band
from tandem.domain.scoring import score as score_of
from tandem.domain.status import Status, live_status
from tandem.okrs.models import Cycle, Objective
from tandem.okrs.selectors import KeyResultLineRow, ObjectiveRow, Owner
from tandem.okrs.tree import (
    KindSummaries,
    Line,
    TeamRow,
    clamped,
    mean,
    org_chart_order,
    summarize_scores,
)


class KeyResultLine(NamedTuple):
    """A key result as the tree shows it, with its live status (a tuple: six hundred a
    page)."""

    key_result: KeyResultLineRow
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
    team: Team | TeamName | None = None
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


def cards(
    objectives: Iterable[Objective],
    *,
    organization: Organization,
    cycle: Cycle,
    key_results: dict[int, list[KeyResultLineRow]] | None = None,
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
                        started=kr.started,
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


def group_key(objective: Objective | ObjectiveRow) -> str:
    if objective.owner_team_id is not None:
        return f"team-{objective.owner_team_id}"
    return f"person-{objective.owner_user_id}"


def groups(
    objectives: Iterable[Objective | ObjectiveRow],
    *,
    teams: Sequence[Team | TeamName],
    chart: Sequence[tuple[int, int]] | None = None,
) -> dict[str, Group]:
    """A group per team that owns objectives, in org-chart order, then one per person
    owning objectives, by name. Each group holds its own objectives. ``chart`` is
    :func:`org_chart_order` of ``teams`` when the caller has it already."""
    # The objectives by owner first: a large company has a thousand teams and a
    # cycle's objectives name a few hundred of them; only those get a group.
    owned: dict[str, list[Objective | ObjectiveRow]] = {}
    for objective in objectives:
        # group_key(), written out for the cycle's thousands of objectives.
        team_id = objective.owner_team_id
        key = f"team-{team_id}" if team_id is not None else f"person-{objective.owner_user_id}"
        owned.setdefault(key, []).append(objective)
    by_id = {team.pk: team for team in teams}
    ordered: dict[str, Group] = {}
    if chart is None:
        chart = org_chart_order(
            [TeamRow(id=team.pk, parent_id=team.parent_id, name=team.name) for team in teams]
        )
    for team_id, depth in chart:
        key = f"team-{team_id}"
        if key in owned:
            team = by_id[team_id]
            ordered[key] = Group(
                key=key, title=team.name, team=team, depth=depth, objectives=owned.pop(key)
            )
    people: dict[str, Group] = {}
    for key, owned_by in owned.items():
        # A team's objectives whose team is not in ``teams`` are shown as nobody's
        # group, as before: the person owning them, or no one.
        person = owned_by[0].owner_user
        people[key] = Group(key=key, title=str(person), person=person, objectives=owned_by)
    for key in sorted(people, key=lambda k: (people[k].title.casefold(), k)):
        ordered[key] = people[key]
    return ordered


def grouped_cards(
    objectives: Sequence[Objective],
    *,
    organization: Organization,
    cycle: Cycle,
    teams: Sequence[Team | TeamName],
    can_adjust: Callable[[Objective], bool] | None = None,
) -> tuple[list[Card], list[Group]]:
    """The objectives' cards, and their groups (:func:`groups`) holding those cards with
    each group's score summaries: the review, the review report and the presentation."""
    all_cards = cards(objectives, organization=organization, cycle=cycle, can_adjust=can_adjust)
    by_objective = {card.objective.pk: card for card in all_cards}
    grouped = list(groups(objectives, teams=teams).values())
    for group in grouped:
        group.cards = [by_objective[objective.pk] for objective in group.objectives]
        group.summaries = summarize_scores(
            (card.shown, Kind(card.objective.kind)) for card in group.cards
        )
    return all_cards, grouped
