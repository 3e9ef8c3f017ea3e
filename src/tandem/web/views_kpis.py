"""KPI pages: the scorecard with spreadsheet-like entry, the KPI page, the list and forms.

Views are thin: they read through :mod:`tandem.kpis.selectors` (scoped to the
organisation, in a fixed number of queries), check :mod:`tandem.access.permissions`,
and write through :mod:`tandem.kpis.services`. Health colours come from the
selectors; the views only arrange them for the templates.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.access import permissions
from tandem.accounts.models import Membership, Organization, User
from tandem.accounts.orgcache import TeamName, org_teams
from tandem.audit.selectors import kpi_activity
from tandem.audit.wording import tell
from tandem.domain import periods as pm
from tandem.domain import spc
from tandem.domain.health import Health
from tandem.formatting import for_reader, input_value, local_date, number
from tandem.insights.kpi_forecast import KPIForecastView, backed_key_result, kpi_forecast_view
from tandem.kpis import selectors
from tandem.kpis import services as kpis
from tandem.kpis.columns import GRANULARITIES, granularity_from, periods_from
from tandem.kpis.models import KPI, Source
from tandem.labels import label as label_of
from tandem.okrs import selectors as okr_selectors
from tandem.pages import apply_service_errors, org_view
from tandem.periods_text import column_words, period_label
from tandem.terms import Terms, terms_of
from tandem.validation import decimal_field
from tandem.web import charts
from tandem.web.forms_kpis import (
    SERVICE_ALIASES,
    KPICreateForm,
    KPIForm,
    MeasurementForm,
    TargetForm,
)

UNPROCESSABLE = 422
# The measurements table shows a quarter of weeks at a time, newest first.
MEASUREMENTS_PER_PAGE = 13
# The KPI page's chart starts at the first value, but never shows fewer periods than this.
TREND_MIN_PERIODS = 13
NO_TAG = "Without a tag"
# The heading of the table of KPIs measured less often than the columns.
SECTION_TITLES = {
    pm.Frequency.DAILY: gettext_lazy("daily %(kpis)s"),
    pm.Frequency.WEEKLY: gettext_lazy("weekly %(kpis)s"),
    pm.Frequency.MONTHLY: gettext_lazy("monthly %(kpis)s"),
    pm.Frequency.QUARTERLY: gettext_lazy("quarterly %(kpis)s"),
}
# The words of a row's flags (f-strings hide their text from makemessages: named here).
FLAGS = {
    "promoted": gettext_lazy("promoted"),
    "promote": gettext_lazy("promote?"),
    "demote": gettext_lazy("demote?"),
    "shift": gettext_lazy("shift"),
    "none": gettext_lazy("none"),
}
# What a row's flag says when its scheduled pull is unwell (selectors.Row.sync).
SYNC_FLAGS = {"stale": gettext_lazy("stale"), "sync failed": gettext_lazy("sync failed")}
_FINEST_FIRST = [
    pm.Frequency.DAILY,
    pm.Frequency.WEEKLY,
    pm.Frequency.MONTHLY,
    pm.Frequency.QUARTERLY,
]


# -- what the templates show ------------------------------------------------------------


@dataclass
class CellMark:
    """What a cell shows beside its value after a value was typed in it: the outcome,
    or why it was refused and what was typed."""

    error: str = ""
    typed: str | None = None
    outcome: str = ""


@dataclass(frozen=True)
class Column:
    """A scorecard column's period as people read it: "1 Dec" (a week, by its first
    day), "Dec" or "Q4", with its year where the year changes, and in full for the
    cells' labels ("week of 1 Dec 2026")."""

    start: dt.date
    short: str
    year: str
    full: str


def _period_words(
    frequency: pm.Frequency, start: dt.date, week_start: int, fiscal_year_start_month: int
) -> tuple[str, str, str]:
    """(short, year, full) words of the period starting at ``start``, in the reader's
    language (``tandem.periods_text``, which caches them)."""
    return column_words(
        frequency, start, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )


def _columns(board: selectors.Scorecard, cal: dict[str, int]) -> list[Column]:
    columns = []
    year = ""
    for start in board.columns:
        short, this_year, full = _period_words(board.granularity, start, **cal)
        columns.append(Column(start, short, this_year if this_year != year else "", full))
        year = this_year
    return columns


@dataclass
class Line:
    """A scorecard row with what the page adds: may this person type in it, its sparkline."""

    row: selectors.Row[selectors.ShownKPI]
    columns: list[Column]
    editable: bool
    spark: SafeString
    note: str = ""
    # The XmR verdict when the row's latest value carries a signal ("Real shift up"),
    # else empty: a shift is worth a look even while the colour stays the same.
    shift: str = ""
    error: str = ""
    post_url: str = ""
    url: str = ""
    latest: str = ""
    # The cell a value was just typed in, by its period's first day.
    marks: dict[dt.date, CellMark] = field(default_factory=dict)
    # An input in every cell the person may type in (entry without JavaScript), not
    # only where a value was refused: see _cells_html.
    inputs: bool = False
    cells_html: str = ""
    # The whole <tr>: see _row_html.
    html: SafeString = field(default_factory=SafeString)


