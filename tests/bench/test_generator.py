"""The bench generator builds the organisation it promises, consistent with the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
from tandem.bench.generator import Sizes, Summary, generate
from tandem.domain import health
from tandem.domain import progress as maths
from tandem.domain.scoring import score as score_of
from tandem.kpis import services as kpis_services
from tandem.kpis.models import KPI, KPITarget, Measurement
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective

SCALE = 0.002
# A fixed day keeps the data repeatable: the current cycle is 2025 Q2.
TODAY = dt.date(2025, 5, 14)


@pytest.fixture
def bench(db: None) -> Summary:
    return generate(SCALE, 7, today=TODAY)


def org_of(summary: Summary) -> Organization:
    return Organization.objects.get(pk=summary.organization_id)


def test_full_scale_has_the_sizes_of_issue_7():
    sizes = Sizes.at(1.0)
    assert (sizes.people, sizes.teams, sizes.departments) == (10_000, 1_000, 20)
    assert (sizes.objectives, sizes.key_results, sizes.checkins) == (10_000, 40_000, 400_000)


def test_sizes_shrink_in_proportion_to_the_scale():
    tenth = Sizes.at(0.1)
    assert (tenth.people, tenth.teams, tenth.objectives, tenth.checkins) == (
        1_000,
        100,
        1_000,
        40_000,
    )


def test_even_the_tiniest_scale_has_a_company_a_department_and_a_team():
    sizes = Sizes.at(0.0001)
    assert sizes.teams == 3
    assert sizes.departments == 1
    assert sizes.objectives == 4  # one per cycle


def test_a_scale_of_zero_is_refused():
    with pytest.raises(ValueError, match="scale"):
        Sizes.at(0)


def test_generated_counts_match_the_scale(bench):
    org = org_of(bench)
    sizes = Sizes.at(SCALE)
    assert Membership.objects.filter(organization=org).count() == sizes.people == 20
    assert Team.objects.filter(organization=org).count() == sizes.teams == 3
    assert Objective.objects.filter(organization=org).count() == 20
    assert KeyResult.objects.filter(organization=org).count() == 80
    assert CheckIn.objects.filter(organization=org).count() == 800
    assert (bench.objectives, bench.key_results, bench.checkins) == (20, 80, 800)
    assert bench.alignments == Alignment.objects.filter(organization=org).count() > 0


def test_team_tree_runs_from_the_company_through_departments_to_teams(bench):
    org = org_of(bench)
    company = Team.objects.get(organization=org, kind=Team.Kind.COMPANY, parent=None)
    departments = Team.objects.filter(organization=org, kind=Team.Kind.DEPARTMENT)
    assert departments.count() >= 1
    assert all(d.parent_id == company.pk for d in departments)
    teams = Team.objects.filter(organization=org, kind=Team.Kind.TEAM)
    assert all(t.parent is not None and t.parent.kind == Team.Kind.DEPARTMENT for t in teams)


def test_every_team_has_one_lead_and_everyone_is_in_one_team(bench):
    org = org_of(bench)
    for team in Team.objects.filter(organization=org):
        assert TeamMembership.objects.filter(team=team, is_lead=True).count() == 1
    people = User.objects.filter(memberships__organization=org)
    assert all(p.team_memberships.count() == 1 for p in people)
    assert all(not p.has_usable_password() for p in people)
    assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1


def test_three_cycles_are_closed_and_the_quarter_around_today_is_active(bench):
    cycles = list(
        Cycle.objects.filter(organization_id=bench.organization_id).order_by("start_date")
    )
    assert [c.state for c in cycles] == ["closed", "closed", "closed", "active"]
    assert cycles[-1].pk == bench.current_cycle_id
    assert cycles[-1].start_date == dt.date(2025, 4, 1)
    assert cycles[-1].end_date == dt.date(2025, 6, 30)
    assert cycles[0].start_date == dt.date(2024, 7, 1)


def test_every_key_result_stores_what_its_latest_check_in_says(bench):
    # A KPI-backed key result reads its KPI instead (checked with the KPIs below).
    krs = KeyResult.objects.filter(organization_id=bench.organization_id, kpi__isnull=True)
    for kr in krs:
        checkins = list(kr.checkins.order_by("created_at", "id"))
        assert len(checkins) == 10
        latest = checkins[-1]
        assert kr.current == latest.value
        assert kr.done is bool(latest.done)
        assert kr.last_confidence == latest.confidence
        assert kr.last_checkin_at == latest.created_at
        if kr.kind == KeyResult.Kind.METRIC:
            assert kr.baseline is not None
            assert kr.target is not None
            expected = maths.metric_progress(
                baseline=kr.baseline, target=kr.target, current=latest.value
            )
        else:
            expected = maths.milestone_progress(done=bool(latest.done))
        assert kr.progress == expected


def test_check_ins_of_a_cycle_lie_inside_it_and_before_now(bench):
    now = dt.datetime.now(dt.UTC)
    for cycle in Cycle.objects.filter(organization_id=bench.organization_id):
        start, end = cycle.bounds()
        times = CheckIn.objects.filter(key_result__objective__cycle=cycle).values_list(
            "created_at", flat=True
        )
        assert all(start <= t < end and t <= now for t in times)


def test_objective_progress_is_the_weighted_mean_of_its_key_results(bench):
    for objective in Objective.objects.filter(organization_id=bench.organization_id):
        krs = list(objective.key_results.all())
        assert len(krs) == 4
        assert objective.progress == maths.objective_progress(
            maths.Weighted(progress=kr.progress, weight=kr.weight) for kr in krs
        )
        times = [kr.last_checkin_at for kr in krs if kr.last_checkin_at is not None]
        assert len(times) == 4
        assert objective.last_checkin_at == max(times)


def test_recomputing_with_the_services_changes_nothing(bench):
    objectives = Objective.objects.filter(organization_id=bench.organization_id)
    stored = {o.pk: (o.progress, o.last_checkin_at) for o in objectives}
    for objective in objectives:
        okrs.objective_recompute(objective=objective)
    assert {o.pk: (o.progress, o.last_checkin_at) for o in objectives.all()} == stored


def test_closed_objectives_carry_their_computed_score(bench):
    closed = Objective.objects.filter(
        organization_id=bench.organization_id, state=Objective.State.CLOSED
    )
    assert closed.exists()
    for objective in closed:
        assert objective.computed_score == score_of(objective.progress)
        assert objective.score is not None
        if objective.score != objective.computed_score:
            assert objective.score_reason


def test_a_check_in_through_the_service_works_on_generated_data(bench):
    kr = KeyResult.objects.filter(
        objective__cycle_id=bench.current_cycle_id,
        objective__state=Objective.State.ACTIVE,
        kind=KeyResult.Kind.METRIC,
    ).first()
    assert kr is not None
    assert kr.target is not None
    okrs.key_result_check_in(key_result=kr, value=kr.target, confidence=9, by=kr.owner)
    kr.refresh_from_db()
    assert kr.progress == 1
    assert kr.checkins.count() == 11


def test_alignments_stay_in_their_cycle_and_never_form_a_loop(bench):
    parents: dict[int, set[int]] = {}
    alignments = Alignment.objects.filter(organization_id=bench.organization_id).select_related(
        "objective", "parent_objective", "parent_key_result__objective"
    )
    for alignment in alignments:
        parent = alignment.parent_objective
        if parent is None:
            assert alignment.parent_key_result is not None
            parent = alignment.parent_key_result.objective
        assert parent.cycle_id == alignment.objective.cycle_id
        assert parent.pk != alignment.objective_id
        parents.setdefault(alignment.objective_id, set()).add(parent.pk)

    def reaches_itself(start: int) -> bool:
        seen: set[int] = set()
        frontier = set(parents.get(start, ()))
        while frontier:
            if start in frontier:
                return True
            seen |= frontier
            frontier = {p for child in frontier for p in parents.get(child, ())} - seen
        return False

    assert not any(reaches_itself(objective) for objective in parents)


def test_most_objectives_below_the_company_contribute_upwards(db):
    summary = generate(0.005, 3, today=TODAY)
    below = Objective.objects.filter(organization_id=summary.organization_id).exclude(
        owner_team__kind=Team.Kind.COMPANY
    )
    aligned = below.filter(alignments_up__isnull=False).distinct().count()
    assert aligned / below.count() > 0.7
    company = Objective.objects.filter(
        organization_id=summary.organization_id, owner_team__kind=Team.Kind.COMPANY
    )
    assert not company.filter(alignments_up__isnull=False).exists()


def _snapshot(summary: Summary) -> dict[str, list[Any]]:
    """The organisation's content by natural keys (ids and creation stamps differ)."""
    org = summary.organization_id
    in_order = ("objective__cycle__start_date", "objective__position", "position")
    return {
        "teams": list(
            Team.objects.filter(organization_id=org)
            .order_by("slug")
            .values_list("name", "kind", "parent__slug")
        ),
        "people": list(
            TeamMembership.objects.filter(organization_id=org)
            .order_by("user__email")
            .values_list("user__email", "user__full_name", "team__slug", "is_lead")
        ),
        "objectives": list(
            Objective.objects.filter(organization_id=org)
            .order_by("cycle__start_date", "position")
            .values_list(
                "cycle__name", "title", "kind", "state", "owner_team__slug", "progress", "score"
            )
        ),
        "key_results": list(
            KeyResult.objects.filter(organization_id=org)
            .order_by(*in_order)
            .values_list("title", "kind", "baseline", "target", "progress", "owner__email")
        ),
        "checkins": list(
            CheckIn.objects.filter(organization_id=org)
            .order_by(*(f"key_result__{f}" for f in in_order), "created_at", "id")
            .values_list("value", "done", "confidence", "note", "author__email", "created_at")
        ),
        "alignments": list(
            Alignment.objects.filter(organization_id=org)
            .order_by("objective__cycle__start_date", "objective__position", "id")
            .values_list(
                "objective__position",
                "parent_objective__position",
                "parent_key_result__objective__position",
                "parent_key_result__position",
            )
        ),
        "kpis": list(
            KPI.objects.filter(organization_id=org)
            .order_by("key")
            .values_list(
                "key", "name", "frequency", "direction", "owner_team__slug", "latest_value"
            )
        ),
        "measurements": list(
            Measurement.objects.filter(organization_id=org)
            .order_by("kpi__key", "period_start")
            .values_list("kpi__key", "period_start", "value", "recorded_at")
        ),
    }


