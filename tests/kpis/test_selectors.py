"""KPI selectors against a real database: the scorecard's columns, roll-ups and colours,
current health and staleness, promotion and demotion suggestions, filters, scoping and
the number of queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from tandem.domain.health import Health
from tandem.domain.periods import Frequency
from tandem.kpis import selectors, services
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tests.conftest import Cast
from tests.kpis.conftest import TODAY, make_kpi, record, weeks_from

D = Decimal
# Weeks of May 2026, by their Monday: each starts in May (the week of 27 April is April's).
MAY_WEEKS = weeks_from(dt.date(2026, 5, 4), 4)


def only_row(board: selectors.Scorecard, kpi: KPI) -> selectors.Row:
    [row] = [r for r in board.rows if r.kpi == kpi]
    return row


def cell_at(row: selectors.Row, start: dt.date) -> selectors.Cell:
    [cell] = [c for c in row.cells if c.start == start]
    return cell


# -- columns and roll-ups ---------------------------------------------------------------


def test_weekly_columns_are_the_last_weeks_up_to_the_current_one(cast: Cast):
    make_kpi(cast)
    board = selectors.scorecard(organization=cast.org, periods=3, today=TODAY)
    assert board.granularity == Frequency.WEEKLY
    assert board.columns == [dt.date(2026, 5, 25), dt.date(2026, 6, 1), dt.date(2026, 6, 8)]
    assert board.labels == ["2026-W22", "2026-W23", "2026-W24"]


@pytest.mark.parametrize(
    ("aggregation", "value"),
    [("sum", D(21)), ("average", D("5.25")), ("last", D(3)), ("min", D(3)), ("max", D(8))],
)
def test_a_monthly_scorecard_rolls_weekly_values_up_with_the_kpis_aggregation(
    cast: Cast, aggregation: str, value: Decimal
):
    kpi = make_kpi(cast, aggregation=aggregation, target=None, yellow=None)
    record(kpi, dt.date(2026, 4, 27), "100")  # starts in April: April's week
    for start, amount in zip(MAY_WEEKS, ["4", "8", "6", "3"], strict=True):
        record(kpi, start, amount)
    board = selectors.scorecard(
        organization=cast.org, granularity="monthly", periods=3, today=TODAY
    )
    assert board.columns == [dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)]
    assert board.labels == ["Apr 2026", "May 2026", "Jun 2026"]
    row = only_row(board, kpi)
    assert [c.value for c in row.cells] == [D(100), value, None]
    assert all(c.expected for c in row.cells)


@pytest.mark.parametrize(
    ("aggregation", "value"),
    [("sum", D(30)), ("average", D(6)), ("last", D(2)), ("min", D(2)), ("max", D(12))],
)
def test_a_quarterly_scorecard_rolls_weekly_values_up_with_the_kpis_aggregation(
    cast: Cast, aggregation: str, value: Decimal
):
    kpi = make_kpi(cast, aggregation=aggregation, target=None, yellow=None)
    values = ["12", "4", "6", "6", "2"]
    weeks = [
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 2),
        dt.date(2026, 3, 2),
        *weeks_from(dt.date(2026, 3, 23), 2),
    ]
    for start, amount in zip(weeks, values, strict=True):
        record(kpi, start, amount)
    record(kpi, dt.date(2026, 4, 6), "50")
    board = selectors.scorecard(
        organization=cast.org, granularity="quarterly", periods=2, today=TODAY
    )
    assert board.columns == [dt.date(2026, 1, 1), dt.date(2026, 4, 1)]
    assert board.labels == ["Q1 2026", "Q2 2026"]
    row = only_row(board, kpi)
    assert row.cells[0].value == value
    assert row.cells[1].value == D(50)


def test_quarterly_columns_follow_the_fiscal_year(cast: Cast):
    cast.org.fiscal_year_start_month = 4
    cast.org.save()
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY, aggregation="sum", target=None, yellow=None)
    for month, amount in [(3, "1"), (4, "2"), (5, "3"), (6, "4")]:
        record(kpi, dt.date(2026, month, 1), amount)
    board = selectors.scorecard(
        organization=cast.org, granularity="quarterly", periods=2, today=TODAY
    )
    assert board.columns == [dt.date(2026, 1, 1), dt.date(2026, 4, 1)]
    assert board.labels == ["FY2026 Q4", "FY2027 Q1"]
    assert [c.value for c in only_row(board, kpi).cells] == [D(1), D(9)]


def test_a_monthly_sum_is_coloured_against_the_weekly_target_for_every_week(cast: Cast):
    # 3 accounts a week is 12 in a four-week month: 11 is short of it, not far above 3.
    kpi = make_kpi(cast, target="3", yellow="2", aggregation="sum")
    for start in MAY_WEEKS:
        record(kpi, start, "3")
    record(kpi, MAY_WEEKS[-1], "2")
    board = selectors.scorecard(
        organization=cast.org, granularity="monthly", periods=2, today=TODAY
    )
    may = only_row(board, kpi).cells[0]
    assert (may.value, may.health) == (D(11), Health.YELLOW)
    record(kpi, MAY_WEEKS[-1], "3")
    board = selectors.scorecard(
        organization=cast.org, granularity="monthly", periods=2, today=TODAY
    )
    assert only_row(board, kpi).cells[0].health == Health.GREEN


def test_the_running_month_sum_is_coloured_for_the_weeks_begun_so_far(cast: Cast):
    kpi = make_kpi(cast, target="3", yellow="2", aggregation="sum")
    for start in weeks_from(dt.date(2026, 6, 1), 2):
        record(kpi, start, "3")
    board = selectors.scorecard(
        organization=cast.org, granularity="monthly", periods=2, today=TODAY
    )
    june = only_row(board, kpi).cells[-1]
    assert (june.value, june.health) == (D(6), Health.GREEN)


def test_a_monthly_average_is_coloured_against_the_weekly_target(cast: Cast):
    kpi = make_kpi(cast, target="10", yellow="8", aggregation="average")
    for start, amount in zip(MAY_WEEKS, ["12", "9", "9", "10"], strict=True):
        record(kpi, start, amount)
    board = selectors.scorecard(
        organization=cast.org, granularity="monthly", periods=2, today=TODAY
    )
    may = only_row(board, kpi).cells[0]
    assert (may.value, may.health) == (D(10), Health.GREEN)


def test_a_monthly_kpi_on_a_weekly_scorecard_shows_in_the_week_its_month_starts(cast: Cast):
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY, target="10", yellow="8")
    record(kpi, dt.date(2026, 5, 1), "9")  # a Friday, in the week of Monday 27 April
    record(kpi, dt.date(2026, 6, 1), "11")  # a Monday
    board = selectors.scorecard(organization=cast.org, periods=8, today=TODAY)
    assert board.columns == weeks_from(dt.date(2026, 4, 20), 8)
    row = only_row(board, kpi)
    shown = {c.start: (c.value, c.health) for c in row.cells if c.expected}
    assert shown == {
        dt.date(2026, 4, 27): (D(9), Health.YELLOW),
        dt.date(2026, 6, 1): (D(11), Health.GREEN),
    }
    for cell in row.cells:
        if not cell.expected:
            assert (cell.value, cell.health) == (None, Health.NO_DATA)
    assert row.health == Health.GREEN


def test_a_monthly_kpi_without_its_value_yet_owes_it_in_that_week(cast: Cast):
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY)
    board = selectors.scorecard(organization=cast.org, periods=8, today=TODAY)
    april = cell_at(only_row(board, kpi), dt.date(2026, 4, 27))
    assert (april.expected, april.value, april.health) == (True, None, Health.NO_DATA)


def test_a_monthly_kpi_on_a_sunday_weekly_scorecard_shows_in_the_week_its_month_starts(
    cast: Cast,
):
    cast.org.week_start = 7
    cast.org.save()
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY)
    record(kpi, dt.date(2026, 5, 1), "9")
    board = selectors.scorecard(organization=cast.org, periods=8, today=TODAY)
    assert board.columns[-1] == dt.date(2026, 6, 14)
    shown = [c.start for c in only_row(board, kpi).cells if c.value is not None]
    assert shown == [dt.date(2026, 4, 26)]


def test_cells_are_coloured_by_direction_with_a_default_band_when_only_a_target_is_given(
    cast: Cast,
):
    sales = make_kpi(cast, name="Sales", target="200", yellow=None)
    defects = make_kpi(cast, name="Defects", target="50", yellow=None, direction="lower_is_better")
    stock = make_kpi(
        cast,
        name="Stock",
        direction="within_range",
        target=None,
        yellow=None,
        low="20",
        high="30",
    )
    weeks = weeks_from(dt.date(2026, 5, 18), 3)
    for kpi, values in [
        (sales, ["200", "185", "175"]),
        (defects, ["50", "55", "56"]),
        (stock, ["25", "31", "35"]),
    ]:
        for start, value in zip(weeks, values, strict=True):
            record(kpi, start, value)
    board = selectors.scorecard(organization=cast.org, periods=3, today=weeks[-1])
    for kpi in (sales, defects, stock):
        assert [c.health for c in only_row(board, kpi).cells] == [
            Health.GREEN,
            Health.YELLOW,
            Health.RED,
        ]


# -- current health ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weeks_ago", "health"),
    [(0, Health.RED), (1, Health.RED), (2, Health.RED), (3, Health.STALE), (20, Health.STALE)],
)
def test_current_health_is_stale_once_two_weeks_are_missing(
    cast: Cast, weeks_ago: int, health: Health
):
    kpi = make_kpi(cast)
    record(kpi, dt.date(2026, 6, 8) - dt.timedelta(weeks=weeks_ago), "1")
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).health == health


def test_current_health_without_any_value_is_no_data(cast: Cast):
    kpi = make_kpi(cast)
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).health == Health.NO_DATA


def test_a_monthly_kpi_is_not_stale_a_few_weeks_after_its_last_value(cast: Cast):
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY, target="10", yellow="8")
    record(kpi, dt.date(2026, 5, 1), "12")
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).health == Health.GREEN


# -- promotion and demotion suggestions -------------------------------------------------


def red_weeks(kpi: KPI, weeks: list[dt.date]) -> None:
    for start in weeks:
        record(kpi, start, "1")


def test_promote_is_suggested_after_three_red_completed_weeks(cast: Cast):
    kpi = make_kpi(cast)
    red_weeks(kpi, weeks_from(dt.date(2026, 5, 18), 3))
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    row = only_row(board, kpi)
    assert row.promote is True
    assert row.open_promotion is None


def test_the_running_week_does_not_count_towards_promotion(cast: Cast):
    kpi = make_kpi(cast)
    red_weeks(kpi, weeks_from(dt.date(2026, 5, 25), 3))  # the last one is this week
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).promote is False


def test_a_week_without_a_value_breaks_the_red_run(cast: Cast):
    kpi = make_kpi(cast)
    red_weeks(kpi, [dt.date(2026, 5, 11), dt.date(2026, 5, 18), dt.date(2026, 6, 1)])
    board = selectors.scorecard(organization=cast.org, periods=6, today=TODAY)
    assert only_row(board, kpi).promote is False


def test_promotion_follows_the_organisations_red_periods_setting(cast: Cast):
    kpi = make_kpi(cast)
    red_weeks(kpi, weeks_from(dt.date(2026, 5, 25), 2))
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).promote is False
    cast.org.promote_after_red_periods = 2
    cast.org.save()
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).promote is True


def test_a_monthly_kpi_is_promoted_after_three_red_months(cast: Cast):
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY)
    for month in (3, 4, 5):
        record(kpi, dt.date(2026, month, 1), "1")
    board = selectors.scorecard(organization=cast.org, periods=4, today=TODAY)
    assert only_row(board, kpi).promote is True


@pytest.fixture
def promoted(cast: Cast, q1: Cycle) -> KPI:
    """A KPI red for three weeks of Q1 2026 (which ends on Tuesday 31 March), promoted
    into it."""
    kpi = make_kpi(cast)
    red_weeks(kpi, weeks_from(dt.date(2026, 3, 2), 3))
    services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    return kpi


def green_weeks(kpi: KPI, weeks: list[dt.date]) -> None:
    for start in weeks:
        record(kpi, start, "12")


def test_a_promoted_kpi_is_not_suggested_for_promotion_again(cast: Cast, promoted: KPI):
    board = selectors.scorecard(organization=cast.org, periods=4, today=dt.date(2026, 3, 25))
    row = only_row(board, promoted)
    assert row.promote is False
    assert row.open_promotion is not None
    assert row.open_promotion.kpi == promoted


def test_demote_is_suggested_after_four_green_weeks_once_the_cycle_closed(
    cast: Cast, promoted: KPI, q1: Cycle
):
    green_weeks(promoted, weeks_from(dt.date(2026, 4, 6), 4))
    day = dt.date(2026, 5, 4)
    board = selectors.scorecard(organization=cast.org, periods=4, today=day)
    assert only_row(board, promoted).demote is False  # the cycle is still open
    okrs.cycle_close(cycle=q1, by=cast.owner)
    board = selectors.scorecard(organization=cast.org, periods=4, today=day)
    row = only_row(board, promoted)
    assert row.demote is True
    assert row.promote is False


def test_green_weeks_that_began_during_the_cycle_do_not_count_towards_demotion(
    cast: Cast, promoted: KPI, q1: Cycle
):
    # The week of Monday 30 March holds the cycle's last two days.
    green_weeks(promoted, weeks_from(dt.date(2026, 3, 16), 7))
    okrs.cycle_close(cycle=q1, by=cast.owner)
    board = selectors.scorecard(organization=cast.org, periods=4, today=dt.date(2026, 4, 27))
    assert only_row(board, promoted).demote is False
    board = selectors.scorecard(organization=cast.org, periods=4, today=dt.date(2026, 5, 4))
    assert only_row(board, promoted).demote is True


def test_demotion_follows_the_organisations_green_periods_setting(
    cast: Cast, promoted: KPI, q1: Cycle
):
    green_weeks(promoted, weeks_from(dt.date(2026, 4, 6), 2))
    okrs.cycle_close(cycle=q1, by=cast.owner)
    day = dt.date(2026, 4, 20)
    assert (
        only_row(selectors.scorecard(organization=cast.org, periods=4, today=day), promoted).demote
        is False
    )
    cast.org.demote_after_green_periods = 2
    cast.org.save()
    assert (
        only_row(selectors.scorecard(organization=cast.org, periods=4, today=day), promoted).demote
        is True
    )


def test_a_yellow_week_after_the_cycle_restarts_the_green_run(cast: Cast, promoted: KPI, q1: Cycle):
    green_weeks(promoted, weeks_from(dt.date(2026, 4, 6), 5))
    record(promoted, dt.date(2026, 4, 20), "9")
    okrs.cycle_close(cycle=q1, by=cast.owner)
    board = selectors.scorecard(organization=cast.org, periods=4, today=dt.date(2026, 5, 11))
    assert only_row(board, promoted).demote is False


def test_a_demoted_kpi_is_neither_promoted_nor_demoted(cast: Cast, promoted: KPI, q1: Cycle):
    green_weeks(promoted, weeks_from(dt.date(2026, 4, 6), 4))
    okrs.cycle_close(cycle=q1, by=cast.owner)
    services.kpi_demote(promotion=promoted.promotions.get(), by=cast.admin)
    row = only_row(
        selectors.scorecard(organization=cast.org, periods=4, today=dt.date(2026, 5, 4)),
        promoted,
    )
    assert (row.promote, row.demote, row.open_promotion) == (False, False, None)


# -- filters and scope ------------------------------------------------------------------


def test_the_scorecard_filters_by_team_and_by_tag(cast: Cast):
    sales = make_kpi(cast, name="Sales", tags=["Growth"])
    margin = make_kpi(cast, name="Margin", owner_team=cast.company, tags=["Profitability"])
    people = make_kpi(
        cast, name="Attrition", owner_team=None, owner_user=cast.member, tags=["Growth"]
    )

    def names(**filters) -> list[str]:
        board = selectors.scorecard(organization=cast.org, periods=2, today=TODAY, **filters)
        return [row.kpi.name for row in board.rows]

    assert names() == ["Sales", "Margin", "Attrition"]
    assert names(team=cast.team) == ["Sales"]
    assert names(team=cast.company) == ["Margin"]
    assert names(tag="Growth") == ["Sales", "Attrition"]
    assert names(team=cast.team, tag="Profitability") == []
    assert names(tag="Unknown") == []
    assert {sales, margin, people} == set(selectors.kpi_list(organization=cast.org))


def test_archived_kpis_are_hidden_from_the_scorecard(cast: Cast):
    kept = make_kpi(cast, name="Sales")
    archived = make_kpi(cast, name="Old metric")
    services.kpi_update(kpi=archived, by=cast.owner, is_active=False)
    board = selectors.scorecard(organization=cast.org, periods=2, today=TODAY)
    assert [row.kpi for row in board.rows] == [kept]


def test_the_scorecard_shows_only_the_organisations_kpis(cast: Cast):
    ours = make_kpi(cast)
    services.kpi_create(organization=cast.other_org, name="Globex sales", by=cast.outsider)
    board = selectors.scorecard(organization=cast.org, periods=2, today=TODAY)
    assert [row.kpi for row in board.rows] == [ours]


def test_a_kpi_of_another_organisation_is_not_found(cast: Cast):
    theirs = services.kpi_create(organization=cast.other_org, name="Globex", by=cast.outsider)
    with pytest.raises(Http404):
        selectors.kpi_get(organization=cast.org, pk=theirs.pk)
    assert selectors.kpi_get(organization=cast.other_org, pk=theirs.pk) == theirs


def test_the_kpi_detail_lists_corrections_and_targets(cast: Cast):
    kpi = make_kpi(cast)
    record(kpi, dt.date(2026, 6, 1), "7")
    record(kpi, dt.date(2026, 6, 1), "9")
    services.kpi_set_target(kpi=kpi, effective_from=dt.date(2026, 6, 8), target="12", by=None)
    detail = selectors.kpi_detail(kpi=kpi, periods=4, today=TODAY)
    [measurement] = detail["measurements"]
    assert measurement.value == D(9)
    assert [r.value for r in measurement.revisions.all()] == [D(7)]
    assert [t.target for t in detail["targets"]] == [D(10), D(12)]
    assert detail["row"].target.target == D(12)
    assert [c.value for c in detail["row"].cells] == [None, None, D(9), None]


# -- query count ------------------------------------------------------------------------


def add_kpis(cast: Cast, first: int, count: int) -> None:
    for n in range(first, first + count):
        kpi = make_kpi(cast, name=f"KPI {n:02d}", tags=["Bulk", f"Tag {n % 3}"])
        for start in weeks_from(dt.date(2026, 5, 18), 4):
            record(kpi, start, str(n % 12))
        if n % 5 == 0:
            services.kpi_set_target(
                kpi=kpi, effective_from=dt.date(2026, 6, 1), target="11", by=None
            )


@pytest.mark.parametrize("granularity", ["weekly", "monthly"])
def test_the_scorecard_runs_the_same_queries_for_40_kpis_as_for_3(
    cast: Cast, q1: Cycle, django_assert_num_queries, granularity: str
):
    add_kpis(cast, 0, 3)
    services.kpi_promote(kpi=KPI.objects.get(name="KPI 01"), cycle=q1, by=cast.owner)
    with django_assert_num_queries(5):
        board = selectors.scorecard(
            organization=cast.org, granularity=granularity, periods=13, today=TODAY
        )
        assert sum(len(row.cells) for row in board.rows) == 3 * 13
        assert [row.kpi.tags.all()[0].name for row in board.rows] == ["Bulk"] * 3
    add_kpis(cast, 3, 37)
    services.kpi_promote(kpi=KPI.objects.get(name="KPI 33"), cycle=q1, by=cast.owner)
    with django_assert_num_queries(5):
        board = selectors.scorecard(
            organization=cast.org, granularity=granularity, periods=13, today=TODAY, tag="Bulk"
        )
        assert len(board.rows) == 40
        assert sum(row.open_promotion is not None for row in board.rows) == 2
        assert {row.open_promotion.objective.cycle for row in board.rows if row.open_promotion} == {
            q1
        }


# -- values read through the cursor -----------------------------------------------------


def test_values_and_targets_are_read_as_the_orm_reads_them(cast: Cast):
    """The scorecard reads values and targets through the database cursor, not the ORM's
    converters: each must come back the same Decimal, to the last place."""
    kpi = make_kpi(cast, target="12.5", yellow="-3.25")
    values = ["95", "12.3456", "-5", "1234567.5", "0", "0.0001", "99999999999.9999"]
    starts = weeks_from(MAY_WEEKS[0] - dt.timedelta(weeks=len(values)), len(values))
    for start, value in zip(starts, values, strict=True):
        record(kpi, start, value)
    history = selectors.load_histories([kpi], since=starts[0], organization=cast.org)[kpi.pk]
    stored = dict(kpi.measurements.values_list("period_start", "value"))
    assert history.values == stored
    assert [str(history.values[s]) for s in starts] == [str(stored[s]) for s in starts]
    assert all(type(s) is dt.date for s in history.values)
    [target] = history.targets
    orm = kpi.targets.get()
    assert (str(target.target), str(target.yellow)) == (str(orm.target), str(orm.yellow))
    assert (target.low, target.high, target.tolerance) == (None, None, None)
    assert target.effective_from == orm.effective_from


def test_no_kpis_read_no_values(cast: Cast):
    assert selectors.load_histories([], since=TODAY, organization=cast.org) == {}
