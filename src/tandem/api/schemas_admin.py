"""Bodies of the operations that run an organisation: its settings and words, people,
invitations, teams, API tokens, reminders, webhooks, data sources and the scorecard."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictBool

from tandem.api.schemas import DecimalIn, Page

Weekday = Literal[1, 2, 3, 4, 5, 6, 7]
# A wall-clock time as 24-hour "HH:MM" in the organisation's time zone (JSON Schema's
# "time" format would demand a UTC offset, which a wall-clock time must not have).
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
RoleName = Literal["owner", "admin", "editor", "member", "viewer"]
TeamKind = Literal["company", "department", "team"]

# -- the organisation ---------------------------------------------------------------------


class Word(Schema):
    singular: str
    plural: str


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    week_start: int = Field(description="1 = Monday … 7 = Sunday.")
    fiscal_year_start_month: int
    status_on_track_gap: Decimal
    status_at_risk_gap: Decimal
    status_low_confidence: int
    promote_after_red_periods: int
    demote_after_green_periods: int
    terminology: dict[str, Word] = Field(
        description="The concepts the organisation renamed, e.g. objective → rock."
    )
    coach_disabled_rules: list[str]
    password_sign_in: bool = Field(
        description=(
            "False: members sign in through single sign-on only (needs single sign-on "
            "set up on the server)."
        )
    )
    language: Literal["", "en", "de", "fr", "es"] = Field(
        description="The pages' language for people who chose none; empty: the browser's."
    )


class OrganizationPatch(Schema):
    name: str | None = None
    timezone: str | None = None
    week_start: Weekday | None = None
    fiscal_year_start_month: int | None = Field(None, ge=1, le=12)
    status_on_track_gap: DecimalIn | None = None
    status_at_risk_gap: DecimalIn | None = None
    status_low_confidence: int | None = Field(None, ge=0, le=10)
    promote_after_red_periods: int | None = Field(None, ge=1, le=1000)
    demote_after_green_periods: int | None = Field(None, ge=1, le=1000)
    terminology: dict[str, Word] | None = None
    coach_disabled_rules: list[str] | None = None
    password_sign_in: StrictBool | None = None
    language: Literal["", "en", "de", "fr", "es"] | None = None


# -- people, invitations, teams -----------------------------------------------------------


class PersonPatch(Schema):
    role: RoleName | None = None
    title: str | None = Field(None, max_length=120)


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    teams: list[int]
    state: str = Field(description="pending, accepted, revoked or expired.")
    invited_by: int | None = Field(validation_alias="invited_by_id")
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: RoleName = "member"
    teams: list[int] = Field(default_factory=list, description="Teams joined on accepting.")


class InvitationPage(Page):
    items: list[InvitationOut]


class TeamIn(Schema):
    name: str = Field(max_length=120)
    parent: int | None = None
    kind: TeamKind = "team"
    mission: str = ""


class TeamPatch(Schema):
    name: str | None = Field(None, max_length=120)
    parent: int | None = Field(None, description="Move under this team; null for the top.")
    kind: TeamKind | None = None
    mission: str | None = None


# -- API tokens ---------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    scope: str
    prefix: str = Field(validation_alias="display_prefix", description="Its first characters.")
    expires_on: dt.date | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    created_at: dt.datetime


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class TokenIn(Schema):
    name: str = Field(max_length=100)
    scope: Literal["read", "write", "measurements"] = "read"
    expires_on: dt.date | None = Field(None, description="The last day it works.")


class TokenPage(Page):
    items: list[TokenOut]


# -- reminders ----------------------------------------------------------------------------


class RemindersOut(Schema):
    saved: bool = Field(description="False until the schedule is first saved (reminders off).")
    reminders_enabled: bool
    checkin_weekday: int
    checkin_time: str = Field(pattern=CLOCK, description="24-hour HH:MM, local time.")
    escalation_enabled: bool
    escalate_after_weeks: int
    digest_enabled: bool
    digest_weekday: int
    digest_time: str = Field(pattern=CLOCK)
    channel_webhook_url: str
    timezone: str = Field(description="The organisation's: the times are wall-clock there.")


class RemindersPatch(Schema):
    reminders_enabled: StrictBool | None = None
    checkin_weekday: Weekday | None = None
    checkin_time: str | None = Field(None, pattern=CLOCK, description="24-hour HH:MM.")
    escalation_enabled: StrictBool | None = None
    escalate_after_weeks: int | None = Field(None, ge=1, le=12)
    digest_enabled: StrictBool | None = None
    digest_weekday: Weekday | None = None
    digest_time: str | None = Field(None, pattern=CLOCK)
    channel_webhook_url: str | None = Field(None, max_length=500)


# -- webhooks -----------------------------------------------------------------------------


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool = Field(validation_alias="is_active")
    created_at: dt.datetime
    secret_rotated_at: dt.datetime | None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signs every delivery: shown this once, never again.")


class WebhookIn(Schema):
    url: str = Field(max_length=500)
    events: list[str]
    description: str = Field("", max_length=200)


class WebhookPatch(Schema):
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    description: str | None = Field(None, max_length=200)
    active: StrictBool | None = Field(None, description="False pauses it; true resumes it.")


class WebhookPage(Page):
    items: list[WebhookOut]


class DeliveryOut(Schema):
    id: int
    event_id: uuid.UUID
    event: str
    status: str
    attempts: int
    response_status: int | None
    response_ms: int | None
    error: str
    redelivery_of: int | None = Field(validation_alias="redelivery_of_id")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    next_attempt_at: dt.datetime | None


class DeliveryPage(Page):
    items: list[DeliveryOut]


# -- data sources -------------------------------------------------------------------------


class DataSourceIn(Schema):
    kind: Literal["sql", "http_json", "http_csv"]
    url: str = Field(
        max_length=2000,
        description="Database URL or web address; send ******** for a password kept as it was.",
    )
    query: str = ""
    header_name: str = Field("", max_length=100)
    header_value: str = Field("", max_length=2000, description="******** keeps the stored one.")
    rows_path: str = Field("", max_length=300)
    value_path: str = Field("", max_length=300)
    period_path: str = Field("", max_length=300)
    period_column: str = Field("", max_length=100)
    value_column: str = Field("", max_length=100)
    interval_minutes: int = Field(60, ge=5, le=525600)
    stale_after_minutes: int | None = Field(None, ge=5, le=5256000)
    is_active: StrictBool = True


class DataSourceOut(Schema):
    kpi: int
    kind: str
    url: str = Field(description="Its password masked.")
    query: str
    header_name: str
    header_value: str = Field(description="Masked when set.")
    rows_path: str
    value_path: str
    period_path: str
    period_column: str
    value_column: str
    interval_minutes: int
    stale_after_minutes: int | None
    is_active: bool
    next_run_at: dt.datetime
    last_run_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_status: str = Field(description="ok, failed, or empty before the first run.")
    last_error: str
    last_counts: dict[str, int]
    flag: str = Field(description="“sync failed”, “stale”, or empty when all is well.")


class PreviewPair(Schema):
    period_start: dt.date
    value: Decimal


class DataSourcePreview(Schema):
    ok: bool
    read: int = Field(description="How many values the source gave.")
    error: str
    values: list[PreviewPair] = Field(description="The latest values it would record.")


# -- the scorecard ------------------------------------------------------------------------


class ScorecardColumn(Schema):
    start: dt.date
    label: str


class ScorecardCell(Schema):
    start: dt.date
    value: Decimal | None
    health: str
    expected: bool = Field(description="False where the KPI owes no value in this column.")


class ScorecardRow(Schema):
    kpi: int
    key: str
    name: str
    owner_team: int | None
    owner_user: int | None
    unit: str
    direction: str
    target: Decimal | None
    health: str
    sync: str
    promote: bool = Field(description="Red long enough to suggest an OKR.")
    demote: bool = Field(description="Green long enough after its OKR to demote it.")
    cells: list[ScorecardCell]


class ScorecardOut(Schema):
    granularity: str
    columns: list[ScorecardColumn]
    rows: list[ScorecardRow]


# -- KPI targets --------------------------------------------------------------------------


class KpiTargetIn(Schema):
    effective_from: dt.date = Field(description="The first period the target applies to.")
    target: DecimalIn | None = None
    yellow: DecimalIn | None = Field(None, description="Where amber starts.")
    low: DecimalIn | None = Field(None, description="A range's lower bound.")
    high: DecimalIn | None = Field(None, description="A range's upper bound.")
    tolerance: DecimalIn | None = None


class KpiTargetOut(Schema):
    kpi: int = Field(validation_alias="kpi_id")
    effective_from: dt.date
    target: Decimal | None
    yellow: Decimal | None
    low: Decimal | None
    high: Decimal | None
    tolerance: Decimal | None