def _generate_and_forget(seed: int) -> dict[str, list[Any]]:
    with transaction.atomic():
        snapshot = _snapshot(generate(SCALE, seed, today=TODAY))
        transaction.set_rollback(True)
    return snapshot


def test_the_same_seed_gives_the_same_organisation(db):
    first = _generate_and_forget(11)
    second = _generate_and_forget(11)
    assert first == second
    assert len(first["checkins"]) == 800


def test_another_seed_gives_another_organisation(db):
    assert _generate_and_forget(11) != _generate_and_forget(12)


def test_generating_over_an_existing_organisation_is_refused(bench):
    with pytest.raises(ValueError, match="already exists"):
        generate(SCALE, 7, today=TODAY)


def test_bench_data_command_reports_what_it_made(db):
    out = StringIO()
    call_command("bench_data", scale=SCALE, seed=2, stdout=out, skip_checks=True)
    assert "20 objectives, 80 key results, 800 check-ins" in out.getvalue()
    assert Organization.objects.filter(name="Bench Corp").exists()


# -- KPIs and measurements --------------------------------------------------------------


def test_full_scale_has_two_thousand_kpis_and_a_million_measurements():
    sizes = Sizes.at(1.0)
    assert (sizes.kpis, sizes.measurements) == (2_000, 1_000_000)


