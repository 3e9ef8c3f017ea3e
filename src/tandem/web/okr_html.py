"""The objective cards, key result rows and tree placements of the team, home,
objective and tree pages, written in Python.

A team page shows a card per objective and a row with its check-in form per key
result, the tree 150 placements: drawn through template includes, those were half
of the team page's time and a third of the tree's. The markup here is what the
templates ``_objective_card.html``, ``_kr_row.html``, ``_objective_progress.html`` and
``_tree_lines.html`` drew (those templates now call these functions, so the pages and
the htmx answers share one drawing).

Every text inserted is escaped with :func:`html.escape` (Django's ``escape``) unless it
is a number, a date, an enum's fixed value or one of the fixed words below. The rare
KPI signals of a flagged objective are still drawn by ``_objective_signals.html``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.forms import Form
from django.template.loader import get_template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tandem.domain.status import StatusThresholds
from tandem.formatting import for_reader, input_value, reader_language
from tandem.formatting import percent as percent_text
from tandem.labels import label as label_of
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.okrs.presenters import Card, Group
from tandem.okrs.tree import Line
from tandem.terms import DEFAULT, Terms, terms_of
from tandem.web.templatetags.tandem import (
    ago,
    bar_width,
    confidence_choices,
    explain_status,
    with_unit,
)
from tandem.web.templatetags.tandem import percent_filter as percent

esc = html.escape
DASH = "\u2013"  # the en dash between a band's ends
# Words of the key result rows, looked up in the reader's language when drawn.
_TOO_LITTLE = gettext_lazy("Too little history for a band")
_OVER_TARGET = gettext_lazy("Over target")
_CHECK_IN_ON = gettext_lazy("Check in on %(title)s")
_CONFIDENCE_KEYS = gettext_lazy("1 to 10; digit keys choose, 0 is 10")
_WHAT_MOVED = gettext_lazy("What moved? (optional)")
_CHECK_IN = gettext_lazy("Check in")
_SENTINEL = 987654321987


def _private() -> str:
    who = _("Only its owner, its team's leads, the owners of its key results and admins see it")
    return f'<span class="pill" title="{esc(who)}">🔒 {esc(_("Private"))}</span>'


def _url(name: str, *fixed: object) -> str:
    """The URL of ``name`` with ``{}`` in place of its last argument: reversed once per
    drawing instead of once per object."""
    return reverse(name, args=[*fixed, _SENTINEL]).replace(str(_SENTINEL), "{}")


@dataclass(slots=True)
class Drawing:
    """What every card or row of one page needs, worked out once per page."""

    terms: Terms
    signals: Mapping[int, Any]
    thresholds: StatusThresholds
    csrf_token: str = ""
    next_url: str = ""
    can_edit: bool = False
    # URL patterns by name, reversed once per drawing.
    urls: dict[str, str] = field(default_factory=dict)

    def term(self, key: str) -> str:
        return esc(self.word(key))

    def word(self, key: str) -> str:
        """The organisation's word for ``key``, not escaped (for a sentence escaped whole)."""
        return str(self.terms.get(key, DEFAULT.get(key, key)))

    def url(self, name: str, pk: object, *fixed: object) -> str:
        pattern = self.urls.get(name)
        if pattern is None:
            pattern = self.urls[name] = _url(name, *fixed)
        return esc(pattern.format(pk))

    def compact_signals(self, objective: Objective) -> str:
        """The KPI signals line of a card or placement: empty unless a KPI flags it."""
        found = self.signals.get(objective.pk)
        if not found or not found.flagged:
            return ""
        return str(
            get_template("web/_objective_signals.html").render(
                {
                    "signals": self.signals,
                    "objective": objective,
                    "compact": True,
                    "terms": self.terms,
                }
            )
        )


def drawing_from(context: Any, **overrides: Any) -> Drawing:
    """A :class:`Drawing` from a template context (the page's words, signals, token):
    a ``Context`` or a dict."""
    organization = context.get("organization")
    values: dict[str, Any] = {
        "terms": context.get("terms"),
        "signals": context.get("signals") or {},
        "thresholds": organization.status_thresholds if organization is not None else None,
        "csrf_token": str(context.get("csrf_token") or ""),
        "next_url": str(context.get("next_url") or ""),
        "can_edit": bool(context.get("can_edit")),
    }
    values.update(overrides)
    if not isinstance(values["terms"], Terms):
        values["terms"] = terms_of(organization)
    return Drawing(**values)


