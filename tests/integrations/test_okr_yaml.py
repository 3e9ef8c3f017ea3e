"""OKRs as code: export a cycle to YAML, import it back; an unchanged file changes
nothing, an edit changes exactly what was edited."""

from __future__ import annotations

import pytest
import yaml

from tandem.audit.models import AuditEvent
from tandem.integrations.okr_yaml import OkrYamlError, okrs_export_yaml, okrs_import_yaml
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, ObjectiveKPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, Initiative, KeyResult, Objective
from tests.conftest import Cast
from tests.integrations.conftest import D, row_counts


@pytest.fixture
def planned(cast: Cast, revenue: KPI, churn: KPI) -> Cast:
    """The cast's cycle with a second objective aligned to the first, a KPI-backed key
    result, a milestone, initiatives and a guardrail."""
    child = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_user=cast.editor,
        by=cast.owner,
        title="Win back lost customers",
        description="Mostly the ones we lost in spring.",
        kind="committed",
    )
    backed = okrs.key_result_create(
        objective=child,
        title="Revenue from 1,000 to 2,500.75",
        baseline=D(1000),
        target=D("2500.75"),
        unit="currency",
        currency="EUR",
        weight=D(2),
        owner=cast.member,
        by=cast.owner,
    )
    kpis.key_result_link_kpi(key_result=backed, kpi=revenue, aggregation="sum", by=cast.owner)
    okrs.key_result_create(
        objective=child, title="Launch referrals", kind="milestone", by=cast.owner
    )
    okrs.alignment_add(objective=child, parent_key_result=cast.kr, by=cast.owner)
    okrs.initiative_create(objective=child, key_result=backed, title="Call them", by=cast.owner)
    okrs.initiative_create(objective=child, title="Survey", owner=cast.member, by=cast.owner)
    kpis.objective_link_kpi(objective=child, kpi=churn, by=cast.owner)
    return cast


def export(cast: Cast) -> str:
    return okrs_export_yaml(organization=cast.org, cycle=cast.cycle)


def import_(cast: Cast, text: str, **kwargs):
    return okrs_import_yaml(organization=cast.org, text=text, by=cast.editor, **kwargs)


def test_the_export_names_every_item_by_a_stable_key_and_its_links_by_keys(planned: Cast):
    data = yaml.safe_load(export(planned))
    assert data["cycle"] == "This quarter"
    first, second = data["objectives"]
    assert first["key"] == f"obj-{planned.objective.pk}"
    assert first["owner_team"] == "sales"
    assert first["key_results"][0]["target"] == 100
    assert second["owner_user"] == "editor@acme.test"
    backed = second["key_results"][0]
    assert backed["baseline"] == 1000
    assert backed["target"] == 2500.75
    assert backed["currency"] == "EUR"
    assert backed["kpi"] == {"key": "revenue", "aggregation": "sum"}
    assert backed["initiatives"][0]["title"] == "Call them"
    assert second["key_results"][1]["kind"] == "milestone"
    assert "target" not in second["key_results"][1]
    assert second["initiatives"][0]["owner"] == "member@acme.test"
    assert second["aligned_to"] == [f"kr-{planned.kr.pk}"]
    assert second["guardrails"] == ["churn"]


def test_importing_an_exported_file_changes_nothing_and_audits_nothing(planned: Cast):
    text = export(planned)
    before = row_counts()
    result = import_(planned, text)
    assert (result.created, result.updated) == (0, 0)
    assert row_counts() == before
    assert export(planned) == text


def test_editing_a_target_updates_exactly_that_key_result_with_one_audit_event(planned: Cast):
    data = yaml.safe_load(export(planned))
    data["objectives"][1]["key_results"][0]["target"] = 3000
    events = AuditEvent.objects.count()
    result = import_(planned, yaml.safe_dump(data))
    assert (result.created, result.updated) == (0, 1)
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.source, event.actor) == (
        "key_result.update",
        "import",
        planned.editor,
    )
    assert event.after == {"target": "3000.0000"}
    backed = KeyResult.objects.get(title__startswith="Revenue")
    assert backed.target == D(3000)