@dataclass(frozen=True)
class Table:
    """One table of the scorecard: the KPIs of the chosen columns, or those measured less
    often, over their own periods."""

    key: str
    title: str
    noun: str
    columns: list[Column]
    lines: list[Line]


@dataclass(frozen=True)
class _RowWords:
    """What every row of a board shares: worked out once per board, not per row."""

    objective_url: str
    terms: Terms
    red_periods: int
    csrf_input: str
    periods: int


@dataclass
class CellFeedback:
    """The answer to a value typed in a cell, shown in the redrawn row."""

    start: str
    outcome: str = ""
    errors: list[str] = field(default_factory=list)
    typed: str | None = None


def _lines(
    board: selectors.Scorecard[selectors.ShownKPI],
    *,
    request: HttpRequest,
    org: Organization,
    membership: Membership,
    team_ids: set[int],
    feedback: CellFeedback | None = None,
    inputs: bool = False,
) -> list[Line]:
    lines = []
    cal = selectors.calendar(org)
    columns = _columns(board, cal)
    csrf_input = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    # One reverse() per URL for the whole board: each costs as much as drawing a row.
    post_url = reverse("measurement_record", args=[0]).replace("/0/", "/{}/")
    page_url = reverse("kpi", args=[0]).replace("/0/", "/{}/")
    words = _RowWords(
        objective_url=reverse("objective", args=[0]).replace("/0/", "/{}/"),
        terms=terms_of(org),
        red_periods=org.promote_after_red_periods,
        csrf_input=csrf_input,
        periods=len(board.columns),
    )
    labels = [c.short for c in columns]
    for row in board.rows:
        kpi = row.kpi
        latest = ""
        if kpi.latest_period is not None and kpi.latest_value is not None:
            when = _period_words(pm.Frequency(kpi.frequency), kpi.latest_period, **cal)[0]
            latest = (
                f'<span class="sc-latest__value">{number(kpi.latest_value)}</span>'
                f'<span class="sc-latest__when">{html.escape(when)}</span>'
            )
        line = Line(
            row=row,
            columns=columns,
            # Values are typed in the KPI's own periods; rolled-up cells are read-only.
            editable=kpi.frequency == board.granularity
            and permissions.can_record_measurement(membership, kpi, team_ids),
            spark=charts.sparkline(
                values=row.sparkline,
                healths=[c.health.value for c in row.cells],
            ),
            note=_frequency_note(kpi, board.granularity),
            shift=_latest_shift(row, labels),
            post_url=post_url.format(kpi.pk),
            url=page_url.format(kpi.pk),
            latest=latest,
            inputs=inputs,
        )
        if feedback is not None:
            _apply_feedback(line, feedback)
        line.cells_html = _cells_html(line)
        line.html = _row_html(line, words)
        lines.append(line)
    return lines


def _xmr(cells: list[selectors.Cell], labels: list[str]) -> spc.XmRChart:
    """The XmR chart of the periods that have a value: a missing period is left out,
    not counted as zero."""
    shown = [
        (c.value, label) for c, label in zip(cells, labels, strict=True) if c.value is not None
    ]
    return spc.xmr_chart([v for v, _ in shown], labels=[label for _, label in shown])


def _latest_shift(row: selectors.Row, labels: list[str]) -> str:
    """The verdict when the row's latest value carries a signal, from the columns the
    scorecard already shows (too few values give none)."""
    if not row.cells or row.cells[-1].value is None:
        return ""
    chart = _xmr(row.cells, labels)
    if not chart.points or not chart.points[-1].rules:
        return ""
    return _verdict(chart, _valued_labels(row.cells, labels))


def _valued_labels(cells: list[selectors.Cell], labels: list[str]) -> list[str]:
    return [label for c, label in zip(cells, labels, strict=True) if c.value is not None]


def _summary(chart: spc.XmRChart, labels: list[str]) -> str:
    """The chart's summary (``XmRChart.summary``) in the reader's language."""
    if chart.verdict is spc.Verdict.NOT_ENOUGH_DATA:
        return _("Not enough data: signals need at least %(count)s values.") % {
            "count": spc.DEFAULT_MIN_POINTS
        }
    if chart.since is None or chart.rule is None:
        return _("Routine variation: no signal in the last %(count)s values.") % {
            "count": spc.DEFAULT_RUN_LENGTH
        }
    return _("%(verdict)s since %(period)s (%(rule)s).") % {
        "verdict": label_of(chart.verdict),
        "period": labels[chart.since],
        "rule": label_of(chart.rule).lower(),
    }


def _verdict(chart: spc.XmRChart, labels: list[str]) -> str:
    """ "Real shift up since 2026-W40", "Routine variation" or "Not enough data", in the
    reader's language."""
    if chart.since is None:
        return label_of(chart.verdict)
    return _("%(verdict)s since %(period)s") % {
        "verdict": label_of(chart.verdict),
        "period": labels[chart.since],
    }


