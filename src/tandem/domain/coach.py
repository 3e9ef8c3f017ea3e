"""The quality coach: rule-based checks that help a team write better OKRs.

Each rule looks at a plain description of an objective and its key results
(:class:`ObjectiveDraft`, :class:`KeyResultDraft`) and returns findings with the
rule's id, a severity, an explanation and an example of a better version. Nothing
is sent anywhere: the rules are code, documented here and in docs/insights.md.

Rules (``RuleId``; an organisation switches any of them off by id, see ``enabled``):

* ``key_result_count``: fewer than 3 or more than 5 key results. Fewer rarely
  describe the outcome; more dilute focus.
* ``too_many_objectives``: the owner has more than 5 objectives in the cycle.
* ``key_result_without_numbers``: a metric key result without a baseline or a target:
  its progress cannot be measured.
* ``target_equals_baseline``: nothing would change if the key result were met.
* ``activity_key_result``: the key result describes work (an activity or an output)
  rather than an outcome. It is recognised by its first words (after "we will",
  "to" or a "KR1:" prefix): one of ``ACTIVITY_VERBS`` ("make", "create", "launch",
  "implement", "organise", "attend", "write", ...), or a phrase from
  ``ACTIVITY_PHRASES`` anywhere ("hold meetings", "hold a ...", "make a report",
  "work on", ...). "Hold" alone is not work: "Hold churn below 2%" is an outcome.
  "Launch virtual road show in three cities" is flagged: the road show is an output,
  the accounts it should win are the outcome. A title that also names the outcome it
  moves, "from X to Y" or "so that ...", is not flagged. Outcome verbs such as
  "sign", "grow", "reduce", "expand" or "reach" are never flagged. For a milestone
  key result the finding is only advice: "make something" is acceptable early on.
* ``business_as_usual``: the objective keeps something going ("keep", "maintain",
  "continue", "sustain", "run the", ...): that is a KPI's job, an OKR is for change.
* ``no_owner``: the objective has no owner.
* ``no_alignment_no_reason``: the objective contributes to nothing above it and its
  description does not say why it matters.
* ``stale_check_in``: in a running cycle, a key result's latest check-in is older
  than ``stale_days`` (default 14), or it never had one that long into the cycle.
  A done milestone needs no more check-ins.
* ``committed_forecast_miss``: a committed objective (a promise, expected at 1.0)
  whose forecast progress is below ``committed_miss_below`` (default 0.7): it is
  heading for a wide miss, and the people relying on it should hear it now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tandem.domain.scoring import Kind


class Severity(StrEnum):
    ADVICE = "advice"
    WARNING = "warning"
    PROBLEM = "problem"


class RuleId(StrEnum):
    KEY_RESULT_COUNT = "key_result_count"
    TOO_MANY_OBJECTIVES = "too_many_objectives"
    KEY_RESULT_WITHOUT_NUMBERS = "key_result_without_numbers"
    TARGET_EQUALS_BASELINE = "target_equals_baseline"
    ACTIVITY_KEY_RESULT = "activity_key_result"
    BUSINESS_AS_USUAL = "business_as_usual"
    NO_OWNER = "no_owner"
    NO_ALIGNMENT_NO_REASON = "no_alignment_no_reason"
    STALE_CHECK_IN = "stale_check_in"
    COMMITTED_FORECAST_MISS = "committed_forecast_miss"


class KeyResultKind(StrEnum):
    METRIC = "metric"
    MILESTONE = "milestone"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as an organisation's settings page lists it."""

    id: RuleId
    title: str
    severity: Severity
    why: str
    example: str


