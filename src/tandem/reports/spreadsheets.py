"""The tabular reports as CSV and XLSX: the cycle review's scores and calibration, and
the scorecard.

CSV is for machines and other tools: plain numbers (no thousands separators), scores
and shares as fractions, colours as words (``green``, ``yellow``, ``red``, ``no_data``,
``stale``, ``not_due``). XLSX is for people: the same numbers, coloured cells.

Text people typed (an objective's title) that a spreadsheet would run as a formula
(``=…``, ``+…``, ``-…``, ``@…``) is written as text: opening an export never runs
anything.

Column headings say the organisation's words for Tandem's concepts (a "Rock" column
where it calls objectives Rocks), as its pages do; what the columns hold does not change.
The API keeps its own field names, whatever the organisation calls things.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tandem.kpis.selectors import Scorecard
from tandem.reports import formats
from tandem.reports.selectors import ReviewReport
from tandem.terms import DEFAULT, Terms, terms_of

Value = str | int | Decimal | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Sheet:
    title: str
    headings: list[str]
    rows: list[list[Value]] = field(default_factory=list)
    # Colour names per cell (see formats.FILLS) for XLSX; None leaves a cell white.
    fills: list[list[str | None]] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)


def _safe_text(value: Value) -> Value:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(sheet: Sheet) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.headings)
    for row in sheet.rows:
        writer.writerow(
            ["" if v is None else formats.plain(v) if isinstance(v, Decimal) else _safe_text(v)
             for v in row]
        )  # fmt: skip
    return out.getvalue()


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append(sheet.headings)
        for cell in ws[1]:
            cell.font = bold
        for index, row in enumerate(sheet.rows):
            ws.append(row)
            fills = sheet.fills[index] if index < len(sheet.fills) else []
            for column, cell in enumerate(ws[ws.max_row]):
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    # openpyxl takes "=…" for a formula; people's text stays text.
                    cell.data_type = "s"
                colour = fills[column] if column < len(fills) else None
                if colour and colour in formats.FILLS:
                    hexa = formats.FILLS[colour]
                    cell.fill = PatternFill(start_color=hexa, end_color=hexa, fill_type="solid")
                if isinstance(cell.value, str) and len(cell.value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(column)].width = width
        ws.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the cycle review ----------------------------------------------------------------------


def review_sheets(report: ReviewReport) -> tuple[Sheet, Sheet]:
    """The scores (one row per objective) and the calibration (one row per team)."""
    words = terms_of(report.organization)
    scores = Sheet(
        title="Scores",
        headings=[
            "Team",
            words["Objective"],
            "Owner",
            "Kind",
            "Progress",
            "Computed score",
            "Score",
            "Band",
            "Reason for the adjustment",
            f"{words['Objective']} id",
        ],
        widths=[24, 60, 24, 14, 10, 10, 10, 10, 40, 12],
    )
    for group, card in report.cards:
        objective = card.objective
        scores.rows.append(
            [
                group.title,
                objective.title,
                objective.owner_name,
                objective.kind,
                card.progress,
                card.computed,
                card.shown,
                card.band.value,
                objective.score_reason if card.adjusted else "",
                objective.pk,
            ]
        )
        band: str | None = card.band.value
        fills: list[str | None] = [None, None, None, None, None, None, band, band, None, None]
        scores.fills.append(fills)
    calibration = Sheet(
        title="Calibration",
        headings=[
            "Team",
            words["Objectives"],
            "Mean score",
            "At 1.0",
            "Share at 1.0",
            "Below 0.3",
            "Share below 0.3",
        ],
        widths=[30, 12, 12, 10, 12, 10, 14],
    )
    for row in formats.calibration_rows(report):
        calibration.rows.append(
            [row.team, row.count, row.mean, row.perfect, row.perfect_share, row.low, row.low_share]
        )
    return scores, calibration


# -- the scorecard --------------------------------------------------------------------------


def scorecard_sheet(board: Scorecard, *, colours_as_columns: bool, words: Terms = DEFAULT) -> Sheet:
    """One row per KPI, one column per period. With ``colours_as_columns`` (CSV) each
    period is followed by its colour in words; otherwise the colours are cell fills."""
    headings = [words["Kpi"], "Key", "Owner", "Unit", "Direction", "Target", "Now"]
    for label in board.labels:
        headings.append(label)
        if colours_as_columns:
            headings.append(f"{label} health")
    sheet = Sheet(
        title=words["Scorecard"],
        headings=headings,
        widths=[36, 18, 20, 9, 16, 12, 10] + [10] * (len(headings) - 7),
    )
    for row in board.rows:
        kpi = row.kpi
        unit = kpi.currency if kpi.unit == "currency" and kpi.currency else kpi.unit
        values: list[Value] = [
            kpi.name,
            kpi.key,
            kpi.owner_name,
            unit,
            kpi.direction,
            formats.target_text(kpi, row.target),
            row.health.value,
        ]
        fills: list[str | None] = [None, None, None, None, None, None, row.health.value]
        for cell in row.cells:
            values.append(cell.value if cell.expected else None)
            fills.append(formats.cell_colour(cell))
            if colours_as_columns:
                values.append(formats.cell_colour(cell))
                fills.append(None)
        sheet.rows.append(values)
        sheet.fills.append(fills)
    return sheet