def test_generated_kpis_and_measurements_match_the_scale(bench):
    sizes = Sizes.at(SCALE)
    kpis = KPI.objects.filter(organization_id=bench.organization_id)
    assert kpis.count() == sizes.kpis == bench.kpis == 4
    measurements = Measurement.objects.filter(organization_id=bench.organization_id)
    assert measurements.count() == sizes.measurements == bench.measurements
    assert set(kpis.values_list("frequency", flat=True)) == {"weekly", "monthly"}
    assert all(k.targets.exists() for k in kpis)
    assert all(k.tags.count() == 1 for k in kpis)


def test_every_target_is_a_valid_one_with_a_yellow_threshold_or_a_range(bench):
    for target in KPITarget.objects.filter(organization_id=bench.organization_id).select_related(
        "kpi"
    ):
        direction = health.Direction(target.kpi.direction)
        assert health.threshold_errors(target.thresholds, direction) == {}
        if direction is health.Direction.WITHIN_RANGE:
            assert target.tolerance is not None
        else:
            assert target.yellow is not None


def test_measurements_are_what_the_service_would_store_for_their_periods(bench):
    org = org_of(bench)
    for kpi in KPI.objects.filter(organization=org).select_related("organization"):
        rows = list(kpi.measurements.order_by("period_start"))
        assert rows
        for m in rows[:5] + rows[-5:]:
            assert m.value == kpis_services.stored_value(str(m.value))
            kpis_services.validate_period(kpi, m.period_start, today=TODAY)
            assert m.recorded_at <= dt.datetime.now(dt.UTC)
        # Entered once the period is over: the current one has no value yet.
        assert rows[-1].period_start < kpi.period_containing(TODAY)


def test_kpi_refresh_changes_nothing_on_generated_data(bench):
    org = org_of(bench)
    kpis = KPI.objects.filter(organization=org).select_related("organization")
    backed = KeyResult.objects.filter(organization=org, kpi__isnull=False)
    assert backed.count() == 1
    objectives = Objective.objects.filter(key_results__in=backed)

    def state() -> tuple[Any, ...]:
        return (
            sorted(kpis.values_list("pk", "latest_period", "latest_value")),
            sorted(backed.values_list("pk", "current", "last_checkin_at", "progress")),
            sorted(objectives.values_list("pk", "progress", "last_checkin_at")),
        )

    stored = state()
    assert all(latest is not None for _, latest, _ in stored[0])
    assert all(current is not None for _, current, _, _ in stored[1])
    for kpi in kpis:
        kpis_services.kpi_refresh(kpi=kpi)
    assert state() == stored


def test_a_value_through_the_service_works_on_generated_kpis(bench):
    kpi = KPI.objects.filter(organization_id=bench.organization_id, frequency="weekly").first()
    assert kpi is not None
    week = kpi.period_containing(TODAY)
    _, outcome = kpis_services.measurement_record(
        kpi=kpi, period_start=week, value="42", by=None, today=TODAY
    )
    assert outcome == "created"
    kpi.refresh_from_db()
    assert kpi.latest_period == week
    assert kpi.latest_value == Decimal(42)