RULES: dict[RuleId, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            RuleId.KEY_RESULT_COUNT,
            "Three to five key results",
            Severity.WARNING,
            "Fewer than three key results rarely describe the outcome fully; more than "
            "five spread the team's attention thin.",
            "Objective “Become the go-to IT service provider in our region” with: sign 5 "
            "tier one accounts; raise client satisfaction from 7.8 to 8.5; grow recurring "
            "revenue from €1.2M to €1.5M.",
        ),
        Rule(
            RuleId.TOO_MANY_OBJECTIVES,
            "The vital few objectives",
            Severity.WARNING,
            "Three to five objectives per owner and cycle is healthy; beyond five, "
            "priorities compete and none gets the focus it needs.",
            "Keep the three objectives that matter most this quarter and move the rest to "
            "KPIs or to a later cycle.",
        ),
        Rule(
            RuleId.KEY_RESULT_WITHOUT_NUMBERS,
            "A baseline and a target",
            Severity.PROBLEM,
            "A metric key result goes from X to Y; without both numbers its progress "
            "cannot be measured.",
            "“Expand employees by 45%”: from 40 people (baseline) to 58 (target).",
        ),
        Rule(
            RuleId.TARGET_EQUALS_BASELINE,
            "A target that differs from the baseline",
            Severity.PROBLEM,
            "A target equal to the baseline means nothing changes when the key result is "
            "met: it measures holding a level, which is a KPI's job.",
            "“Grow weekly active users from 1,200 to 1,500” rather than 1,200 to 1,200; "
            "or track 1,200 as a KPI's healthy floor.",
        ),
        Rule(
            RuleId.ACTIVITY_KEY_RESULT,
            "An outcome, not an activity",
            Severity.WARNING,
            "A key result measures the change the work should bring, not the work itself; "
            "the work (a report, a launch, meetings) is an initiative under it.",
            "Instead of “Launch virtual road show in three cities”: “Sign 5 tier one "
            "accounts in the road show cities”, with the road show as its initiative.",
        ),
        Rule(
            RuleId.BUSINESS_AS_USUAL,
            "Change, not business as usual",
            Severity.WARNING,
            "An objective that keeps something going describes business as usual: track "
            "it as a KPI with a healthy range and write an OKR only when it must change.",
            "Instead of “Maintain server uptime”: a KPI “uptime, at least 99.9%”, and an "
            "OKR only if uptime must improve, e.g. “Cut monthly downtime from 90 to 20 "
            "minutes”.",
        ),
        Rule(
            RuleId.NO_OWNER,
            "An owner",
            Severity.WARNING,
            "An objective without an owner has nobody to check in, decide or ask for help.",
            "Give it a team or a person who answers for it, e.g. Customer Success.",
        ),
        Rule(
            RuleId.NO_ALIGNMENT_NO_REASON,
            "Aligned, or a reason why not",
            Severity.ADVICE,
            "An objective that contributes to nothing above it should say why it matters, "
            "so others can see it is not a side project.",
            "Link it to the company objective it serves, or add a line such as “Needed "
            "before the 2027 certification audit”.",
        ),
        Rule(
            RuleId.STALE_CHECK_IN,
            "Recent check-ins",
            Severity.WARNING,
            "Without recent check-ins the progress, status and forecast describe the past.",
            "A one-minute weekly check-in: the current value and a confidence from 1 to 10.",
        ),
        Rule(
            RuleId.COMMITTED_FORECAST_MISS,
            "A committed objective heading for a miss",
            Severity.PROBLEM,
            "A committed objective is a promise expected at 1.0; the forecast says it will "
            "fall well short, and those relying on it should hear it now.",
            "Raise it at the weekly meeting: add resources, cut scope with the people who "
            "rely on it, or turn it into an aspirational objective next cycle.",
        ),
    )
}
ALL_RULE_IDS = frozenset(RuleId)

# The sentences a finding starts with, by code, and what fills them (``Finding.params``).
# A code never changes meaning: the pages translate by it.
CODES: dict[str, tuple[str, ...]] = {
    "key_result_count.none": ("count",),
    "key_result_count.few": ("count",),
    "key_result_count.many": ("count",),
    "too_many_objectives": ("count",),
    "key_result_without_numbers.baseline": ("title",),
    "key_result_without_numbers.target": ("title",),
    "key_result_without_numbers.both": ("title",),
    "target_equals_baseline": ("title", "value"),
    "activity_key_result": ("title", "phrase"),
    "business_as_usual": ("title", "word"),
    "no_owner": (),
    "no_alignment_no_reason": (),
    "stale_check_in.old": ("title", "days"),
    "stale_check_in.never": ("title", "days"),
    "committed_forecast_miss": ("progress",),
}

