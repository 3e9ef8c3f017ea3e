"""The quality coach: every rule with a failing and a passing example, and switching rules off."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.coach import (
    ALL_RULE_IDS,
    CODES,
    RULES,
    CoachSettings,
    KeyResultDraft,
    KeyResultKind,
    ObjectiveDraft,
    RuleId,
    Severity,
    activity_phrase,
    business_as_usual_phrase,
    coach,
    enabled_rules,
    key_result_findings,
)
from tandem.domain.scoring import Kind

D = Decimal

SIGN = KeyResultDraft("Sign 5 tier one accounts", baseline=D(0), target=D(5), days_since_check_in=3)
SATISFACTION = KeyResultDraft(
    "Raise client satisfaction from 7.8 to 8.5",
    baseline=D("7.8"),
    target=D("8.5"),
    days_since_check_in=3,
)
EMPLOYEES = KeyResultDraft(
    "Expand employees by 45%", baseline=D(40), target=D(58), days_since_check_in=3
)
GOOD = ObjectiveDraft(
    "Become the go-to IT service provider in our region",
    key_results=(SIGN, SATISFACTION, EMPLOYEES),
    kind=Kind.COMMITTED,
    owner_objectives=3,
    aligned=True,
    cycle_active=True,
    days_into_cycle=40,
    forecast_progress=D("0.95"),
)


def rules_of(objective: ObjectiveDraft, **options) -> list[RuleId]:
    return [finding.rule for finding in coach(objective, **options)]


def with_key_result(key_result: KeyResultDraft) -> ObjectiveDraft:
    return replace(GOOD, key_results=(SIGN, SATISFACTION, key_result))


def test_a_well_written_objective_has_no_findings():
    assert coach(GOOD) == []


def test_every_rule_has_an_explanation_and_a_better_example():
    assert set(RULES) == ALL_RULE_IDS
    for rule in RULES.values():
        assert rule.why
        assert rule.example
        assert rule.title


# -- key result count --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 2, 6, 7])
def test_fewer_than_three_or_more_than_five_key_results_are_flagged(count):
    objective = replace(GOOD, key_results=(SIGN,) * count)
    findings = [f for f in coach(objective) if f.rule is RuleId.KEY_RESULT_COUNT]
    assert len(findings) == 1
    assert findings[0].severity is Severity.WARNING
    assert findings[0].key_result is None
    assert findings[0].subject == GOOD.title


@pytest.mark.parametrize("count", [3, 4, 5])
def test_three_to_five_key_results_are_fine(count):
    assert coach(replace(GOOD, key_results=(SIGN,) * count)) == []


def test_no_key_results_yet_says_so():
    (finding,) = coach(replace(GOOD, key_results=()))
    assert finding.message.startswith("This objective has no key results yet.")


def test_the_key_result_range_is_a_setting():
    two = replace(GOOD, key_results=(SIGN, SATISFACTION))
    assert coach(two, settings=CoachSettings(min_key_results=2)) == []


# -- objectives per owner ----------------------------------------------------------------------


def test_more_than_five_objectives_for_one_owner_are_flagged():
    assert rules_of(replace(GOOD, owner_objectives=6)) == [RuleId.TOO_MANY_OBJECTIVES]


def test_five_objectives_for_one_owner_are_fine():
    assert coach(replace(GOOD, owner_objectives=5)) == []


# -- numbers -----------------------------------------------------------------------------------


def test_a_metric_key_result_without_a_target_is_flagged():
    findings = coach(with_key_result(replace(EMPLOYEES, target=None)))
    assert [f.rule for f in findings] == [RuleId.KEY_RESULT_WITHOUT_NUMBERS]
    assert findings[0].severity is Severity.PROBLEM
    assert findings[0].key_result == 2
    assert findings[0].message.startswith("“Expand employees by 45%” has no target.")


def test_a_metric_key_result_without_baseline_nor_target_names_both():
    (finding,) = coach(with_key_result(replace(EMPLOYEES, baseline=None, target=None)))
    assert "has no baseline and no target" in finding.message


def test_a_milestone_needs_no_numbers():
    milestone = KeyResultDraft(
        "Sign the framework contract with the city",
        kind=KeyResultKind.MILESTONE,
        days_since_check_in=2,
    )
    assert coach(with_key_result(milestone)) == []


def test_a_target_equal_to_the_baseline_is_flagged():
    findings = coach(with_key_result(replace(EMPLOYEES, target=D(40))))
    assert [f.rule for f in findings] == [RuleId.TARGET_EQUALS_BASELINE]
    assert "starts and ends at 40" in findings[0].message


def test_a_target_different_from_the_baseline_is_fine():
    assert coach(with_key_result(replace(EMPLOYEES, target=D("40.01")))) == []


# -- activities --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        ("make a report", "make a report"),
        ("Make a report on churn for the board", "make a report"),
        ("Launch virtual road show in three cities", "launch"),
        ("Hold meetings with our ten largest clients", "hold meetings"),
        ("Hold a customer day in Lyon", "hold a"),
        ("Create a new onboarding video", "create"),
        ("Implement the new CRM", "implement"),
        ("Organise two customer events", "organise"),
        ("Attend three trade fairs", "attend"),
        ("Write the security handbook", "write"),
        ("KR1: Set up a partner portal", "set up"),
        ("We will roll out the mobile app", "roll out"),
        ("- Work on the pricing page", "work on"),
    ],
)
def test_activities_and_outputs_are_flagged(title, phrase):
    assert activity_phrase(title) == phrase
    findings = coach(with_key_result(replace(EMPLOYEES, title=title)))
    assert [f.rule for f in findings] == [RuleId.ACTIVITY_KEY_RESULT]
    assert findings[0].severity is Severity.WARNING
    assert f"(“{phrase}”)" in findings[0].message


@pytest.mark.parametrize(
    "title",
    [
        "Sign 5 tier one accounts from the road show cities",
        "Expand employees by 45%",
        "Reduce churn from 3% to 2%",
        "Grow recurring revenue to €1.5M",
        "Reach 8.5 in client satisfaction",
        "Double weekly active users",
        "Launch the self-serve checkout so that conversion goes up",
        "Launch in three cities, growing leads from 40 to 120",
        "Makers' community grows to 500 members",
        "Planned downtime below 2 hours a month",
    ],
)
def test_outcomes_are_not_flagged_as_activities(title):
    assert activity_phrase(title) is None
    assert coach(with_key_result(replace(EMPLOYEES, title=title))) == []


def test_a_launch_is_answered_with_the_road_show_example():
    (finding,) = coach(
        with_key_result(replace(EMPLOYEES, title="Launch virtual road show in three cities"))
    )
    assert "Sign 5 tier one accounts" in finding.example


def test_a_report_is_answered_with_an_outcome_it_should_move():
    (finding,) = coach(with_key_result(replace(EMPLOYEES, title="make a report")))
    assert "Reduce monthly churn" in finding.example


def test_an_activity_milestone_is_only_advice():
    milestone = KeyResultDraft(
        "Launch the partner portal", kind=KeyResultKind.MILESTONE, days_since_check_in=2
    )
    (finding,) = coach(with_key_result(milestone))
    assert finding.rule is RuleId.ACTIVITY_KEY_RESULT
    assert finding.severity is Severity.ADVICE


def test_the_title_can_be_checked_while_it_is_typed():
    typing = KeyResultDraft("Hold meetings", baseline=D(0), target=D(10))
    assert [f.rule for f in key_result_findings(typing)] == [RuleId.ACTIVITY_KEY_RESULT]
    # Holding a level is an outcome; holding meetings is work.
    assert key_result_findings(replace(typing, title="Hold churn below 2%")) == []


# -- business as usual -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Keep the lights on",
        "Maintain server uptime",
        "Continue monthly newsletters",
        "Run the shop",
    ],
)
def test_business_as_usual_objectives_are_flagged_with_a_kpi_suggestion(title):
    findings = coach(replace(GOOD, title=title))
    assert [f.rule for f in findings] == [RuleId.BUSINESS_AS_USUAL]
    assert "KPI" in findings[0].example


@pytest.mark.parametrize(
    "title", ["Become the go-to IT service provider in our region", "Keeping customers is easy"]
)
def test_objectives_about_change_are_not_business_as_usual(title):
    assert business_as_usual_phrase(title) is None


# -- owner and alignment -----------------------------------------------------------------------


def test_an_objective_without_owner_is_flagged():
    assert rules_of(replace(GOOD, has_owner=False)) == [RuleId.NO_OWNER]


def test_an_unaligned_objective_without_a_reason_is_flagged():
    findings = coach(replace(GOOD, aligned=False))
    assert [f.rule for f in findings] == [RuleId.NO_ALIGNMENT_NO_REASON]
    assert findings[0].severity is Severity.ADVICE


def test_an_unaligned_objective_with_a_reason_is_fine():
    reason = "Needed before the 2027 certification audit."
    assert coach(replace(GOOD, aligned=False, reason=reason)) == []
    assert rules_of(replace(GOOD, aligned=False, reason="   ")) == [RuleId.NO_ALIGNMENT_NO_REASON]


# -- stale check-ins ---------------------------------------------------------------------------


def test_a_key_result_not_checked_in_for_over_two_weeks_is_stale():
    findings = coach(with_key_result(replace(EMPLOYEES, days_since_check_in=15)))
    assert [f.rule for f in findings] == [RuleId.STALE_CHECK_IN]
    assert "15 days ago" in findings[0].message


def test_a_check_in_two_weeks_old_is_not_stale():
    assert coach(with_key_result(replace(EMPLOYEES, days_since_check_in=14))) == []


def test_a_key_result_never_checked_in_is_stale_only_once_the_cycle_has_run_long_enough():
    never = replace(EMPLOYEES, days_since_check_in=None)
    assert rules_of(with_key_result(never)) == [RuleId.STALE_CHECK_IN]
    assert coach(replace(with_key_result(never), days_into_cycle=10)) == []


def test_nothing_is_stale_outside_a_running_cycle_or_once_a_milestone_is_done():
    old = replace(EMPLOYEES, days_since_check_in=60)
    assert coach(replace(with_key_result(old), cycle_active=False)) == []
    done = KeyResultDraft(
        "Open the Lyon office", kind=KeyResultKind.MILESTONE, done=True, days_since_check_in=60
    )
    assert coach(with_key_result(done)) == []


def test_the_stale_age_is_a_setting():
    week_old = with_key_result(replace(EMPLOYEES, days_since_check_in=8))
    assert rules_of(week_old, settings=CoachSettings(stale_days=7)) == [RuleId.STALE_CHECK_IN]


# -- committed objectives and forecasts --------------------------------------------------------


def test_a_committed_objective_forecast_well_short_is_flagged():
    findings = coach(replace(GOOD, forecast_progress=D("0.55")))
    assert [f.rule for f in findings] == [RuleId.COMMITTED_FORECAST_MISS]
    assert "forecast to end at 55%" in findings[0].message
    assert findings[0].severity is Severity.PROBLEM


def test_a_committed_objective_forecast_close_to_its_target_is_fine():
    assert coach(replace(GOOD, forecast_progress=D("0.7"))) == []
    assert coach(replace(GOOD, forecast_progress=None)) == []


def test_an_aspirational_objective_forecast_short_is_not_a_broken_promise():
    assert coach(replace(GOOD, kind=Kind.ASPIRATIONAL, forecast_progress=D("0.4"))) == []


# -- switching rules off -----------------------------------------------------------------------


def test_an_organisation_switches_rules_off_by_id():
    messy = replace(GOOD, has_owner=False, aligned=False, key_results=(SIGN,))
    assert set(rules_of(messy)) == {
        RuleId.KEY_RESULT_COUNT,
        RuleId.NO_OWNER,
        RuleId.NO_ALIGNMENT_NO_REASON,
    }
    enabled = enabled_rules(["no_alignment_no_reason", "key_result_count"])
    assert rules_of(messy, enabled=enabled) == [RuleId.NO_OWNER]
    assert rules_of(messy, enabled=set()) == []


def test_switched_off_rules_stay_off_for_key_results_too():
    activity = with_key_result(replace(EMPLOYEES, title="make a report", target=None))
    enabled = enabled_rules(["activity_key_result"])
    assert rules_of(activity, enabled=enabled) == [RuleId.KEY_RESULT_WITHOUT_NUMBERS]


def test_an_unknown_rule_id_is_refused():
    with pytest.raises(ValueError, match="unknown coach rules: no_such_rule"):
        enabled_rules(["no_such_rule"])
    with pytest.raises(ValueError, match="unknown coach rules"):
        coach(GOOD, enabled={"no_owner", "typo"})


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError, match="min_key_results"):
        CoachSettings(min_key_results=6, max_key_results=5)
    with pytest.raises(ValueError, match="committed_miss_below"):
        CoachSettings(committed_miss_below=D("1.5"))


@given(st.text(max_size=120))
def test_any_title_can_be_checked(title):
    phrase = activity_phrase(title)
    assert phrase is None or isinstance(phrase, str)
    for finding in key_result_findings(KeyResultDraft(title, baseline=D(0), target=D(1))):
        assert finding.rule is RuleId.ACTIVITY_KEY_RESULT


def test_every_finding_carries_a_known_code_and_what_fills_its_sentence():
    messy = ObjectiveDraft(
        "Keep the lights on",
        key_results=(
            KeyResultDraft("Launch a road show", days_since_check_in=20),
            KeyResultDraft("Make a report on churn", kind=KeyResultKind.MILESTONE),
            KeyResultDraft("Grow", baseline=D(5), target=D(5)),
            KeyResultDraft("No target", baseline=D(1)),
            KeyResultDraft("No baseline", target=D(1)),
            KeyResultDraft("Nothing"),
        ),
        kind=Kind.COMMITTED,
        has_owner=False,
        owner_objectives=7,
        cycle_active=True,
        days_into_cycle=30,
        forecast_progress=D("0.45"),
    )
    never = ObjectiveDraft(
        "X", key_results=(KeyResultDraft("a"),), cycle_active=True, days_into_cycle=30
    )
    findings = coach(messy) + coach(never) + coach(ObjectiveDraft("Y"))
    assert {f.code for f in findings} == set(CODES)
    for finding in findings:
        assert set(finding.params) == set(CODES[finding.code]), finding.code
        assert finding.code.split(".")[0] == finding.rule
        assert finding.example_code.split(":")[0] == finding.rule
    activity = next(
        f
        for f in findings
        if f.code == "activity_key_result" and f.params["phrase"] == "make a report"
    )
    assert activity.example_code == "activity_key_result:make a report"
    assert activity.params["title"] == "Make a report on churn"
