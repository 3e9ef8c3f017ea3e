"""How the reports write numbers, colours and dates: one place for PDF, CSV and XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tandem.domain.health import Direction, Health
from tandem.domain.scoring import Band
from tandem.domain.status import Status
from tandem.formatting import EMPTY, input_value, number
from tandem.formatting import percent as percent_text
from tandem.kpis.models import KPI
from tandem.kpis.selectors import Cell, TargetLike
from tandem.reports.selectors import ReviewReport, share

__all__ = ["EMPTY", "Band"]

# The calibration's last row (the PDF says it in the reader's language).
WHOLE_ORGANISATION = "Whole organisation"
# An en dash between two ends of a range (0.4\u20130.6, 1 May \u2013 30 June).
DASH = "\u2013"

# Cell fills (RGB hex), light enough to print black text over them.
FILLS = {
    Health.GREEN.value: "C8EBD0",
    Health.YELLOW.value: "FBE8A6",
    Health.RED.value: "F6C4C1",
    Health.NO_DATA.value: "EEEEEE",
    Health.STALE.value: "DDDDDD",
    "not_due": "FFFFFF",
}
STATUS_COLOURS = {
    Status.ON_TRACK: Health.GREEN.value,
    Status.AT_RISK: Health.YELLOW.value,
    Status.OFF_TRACK: Health.RED.value,
    Status.NOT_STARTED: Health.NO_DATA.value,
}


def percent(value: Decimal | None) -> str:
    return percent_text(value)


def score(value: Decimal | None) -> str:
    """A score to one decimal (0.7); a mean of scores to two (0.65)."""
    if value is None:
        return EMPTY
    if value == value.quantize(Decimal("0.1")):
        return f"{value:.1f}"
    return f"{value:.2f}"


def status_text(status: Status | None) -> str:
    return status.label if status is not None else "Closed"


def status_colour(status: Status | None) -> str | None:
    return STATUS_COLOURS.get(status) if status is not None else None


def kpi_value(value: Decimal | None, kpi: KPI) -> str:
    if value is None:
        return EMPTY
    text = number(value)
    if kpi.unit == "percent":
        return f"{text}%"
    if kpi.unit == "currency" and kpi.currency:
        return f"{kpi.currency} {text}"
    return text


def target_text(kpi: KPI, target: TargetLike | None) -> str:
    """ "≥ 90", "≤ 24" or a range, as the scorecard writes a target; "none" without one."""
    if target is None:
        return "none"
    if kpi.direction == Direction.WITHIN_RANGE:
        return f"{number(target.low)}{DASH}{number(target.high)}"
    sign = "≤" if kpi.direction == Direction.LOWER_IS_BETTER else "≥"
    return f"{sign} {number(target.target)}"


def cell_colour(cell: Cell) -> str:
    return cell.health.value if cell.expected else "not_due"


def cell_text(cell: Cell) -> str:
    if not cell.expected:
        return ""
    return number(cell.value)


def plain(value: Decimal | None) -> str:
    """A number for a machine: no thousands separators, no trailing zeros, empty if none."""
    return input_value(value)


# -- the review's calibration -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """How one team (or the whole organisation) scored: too many 1.0s means the bar was
    low, too many below 0.3 means over-reach or trouble."""

    team: str
    count: int
    mean: Decimal | None
    perfect: int
    low: int

    @property
    def perfect_share(self) -> Decimal | None:
        return share(self.perfect, self.count)

    @property
    def low_share(self) -> Decimal | None:
        return share(self.low, self.count)


def calibration_rows(report: ReviewReport) -> list[CalibrationRow]:
    rows = []
    for group in report.groups:
        if group.summaries is None or not group.cards:
            continue
        summary = group.summaries.overall
        rows.append(
            CalibrationRow(
                team=group.title,
                count=summary.count,
                mean=summary.mean,
                perfect=summary.perfect,
                low=summary.low,
            )
        )
    overall = report.overall.overall
    rows.append(
        CalibrationRow(
            team=WHOLE_ORGANISATION,
            count=overall.count,
            mean=overall.mean,
            perfect=overall.perfect,
            low=overall.low,
        )
    )
    return rows


def calibration_text(row: CalibrationRow) -> list[str]:
    return [
        row.team,
        str(row.count),
        score(row.mean),
        str(row.perfect),
        percent(row.perfect_share),
        str(row.low),
        percent(row.low_share),
    ]
