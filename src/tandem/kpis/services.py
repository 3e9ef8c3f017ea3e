"""Every write to KPIs and measurements: keyword-only, atomic, audited.

Recording a measurement also refreshes what depends on it: the KPI's latest value
and every KPI-backed key result (and so its objective) in an open cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tandem import events
from tandem.accounts.models import Membership, Organization, Team, User
from tandem.audit.models import Source as AuditSource
from tandem.audit.services import audit_record, snapshot
from tandem.domain import health as health_maths
from tandem.domain import periods
from tandem.kpis.models import (
    KPI,
    Aggregation,
    Direction,
    Frequency,
    KPITag,
    KPITarget,
    Measurement,
    MeasurementRevision,
    ObjectiveKPI,
    Promotion,
    Source,
    Unit,
)
from tandem.kpis.selectors import org_today
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.okrs.services import (
    key_result_create,
    objective_create,
    objective_recompute,
    objective_update,
)
from tandem.validation import LARGEST, decimal_field

KPI_FIELDS = [
    "name",
    "key",
    "description",
    "owner_team",
    "owner_user",
    "unit",
    "currency",
    "direction",
    "frequency",
    "aggregation",
    "is_active",
]
Outcome = Literal["created", "updated", "unchanged"]
# How far ahead a value may be entered: the current period only. A forecast is not a
# measurement.
FUTURE_PERIODS_ALLOWED = 0

AUDIT_SOURCE = {
    Source.MANUAL: AuditSource.WEB,
    Source.IMPORT: AuditSource.IMPORT,
    Source.API: AuditSource.API,
    Source.PULL: AuditSource.PULL,
}


def _check_owners(organization: Organization, team: Team | None, user: User | None) -> None:
    """Refuse an owner from another organisation (a forged id, or someone who left)."""
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"owner_team": _("Not found in this organisation.")})
    if (
        user is not None
        and not Membership.objects.filter(organization=organization, user=user).exists()
    ):
        raise ValidationError({"owner_user": _("Not found in this organisation.")})


def _validate_kpi(kpi: KPI) -> None:
    errors: dict[str, str] = {}
    if not kpi.name.strip():
        errors["name"] = _("Give the KPI a name.")
    if not kpi.key:
        errors["key"] = _("Give the KPI a key (letters, digits and dashes).")
    if kpi.owner_team_id is not None and kpi.owner_user_id is not None:
        errors["owner"] = _("A KPI is owned by one team or one person, not both.")
    if kpi.unit == Unit.CURRENCY and not kpi.currency:
        errors["currency"] = _("Name the currency (e.g. EUR, USD).")
    if kpi.currency and (len(kpi.currency) != 3 or not kpi.currency.isalpha()):
        errors["currency"] = _("“%(currency)s” is not a three-letter currency code.") % {
            "currency": kpi.currency
        }
    clash = KPI.objects.filter(organization_id=kpi.organization_id, key=kpi.key).exclude(pk=kpi.pk)
    if kpi.key and clash.exists():
        errors["key"] = _("Another KPI already uses the key “%(key)s”.") % {"key": kpi.key}
    if errors:
        raise ValidationError(errors)
    kpi.currency = kpi.currency.upper()
    kpi.full_clean(exclude=["organization", "owner_team", "owner_user", "tags"])


def _validate_target(kpi: KPI, target: KPITarget) -> None:
    errors = health_maths.threshold_errors(target.thresholds, health_maths.Direction(kpi.direction))
    if errors:
        raise ValidationError(errors)


def kpi_create(
    *,
    organization: Organization,
    name: str,
    by: User | None,
    key: str = "",
    description: str = "",
    owner_team: Team | None = None,
    owner_user: User | None = None,
    unit: str = Unit.NUMBER,
    currency: str = "",
    direction: str = Direction.HIGHER_IS_BETTER,
    frequency: str = Frequency.WEEKLY,
    aggregation: str = Aggregation.LAST,
    target: Decimal | str | None = None,
    yellow: Decimal | str | None = None,
    low: Decimal | str | None = None,
    high: Decimal | str | None = None,
    tolerance: Decimal | str | None = None,
    effective_from: dt.date | None = None,
    tags: Iterable[str] = (),
    source: str = AuditSource.WEB,
) -> KPI:
    _check_owners(organization, owner_team, owner_user)
    kpi = KPI(
        organization=organization,
        name=name.strip(),
        key=key.strip() or slugify(name)[:80],
        description=description,
        owner_team=owner_team,
        owner_user=owner_user,
        unit=unit,
        currency=currency.strip(),
        direction=direction,
        frequency=frequency,
        aggregation=aggregation,
    )
    _validate_kpi(kpi)
    has_target = any(v not in (None, "") for v in (target, yellow, low, high, tolerance))
    first_target = KPITarget(
        organization=organization,
        effective_from=effective_from or dt.date(2000, 1, 1),
        target=decimal_field("target", target),
        yellow=decimal_field("yellow", yellow),
        low=decimal_field("low", low),
        high=decimal_field("high", high),
        tolerance=decimal_field("tolerance", tolerance),
    )
    if has_target:
        _validate_target(kpi, first_target)
    with transaction.atomic():
        kpi.position = KPI.objects.filter(organization=organization).count()
        kpi.save()
        if has_target:
            first_target.kpi = kpi
            first_target.save()
        _set_tags(kpi, tags)
        audit_record(
            organization=organization,
            actor=by,
            action="kpi.create",
            target=kpi,
            after=snapshot(kpi),
            source=source,
        )
    return kpi


def _set_tags(kpi: KPI, names: Iterable[str]) -> None:
    tags = []
    wanted = {n.strip() for n in names if n.strip()}
    longest = KPITag._meta.get_field("name").max_length or 0
    too_long = sorted(n for n in wanted if len(n) > longest)
    if too_long:
        raise ValidationError(
            {
                "tags": _("“%(tag)s…” is too long for a tag (%(count)s characters at most).")
                % {"tag": too_long[0][:20], "count": longest}
            }
        )
    for name in wanted:
        tag, _created = KPITag.objects.get_or_create(organization_id=kpi.organization_id, name=name)
        tags.append(tag)
    kpi.tags.set(tags)


def kpi_update(
    *,
    kpi: KPI,
    by: User | None,
    version: int | None = None,
    tags: Iterable[str] | None = None,
    source: str = AuditSource.WEB,
    **changes: Any,
) -> KPI:
    unknown = set(changes) - set(KPI_FIELDS)
    if unknown:
        raise TypeError(f"kpi_update does not change {sorted(unknown)}")
    with transaction.atomic():
        current = KPI.objects.select_for_update().get(pk=kpi.pk)
        if version is not None and current.version != version:
            # The code sits on the field's error: Django drops a code given beside a dict.
            raise ValidationError(
                {
                    "version": ValidationError(
                        f"Someone else changed “{current}” since you opened it "
                        "(reload to see their change, then apply yours).",
                        code="conflict",
                    )
                }
            )
        _check_owners(current.organization, changes.get("owner_team"), changes.get("owner_user"))
        before = snapshot(current)
        for field, value in changes.items():
            setattr(current, field, value.strip() if isinstance(value, str) else value)
        _validate_kpi(current)
        current.version += 1
        current.save()
        if tags is not None:
            _set_tags(current, tags)
        audit_record(
            organization=current.organization,
            actor=by,
            action="kpi.update",
            target=current,
            before=before,
            after=snapshot(current),
            source=source,
        )
    return current


def kpi_set_target(
    *,
    kpi: KPI,
    effective_from: dt.date,
    by: User | None,
    target: Decimal | str | None = None,
    yellow: Decimal | str | None = None,
    low: Decimal | str | None = None,
    high: Decimal | str | None = None,
    tolerance: Decimal | str | None = None,
    source: str = AuditSource.WEB,
) -> KPITarget:
    """A new target from a date on; earlier periods keep the target they had."""
    row = KPITarget(
        organization_id=kpi.organization_id,
        kpi=kpi,
        effective_from=effective_from,
        target=decimal_field("target", target),
        yellow=decimal_field("yellow", yellow),
        low=decimal_field("low", low),
        high=decimal_field("high", high),
        tolerance=decimal_field("tolerance", tolerance),
    )
    _validate_target(kpi, row)
    with transaction.atomic():
        existing = (
            KPITarget.objects.select_for_update()
            .filter(kpi=kpi, effective_from=effective_from)
            .first()
        )
        before = snapshot(existing) if existing else None
        if existing is not None:
            # The same date again replaces that target; the row (and when it was first
            # set) stays, the audit keeps the old values.
            for name in ("target", "yellow", "low", "high", "tolerance"):
                setattr(existing, name, getattr(row, name))
            row = existing
        row.save()
        audit_record(
            organization=kpi.organization,
            actor=by,
            action="kpi.target",
            target=row,
            before=before,
            after=snapshot(row),
            source=source,
        )
    return row


# -- measurements -----------------------------------------------------------------------


def validate_period(kpi: KPI, period_start: dt.date, *, today: dt.date) -> None:
    org = kpi.organization
    frequency = periods.Frequency(kpi.frequency)
    expected = kpi.period_containing(period_start)
    if expected != period_start:
        texts = {
            periods.Frequency.DAILY: _(
                "%(date)s does not start a daily period of “%(kpi)s”; that period starts on "
                "%(expected)s."
            ),
            periods.Frequency.WEEKLY: _(
                "%(date)s does not start a weekly period of “%(kpi)s”; that period starts on "
                "%(expected)s."
            ),
            periods.Frequency.MONTHLY: _(
                "%(date)s does not start a monthly period of “%(kpi)s”; that period starts on "
                "%(expected)s."
            ),
            periods.Frequency.QUARTERLY: _(
                "%(date)s does not start a quarterly period of “%(kpi)s”; that period starts "
                "on %(expected)s."
            ),
        }
        raise ValidationError(
            {
                "period_start": texts[frequency]
                % {"date": period_start, "kpi": kpi, "expected": expected}
            }
        )
    if not periods.allowed_period(
        frequency,
        period_start,
        today,
        week_start=org.week_start,
        fiscal_year_start_month=org.fiscal_year_start_month,
        future_periods=FUTURE_PERIODS_ALLOWED,
    ):
        raise ValidationError(
            {
                "period_start": _(
                    "%(date)s is in the future: values can be entered up to the current "
                    "period only."
                )
                % {"date": period_start}
            }
        )


def stored_value(value: Decimal | str | None) -> Decimal:
    """``value`` as it will be stored (four decimals), so that entering the same number
    again compares equal to the stored one."""
    amount = decimal_field("value", value)
    if amount is None:
        raise ValidationError({"value": _("Enter a value.")})
    # Rounding can carry a value just under the largest one past it.
    amount = amount.quantize(health_maths.VALUE_QUANTUM, rounding=ROUND_HALF_UP)
    if abs(amount) >= LARGEST:
        raise ValidationError({"value": _("%(value)s is too large.") % {"value": value}})
    return amount


def measurement_record(
    *,
    kpi: KPI,
    period_start: dt.date,
    value: Decimal | str | None,
    by: User | None,
    source: str = Source.MANUAL,
    note: str = "",
    today: dt.date | None = None,
    refresh: bool = True,
) -> tuple[Measurement, Outcome]:
    """Record the value of ``kpi`` for the period starting at ``period_start``.

    A second value for the same period is a correction: the measurement takes the new
    value and the old one is kept as a revision. The same value again changes nothing.
    """
    amount = stored_value(value)
    if source not in Source.values:
        raise ValidationError(
            {
                "source": _("“%(source)s” is not one of %(value)s.")
                % {"source": source, "value": ", ".join(Source.values)}
            }
        )
    validate_period(kpi, period_start, today=today or org_today(kpi.organization))
    audit_source = AUDIT_SOURCE[Source(source)]
    now = timezone.now()
    with transaction.atomic():
        existing = (
            Measurement.objects.select_for_update()
            .filter(kpi=kpi, period_start=period_start)
            .first()
        )
        if existing is None:
            measurement = Measurement.objects.create(
                organization_id=kpi.organization_id,
                kpi=kpi,
                period_start=period_start,
                value=amount,
                source=source,
                note=note.strip(),
                recorded_by=by,
                recorded_at=now,
            )
            outcome: Outcome = "created"
            audit_record(
                organization=kpi.organization,
                actor=by,
                action="measurement.create",
                target=measurement,
                after=snapshot(measurement),
                source=audit_source,
            )
        elif existing.value == amount and (not note.strip() or note.strip() == existing.note):
            return existing, "unchanged"
        else:
            before = snapshot(existing)
            MeasurementRevision.objects.create(
                organization_id=kpi.organization_id,
                measurement=existing,
                value=existing.value,
                source=existing.source,
                note=existing.note,
                recorded_by=existing.recorded_by,
                recorded_at=existing.recorded_at,
                batch_id=existing.batch_id,
            )
            existing.value = amount
            existing.source = source
            existing.note = note.strip()
            existing.recorded_by = by
            existing.recorded_at = now
            existing.version += 1
            existing.batch = None  # this value came on its own, not in a batch
            existing.save()
            measurement, outcome = existing, "updated"
            audit_record(
                organization=kpi.organization,
                actor=by,
                action="measurement.correct",
                target=measurement,
                before=before,
                after=snapshot(measurement),
                source=audit_source,
            )
        if refresh:
            kpi_refresh(kpi=kpi)
    return measurement, outcome


def measurement_record_many(
    *,
    kpi: KPI,
    values: Sequence[tuple[dt.date, Decimal | str]],
    by: User | None,
    source: str = Source.MANUAL,
) -> dict[dt.date, Outcome]:
    """Record several periods' values of ``kpi`` at once, as :func:`measurement_record`
    does one by one: every value is saved or, if one is refused, none is.

    A scorecard row sent without JavaScript carries every cell of the row; the values
    already stored change nothing. Errors are keyed by the period's first day (ISO).
    """
    outcomes: dict[dt.date, Outcome] = {}
    errors: dict[str, str] = {}
    with transaction.atomic():
        for start, value in values:
            try:
                _measurement, outcomes[start] = measurement_record(
                    kpi=kpi, period_start=start, value=value, by=by, source=source, refresh=False
                )
            except ValidationError as exc:
                errors[start.isoformat()] = " ".join(exc.messages)
        if errors:
            raise ValidationError(errors)
        if any(outcome != "unchanged" for outcome in outcomes.values()):
            kpi_refresh(kpi=kpi)
    return outcomes


def kpi_refresh(*, kpi: KPI) -> None:
    """Refresh the KPI's latest value and every KPI-backed key result still in play.

    A closed cycle's scores are final, and a closed or dropped objective (a demoted KPI's
    among them) takes no check-ins, so their key results keep the value they had.
    """
    with events.changing(events.KPIValueChanging(kpi)):
        latest = (
            kpi.measurements.order_by("-period_start").values_list("period_start", "value").first()
        )
        kpi.latest_period, kpi.latest_value = latest if latest else (None, None)
        KPI.objects.filter(pk=kpi.pk).update(
            latest_period=kpi.latest_period, latest_value=kpi.latest_value
        )
    backed = (
        KeyResult.objects.filter(kpi=kpi)
        .exclude(objective__cycle__state=Cycle.State.CLOSED)
        .exclude(objective__state__in=[Objective.State.CLOSED, Objective.State.DROPPED])
        .select_related("objective__cycle")
    )
    for kr in backed:
        key_result_refresh_from_kpi(key_result=kr)


def key_result_refresh_from_kpi(*, key_result: KeyResult) -> None:
    """A KPI-backed key result's value: its KPI's measurements within the cycle, rolled
    up by the key result's aggregation (latest, sum or average)."""
    kpi = key_result.kpi
    assert kpi is not None
    cycle = key_result.objective.cycle
    rows = list(
        Measurement.objects.filter(
            kpi=kpi, period_start__gte=cycle.start_date, period_start__lte=cycle.end_date
        )
        .order_by("period_start")
        .values_list("value", "recorded_at")
    )
    values = [v for v, _ in rows]
    key_result.current = health_maths.kr_value_from_measurements(
        values, health_maths.Aggregation(key_result.kpi_aggregation)
    )
    key_result.last_checkin_at = max((t for _, t in rows), default=None)
    key_result.progress = key_result.compute_progress()
    KeyResult.objects.filter(pk=key_result.pk).update(
        current=key_result.current,
        last_checkin_at=key_result.last_checkin_at,
        progress=key_result.progress,
    )
    objective_recompute(objective=key_result.objective)