def _status_badge(status: object, tip: str) -> str:
    return (
        f'<span class="status status--{status}" tabindex="0" data-tip>'
        f'{esc(label_of(status))}<span class="tip" role="tooltip">{esc(tip)}</span></span>'
    )


def _errors(errors: Iterable[object]) -> str:
    return " ".join(esc(str(error)) for error in errors)


# -- objectives and key results ---------------------------------------------------------


def objective_progress(objective: Objective, d: Drawing, *, oob: bool = False) -> SafeString:
    """The status, forecast and progress bar of an objective (``_objective_progress.html``),
    in the reader's language."""
    expected = getattr(objective, "expected", None)
    status = getattr(objective, "live_status", "")
    tip = explain_status(objective, expected, d.thresholds)
    parts = [
        f'<div class="objective__progress" id="objective-{objective.pk}-progress"',
        ' hx-swap-oob="true"' if oob else "",
        ">\n  ",
        _status_badge(status, tip),
        "\n  ",
    ]
    forecast = getattr(objective, "forecast", None)
    if forecast:
        main, low, high = (
            esc(percent(forecast.progress)),
            esc(percent(forecast.progress_low)),
            esc(percent(forecast.progress_high)),
        )
        heading = _("Heading for <strong>%(progress)s</strong>") % {"progress": main}
        pace = _(
            "If %(check_ins)s keep their pace, this %(objective)s ends the %(cycle)s at about "
            "%(progress)s (80%% likely between %(low)s and %(high)s)."
        ) % {
            "check_ins": d.term("check_ins"),
            "objective": d.term("objective"),
            "cycle": d.term("cycle"),
            "progress": main,
            "low": low,
            "high": high,
        }
        likely = _(
            "%(key_results)s worth %(share)s of its weight are likely to reach their target."
        ) % {"key_results": d.term("key_results"), "share": esc(percent(forecast.expected_share))}
        parts.append(
            '<span class="objective__forecast" data-objective-forecast tabindex="0" data-tip>'
            f'<span class="objective__forecast-main">{heading}</span> '
            f'<span class="muted">({low}{DASH}{high})</span><span class="tip" role="tooltip">'
            f"{pace} {capfirst(likely)}</span></span>"
        )
    title = esc(objective.title)
    width = bar_width(objective.progress)
    label = _("Progress of %(title)s") % {"title": title}
    parts.append(
        f'\n  <div class="progress progress--{status}" role="progressbar" aria-label="{label}" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{width}">\n'
        f'    <div class="progress__fill" style="width: {width}%"></div>\n    '
    )
    if expected is not None:
        by_now = _("Expected by now: %(expected)s") % {"expected": esc(percent(expected))}
        parts.append(
            f'<div class="progress__pace" style="left: {bar_width(expected)}%" '
            f'title="{by_now}"></div>'
        )
    parts.append(
        "\n  </div>\n"
        f'  <span class="progress-value" data-objective-progress>{esc(percent(objective.progress))}'
        '</span>\n  <span class="muted objective__age">'
    )
    if objective.last_checkin_at:
        parts.append(
            _("Last %(check_in)s %(ago)s")
            % {"check_in": d.term("check_in"), "ago": esc(ago(objective.last_checkin_at))}
        )
    else:
        parts.append(_("No %(check_in)s yet") % {"check_in": d.term("check_in")})
    parts.append("</span>\n</div>\n")
    # Every text above was escaped, or is a number or a word of the catalogue.
    return mark_safe("".join(parts))