# Verbs that start a description of work rather than of an outcome.
ACTIVITY_VERBS = (
    "make",
    "create",
    "launch",
    "implement",
    "organise",
    "organize",
    "attend",
    "write",
    "build",
    "develop",
    "prepare",
    "conduct",
    "publish",
    "complete",
    "finish",
    "set up",
    "introduce",
    "design",
    "draft",
    "plan",
    "host",
    "roll out",
    "start",
    "do",
    "produce",
    "deploy",
    "update",
    "review",
    "research",
    "analyse",
    "analyze",
    "document",
    "install",
    "migrate",
    "arrange",
    "schedule",
    "run",
    "send",
    "visit",
    "call",
    "train",
    "participate",
    "try",
    "work on",
)
# Phrases that describe work wherever they appear.
ACTIVITY_PHRASES = (
    "hold meetings",
    "hold a",
    "hold an",
    "hold weekly",
    "hold monthly",
    "hold workshops",
    "hold events",
    "hold sessions",
    "have meetings",
    "weekly meetings",
    "make a report",
    "write a report",
    "work on",
    "try to",
    "help with",
    "participate in",
    "be responsible for",
)
BUSINESS_AS_USUAL_STARTS = (
    "keep",
    "maintain",
    "continue",
    "sustain",
    "preserve",
    "uphold",
    "run the",
    "stay",
    "carry on",
)
_PREFIX = re.compile(
    r"^\s*(?:(?:kr|o)?\s*\d+[.):]?\s*|[-*•]\s*)?(?:(?:we|i)\s+(?:will|shall|must)\s+|we'll\s+|to\s+)?",
    re.IGNORECASE,
)
# A title that names the change it should bring is an outcome even if it starts with work.
_OUTCOME = re.compile(
    r"\bfrom\s+\S*\d\S*\s+to\s+\S*\d|\bso that\b|\bresulting in\b|\bleading to\b",
    re.IGNORECASE,
)


def _normalised(title: str) -> str:
    return " ".join(_PREFIX.sub("", title.strip(), count=1).lower().split())


def _starts_with(text: str, phrase: str) -> bool:
    return text == phrase or text.startswith(phrase + " ")


def activity_phrase(title: str) -> str | None:
    """The activity verb or phrase that makes ``title`` read as work, or ``None``."""
    text = _normalised(title)
    if not text or _OUTCOME.search(text):
        return None
    for phrase in ACTIVITY_PHRASES:
        if re.search(rf"\b{re.escape(phrase)}\b", text):
            return phrase
    return next((verb for verb in ACTIVITY_VERBS if _starts_with(text, verb)), None)


def business_as_usual_phrase(title: str) -> str | None:
    """The word that makes an objective's ``title`` read as business as usual, or ``None``."""
    text = _normalised(title)
    return next((word for word in BUSINESS_AS_USUAL_STARTS if _starts_with(text, word)), None)


@dataclass(frozen=True, slots=True)
class KeyResultDraft:
    """What the coach needs to know about one key result.

    ``days_since_check_in`` is ``None`` when it never had one.
    """

    title: str
    kind: KeyResultKind = KeyResultKind.METRIC
    baseline: Decimal | None = None
    target: Decimal | None = None
    done: bool = False
    days_since_check_in: int | None = None


@dataclass(frozen=True, slots=True)
class ObjectiveDraft:
    """What the coach needs to know about one objective.

    ``owner_objectives`` counts the owner's objectives in the cycle, this one included.
    ``reason`` is the objective's description. ``days_into_cycle`` is how long its
    cycle has run (for key results never checked in); ``forecast_progress`` its
    forecast clamped progress, when there is one.
    """

    title: str
    key_results: tuple[KeyResultDraft, ...] = ()
    kind: Kind = Kind.ASPIRATIONAL
    has_owner: bool = True
    owner_objectives: int = 1
    aligned: bool = False
    reason: str = ""
    cycle_active: bool = False
    days_into_cycle: int = 0
    forecast_progress: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CoachSettings:
    min_key_results: int = 3
    max_key_results: int = 5
    max_objectives: int = 5
    stale_days: int = 14
    committed_miss_below: Decimal = Decimal("0.7")

    def __post_init__(self) -> None:
        if not (1 <= self.min_key_results <= self.max_key_results):
            raise ValueError("need 1 <= min_key_results <= max_key_results")
        if self.max_objectives < 1 or self.stale_days < 1:
            raise ValueError("max_objectives and stale_days must be at least 1")
        if not (0 < self.committed_miss_below <= 1):
            raise ValueError("committed_miss_below is a progress between 0 and 1")


