"""KPIs, their measurements, and bulk ingestion of many values at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Status

from tandem.access.permissions import (
    VIEWER_REFUSAL,
    can_edit,
    can_record_measurement,
    require_manage_kpis,
    require_record_measurement,
)
from tandem.accounts.models import Role
from tandem.api import services as api_services
from tandem.api.auth import Need, caller
from tandem.api.common import (
    IF_MATCH,
    LIMIT,
    MAX_ID,
    Id,
    expected_version,
    member,
    paginate,
    ref,
    with_etag,
)
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError, Problem
from tandem.api.schemas import (
    BulkIn,
    BulkOut,
    KpiIn,
    KpiOut,
    KpiPage,
    KpiPatch,
    MeasurementIn,
    MeasurementPage,
    MeasurementWritten,
)
from tandem.api.schemas_admin import KpiTargetIn, KpiTargetOut
from tandem.audit.models import Source as AuditSource
from tandem.integrations.ingest import MAX_ROWS, IngestError, measurements_ingest
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, KPITarget, Source
from tandem.okrs.selectors import team_get_by_id, team_ids_of

router = Router()


@router.get("/kpis", response={200: KpiPage, **READ_ERRORS}, tags=["kpis"])
def kpi_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = LIMIT,
    team: Id | None = None,
    owner: Id | None = None,
    tag: str | None = None,
    key: str | None = None,
    include_archived: bool = False,
) -> dict[str, Any]:
    """KPIs; filter by owning ``team``, owning person (``owner``), ``tag`` or ``key``."""
    who = caller(request, Need.READ_KPIS)
    rows = kpi_selectors.kpi_list(
        organization=who.organization,
        tag=tag,
        include_archived=include_archived,
        owner_team_id=team,
        owner_user_id=owner,
        key=key,
    )
    return paginate(rows, cursor=cursor, limit=limit)


@router.get("/kpis/{kpi_id}", response={200: KpiOut, **READ_ERRORS}, tags=["kpis"])
def kpi_read(request: HttpRequest, kpi_id: int, response: HttpResponse) -> KPI:
    """One KPI; its ``ETag`` header (and ``version``) guards a later update."""
    who = caller(request, Need.READ_KPIS)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    with_etag(response, kpi.version)
    return kpi


@router.post("/kpis", response={201: KpiOut, **WRITE_ERRORS}, tags=["kpis"])
def kpi_new(request: HttpRequest, payload: KpiIn, response: HttpResponse) -> Status[KPI]:
    who = caller(request, Need.WRITE)
    require_manage_kpis(who.membership)
    org = who.organization
    kpi = kpis.kpi_create(
        organization=org,
        name=payload.name,
        key=payload.key,
        description=payload.description,
        owner_team=ref(team_get_by_id, "owner_team", payload.owner_team, "team", organization=org),
        owner_user=member(org, "owner_user", payload.owner_user),
        unit=payload.unit,
        currency=payload.currency,
        direction=payload.direction,
        frequency=payload.frequency,
        aggregation=payload.aggregation,
        target=payload.target,
        yellow=payload.yellow,
        low=payload.low,
        high=payload.high,
        tolerance=payload.tolerance,
        effective_from=payload.effective_from,
        tags=payload.tags,
        by=who.user,
        source=AuditSource.API,
    )
    with_etag(response, kpi.version)
    return Status(201, kpi_selectors.kpi_get(organization=org, pk=kpi.pk))


@router.patch(
    "/kpis/{kpi_id}",
    response={200: KpiOut, **WRITE_ERRORS, 400: Problem, 428: Problem},
    tags=["kpis"],
)
def kpi_change(
    request: HttpRequest,
    kpi_id: int,
    payload: KpiPatch,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> KPI:
    """Change some fields; requires the version read (If-Match or ``version``)."""
    who = caller(request, Need.WRITE)
    require_manage_kpis(who.membership)
    org = who.organization
    kpi = kpi_selectors.kpi_get(organization=org, pk=kpi_id)
    changes = payload.model_dump(exclude_unset=True)
    version = expected_version(if_match, changes.pop("version", None))
    tags = changes.pop("tags", None)
    if "owner_team" in changes:
        changes["owner_team"] = ref(
            team_get_by_id, "owner_team", changes["owner_team"], "team", organization=org
        )
    if "owner_user" in changes:
        changes["owner_user"] = member(org, "owner_user", changes["owner_user"])
    updated = kpis.kpi_update(
        kpi=kpi, by=who.user, version=version, tags=tags, source=AuditSource.API, **changes
    )
    with_etag(response, updated.version)
    return kpi_selectors.kpi_get(organization=org, pk=updated.pk)


@router.get(
    "/kpis/{kpi_id}/measurements",
    response={200: MeasurementPage, **READ_ERRORS},
    tags=["measurements"],
)
def measurement_list(
    request: HttpRequest,
    kpi_id: int,
    cursor: str | None = None,
    limit: int = LIMIT,
    since: str | None = Query(None, description="First period start to include (YYYY-MM-DD)."),
    until: str | None = Query(None, description="Last period start to include (YYYY-MM-DD)."),
) -> dict[str, Any]:
    """A KPI's values, in the order they were first recorded."""
    who = caller(request, Need.READ_KPIS)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    rows = kpi_selectors.measurement_list(
        kpi=kpi, since=_date("since", since), until=_date("until", until)
    )
    return paginate(rows, cursor=cursor, limit=limit)


