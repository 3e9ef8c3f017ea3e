"""Print-ready PDFs of the reports, drawn in Python with fpdf2: no browser, no system font.

The text is set in DejaVu Sans, shipped in ``fonts/`` with its licence, because the
PDF core fonts only know Latin-1: “quotes”, €, dashes and names such as Łukasz or Zoë
print as typed. Every page carries the organisation, the report, the date it was
made and its page number. Colours are always doubled by a word (green, at risk…),
so a black-and-white print still tells them apart. Headings say the organisation's words
for Tandem's concepts (Rocks, Measurables…), as its pages do.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from tandem.accounts.models import Organization
from tandem.domain import periods as pm
from tandem.domain.health import Health
from tandem.formatting import for_reader, local_date
from tandem.kpis.columns import GRANULARITIES
from tandem.kpis.selectors import Scorecard, calendar
from tandem.labels import label
from tandem.periods_text import period_label
from tandem.reports import formats
from tandem.reports.selectors import PlanReport, Priorities, ReviewReport
from tandem.terms import Terms, terms_of

FONTS = Path(__file__).resolve().parent / "fonts"
# fontTools reports every glyph it keeps when fpdf2 subsets the font: not for our logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FAMILY = "DejaVu"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
HEADING_FILL = (233, 236, 239)
# Columns per table of the scorecard: more periods continue in a table below.
SCORECARD_COLUMNS_PER_TABLE = 13


def long_date(day: dt.date) -> str:
    """A date written out in the reader's language: 7 December 2026, 7. Dezember 2026."""
    return local_date(day, "j F Y")


def colour_name(colour: str) -> str:
    """A health colour or a score's band (``green``…) named in the reader's language."""
    return label(Health(colour)).lower()


def rgb(colour: str) -> tuple[int, int, int] | None:
    hexa = formats.FILLS.get(colour)
    if hexa is None:
        return None
    return (int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16))


