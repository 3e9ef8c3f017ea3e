"""The quality coach's words in the reader's language, with the organisation's own names
for the concepts.

``tandem.domain.coach`` is pure Python: each finding carries a stable ``code``, its
``params`` and an ``example_code``, and English text for whoever reads it raw. The pages
turn a finding into a :class:`Suggestion` here (``suggestions(findings, terms)``), so
that "This objective has 2 key results." reads "Dieses Ziel hat 2
Schlüsselergebnisse." for a German reader, or "This rock has 2 milestones." in an
organisation that renamed the concepts. The rules' titles (the settings page) come from
:func:`rule_title`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tandem.domain.coach import CODES, Finding, RuleId, Severity
from tandem.formatting import for_reader, number, percent
from tandem.terms import Terms, default_terms

# Every placeholder below is a concept's name (the organisation's word, else Tandem's in
# the reader's language) or one of the finding's params.
TITLES: dict[RuleId, Promise] = {
    RuleId.KEY_RESULT_COUNT: _("Three to five %(key_results)s"),
    RuleId.TOO_MANY_OBJECTIVES: _("The vital few %(objectives)s"),
    RuleId.KEY_RESULT_WITHOUT_NUMBERS: _("A baseline and a target"),
    RuleId.TARGET_EQUALS_BASELINE: _("A target that differs from the baseline"),
    RuleId.ACTIVITY_KEY_RESULT: _("An outcome, not an activity"),
    RuleId.BUSINESS_AS_USUAL: _("Change, not business as usual"),
    RuleId.NO_OWNER: _("An owner"),
    RuleId.NO_ALIGNMENT_NO_REASON: _("Aligned, or a reason why not"),
    RuleId.STALE_CHECK_IN: _("Recent %(check_ins)s"),
    RuleId.COMMITTED_FORECAST_MISS: _("A committed %(objective)s heading for a miss"),
}

WHY: dict[RuleId, Promise] = {
    RuleId.KEY_RESULT_COUNT: _(
        "Fewer than three %(key_results)s rarely describe the outcome fully; more than five "
        "spread the team's attention thin."
    ),
    RuleId.TOO_MANY_OBJECTIVES: _(
        "Three to five %(objectives)s per owner and %(cycle)s is healthy; beyond five, "
        "priorities compete and none gets the focus it needs."
    ),
    RuleId.KEY_RESULT_WITHOUT_NUMBERS: _(
        "A metric %(key_result)s goes from X to Y; without both numbers its progress cannot "
        "be measured."
    ),
    RuleId.TARGET_EQUALS_BASELINE: _(
        "A target equal to the baseline means nothing changes when the %(key_result)s is "
        "met: it measures holding a level, which is a %(kpi)s's job."
    ),
    RuleId.ACTIVITY_KEY_RESULT: _(
        "A %(key_result)s measures the change the work should bring, not the work itself; "
        "the work (a report, a launch, meetings) is %(a_initiative)s under it."
    ),
    RuleId.BUSINESS_AS_USUAL: _(
        "%(A_objective)s that keeps something going describes business as usual: track it "
        "as %(a_kpi)s with a healthy range and write an OKR only when it must change."
    ),
    RuleId.NO_OWNER: _(
        "%(A_objective)s without an owner has nobody to check in, decide or ask for help."
    ),
    RuleId.NO_ALIGNMENT_NO_REASON: _(
        "%(A_objective)s that contributes to nothing above it should say why it matters, so "
        "others can see it is not a side project."
    ),
    RuleId.STALE_CHECK_IN: _(
        "Without recent %(check_ins)s the progress, status and forecast describe the past."
    ),
    RuleId.COMMITTED_FORECAST_MISS: _(
        "A committed %(objective)s is a promise expected at 1.0; the forecast says it will "
        "fall well short, and those relying on it should hear it now."
    ),
}

EXAMPLES: dict[str, Promise] = {
    RuleId.KEY_RESULT_COUNT: _(
        "%(Objective)s “Become the go-to IT service provider in our region” with: sign 5 "
        "tier one accounts; raise client satisfaction from 7.8 to 8.5; grow recurring "
        "revenue from €1.2M to €1.5M."
    ),
    RuleId.TOO_MANY_OBJECTIVES: _(
        "Keep the three %(objectives)s that matter most this quarter and move the rest to "
        "%(kpis)s or to a later %(cycle)s."
    ),
    RuleId.KEY_RESULT_WITHOUT_NUMBERS: _(
        "“Expand employees by 45%%”: from 40 people (baseline) to 58 (target)."
    ),
    RuleId.TARGET_EQUALS_BASELINE: _(
        "“Grow weekly active users from 1,200 to 1,500” rather than 1,200 to 1,200; or "
        "track 1,200 as a %(kpi)s's healthy floor."
    ),
    RuleId.ACTIVITY_KEY_RESULT: _(
        "Instead of “Launch virtual road show in three cities”: “Sign 5 tier one accounts "
        "in the road show cities”, with the road show as its %(initiative)s."
    ),
    RuleId.BUSINESS_AS_USUAL: _(
        "Instead of “Maintain server uptime”: %(a_kpi)s “uptime, at least 99.9%%”, and an "
        "OKR only if uptime must improve, e.g. “Cut monthly downtime from 90 to 20 "
        "minutes”."
    ),
    RuleId.NO_OWNER: _("Give it a team or a person who answers for it, e.g. Customer Success."),
    RuleId.NO_ALIGNMENT_NO_REASON: _(
        "Link it to the company %(objective)s it serves, or add a line such as “Needed "
        "before the 2027 certification audit”."
    ),
    RuleId.STALE_CHECK_IN: _(
        "A one-minute weekly %(check_in)s: the current value and a confidence from 1 to 10."
    ),
    RuleId.COMMITTED_FORECAST_MISS: _(
        "Raise it at the weekly meeting: add resources, cut scope with the people who rely "
        "on it, or turn it into an aspirational %(objective)s next %(cycle)s."
    ),
    "activity_key_result:make a report": _(
        "Instead of “Make a report on churn”: “Reduce monthly churn from 3%% to 2%%”, with "
        "the report as %(a_initiative)s that finds the causes."
    ),
    "activity_key_result:write a report": _(
        "Instead of “Write a report on churn”: “Reduce monthly churn from 3%% to 2%%”, with "
        "the report as %(a_initiative)s that finds the causes."
    ),
    "activity_key_result:hold meetings": _(
        "Instead of “Hold meetings with key clients”: “Raise key clients' satisfaction from "
        "7.2 to 8.0”, with the meetings as %(a_initiative)s."
    ),
}
EXAMPLES["activity_key_result:launch"] = EXAMPLES[RuleId.ACTIVITY_KEY_RESULT]

SEVERITIES: dict[Severity, Promise] = {
    Severity.ADVICE: _("Advice"),
    Severity.WARNING: _("Warning"),
    Severity.PROBLEM: _("Problem"),
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A finding as a reader sees it: the same rule, severity and subject, with its
    message and example in the reader's language."""

    finding: Finding
    message: str
    example: str
    severity_label: str

    @property
    def rule(self) -> RuleId:
        return self.finding.rule

    @property
    def severity(self) -> Severity:
        return self.finding.severity

    @property
    def subject(self) -> str:
        return self.finding.subject

    @property
    def key_result(self) -> int | None:
        return self.finding.key_result


