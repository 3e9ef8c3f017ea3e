"""Every read of KPIs, scoped to an organisation, in a fixed number of queries.

The scorecard reads the KPIs, their tags, their targets, their measurements in the
window and their open promotions in five queries whatever the number of KPIs and
columns, and colours every cell with :mod:`tandem.domain.health`.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Literal, TypedDict, TypeVar, Unpack, overload

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import CharField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.shortcuts import get_object_or_404

from tandem.accounts.models import Organization, Team
from tandem.accounts.orgcache import TeamName
from tandem.domain import health as hm
from tandem.domain import kpi_rules
from tandem.domain import periods as pm
from tandem.integrations.models import DataSource
from tandem.kpis.models import (
    KPI,
    Aggregation,
    Frequency,
    KPITag,
    KPITarget,
    Measurement,
    ObjectiveKPI,
    Promotion,
)
from tandem.okrs.models import Cycle, Objective
from tandem.queries import decimal_reader, fetch, where

# Frequencies from the finest to the coarsest, to compare a KPI with a scorecard's columns.
_ORDER = [pm.Frequency.DAILY, pm.Frequency.WEEKLY, pm.Frequency.MONTHLY, pm.Frequency.QUARTERLY]


def calendar(organization: Organization) -> dict[str, int]:
    """The organisation's calendar, as keyword arguments for :mod:`tandem.domain.periods`."""
    return {
        "week_start": organization.week_start,
        "fiscal_year_start_month": organization.fiscal_year_start_month,
    }


def org_today(organization: Organization) -> dt.date:
    return organization.today()


def kpi_list(
    *,
    organization: Organization,
    team: Team | TeamName | None = None,
    tag: str | None = None,
    include_archived: bool = False,
    owner_team_id: int | None = None,
    owner_user_id: int | None = None,
    key: str | None = None,
) -> QuerySet[KPI]:
    """The organisation's active KPIs (archived ones too with ``include_archived``), each
    with its owners and tags; the other arguments are filters."""
    kpis = KPI.objects.filter(organization=organization).select_related(
        "owner_team", "owner_user", "organization"
    )
    if not include_archived:
        kpis = kpis.filter(is_active=True)
    if team is not None:
        kpis = kpis.filter(owner_team_id=team.pk)
    if tag:
        kpis = kpis.filter(tags__name=tag)
    kpis = where(kpis, owner_team_id=owner_team_id, owner_user_id=owner_user_id, key=key)
    return kpis.prefetch_related(Prefetch("tags", queryset=KPITag.objects.order_by("name")))


def kpi_get(*, organization: Organization, pk: int | str) -> KPI:
    return get_object_or_404(
        KPI.objects.select_related("owner_team", "owner_user", "organization"),
        organization=organization,
        pk=pk,
    )


def kpis_named(
    *, organization: Organization, keys: Iterable[str], ids: Iterable[int]
) -> QuerySet[KPI]:
    """The organisation's KPIs, archived ones too, whose key is one of ``keys`` or whose
    id is one of ``ids``: those a batch of values names."""
    return KPI.objects.filter(organization=organization).filter(Q(key__in=keys) | Q(pk__in=ids))


def tag_list(*, organization: Organization) -> QuerySet[KPITag]:
    return KPITag.objects.filter(organization=organization).order_by("name")