DEFAULT_SETTINGS = CoachSettings()


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of advice: which rule, how serious, why, and a better example.

    ``key_result`` is the index of the key result it is about, ``None`` for the
    objective; ``subject`` is that item's title.

    ``message`` and ``example`` are English. The pages say them in the reader's language
    from ``code`` (which sentence: ``CODES``), ``params`` (what fills it: a title, a
    count, a value) and ``example_code`` (a rule id, or ``activity_key_result:<phrase>``
    for an activity's own example); ``message`` ends with the rule's ``why``.
    """

    rule: RuleId
    severity: Severity
    message: str
    example: str
    subject: str
    key_result: int | None = None
    code: str = ""
    params: Mapping[str, str | int | Decimal] = field(default_factory=dict)
    example_code: str = ""


class _Check:
    """Collects findings, filling in each rule's severity, explanation and example."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(
        self,
        rule_id: RuleId,
        message: str,
        *,
        code: str,
        subject: str,
        params: Mapping[str, str | int | Decimal] | None = None,
        key_result: int | None = None,
        severity: Severity | None = None,
        example_phrase: str | None = None,
    ) -> None:
        assert code in CODES, code
        rule = RULES[rule_id]
        own = _ACTIVITY_EXAMPLES.get(example_phrase or "")
        self.findings.append(
            Finding(
                rule=rule_id,
                severity=severity or rule.severity,
                message=f"{message} {rule.why}",
                example=own or rule.example,
                subject=subject,
                key_result=key_result,
                code=code,
                params=dict(params or {}),
                example_code=f"{rule_id}:{example_phrase}" if own else str(rule_id),
            )
        )


def enabled_rules(disabled: Iterable[str] = ()) -> frozenset[str]:
    """Every rule id except ``disabled``; an unknown id is refused (a typo would hide it)."""
    off = _known(disabled)
    return frozenset(str(rule) for rule in ALL_RULE_IDS) - off


