"""The history in people's words: one sentence per audit event, the same on every page.

"Tom Fletcher checked in 202 (was 199) on “Grow paying clients”, confidence 6" instead of
``checkin.create … current: 199.0000 → 202.0000``. Numbers carry the unit of their key
result or KPI and no trailing zeros; progress is a percentage; the organisation's words
for its concepts are used. The check-ins and measurements behind a page of events are
read in one query per kind, so describing a feed costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps

from tandem.audit.selectors import Change, Entry
from tandem.terms import Terms, terms_of

# A stored decimal in free text ("… 2026-11-23: 91.8000"): shown without its zeros.
_STORED_DECIMAL = re.compile(r"(?<![\d.])(-?\d+)\.(\d*?)0+(?![\d.])")
# Fields whose stored value is a fraction people read as a percentage.
PERCENT_FIELDS = {"progress", "expected", "clamped progress"}
# Fields nobody reads in a sentence's details: the sentence says them already, or they
# are bookkeeping (times a row was written, its owner's id).
_QUIET_FIELDS = {"created at", "updated at", "recorded at", "recorded by", "last checkin at"}


@dataclass(frozen=True)
class Told:
    """One event, told: its sentence, an optional quoted note, and what else changed."""

    entry: Entry
    sentence: str
    note: str = ""
    details: list[Change] = field(default_factory=list)

    @property
    def event(self) -> Any:
        return self.entry.event

    @property
    def changes(self) -> list[Change]:
        return self.details

    @property
    def url(self) -> str | None:
        return self.entry.url


def tidy_numbers(text: str) -> str:
    """``"Client satisfaction 2026-11-23: 91.8000"`` → ``"… 91.8"``."""

    def plain(match: re.Match[str]) -> str:
        whole, fraction = match.group(1), match.group(2)
        return f"{whole}.{fraction}" if fraction else whole

    return _STORED_DECIMAL.sub(plain, text)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def plain_number(value: Decimal) -> str:
    """1200.5000 → "1,200.5"."""
    text = f"{value.normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def with_unit(value: Any, unit: str = "", currency: str = "") -> str:
    """A stored value in its unit: "62%", "EUR 1,200", "202"; "—" for none."""
    number = _decimal(value)
    if number is None:
        return "—"
    text = plain_number(number)
    if unit == "percent":
        return f"{text}%"
    if unit == "currency" and currency:
        return f"{currency} {text}"
    return text


def as_percent(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{(number * 100).quantize(Decimal(1)):f}%"


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return f"{day.day} {day:%b %Y}"


def _actor(entry: Entry) -> str:
    actor = entry.event.actor
    if actor is None:
        # The organisation's identity provider writes through SCIM as nobody in particular.
        return "The identity provider" if entry.event.source == "scim" else "Tandem"
    return str(actor.full_name or actor.email)


def _quiet(changes: Iterable[Change], *skip: str) -> list[Change]:
    hidden = _QUIET_FIELDS | set(skip)
    return [c for c in changes if c.field not in hidden]


def _verb(action: str) -> str:
    """``team.member_add`` → "member add"; the common verbs in the past tense."""
    word = action.rsplit(".", 1)[-1]
    return {
        "create": "created",
        "update": "changed",
        "delete": "deleted",
        "remove": "removed",
        "archive": "archived",
        "close": "closed",
        "open": "opened",
        "reopen": "reopened",
        "score": "scored",
        "member_add": "added a member to",
        "member_remove": "removed a member from",
    }.get(word, word.replace("_", " "))


_KINDS = {
    "objective": "objective",
    "keyresult": "key_result",
    "checkin": "check_in",
    "initiative": "initiative",
    "cycle": "cycle",
    "kpi": "kpi",
}


def _kind(entry: Entry, terms: Terms) -> str:
    concept = _KINDS.get(entry.event.target_type)
    if concept is not None:
        return terms[concept]
    return entry.kind.lower()


class _Lookups:
    """The check-ins and measurements a list of events mentions, read in bulk."""

    def __init__(self, entries: list[Entry]) -> None:
        checkin_ids = [e.event.target_id for e in entries if e.event.target_type == "checkin"]
        measurement_ids = [
            e.event.target_id for e in entries if e.event.target_type == "measurement"
        ]
        self.checkins: dict[int, Any] = {}
        self.measurements: dict[int, Any] = {}
        if checkin_ids:
            model = apps.get_model("okrs.CheckIn")
            for row in model._base_manager.filter(pk__in=checkin_ids).select_related("key_result"):
                self.checkins[row.pk] = row
        if measurement_ids:
            model = apps.get_model("kpis.Measurement")
            for row in model._base_manager.filter(pk__in=measurement_ids).select_related("kpi"):
                self.measurements[row.pk] = row


def _check_in(entry: Entry, terms: Terms, lookups: _Lookups) -> Told:
    event = entry.event
    before: Mapping[str, Any] = event.before or {}
    after: Mapping[str, Any] = event.after or {}
    checkin = lookups.checkins.get(event.target_id)
    who = _actor(entry)
    if checkin is None:  # the key result was deleted since: tell what the event kept
        title = tidy_numbers(event.target_repr.rsplit(": ", 1)[0])
        value = with_unit(after.get("current"))
        return Told(entry, f"{who} checked in {value} on “{title}”")
    kr = checkin.key_result
    if kr.kind == "milestone":
        state = "done" if checkin.done else "not done yet"
        sentence = f"{who} marked “{kr.title}” {state}"
    else:
        value = with_unit(checkin.value, kr.unit, kr.currency)
        sentence = f"{who} checked in {value}"
        if "current" in before:
            # No check-in yet means the value is still the baseline.
            was = before["current"] if before["current"] is not None else kr.baseline
            sentence += f" (was {with_unit(was, kr.unit, kr.currency)})"
        sentence += f" on “{kr.title}”"
    sentence += f", confidence {checkin.confidence}"
    if "progress" in before and "progress" in after:
        sentence += f"; progress {as_percent(before['progress'])} → {as_percent(after['progress'])}"
    return Told(entry, sentence, note=checkin.note)


def _measurement(entry: Entry, terms: Terms, lookups: _Lookups) -> Told:
    event = entry.event
    before: Mapping[str, Any] = event.before or {}
    after: Mapping[str, Any] = event.after or {}
    row = lookups.measurements.get(event.target_id)
    who = _actor(entry)
    unit, currency, name = "", "", tidy_numbers(event.target_repr.rsplit(" ", 2)[0])
    period: Any = after.get("period_start") or before.get("period_start")
    if row is not None:
        unit, currency, name = row.kpi.unit, row.kpi.currency, row.kpi.name
        period = row.period_start
    when = f" for the period of {_date(period)}" if period else ""
    value = with_unit(after.get("value"), unit, currency)
    if event.action == "measurement.correct" or (before and after):
        old = with_unit(before.get("value"), unit, currency)
        sentence = f"{who} corrected {name}{when} to {value} (was {old})"
    elif not after:
        sentence = f"{who} removed the value of {name}{when}"
    else:
        sentence = f"{who} recorded {value} for {name}{when}"
        if after.get("source") and after.get("source") != "manual":
            sentence += f" (from {str(after['source']).replace('_', ' ')})"
    return Told(entry, sentence, note=str(after.get("note") or ""))


_THROUGH = {"api": "the API", "import": "a file import", "pull": "a scheduled pull"}


def _batch(entry: Entry, terms: Terms) -> Told:
    """A batch of values: how many of each outcome, of how many KPIs, over which periods,
    through what and with which token."""
    after: Mapping[str, Any] = entry.event.after or {}
    created, updated = int(after.get("created") or 0), int(after.get("updated") or 0)
    kpis = len(after.get("kpis") or [])
    parts = [f"{created:,} new"] if created else []
    if updated:
        parts.append(f"{updated:,} correction{'s' if updated != 1 else ''}")
    kpi_word = terms["kpi"] if kpis == 1 else terms["kpis"]
    sentence = (
        f"{_actor(entry)} sent {created + updated:,} value{'s' if created + updated != 1 else ''}"
        f" ({', '.join(parts)}) of {kpis:,} {kpi_word}"
    )
    first, last = after.get("first_period"), after.get("last_period")
    if first and last:
        sentence += (
            f" for the period of {_date(first)}"
            if first == last
            else f" for the periods from {_date(first)} to {_date(last)}"
        )
    through = _THROUGH.get(str(after.get("source") or ""))
    if through:
        sentence += f" through {through}"
    if after.get("token"):
        sentence += f" with the token “{after['token']}”"
    return Told(entry, sentence)


def _kpi_target(entry: Entry, terms: Terms) -> Told:
    after: Mapping[str, Any] = entry.event.after or {}
    name = entry.event.target_repr.split(" from ")[0]
    target = with_unit(after.get("target"))
    since = f" from {_date(after['effective_from'])}" if after.get("effective_from") else ""
    return Told(entry, f"{_actor(entry)} set the target of {name} to {target}{since}")


def _promotion(entry: Entry, terms: Terms) -> Told:
    event = entry.event
    after: Mapping[str, Any] = event.after or {}
    kpi, _, objective = event.target_repr.partition(" promoted to ")
    if event.action.endswith("demote"):
        sentence = f"{_actor(entry)} demoted {kpi} back to a plain {terms['kpi']}"
        return Told(entry, sentence, note=str(after.get("demotion_note") or ""))
    sentence = f"{_actor(entry)} promoted {kpi} to the {terms['objective']} “{objective}”"
    return Told(entry, sentence, note=str(after.get("reason") or ""))


def _score(entry: Entry, terms: Terms) -> Told:
    after: Mapping[str, Any] = entry.event.after or {}
    score = _decimal(after.get("score"))
    told = f" {plain_number(score)}" if score is not None else ""
    return Told(entry, f"{_actor(entry)} scored “{entry.event.target_repr}”{told}")


def _generic(entry: Entry, terms: Terms) -> Told:
    event = entry.event
    what = tidy_numbers(event.target_repr)
    verb = _verb(event.action)
    kind = _kind(entry, terms)
    sentence = f"{_actor(entry)} {verb} the {kind} “{what}”"
    if event.target_type == "alignment" and " -> " in what:
        child, parent = what.split(" -> ", 1)
        verb = "removed the alignment of" if event.after is None else "aligned"
        sentence = f"{_actor(entry)} {verb} “{child}” to “{parent}”"
    elif event.target_type == "objectivekpi":
        verb = "unlinked" if event.after is None else "linked"
        sentence = f"{_actor(entry)} {verb} {what}"
    # What else the event changed (a creation's or deletion's whole row) stays behind
    # "details", formatted the same way.
    return Told(entry, sentence, details=_quiet(entry.changes))


def tell(entries: list[Entry], *, organization: Any) -> list[Told]:
    """Each entry as a sentence, in the order given."""
    terms = terms_of(organization)
    lookups = _Lookups(entries)
    told: list[Told] = []
    for entry in entries:
        action = entry.event.action
        if action.startswith("checkin."):
            told.append(_check_in(entry, terms, lookups))
        elif action == "measurement.batch":
            told.append(_batch(entry, terms))
        elif action.startswith("measurement."):
            told.append(_measurement(entry, terms, lookups))
        elif action == "kpi.target":
            told.append(_kpi_target(entry, terms))
        elif action in ("kpi.promote", "kpi.demote"):
            told.append(_promotion(entry, terms))
        elif action == "objective.score":
            told.append(_score(entry, terms))
        else:
            told.append(_generic(entry, terms))
    return told