def measurement_list(
    *, kpi: KPI, since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[Measurement]:
    """The KPI's values, of the periods from ``since`` to ``until`` (both included)."""
    rows = Measurement.objects.filter(kpi=kpi)
    return where(rows, period_start__gte=since, period_start__lte=until)


def promotion_list(*, kpi: KPI) -> QuerySet[Promotion]:
    """The KPI's promotions to an OKR, the open one and those demoted since."""
    return Promotion.objects.filter(organization_id=kpi.organization_id, kpi=kpi)


def objective_kpi_list(*, objective: Objective) -> QuerySet[ObjectiveKPI]:
    """The KPIs linked to ``objective`` (read it through its selector first)."""
    return ObjectiveKPI.objects.filter(
        organization_id=objective.organization_id, objective=objective
    )


def objective_kpi_find(*, objective: Objective, kpi_id: int) -> ObjectiveKPI | None:
    """The link of KPI ``kpi_id`` to ``objective``, or None when they are not linked."""
    return (
        objective_kpi_list(objective=objective)
        .filter(kpi_id=kpi_id)
        .select_related("objective__organization", "kpi")
        .first()
    )


@dataclass(frozen=True, slots=True)
class Target:
    """A target's values, read as a tuple: the scorecard reads hundreds of targets to
    colour its cells and shows one per row, so it builds no model instance for them."""

    effective_from: dt.date
    target: Decimal | None
    yellow: Decimal | None
    low: Decimal | None
    high: Decimal | None
    tolerance: Decimal | None

    @property
    def thresholds(self) -> hm.Thresholds:
        return hm.Thresholds(
            target=self.target,
            yellow=self.yellow,
            low=self.low,
            high=self.high,
            tolerance=self.tolerance,
        )


# What a History needs of a target: a model instance (the KPI page) or its values.
TargetLike = KPITarget | Target
_TARGET_COLUMNS = ("kpi_id", "effective_from", "target", "yellow", "low", "high", "tolerance")


class History:
    """One KPI's targets and values, answering "what colour was period P?"."""

    def __init__(
        self, kpi: KPI | ShownKPI, targets: Sequence[TargetLike], values: dict[dt.date, Decimal]
    ) -> None:
        self.kpi = kpi
        self.targets = sorted(targets, key=_effective_from)
        self._starts = [t.effective_from for t in self.targets]
        self.values = values
        self.frequency = pm.Frequency(kpi.frequency)
        self.direction = hm.Direction(kpi.direction)
        # The colouring of each target (for sums of so many periods), worked out once:
        # a scorecard of 500 KPIs colours 6,500 cells against a few targets each.
        self._colourers: dict[tuple[int, int], Callable[[Decimal], hm.Health] | None] = {}

    def target_at(self, day: dt.date) -> TargetLike | None:
        """The target in force on ``day`` (the first one also covers earlier days)."""
        if not self.targets:
            return None
        index = bisect.bisect_right(self._starts, day) - 1
        return self.targets[max(index, 0)]

    def health_of(self, value: Decimal | None, day: dt.date, *, periods: int = 1) -> hm.Health:
        """The colour of ``value`` against the target in force on ``day``; ``periods`` is
        how many of the KPI's periods a summed ``value`` adds up."""
        if value is None or not self.targets:
            return hm.Health.NO_DATA
        colour = self._colourer(max(bisect.bisect_right(self._starts, day) - 1, 0), periods)
        return hm.Health.NO_DATA if colour is None else colour(value)

    def _colourer(self, index: int, periods: int) -> Callable[[Decimal], hm.Health] | None:
        """The colouring of the ``index``-th target for sums of ``periods`` periods."""
        key = (index, periods)
        try:
            return self._colourers[key]
        except KeyError:
            colour = _colourer(self.targets[index].thresholds, self.direction, periods)
            self._colourers[key] = colour
            return colour

    def own_cells(self, starts: Sequence[dt.date]) -> list[Cell]:
        """The cells of the KPI's own periods starting at ``starts`` (oldest first): each
        period's value and its colour. Where one target is in force over all of them
        (most rows) its colouring is looked up once, not once per cell."""
        values = self.values
        no_data = hm.Health.NO_DATA
        if not starts or not self.targets:
            return [Cell(start, values.get(start), no_data) for start in starts]
        first = max(bisect.bisect_right(self._starts, starts[0]) - 1, 0)
        if first != max(bisect.bisect_right(self._starts, starts[-1]) - 1, 0):
            return [
                Cell(start, value, self.health_of(value, start))
                for start in starts
                for value in (values.get(start),)
            ]
        colour = self._colourer(first, 1)
        if colour is None:
            return [Cell(start, values.get(start), no_data) for start in starts]
        return [
            Cell(start, value, no_data if value is None else colour(value))
            for start in starts
            for value in (values.get(start),)
        ]

    def health_at(self, start: dt.date) -> hm.Health:
        return self.health_of(self.values.get(start), start)

    def completed_healths(
        self, today: dt.date, count: int, calendar: dict[str, int], since: dt.date | None = None
    ) -> list[hm.Health]:
        """Colours of the ``count`` most recent completed periods (oldest first), or of
        every completed period from ``since`` on."""
        current = pm.period_start(self.frequency, today, **calendar)
        if since is not None:
            first = pm.period_start(self.frequency, since, **calendar)
            starts = pm.periods_between(self.frequency, first, current, **calendar)[:-1]
        else:
            starts = list(_last_n_periods(self.frequency, today, count + 1, **calendar)[:-1])
        return [cell.health for cell in self.own_cells(starts)]

    def current_health(self, today: dt.date, calendar: dict[str, int]) -> hm.Health:
        # The values are loaded for a window only; a KPI whose last value is older than
        # the window is stale, not without data, so fall back on the KPI's own record.
        latest = max(self.values) if self.values else self.kpi.latest_period
        if latest is None:
            return hm.Health.NO_DATA
        if hm.is_stale(self.frequency, latest, today, **calendar):
            return hm.Health.STALE
        return self.health_of(self.values.get(latest, self.kpi.latest_value), latest)


@functools.lru_cache(maxsize=8192)
def _colourer(
    thresholds: hm.Thresholds, direction: hm.Direction, periods: int
) -> Callable[[Decimal], hm.Health] | None:
    """The colouring of a target's thresholds (for sums of ``periods`` periods), or None
    when they cannot colour. Worked out once per process: thresholds change rarely, and
    a scorecard of 500 KPIs checks some 750 of them on every request."""
    if hm.threshold_errors(thresholds, direction):
        return None
    return hm.colourer(_times(thresholds, periods), direction)


def _effective_from(target: TargetLike) -> dt.date:
    return target.effective_from


def _times(thresholds: hm.Thresholds, periods: int) -> hm.Thresholds:
    """The thresholds for a sum of ``periods`` periods' values: 3 a week is 12 in four weeks."""
    if periods == 1:
        return thresholds
    scaled = {
        name: getattr(thresholds, name) * periods
        for name in ("target", "yellow", "low", "high", "tolerance", "zero_band")
        if getattr(thresholds, name) is not None
    }
    return dataclasses.replace(thresholds, **scaled)


@dataclass(slots=True)
class ShownKPI:
    """A KPI as the scorecard page shows it, read as one tuple with its owner's name and
    its pull's flag: the page shows 500 of them, and building a model instance for each
    and for its owner took a sixth of its time."""

    pk: int
    organization_id: int
    name: str
    owner_team_id: int | None
    owner_user_id: int | None
    owner_name: str
    unit: str
    currency: str
    direction: str
    frequency: str
    aggregation: str
    latest_period: dt.date | None
    latest_value: Decimal | None
    # "sync failed" or "stale" when its scheduled pull is unwell, else "".
    sync: str = ""

    @classmethod
    def of(cls, kpi: KPI) -> ShownKPI:
        return cls(
            pk=kpi.pk,
            organization_id=kpi.organization_id,
            name=kpi.name,
            owner_team_id=kpi.owner_team_id,
            owner_user_id=kpi.owner_user_id,
            owner_name=kpi.owner_name,
            unit=kpi.unit,
            currency=kpi.currency,
            direction=kpi.direction,
            frequency=kpi.frequency,
            aggregation=kpi.aggregation,
            latest_period=kpi.latest_period,
            latest_value=kpi.latest_value,
            sync=_sync_flag(kpi),
        )

    def get_frequency_display(self) -> str:
        return str(Frequency(self.frequency).label)

    def get_aggregation_display(self) -> str:
        return str(Aggregation(self.aggregation).label)

    def __str__(self) -> str:
        return self.name


# What a scorecard's rows hold: the KPI (the exports, the API, the health page) or what
# the page shows of it.
K = TypeVar("K", KPI, ShownKPI)


@dataclass
class Cell:
    start: dt.date
    value: Decimal | None
    health: hm.Health
    # False where the KPI is measured less often than the columns and owes no value here.
    expected: bool = True


@dataclass
class Row(Generic[K]):
    kpi: K
    cells: list[Cell]
    target: TargetLike | None
    health: hm.Health
    promote: bool = False
    open_promotion: Promotion | None = None
    demote: bool = False
    # "sync failed" or "stale" when the KPI's scheduled pull is unwell (tandem.integrations).
    sync: str = ""

    @property
    def sparkline(self) -> list[Decimal | None]:
        return [cell.value for cell in self.cells]


@dataclass
class Scorecard(Generic[K]):
    granularity: pm.Frequency
    columns: list[dt.date]
    labels: list[str]
    rows: list[Row[K]] = field(default_factory=list)
    # With ``own_cadence``: the KPIs measured less often than the columns, one board per
    # frequency in its own periods (a monthly KPI over months, not over weeks).
    sections: list[Scorecard[K]] = field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _last_n_periods(
    frequency: pm.Frequency, day: dt.date, count: int, week_start: int, fiscal_year_start_month: int
) -> tuple[dt.date, ...]:
    """``pm.last_n_periods``, worked out once per frequency rather than once per KPI."""
    return tuple(
        pm.last_n_periods(
            frequency,
            day,
            count,
            week_start=week_start,
            fiscal_year_start_month=fiscal_year_start_month,
        )
    )


def _sync_flag(kpi: KPI | ShownKPI) -> str:
    if isinstance(kpi, ShownKPI):
        return kpi.sync
    try:
        return kpi.data_source.flag
    except ObjectDoesNotExist:  # no scheduled pull: values come in by hand or by import
        return ""


def _coarser(a: pm.Frequency, b: pm.Frequency) -> bool:
    return _ORDER.index(a) > _ORDER.index(b)


def load_histories(
    kpis: Iterable[KPI | ShownKPI],
    *,
    since: dt.date | dict[int, dt.date],
    organization: Organization,
) -> dict[int, History]:
    """Targets (one query) and measurements from ``since`` on (one query) for ``kpis``.

    ``since`` is one day for every KPI, or a day per KPI id (KPIs measured over
    different periods need different windows; one query still reads them all).
    Both are read as tuples: a 500-KPI scorecard reads some 7,000 values.
    """
    kpi_list_ = [k for k in kpis if k.organization_id == organization.pk]
    ids = [k.pk for k in kpi_list_]
    targets: dict[int, list[TargetLike]] = defaultdict(list)
    for kpi_id, effective_from, *thresholds in fetch(
        KPITarget.objects.filter(organization=organization, kpi_id__in=ids)
        .order_by()
        .values_list(*_TARGET_COLUMNS)
    ):
        targets[kpi_id].append(Target(effective_from, *map(_maybe_decimal, thresholds)))
    values: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    # ``kpis`` are this organisation's already; an organisation filter here would lead
    # SQLite to walk all its measurements instead of the (kpi, period_start) index.
    if isinstance(since, dt.date):
        window = Q(kpi_id__in=ids, period_start__gte=since)
    else:
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for pk in ids:
            by_day[since[pk]].append(pk)
        windows = [Q(kpi_id__in=day_ids, period_start__gte=day) for day, day_ids in by_day.items()]
        window = functools.reduce(operator.or_, windows, Q(kpi_id__in=[]))
    # In no order: the measurements' own (by KPI name) would join the KPIs to sort them.
    rows = fetch(
        Measurement.objects.filter(window).order_by().values_list("kpi_id", "period_start", "value")
    )
    for kpi_id, start, value in rows:
        values[kpi_id][start] = _decimal(value)
    return {k.pk: History(k, targets[k.pk], values[k.pk]) for k in kpi_list_}


# The KPI values' decimal columns (a value, a target's thresholds) are all alike.
_maybe_decimal = decimal_reader(Measurement._meta.get_field("value"))


def _decimal(value: Any) -> Decimal:
    number = _maybe_decimal(value)
    assert number is not None  # a measurement's value is never null
    return number


def open_promotions(*, organization: Organization, kpi_ids: Iterable[int]) -> dict[int, Promotion]:
    promotions = Promotion.objects.filter(
        organization=organization, kpi_id__in=list(kpi_ids), demoted_at__isnull=True
    ).select_related("objective__cycle")
    return {p.kpi_id: p for p in promotions}


def _lookback_start(
    kpis: Sequence[KPI | ShownKPI],
    today: dt.date,
    organization: Organization,
    promotions: dict[int, Promotion],
    calendar_: dict[str, int],
) -> dt.date:
    """How far back measurements are needed for the promotion and demotion rules."""
    earliest = today
    red = organization.promote_after_red_periods
    for kpi in kpis:
        frequency = pm.Frequency(kpi.frequency)
        starts = _last_n_periods(frequency, today, red + 1, **calendar_)
        earliest = min(earliest, starts[0])
        promotion = promotions.get(kpi.pk)
        if promotion is not None:
            earliest = min(earliest, promotion.objective.cycle.end_date)
    return earliest


def _rules(
    row: Row,
    history: History,
    today: dt.date,
    organization: Organization,
    promotion: Promotion | None,
    calendar_: dict[str, int],
    recent: list[hm.Health] | None = None,
) -> None:
    """Promotion and demotion hints. ``recent``: the colours of the last completed
    periods the promotion rule reads, when the row's cells already hold them."""
    row.open_promotion = promotion
    red_run = recent
    if red_run is None:
        red_run = history.completed_healths(
            today, organization.promote_after_red_periods, calendar_
        )
    row.promote = kpi_rules.should_promote(
        red_run,
        red_periods=organization.promote_after_red_periods,
        already_promoted=promotion is not None,
    )
    if promotion is not None:
        cycle = promotion.objective.cycle
        # Only periods that start after the cycle count: a week holding its last days
        # may owe its colour to the OKR's final push.
        after = cycle.end_date + dt.timedelta(days=1)
        first = pm.period_start(history.frequency, after, **calendar_)
        if first < after:
            first = pm.next_period(history.frequency, after, **calendar_)
        since_end = (
            history.completed_healths(today, 0, calendar_, since=first) if first <= today else []
        )
        row.demote = kpi_rules.should_demote(
            since_end,
            green_periods=organization.demote_after_green_periods,
            promoted=True,
            cycle_closed=cycle.state == Cycle.State.CLOSED,
        )


# What the scorecard page shows of a KPI (ShownKPI's fields), read as tuples, then its
# scheduled pull's state, from which the flag is worked out.
_SHOWN_KPI_COLUMNS = (
    "id",
    "organization_id",
    "name",
    "owner_team_id",
    "owner_user_id",
    "shown_owner",
    "unit",
    "currency",
    "direction",
    "frequency",
    "aggregation",
    "latest_period",
    "latest_value",
)
_PULL_COLUMNS = (
    "data_source__id",
    "data_source__is_active",
    "data_source__last_status",
    "data_source__last_success_at",
    "data_source__created_at",
    "data_source__interval_minutes",
    "data_source__stale_after_minutes",
)


def _shown_kpis(kpis: QuerySet[KPI]) -> list[ShownKPI]:
    """The page's KPIs in one query, each with its owner's name as ``str(owner)`` has it
    (a team's name, a person's full name or else e-mail) and its pull's flag."""
    owner = Coalesce(
        "owner_team__name",
        NullIf("owner_user__full_name", Value("")),
        "owner_user__email",
        Value(""),
        output_field=CharField(),
    )
    shown = []
    for *fields, pull_id, active, status, success, created, interval, stale in kpis.annotate(
        shown_owner=owner
    ).values_list(*_SHOWN_KPI_COLUMNS, *_PULL_COLUMNS):
        kpi = ShownKPI(*fields)
        if pull_id is not None:
            kpi.sync = DataSource(
                id=pull_id,
                kpi_id=kpi.pk,
                is_active=active,
                last_status=status,
                last_success_at=success,
                created_at=created,
                interval_minutes=interval,
                stale_after_minutes=stale,
            ).flag
        shown.append(kpi)
    return shown


class ScorecardOptions(TypedDict, total=False):
    """What :func:`scorecard` takes besides the organisation and ``with_tags``."""

    granularity: pm.Frequency | str
    periods: int
    team: Team | TeamName | None
    tag: str | None
    today: dt.date | None
    own_cadence: bool


@overload
def scorecard(
    *,
    organization: Organization,
    with_tags: Literal[True] = ...,
    **options: Unpack[ScorecardOptions],
) -> Scorecard[KPI]: ...


@overload
def scorecard(
    *, organization: Organization, with_tags: Literal[False], **options: Unpack[ScorecardOptions]
) -> Scorecard[ShownKPI]: ...


def scorecard(
    *,
    organization: Organization,
    granularity: pm.Frequency | str = pm.Frequency.WEEKLY,
    periods: int = 13,
    team: Team | TeamName | None = None,
    tag: str | None = None,
    today: dt.date | None = None,
    with_tags: bool = True,
    own_cadence: bool = False,
) -> Scorecard[Any]:
    """KPIs as rows, the last ``periods`` periods as columns, each cell coloured by health.

    ``with_tags=False`` leaves each KPI's tags unread (the page shows none; the exports do)
    and gives each row a :class:`ShownKPI`, what the page shows of it, instead of the KPI.

    A KPI measured more often than the columns is rolled up with its aggregation (weeks
    into a month). One measured less often shows its value in the column where its
    period starts and owes nothing in the others; with ``own_cadence`` it is left out
    of ``rows`` and shown instead in ``sections``, a board per frequency over the last
    ``periods`` of its own periods. The queries are the same either way.
    """
    granularity = pm.Frequency(granularity)
    day = today or org_today(organization)
    cal = calendar(organization)
    columns = pm.last_n_periods(granularity, day, periods, **cal)
    labels = [pm.period_label(granularity, start, **cal) for start in columns]
    # The pull's status rides on the KPIs' query (a join), not one query per row. The
    # organisation is known: joining it would build one copy of it per KPI.
    kpis_ = (
        kpi_list(organization=organization, team=team, tag=tag)
        .select_related(None)
        .select_related("owner_team", "owner_user", "data_source")
    )
    kpis: list[Any]
    if with_tags:
        kpis = list(kpis_)
        for kpi in kpis:
            kpi.organization = organization
    else:
        # The page reads what its rows show as tuples: no tags (prefetching built a
        # queryset per KPI), no model instances, no column it does not show.
        kpis = _shown_kpis(kpis_.select_related(None).prefetch_related(None))
    board: Scorecard[Any] = Scorecard(granularity=granularity, columns=columns, labels=labels)
    boards = {granularity: board}
    board_of: dict[int, Scorecard[Any]] = {}
    for kpi in kpis:
        frequency = pm.Frequency(kpi.frequency)
        if own_cadence and _coarser(frequency, granularity):
            if frequency not in boards:
                own = pm.last_n_periods(frequency, day, periods, **cal)
                boards[frequency] = Scorecard(
                    granularity=frequency,
                    columns=own,
                    labels=[pm.period_label(frequency, start, **cal) for start in own],
                )
            board_of[kpi.pk] = boards[frequency]
        else:
            board_of[kpi.pk] = board
    promotions = open_promotions(organization=organization, kpi_ids=[k.pk for k in kpis])
    lookback = _lookback_start(kpis, day, organization, promotions, cal)
    since: dt.date | dict[int, dt.date] = min(columns[0], lookback)
    if len(boards) > 1:
        # Months of a monthly KPI go further back than weeks: a window per board, so the
        # weekly KPIs' values are not read over a year.
        since = {
            k.pk: min(
                board_of[k.pk].columns[0], _lookback_start([k], day, organization, promotions, cal)
            )
            for k in kpis
        }
    histories = load_histories(kpis, since=since, organization=organization)
    red = organization.promote_after_red_periods
    for kpi in kpis:
        history = histories[kpi.pk]
        shown = board_of[kpi.pk]
        recent = None
        if history.frequency == shown.granularity:
            # The KPI's own periods (most rows): a value and its colour, nothing to add up.
            cells = history.own_cells(shown.columns)
            if len(cells) > red:
                # The columns end with the current period: the promotion rule's completed
                # periods are the ones before it.
                recent = [cell.health for cell in cells[-(red + 1) : -1]]
        else:
            cells = [
                _cell(history, shown.granularity, start, cal, today=day) for start in shown.columns
            ]
        row = Row(
            kpi=kpi,
            cells=cells,
            target=history.target_at(day),
            health=history.current_health(day, cal),
            sync=_sync_flag(kpi),
        )
        _rules(row, history, day, organization, promotions.get(kpi.pk), cal, recent)
        shown.rows.append(row)
    board.sections = [boards[f] for f in _ORDER if f in boards and f != granularity]
    return board


def _cell(
    history: History,
    granularity: pm.Frequency,
    start: dt.date,
    cal: dict[str, int],
    *,
    today: dt.date | None = None,
) -> Cell:
    """The cell of ``history``'s KPI in the column starting at ``start``.

    A KPI's periods belong to the column they start in. A sum over several of them is
    coloured against the target of one period times the periods that have begun (all
    of them, without ``today``), so a month of weekly sales is not green for a week's
    target, nor red before its last weeks have come.
    """
    frequency = history.frequency
    if frequency == granularity:
        return Cell(start=start, value=history.values.get(start), health=history.health_at(start))
    end = pm.period_end(granularity, start, **cal)
    if _coarser(frequency, granularity):
        # At most one of the KPI's longer periods starts inside this column: the one
        # holding the column's last day, if it starts on or after the column's first.
        own_start = pm.period_start(frequency, end, **cal)
        if own_start < start:
            return Cell(start=start, value=None, health=hm.Health.NO_DATA, expected=False)
        value = history.values.get(own_start)
        return Cell(start=start, value=value, health=history.health_of(value, own_start))
    inside = sorted((s, v) for s, v in history.values.items() if start <= s <= end)
    how = hm.Aggregation(history.kpi.aggregation)
    value = hm.aggregate([v for _, v in inside], how)
    periods = 1
    if how is hm.Aggregation.SUM:
        last = end if today is None else min(end, today)
        periods = max(1, sum(s >= start for s in pm.periods_between(frequency, start, last, **cal)))
    return Cell(start=start, value=value, health=history.health_of(value, start, periods=periods))


def kpi_detail(*, kpi: KPI, periods: int = 52, today: dt.date | None = None) -> dict[str, Any]:
    """What the KPI page shows: its history with colours, targets, corrections, links."""
    organization = kpi.organization
    day = today or org_today(organization)
    cal = calendar(organization)
    frequency = pm.Frequency(kpi.frequency)
    columns = pm.last_n_periods(frequency, day, periods, **cal)
    promotions = open_promotions(organization=organization, kpi_ids=[kpi.pk])
    since = min(columns[0], _lookback_start([kpi], day, organization, promotions, cal))
    history = load_histories([kpi], since=since, organization=organization)[kpi.pk]
    row = Row(
        kpi=kpi,
        cells=[_cell(history, frequency, s, cal) for s in columns],
        target=history.target_at(day),
        health=history.current_health(day, cal),
    )
    _rules(row, history, day, organization, promotions.get(kpi.pk), cal)
    measurements = list(
        kpi.measurements.filter(period_start__gte=columns[0])
        .select_related("recorded_by")
        .prefetch_related("revisions__recorded_by")
        .order_by("-period_start")
    )
    return {
        "row": row,
        "labels": [pm.period_label(frequency, s, **cal) for s in columns],
        "measurements": measurements,
        "targets": history.targets,
        "key_results": list(
            kpi.key_results.select_related(
                "objective__cycle", "objective__owner_team", "objective__owner_user"
            )
        ),
        "objective_links": list(
            kpi.objective_links.select_related(
                "objective__cycle", "objective__owner_team", "objective__owner_user"
            )
        ),
        "promotions": list(
            kpi.promotions.select_related("objective__cycle", "promoted_by", "demoted_by")
        ),
    }


def scorecard_row(
    *,
    kpi: KPI,
    granularity: pm.Frequency | str | None = None,
    periods: int = 13,
    today: dt.date | None = None,
) -> Scorecard[ShownKPI]:
    """One KPI's row of the scorecard, as :func:`scorecard` draws it, in three queries.

    The scorecard redraws a row after a value is entered in one of its cells, so that
    the cell's colour, the current health and the trend change without reloading the
    page. The columns are the KPI's own periods unless ``granularity`` says otherwise.
    """
    organization = kpi.organization
    granularity = pm.Frequency(granularity or kpi.frequency)
    day = today or org_today(organization)
    cal = calendar(organization)
    columns = pm.last_n_periods(granularity, day, periods, **cal)
    board: Scorecard[ShownKPI] = Scorecard(
        granularity=granularity,
        columns=columns,
        labels=[pm.period_label(granularity, start, **cal) for start in columns],
    )
    promotions = open_promotions(organization=organization, kpi_ids=[kpi.pk])
    since = min(columns[0], _lookback_start([kpi], day, organization, promotions, cal))
    history = load_histories([kpi], since=since, organization=organization)[kpi.pk]
    shown = ShownKPI.of(kpi)
    row = Row(
        kpi=shown,
        cells=[_cell(history, granularity, start, cal) for start in columns],
        target=history.target_at(day),
        health=history.current_health(day, cal),
        sync=shown.sync,
    )
    _rules(row, history, day, organization, promotions.get(kpi.pk), cal)
    board.rows.append(row)
    return board