def _kr_forecast(kr: KeyResult) -> str:
    kf = getattr(kr, "forecast", None)
    if not kf:
        return ""
    method = esc(label_of(kf.forecast.method))
    chance = percent(kf.probability)
    target = esc(with_unit(kr.target, kr))
    chance_of = esc(_("%(chance)s chance of %(target)s") % {"chance": chance, "target": target})
    if kf.forecast.too_little_history:
        why = _(
            "Fewer than two check-ins: no trend to measure, so no 80%% band (%(method)s). How "
            "forecasts are made and how good they are: the Insights guide."
        ) % {"method": method}
        inner = (
            f'<span data-too-little-history title="{esc(why)}">'
            f"{esc(str(_TOO_LITTLE))}</span><span>{chance_of}</span>"
        )
    elif kf.value is not None:
        why = _(
            "The value expected at the end of the cycle, with its 80%% band (%(method)s); in the "
            "published backtest the band holds the true end 80%% of the time (the Insights guide)"
        ) % {"method": method}
        value = _("Forecast %(value)s (%(low)s%(dash)s%(high)s)") % {
            "value": with_unit(kf.value, kr),
            "low": with_unit(kf.low, kr),
            "dash": DASH,
            "high": with_unit(kf.high, kr),
        }
        inner = f'<span title="{esc(why)}">{esc(value)}</span><span>{chance_of}</span>'
    else:
        done = _("%(chance)s chance of done") % {"chance": chance}
        inner = f'<span title="{method}">{esc(done)}</span>'
    return f'<div class="kr__meta kr__forecast" data-kr-forecast>{inner}</div>'


def kr_row(
    kr: KeyResult,
    objective: Objective,
    d: Drawing,
    *,
    form: Form | None = None,
    saved: bool = False,
) -> SafeString:
    """A key result's row with its check-in form (``_kr_row.html``)."""
    pk = kr.pk
    title = esc(kr.title)
    can_check_in = bool(getattr(kr, "can_check_in", False))
    errors: Mapping[str, Any] = form.errors if form is not None else {}
    parts = [
        f'<li class="kr" id="kr-{pk}"',
        " data-checkin" if can_check_in else "",
        " data-saved" if saved else "",
        f'>\n  <div class="kr__main">\n    <div class="kr__title">{title}</div>\n'
        '    <div class="kr__meta">\n      ',
    ]
    if kr.is_metric:
        now = kr.baseline if kr.current is None else kr.current
        baseline = esc(with_unit(kr.baseline, kr))
        numbers = _("Now %(now)s · target %(target)s") % {
            "now": with_unit(now, kr),
            "target": with_unit(kr.target, kr),
        }
        start = _("from %(start)s") % {"start": baseline}
        parts.append(
            f'<span class="kr__numbers" data-kr-value>{esc(numbers)}</span>\n      '
            f"<span>{start}</span>\n      "
        )
    else:
        done = _("Done") if kr.done else _("Not done yet")
        parts.append(f'<span class="kr__numbers" data-kr-value>{esc(done)}</span>\n      ')
    owner = esc(str(kr.owner)) if kr.owner_id is not None and kr.owner else esc(_("No owner"))
    parts.append(f"<span>{owner}</span>\n      <span>")
    if kr.last_checkin_at:
        parts.append(esc(_("Checked in %(ago)s") % {"ago": ago(kr.last_checkin_at)}))
    else:
        parts.append(esc(_("Never checked in")))
    parts.append("</span>\n      ")
    if kr.last_confidence:
        confidence = _("Confidence %(confidence)s/10") % {"confidence": kr.last_confidence}
        parts.append(f"<span>{esc(confidence)}</span>")
    parts.append("\n    </div>\n    ")
    parts.append(_kr_forecast(kr))
    status = getattr(kr, "live_status", "")
    width = bar_width(kr.progress)
    parts.append(
        '\n    <div class="kr__bar">\n'
        f'      <div class="progress progress--{status}" role="progressbar" aria-label="'
        f'{esc(_("Progress of %(title)s") % {"title": kr.title})}" aria-valuemin="0" '
        f'aria-valuemax="100" aria-valuenow="{width}">\n'
        f'        <div class="progress__fill" style="width: {width}%"></div>\n      </div>\n'
        f'      <span class="progress-value" data-kr-progress>{percent(kr.progress)}</span>\n      '
    )
    if kr.is_metric and kr.progress is not None and kr.progress > 1:
        past = _(
            "%(value)s is past the target of %(target)s: %(progress)s of the way. Roll-ups "
            "count it as 100%%."
        ) % {
            "value": with_unit(kr.current, kr),
            "target": with_unit(kr.target, kr),
            "progress": percent(kr.progress),
        }
        parts.append(
            '<span class="pill pill--over" tabindex="0" data-tip data-over-target>'
            f'{esc(str(_OVER_TARGET))}<span class="tip" role="tooltip">{esc(past)}</span></span>'
        )
    tip = explain_status(kr, getattr(objective, "expected", None), d.thresholds)
    parts.append(
        "\n      "
        + _status_badge(status, tip)
        + '\n    </div>\n  </div>\n  <div class="kr__action">\n    '
    )
    non_field = form.non_field_errors() if form is not None else []
    if can_check_in:
        parts.append(_checkin_form(kr, d, form, errors, non_field))
    elif non_field:
        parts.append(
            '\n    <p class="kr__readonly field__error" role="alert" data-message>'
            f"{_errors(non_field)}</p>\n    "
        )
    else:
        cycle = objective.cycle
        if cycle.is_closed:
            closed = _("%(name)s is closed.") % {"name": cycle.name}
            parts.append(f'\n    <p class="kr__readonly">{esc(closed)}</p>\n    ')
        elif objective.state in (Objective.State.CLOSED, Objective.State.DROPPED):
            state = str(objective.get_state_display()).lower()
            text = _("This %(objective)s is %(state)s.") % {
                "objective": d.word("objective"),
                "state": state,
            }
            parts.append(f'\n    <p class="kr__readonly">{esc(text)}</p>\n    ')
        else:
            parts.append("\n    ")
    parts.append("\n  </div>\n</li>\n")
    # Every text above was escaped, or is a number or a fixed word.
    return mark_safe("".join(parts))


