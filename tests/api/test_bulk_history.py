"""What a bulk post leaves behind: every value traceable to who sent it and when, and a
batch's cost in queries independent of its number of rows."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, Measurement, MeasurementRevision
from tests.api.conftest import Api, Tokens, this_week
from tests.conftest import Cast


def _post(api: Api, token: str, rows: list[dict[str, object]]) -> dict[str, int]:
    response = api.post("/measurements/bulk", {"rows": rows}, as_=token)
    assert response.status_code == 200, response.content[:500]
    body: dict[str, int] = response.json()
    return body


def test_a_correction_keeps_the_old_value_who_sent_it_and_when_and_the_new_one(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = str(this_week(cast.org, 1))
    other = str(this_week(cast.org, 2))
    sent_first = timezone.now()
    first = _post(
        api,
        tokens.editor,
        [
            {"kpi": kpi.key, "period_start": week, "value": "10.5", "note": "from the ledger"},
            {"kpi": kpi.key, "period_start": other, "value": "3"},
        ],
    )
    assert first["created"] == 2
    first_done = timezone.now()
    sent_second = timezone.now()
    second = _post(
        api,
        tokens.measurer,
        [
            {"kpi": kpi.key, "period_start": week, "value": "12", "note": "restated"},
            {"kpi": kpi.key, "period_start": other, "value": "3"},
        ],
    )
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 1, 1)
    second_done = timezone.now()

    # The new value, who sent it and when.
    current = Measurement.objects.get(kpi=kpi, period_start=week)
    assert (current.value, current.note, current.source) == (Decimal("12"), "restated", "api")
    assert current.recorded_by == cast.owner
    assert sent_second <= current.recorded_at <= second_done
    assert current.version == 2
    # The old one, who sent it and when, and when it was replaced.
    (old,) = MeasurementRevision.objects.filter(measurement=current)
    assert (old.value, old.note, old.source) == (Decimal("10.5"), "from the ledger", "api")
    assert old.recorded_by == cast.editor
    assert sent_first <= old.recorded_at <= first_done
    assert old.replaced_at == current.recorded_at
    # The value sent again unchanged kept its first sender.
    untouched = Measurement.objects.get(kpi=kpi, period_start=other)
    assert (untouched.recorded_by, untouched.version) == (cast.editor, 1)
    assert not untouched.revisions.exists()


def _rows(kpis_: list[KPI], cast: Cast, weeks: range, value: str) -> list[dict[str, object]]:
    return [
        {"kpi": k.key, "period_start": str(this_week(cast.org, w)), "value": value}
        for k in kpis_
        for w in weeks
    ]


def test_a_batch_costs_the_same_queries_whatever_its_number_of_rows(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    metrics = [
        kpis.kpi_create(organization=cast.org, name=f"Metric {n}", key=f"metric-{n}", by=cast.owner)
        for n in range(3)
    ]
    counts = []
    for weeks, corrected in ((range(1, 3), range(1, 2)), (range(10, 60), range(10, 40))):
        _post(api, tokens.owner, _rows(metrics, cast, corrected, "1"))
        # New values and corrections of the same KPIs: few rows, then 25 times more.
        rows = _rows(metrics, cast, weeks, "2")
        with CaptureQueriesContext(connection) as queries:
            answer = _post(api, tokens.owner, rows)
        assert answer["created"] + answer["updated"] == len(rows)
        assert answer["updated"] == len(metrics) * len(corrected)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
