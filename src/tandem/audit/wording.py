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
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tandem.audit.selectors import Change, Entry, kind_word
from tandem.formatting import for_reader, local_date
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
    """1200.5000 → "1,200.5" (written the reader's way: "1.200,5" in German)."""
    text = f"{value.normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return for_reader(text)


def with_unit(value: Any, unit: str = "", currency: str = "") -> str:
    """A stored value in its unit: "62%", "EUR 1,200", "202"; "—" for none."""
    number = _decimal(value)
    if number is None:
        return "—"
    text = plain_number(number)
    if unit == "percent":
        return for_reader(f"{text}%")
    if unit == "currency" and currency:
        return f"{currency} {text}"
    return text


def as_percent(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return for_reader(f"{(number * 100).quantize(Decimal(1)):f}%")


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return str(local_date(day, "j M Y"))


def _actor(entry: Entry) -> str:
    actor = entry.event.actor
    if actor is None:
        # The organisation's identity provider writes through SCIM as nobody in particular.
        return gettext("The identity provider") if entry.event.source == "scim" else "Tandem"
    return str(actor.full_name or actor.email)


def _quiet(changes: Iterable[Change], *skip: str) -> list[Change]:
    hidden = _QUIET_FIELDS | set(skip)
    return [c for c in changes if c.field not in hidden]


# A KPI's link to an objective names itself "<KPI> (<role>) for <objective>".
_LINK = re.compile(r"^(.*) \((guardrail|indicator)\) for (.*)$", re.DOTALL)
_ROLES = {"guardrail": _("guardrail"), "indicator": _("indicator")}

# What each common verb makes of "who did it to the <concept> “what”", as one sentence
# per verb so that every language can order it its own way.
_SENTENCES = {
    "create": _("%(who)s created the %(kind)s “%(what)s”"),
    "update": _("%(who)s changed the %(kind)s “%(what)s”"),
    "delete": _("%(who)s deleted the %(kind)s “%(what)s”"),
    "remove": _("%(who)s removed the %(kind)s “%(what)s”"),
    "archive": _("%(who)s archived the %(kind)s “%(what)s”"),
    "close": _("%(who)s closed the %(kind)s “%(what)s”"),
    "open": _("%(who)s opened the %(kind)s “%(what)s”"),
    "reopen": _("%(who)s reopened the %(kind)s “%(what)s”"),
    "score": _("%(who)s scored the %(kind)s “%(what)s”"),
    "member_add": _("%(who)s added a member to the %(kind)s “%(what)s”"),
    "member_remove": _("%(who)s removed a member from the %(kind)s “%(what)s”"),
}


def _generic_sentence(action: str, words: Mapping[str, str]) -> str:
    """``team.member_add`` → "Ann added a member to the team “Sales”"; a verb without a
    sentence of its own is told as it is named ("… set role the membership …")."""
    word = action.rsplit(".", 1)[-1]
    text = _SENTENCES.get(word)
    if text is None:
        return gettext("%(who)s %(verb)s the %(kind)s “%(what)s”") % {
            **words,
            "verb": word.replace("_", " "),
        }
    return str(text) % words


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
    return kind_word(entry.event.target_type)


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
        return Told(
            entry,
            gettext("%(who)s checked in %(value)s on “%(title)s”")
            % {"who": who, "value": value, "title": title},
        )
    kr = checkin.key_result
    if kr.kind == "milestone":
        text = (
            gettext("%(who)s marked “%(title)s” done")
            if checkin.done
            else gettext("%(who)s marked “%(title)s” not done yet")
        )
        sentence = text % {"who": who, "title": kr.title}
    else:
        value = with_unit(checkin.value, kr.unit, kr.currency)
        if "current" in before:
            # No check-in yet means the value is still the baseline.
            was = before["current"] if before["current"] is not None else kr.baseline
            sentence = gettext("%(who)s checked in %(value)s (was %(was)s) on “%(title)s”") % {
                "who": who,
                "value": value,
                "was": with_unit(was, kr.unit, kr.currency),
                "title": kr.title,
            }
        else:
            sentence = gettext("%(who)s checked in %(value)s on “%(title)s”") % {
                "who": who,
                "value": value,
                "title": kr.title,
            }
    sentence += gettext(", confidence %(confidence)s") % {"confidence": checkin.confidence}
    if "progress" in before and "progress" in after:
        sentence += gettext("; progress %(before)s → %(after)s") % {
            "before": as_percent(before["progress"]),
            "after": as_percent(after["progress"]),
        }
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
    when = (gettext(" for the period of %(day)s") % {"day": _date(period)}) if period else ""
    value = with_unit(after.get("value"), unit, currency)
    words = {"who": who, "name": name, "when": when, "value": value}
    if event.action == "measurement.correct" or (before and after):
        old = with_unit(before.get("value"), unit, currency)
        sentence = gettext("%(who)s corrected %(name)s%(when)s to %(value)s (was %(old)s)") % {
            **words,
            "old": old,
        }
    elif not after:
        sentence = gettext("%(who)s removed the value of %(name)s%(when)s") % words
    else:
        sentence = gettext("%(who)s recorded %(value)s for %(name)s%(when)s") % words
        if after.get("source") and after.get("source") != "manual":
            sentence += gettext(" (from %(source)s)") % {
                "source": str(after["source"]).replace("_", " ")
            }
    return Told(entry, sentence, note=str(after.get("note") or ""))


_THROUGH = {"api": _("the API"), "import": _("a file import"), "pull": _("a scheduled pull")}


def _batch(entry: Entry, terms: Terms) -> Told:
    """A batch of values: how many of each outcome, of how many KPIs, over which periods,
    through what and with which token."""
    after: Mapping[str, Any] = entry.event.after or {}
    created, updated = int(after.get("created") or 0), int(after.get("updated") or 0)
    kpis = len(after.get("kpis") or [])
    parts = (
        [gettext("%(count)s new") % {"count": plain_number(Decimal(created))}] if created else []
    )
    if updated:
        parts.append(
            ngettext("%(count)s correction", "%(count)s corrections", updated)
            % {"count": plain_number(Decimal(updated))}
        )
    sent = created + updated
    sentence = ngettext(
        "%(who)s sent %(count)s value (%(parts)s) of %(kpis)s %(kpi)s",
        "%(who)s sent %(count)s values (%(parts)s) of %(kpis)s %(kpi)s",
        sent,
    ) % {
        "who": _actor(entry),
        "count": plain_number(Decimal(sent)),
        "parts": ", ".join(parts),
        "kpis": plain_number(Decimal(kpis)),
        "kpi": terms["kpi"] if kpis == 1 else terms["kpis"],
    }
    first, last = after.get("first_period"), after.get("last_period")
    if first and last:
        sentence += (
            gettext(" for the period of %(day)s") % {"day": _date(first)}
            if first == last
            else gettext(" for the periods from %(first)s to %(last)s")
            % {"first": _date(first), "last": _date(last)}
        )
    through = _THROUGH.get(str(after.get("source") or ""))
    if through:
        sentence += gettext(" through %(what)s") % {"what": through}
    if after.get("token"):
        sentence += gettext(" with the token “%(name)s”") % {"name": after["token"]}
    return Told(entry, sentence)


def _kpi_target(entry: Entry, terms: Terms) -> Told:
    after: Mapping[str, Any] = entry.event.after or {}
    name = entry.event.target_repr.split(" from ")[0]
    words = {"who": _actor(entry), "name": name, "target": with_unit(after.get("target"))}
    if after.get("effective_from"):
        text = gettext("%(who)s set the target of %(name)s to %(target)s from %(day)s")
        return Told(entry, text % {**words, "day": _date(after["effective_from"])})
    return Told(entry, gettext("%(who)s set the target of %(name)s to %(target)s") % words)


def _promotion(entry: Entry, terms: Terms) -> Told:
    event = entry.event
    after: Mapping[str, Any] = event.after or {}
    kpi, _, objective = event.target_repr.partition(" promoted to ")
    if event.action.endswith("demote"):
        sentence = gettext("%(who)s demoted %(name)s back to a plain %(kpi)s") % {
            "who": _actor(entry),
            "name": kpi,
            "kpi": terms["kpi"],
        }
        return Told(entry, sentence, note=str(after.get("demotion_note") or ""))
    sentence = gettext("%(who)s promoted %(name)s to the %(objective)s “%(title)s”") % {
        "who": _actor(entry),
        "name": kpi,
        "objective": terms["objective"],
        "title": objective,
    }
    return Told(entry, sentence, note=str(after.get("reason") or ""))


def _score(entry: Entry, terms: Terms) -> Told:
    after: Mapping[str, Any] = entry.event.after or {}
    score = _decimal(after.get("score"))
    words = {"who": _actor(entry), "title": entry.event.target_repr}
    if score is None:
        return Told(entry, gettext("%(who)s scored “%(title)s”") % words)
    text = gettext("%(who)s scored “%(title)s” %(score)s")
    return Told(entry, text % {**words, "score": plain_number(score)})


def _generic(entry: Entry, terms: Terms) -> Told:
    event = entry.event
    what = tidy_numbers(event.target_repr)
    who = _actor(entry)
    sentence = _generic_sentence(
        event.action, {"who": who, "kind": _kind(entry, terms), "what": what}
    )
    if event.target_type == "alignment" and " -> " in what:
        child, parent = what.split(" -> ", 1)
        text = (
            gettext("%(who)s removed the alignment of “%(child)s” to “%(parent)s”")
            if event.after is None
            else gettext("%(who)s aligned “%(child)s” to “%(parent)s”")
        )
        sentence = text % {"who": who, "child": child, "parent": parent}
    elif event.target_type == "objectivekpi":
        link = _LINK.match(what)
        if link is not None:
            # "<KPI> (<role>) for <objective>", as the link names itself (ObjectiveKPI).
            kpi, role, objective = link.groups()
            text = (
                gettext("%(who)s unlinked the %(role)s %(kpi)s from “%(objective)s”")
                if event.after is None
                else gettext("%(who)s linked %(kpi)s to “%(objective)s” as a %(role)s")
            )
            words = {
                "who": who,
                "kpi": kpi,
                "objective": objective,
                "role": str(_ROLES.get(role, role)),
            }
            sentence = text % words
        else:
            text = (
                gettext("%(who)s unlinked %(what)s")
                if event.after is None
                else gettext("%(who)s linked %(what)s")
            )
            sentence = text % {"who": who, "what": what}
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