# -- links between OKRs and KPIs --------------------------------------------------------


def key_result_link_kpi(
    *,
    key_result: KeyResult,
    kpi: KPI | None,
    by: User | None,
    aggregation: str = "last",
    source: str = AuditSource.WEB,
) -> KeyResult:
    """Back a key result by a KPI (or unlink it with ``kpi=None``)."""
    if kpi is not None and kpi.organization_id != key_result.organization_id:
        raise ValidationError({"kpi": _("Not found in this organisation.")})
    if aggregation not in {"last", "sum", "average"}:
        raise ValidationError(
            {
                "kpi_aggregation": _("“%(aggregation)s” is not last, sum or average.")
                % {"aggregation": aggregation}
            }
        )
    if kpi is not None and not key_result.is_metric:
        raise ValidationError({"kpi": _("Only a metric key result (from X to Y) can read a KPI.")})
    objective = key_result.objective
    if objective.cycle.is_closed:
        raise ValidationError(
            {"kpi": f"{objective.cycle.name} is closed: its key results keep their final value."}
        )
    if objective.state in (Objective.State.CLOSED, Objective.State.DROPPED):
        raise ValidationError(
            {
                "kpi": _("The objective “%(title)s” is %(state)s; reopen it first.")
                % {"title": objective, "state": objective.get_state_display().lower()}
            }
        )
    with transaction.atomic():
        before = snapshot(key_result, ["kpi", "kpi_aggregation"])
        key_result.kpi = kpi
        key_result.kpi_aggregation = aggregation
        key_result.version += 1
        key_result.save(update_fields=["kpi", "kpi_aggregation", "version", "updated_at"])
        if kpi is not None:
            key_result_refresh_from_kpi(key_result=key_result)
        audit_record(
            organization=key_result.objective.organization,
            actor=by,
            action="key_result.link_kpi",
            target=key_result,
            before=before,
            after=snapshot(key_result, ["kpi", "kpi_aggregation"]),
            source=source,
        )
    return key_result


