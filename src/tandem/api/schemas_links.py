"""Bodies of KPIs promoted to OKRs and of KPIs linked to objectives and key results."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from tandem.api.schemas import DecimalIn, Page


class PromoteIn(Schema):
    cycle: int = Field(description="The open cycle the new objective belongs to.")
    title: str = Field(
        "", max_length=200, description="The objective; empty: “Get <KPI> back on target”."
    )
    target: DecimalIn | None = Field(
        None,
        description="Where the key result takes the KPI; empty: the KPI's target in force "
        "(for a KPI kept within a range, the nearer edge of the range).",
    )
    reason: str = Field("", description="Becomes the objective's description.")


class DemoteIn(Schema):
    note: str = Field("", description="Why the KPI no longer needs an OKR.")


class PromotionOut(Schema):
    id: int
    kpi: int = Field(validation_alias="kpi_id")
    objective: int = Field(
        validation_alias="objective_id",
        description="The objective made for it, with one key result that reads the KPI.",
    )
    reason: str
    promoted_at: dt.datetime
    promoted_by: int | None = Field(validation_alias="promoted_by_id")
    demoted_at: dt.datetime | None = Field(description="Empty while the promotion is open.")
    demoted_by: int | None = Field(validation_alias="demoted_by_id")
    demotion_note: str


class PromotionPage(Page):
    items: list[PromotionOut]


class ObjectiveKpiIn(Schema):
    kpi: int
    role: Literal["guardrail", "indicator"] = Field(
        "guardrail",
        description="A guardrail must stay healthy while the objective is pursued; an "
        "indicator should move with it.",
    )


class ObjectiveKpiOut(Schema):
    id: int
    objective: int = Field(validation_alias="objective_id")
    kpi: int = Field(validation_alias="kpi_id")
    role: str
    created_at: dt.datetime


class ObjectiveKpiPage(Page):
    items: list[ObjectiveKpiOut]


class KeyResultKpiIn(Schema):
    kpi: int | None = Field(
        description="The KPI whose values become the key result's; null: checked in by hand."
    )
    aggregation: Literal["last", "sum", "average"] = Field(
        "last",
        description="Which of the KPI's values in the cycle the key result reads: the last, "
        "their sum or their average.",
    )
