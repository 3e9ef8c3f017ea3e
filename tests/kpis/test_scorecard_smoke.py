import datetime as dt
from decimal import Decimal

from tandem.domain.health import Health
from tandem.domain.periods import Frequency, last_n_periods
from tandem.kpis import selectors, services


def test_weekly_scorecard_colours_cells_and_suggests_promotion_after_three_red_weeks(cast):
    kpi = services.kpi_create(
        organization=cast.org,
        name="Client satisfaction",
        owner_team=cast.team,
        target="90",
        yellow="80",
        by=cast.owner,
    )
    today = selectors.org_today(cast.org)
    weeks = last_n_periods(Frequency.WEEKLY, today, 5)
    for start, value in zip(weeks, ["95", "70", "60", "50", "85"], strict=True):
        services.measurement_record(kpi=kpi, period_start=start, value=value, by=cast.member)
    board = selectors.scorecard(organization=cast.org, periods=5)
    [row] = board.rows
    assert [c.health for c in row.cells] == [
        Health.GREEN,
        Health.RED,
        Health.RED,
        Health.RED,
        Health.YELLOW,
    ]
    assert row.promote is True
    kpi.refresh_from_db()
    assert kpi.latest_value == Decimal(85)
    assert kpi.latest_period == weeks[-1]
    assert board.columns == weeks
    assert isinstance(board.columns[0], dt.date)