# Where the scorecard's template leaves room for each table's rows (see ``scorecard``).
_ROWS_MARK = "<!-- scorecard rows -->"
_CELL_CLASSES = {health: f"sc-cell sc-cell--{health.value}" for health in Health}


@functools.lru_cache(maxsize=8)
def _colours(language: str) -> dict[Health, str]:
    """What a cell's label adds for its colour (" (green)"), in ``language``."""
    return {health: f" ({label_of(health).lower()})" for health in Health}


@functools.lru_cache(maxsize=512)
def _column_texts(start: dt.date, label: str) -> tuple[str, str, str]:
    """A column's period as a form value, as part of an id, and its escaped label: the
    same for every row of the board."""
    return start.isoformat(), f"{start:%Y%m%d}", html.escape(label)


def _cells_html(line: Line) -> SafeString:
    """A row's period cells: the value as text, and an input only where one is needed.

    Where the person may type, a cell shows the value as its input would (digits, a
    sign and a point) and ``scorecard.js`` makes the cell focusable and puts the input
    in it when it takes the focus: 6,500 inputs drawn on the server made a 500-KPI
    scorecard 2.7 MB, and half of its drawing. An input is drawn here only for a value
    just refused (it shows what was typed and why), or in every editable cell with
    ``line.inputs`` (the scorecard for entry without JavaScript). Inputs belong to the
    row's one form (``form=``, see ``_row_html``) and are named by their period's first
    day. Written here rather than in the row's template for speed: the template engine
    draws 6,500 cells in seconds, plain formatting in milliseconds. Every text inserted
    below is escaped.
    """
    kpi = line.row.kpi
    name = html.escape(kpi.name)
    form_id = f"sc-form-{kpi.pk}"
    parts = []
    marks = line.marks
    nothing = CellMark()
    colours = _colours(translation.get_language() or "en")
    not_due = html.escape(_("not due"))
    editable, inputs = line.editable, line.inputs
    for cell, column in zip(line.row.cells, line.columns, strict=True):
        health = cell.health
        classes = _CELL_CLASSES[health]
        mark = marks.get(cell.start, nothing) if marks else nothing
        if not cell.expected:
            classes += " sc-cell--not-due"
        if mark.error:
            classes += " sc-cell--error"
        elif mark.outcome:
            classes += " sc-cell--saved"
        outcome = f' data-outcome="{mark.outcome}"' if mark.outcome else ""
        colour = colours[health] if cell.value is not None else ""
        if editable and (inputs or mark.error):
            iso, compact, label_text = _column_texts(cell.start, column.full)
            cell_id = f"v-{kpi.pk}-{compact}"
            # A number's input text has digits, a sign and a point only: nothing to escape.
            saved = input_value(cell.value)
            typed = saved
            invalid = error = ""
            if mark.typed is not None:
                # Escape puts the saved value back (scorecard.js): say which it is.
                typed = f'{html.escape(mark.typed)}" data-saved="{saved}'
            if mark.error:
                invalid = f' aria-invalid="true" aria-describedby="{cell_id}-error"'
                error = (
                    f'<span class="sc-cell__error" id="{cell_id}-error" role="alert" '
                    f"data-message>{html.escape(mark.error)}</span>"
                )
            inner = (
                f'<input class="sc-input" id="{cell_id}" name="{iso}" form="{form_id}"'
                f' value="{typed}" inputmode="decimal" autocomplete="off"'
                f' aria-label="{name}, {label_text}{colour}"{invalid}>{error}'
            )
        elif editable:
            # The value as its input will show it (scorecard.js reads it from here).
            hidden = f'<span class="visually-hidden">{colour}</span>' if colour else ""
            inner = f"{input_value(cell.value)}{hidden}"
        elif not cell.expected:
            inner = f'<span class="visually-hidden">{not_due}</span>'
        else:
            hidden = f'<span class="visually-hidden">{colour}</span>' if colour else ""
            inner = f"{for_reader(number(cell.value))}{hidden}"
        parts.append(f'<td class="{classes}"{outcome}>{inner}</td>')
    # Every text inserted above was escaped (or is a number or a date).
    return mark_safe("".join(parts))