def objective_link_kpi(
    *,
    objective: Objective,
    kpi: KPI,
    by: User | None,
    role: str = ObjectiveKPI.Role.GUARDRAIL,
    source: str = AuditSource.WEB,
) -> ObjectiveKPI:
    if kpi.organization_id != objective.organization_id:
        raise ValidationError({"kpi": _("Not found in this organisation.")})
    if role not in ObjectiveKPI.Role.values:
        raise ValidationError(
            {"role": _("“%(role)s” is not guardrail or indicator.") % {"role": role}}
        )
    if ObjectiveKPI.objects.filter(objective=objective, kpi=kpi).exists():
        raise ValidationError(
            {"kpi": _("“%(kpi)s” is already linked to this objective.") % {"kpi": kpi}}
        )
    with transaction.atomic():
        link = ObjectiveKPI.objects.create(
            organization_id=objective.organization_id, objective=objective, kpi=kpi, role=role
        )
        audit_record(
            organization=objective.organization,
            actor=by,
            action="objective.link_kpi",
            target=link,
            after=snapshot(link),
            source=source,
        )
    return link


def objective_unlink_kpi(
    *, link: ObjectiveKPI, by: User | None, source: str = AuditSource.WEB
) -> None:
    with transaction.atomic():
        audit_record(
            organization=link.objective.organization,
            actor=by,
            action="objective.unlink_kpi",
            target=link,
            before=snapshot(link),
            source=source,
        )
        link.delete()