def _sentence(code: str, params: Mapping[str, Any], words: Mapping[str, Any]) -> str:
    """The first sentence of a finding, from its code."""
    title = params.get("title", "")
    count = int(params.get("count", 0) or 0)
    days = int(params.get("days", 0) or 0)
    values = {**words, **params, "title": title, "count": count, "days": days}
    if code == "key_result_count.none":
        return gettext("This %(objective)s has no %(key_results)s yet.") % values
    # A counted sentence names the concept in the plural: a translation may only use
    # the placeholders of the plural's msgid, so the count of one has its own sentence.
    if code in ("key_result_count.few", "key_result_count.many"):
        if count == 1:
            return gettext("This %(objective)s has 1 %(key_result)s.") % values
        return (
            ngettext(
                "This %(objective)s has %(count)s %(key_results)s.",
                "This %(objective)s has %(count)s %(key_results)s.",
                count,
            )
            % values
        )
    if code == "too_many_objectives":
        return (
            ngettext(
                "Its owner has %(count)s %(objectives)s in this %(cycle)s.",
                "Its owner has %(count)s %(objectives)s in this %(cycle)s.",
                count,
            )
            % values
        )
    if code == "key_result_without_numbers.baseline":
        return gettext("“%(title)s” has no baseline.") % values
    if code == "key_result_without_numbers.target":
        return gettext("“%(title)s” has no target.") % values
    if code == "key_result_without_numbers.both":
        return gettext("“%(title)s” has no baseline and no target.") % values
    if code == "target_equals_baseline":
        value = for_reader(number(Decimal(params["value"])))
        return gettext("“%(title)s” starts and ends at %(value)s.") % {**values, "value": value}
    if code == "activity_key_result":
        return (
            gettext("“%(title)s” reads as work to do (“%(phrase)s”), not as a result to reach.")
            % values
        )
    if code == "business_as_usual":
        return gettext("“%(title)s” starts with “%(word)s”: it keeps something going.") % values
    if code == "no_owner":
        return gettext("Nobody owns this %(objective)s.") % values
    if code == "no_alignment_no_reason":
        return gettext("This %(objective)s is not aligned to anything and gives no reason.") % (
            values
        )
    if code == "stale_check_in.old":
        return (
            ngettext(
                "“%(title)s” was last checked in %(days)s day ago.",
                "“%(title)s” was last checked in %(days)s days ago.",
                days,
            )
            % values
        )
    if code == "stale_check_in.never":
        return (
            ngettext(
                "“%(title)s” has had no %(check_in)s, %(days)s day into the %(cycle)s.",
                "“%(title)s” has had no %(check_in)s, %(days)s days into the %(cycle)s.",
                days,
            )
            % values
        )
    if code == "committed_forecast_miss":
        progress = for_reader(percent(Decimal(params["progress"])))
        return gettext("It is committed, and forecast to end at %(progress)s.") % {
            **values,
            "progress": progress,
        }
    raise ValueError(f"no words for the coach's code {code!r} (known: {', '.join(CODES)})")