def test_new_items_without_keys_are_created_and_may_align_to_each_other(planned: Cast):
    data = yaml.safe_load(export(planned))
    data["objectives"].append(
        {
            "key": "referrals",
            "title": "Grow by referral",
            "owner_team": "sales",
            "key_results": [
                {
                    "title": "Referred deals",
                    "baseline": 0,
                    "target": 12,
                    "owner": "member@acme.test",
                },
            ],
            "initiatives": [{"title": "Referral bonus", "status": "in_progress"}],
            "aligned_to": [data["objectives"][0]["key"]],
            "guardrails": ["churn", "revenue"],
        }
    )
    data["objectives"][1]["aligned_to"].append("referrals")
    result = import_(planned, yaml.safe_dump(data))
    new = Objective.objects.get(title="Grow by referral")
    assert new.key_results.get().target == D(12)
    assert Initiative.objects.get(title="Referral bonus").status == "in_progress"
    assert Alignment.objects.filter(objective=new, parent_objective=planned.objective).exists()
    assert Alignment.objects.filter(parent_objective=new).count() == 1
    assert ObjectiveKPI.objects.filter(objective=new).count() == 2
    assert result.created == 7
    assert set(AuditEvent.objects.filter(source="import").values_list("action", flat=True)) == {
        "objective.create",
        "key_result.create",
        "initiative.create",
        "alignment.create",
        "objective.link_kpi",
    }


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (
            lambda d: d["objectives"][1]["key_results"][0].update(target="lots"),
            "objectives[1].key_results[0].target",
        ),
        (
            lambda d: d["objectives"][1]["key_results"][0].update(target=1000),
            "objectives[1].key_results[0].target",
        ),
        (
            lambda d: d["objectives"][1]["key_results"][1].update(weight=0),
            "objectives[1].key_results[1].weight",
        ),
        (lambda d: d["objectives"][0].update(owner_team="nope"), "objectives[0].owner_team"),
        (lambda d: d["objectives"][1].update(kind="bold"), "objectives[1].kind"),
        (lambda d: d["objectives"][1].update(guardrails=["nope"]), "objectives[1].guardrails[0]"),
        (
            lambda d: d["objectives"][1].update(aligned_to=["obj-999999"]),
            "objectives[1].aligned_to[0]",
        ),
        (
            lambda d: d["objectives"][1]["key_results"][0].update(kpi={"key": "nope"}),
            "objectives[1].key_results[0].kpi.key",
        ),
        (lambda d: d["objectives"][0].update(key="obj-999999"), "objectives[0].key"),
        (lambda d: d["objectives"][0].update(colour="red"), "objectives[0].colour"),
        (
            lambda d: d["objectives"][1]["initiatives"][0].update(title="Renamed"),
            "objectives[1].initiatives[0].title",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_yaml_path_and_nothing_is_written(
    planned: Cast, edit, path: str
):
    data = yaml.safe_load(export(planned))
    data["objectives"][0]["title"] = "A change that must not be written"
    edit(data)
    before = row_counts()
    with pytest.raises(OkrYamlError) as refused:
        import_(planned, yaml.safe_dump(data))
    assert path in {e["path"] for e in refused.value.errors}
    assert row_counts() == before
    planned.objective.refresh_from_db()
    assert planned.objective.title != "A change that must not be written"


def test_a_dry_run_finds_service_errors_and_writes_nothing(planned: Cast):
    data = yaml.safe_load(export(planned))
    data["objectives"][0]["title"] = "Renamed"
    before = row_counts()
    result = import_(planned, yaml.safe_dump(data), dry_run=True)
    assert result.updated == 1
    assert row_counts() == before
    planned.objective.refresh_from_db()
    assert planned.objective.title != "Renamed"


def test_text_that_is_not_yaml_is_refused_naming_the_line(planned: Cast):
    with pytest.raises(OkrYamlError) as refused:
        import_(planned, "cycle: This quarter\nobjectives: [\n  - {title: x\n")
    assert refused.value.errors[0]["path"].startswith("line ")


def test_removing_a_guardrail_and_an_alignment_from_the_file_removes_them(planned: Cast):
    data = yaml.safe_load(export(planned))
    del data["objectives"][1]["guardrails"]
    del data["objectives"][1]["aligned_to"]
    import_(planned, yaml.safe_dump(data))
    assert not ObjectiveKPI.objects.exists()
    assert not Alignment.objects.exists()
