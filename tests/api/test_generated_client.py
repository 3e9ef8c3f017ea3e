"""A client generated from the OpenAPI document by openapi-python-client works over real
HTTP: it creates an objective with key results and posts measurements."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.test import Client as DjangoClient

from tandem.kpis.models import Measurement
from tandem.okrs.models import KeyResult, Objective
from tests.api.conftest import this_week, token_for
from tests.conftest import Cast

pytest.importorskip("openapi_python_client")

PACKAGE = "tandem_generated_client"


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[ModuleType]:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(DjangoClient().get("/api/v1/openapi.json").json()))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_generated_client_creates_an_objective_with_key_results_and_posts_measurements(
    transactional_db: None, cast: Cast, live_server: Any, generated: ModuleType
) -> None:
    from tandem.kpis import services as kpis

    kpi = kpis.kpi_create(
        organization=cast.org, name="Churn rate", key="churn-rate", frequency="weekly", by=None
    )
    models = _module("models")
    token = token_for(cast.editor, cast.org)
    # Closed before the server stops: a connection kept alive would outlive the test.
    with generated.AuthenticatedClient(base_url=live_server.url, token=token) as client:
        objective_new = _module("api.objectives.objective_new")
        objective = objective_new.sync(
            client=client,
            body=models.ObjectiveIn(
                cycle=cast.cycle.pk, title="Keep every customer", owner_team=cast.team.pk
            ),
        )
        assert isinstance(objective, models.ObjectiveOut), objective
        key_result_new = _module("api.key_results.key_result_new")
        for title, target in (("Cut churn to 2%", "2"), ("Call every account", "120")):
            kr = key_result_new.sync(
                client=client,
                body=models.KeyResultIn(
                    objective=objective.id, title=title, baseline="5", target=target
                ),
            )
            assert isinstance(kr, models.KeyResultOut), kr
        stale = _module("api.objectives.objective_change").sync(
            client=client,
            objective_id=objective.id,
            body=models.ObjectivePatch(title="Changed", version=objective.version + 1),
        )
        assert isinstance(stale, models.Problem)
        assert stale.status == 409

        bulk = _module("api.measurements.measurement_bulk")
        rows = [
            models.BulkRow(kpi=kpi.key, period_start=str(this_week(cast.org, n)), value=f"{n}.5")
            for n in (1, 2, 3)
        ]
        answer = bulk.sync(client=client, body=models.BulkIn(rows=rows), idempotency_key="gen-1")
        assert isinstance(answer, models.BulkOut), answer
        assert (answer.created, answer.updated, answer.unchanged) == (3, 0, 0)
        single = _module("api.measurements.measurement_new").sync(
            client=client,
            kpi_id=kpi.pk,
            body=models.MeasurementIn(period_start=this_week(cast.org, 4), value="0.1"),
        )
        assert isinstance(single, models.MeasurementWritten), single

    created = Objective.objects.get(pk=objective.id)
    assert created.title == "Keep every customer"
    assert list(KeyResult.objects.filter(objective=created).values_list("target", flat=True)) == [
        Decimal(2),
        Decimal(120),
    ]
    assert Measurement.objects.filter(kpi=kpi).count() == 4
    assert Measurement.objects.get(kpi=kpi, period_start=this_week(cast.org, 4)).value == Decimal(
        "0.1"
    )
