"""OKR services against a real database: check-ins, key results, objectives, cycles,
alignment, initiatives, the audit trail and the organisation boundary.

Every refusal is also checked to leave the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.audit.models import AuditEvent, Source
from tandem.audit.services import snapshot
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective
from tests.conftest import Cast
from tests.okrs.conftest import Foreign, audits_of, errors_of, nothing_written

D = Decimal


def add_objective(cast: Cast, title: str = "Delight every customer", **kwargs) -> Objective:
    kwargs.setdefault("owner_team", cast.team)
    return okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, title=title, by=cast.owner, **kwargs
    )


def add_kr(objective: Objective, by, title: str = "Raise NPS", **kwargs) -> KeyResult:
    if kwargs.get("kind") != KeyResult.Kind.MILESTONE:
        kwargs.setdefault("baseline", D(0))
        kwargs.setdefault("target", D(100))
    return okrs.key_result_create(objective=objective, title=title, by=by, **kwargs)


def check_in(cast: Cast, kr: KeyResult | None = None, **kwargs) -> CheckIn:
    kwargs.setdefault("confidence", 7)
    if "done" not in kwargs:
        kwargs.setdefault("value", "40")
    return okrs.key_result_check_in(key_result=kr or cast.kr, by=cast.member, **kwargs)


def fresh(obj):
    obj.refresh_from_db()
    return obj


# -- check-ins --------------------------------------------------------------------------


def test_metric_check_in_records_the_value_confidence_note_and_author(cast: Cast):
    checkin = check_in(cast, value="40", confidence=8, note="  Two big deals signed  ")
    checkin = CheckIn.objects.get(pk=checkin.pk)
    assert checkin.value == D(40)
    assert checkin.done is None
    assert checkin.confidence == 8
    assert checkin.note == "Two big deals signed"
    assert checkin.author == cast.member
    assert checkin.organization == cast.org
    kr = fresh(cast.kr)
    assert (kr.current, kr.progress, kr.last_confidence) == (D(40), D("0.4"), 8)
    assert kr.last_checkin_at == checkin.created_at


def test_check_in_refreshes_the_key_result_the_caller_holds(cast: Cast):
    check_in(cast, value="25")
    assert cast.kr.current == D(25)
    assert cast.kr.progress == D("0.25")


def test_milestone_check_in_marks_it_done(cast: Cast):
    milestone = add_kr(cast.objective, cast.owner, "Launch the partner portal", kind="milestone")
    assert fresh(cast.objective).progress == 0
    check_in(cast, milestone, done=True)
    milestone = fresh(milestone)
    assert milestone.done is True
    assert milestone.progress == 1
    assert milestone.current is None
    assert fresh(cast.objective).progress == D("0.5")


def test_milestone_can_be_undone_by_a_later_check_in(cast: Cast):
    milestone = add_kr(cast.objective, cast.owner, "Launch the partner portal", kind="milestone")
    check_in(cast, milestone, done=True)
    check_in(cast, milestone, done=False)
    assert fresh(milestone).progress == 0


def test_milestone_check_in_must_say_whether_it_is_done(cast: Cast):
    milestone = add_kr(cast.objective, cast.owner, "Launch the partner portal", kind="milestone")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.key_result_check_in(key_result=milestone, confidence=5, by=cast.member)
    assert set(errors_of(exc)) == {"done"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,250.5", D("1250.5")),
        (" 42 ", D(42)),
        ("-3.25", D("-3.25")),
        ("1,000,000", D(1000000)),
        (D("12.5"), D("12.5")),
        (7, D(7)),
    ],
)
def test_check_in_reads_numbers_as_people_type_them(cast: Cast, text, value):
    check_in(cast, value=text)
    assert fresh(cast.kr).current == value


@pytest.mark.parametrize(
    "text", ["abc", "12 apples", "1,5", "12,50", "1,2345.6", "NaN", "Infinity", "1e20", ""]
)
def test_check_in_with_a_value_that_is_not_a_usable_number_names_the_value(cast: Cast, text):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast, value=text)
    assert set(errors_of(exc)) == {"value"}


def test_a_decimal_comma_is_refused_rather_than_read_as_thousands(cast: Cast):
    with pytest.raises(ValidationError) as exc:
        check_in(cast, value="12,5")
    assert "12.5" in errors_of(exc)["value"][0]


def test_check_in_without_a_value_names_the_value(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast, value=None)
    assert "Enter the key result's current value." in errors_of(exc)["value"]


@pytest.mark.parametrize("confidence", [None, "", 0, 11, -1, "abc", "7.5", 7.5, True])
def test_check_in_with_a_confidence_off_the_scale_names_the_confidence(cast: Cast, confidence):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast, confidence=confidence)
    assert set(errors_of(exc)) == {"confidence"}


@pytest.mark.parametrize(("confidence", "level"), [("7", 7), (" 10 ", 10), (1, 1), (10, 10)])
def test_check_in_accepts_confidence_as_a_whole_number_or_its_text(cast: Cast, confidence, level):
    assert check_in(cast, confidence=confidence).confidence == level


def test_check_in_reports_every_wrong_field_at_once(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast, value="lots", confidence="high")
    assert set(errors_of(exc)) == {"value", "confidence"}


def test_check_in_on_a_closed_cycle_is_refused_and_says_why(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast)
    [message] = errors_of(exc)["__all__"]
    assert "This quarter" in message
    assert "closed" in message
    assert "scores are final" in message
    assert exc.value.error_dict["__all__"][0].code == "closed"


@pytest.mark.parametrize("state", [Objective.State.DROPPED, Objective.State.CLOSED])
def test_check_in_on_a_dropped_or_closed_objective_is_refused(cast: Cast, state):
    okrs.objective_update(objective=cast.objective, state=state, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast)
    [message] = errors_of(exc)["__all__"]
    assert cast.objective.title in message
    assert state in message


def test_back_dated_check_in_does_not_replace_the_current_value(cast: Cast):
    check_in(cast, value="40", confidence=7)
    yesterday = timezone.now() - dt.timedelta(days=1)
    late_report = check_in(cast, value="10", confidence=3, at=yesterday)
    kr = fresh(cast.kr)
    assert kr.current == D(40)
    assert kr.last_confidence == 7
    assert CheckIn.objects.filter(key_result=kr).count() == 2
    assert late_report.created_at == yesterday


def test_back_dated_check_in_counts_when_it_is_the_only_one(cast: Cast):
    check_in(cast, value="10", at=timezone.now() - dt.timedelta(days=3))
    assert fresh(cast.kr).current == D(10)


def test_the_current_value_is_always_the_latest_check_in_whatever_the_order_of_entry(
    cast: Cast,
):
    now = timezone.now()
    entries = [(5, "50"), (1, "10"), (9, "90"), (3, "30"), (7, "70")]
    for hours_ago, value in entries:
        check_in(cast, value=value, at=now - dt.timedelta(hours=hours_ago))
        latest = min(h for h, _ in entries[: entries.index((hours_ago, value)) + 1])
        assert fresh(cast.kr).current == D(dict(entries)[latest])
    assert fresh(cast.kr).current == D(10)


def test_check_in_at_a_naive_time_is_refused_on_at(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        check_in(cast, at=dt.datetime(2025, 1, 1, 12, 0))  # noqa: DTZ001
    assert set(errors_of(exc)) == {"at"}


def test_check_ins_cannot_be_edited_once_recorded(cast: Cast):
    checkin = check_in(cast, value="40")
    checkin.value = D(99)
    with pytest.raises(TypeError, match="append-only"):
        checkin.save()
    with pytest.raises(TypeError, match="append-only"):
        CheckIn.objects.update(value=D(99))
    with pytest.raises(TypeError, match="append-only"):
        CheckIn.objects.filter(pk=checkin.pk).update(confidence=1)
    assert CheckIn.objects.get(pk=checkin.pk).value == D(40)


def test_over_achievement_is_shown_raw_and_clamped_in_the_objective(cast: Cast):
    check_in(cast, value="150")
    assert fresh(cast.kr).progress == D("1.5")
    assert fresh(cast.objective).progress == D(1)


def test_value_far_beyond_the_target_is_stored_with_capped_progress(cast: Cast):
    # A typo (a million for a hundred) must not break the check-in on PostgreSQL's
    # numeric(9, 4) progress column.
    check_in(cast, value="9,999,999,999,999")
    kr = fresh(cast.kr)
    assert kr.current == D("9999999999999")
    assert kr.progress == D("99999.9999")
    assert fresh(cast.objective).progress == 1


# -- objective progress is kept fresh ---------------------------------------------------


def test_objective_progress_follows_each_check_in(cast: Cast):
    second = add_kr(cast.objective, cast.owner, "Win back lost customers", target=D(10))
    assert fresh(cast.objective).progress == 0
    check_in(cast, value="60")
    assert fresh(cast.objective).progress == D("0.3")
    check_in(cast, second, value="10")
    objective = fresh(cast.objective)
    assert objective.progress == D("0.8")
    assert objective.last_checkin_at == fresh(second).last_checkin_at


def test_objective_progress_follows_a_new_target(cast: Cast):
    check_in(cast, value="40")
    okrs.key_result_update(key_result=cast.kr, target=D(50), by=cast.owner)
    assert fresh(cast.kr).progress == D("0.8")
    assert fresh(cast.objective).progress == D("0.8")


def test_objective_progress_follows_a_new_weight(cast: Cast):
    second = add_kr(cast.objective, cast.owner, "Win back lost customers", target=D(10))
    check_in(cast, second, value="10")
    assert fresh(cast.objective).progress == D("0.5")
    okrs.key_result_update(key_result=cast.kr, weight="3", by=cast.owner)
    assert fresh(cast.objective).progress == D("0.25")


def test_objective_progress_follows_a_new_baseline(cast: Cast):
    check_in(cast, value="40")
    okrs.key_result_update(key_result=cast.kr, baseline=D(20), by=cast.owner)
    assert fresh(cast.kr).progress == D("0.25")
    assert fresh(cast.objective).progress == D("0.25")


def test_a_new_key_result_starts_at_zero_and_pulls_the_objective_down(cast: Cast):
    check_in(cast, value="100")
    assert fresh(cast.objective).progress == 1
    add_kr(cast.objective, cast.owner, "Open a second office", kind="milestone")
    assert fresh(cast.objective).progress == D("0.5")


def test_objective_without_key_results_has_no_progress(cast: Cast):
    assert add_objective(cast).progress is None


# -- key result creation ----------------------------------------------------------------


def test_key_result_is_created_with_its_numbers_and_position(cast: Cast):
    kr = add_kr(
        cast.objective,
        cast.owner,
        "Grow monthly revenue",
        unit=KeyResult.Unit.CURRENCY,
        currency=" eur ",
        baseline="10,000",
        target="15,000.50",
        weight="2.5",
        owner=cast.member,
    )
    kr = fresh(kr)
    assert (kr.baseline, kr.target, kr.weight) == (D(10000), D("15000.5"), D("2.5"))
    assert kr.currency == "EUR"
    assert kr.position == 1
    assert kr.organization == cast.org
    assert kr.progress == 0


def test_decrease_key_result_is_created_with_target_below_baseline(cast: Cast):
    kr = add_kr(cast.objective, cast.owner, "Cut churn", baseline=D(8), target=D(3))
    check_in(cast, kr, value="5")
    assert fresh(kr).progress == D("0.6")


def test_milestone_ignores_baseline_and_target(cast: Cast):
    kr = add_kr(cast.objective, cast.owner, "Ship it", kind="milestone", baseline=D(1), target=D(2))
    kr = fresh(kr)
    assert (kr.baseline, kr.target, kr.progress) == (None, None, 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"baseline": D(50), "target": D(50)}, "target"),
        ({"baseline": "1,000", "target": "1000"}, "target"),
        ({"baseline": None}, "baseline"),
        ({"baseline": ""}, "baseline"),
        ({"target": None}, "target"),
        ({"baseline": "zero"}, "baseline"),
        ({"target": "a lot"}, "target"),
        ({"weight": D(0)}, "weight"),
        ({"weight": "-1"}, "weight"),
        ({"weight": "heavy"}, "weight"),
        ({"unit": KeyResult.Unit.CURRENCY}, "currency"),
        ({"unit": KeyResult.Unit.CURRENCY, "currency": "EURO"}, "currency"),
        ({"currency": "E1R"}, "currency"),
        ({"title": "   "}, "title"),
        ({"kind": "guess"}, "kind"),
        ({"unit": "parsecs"}, "unit"),
        ({"baseline": "0.00001"}, "baseline"),
    ],
)
def test_key_result_creation_errors_name_the_field(cast: Cast, kwargs, field):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        add_kr(cast.objective, cast.owner, **kwargs)
    assert field in errors_of(exc)


def test_target_equal_to_baseline_says_a_key_result_moves(cast: Cast):
    with pytest.raises(ValidationError) as exc:
        add_kr(cast.objective, cast.owner, baseline=D(50), target=D(50))
    assert "moves from X to Y" in errors_of(exc)["target"][0]


def test_key_result_creation_in_a_closed_cycle_is_refused(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    objective = Objective.objects.get(pk=cast.objective.pk)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        add_kr(objective, cast.owner)
    assert "This quarter" in errors_of(exc)["objective"][0]


# -- key result updates -----------------------------------------------------------------


def test_key_result_update_changes_the_fields_and_bumps_the_version(cast: Cast):
    kr = okrs.key_result_update(
        key_result=cast.kr, title="  Sign recurring contracts  ", target="120", by=cast.owner
    )
    assert (kr.title, kr.target, kr.version) == ("Sign recurring contracts", D(120), 2)
    assert fresh(cast.kr).version == 2


def test_key_result_update_with_a_stale_version_is_a_conflict_and_changes_nothing(cast: Cast):
    okrs.key_result_update(key_result=cast.kr, title="First edit", by=cast.owner, version=1)
    before = KeyResult.objects.get(pk=cast.kr.pk)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.key_result_update(key_result=cast.kr, target=D(500), by=cast.editor, version=1)
    assert set(errors_of(exc)) == {"version"}
    assert exc.value.error_dict["version"][0].code == "conflict"
    after = KeyResult.objects.get(pk=cast.kr.pk)
    assert (after.title, after.target, after.version) == (before.title, D(100), 2)


def test_key_result_update_that_breaks_the_rules_changes_nothing(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.key_result_update(key_result=cast.kr, target=D(0), by=cast.owner)
    assert set(errors_of(exc)) == {"target"}
    kr = fresh(cast.kr)
    assert (kr.target, kr.version) == (D(100), 1)


def test_key_result_update_refuses_fields_it_does_not_own(cast: Cast):
    with nothing_written(), pytest.raises(TypeError, match="current"):
        okrs.key_result_update(key_result=cast.kr, current=D(99), by=cast.owner)


def test_key_result_update_in_a_closed_cycle_is_refused(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.key_result_update(key_result=cast.kr, target=D(10), by=cast.owner)
    assert "This quarter" in errors_of(exc)["objective"][0]
    assert fresh(cast.kr).target == D(100)


def test_key_result_update_that_changes_nothing_writes_nothing(cast: Cast):
    with nothing_written():
        kr = okrs.key_result_update(
            key_result=cast.kr, title=cast.kr.title, target="100", weight="1.0", by=cast.owner
        )
    assert kr.version == 1


# -- objectives -------------------------------------------------------------------------


def test_objective_is_created_in_the_cycle_with_its_owner_and_position(cast: Cast):
    objective = add_objective(cast, "  Delight every customer  ", kind="committed")
    objective = fresh(objective)
    assert objective.title == "Delight every customer"
    assert objective.kind == Objective.Kind.COMMITTED
    assert objective.position == 1
    assert objective.created_by == cast.owner
    assert (objective.version, objective.state) == (1, Objective.State.ACTIVE)


def test_objective_may_belong_to_a_person(cast: Cast):
    objective = add_objective(cast, owner_team=None, owner_user=cast.member)
    assert fresh(objective).owner_user == cast.member


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"owner_team": None}, "owner"),
        ({"owner_user": "member"}, "owner"),
        ({"kind": "hopeful"}, "kind"),
        ({"state": "someday"}, "state"),
    ],
)
def test_objective_creation_errors_name_the_field(cast: Cast, kwargs, field):
    if kwargs.get("owner_user") == "member":
        kwargs["owner_user"] = cast.member
    with nothing_written(), pytest.raises(ValidationError) as exc:
        add_objective(cast, **kwargs)
    assert field in errors_of(exc)


def test_objective_creation_in_a_closed_cycle_is_refused(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        add_objective(cast)
    assert "This quarter is closed" in errors_of(exc)["cycle"][0]


def test_objective_update_changes_fields_and_bumps_the_version(cast: Cast):
    updated = okrs.objective_update(
        objective=cast.objective, title=" Own the region ", kind="committed", by=cast.editor
    )
    assert (updated.title, updated.kind, updated.version) == ("Own the region", "committed", 2)
    assert fresh(cast.objective).title == "Own the region"


def test_objective_update_with_a_stale_version_is_a_conflict_and_changes_nothing(cast: Cast):
    okrs.objective_update(objective=cast.objective, title="Edit one", by=cast.owner, version=1)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.objective_update(objective=cast.objective, title="Edit two", by=cast.editor, version=1)
    assert set(errors_of(exc)) == {"version"}
    assert "Someone else changed" in errors_of(exc)["version"][0]
    assert exc.value.error_dict["version"][0].code == "conflict"
    objective = fresh(cast.objective)
    assert (objective.title, objective.version) == ("Edit one", 2)


def test_objective_update_with_the_current_version_goes_through(cast: Cast):
    updated = okrs.objective_update(
        objective=cast.objective, title="Edit one", by=cast.owner, version=1
    )
    updated = okrs.objective_update(objective=updated, title="Edit two", by=cast.owner, version=2)
    assert updated.version == 3


def test_objective_update_refuses_fields_it_does_not_own(cast: Cast):
    with nothing_written(), pytest.raises(TypeError, match="progress"):
        okrs.objective_update(objective=cast.objective, progress=D(1), by=cast.owner)


def test_objective_update_that_breaks_the_rules_changes_nothing(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.objective_update(objective=cast.objective, owner_user=cast.member, by=cast.owner)
    assert set(errors_of(exc)) == {"owner"}
    assert fresh(cast.objective).owner_user is None


def test_objective_update_moving_it_to_a_closed_cycle_is_refused(cast: Cast):
    old = okrs.cycle_create(
        organization=cast.org,
        name="Last quarter",
        start_date=cast.cycle.start_date - dt.timedelta(days=90),
        end_date=cast.cycle.start_date - dt.timedelta(days=1),
        by=cast.owner,
    )
    okrs.cycle_close(cycle=old, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.objective_update(objective=cast.objective, cycle=old, by=cast.owner)
    assert "Last quarter is closed" in errors_of(exc)["cycle"][0]


def test_objective_update_that_changes_nothing_writes_nothing(cast: Cast):
    with nothing_written():
        objective = okrs.objective_update(
            objective=cast.objective, title=cast.objective.title, by=cast.owner
        )
    assert objective.version == 1


# -- alignment --------------------------------------------------------------------------


def test_objective_contributes_to_a_parent_objective(cast: Cast):
    child = add_objective(cast, "Win the regional tender")
    alignment = okrs.alignment_add(objective=child, parent_objective=cast.objective, by=cast.editor)
    assert alignment.organization == cast.org
    assert list(cast.objective.alignments_down.all()) == [alignment]


def test_objective_contributes_to_a_parent_key_result(cast: Cast):
    child = add_objective(cast, "Win the regional tender")
    alignment = okrs.alignment_add(objective=child, parent_key_result=cast.kr, by=cast.editor)
    assert list(cast.kr.contributing_alignments.all()) == [alignment]
    assert alignment.parent_objective_id_resolved == cast.objective.pk


def test_objective_may_contribute_to_several_parents(cast: Cast):
    child = add_objective(cast, "Win the regional tender")
    other = add_objective(cast, "Be known for quality")
    okrs.alignment_add(objective=child, parent_objective=cast.objective, by=cast.editor)
    okrs.alignment_add(objective=child, parent_objective=other, by=cast.editor)
    okrs.alignment_add(objective=child, parent_key_result=cast.kr, by=cast.editor)
    assert child.alignments_up.count() == 3


def test_objective_cannot_contribute_to_itself(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=cast.objective, parent_objective=cast.objective, by=None)
    assert "itself" in errors_of(exc)["parent"][0]


def test_objective_cannot_contribute_to_its_own_key_result(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=cast.objective, parent_key_result=cast.kr, by=None)
    assert "itself" in errors_of(exc)["parent"][0]


def test_two_objectives_cannot_contribute_to_each_other(cast: Cast):
    a = cast.objective
    b = add_objective(cast, "B")
    okrs.alignment_add(objective=a, parent_objective=b, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=b, parent_objective=a, by=cast.owner)
    assert "loop" in errors_of(exc)["parent"][0]


def test_a_longer_loop_is_refused_too(cast: Cast):
    a, b = cast.objective, add_objective(cast, "B")
    c, d = add_objective(cast, "C"), add_objective(cast, "D")
    okrs.alignment_add(objective=a, parent_objective=b, by=cast.owner)
    okrs.alignment_add(objective=b, parent_objective=c, by=cast.owner)
    okrs.alignment_add(objective=c, parent_objective=d, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=d, parent_objective=a, by=cast.owner)
    assert "loop" in errors_of(exc)["parent"][0]


def test_a_loop_through_a_key_result_is_refused(cast: Cast):
    a = cast.objective
    b = add_objective(cast, "B")
    b_kr = add_kr(b, cast.owner, "B's key result")
    okrs.alignment_add(objective=a, parent_key_result=b_kr, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=b, parent_key_result=cast.kr, by=cast.owner)
    assert "loop" in errors_of(exc)["parent"][0]


def test_a_diamond_is_not_a_loop(cast: Cast):
    top = add_objective(cast, "Top")
    left, right = add_objective(cast, "Left"), add_objective(cast, "Right")
    for middle in (left, right):
        okrs.alignment_add(objective=middle, parent_objective=top, by=cast.owner)
        okrs.alignment_add(objective=cast.objective, parent_objective=middle, by=cast.owner)
    assert cast.objective.alignments_up.count() == 2


@pytest.mark.parametrize("to", ["objective", "key_result"])
def test_the_same_contribution_twice_is_refused(cast: Cast, to):
    child = add_objective(cast, "Win the regional tender")
    parent: dict[str, Any] = (
        {"parent_objective": cast.objective}
        if to == "objective"
        else {"parent_key_result": cast.kr}
    )
    okrs.alignment_add(objective=child, by=cast.owner, **parent)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=child, by=cast.owner, **parent)
    assert "already contributes" in errors_of(exc)["parent"][0]


def test_alignment_needs_exactly_one_parent(cast: Cast):
    child = add_objective(cast, "Win the regional tender")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(objective=child, by=cast.owner)
    assert set(errors_of(exc)) == {"parent"}
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.alignment_add(
            objective=child,
            parent_objective=cast.objective,
            parent_key_result=cast.kr,
            by=cast.owner,
        )
    assert set(errors_of(exc)) == {"parent"}


def test_removing_an_alignment_is_audited(cast: Cast):
    child = add_objective(cast, "Win the regional tender")
    alignment = okrs.alignment_add(objective=child, parent_objective=cast.objective, by=cast.owner)
    pk = alignment.pk
    okrs.alignment_remove(alignment=alignment, by=cast.admin)
    assert not Alignment.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="alignment.delete", target_id=pk)
    assert event.actor == cast.admin
    assert event.before is not None
    assert event.before["parent_objective_id"] == cast.objective.pk


# -- cycles -----------------------------------------------------------------------------


def make_cycle(cast: Cast, name: str = "Next quarter", **kwargs) -> Cycle:
    kwargs.setdefault("start_date", cast.cycle.end_date + dt.timedelta(days=1))
    kwargs.setdefault("end_date", cast.cycle.end_date + dt.timedelta(days=90))
    return okrs.cycle_create(organization=cast.org, name=name, by=cast.owner, **kwargs)


def test_cycle_is_created_in_planning(cast: Cast):
    cycle = make_cycle(cast, "  Next quarter ")
    assert (cycle.name, cycle.state, cycle.kind) == ("Next quarter", "planning", "quarter")


@pytest.mark.parametrize("days", [0, -1, -30])
def test_cycle_that_ends_before_it_starts_is_refused(cast: Cast, days):
    start = dt.date(2030, 1, 1)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_cycle(cast, start_date=start, end_date=start + dt.timedelta(days=days))
    assert "end after it starts" in errors_of(exc)["end_date"][0]


def test_quarter_outside_its_year_is_refused(cast: Cast):
    year = make_cycle(
        cast,
        "2030",
        kind=Cycle.Kind.YEAR,
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 12, 31),
    )
    inside = make_cycle(
        cast, "Q1 2030", start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 3, 31), parent=year
    )
    assert inside.parent == year
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_cycle(
            cast,
            "Q4 2030",
            start_date=dt.date(2030, 10, 1),
            end_date=dt.date(2031, 1, 31),
            parent=year,
        )
    assert "must lie inside 2030" in errors_of(exc)["parent"][0]


@pytest.mark.parametrize("name", ["This quarter", "this QUARTER", "  This quarter  "])
def test_cycle_with_a_taken_name_is_refused(cast: Cast, name):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_cycle(cast, name)
    assert "already exists" in errors_of(exc)["name"][0]


def test_another_organisation_may_use_the_same_cycle_name(cast: Cast):
    cycle = okrs.cycle_create(
        organization=cast.other_org,
        name="This quarter",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        by=cast.outsider,
    )
    assert cycle.organization == cast.other_org


def test_cycle_without_a_name_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_cycle(cast, "   ")
    assert "name" in errors_of(exc)


def test_closing_a_cycle_scores_and_closes_its_objectives(cast: Cast):
    check_in(cast, value="35")
    empty = add_objective(cast, "Nothing measured yet")
    dropped = add_objective(cast, "Given up")
    okrs.objective_update(objective=dropped, state=Objective.State.DROPPED, by=cast.owner)

    cycle = okrs.cycle_close(cycle=cast.cycle, by=cast.owner)

    assert cycle.state == Cycle.State.CLOSED
    assert cycle.closed_at is not None
    assert fresh(cast.cycle).state == Cycle.State.CLOSED
    objective = fresh(cast.objective)
    assert objective.state == Objective.State.CLOSED
    assert (objective.computed_score, objective.score) == (D("0.4"), D("0.4"))
    assert objective.version == 2
    empty = fresh(empty)
    assert (empty.state, empty.computed_score, empty.score) == ("closed", D("0.0"), D("0.0"))
    dropped = fresh(dropped)
    assert (dropped.state, dropped.computed_score) == ("dropped", None)


def test_closing_a_closed_cycle_is_refused(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    stale = Cycle.objects.get(pk=cast.cycle.pk)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.cycle_close(cycle=stale, by=cast.owner)
    assert "already closed" in errors_of(exc)["state"][0]


def test_closing_a_cycle_through_a_stale_copy_is_refused(cast: Cast):
    stale = Cycle.objects.get(pk=cast.cycle.pk)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        okrs.cycle_close(cycle=stale, by=cast.owner)
    assert AuditEvent.objects.count() == events


def test_a_closed_cycle_cannot_be_activated_again(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.cycle_activate(cycle=cast.cycle, by=cast.owner)
    assert "closed" in errors_of(exc)["state"][0]


def test_activating_a_planned_cycle(cast: Cast):
    cycle = okrs.cycle_activate(cycle=make_cycle(cast), by=cast.owner)
    assert fresh(cycle).state == Cycle.State.ACTIVE


def test_score_equal_to_the_computed_one_needs_no_reason(cast: Cast):
    check_in(cast, value="70")
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    # The caller's copy of the objective predates the close.
    objective = okrs.objective_set_score(
        objective=cast.objective, score=D("0.7"), reason="", by=cast.editor
    )
    assert (objective.score, objective.computed_score) == (D("0.7"), D("0.7"))
    assert fresh(cast.objective).score == D("0.7")


def test_score_different_from_the_computed_one_needs_a_reason(cast: Cast):
    check_in(cast, value="70")
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.objective_set_score(objective=cast.objective, score=D("0.5"), reason=" ", by=None)
    assert "0.7" in errors_of(exc)["reason"][0]
    assert fresh(cast.objective).score == D("0.7")


def test_score_with_a_reason_is_kept_with_its_reason(cast: Cast):
    check_in(cast, value="70")
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    okrs.objective_set_score(
        objective=cast.objective,
        score=D("0.5"),
        reason="  The big deal was a renewal, not new business.  ",
        by=cast.editor,
    )
    objective = fresh(cast.objective)
    assert (objective.score, objective.computed_score) == (D("0.5"), D("0.7"))
    assert objective.score_reason == "The big deal was a renewal, not new business."
    assert cast.objective.score == D("0.5")


@pytest.mark.parametrize("score", [D("1.5"), D("-0.1"), D("0.15"), D("NaN"), "high"])
def test_score_out_of_range_or_between_tenths_is_refused(cast: Cast, score):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.objective_set_score(objective=cast.objective, score=score, reason="why", by=None)
    [message] = errors_of(exc)["score"]
    assert message.endswith(".")
    assert "score" in message or "number" in message


def test_score_is_refused_while_the_cycle_is_open(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.objective_set_score(objective=cast.objective, score=D("0.5"), reason="x", by=None)
    assert "when the cycle closes" in errors_of(exc)["score"][0]
    assert fresh(cast.objective).score is None


# -- initiatives ------------------------------------------------------------------------


def test_initiative_is_created_for_a_key_result_of_its_objective(cast: Cast):
    initiative = okrs.initiative_create(
        objective=cast.objective,
        key_result=cast.kr,
        title=" Call every lapsed customer ",
        owner=cast.member,
        due_date=cast.cycle.end_date,
        by=cast.member,
    )
    initiative = fresh(initiative)
    assert initiative.title == "Call every lapsed customer"
    assert initiative.organization == cast.org
    assert initiative.status == Initiative.Status.NOT_STARTED


def test_initiative_for_a_key_result_of_another_objective_is_refused(cast: Cast):
    other = add_objective(cast, "Other")
    other_kr = add_kr(other, cast.owner, "Other key result")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.initiative_create(
            objective=cast.objective, key_result=other_kr, title="Do it", by=cast.owner
        )
    assert "another objective" in errors_of(exc)["key_result"][0]


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"title": " "}, "title"), ({"status": "x"}, "status")]
)
def test_initiative_creation_errors_name_the_field(cast: Cast, kwargs, field):
    kwargs.setdefault("title", "Do it")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.initiative_create(objective=cast.objective, by=cast.owner, **kwargs)
    assert field in errors_of(exc)


def test_initiative_status_changes_and_refuses_unknown_ones(cast: Cast):
    initiative = okrs.initiative_create(objective=cast.objective, title="Do it", by=cast.owner)
    okrs.initiative_set_status(initiative=initiative, status="in_progress", by=cast.member)
    assert fresh(initiative).status == Initiative.Status.IN_PROGRESS
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.initiative_set_status(initiative=initiative, status="stalled", by=cast.member)
    assert set(errors_of(exc)) == {"status"}


# -- the audit trail --------------------------------------------------------------------


def only_new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("id"))


def last_event_id() -> int:
    latest = AuditEvent.objects.order_by("-id").first()
    return latest.pk if latest else 0


def test_creating_each_thing_writes_one_audit_event_with_the_actor_and_values(cast: Cast):
    mark = last_event_id()
    cycle = make_cycle(cast)
    objective = add_objective(cast)
    kr = add_kr(objective, cast.editor)
    alignment = okrs.alignment_add(objective=objective, parent_key_result=cast.kr, by=cast.admin)
    initiative = okrs.initiative_create(objective=objective, title="Do it", by=cast.member)
    events = only_new_events(mark)
    assert [(e.action, e.target_id, e.actor) for e in events] == [
        ("cycle.create", cycle.pk, cast.owner),
        ("objective.create", objective.pk, cast.owner),
        ("key_result.create", kr.pk, cast.editor),
        ("alignment.create", alignment.pk, cast.admin),
        ("initiative.create", initiative.pk, cast.member),
    ]
    for event in events:
        assert event.organization == cast.org
        assert event.before is None
        assert event.after is not None
    assert events[2].after == snapshot(KeyResult.objects.get(pk=kr.pk))
    assert (events[2].after["target"], events[2].after["title"]) == ("100.0000", "Raise NPS")


def test_objective_update_audits_only_the_fields_that_changed(cast: Cast):
    mark = last_event_id()
    okrs.objective_update(
        objective=cast.objective,
        title="Own the region",
        description="",
        by=cast.editor,
        source=Source.API,
    )
    [event] = only_new_events(mark)
    assert event.action == "objective.update"
    assert event.actor == cast.editor
    assert event.source == Source.API
    assert event.target_id == cast.objective.pk
    assert event.before == {"title": "Become the go-to IT service provider in our region"}
    assert event.after == {"title": "Own the region"}


def test_key_result_update_audits_only_the_fields_that_changed(cast: Cast):
    mark = last_event_id()
    okrs.key_result_update(
        key_result=cast.kr, target="120", weight="1", owner=cast.member, by=cast.owner
    )
    [event] = only_new_events(mark)
    assert (event.action, event.actor) == ("key_result.update", cast.owner)
    assert event.before == {"target": "100.0000"}
    assert event.after == {"target": "120.0000"}


def test_check_in_writes_one_audit_event_with_the_key_result_before_and_after(cast: Cast):
    check_in(cast, value="20", confidence=6)
    mark = last_event_id()
    checkin = check_in(cast, value="40", confidence=6)
    [event] = only_new_events(mark)
    assert (event.action, event.actor, event.target_id) == (
        "checkin.create",
        cast.member,
        checkin.pk,
    )
    assert event.before == {"current": "20.0000", "progress": "0.2000"}
    assert event.after == {"current": "40.0000", "progress": "0.4000"}


def test_closing_a_cycle_audits_each_objective_and_the_cycle(cast: Cast):
    second = add_objective(cast, "Second")
    mark = last_event_id()
    okrs.cycle_close(cycle=cast.cycle, by=cast.admin)
    events = only_new_events(mark)
    assert sorted((e.action, e.target_id) for e in events) == sorted(
        [
            ("objective.score", cast.objective.pk),
            ("objective.score", second.pk),
            ("cycle.close", cast.cycle.pk),
        ]
    )
    assert {e.actor for e in events} == {cast.admin}
    cycle_event = next(e for e in events if e.action == "cycle.close")
    assert cycle_event.before is not None
    assert cycle_event.before["state"] == "active"
    assert cycle_event.after is not None
    assert cycle_event.after["state"] == "closed"


def test_setting_a_score_audits_the_score_and_reason(cast: Cast):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    mark = last_event_id()
    okrs.objective_set_score(
        objective=cast.objective, score=D("0.3"), reason="Half the year lost", by=cast.editor
    )
    [event] = only_new_events(mark)
    assert (event.action, event.actor) == ("objective.score", cast.editor)
    assert event.before == {"score": "0.0", "score_reason": ""}
    assert event.after == {"score": "0.3", "score_reason": "Half the year lost"}


def test_activating_a_cycle_audits_its_state(cast: Cast):
    cycle = make_cycle(cast)
    mark = last_event_id()
    okrs.cycle_activate(cycle=cycle, by=cast.admin)
    [event] = only_new_events(mark)
    assert (event.action, event.actor, event.target_id) == ("cycle.activate", cast.admin, cycle.pk)
    assert (event.before, event.after) == ({"state": "planning"}, {"state": "active"})


def test_changing_an_initiative_status_audits_it(cast: Cast):
    initiative = okrs.initiative_create(objective=cast.objective, title="Do it", by=cast.owner)
    mark = last_event_id()
    okrs.initiative_set_status(initiative=initiative, status="blocked", by=cast.member)
    [event] = only_new_events(mark)
    assert (event.action, event.actor) == ("initiative.update", cast.member)
    assert (event.before, event.after) == ({"status": "not_started"}, {"status": "blocked"})


def test_a_refused_call_writes_no_audit_event(cast: Cast):
    mark = last_event_id()
    with pytest.raises(ValidationError):
        check_in(cast, value="x")
    with pytest.raises(ValidationError):
        okrs.objective_update(objective=cast.objective, title="", by=cast.owner)
    assert only_new_events(mark) == []


def test_the_audit_history_cannot_be_rewritten(cast: Cast):
    event = audits_of(cast.objective)[0]
    event.action = "objective.forged"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.update(action="forged")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(actor=None)
    assert AuditEvent.objects.get(pk=event.pk).action == "objective.create"


# -- the organisation boundary ----------------------------------------------------------

FOREIGN_CALLS = {
    "objective in another organisation's cycle": (
        "cycle",
        lambda c, f: okrs.objective_create(
            organization=c.org, cycle=f.cycle, owner_team=c.team, title="X", by=c.owner
        ),
    ),
    "objective owned by another organisation's team": (
        "owner_team",
        lambda c, f: okrs.objective_create(
            organization=c.org, cycle=c.cycle, owner_team=c.other_team, title="X", by=c.owner
        ),
    ),
    "objective owned by an outsider": (
        "owner_user",
        lambda c, f: okrs.objective_create(
            organization=c.org, cycle=c.cycle, owner_user=c.outsider, title="X", by=c.owner
        ),
    ),
    "objective moved to another organisation's cycle": (
        "cycle",
        lambda c, f: okrs.objective_update(objective=c.objective, cycle=f.cycle, by=c.owner),
    ),
    "objective handed to another organisation's team": (
        "owner_team",
        lambda c, f: okrs.objective_update(
            objective=c.objective, owner_team=c.other_team, by=c.owner
        ),
    ),
    "objective handed to an outsider": (
        "owner_user",
        lambda c, f: okrs.objective_update(
            objective=c.objective, owner_team=None, owner_user=c.outsider, by=c.owner
        ),
    ),
    "key result owned by an outsider": (
        "owner",
        lambda c, f: okrs.key_result_create(
            objective=c.objective,
            title="X",
            baseline=D(0),
            target=D(1),
            owner=c.outsider,
            by=c.owner,
        ),
    ),
    "key result handed to an outsider": (
        "owner",
        lambda c, f: okrs.key_result_update(key_result=c.kr, owner=c.outsider, by=c.owner),
    ),
    "contribution to another organisation's objective": (
        "parent_objective",
        lambda c, f: okrs.alignment_add(
            objective=c.objective, parent_objective=f.objective, by=c.owner
        ),
    ),
    "contribution to another organisation's key result": (
        "parent_key_result",
        lambda c, f: okrs.alignment_add(objective=c.objective, parent_key_result=f.kr, by=c.owner),
    ),
    "quarter inside another organisation's year": (
        "parent",
        lambda c, f: okrs.cycle_create(
            organization=c.org,
            name="Q",
            start_date=f.cycle.start_date,
            end_date=f.cycle.end_date,
            parent=f.year,
            by=c.owner,
        ),
    ),
    "initiative owned by an outsider": (
        "owner",
        lambda c, f: okrs.initiative_create(
            objective=c.objective, title="X", owner=c.outsider, by=c.owner
        ),
    ),
    "initiative for another organisation's key result": (
        "key_result",
        lambda c, f: okrs.initiative_create(
            objective=c.objective, key_result=f.kr, title="X", by=c.owner
        ),
    ),
}


@pytest.mark.parametrize("case", list(FOREIGN_CALLS))
def test_no_service_lets_another_organisations_object_in(cast: Cast, foreign: Foreign, case):
    field, call = FOREIGN_CALLS[case]
    with nothing_written(), pytest.raises(ValidationError) as exc:
        call(cast, foreign)
    assert field in errors_of(exc)
    objective = fresh(cast.objective)
    assert (objective.cycle, objective.owner_team, objective.version) == (cast.cycle, cast.team, 1)
