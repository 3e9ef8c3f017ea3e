"""Read the audit history: the organisation's log with filters, and each object's feed.

Every read is scoped to one organisation. A page of the log costs a fixed number of
queries whatever its length: the events with their actors in one query, then one
query per kind of object on the page to find which objects still exist (for links).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tandem.accounts.models import Organization, User
from tandem.audit.models import AuditEvent

PAGE_SIZE = 50
ACTIVITY_LIMIT = 20
# Bookkeeping columns that every snapshot carries and nobody reads in a diff.
_HIDDEN_FIELDS = {"id", "organization_id", "version"}
_LONG_VALUE = 120
# Stored fractions that people read as percentages.
_PERCENT_FIELDS = {"progress", "computed_progress"}
_DECIMAL_TEXT = re.compile(r"-?\d+\.\d+")


@dataclass(frozen=True)
class _Link:
    model: str  # app_label.ModelName
    value: str  # the column (or lookup) that gives the URL's argument
    url_name: str


# Where each kind of object is shown. A kind missing here is listed without a link.
LINKS: dict[str, _Link] = {
    "objective": _Link("okrs.Objective", "pk", "objective"),
    "keyresult": _Link("okrs.KeyResult", "objective_id", "objective"),
    "checkin": _Link("okrs.CheckIn", "key_result__objective_id", "objective"),
    "initiative": _Link("okrs.Initiative", "objective_id", "objective"),
    "alignment": _Link("okrs.Alignment", "objective_id", "objective"),
    "objectivekpi": _Link("kpis.ObjectiveKPI", "objective_id", "objective"),
    "kpi": _Link("kpis.KPI", "pk", "kpi"),
    "kpitarget": _Link("kpis.KPITarget", "kpi_id", "kpi"),
    "measurement": _Link("kpis.Measurement", "kpi_id", "kpi"),
    "promotion": _Link("kpis.Promotion", "kpi_id", "kpi"),
    "team": _Link("accounts.Team", "slug", "team"),
    "cycle": _Link("okrs.Cycle", "pk", "cycle_review"),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    # "set" when the event created the value, "unset" when it removed it (a creation
    # or a deletion): the page then shows the one value, not "— → value".
    kind: str = "change"


@dataclass
class Entry:
    event: AuditEvent
    changes: list[Change]
    url: str | None = None

    @property
    def kind(self) -> str:
        return target_type_label(self.event.target_type)


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to; every part is optional."""

    actor_id: int | None = None
    action: str = ""  # a prefix: "objective." or "checkin.create"
    target_type: str = ""
    source: str = ""
    since: dt.date | None = None  # inclusive, in the organisation's time zone
    until: dt.date | None = None  # inclusive


@dataclass
class AuditPage:
    entries: list[Entry]
    next_cursor: str | None
    filters: AuditFilters = field(default_factory=AuditFilters)


# -- values and diffs ---------------------------------------------------------------------


def _label(name: str) -> str:
    if name.endswith("_id"):
        name = name[:-3]
    return name.replace("_", " ")


def _moment(text: str, tz: dt.tzinfo) -> str | None:
    """A snapshot's ISO time, as people read it in the organisation's time zone."""
    if len(text) < 19 or text[10] != "T":
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(tz).strftime("%d %b %Y %H:%M").lstrip("0")


def format_value(value: Any, tz: dt.tzinfo | None = None) -> str:
    """A snapshot value for people; with ``tz``, ISO times are shown in that zone."""
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str) and tz is not None:
        moment = _moment(value, tz)
        if moment is not None:
            return moment
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        # A stored decimal as people write it: 199.0000 -> 199, 0.2500 -> 0.25.
        return value.rstrip("0").rstrip(".")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _LONG_VALUE else text[: _LONG_VALUE - 1] + "…"


def _percent(value: Any, tz: dt.tzinfo | None) -> str:
    try:
        fraction = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return format_value(value, tz)
    return f"{(fraction * 100).quantize(Decimal(1)):f}%"


def changes_of(event: AuditEvent, tz: dt.tzinfo | None = None) -> list[Change]:
    """The fields an event touched, old → new (a creation or deletion has one side)."""
    before: Mapping[str, Any] = event.before if isinstance(event.before, dict) else {}
    after: Mapping[str, Any] = event.after if isinstance(event.after, dict) else {}
    names = [k for k in after if k not in _HIDDEN_FIELDS]
    names += [k for k in before if k not in after and k not in _HIDDEN_FIELDS]
    kind = "set" if event.before is None else "unset" if event.after is None else "change"
    changes = []
    for name in names:
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        shown = _percent if name in _PERCENT_FIELDS else format_value
        changes.append(Change(_label(name), shown(old, tz), shown(new, tz), kind=kind))
    return changes