def _checkin_form(
    kr: KeyResult,
    d: Drawing,
    form: Form | None,
    errors: Mapping[str, Any],
    non_field: Sequence[object],
) -> str:
    pk = kr.pk
    url = d.url("key_result_check_in", pk)
    data: Any = form.data if form is not None else {}
    parts = [
        f'<form class="checkin" method="post" action="{url}"\n'
        f'          hx-post="{url}" hx-target="#kr-{pk}" hx-swap="outerHTML"\n'
        f'          aria-label="{esc(str(_CHECK_IN_ON) % {"title": kr.title})}" '
        "novalidate>\n      "
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(d.csrf_token)}">\n'
        f'      <input type="hidden" name="next" value="{esc(d.next_url)}">\n      '
    ]
    if kr.is_metric:
        unit = ""
        if kr.unit == KeyResult.Unit.PERCENT:
            unit = " (%)"
        elif kr.currency:
            unit = f" ({esc(kr.currency)})"
        value = esc(str(data.get("value", ""))) if form is not None else input_value(kr.current)
        wrong = errors.get("value")
        parts.append(
            '<div class="field">\n'
            f'        <label class="field__label" for="kr-{pk}-value">{esc(_("Value"))}{unit}'
            "</label>\n"
            f'        <input id="kr-{pk}-value" name="value" inputmode="decimal" autocomplete="off"'
            " data-checkin-first\n"
            f'               value="{value}" placeholder="{input_value(kr.baseline)}"\n'
            "               "
            + (f'aria-invalid="true" aria-describedby="kr-{pk}-value-error"' if wrong else "")
            + ">\n        "
            + (
                f'<p class="field__error" id="kr-{pk}-value-error">{_errors(wrong)}</p>'
                if wrong
                else ""
            )
            + "\n      </div>\n      "
        )
    else:
        checked = bool(data.get("done")) if form is not None else bool(kr.done)
        wrong = errors.get("done")
        parts.append(
            '<div class="field checkin__done">\n'
            f'        <input type="checkbox" id="kr-{pk}-done" name="done" value="on" '
            "data-checkin-first\n               "
            + ("checked" if checked else "")
            + "\n               "
            + (f'aria-invalid="true" aria-describedby="kr-{pk}-done-error"' if wrong else "")
            + f'>\n        <label for="kr-{pk}-done">{esc(_("Done"))}</label>\n        '
            + (
                f'<p class="field__error" id="kr-{pk}-done-error">{_errors(wrong)}</p>'
                if wrong
                else ""
            )
            + "\n      </div>\n      "
        )
    chosen = (data.get("confidence") if form is not None else None) or kr.last_confidence or 5
    wrong = errors.get("confidence")
    parts.append(
        '\n      <fieldset class="field checkin__confidence" data-confidence'
        + (f' aria-invalid="true" aria-describedby="kr-{pk}-confidence-error"' if wrong else "")
        + f'>\n        <legend class="field__label">{esc(_("Confidence"))} '
        f'<span class="visually-hidden">({esc(str(_CONFIDENCE_KEYS))})'
        "</span></legend>\n"
        f'        <div class="confidence">{confidence_choices(pk, chosen, wrong)}\n        </div>\n'
        "        "
        + (
            f'<p class="field__error" id="kr-{pk}-confidence-error">{_errors(wrong)}</p>'
            if wrong
            else ""
        )
        + "\n      </fieldset>\n"
        '      <div class="field checkin__notefield">\n'
        f'        <label class="field__label" for="kr-{pk}-note">{esc(_("Note"))}</label>\n'
        f'        <textarea id="kr-{pk}-note" class="checkin__note" name="note" maxlength="2000" '
        'rows="1" autocomplete="off"\n'
        f'                  placeholder="{esc(str(_WHAT_MOVED))}" data-checkin-note>'
        + (esc(str(data.get("note", ""))) if form is not None else "")
        + "</textarea>\n      </div>\n"
        '      <div class="checkin__submit"><button type="submit" class="btn btn--small">'
        f"{esc(str(_CHECK_IN))}</button></div>\n      "
    )
    if non_field:
        parts.append(
            '<div class="checkin__errors field__error" role="alert" data-message>'
            f"{_errors(non_field)}</div>"
        )
    parts.append("\n    </form>\n    ")
    return "".join(parts)