def _row_html(line: Line, words: _RowWords) -> SafeString:
    """A scorecard row (``<tr>``), written in Python for the reason of ``_cells_html``:
    the template engine took a quarter of a 500-KPI scorecard's time for these rows.
    Every text inserted below is escaped (or is a number, a date or a fixed word)."""
    row = line.row
    kpi = row.kpi
    pk = kpi.pk
    esc = html.escape
    if kpi.unit == "percent":
        unit = "%"
    elif kpi.unit == "currency":
        unit = esc(kpi.currency)
    else:
        unit = esc(_("number"))
    note = f" · {esc(line.note)}" if line.note else ""
    promoted = promote = demote = sync = error = form = ""
    if row.open_promotion:
        promotion = row.open_promotion
        title = _("Promoted to the %(objective)s “%(title)s”") % {
            "objective": words.terms["objective"],
            "title": promotion.objective.title,
        }
        promoted = (
            f'<a class="flag flag--promoted" href="'
            f'{words.objective_url.format(promotion.objective_id)}" title="{esc(title)}">'
            f"{esc(str(FLAGS['promoted']))}</a>"
        )
    if row.promote:
        title = ngettext(
            "Red for %(count)s period in a row: make it an OKR?",
            "Red for %(count)s periods in a row: make it an OKR?",
            words.red_periods,
        ) % {"count": words.red_periods}
        promote = (
            f'<a class="flag flag--promote" href="/kpis/{pk}/promote/" title="{esc(title)}">'
            f"{esc(str(FLAGS['promote']))}</a>"
        )
    if row.demote:
        title = _("Green again since its %(cycle)s ended: back to a plain %(kpi)s?") % {
            "cycle": words.terms["cycle"],
            "kpi": words.terms["kpi"],
        }
        demote = (
            f'<a class="flag flag--demote" href="/kpis/{pk}/demote/" title="{esc(title)}">'
            f"{esc(str(FLAGS['demote']))}</a>"
        )
    if row.sync:
        if row.sync == "stale":
            title = _("The scheduled pull of its values has not succeeded for a while")
        else:
            title = _("The scheduled pull of its values failed")
        sync = (
            f'<a class="flag flag--promote" data-sync href="/kpis/{pk}/source/" '
            f'title="{esc(title)}">{esc(str(SYNC_FLAGS.get(row.sync, row.sync)))}</a>'
        )
    if line.error:
        error = (
            f'<p class="sc-row__error" id="kpi-row-{pk}-error" role="alert" data-message>'
            f"{esc(line.error)}</p>"
        )
    if line.editable and line.inputs:
        # The row's one form, for entry without JavaScript: its cells' inputs name it, and
        # Enter in a cell sends the row's values through the (hidden) button. With
        # JavaScript scorecard.js sends each changed cell on its own, to the table's
        # data-record address: the rows need no form.
        save = _("Save the values of %(kpi)s") % {"kpi": kpi.name}
        form = (
            f'<form class="sc-form" id="sc-form-{pk}" method="post" action="{line.post_url}">'
            f'{words.csrf_input}<input type="hidden" name="periods" value="{words.periods}">'
            f'<button type="submit" class="visually-hidden" tabindex="-1">'
            f"{esc(save)}</button></form>"
        )
    target = row.target
    if not target:
        shown_target = f'<span class="muted">{esc(str(FLAGS["none"]))}</span>'
    elif kpi.direction == "within_range":
        shown_target = f"{for_reader(number(target.low))}\u2013{for_reader(number(target.high))}"
    elif kpi.direction == "lower_is_better":
        shown_target = f"≤ {for_reader(number(target.target))}"
    else:
        shown_target = f"≥ {for_reader(number(target.target))}"
    shift = ""
    if line.shift:
        title = _("%(verdict)s: the latest value is a signal, not routine variation") % {
            "verdict": line.shift
        }
        shift = (
            f' <span class="flag flag--shift" data-shift title="{esc(title)}">'
            f"{esc(str(FLAGS['shift']))}</span>"
        )
    editable = " data-editable" if line.editable else ""
    owner = esc(kpi.owner_name or _("no owner"))
    # Every text inserted above was escaped (or is a number, a date or a fixed word).
    return mark_safe(
        f'<tr class="sc-row" id="kpi-row-{pk}" data-kpi="{pk}" '
        f'data-health="{row.health.value}"{editable}>\n'
        f'<th scope="row" class="sc-kpi">\n'
        f'  <a class="sc-kpi__name" href="{line.url}">{esc(kpi.name)}</a>\n'
        f'  <span class="sc-kpi__meta"><span class="sc-owner">{owner}</span> · '
        f"{unit}{note}</span>\n"
        f"  {promoted}{promote}{demote}{sync}{error}{form}\n"
        f"</th>\n"
        f'<td class="sc-target">{shown_target}</td>\n'
        f'<td class="sc-latest">{line.latest or "—"}</td>\n'
        f'<td class="sc-health"><span class="health health--{row.health.value}">'
        f"{esc(label_of(row.health))}</span>{shift}</td>\n"
        f'<td class="sc-trend">{line.spark}</td>\n'
        f"{line.cells_html}\n"
        f"</tr>\n"
    )


def _team_options(teams: Sequence[TeamName], chosen: TeamName | None) -> SafeString:
    """The team filter's options, in Python for the reason of ``_cells_html``: a large
    company has a thousand teams. Names and slugs are escaped."""
    chosen_pk = chosen.pk if chosen else None
    # Every text inserted below is escaped.
    return mark_safe(
        "".join(
            f'<option value="{html.escape(t.slug)}"{" selected" if t.pk == chosen_pk else ""}>'
            f"{html.escape(t.name)}</option>"
            for t in teams
        )
    )


