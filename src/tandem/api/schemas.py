"""Request and response bodies.

Numbers are ``Decimal`` end to end and are written as JSON strings ("12.5000") so
that no client loses precision to binary floating point; requests may send them as
strings or as JSON numbers (read as decimals, never through a float).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, SkipValidation, WithJsonSchema

DECIMAL_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _decimal_text(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(DECIMAL_TEXT, value):
        raise ValueError(f"“{value[:40]}” is not a number written like 12.5 or -3.")
    return value


# A decimal in a request: a JSON number, or a string holding one written plainly. The
# document says which strings, so clients (and their generated code) know "abc" or
# "1_000" is refused before they send it; the validator holds Tandem to the same rule.
DecimalIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_TEXT}]}),
]

# -- people and teams ---------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    parent: int | None = Field(validation_alias="parent_id")
    mission: str


class PersonOut(Schema):
    id: int = Field(validation_alias="user_id")
    email: str = Field(validation_alias="user.email")
    full_name: str = Field(validation_alias="user.full_name")
    role: str
    title: str


# -- cycles ---------------------------------------------------------------------------------


class CycleOut(Schema):
    id: int
    name: str
    kind: str
    start_date: dt.date
    end_date: dt.date
    parent: int | None = Field(validation_alias="parent_id")
    state: str
    closed_at: dt.datetime | None


class CycleIn(Schema):
    name: str
    start_date: dt.date
    end_date: dt.date
    kind: Literal["quarter", "year", "custom"] = "quarter"
    parent: int | None = None
    state: Literal["planning", "active"] = "planning"


class FiscalYearIn(Schema):
    year: int = Field(
        description="The calendar year the fiscal year starts in; it starts on the first "
        "day of the organisation's fiscal-year start month."
    )


class FiscalYearOut(Schema):
    year: CycleOut
    quarters: list[CycleOut]


# -- objectives -----------------------------------------------------------------------------


class ObjectiveOut(Schema):
    id: int
    cycle: int = Field(validation_alias="cycle_id")
    title: str
    description: str
    kind: str
    owner_team: int | None = Field(validation_alias="owner_team_id")
    owner_user: int | None = Field(validation_alias="owner_user_id")
    state: str
    is_private: bool
    progress: Decimal | None = Field(description="Weighted mean of its key results, 0 to 1.")
    score: Decimal | None
    computed_score: Decimal | None = Field(
        description="The score computed from progress when the cycle closed."
    )
    score_reason: str = Field(description="Why the score differs from the computed one.")
    version: int = Field(description="Send it back as If-Match (or `version`) to update.")
    created_at: dt.datetime
    updated_at: dt.datetime


class ObjectiveIn(Schema):
    cycle: int
    title: str
    description: str = ""
    kind: Literal["committed", "aspirational"] = "aspirational"
    owner_team: int | None = None
    owner_user: int | None = None
    is_private: bool = False
    state: Literal["draft", "active"] = "active"


class ObjectivePatch(Schema):
    title: str | None = None
    description: str | None = None
    kind: Literal["committed", "aspirational"] | None = None
    owner_team: int | None = None
    owner_user: int | None = None
    state: Literal["draft", "active", "closed", "dropped"] | None = None
    is_private: bool | None = None
    cycle: int | None = None
    version: int | None = Field(None, description="The version read; If-Match works too.")


class ScoreIn(Schema):
    score: DecimalIn = Field(description="0.0 to 1.0, in steps of 0.1.")
    reason: str = Field("", description="Required when the score differs from the computed one.")


# -- key results ----------------------------------------------------------------------------


class KeyResultOut(Schema):
    id: int
    objective: int = Field(validation_alias="objective_id")
    title: str
    kind: str
    unit: str
    currency: str
    baseline: Decimal | None
    target: Decimal | None
    current: Decimal | None
    done: bool
    progress: Decimal = Field(description="Raw progress: may be below 0 or above 1.")
    weight: Decimal
    owner: int | None = Field(validation_alias="owner_id")
    kpi: int | None = Field(validation_alias="kpi_id")
    last_confidence: int | None
    last_checkin_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class KeyResultIn(Schema):
    objective: int
    title: str
    kind: Literal["metric", "milestone"] = "metric"
    unit: Literal["number", "percent", "currency"] = "number"
    currency: str = ""
    baseline: DecimalIn | None = None
    target: DecimalIn | None = None
    owner: int | None = None
    weight: DecimalIn = Decimal(1)


class KeyResultPatch(Schema):
    title: str | None = None
    kind: Literal["metric", "milestone"] | None = None
    unit: Literal["number", "percent", "currency"] | None = None
    currency: str | None = None
    baseline: DecimalIn | None = None
    target: DecimalIn | None = None
    owner: int | None = None
    weight: DecimalIn | None = None
    position: int | None = None
    version: int | None = Field(None, description="The version read; If-Match works too.")


# -- check-ins ------------------------------------------------------------------------------


class CheckInOut(Schema):
    id: int
    key_result: int = Field(validation_alias="key_result_id")
    value: Decimal | None
    done: bool | None
    confidence: int
    note: str
    author: int | None = Field(validation_alias="author_id")
    source: str
    created_at: dt.datetime


class CheckInIn(Schema):
    confidence: int = Field(description="1 (not at all) to 10 (certain).")
    value: DecimalIn | None = Field(None, description="For a metric key result.")
    done: bool | None = Field(None, description="For a milestone.")
    note: str = ""
    at: dt.datetime | None = Field(None, description="When it was true (default: now).")


# -- initiatives and alignments --------------------------------------------------------------


class InitiativeOut(Schema):
    id: int
    objective: int = Field(validation_alias="objective_id")
    key_result: int | None = Field(validation_alias="key_result_id")
    title: str
    owner: int | None = Field(validation_alias="owner_id")
    status: str
    due_date: dt.date | None
    created_at: dt.datetime


InitiativeStatus = Literal["not_started", "in_progress", "blocked", "done", "cancelled"]


class InitiativeIn(Schema):
    objective: int
    title: str
    key_result: int | None = None
    owner: int | None = None
    status: InitiativeStatus = "not_started"
    due_date: dt.date | None = None


class InitiativePatch(Schema):
    status: InitiativeStatus


class AlignmentOut(Schema):
    id: int
    objective: int = Field(validation_alias="objective_id")
    parent_objective: int | None = Field(validation_alias="parent_objective_id")
    parent_key_result: int | None = Field(validation_alias="parent_key_result_id")
    created_at: dt.datetime


class AlignmentIn(Schema):
    objective: int
    parent_objective: int | None = None
    parent_key_result: int | None = None


# -- KPIs and measurements -------------------------------------------------------------------


class KpiOut(Schema):
    id: int
    key: str
    name: str
    description: str
    owner_team: int | None = Field(validation_alias="owner_team_id")
    owner_user: int | None = Field(validation_alias="owner_user_id")
    unit: str
    currency: str
    direction: str
    frequency: str
    aggregation: str
    is_active: bool
    latest_period: dt.date | None
    latest_value: Decimal | None
    current_period_start: dt.date = Field(
        description="The period a value measured today belongs to, in the organisation's "
        "time zone: what to send as ``period_start`` for “now”."
    )
    tags: list[str]
    version: int

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_current_period_start(obj: Any) -> dt.date:
        return obj.period_containing(obj.organization.today())


Direction = Literal["higher_is_better", "lower_is_better", "within_range"]
Frequency = Literal["daily", "weekly", "monthly", "quarterly"]
Aggregation = Literal["sum", "average", "last", "min", "max"]
Unit = Literal["number", "percent", "currency"]


class KpiIn(Schema):
    name: str
    key: str = Field("", description="A stable key (default: from the name).")
    description: str = ""
    owner_team: int | None = None
    owner_user: int | None = None
    unit: Unit = "number"
    currency: str = ""
    direction: Direction = "higher_is_better"
    frequency: Frequency = "weekly"
    aggregation: Aggregation = "last"
    target: DecimalIn | None = None
    yellow: DecimalIn | None = None
    low: DecimalIn | None = None
    high: DecimalIn | None = None
    tolerance: DecimalIn | None = None
    effective_from: dt.date | None = None
    tags: list[str] = []


class KpiPatch(Schema):
    name: str | None = None
    key: str | None = None
    description: str | None = None
    owner_team: int | None = None
    owner_user: int | None = None
    unit: Unit | None = None
    currency: str | None = None
    direction: Direction | None = None
    frequency: Frequency | None = None
    aggregation: Aggregation | None = None
    is_active: bool | None = None
    tags: list[str] | None = None
    version: int | None = Field(None, description="The version read; If-Match works too.")


class MeasurementOut(Schema):
    id: int
    kpi: int = Field(validation_alias="kpi_id")
    period_start: dt.date
    value: Decimal
    source: str
    note: str
    recorded_by: int | None = Field(validation_alias="recorded_by_id")
    recorded_at: dt.datetime
    version: int
    batch: int | None = Field(
        validation_alias="batch_id",
        description="The bulk batch that sent this value; null for a value entered alone.",
    )


class MeasurementIn(Schema):
    period_start: dt.date = Field(description="The first day of the KPI's period.")
    value: DecimalIn
    note: str = ""


class MeasurementWritten(Schema):
    outcome: Literal["created", "updated", "unchanged"]
    measurement: MeasurementOut


class BulkRow(BaseModel):
    """One value. Rows are checked by the ingestion itself, so every bad row of a batch
    is reported at once; unknown fields are reported, not ignored."""

    # A plain pydantic model: Ninja's Schema drops unknown fields, which must be reported.
    model_config = ConfigDict(extra="allow")

    kpi: int | str = Field(description="The KPI's id, or its key.")
    period_start: str = Field(description="YYYY-MM-DD, the first day of the KPI's period.")
    value: Decimal | str
    note: str = ""


class BulkIn(Schema):
    # Documented as BulkRow objects, and read as they come: building a model of each of
    # ten thousand rows costs more than the ingestion's own check of every row, which
    # names the row and the field of each fault.
    rows: SkipValidation[list[BulkRow]] = Field(max_length=10_000)


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    batch: int | None = Field(
        description="The id of the batch recorded (each value it wrote names it); null "
        "when nothing changed and so nothing was recorded."
    )


# -- pages of lists -------------------------------------------------------------------------


class Page(Schema):
    """A page of a list: pass ``next`` back as ``cursor`` for the following page; it is
    null on the last page."""

    next: str | None


class TeamPage(Page):
    items: list[TeamOut]


class PersonPage(Page):
    items: list[PersonOut]


class CyclePage(Page):
    items: list[CycleOut]


class ObjectivePage(Page):
    items: list[ObjectiveOut]


class KeyResultPage(Page):
    items: list[KeyResultOut]


class CheckInPage(Page):
    items: list[CheckInOut]


class InitiativePage(Page):
    items: list[InitiativeOut]


class AlignmentPage(Page):
    items: list[AlignmentOut]


class KpiPage(Page):
    items: list[KpiOut]


class MeasurementPage(Page):
    items: list[MeasurementOut]