def objective_card(objective: Objective, d: Drawing) -> SafeString:
    """An objective with its key results, as the team and home pages list them
    (``_objective_card.html``)."""
    pk = objective.pk
    title = esc(objective.title)
    if objective.owner_team_id is not None and objective.owner_team:
        owner = esc(objective.owner_team.name)
    else:
        owner = esc(str(objective.owner_user))
    parts = [
        f'<article class="card objective" id="objective-{pk}" aria-labelledby="objective-{pk}-'
        'title">\n  <header class="objective__head">\n    <div>\n'
        f'      <h3 class="objective__title" id="objective-{pk}-title"><a href="'
        f'{d.url("objective", pk)}">{title}</a></h3>\n'
        '      <div class="objective__meta">\n'
        f"        <span>{owner}</span>\n"
        f'        <span class="pill">{esc(str(objective.get_kind_display()))}</span>\n        ',
        _private() if objective.is_private else "",
        "\n        ",
    ]
    if objective.state != Objective.State.ACTIVE:
        parts.append(f'<span class="pill">{esc(str(objective.get_state_display()))}</span>')
    parts.append("\n      </div>\n      " + d.compact_signals(objective) + "\n    </div>\n    ")
    if d.can_edit:
        parts.append(
            f'<a class="btn btn--ghost btn--small" href="{d.url("objective_edit", pk)}">'
            f'{esc(_("Edit"))}<span class="visually-hidden"> {title}</span></a>'
        )
    parts.append("\n    " + objective_progress(objective, d) + "\n  </header>\n  \n  ")
    key_results = list(objective.key_results.all())
    if key_results:
        krs = _("%(key_results)s of %(title)s") % {
            "key_results": capfirst(d.word("key_results")),
            "title": objective.title,
        }
        parts.append(f'\n  <ul class="krs" aria-label="{esc(krs)}">\n    ')
        parts.extend(kr_row(kr, objective, d) for kr in key_results)
        parts.append("\n  </ul>\n  ")
    else:
        none = _("No %(key_results)s yet.") % {"key_results": d.word("key_results")}
        parts.append(f'\n  <div class="card__body muted">{esc(none)}')
        if d.can_edit:
            add = esc(_("Add one"))
            parts.append(f' <a href="{d.url("key_result_create", pk)}">{add}</a>.')
        parts.append("</div>\n  ")
    parts.append("\n  \n</article>\n")
    # Every text above was escaped, or is a number or a fixed word.
    return mark_safe("".join(parts))


def objective_cards(objectives: Iterable[Objective], d: Drawing) -> SafeString:
    # Each card is safe HTML.
    return mark_safe("".join(objective_card(objective, d) for objective in objectives))


# -- the alignment tree -----------------------------------------------------------------