def _frequency_note(kpi: selectors.ShownKPI, granularity: pm.Frequency) -> str:
    """Why a row's cells are read-only when the columns are not the KPI's own periods."""
    if kpi.frequency == granularity:
        return ""
    own = str(kpi.get_frequency_display()).lower()
    if _FINEST_FIRST.index(pm.Frequency(kpi.frequency)) > _FINEST_FIRST.index(granularity):
        return _("%(frequency)s, shown where due") % {"frequency": own}
    return _("%(frequency)s, rolled up (%(aggregation)s)") % {
        "frequency": own,
        "aggregation": str(kpi.get_aggregation_display()).lower(),
    }


def _apply_feedback(line: Line, feedback: CellFeedback) -> None:
    start = next((c.start for c in line.row.cells if c.start.isoformat() == feedback.start), None)
    if start is None or not line.editable:
        # A period that is not a column (not a period start, or in the future): the
        # row says why, since there is no cell to say it.
        line.error = " ".join(feedback.errors)
        return
    mark = line.marks[start] = CellMark(outcome=feedback.outcome)
    if feedback.errors:
        mark.error = " ".join(feedback.errors)
        mark.typed = feedback.typed


def _next_url(request: HttpRequest, fallback: str) -> str:
    """Where a plain (no JavaScript) form goes back to: ``next``, else the page it came
    from, as long as it is on this site."""
    for wanted in (request.POST.get("next", ""), request.headers.get("referer", "")):
        if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
    return fallback


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# -- scorecard --------------------------------------------------------------------------