def _known(ids: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(str(rule) for rule in ids)
    unknown = chosen - {str(rule) for rule in ALL_RULE_IDS}
    if unknown:
        raise ValueError(f"unknown coach rules: {', '.join(sorted(unknown))}")
    return chosen


def _enabled(enabled: Iterable[str] | None) -> frozenset[str]:
    return frozenset(str(rule) for rule in ALL_RULE_IDS) if enabled is None else _known(enabled)


_ACTIVITY_EXAMPLES = {
    "launch": RULES[RuleId.ACTIVITY_KEY_RESULT].example,
    "make a report": "Instead of “Make a report on churn”: “Reduce monthly churn from 3% to "
    "2%”, with the report as an initiative that finds the causes.",
    "write a report": "Instead of “Write a report on churn”: “Reduce monthly churn from 3% "
    "to 2%”, with the report as an initiative that finds the causes.",
    "hold meetings": "Instead of “Hold meetings with key clients”: “Raise key clients' "
    "satisfaction from 7.2 to 8.0”, with the meetings as an initiative.",
}


def key_result_findings(
    key_result: KeyResultDraft,
    *,
    index: int | None = None,
    enabled: Iterable[str] | None = None,
    settings: CoachSettings = DEFAULT_SETTINGS,
    cycle_active: bool = False,
    days_into_cycle: int = 0,
) -> list[Finding]:
    """The findings about one key result (also usable while its title is typed)."""
    rules = _enabled(enabled)
    check = _Check()
    title = key_result.title.strip()
    metric = key_result.kind is KeyResultKind.METRIC
    if RuleId.KEY_RESULT_WITHOUT_NUMBERS in rules and metric:
        missing = [
            name
            for name, value in (("baseline", key_result.baseline), ("target", key_result.target))
            if value is None
        ]
        if missing:
            check.add(
                RuleId.KEY_RESULT_WITHOUT_NUMBERS,
                f"“{title}” has no {' and no '.join(missing)}.",
                code=f"key_result_without_numbers.{missing[0] if len(missing) == 1 else 'both'}",
                params={"title": title},
                subject=title,
                key_result=index,
            )
    if (
        RuleId.TARGET_EQUALS_BASELINE in rules
        and metric
        and key_result.baseline is not None
        and key_result.baseline == key_result.target
    ):
        check.add(
            RuleId.TARGET_EQUALS_BASELINE,
            f"“{title}” starts and ends at {key_result.baseline.normalize():f}.",
            code="target_equals_baseline",
            params={"title": title, "value": key_result.baseline},
            subject=title,
            key_result=index,
        )
    if RuleId.ACTIVITY_KEY_RESULT in rules and (phrase := activity_phrase(title)):
        check.add(
            RuleId.ACTIVITY_KEY_RESULT,
            f"“{title}” reads as work to do (“{phrase}”), not as a result to reach.",
            code="activity_key_result",
            params={"title": title, "phrase": phrase},
            subject=title,
            key_result=index,
            severity=None if metric else Severity.ADVICE,
            example_phrase=phrase,
        )
    age = key_result.days_since_check_in
    if RuleId.STALE_CHECK_IN in rules and cycle_active and not key_result.done:
        if age is not None and age > settings.stale_days:
            check.add(
                RuleId.STALE_CHECK_IN,
                f"“{title}” was last checked in {age} days ago.",
                code="stale_check_in.old",
                params={"title": title, "days": age},
                subject=title,
                key_result=index,
            )
        elif age is None and days_into_cycle > settings.stale_days:
            check.add(
                RuleId.STALE_CHECK_IN,
                f"“{title}” has had no check-in, {days_into_cycle} days into the cycle.",
                code="stale_check_in.never",
                params={"title": title, "days": days_into_cycle},
                subject=title,
                key_result=index,
            )
    return check.findings


def coach(
    objective: ObjectiveDraft,
    *,
    enabled: Iterable[str] | None = None,
    settings: CoachSettings = DEFAULT_SETTINGS,
) -> list[Finding]:
    """Every finding about ``objective`` and its key results, objective first.

    ``enabled`` lists the rule ids to run (``None``: all of them); build it with
    :func:`enabled_rules` from the ids an organisation switched off.
    """
    rules = _enabled(enabled)
    check = _Check()
    title = objective.title.strip()
    count = len(objective.key_results)
    if RuleId.KEY_RESULT_COUNT in rules and not (
        settings.min_key_results <= count <= settings.max_key_results
    ):
        if count == 0:
            message, code = "This objective has no key results yet.", "key_result_count.none"
        elif count < settings.min_key_results:
            message = f"This objective has {count} key result{'s' if count > 1 else ''}."
            code = "key_result_count.few"
        else:
            message, code = f"This objective has {count} key results.", "key_result_count.many"
        check.add(
            RuleId.KEY_RESULT_COUNT, message, code=code, params={"count": count}, subject=title
        )
    if RuleId.TOO_MANY_OBJECTIVES in rules and objective.owner_objectives > settings.max_objectives:
        check.add(
            RuleId.TOO_MANY_OBJECTIVES,
            f"Its owner has {objective.owner_objectives} objectives in this cycle.",
            code="too_many_objectives",
            params={"count": objective.owner_objectives},
            subject=title,
        )
    if RuleId.BUSINESS_AS_USUAL in rules and (word := business_as_usual_phrase(title)):
        check.add(
            RuleId.BUSINESS_AS_USUAL,
            f"“{title}” starts with “{word}”: it keeps something going.",
            code="business_as_usual",
            params={"title": title, "word": word},
            subject=title,
        )
    if RuleId.NO_OWNER in rules and not objective.has_owner:
        check.add(RuleId.NO_OWNER, "Nobody owns this objective.", code="no_owner", subject=title)
    if (
        RuleId.NO_ALIGNMENT_NO_REASON in rules
        and not objective.aligned
        and not objective.reason.strip()
    ):
        check.add(
            RuleId.NO_ALIGNMENT_NO_REASON,
            "This objective is not aligned to anything and gives no reason.",
            code="no_alignment_no_reason",
            subject=title,
        )
    if (
        RuleId.COMMITTED_FORECAST_MISS in rules
        and objective.kind is Kind.COMMITTED
        and objective.forecast_progress is not None
        and objective.forecast_progress < settings.committed_miss_below
    ):
        check.add(
            RuleId.COMMITTED_FORECAST_MISS,
            f"It is committed, and forecast to end at {objective.forecast_progress:.0%}.",
            code="committed_forecast_miss",
            params={"progress": objective.forecast_progress},
            subject=title,
        )
    findings = check.findings
    for index, key_result in enumerate(objective.key_results):
        findings += key_result_findings(
            key_result,
            index=index,
            enabled=rules,
            settings=settings,
            cycle_active=objective.cycle_active,
            days_into_cycle=objective.days_into_cycle,
        )
    return findings
