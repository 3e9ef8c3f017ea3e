"""Bodies of the strategic plan: purpose, values, BHAG, targets and key KPIs."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class PlanIn(Schema):
    purpose: str = Field(description="Why the organisation exists, in a sentence or two.")
    values: list[str] = Field([], description="The core values, at most eight.")
    bhag: str = Field("", description="The big, hairy, audacious goal, 10 to 25 years out.")
    bhag_year: int | None = Field(None, description="The year the BHAG is reached by.")
    long_term_date: dt.date | None = Field(None, description="The 3-5 year target date.")
    long_term_targets: list[str] = Field([], description="The 3-5 year targets, at most eight.")
    annual_targets: list[str] = Field([], description="This year's targets, at most eight.")
    profit_per_x: str = Field("", description="The one economic denominator.")
    key_kpis: list[int] = Field(
        [], description="The ids of the few KPIs the whole company watches (at most twelve)."
    )
    version: int | None = Field(
        None, description="The version read; required (or If-Match) once a plan exists."
    )


class PlanOut(Schema):
    purpose: str
    values: list[str]
    bhag: str
    bhag_year: int | None
    long_term_date: dt.date | None
    long_term_targets: list[str]
    annual_targets: list[str]
    profit_per_x: str
    key_kpis: list[int] = Field(description="KPI ids, in the plan's order.")
    version: int
    updated_at: dt.datetime