# -- links to the objects that still exist -----------------------------------------------


def _links(organization: Organization, events: Iterable[AuditEvent]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.target_type in LINKS:
            wanted[event.target_type].add(event.target_id)
    urls: dict[tuple[str, int], str] = {}
    for target_type, ids in wanted.items():
        link = LINKS[target_type]
        model = apps.get_model(link.model)
        rows = model._base_manager.filter(organization=organization, pk__in=ids).values_list(
            "pk", link.value
        )
        for pk, value in rows:
            urls[(target_type, pk)] = reverse(link.url_name, args=[value])
    return urls


def _entries(organization: Organization, events: list[AuditEvent]) -> list[Entry]:
    urls = _links(organization, events)
    return [
        Entry(
            event,
            changes_of(event, organization.tz),
            urls.get((event.target_type, event.target_id)),
        )
        for event in events
    ]


# -- the organisation's log ---------------------------------------------------------------


def audit_events(*, organization: Organization, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The organisation's events matching ``filters``, newest first, with their actors."""
    events = AuditEvent.objects.filter(organization=organization).select_related("actor")
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.source:
        events = events.filter(source=filters.source)
    tz = organization.tz
    if filters.since is not None:
        events = events.filter(at__gte=dt.datetime.combine(filters.since, dt.time(), tzinfo=tz))
    if filters.until is not None:
        after = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        events = events.filter(at__lt=after)
    return events.order_by("-at", "-id")


def encode_cursor(event: AuditEvent) -> str:
    raw = json.dumps([event.at.isoformat(), event.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """The position a cursor points after, or ``None`` for a cursor that makes no sense."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, pk = json.loads(raw)
        moment = dt.datetime.fromisoformat(at)
    except (ValueError, TypeError, binascii.Error):
        return None
    if moment.tzinfo is None or not isinstance(pk, int):
        return None
    return moment, pk


def audit_page(
    *,
    organization: Organization,
    filters: AuditFilters,
    cursor: str = "",
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of the log after ``cursor`` (keyset pagination: stable while events arrive)."""
    events = audit_events(organization=organization, filters=filters)
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        at, pk = position
        events = events.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(events[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(
        entries=_entries(organization, rows),
        next_cursor=encode_cursor(rows[-1]) if more else None,
        filters=filters,
    )


# The kinds of object the history mentions, as a sentence names them, in the reader's
# language; a kind not listed here (a test keeps the list whole) is called by its model's name.
KIND_WORDS = {
    "alignment": gettext_lazy("alignment"),
    "apitoken": gettext_lazy("API token"),
    "auditevent": gettext_lazy("audit event"),
    "checkin": gettext_lazy("check-in"),
    "cycle": gettext_lazy("cycle"),
    "datasource": gettext_lazy("data source"),
    "delivery": gettext_lazy("webhook delivery"),
    "idempotencyrecord": gettext_lazy("repeated API request"),
    "initiative": gettext_lazy("initiative"),
    "invitation": gettext_lazy("invitation"),
    "invitationteam": gettext_lazy("team of an invitation"),
    "keyresult": gettext_lazy("key result"),
    "kpi": gettext_lazy("KPI"),
    "kpitag": gettext_lazy("KPI tag"),
    "kpitarget": gettext_lazy("KPI target"),
    "loginattempt": gettext_lazy("sign-in attempt"),
    "measurement": gettext_lazy("measurement"),
    "measurementbatch": gettext_lazy("measurement batch"),
    "measurementrevision": gettext_lazy("earlier value of a measurement"),
    "membership": gettext_lazy("membership"),
    "notification": gettext_lazy("notification"),
    "notificationpreference": gettext_lazy("notification settings"),
    "objective": gettext_lazy("objective"),
    "objectivekpi": gettext_lazy("link of a KPI to an objective"),
    "organization": gettext_lazy("organisation"),
    "outboundallowance": gettext_lazy("allowed host for pulls"),
    "passwordresetrequest": gettext_lazy("password reset request"),
    "periodicrun": gettext_lazy("scheduled job run"),
    "plankpi": gettext_lazy("key KPI of the plan"),
    "promotion": gettext_lazy("promotion"),
    "remindersettings": gettext_lazy("reminder settings"),
    "scimgroup": gettext_lazy("group provisioned by the identity provider"),
    "scimtoken": gettext_lazy("provisioning token"),
    "scimuser": gettext_lazy("person provisioned by the identity provider"),
    "strategicplan": gettext_lazy("strategic plan"),
    "subscription": gettext_lazy("webhook"),
    "team": gettext_lazy("team"),
    "teammembership": gettext_lazy("team membership"),
    "user": gettext_lazy("person"),
}


@functools.cache
def _model_name(target_type: str) -> str:
    for model in apps.get_models():
        if model._meta.model_name == target_type:
            return str(model._meta.verbose_name)
    return target_type


def kind_word(target_type: str) -> str:
    """``strategicplan`` → "strategic plan", as a sentence says it, in the active language."""
    word = KIND_WORDS.get(target_type)
    return str(word) if word is not None else _model_name(target_type)


def target_type_label(target_type: str) -> str:
    """``keyresult`` → "Key result": the kind of object, in the active language."""
    name = kind_word(target_type)
    return name[:1].upper() + name[1:]


def audit_target_types(*, organization: Organization) -> list[tuple[str, str]]:
    """The kinds of object the organisation's history mentions, with readable names."""
    kinds = (
        AuditEvent.objects.filter(organization=organization)
        .order_by()
        .values_list("target_type", flat=True)
        .distinct()
    )
    return sorted(((k, target_type_label(k)) for k in kinds), key=lambda pair: pair[1])


def audit_actors(*, organization: Organization) -> QuerySet[User]:
    """Everyone who changed something in the organisation, former members included."""
    acted = AuditEvent.objects.filter(organization=organization).values("actor_id")
    return User.objects.filter(pk__in=acted).order_by("full_name", "email")


def audit_rows(*, organization: Organization, filters: AuditFilters) -> Iterator[AuditEvent]:
    """Every matching event, read in chunks so that a large log streams."""
    return audit_events(organization=organization, filters=filters).iterator(chunk_size=2000)


# -- an object's activity feed ------------------------------------------------------------


def activity_for(
    *,
    organization: Organization,
    target_type: str,
    target_ids: Collection[int] | QuerySet[Any],
    related: Mapping[str, Collection[int] | QuerySet[Any]] | None = None,
    limit: int = ACTIVITY_LIMIT,
) -> list[Entry]:
    """The latest events of some objects, newest first, in one query.

    ``related`` adds the events of other kinds of objects (an objective's key results,
    its check-ins); a query set of ids is sent as a subquery, so the feed stays one query
    however many check-ins an objective has.
    """
    wanted = Q(target_type=target_type, target_id__in=target_ids)
    for kind, ids in (related or {}).items():
        wanted |= Q(target_type=kind, target_id__in=ids)
    events = list(
        AuditEvent.objects.filter(wanted, organization=organization)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    return [Entry(event, changes_of(event, organization.tz)) for event in events]


def objective_activity(*, organization: Organization, objective: Any) -> list[Entry]:
    """An objective's feed: itself, its key results, check-ins, initiatives, alignments."""
    key_result = apps.get_model("okrs.KeyResult")
    check_in = apps.get_model("okrs.CheckIn")
    initiative = apps.get_model("okrs.Initiative")
    alignment = apps.get_model("okrs.Alignment")
    scope = {"organization": organization}
    return activity_for(
        organization=organization,
        target_type="objective",
        target_ids=[objective.pk],
        related={
            "keyresult": key_result._base_manager.filter(objective=objective, **scope).values("pk"),
            "checkin": check_in._base_manager.filter(
                key_result__objective=objective, **scope
            ).values("pk"),
            "initiative": initiative._base_manager.filter(objective=objective, **scope).values(
                "pk"
            ),
            "alignment": alignment._base_manager.filter(objective=objective, **scope).values("pk"),
        },
    )


def kpi_activity(*, organization: Organization, kpi: Any) -> list[Entry]:
    """A KPI's feed: itself, its targets, values, corrections, promotions, and the batches
    that sent its values (a batch's event names the batch; its values point to it)."""
    scope = {"organization": organization, "kpi": kpi}
    measurement = apps.get_model("kpis.Measurement")
    revision = apps.get_model("kpis.MeasurementRevision")
    batches = measurement._base_manager.filter(**scope, batch__isnull=False).values("batch_id")
    replaced = revision._base_manager.filter(
        organization=organization, measurement__kpi=kpi, batch__isnull=False
    ).values("batch_id")
    return activity_for(
        organization=organization,
        target_type="kpi",
        target_ids=[kpi.pk],
        related={
            "kpitarget": apps.get_model("kpis.KPITarget")
            ._base_manager.filter(**scope)
            .values("pk"),
            "measurement": apps.get_model("kpis.Measurement")
            ._base_manager.filter(**scope)
            .values("pk"),
            "promotion": apps.get_model("kpis.Promotion")
            ._base_manager.filter(**scope)
            .values("pk"),
            "measurementbatch": batches.order_by().union(replaced.order_by()),
        },
    )