@require_GET
@org_view
def scorecard(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    granularity = granularity_from(request.GET.get("granularity", ""))
    periods = periods_from(request.GET.get("periods"))
    # Cells are text that scorecard.js turns into inputs; without JavaScript the page
    # links to itself with ``inputs=1``, an input in every cell (see _cells_html).
    inputs = request.GET.get("inputs") == "1"
    with_inputs = request.GET.copy()
    with_inputs["inputs"] = "1"
    # The filter shows every team (1,000 in a large company): their names, from the
    # organisation's cache.
    teams = org_teams(org)
    team_slug = request.GET.get("team", "")
    team = next((t for t in teams if t.slug == team_slug), None)
    if team_slug and team is None:
        raise Http404("No such team.")
    tags = list(selectors.tag_list(organization=org))
    tag = request.GET.get("tag", "")
    board = selectors.scorecard(
        organization=org,
        granularity=granularity,
        periods=periods,
        team=team,
        tag=tag or None,
        with_tags=False,
        own_cadence=True,
    )
    team_ids = okr_selectors.team_ids_of(organization=org, user=_user(request))
    cal = selectors.calendar(org)
    terms = terms_of(org)
    tables = []
    for shown in [board, *board.sections]:
        lines = _lines(
            shown,
            request=request,
            org=org,
            membership=membership,
            team_ids=team_ids,
            inputs=inputs,
        )
        if not lines:
            continue
        tables.append(
            Table(
                key=shown.granularity.value,
                # The main table needs no heading; KPIs measured less often get theirs.
                title=""
                if shown is board
                else capfirst(str(SECTION_TITLES[shown.granularity]) % {"kpis": terms["kpis"]}),
                noun=str(GRANULARITIES[shown.granularity]),
                columns=_columns(shown, cal),
                lines=lines,
            )
        )
    page = render_to_string(
        "web/scorecard.html",
        {
            "tables": tables,
            "rows_mark": mark_safe(_ROWS_MARK),
            "granularity": granularity,
            "granularities": GRANULARITIES.items(),
            "noun": GRANULARITIES[granularity],
            "periods": periods,
            "inputs": inputs,
            "inputs_query": with_inputs.urlencode(),
            "record_url": reverse("measurement_record", args=[0]).replace("/0/", "/{kpi}/"),
            "team_options": _team_options(teams, team),
            "team": team,
            "tags": tags,
            "tag": tag,
            "filtered": bool(team or tag),
            "any_editable": any(line.editable for t in tables for line in t.lines),
            "can_manage": permissions.can_manage_kpis(membership),
        },
        request=request,
    )
    # The rows are most of the page (1.5 MB for 500 KPIs x 13 weeks): joined and encoded
    # once here, they are not copied again by every enclosing block of the templates.
    parts = page.split(_ROWS_MARK)
    chunks = [parts[0].encode()]
    for table, after in zip(tables, parts[1:], strict=True):
        chunks.append("".join(f"{line.html}\n      " for line in table.lines).encode())
        chunks.append(after.encode())
    return HttpResponse(b"".join(chunks))


@require_POST
@org_view
def measurement_record(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    """A value typed in a scorecard cell (or on the KPI page) for one period.

    With htmx the answer is the KPI's row redrawn: the cell in its new colour, or with
    the reason it was refused (422, nothing written). Without JavaScript it goes back
    to the page it came from with a message.
    """
    kpi = selectors.kpi_get(organization=org, pk=pk)
    user = _user(request)
    team_ids = okr_selectors.team_ids_of(organization=org, user=user)
    permissions.require_record_measurement(membership, kpi, team_ids)
    if "period_start" not in request.POST:
        return _record_row(request, kpi=kpi, user=user)
    form = MeasurementForm(request.POST)
    outcome = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            _measurement, outcome = kpis.measurement_record(
                kpi=kpi,
                period_start=data["period_start"],
                value=data["value"],
                note=data["note"],
                by=user,
                source=Source.MANUAL,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
    errors = [str(message) for messages_ in form.errors.values() for message in messages_]
    if request.htmx:  # type: ignore[attr-defined]
        board = selectors.scorecard_row(kpi=kpi, periods=periods_from(request.POST.get("periods")))
        feedback = CellFeedback(
            start=request.POST.get("period_start", ""),
            outcome=outcome,
            errors=errors,
            typed=request.POST.get("value", "") if errors else None,
        )
        [line] = _lines(
            board,
            request=request,
            org=org,
            membership=membership,
            team_ids=team_ids,
            feedback=feedback,
        )
        return HttpResponse(line.html, status=UNPROCESSABLE if errors else 200)
    fallback = f"{reverse('scorecard')}?granularity={kpi.frequency}"
    if errors:
        messages.error(
            request, _("Value of “%(kpi)s” not saved. ") % {"kpi": kpi} + " ".join(errors)
        )
    else:
        label = period_label(
            pm.Frequency(kpi.frequency),
            form.cleaned_data["period_start"],
            **selectors.calendar(org),
        )
        shown = input_value(decimal_field("value", form.cleaned_data["value"]))
        text = {
            "created": _("Saved %(value)s for “%(kpi)s”, %(period)s."),
            "updated": _(
                "Corrected “%(kpi)s”, %(period)s, to %(value)s; the previous value is kept."
            ),
            "unchanged": _("“%(kpi)s”, %(period)s, was already %(value)s: nothing changed."),
        }[outcome] % {"value": shown, "kpi": kpi, "period": label}
        messages.success(request, text)
    return HttpResponseRedirect(_next_url(request, fallback))


def _record_row(request: HttpRequest, *, kpi: KPI, user: User) -> HttpResponse:
    """A scorecard row sent without JavaScript: each cell's input is named by its
    period's first day. Every value is saved, or none with the reason for each."""
    values = []
    for name in request.POST:
        raw = request.POST.get(name, "")
        try:
            start = dt.date.fromisoformat(name)
        except ValueError:
            continue  # the CSRF token, the number of columns
        if raw.strip():
            values.append((start, raw.strip()))
    fallback = f"{reverse('scorecard')}?granularity={kpi.frequency}"
    cal = selectors.calendar(kpi.organization)
    frequency = pm.Frequency(kpi.frequency)
    try:
        outcomes = kpis.measurement_record_many(
            kpi=kpi, values=values, by=user, source=Source.MANUAL
        )
    except ValidationError as exc:
        reasons = []
        for iso, problems in exc.message_dict.items():
            when = _period_words(frequency, dt.date.fromisoformat(iso), **cal)[2]
            reasons.append(f"{when[:1].upper()}{when[1:]}: {' '.join(problems)}")
        messages.error(
            request, _("Values of “%(kpi)s” not saved. ") % {"kpi": kpi} + " ".join(reasons)
        )
        return HttpResponseRedirect(_next_url(request, fallback))
    changed = sum(outcome != "unchanged" for outcome in outcomes.values())
    if changed:
        messages.success(
            request,
            ngettext(
                "Saved %(count)s value of “%(kpi)s”.",
                "Saved %(count)s values of “%(kpi)s”.",
                changed,
            )
            % {"count": changed, "kpi": kpi},
        )
    else:
        messages.success(request, _("“%(kpi)s”: nothing changed.") % {"kpi": kpi})
    return HttpResponseRedirect(_next_url(request, fallback))


# -- KPI page ---------------------------------------------------------------------------


@dataclass
class MeasurementLine:
    measurement: Any
    label: str
    health: Health


def _kpi_page(
    request: HttpRequest,
    *,
    org: Organization,
    membership: Membership,
    pk: int,
    target_form: TargetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    kpi = selectors.kpi_get(organization=org, pk=pk)
    detail = selectors.kpi_detail(kpi=kpi)
    row: selectors.Row = detail["row"]
    cal = selectors.calendar(org)
    # The periods named in the reader's language (the selector's labels are English).
    labels = [period_label(kpi.frequency, c.start, **cal) for c in row.cells]
    history = selectors.History(kpi, detail["targets"], {})
    first = next((i for i, c in enumerate(row.cells) if c.value is not None), len(row.cells))
    shown = max(0, min(first, len(row.cells) - TREND_MIN_PERIODS))
    xmr = _xmr(row.cells, labels)
    valued = _valued_labels(row.cells, labels)
    signals = {
        valued[p.index]: ", ".join(sorted(label_of(r).lower() for r in p.rules))
        for p in xmr.points
        if p.rules
    }
    points = [
        charts.TrendPoint(
            label=label,
            value=cell.value,
            health=cell.health.value,
            thresholds=target.thresholds if (target := history.target_at(cell.start)) else None,
            signal=signals.get(label, "") if cell.value is not None else "",
        )
        for cell, label in list(zip(row.cells, labels, strict=True))[shown:]
    ]
    by_start_pairs = list(zip(row.cells, labels, strict=True))
    by_start = {c.start: (label, c.health) for c, label in by_start_pairs}
    viewer = permissions.viewer_of(membership)

    def seen(rows: list[Any]) -> list[Any]:
        # Key results, links and promotions of private objectives this person may not see.
        return [r for r in rows if permissions.can_see_objective(viewer, r.objective)]

    key_results = seen(detail["key_results"])
    forecast = kpi_forecast_view(
        frequency=kpi.frequency,
        direction=kpi.direction,
        starts=[c.start for c in row.cells],
        values=[c.value for c in row.cells],
        thresholds=row.target.thresholds if row.target is not None else None,
        health=row.health,
        today=selectors.org_today(org),
        calendar=cal,
        backs=backed_key_result(
            key_results, next((c.start for c in reversed(row.cells) if c.value is not None), None)
        ),
    )
    chart_points, chart_forecast = _forecast_on_chart(points, row, shown, forecast)
    frequency = pm.Frequency(kpi.frequency)
    measurement_lines = []
    for m in detail["measurements"]:
        label, health = by_start.get(
            m.period_start, (period_label(frequency, m.period_start, **cal), Health.NO_DATA)
        )
        measurement_lines.append(MeasurementLine(measurement=m, label=label, health=health))
    team_ids = set(viewer.team_ids)
    can_manage = permissions.can_manage_kpis(membership)
    can_record = permissions.can_record_measurement(membership, kpi, team_ids)

    if can_manage and target_form is None:
        target_form = TargetForm(initial={"effective_from": row.cells[-1].start})
    open_promotion = row.open_promotion
    return render(
        request,
        "web/kpi_detail.html",
        {
            "kpi": kpi,
            "row": row,
            "current": next(
                ((c, label) for c, label in reversed(by_start_pairs) if c.value is not None),
                None,
            ),
            "tags": list(kpi.tags.all()),
            "chart": charts.kpi_trend_chart(
                points=chart_points,
                direction=kpi.direction,
                title=_("%(kpi)s: value per period against the target, and its forecast")
                % {"kpi": kpi.name},
                chart_id=f"kpi-{kpi.pk}-chart",
                forecast=chart_forecast,
            ),
            "points": points,
            "forecast": forecast,
            "xmr": xmr,
            "verdict": _verdict(xmr, valued),
            "xmr_summary": _summary(xmr, valued),
            "measurements": Paginator(measurement_lines, MEASUREMENTS_PER_PAGE).get_page(
                request.GET.get("measurements")
            ),
            "targets": list(reversed(detail["targets"])),
            "key_results": key_results,
            "objective_links": seen(detail["objective_links"]),
            "promotions": seen(detail["promotions"]),
            "open_promotion": open_promotion,
            "activity": tell(kpi_activity(organization=org, kpi=kpi), organization=org),
            "can_manage": can_manage,
            "can_record": can_record,
            "target_form": target_form,
            "record_periods": [
                (c.start.isoformat(), label) for c, label in reversed(by_start_pairs)
            ],
            "next_url": request.get_full_path(),
        },
        status=status,
    )


def _forecast_on_chart(
    points: list[charts.TrendPoint],
    row: selectors.Row,
    shown: int,
    forecast: KPIForecastView,
) -> tuple[list[charts.TrendPoint], charts.TrendForecast | None]:
    """The chart's points with the periods ahead added after the current one, and the
    forecast placed on them (from the point of the latest value)."""
    if not forecast.periods or forecast.latest_start is None:
        return points, None
    starts = [c.start for c in row.cells[shown:]]
    if forecast.latest_start not in starts:
        return points, None
    start = starts.index(forecast.latest_start)
    thresholds = row.target.thresholds if row.target is not None else None
    extra = [
        charts.TrendPoint(label=p.label, value=None, health="no_data", thresholds=thresholds)
        for p in forecast.periods
        if p.start > starts[-1]
    ]
    steps = [
        charts.TrendForecastStep(index=start + p.ahead, value=p.value, low=p.low, high=p.high)
        for p in forecast.periods
    ]
    return [*points, *extra], charts.TrendForecast(start=start, steps=steps)


@require_GET
@org_view
def kpi_detail(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    return _kpi_page(request, org=org, membership=membership, pk=pk)


@require_POST
@org_view
def kpi_target(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    kpi = selectors.kpi_get(organization=org, pk=pk)
    permissions.require_manage_kpis(membership)
    form = TargetForm(request.POST)
    if form.is_valid():
        try:
            kpis.kpi_set_target(
                kpi=kpi,
                effective_from=form.cleaned_data["effective_from"],
                by=_user(request),
                **form.thresholds(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("New target for “%(kpi)s” from %(day)s.")
                % {"kpi": kpi, "day": local_date(form.cleaned_data["effective_from"], "j M Y")},
            )
            return redirect("kpi", pk=kpi.pk)
    return _kpi_page(
        request,
        org=org,
        membership=membership,
        pk=kpi.pk,
        target_form=form,
        status=UNPROCESSABLE,
    )


# -- list, create, edit, archive --------------------------------------------------------


@require_GET
@org_view
def kpi_list(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    every = list(selectors.kpi_list(organization=org, include_archived=True))
    groups: dict[str, list[KPI]] = defaultdict(list)
    for kpi in every:
        if not kpi.is_active:
            continue
        names = [t.name for t in kpi.tags.all()] or [NO_TAG]
        for name in names:
            groups[name].append(kpi)
    ordered = sorted(groups.items(), key=lambda item: (item[0] == NO_TAG, item[0].casefold()))
    return render(
        request,
        "web/kpi_list.html",
        {
            "groups": ordered,
            "archived": [k for k in every if not k.is_active],
            "count": sum(1 for k in every if k.is_active),
            "can_manage": permissions.can_manage_kpis(membership),
        },
    )


def _form_kwargs(org: Organization) -> dict[str, Any]:
    return {
        "teams": list(okr_selectors.team_list(organization=org)),
        "people": list(okr_selectors.people_of(organization=org)),
    }


@require_http_methods(["GET", "POST"])
@org_view
def kpi_create(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    permissions.require_manage_kpis(membership)
    kwargs = _form_kwargs(org)
    if request.method == "POST":
        form = KPICreateForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                kpi = kpis.kpi_create(
                    organization=org,
                    by=_user(request),
                    tags=form.cleaned_data["tags"],
                    **form.definition(),
                    **form.thresholds(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc, aliases=SERVICE_ALIASES)
            else:
                messages.success(request, _("KPI “%(kpi)s” created.") % {"kpi": kpi})
                return redirect("kpi", pk=kpi.pk)
        status = UNPROCESSABLE
    else:
        initial = {}
        team = next((t for t in kwargs["teams"] if t.slug == request.GET.get("team")), None)
        if team is not None:
            initial["owner"] = f"team:{team.pk}"
        form = KPICreateForm(initial=initial, **kwargs)
        status = 200
    return render(request, "web/kpi_form.html", {"form": form, "creating": True}, status=status)


@require_http_methods(["GET", "POST"])
@org_view
def kpi_edit(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    kpi = selectors.kpi_get(organization=org, pk=pk)
    permissions.require_manage_kpis(membership)
    kwargs = _form_kwargs(org)
    if request.method == "POST":
        form = KPIForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                kpis.kpi_update(
                    kpi=kpi,
                    by=_user(request),
                    version=form.cleaned_data["version"],
                    tags=form.cleaned_data["tags"],
                    **form.definition(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc, aliases=SERVICE_ALIASES)
            else:
                messages.success(
                    request, _("KPI “%(name)s” saved.") % {"name": form.cleaned_data["name"]}
                )
                return redirect("kpi", pk=kpi.pk)
        status = UNPROCESSABLE
    else:
        form = KPIForm(
            initial={
                "name": kpi.name,
                "key": kpi.key,
                "description": kpi.description,
                "owner": KPIForm.owner_value(kpi),
                "unit": kpi.unit,
                "currency": kpi.currency,
                "direction": kpi.direction,
                "frequency": kpi.frequency,
                "aggregation": kpi.aggregation,
                "tags": ", ".join(t.name for t in kpi.tags.all()),
                "version": kpi.version,
            },
            **kwargs,
        )
        status = 200
    return render(
        request,
        "web/kpi_form.html",
        {"form": form, "kpi": kpi, "creating": False},
        status=status,
    )


def _set_active(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership, active: bool
) -> HttpResponse:
    kpi = selectors.kpi_get(organization=org, pk=pk)
    permissions.require_manage_kpis(membership)
    if kpi.is_active != active:
        kpis.kpi_update(kpi=kpi, by=_user(request), is_active=active)
    if active:
        messages.success(request, _("“%(kpi)s” is back on the scorecard.") % {"kpi": kpi})
    else:
        messages.success(
            request, _("“%(kpi)s” is archived: off the scorecard, its history kept.") % {"kpi": kpi}
        )
    return redirect("kpi", pk=kpi.pk)


@require_POST
@org_view
def kpi_archive(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    return _set_active(request, pk, org=org, membership=membership, active=False)


@require_POST
@org_view
def kpi_unarchive(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    return _set_active(request, pk, org=org, membership=membership, active=True)