class ReportPDF(FPDF):
    def __init__(self, *, organization: Organization, title: str, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.organization_name = organization.name
        self.report_title = title
        self.words = terms_of(organization)
        self.made_on = organization.today()
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(f"{title} · {organization.name}")
        self.set_author(organization.name)
        self.set_creator("Tandem")
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_text_color(*INK)
        self.add_page()

    def header(self) -> None:
        self.set_font(FAMILY, "B", 9)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.organization_name, new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.set_font(FAMILY, "", 9)
        self.cell(
            0,
            5,
            f"{self.report_title} · {long_date(self.made_on)}",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(3)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            6,
            _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
            + " · Tandem",
            align="C",
        )
        self.set_text_color(*INK)

    # Building blocks ------------------------------------------------------------------

    def title_line(self, text: str, subtitle: str = "") -> None:
        self.set_font(FAMILY, "B", 18)
        self.multi_cell(0, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FAMILY, "", 10)
            self.set_text_color(*MUTED)
            self.multi_cell(0, 5, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(*INK)
        self.ln(3)

    def heading(self, text: str) -> None:
        # A heading alone at the foot of a page reads badly: start a new page instead.
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.set_font(FAMILY, "B", 12)
        self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 10, muted: bool = False) -> None:
        self.set_font(FAMILY, "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def bullets(self, items: Sequence[str], *, size: float = 10) -> None:
        self.set_font(FAMILY, "", size)
        for item in items:
            self.set_x(self.l_margin + 2)
            self.multi_cell(0, size * 0.5, f"• {item}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        fills: Sequence[Sequence[str | None]] | None = None,
        size: float = 8.5,
        align_right_from: int | None = None,
    ) -> None:
        """A table; ``fills`` names each cell's colour (``green``, ``red``…) or None."""
        self.set_font(FAMILY, "", size)
        with self.table(
            col_widths=tuple(widths),
            width=self.epw,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            cell_fill_mode=TableCellFillMode.NONE,
            line_height=size * 0.5,
            text_align="LEFT",
            padding=1 if size >= 8 else 0.6,
        ) as table:
            heading = table.row()
            for index, text in enumerate(headings):
                right = align_right_from is not None and index >= align_right_from
                heading.cell(text, align="RIGHT" if right else "LEFT")
            for number, values in enumerate(rows):
                row = table.row()
                for index, text in enumerate(values):
                    colour = fills[number][index] if fills is not None else None
                    fill = rgb(colour) if colour else None
                    right = align_right_from is not None and index >= align_right_from
                    row.cell(
                        text,
                        align="RIGHT" if right else "LEFT",
                        style=FontFace(fill_color=fill) if fill is not None else None,
                    )
        self.ln(2)

    def render(self) -> bytes:
        return bytes(self.output())


# -- the one-page strategic plan ---------------------------------------------------------


def _priorities(pdf: ReportPDF, title: str, found: Priorities) -> None:
    if found.cycle is None:
        pdf.heading(title)
        pdf.paragraph(_("No cycle runs today."), muted=True)
        return
    pdf.heading(f"{title}: {found.cycle.name}")
    if not found.cards:
        pdf.paragraph(
            _("No company %(objectives)s in this cycle yet.")
            % {"objectives": pdf.words["objectives"]},
            muted=True,
        )
        return
    rows, fills = [], []
    for card in found.cards:
        status = label(formats.status_text(card.status))
        rows.append(
            [
                card.objective.title,
                card.objective.owner_name,
                for_reader(formats.percent(card.progress)),
                status,
            ]
        )
        fills.append([None, None, None, formats.status_colour(card.status)])
    pdf.grid(
        [pdf.words["Objective"], _("Owner"), _("Progress"), _("Status")],
        rows,
        widths=(100, 38, 20, 24),
        fills=fills,
        size=9,
    )
    if found.more:
        pdf.paragraph(
            _("And %(count)s more in %(name)s.") % {"count": found.more, "name": found.cycle.name},
            size=9,
            muted=True,
        )


def plan_pdf(report: PlanReport) -> bytes:
    pdf = ReportPDF(organization=report.organization, title=_("Strategic plan"))
    plan = report.plan
    pdf.title_line(
        _("%(name)s: strategic plan") % {"name": report.organization.name},
        _("One page: where we go and why."),
    )
    if plan is None:
        pdf.paragraph(_("No strategic plan yet: owners and admins write it in Tandem."), muted=True)
    else:
        pdf.heading(_("Purpose"))
        pdf.paragraph(plan.purpose)
        if plan.values:
            pdf.heading(_("Values"))
            pdf.bullets(plan.values)
        if plan.bhag:
            if plan.bhag_year:
                pdf.heading(_("BHAG (by %(year)s)") % {"year": plan.bhag_year})
            else:
                pdf.heading(_("BHAG"))
            pdf.paragraph(plan.bhag)
        if plan.long_term_targets or plan.long_term_date:
            if plan.long_term_date:
                pdf.heading(
                    _("3-5 year target (by %(day)s)") % {"day": long_date(plan.long_term_date)}
                )
            else:
                pdf.heading(_("3-5 year target"))
            pdf.bullets(plan.long_term_targets)
        if plan.annual_targets:
            pdf.heading(_("This year's targets"))
            pdf.bullets(plan.annual_targets)
        if plan.profit_per_x:
            pdf.heading(_("Profit per X"))
            pdf.paragraph(plan.profit_per_x)
    _priorities(pdf, _("This year's priorities"), report.year)
    _priorities(pdf, _("This quarter's priorities"), report.quarter)
    if report.kpis:
        pdf.heading(_("Key %(kpis)s") % {"kpis": pdf.words["kpis"]})
        pdf.grid(
            [pdf.words["Kpi"], _("Owner"), _("Latest"), _("Target"), _("Health")],
            [
                [
                    line.kpi.name,
                    line.kpi.owner_name or formats.EMPTY,
                    for_reader(formats.kpi_value(line.kpi.latest_value, line.kpi)),
                    _target_text(line.kpi, line.target),
                    label(line.health),
                ]
                for line in report.kpis
            ],
            widths=(70, 38, 28, 24, 22),
            fills=[[None, None, None, None, line.health.value] for line in report.kpis],
            size=9,
        )
    return pdf.render()


# -- the cycle review --------------------------------------------------------------------


def review_pdf(report: ReviewReport) -> bytes:
    cycle = report.cycle
    pdf = ReportPDF(
        organization=report.organization, title=_("Review of %(name)s") % {"name": cycle.name}
    )
    state = _("closed") if cycle.is_closed else _("still open: projected scores")
    start, end = long_date(cycle.start_date), long_date(cycle.end_date)
    if report.count == 1:
        count = _("1 %(objective)s") % {"objective": pdf.words["objective"]}
    else:
        count = ngettext("%(count)s %(objectives)s", "%(count)s %(objectives)s", report.count) % {
            "count": report.count,
            "objectives": pdf.words["objectives"],
        }
    pdf.title_line(
        _("Review of %(name)s") % {"name": cycle.name},
        f"{start} {formats.DASH} {end} · {state} · {count}",
    )
    overall = report.overall.overall
    pdf.paragraph(
        _(
            "Mean score %(mean)s. Green %(green)s, yellow %(yellow)s, red %(red)s. Bands: "
            "%(red_band)s red, %(yellow_band)s yellow, %(green_band)s green; a committed "
            "%(objective)s is green only at %(one)s."
        )
        % {
            "mean": for_reader(formats.score(overall.mean)),
            "green": report.bands[formats.Band.GREEN],
            "yellow": report.bands[formats.Band.YELLOW],
            "red": report.bands[formats.Band.RED],
            "red_band": _band_range("0.0", "0.3"),
            "yellow_band": _band_range("0.4", "0.6"),
            "green_band": _band_range("0.7", "1.0"),
            "objective": pdf.words["objective"],
            "one": for_reader("1.0"),
        }
    )
    pdf.heading(_("Calibration by team"))
    rows = formats.calibration_rows(report)
    pdf.grid(
        [
            _("Team"),
            pdf.words["Objectives"],
            _("Mean"),
            _("At 1.0"),
            _("Share at 1.0"),
            _("Below 0.3"),
            _("Share below 0.3"),
        ],
        [_calibration_text(row) for row in rows],
        widths=(58, 20, 16, 16, 24, 18, 30),
        size=8.5,
        align_right_from=1,
    )
    for group in report.groups:
        if not group.cards:
            continue
        pdf.heading(group.title)
        pdf.grid(
            [pdf.words["Objective"], _("Owner"), _("Kind"), _("Progress"), _("Score"), _("Band")],
            [
                [
                    card.objective.title,
                    card.objective.owner_name,
                    card.objective.get_kind_display(),
                    for_reader(formats.percent(card.progress)),
                    _score_text(card.shown, adjusted=card.adjusted),
                    colour_name(card.band.value),
                ]
                for card in group.cards
            ],
            widths=(70, 32, 24, 18, 24, 14),
            fills=[[None] * 4 + [card.band.value] * 2 for card in group.cards],
            size=8.5,
        )
    return pdf.render()


# -- the scorecard -----------------------------------------------------------------------


def scorecard_pdf(
    board: Scorecard, *, organization: Organization, subtitle: str, today: dt.date
) -> bytes:
    words = terms_of(organization)
    pdf = ReportPDF(organization=organization, title=words["Scorecard"], landscape=True)
    cal = calendar(organization)
    pdf.title_line(words["Scorecard"], subtitle)
    if not board.rows:
        pdf.paragraph(_("No %(kpi)s to show.") % {"kpi": words["kpi"]}, muted=True)
        return pdf.render()
    chunk = SCORECARD_COLUMNS_PER_TABLE
    for first in range(0, len(board.columns), chunk):
        # The periods named in the reader's language (the board's labels are English).
        labels = [
            period_label(board.granularity, start, **cal)
            for start in board.columns[first : first + chunk]
        ]
        rows, fills = [], []
        for row in board.rows:
            cells = row.cells[first : first + chunk]
            rows.append(
                [
                    row.kpi.name,
                    row.kpi.owner_name or formats.EMPTY,
                    _target_text(row.kpi, row.target),
                    label(row.health),
                    *[for_reader(formats.cell_text(cell)) for cell in cells],
                ]
            )
            fills.append(
                [None, None, None, row.health.value, *[formats.cell_colour(c) for c in cells]]
            )
        period_width = Decimal(160) / max(len(labels), 1)
        pdf.grid(
            [words["Kpi"], _("Owner"), _("Target"), _("Now"), *labels],
            rows,
            widths=(52, 28, 16, 13, *[float(period_width)] * len(labels)),
            fills=fills,
            size=6.5,
            align_right_from=4,
        )
    pdf.paragraph(
        _(
            "Cells: green on target, yellow close, red off target, grey no value; white and "
            "empty where the %(kpi)s owes no value in that column."
        )
        % {"kpi": words["kpi"]},
        size=8,
        muted=True,
    )
    return pdf.render()


def scorecard_subtitle(
    words: Terms, *, periods: int, granularity: pm.Frequency, team: str = "", tag: str = ""
) -> str:
    """ "KPIs over the last 13 weeks · owned by Sales · tagged finance", in the reader's
    language."""
    subtitle = _("%(kpis)s over the last %(count)s %(periods)s") % {
        "kpis": words["Kpis"],
        "count": periods,
        "periods": GRANULARITIES[granularity],
    }
    if team:
        subtitle += " · " + _("owned by %(team)s") % {"team": team}
    if tag:
        subtitle += " · " + _("tagged %(tag)s") % {"tag": tag}
    return subtitle


def _band_range(low: str, high: str) -> str:
    return f"{for_reader(low)}{formats.DASH}{for_reader(high)}"


def _score_text(value: Decimal | None, *, adjusted: bool) -> str:
    text = for_reader(formats.score(value))
    return _("%(score)s (adjusted)") % {"score": text} if adjusted else text


def _target_text(kpi: object, target: object) -> str:
    if target is None:
        return _("none")
    return for_reader(formats.target_text(kpi, target))  # type: ignore[arg-type]


def _calibration_text(row: formats.CalibrationRow) -> list[str]:
    cells = [for_reader(str(cell)) for cell in formats.calibration_text(row)]
    if row.team == formats.WHOLE_ORGANISATION:
        cells[0] = _("Whole organisation")
    else:
        cells[0] = row.team
    return cells