class _TreeText:
    """The words and numbers of one drawing of the tree, each translated or formatted
    once: a page of 150 placements, 600 key results and hundreds of folded teams
    repeats the same few dozen words and a few hundred percentages, and each lookup in
    the reader's language costs more than writing the line around it."""

    __slots__ = (
        "branch",
        "committed",
        "contributing",
        "cycle",
        "d",
        "final_score",
        "language",
        "loop",
        "memo",
        "objective",
        "objectives_cap",
        "of_title",
        "private",
        "progress_of",
        "repeat",
        "roll_up_of",
        "rollup",
        "shown_under",
        "words",
    )

    def __init__(self, cycle: Cycle, d: Drawing) -> None:
        self.cycle = cycle
        self.d = d
        self.language = reader_language()
        self.words = words = {key: d.term(key) for key in ("objectives", "objective", "Objectives")}
        # URL patterns with ``{}`` for an id: escaped once, the ids are digits.
        self.objective = esc(_url("objective"))
        self.branch = esc(_url("cycle_tree_branch", cycle.pk))
        self.committed = esc(_("Committed"))
        self.repeat = esc(_("↩ repeat: shown in full elsewhere"))
        self.shown_under = esc(
            _("Shown under each of the %(objectives)s it contributes to")
            % {"objectives": words["objectives"]}
        )
        self.loop = esc(_("alignment loop"))
        self.final_score = esc(_("Final score"))
        self.progress_of = esc(_("Progress of %(title)s"))
        self.rollup = esc(_("roll-up %(rollup)s of %(count)s"))
        self.contributing = esc(_("%(Objectives)s contributing to %(title)s"))
        self.objectives_cap = esc(words["Objectives"])
        self.roll_up_of = esc(_("Roll-up of %(title)s"))
        self.of_title = esc(_("of %(title)s"))
        self.private = ""
        # What depends on one value only (a percentage, a status, a count), by kind.
        self.memo: dict[tuple[str, object], str] = {}

    def _memo(self, key: tuple[str, object], make: Callable[[], str]) -> str:
        """``make()``'s text for ``key``, made once per drawing."""
        text = self.memo.get(key)
        if text is None:
            text = self.memo[key] = make()
        return text

    def percent(self, value: Any) -> str:
        return self._memo(
            ("percent", value), lambda: esc(for_reader(percent_text(value), self.language))
        )

    def status(self, status: object) -> str:
        return self._memo(("status", status), lambda: esc(label_of(status)))

    def private_pill(self) -> str:
        if not self.private:
            self.private = _private()
        return self.private

    def count(self, n: int) -> str:
        return self._memo(("count", n), lambda: _count(n, self.d))

    def repeat_title(self, parents: int) -> str:
        return self._memo(
            ("repeat", parents),
            lambda: esc(
                _(
                    "This %(objective)s contributes to %(count)s %(objectives)s; it is shown "
                    "in full at its first place in the tree"
                )
                % {"count": parents, **self.words}
            ),
        )

    def contributes_to(self, parents: int) -> str:
        return self._memo(
            ("contributes", parents),
            lambda: esc(_("contributes to %(count)s") % {"count": parents}),
        )

    def mean_below(self, below: int) -> str:
        words = self.words
        # %(objectives)s is the organisation's word for as many as %(count)s.
        return self._memo(
            ("below", below),
            lambda: esc(
                ngettext(
                    "Mean progress of this %(objective)s and the %(count)s %(objectives)s below it",
                    "Mean progress of this %(objective)s and the %(count)s %(objectives)s below it",
                    below,
                )
                % {
                    "count": below,
                    "objective": words["objective"],
                    "objectives": words["objective" if below == 1 else "objectives"],
                }
            ),
        )

    def show_contributing(self, count: int) -> str:
        return self._memo(
            ("show", count),
            lambda: esc(
                ngettext(
                    "Show the %(count)s %(objectives)s contributing to it",
                    "Show the %(count)s %(objectives)s contributing to it",
                    count,
                )
                % {
                    "count": count,
                    "objectives": self.words["objective" if count == 1 else "objectives"],
                }
            ),
        )

    def owns(self, count: int) -> str:
        """The group roll-up's title, with ``%(owner)s`` and ``%(cycle)s`` to fill."""
        return self._memo(
            ("owns", count),
            lambda: ngettext(
                "Mean progress of the %(count)s %(objectives)s %(owner)s owns in %(cycle)s",
                "Mean progress of the %(count)s %(objectives)s %(owner)s owns in %(cycle)s",
                count,
            ),
        )

    def kind(self, team: Any) -> str:
        return self._memo(("kind", team.kind), lambda: esc(str(team.get_kind_display())))