def _number(value: Decimal) -> str:
    """A value as people write it: 50, not 50.0000 or 5E+1."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _goal(kpi: KPI, latest: Decimal, cycle: Cycle) -> Decimal | None:
    """What a promoted KPI's key result aims at: the target in force when the cycle's work
    starts (today, or the cycle's start if it lies ahead); for a range, its nearer end."""
    day = max(org_today(kpi.organization), cycle.start_date)
    targets = list(kpi.targets.order_by("effective_from"))
    in_force = [t for t in targets if t.effective_from <= day]
    current = in_force[-1] if in_force else (targets[0] if targets else None)
    if current is None:
        return None
    if kpi.direction == Direction.WITHIN_RANGE and current.low is not None:
        return current.low if latest < current.low else current.high
    return current.target


def kpi_promote(
    *,
    kpi: KPI,
    cycle: Cycle,
    by: User | None,
    title: str = "",
    target: Decimal | None = None,
    reason: str = "",
    source: str = AuditSource.WEB,
) -> Promotion:
    """Promote a KPI into an OKR for ``cycle``: a new objective with one key result backed
    by the KPI, from its current value to its target."""
    if cycle.organization_id != kpi.organization_id:
        raise ValidationError({"cycle": _("Not found in this organisation.")})
    if cycle.is_closed:
        raise ValidationError(
            {"cycle": _("%(name)s is closed; promote into an open cycle.") % {"name": cycle.name}}
        )
    with transaction.atomic():
        # Decide on the KPI as it is now, locked: the caller's copy may predate its
        # latest value, and two people promoting at once must not both succeed.
        kpi = (
            KPI.objects.select_for_update(of=("self",))
            .select_related("organization", "owner_team", "owner_user")
            .get(pk=kpi.pk)
        )
        if Promotion.objects.filter(kpi=kpi, demoted_at__isnull=True).exists():
            raise ValidationError(
                {"kpi": _("“%(kpi)s” is already promoted to an OKR.") % {"kpi": kpi}}
            )
        latest = kpi.latest_value
        if latest is None:
            raise ValidationError(
                {
                    "kpi": _("“%(kpi)s” has no value yet to start the key result from.")
                    % {"kpi": kpi}
                }
            )
        goal = target if target is not None else _goal(kpi, latest, cycle)
        if goal is None:
            raise ValidationError(
                {"target": _("“%(kpi)s” has no target: say what to reach.") % {"kpi": kpi}}
            )
        if goal == latest:
            raise ValidationError(
                {
                    "target": _("“%(kpi)s” is already at %(value)s: nothing to fix.")
                    % {"kpi": kpi, "value": _number(goal)}
                }
            )
        owner_team = kpi.owner_team
        owner_user = kpi.owner_user if owner_team is None else None
        if owner_team is None and owner_user is None:
            owner_user = by
        objective = objective_create(
            organization=kpi.organization,
            cycle=cycle,
            by=by,
            title=title.strip() or f"Get {kpi.name} back on target",
            description=reason
            or f"Promoted from the KPI “{kpi.name}”, which kept missing its target.",
            kind=Objective.Kind.COMMITTED,
            owner_team=owner_team,
            owner_user=owner_user,
            source=source,
        )
        kr = key_result_create(
            objective=objective,
            by=by,
            title=f"{kpi.name} from {_number(latest)} to {_number(goal)}",
            unit=kpi.unit,
            currency=kpi.currency,
            baseline=latest,
            target=goal,
            owner=kpi.owner_user,
            source=source,
        )
        key_result_link_kpi(key_result=kr, kpi=kpi, by=by, aggregation="last", source=source)
        promotion = Promotion.objects.create(
            organization_id=kpi.organization_id,
            kpi=kpi,
            objective=objective,
            promoted_by=by,
            reason=reason,
        )
        audit_record(
            organization=kpi.organization,
            actor=by,
            action="kpi.promote",
            target=promotion,
            after=snapshot(promotion),
            source=source,
        )
    return promotion


def kpi_demote(
    *, promotion: Promotion, by: User | None, note: str = "", source: str = AuditSource.WEB
) -> Promotion:
    """The KPI is reliably met again: close its objective, keep the KPI as a plain KPI."""
    with transaction.atomic():
        # Read again under a lock: the caller's copy may not know of a demotion since.
        promotion = (
            Promotion.objects.select_for_update(of=("self",))
            .select_related("kpi", "objective", "organization")
            .get(pk=promotion.pk)
        )
        if promotion.demoted_at is not None:
            raise ValidationError(
                {"kpi": _("“%(kpi)s” was already demoted.") % {"kpi": promotion.kpi}}
            )
        before = snapshot(promotion)
        objective = promotion.objective
        if objective.state in (Objective.State.ACTIVE, Objective.State.DRAFT):
            objective_update(
                objective=objective, by=by, state=Objective.State.CLOSED, source=source
            )
        promotion.demoted_at = timezone.now()
        promotion.demoted_by = by
        promotion.demotion_note = note.strip()
        promotion.save()
        audit_record(
            organization=promotion.organization,
            actor=by,
            action="kpi.demote",
            target=promotion,
            before=before,
            after=snapshot(promotion),
            source=source,
        )
    return promotion