def _words(terms: Mapping[str, str] | None) -> Mapping[str, str]:
    return terms if terms is not None else default_terms()


def suggestion(finding: Finding, terms: Terms | Mapping[str, str] | None = None) -> Suggestion:
    """``finding`` in the active language, with ``terms`` (the organisation's words)."""
    words = _words(terms)
    if not finding.code:
        # A finding built by hand, without a code: its English text is all there is.
        return Suggestion(finding, finding.message, finding.example, str(finding.severity))
    sentence = _sentence(finding.code, finding.params, words)
    why = str(WHY[finding.rule]) % words
    example = EXAMPLES.get(finding.example_code) or EXAMPLES[finding.rule]
    return Suggestion(
        finding,
        message=f"{sentence} {why}",
        example=str(example) % words,
        severity_label=str(SEVERITIES[finding.severity]),
    )


def suggestions(
    findings: Iterable[Finding], terms: Terms | Mapping[str, str] | None = None
) -> list[Suggestion]:
    words = _words(terms)
    return [suggestion(f, words) for f in findings]


def rule_title(rule: RuleId | str, terms: Terms | Mapping[str, str] | None = None) -> str:
    """A rule's title (the organisation's settings list them) in the active language."""
    return str(TITLES[RuleId(rule)]) % _words(terms)