def tree_lines(lines: Sequence[tuple[Line[Any], Card]], *, cycle: Cycle, d: Drawing) -> SafeString:
    """The placements of the alignment tree, one ``<li>`` each with the levels it opens
    and closes (``_tree_lines.html``)."""
    return mark_safe(_tree_lines(lines, _TreeText(cycle, d)))


def _tree_lines(lines: Sequence[tuple[Line[Any], Card]], t: _TreeText) -> str:
    d = t.d
    objective_url = t.objective
    branch_url = t.branch
    committed = t.committed
    progress_of = t.progress_of
    pct = t.percent
    parts: list[str] = []
    add = parts.append
    for line, card in lines:
        node = line.node
        objective = card.objective
        node_id = node.id
        title = esc(objective.title)
        if node.repeat:
            add('\n<li class="tree__item tree__item--repeat">\n')
        else:
            add(f'\n<li class="tree__item" id="tree-o-{node_id}">\n')
        add(
            '  <div class="tree-node">\n    <div class="tree-node__head">\n'
            f'      <a class="tree-node__title" href="{objective_url.format(node_id)}">'
            f'{title}</a>\n      <span class="tree-node__owner">{esc(objective.owner_name)}'
            "</span>\n      "
        )
        if objective.kind == Objective.Kind.COMMITTED:
            add(f'<span class="pill">{committed}</span>')
        add("\n      ")
        if objective.is_private:
            add(t.private_pill())
        add("\n      ")
        if node.repeat:
            add(
                f'<a class="pill tree-node__repeat" href="{branch_url.format(node_id)}" '
                f'title="{t.repeat_title(node.parent_count)}">{t.repeat}</a>'
            )
        elif node.parent_count > 1:
            add(
                f'<span class="pill" title="{t.shown_under}">'
                f"{t.contributes_to(node.parent_count)}</span>"
            )
        add("\n      ")
        if node.loop:
            add(f'<span class="pill tree-node__loop">{t.loop}</span>')
        add("\n      " + d.compact_signals(objective) + "\n    </div>\n")
        add('    <div class="tree-node__figures">\n      ')
        status = card.status
        if status:
            add(f'<span class="status status--{status}">{t.status(status)}</span>')
        else:
            add(
                f'<span class="score score--{card.band}" title="{t.final_score}">'
                f'{esc(str(localize(card.final)))} <span class="score__band">{card.band}</span>'
                "</span>"
            )
        width = bar_width(node.progress)
        add(
            f'\n      <div class="progress{f" progress--{status}" if status else ""}" '
            f'role="progressbar" aria-label="{progress_of % {"title": title}}" '
            'aria-valuemin="0" '
            f'aria-valuemax="100" aria-valuenow="{width}"><div class="progress__fill" '
            f'style="width: {width}%"></div></div>\n'
            f'      <span class="progress-value">{pct(objective.progress)}</span>\n      '
        )
        if node.covers > 1:
            rollup = t.rollup % {
                "rollup": f"<strong>{pct(node.rollup)}</strong>",
                "count": node.covers,
            }
            add(
                f'<span class="tree-node__rollup" title="{t.mean_below(node.covers - 1)}">'
                f"{rollup}</span>"
            )
        add("\n    </div>\n    ")
        if card.key_results:
            add('\n    <ul class="tree-krs">\n      ')
            for kr_line in card.key_results:
                kr = kr_line.key_result
                add(
                    f'<li class="tree-kr"><span class="tree-kr__dot tree-kr__dot--'
                    f'{kr_line.status}" title="{t.status(kr_line.status)}"></span><span '
                    f'class="tree-kr__title">{esc(kr.title)}</span><span class="tree-kr__value">'
                    f"{pct(kr.progress)}</span></li>"
                )
            add("\n    </ul>\n    ")
        add("\n  </div>\n  ")
        if line.opens or line.folded:
            toggle = (
                '<summary class="tree__toggle"><span class="visually-hidden">'
                + t.contributing % {"Objectives": t.objectives_cap, "title": title}
                + "</span></summary>"
                '<ul class="tree__children">'
            )
            if line.opens:
                add(
                    '<details class="tree__branch" open>'
                    if line.level == 0
                    else ('<details class="tree__branch">')
                )
                add(toggle)
            else:
                branch = branch_url.format(node_id)
                add(
                    '<details class="tree__branch tree__folded" hx-get="'
                    f'{branch}" hx-trigger="toggle once" hx-target="find .tree__children" '
                    f'hx-swap="innerHTML">{toggle}<li class="tree__more"><a href="{branch}">'
                    f"{t.show_contributing(node.child_count)}</a></li></ul></details></li>"
                )
        else:
            add("</li>")
        add("\n" + "</ul></details></li>" * line.closes + "\n")
    # Every text above was escaped, or is a number or a fixed word.
    return "".join(parts)


