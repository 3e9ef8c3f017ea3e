"""Background pulls of KPI values, run by ``tandem worker`` on the ``pulls`` queue."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from tandem.integrations.models import DataSource
from tandem.integrations.pulls import PullError, pull_run


@task(queue_name="pulls")
def run_pull(data_source_id: int) -> dict[str, Any]:
    """Pull one source; answer its outcome. A failure is recorded on the source, so the
    task itself ends well: retrying it blindly would only repeat the same error."""
    source = (
        DataSource.objects.select_related("kpi__organization", "organization")
        .filter(pk=data_source_id, is_active=True)
        .first()
    )
    if source is None:  # deleted or paused since it was enqueued
        return {"status": "skipped"}
    try:
        result = pull_run(source=source)
    except PullError as e:
        return {"status": "failed", "error": str(e)}
    return {
        "status": "ok",
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