def _date(field: str, text: str | None) -> dt.date | None:
    """The date a query parameter gives, or None when it gives none."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        message = f"“{text}” is not a date written YYYY-MM-DD."
        raise ApiError(
            422, f"{field}: {message}", errors=[{"field": field, "message": message}]
        ) from None


@router.post(
    "/kpis/{kpi_id}/measurements",
    response={200: MeasurementWritten, 201: MeasurementWritten, **WRITE_ERRORS},
    tags=["measurements"],
)
def measurement_new(
    request: HttpRequest, kpi_id: int, payload: MeasurementIn
) -> Status[dict[str, Any]]:
    """Record a KPI's value for a period (201), or correct it (200, ``updated``: the old
    value is kept in its history). The same value again is ``unchanged``."""
    who = caller(request, Need.MEASURE)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    team_ids = team_ids_of(organization=who.organization, user=who.user)
    require_record_measurement(who.membership, kpi, team_ids)
    measurement, outcome = kpis.measurement_record(
        kpi=kpi,
        period_start=payload.period_start,
        value=payload.value,
        note=payload.note,
        by=who.user,
        source=Source.API,
    )
    return Status(
        201 if outcome == "created" else 200, {"outcome": outcome, "measurement": measurement}
    )


@router.post(
    "/measurements/bulk",
    response={200: BulkOut, **WRITE_ERRORS},
    tags=["measurements"],
)
def measurement_bulk(
    request: HttpRequest,
    payload: BulkIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="Any unique text: the same key within 24 hours replays the first answer.",
    ),
) -> Any:
    """Up to 10,000 values for any KPIs, written all or nothing.

    A batch with a bad row writes nothing and lists every bad row (``index``, ``field``,
    ``message``). Sending the same batch again changes nothing (all ``unchanged``).
    """
    who = caller(request, Need.MEASURE)
    rows: Any = payload.rows
    if not isinstance(rows, list):
        raise ApiError(
            422,
            "rows: send a list of rows.",
            errors=[{"field": "rows", "message": "A list of rows, each an object."}],
        )
    if len(rows) > MAX_ROWS:
        message = f"{len(rows):,} rows is too many: send at most {MAX_ROWS:,} at once."
        raise ApiError(422, f"rows: {message}", errors=[{"field": "rows", "message": message}])
    key = (idempotency_key or "").strip()
    request_hash = ""
    if key:
        if len(key) > 255:
            raise ApiError(
                422,
                "Idempotency-Key: keep it to 255 characters.",
                errors=[{"field": "Idempotency-Key", "message": "At most 255 characters."}],
            )
        request_hash = _batch_hash(rows)
        seen = api_services.idempotency_lookup(token=who.token, key=key)
        if seen is not None:
            if seen.request_hash != request_hash:
                message = "This key was used for a different batch; use a new key for new data."
                raise ApiError(
                    422,
                    f"Idempotency-Key: {message}",
                    errors=[{"field": "Idempotency-Key", "message": message}],
                )
            response["Idempotent-Replayed"] = "true"
            return Status(seen.status, seen.body)
    _check_may_record(who, rows)
    try:
        result = measurements_ingest(
            organization=who.organization,
            rows=rows,
            by=who.user,
            token=who.token,
            source=Source.API,
        )
    except IngestError as exc:
        count = len({e["index"] for e in exc.errors})
        raise ApiError(
            422,
            f"Nothing was written: {count} row{'s are' if count != 1 else ' is'} not valid.",
            errors=[
                {"index": e["index"], "field": e["field"], "message": e["message"]}
                for e in exc.errors
            ],
        ) from None
    body = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "batch": result.batch.pk if result.batch else None,
    }
    if key:
        api_services.idempotency_store(
            token=who.token, key=key, request_hash=request_hash, status=200, body=body
        )
    return Status(200, body)


def _batch_hash(rows: list[Any]) -> str:
    """What tells one batch from another under an Idempotency-Key: the rows, with each
    value as text (the number 2.5 and the text "2.5" are the same value)."""
    normal = [
        {**row, "value": str(row["value"])}
        if isinstance(row, dict) and "value" in row and not isinstance(row["value"], str)
        else row
        for row in rows
    ]
    return hashlib.sha256(json.dumps(normal, sort_keys=True, default=str).encode()).hexdigest()


def _check_may_record(who: Any, rows: list[Any]) -> None:
    """Members record the KPIs they or their teams own; refuse the batch naming the first
    other KPI. Unknown KPIs are left to the ingestion, which lists them row by row."""
    if can_edit(who.membership):
        return
    if who.membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    names = {str(r.get("kpi")).strip() for r in rows if isinstance(r, dict)}
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    ids = {int(n) for n in names if n.isascii() and n.isdigit() and int(n) <= MAX_ID}
    found = kpi_selectors.kpis_named(organization=who.organization, keys=names, ids=ids)
    team_ids = team_ids_of(organization=who.organization, user=who.user)
    for kpi in found:
        if not can_record_measurement(who.membership, kpi, team_ids):
            raise PermissionDenied(
                f"You can enter values of the KPIs you or your teams own; “{kpi}” is neither."
            )


@router.post(
    "/kpis/{kpi_id}/targets",
    response={201: KpiTargetOut, **WRITE_ERRORS},
    tags=["kpis"],
)
def kpi_target_new(request: HttpRequest, kpi_id: Id, payload: KpiTargetIn) -> Status[KPITarget]:
    """A new target from a period on; earlier periods keep the target they had."""
    who = caller(request, Need.WRITE)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    require_manage_kpis(who.membership)
    target = kpis.kpi_set_target(kpi=kpi, by=who.user, source=AuditSource.API, **payload.dict())
    target.refresh_from_db()  # the decimals as stored, with their places
    return Status(201, target)