def _count(n: int, d: Drawing) -> str:
    return f"{n} {d.term('objective') if n == 1 else d.term('objectives')}"


def tree_group(group: Group, *, cycle: Cycle, d: Drawing) -> str:
    """One team's (or person's) section of the tree with its placements
    (``_tree_group.html`` before)."""
    return _tree_group(group, _TreeText(cycle, d))


def _tree_group(group: Group, t: _TreeText) -> str:
    d, cycle = t.d, t.cycle
    key = esc(group.key)
    title = esc(group.title)
    count = len(group.objectives)
    parts = [
        f'<section class="tree-group" id="tree-{key}" style="--team-depth: {group.depth}" '
        f'aria-labelledby="tree-{key}-heading">\n  <div class="tree-group__head">\n'
        f'    <h2 id="tree-{key}-heading">'
    ]
    if group.team:
        url = d.url("team", group.team.slug)
        parts.append(
            f'<a href="{url}?cycle={cycle.pk}">{title}</a> <span class="pill">'
            f"{t.kind(group.team)}</span>"
        )
    elif group.person:
        individual = esc(_("Individual"))
        parts.append(f'{title} <span class="pill">{individual}</span>')
    else:
        parts.append(title)
    parts.append("</h2>\n    ")
    if group.team or group.person:
        width = bar_width(group.rollup)
        mean = t.owns(count) % {
            "count": count,
            "objectives": d.term("objective" if count == 1 else "objectives"),
            "owner": group.title,
            "cycle": cycle.name,
        }
        roll_up_of = t.roll_up_of % {"title": title}
        parts.append(
            f'\n    <span class="tree-group__rollup" title="{esc(mean)}">\n'
            f'      <span class="progress" role="progressbar" aria-label="{roll_up_of}" '
            f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{width}"><span '
            f'class="progress__fill" style="width: {width}%"></span></span>\n'
            f'      <span class="progress-value">{t.percent(group.rollup)}</span>\n'
            "    </span>\n    "
        )
    of_title = t.of_title % {"title": title}
    parts.append(
        "\n  </div>\n  \n"
        '  <details class="tree-group__details" open>\n'
        f'    <summary class="tree-group__toggle">{t.count(count)}<span '
        f'class="visually-hidden"> {of_title}</span></summary>\n'
        f'    <ul class="tree">{_tree_lines(group.lines, t)}</ul>\n'
        "  </details>\n</section>\n"
    )
    return "".join(parts)


def tree_groups(groups: Iterable[Group], *, cycle: Cycle, d: Drawing) -> SafeString:
    t = _TreeText(cycle, d)
    # Each section is escaped where it inserts text.
    return mark_safe("\n".join(_tree_group(group, t) for group in groups))


def folded_groups(groups: Iterable[Group], *, cycle: Cycle, d: Drawing) -> SafeString:
    """The teams past the page's budget: a name and a roll-up each, their tree loaded
    when opened."""
    t = _TreeText(cycle, d)
    group_url = esc(_url("cycle_tree_group", cycle.pk))
    tree_of = esc(_("Show the tree of %(title)s"))
    parts = []
    for group in groups:
        key = esc(group.key)
        url = group_url.format(key)
        title = esc(group.title)
        parts.append(
            f'\n    <li id="tree-{key}" style="--team-depth: {group.depth}"><details '
            f'hx-get="{url}" hx-trigger="toggle once" hx-target="find .tree" '
            f'hx-swap="innerHTML"><summary><span class="tree-more__name">{title}</span> '
            f'<span class="muted">{t.count(len(group.objectives))} · <span '
            f'class="progress-value">{t.percent(group.rollup)}</span></span></summary><ul '
            f'class="tree"><li class="tree__more"><a href="{url}">'
            f"{tree_of % {'title': title}}</a>"
            "</li></ul></details></li>\n    "
        )
    # Every text above was escaped, or is a number or a fixed word.
    return mark_safe("".join(parts))
