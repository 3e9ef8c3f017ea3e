"""Every write to OKRs: keyword-only, atomic, audited, and keeping derived values fresh.

Errors are :class:`django.core.exceptions.ValidationError` with a message per field,
so pages, the API and imports can name the field that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem import events
from tandem.accounts.models import Membership, Organization, Team, User
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot
from tandem.domain import progress as maths
from tandem.domain.scoring import score as score_of
from tandem.domain.scoring import validate_score
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective
from tandem.validation import decimal_field

OBJECTIVE_FIELDS = [
    "title",
    "description",
    "kind",
    "owner_team",
    "owner_user",
    "state",
    "is_private",
    "cycle",
]
KEY_RESULT_FIELDS = [
    "title",
    "kind",
    "unit",
    "currency",
    "baseline",
    "target",
    "owner",
    "weight",
    "position",
]


def _check_org(organization: Organization, **objects: Any) -> None:
    """Refuse an object of another organisation (a bug or a forged id): name the field.

    A person belongs to an organisation through a membership, so a user who is not a
    member (an outsider, or someone who left) is refused the same way.
    """
    for field, obj in objects.items():
        if obj is None:
            continue
        if isinstance(obj, User):
            inside = Membership.objects.filter(organization=organization, user=obj).exists()
        else:
            inside = obj.organization_id == organization.pk
        if not inside:
            raise ValidationError({field: _("Not found in this organisation.")})


def _check_version(obj: KeyResult | Objective, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        # The code must sit on the field's error: Django drops a code given beside a dict.
        raise ValidationError(
            {
                "version": ValidationError(
                    _(
                        "Someone else changed “%(title)s” since you opened it "
                        "(reload to see their change, then apply yours)."
                    )
                    % {"title": obj},
                    code="conflict",
                )
            }
        )


# -- cycles -----------------------------------------------------------------------------


def cycle_create(
    *,
    organization: Organization,
    name: str,
    start_date: date,
    end_date: date,
    kind: str = Cycle.Kind.QUARTER,
    parent: Cycle | None = None,
    state: str = Cycle.State.PLANNING,
    by: User | None,
    source: str = Source.WEB,
) -> Cycle:
    _check_org(organization, parent=parent)
    cycle = Cycle(
        organization=organization,
        name=name.strip(),
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        parent=parent,
        state=state,
    )
    errors: dict[str, str] = {}
    if end_date <= start_date:
        errors["end_date"] = _("The cycle must end after it starts.")
    if parent is not None and not (parent.start_date <= start_date and end_date <= parent.end_date):
        errors["parent"] = _("%(name)s must lie inside %(parent)s (%(start)s to %(end)s).") % {
            "name": name,
            "parent": parent.name,
            "start": parent.start_date,
            "end": parent.end_date,
        }
    if Cycle.objects.filter(organization=organization, name__iexact=cycle.name).exists():
        errors["name"] = _("A cycle named “%(name)s” already exists.") % {"name": cycle.name}
    if errors:
        raise ValidationError(errors)
    cycle.full_clean()
    with transaction.atomic():
        cycle.save()
        audit_record(
            organization=organization,
            actor=by,
            action="cycle.create",
            target=cycle,
            after=snapshot(cycle),
            source=source,
        )
    return cycle


def cycle_activate(*, cycle: Cycle, by: User | None, source: str = Source.WEB) -> Cycle:
    if cycle.state == Cycle.State.CLOSED:
        raise ValidationError(
            {"state": _("%(name)s is closed and cannot be reopened here.") % {"name": cycle.name}}
        )
    with transaction.atomic():
        before = snapshot(cycle, ["state"])
        cycle.state = Cycle.State.ACTIVE
        cycle.save(update_fields=["state"])
        audit_record(
            organization=cycle.organization,
            actor=by,
            action="cycle.activate",
            target=cycle,
            before=before,
            after=snapshot(cycle, ["state"]),
            source=source,
        )
    return cycle


def cycle_close(*, cycle: Cycle, by: User | None, source: str = Source.WEB) -> Cycle:
    """Close a cycle: every open objective gets its computed score and is closed."""
    with transaction.atomic():
        # The state is read again under a lock: two people closing the same cycle
        # (or a stale copy of it) must not score its objectives twice.
        state = Cycle.objects.select_for_update().values_list("state", flat=True).get(pk=cycle.pk)
        if state == Cycle.State.CLOSED:
            raise ValidationError(
                {"state": _("%(name)s is already closed.") % {"name": cycle.name}}
            )
        objectives = list(
            Objective.objects.select_for_update()
            .filter(cycle=cycle)
            .exclude(state__in=[Objective.State.DROPPED, Objective.State.CLOSED])
        )
        for objective in objectives:
            before = snapshot(objective, ["state", "computed_score", "score"])
            objective.computed_score = score_of(objective.progress)
            if objective.score is None:
                objective.score = objective.computed_score
            objective.state = Objective.State.CLOSED
            objective.version += 1
            objective.save(
                update_fields=["computed_score", "score", "state", "version", "updated_at"]
            )
            audit_record(
                organization=cycle.organization,
                actor=by,
                action="objective.score",
                target=objective,
                before=before,
                after=snapshot(objective, ["state", "computed_score", "score"]),
                source=source,
            )
        before = snapshot(cycle, ["state", "closed_at"])
        cycle.state = Cycle.State.CLOSED
        cycle.closed_at = timezone.now()
        cycle.save(update_fields=["state", "closed_at"])
        audit_record(
            organization=cycle.organization,
            actor=by,
            action="cycle.close",
            target=cycle,
            before=before,
            after=snapshot(cycle, ["state", "closed_at"]),
            source=source,
        )
        events.publish(events.CycleClosed(cycle=cycle, objectives=objectives))
    return cycle


# -- objectives -------------------------------------------------------------------------


def _validate_objective(objective: Objective) -> None:
    errors: dict[str, str] = {}
    if not objective.title.strip():
        errors["title"] = _("Give the objective a title.")
    if (objective.owner_team_id is None) == (objective.owner_user_id is None):
        errors["owner"] = _("An objective is owned by exactly one team or one person.")
    if (
        objective.cycle_id
        and objective.cycle.is_closed
        and objective.state != Objective.State.CLOSED
    ):
        errors["cycle"] = _("%(name)s is closed; choose an open cycle.") % {
            "name": objective.cycle.name
        }
    if errors:
        raise ValidationError(errors)
    objective.full_clean(
        exclude=["organization", "cycle", "owner_team", "owner_user", "created_by"]
    )


def objective_create(
    *,
    organization: Organization,
    cycle: Cycle,
    title: str,
    by: User | None,
    description: str = "",
    kind: str = Objective.Kind.ASPIRATIONAL,
    owner_team: Team | None = None,
    owner_user: User | None = None,
    is_private: bool = False,
    state: str = Objective.State.ACTIVE,
    source: str = Source.WEB,
) -> Objective:
    _check_org(organization, cycle=cycle, owner_team=owner_team, owner_user=owner_user)
    objective = Objective(
        organization=organization,
        cycle=cycle,
        title=title.strip(),
        description=description,
        kind=kind,
        owner_team=owner_team,
        owner_user=owner_user,
        is_private=is_private,
        state=state,
        created_by=by,
    )
    _validate_objective(objective)
    with transaction.atomic():
        objective.position = Objective.objects.filter(cycle=cycle).count()
        objective.save()
        audit_record(
            organization=organization,
            actor=by,
            action="objective.create",
            target=objective,
            after=snapshot(objective),
            source=source,
        )
    return objective


def objective_update(
    *,
    objective: Objective,
    by: User | None,
    version: int | None = None,
    source: str = Source.WEB,
    **changes: Any,
) -> Objective:
    unknown = set(changes) - set(OBJECTIVE_FIELDS)
    if unknown:
        raise TypeError(f"objective_update does not change {sorted(unknown)}")
    with transaction.atomic():
        current = Objective.objects.select_for_update().get(pk=objective.pk)
        _check_version(current, version)
        _check_org(
            current.organization,
            owner_team=changes.get("owner_team"),
            owner_user=changes.get("owner_user"),
            cycle=changes.get("cycle"),
        )
        before = snapshot(current, OBJECTIVE_FIELDS)
        for field, value in changes.items():
            setattr(current, field, value.strip() if field == "title" else value)
        _validate_objective(current)
        after = snapshot(current, OBJECTIVE_FIELDS)
        if after == before:
            # Saving a form unchanged is not an edit: no new version, nothing to audit.
            return current
        current.version += 1
        current.save()
        audit_record(
            organization=current.organization,
            actor=by,
            action="objective.update",
            target=current,
            before=before,
            after=after,
            source=source,
        )
    return current


def objective_set_score(
    *,
    objective: Objective,
    score: Decimal,
    reason: str,
    by: User | None,
    source: str = Source.WEB,
) -> Objective:
    """An owner adjusts the computed score at close; a different score needs a reason."""
    try:
        value = validate_score(score)
    except ValueError as exc:
        message = str(exc)
        raise ValidationError({"score": message[:1].upper() + message[1:] + "."}) from None
    with transaction.atomic():
        # The caller's copy may predate the close (and its computed score), so decide
        # on the row as it is now.
        current = (
            Objective.objects.select_for_update()
            .select_related("cycle", "organization")
            .get(pk=objective.pk)
        )
        if current.cycle.state != Cycle.State.CLOSED:
            raise ValidationError({"score": _("Scores are set when the cycle closes.")})
        if value != current.computed_score and not reason.strip():
            raise ValidationError(
                {
                    "reason": _("Say why the score differs from the computed %(score)s.")
                    % {"score": current.computed_score}
                }
            )
        before = snapshot(current, ["score", "score_reason"])
        current.score = value
        current.score_reason = reason.strip()
        current.version += 1
        current.save(update_fields=["score", "score_reason", "version", "updated_at"])
        audit_record(
            organization=current.organization,
            actor=by,
            action="objective.score",
            target=current,
            before=before,
            after=snapshot(current, ["score", "score_reason"]),
            source=source,
        )
    objective.refresh_from_db()
    return objective


def objective_recompute(*, objective: Objective) -> Objective:
    """Refresh the stored progress and last check-in time from the key results."""
    with events.changing(events.ObjectiveProgressChanging(objective)):
        rows = list(objective.key_results.values_list("progress", "weight", "last_checkin_at"))
        objective.progress = maths.objective_progress(
            maths.Weighted(progress=p, weight=w) for p, w, _ in rows
        )
        times = [t for _, _, t in rows if t is not None]
        objective.last_checkin_at = max(times) if times else None
        Objective.objects.filter(pk=objective.pk).update(
            progress=objective.progress, last_checkin_at=objective.last_checkin_at
        )
    return objective


# -- key results ------------------------------------------------------------------------


def _validate_key_result(kr: KeyResult) -> None:
    errors: dict[str, str] = {}
    if not kr.title.strip():
        errors["title"] = _("Give the key result a title.")
    if kr.kind == KeyResult.Kind.METRIC:
        if kr.baseline is None:
            errors["baseline"] = _("A metric key result needs a baseline (where you start, X).")
        if kr.target is None:
            errors["target"] = _("A metric key result needs a target (where you want to be, Y).")
        if kr.baseline is not None and kr.target is not None and kr.baseline == kr.target:
            errors["target"] = _(
                "The target equals the baseline (%(baseline)s): a key result moves from X to Y."
            ) % {"baseline": kr.baseline}
    else:
        kr.baseline = kr.target = kr.current = None
    if kr.weight is None or kr.weight <= 0:
        errors["weight"] = _("The weight must be greater than zero.")
    if kr.unit == KeyResult.Unit.CURRENCY and not kr.currency:
        errors["currency"] = _("Name the currency (e.g. EUR, USD).")
    if kr.currency and (len(kr.currency) != 3 or not kr.currency.isalpha()):
        errors["currency"] = _("“%(currency)s” is not a three-letter currency code.") % {
            "currency": kr.currency
        }
    if errors:
        raise ValidationError(errors)
    kr.currency = kr.currency.upper()
    kr.full_clean(exclude=["organization", "objective", "owner"])
    # Hold the numbers as stored, so that "100" and "100.0000" are the same value in
    # the audit history and in the comparison that skips unchanged saves.
    for name in ("baseline", "target", "weight"):
        amount = getattr(kr, name)
        if amount is not None:
            places = KeyResult._meta.get_field(name).decimal_places  # type: ignore[union-attr]
            setattr(kr, name, amount.quantize(Decimal(1).scaleb(-places)))


def key_result_create(
    *,
    objective: Objective,
    title: str,
    by: User | None,
    kind: str = KeyResult.Kind.METRIC,
    unit: str = KeyResult.Unit.NUMBER,
    currency: str = "",
    baseline: Decimal | str | None = None,
    target: Decimal | str | None = None,
    owner: User | None = None,
    weight: Decimal | str = Decimal(1),
    source: str = Source.WEB,
) -> KeyResult:
    _check_org(objective.organization, owner=owner)
    kr = KeyResult(
        organization_id=objective.organization_id,
        objective=objective,
        title=title.strip(),
        kind=kind,
        unit=unit,
        currency=currency.strip(),
        baseline=decimal_field("baseline", baseline),
        target=decimal_field("target", target),
        owner=owner,
        weight=decimal_field("weight", weight) or Decimal(0),
    )
    _validate_key_result(kr)
    if objective.cycle.is_closed:
        raise ValidationError(
            {"objective": _("%(name)s is closed.") % {"name": objective.cycle.name}}
        )
    with transaction.atomic():
        kr.position = objective.key_results.count()
        kr.progress = kr.compute_progress()
        kr.save()
        objective_recompute(objective=objective)
        audit_record(
            organization=objective.organization,
            actor=by,
            action="key_result.create",
            target=kr,
            after=snapshot(kr),
            source=source,
        )
    return kr


def key_result_update(
    *,
    key_result: KeyResult,
    by: User | None,
    version: int | None = None,
    source: str = Source.WEB,
    **changes: Any,
) -> KeyResult:
    unknown = set(changes) - set(KEY_RESULT_FIELDS)
    if unknown:
        raise TypeError(f"key_result_update does not change {sorted(unknown)}")
    for field in ("baseline", "target", "weight"):
        if field in changes:
            changes[field] = decimal_field(field, changes[field])
    with transaction.atomic():
        kr = (
            KeyResult.objects.select_for_update()
            .select_related("objective__cycle")
            .get(pk=key_result.pk)
        )
        _check_version(kr, version)
        organization = kr.objective.organization
        _check_org(organization, owner=changes.get("owner"))
        cycle = kr.objective.cycle
        if cycle.is_closed:
            raise ValidationError(
                {
                    "objective": ValidationError(
                        _("%(name)s is closed: its scores are final.") % {"name": cycle.name},
                        code="closed",
                    )
                }
            )
        before = snapshot(kr, KEY_RESULT_FIELDS)
        for field, value in changes.items():
            setattr(kr, field, value.strip() if field == "title" else value)
        _validate_key_result(kr)
        after = snapshot(kr, KEY_RESULT_FIELDS)
        if after == before:
            # Saving a form unchanged is not an edit: no new version, nothing to audit.
            return kr
        kr.progress = kr.compute_progress()
        kr.version += 1
        kr.save()
        objective_recompute(objective=kr.objective)
        audit_record(
            organization=organization,
            actor=by,
            action="key_result.update",
            target=kr,
            before=before,
            after=after,
            source=source,
        )
    return kr


def key_result_check_in(
    *,
    key_result: KeyResult,
    by: User | None,
    confidence: int | str | None,
    value: Decimal | str | None = None,
    done: bool | None = None,
    note: str = "",
    at: datetime | None = None,
    source: str = Source.WEB,
) -> CheckIn:
    """Record a check-in and refresh the key result and its objective.

    A metric key result takes ``value``; a milestone takes ``done``. A closed
    cycle, or a closed or dropped objective, refuses check-ins, and so does a key
    result that reads its value from a KPI.
    """
    if key_result.kpi_id is not None:
        # The next measurement would overwrite a typed value without a trace.
        raise ValidationError(
            {
                "value": _(
                    "This key result's value comes from the KPI “%(kpi)s”: record a "
                    "measurement there instead."
                )
                % {"kpi": key_result.kpi}
            }
        )
    errors: dict[str, str] = {}
    amount = None
    try:
        amount = decimal_field("value", value)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    level: int | None = None
    if confidence is None or (isinstance(confidence, str) and not confidence.strip()):
        errors["confidence"] = _("Say how confident you are, from 1 (not at all) to 10 (certain).")
    else:
        # int() would quietly turn 7.9 into 7 and True into 1.
        given: object = confidence
        text = str(int(given) if isinstance(given, float) and given.is_integer() else given)
        text = text.strip()
        if isinstance(given, bool) or not re.fullmatch(r"[+-]?\d+", text):
            errors["confidence"] = _("“%(confidence)s” is not a whole number from 1 to 10.") % {
                "confidence": confidence
            }
        elif not 1 <= int(text) <= 10:
            errors["confidence"] = _("Confidence is from 1 to 10, not %(number)s.") % {
                "number": int(text)
            }
        else:
            level = int(text)
    if at is not None and timezone.is_naive(at):
        errors["at"] = _("Give the time of the check-in with its time zone.")
    if key_result.is_metric:
        if amount is None and "value" not in errors:
            errors["value"] = _("Enter the key result's current value.")
    elif done is None:
        errors["done"] = _("Say whether the milestone is done.")
    if errors:
        raise ValidationError(errors)
    assert level is not None
    with transaction.atomic():
        kr = (
            KeyResult.objects.select_for_update()
            .select_related("objective__cycle", "objective__organization")
            .get(pk=key_result.pk)
        )
        cycle = kr.objective.cycle
        if cycle.is_closed:
            raise ValidationError(
                {
                    "__all__": ValidationError(
                        _(
                            "%(name)s is closed: its scores are final, so check-ins are no "
                            "longer accepted. Check in on this cycle's successor instead."
                        )
                        % {"name": cycle.name},
                        code="closed",
                    )
                }
            )
        if kr.objective.state in (Objective.State.CLOSED, Objective.State.DROPPED):
            raise ValidationError(
                {
                    "__all__": ValidationError(
                        _("The objective “%(title)s” is %(state)s; reopen it before checking in.")
                        % {
                            "title": kr.objective,
                            "state": kr.objective.get_state_display().lower(),
                        },
                        code="closed",
                    )
                }
            )
        checkin = CheckIn(
            organization_id=kr.organization_id,
            key_result=kr,
            confidence=level,
            note=note.strip(),
            value=amount if kr.is_metric else None,
            done=done if not kr.is_metric else None,
            author=by,
            source=source,
            created_at=at or timezone.now(),
        )
        checkin.save()
        latest = kr.checkins.order_by("-created_at", "-id").first()
        assert latest is not None
        before = snapshot(kr, ["current", "done", "progress", "last_confidence"])
        kr.current = latest.value
        kr.done = bool(latest.done)
        kr.last_confidence = latest.confidence
        kr.last_checkin_at = latest.created_at
        kr.progress = kr.compute_progress()
        kr.save(
            update_fields=[
                "current",
                "done",
                "last_confidence",
                "last_checkin_at",
                "progress",
                "updated_at",
            ]
        )
        objective_recompute(objective=kr.objective)
        audit_record(
            organization=kr.objective.organization,
            actor=by,
            action="checkin.create",
            target=checkin,
            before=before,
            after=snapshot(kr, ["current", "done", "progress", "last_confidence"]),
            source=source,
        )
        events.publish(events.CheckInRecorded(checkin=checkin, key_result=kr))
    key_result.refresh_from_db()
    return checkin


# -- alignment --------------------------------------------------------------------------


def _ancestors(objective_ids: Iterable[int]) -> set[int]:
    """Every objective reachable upwards from ``objective_ids`` through alignments."""
    seen: set[int] = set()
    frontier = set(objective_ids)
    while frontier:
        seen |= frontier
        ups = Alignment.objects.filter(objective_id__in=frontier).select_related(
            "parent_key_result"
        )
        frontier = {pid for a in ups if (pid := a.parent_objective_id_resolved) is not None} - seen
    return seen


def alignment_add(
    *,
    objective: Objective,
    by: User | None,
    parent_objective: Objective | None = None,
    parent_key_result: KeyResult | None = None,
    source: str = Source.WEB,
) -> Alignment:
    organization = objective.organization
    _check_org(organization, parent_objective=parent_objective, parent_key_result=parent_key_result)
    if (parent_objective is None) == (parent_key_result is None):
        raise ValidationError(
            {"parent": _("Choose one parent objective or one parent key result.")}
        )
    target_id = parent_objective.pk if parent_objective else parent_key_result.objective_id  # type: ignore[union-attr]
    if target_id == objective.pk:
        raise ValidationError({"parent": _("An objective cannot contribute to itself.")})
    if objective.pk in _ancestors([target_id]):
        raise ValidationError(
            {
                "parent": _(
                    "That would make a loop: the parent already contributes to this objective."
                )
            }
        )
    exists = Alignment.objects.filter(
        objective=objective, parent_objective=parent_objective, parent_key_result=parent_key_result
    ).exists()
    if exists:
        raise ValidationError({"parent": _("This objective already contributes there.")})
    with transaction.atomic():
        alignment = Alignment.objects.create(
            organization=organization,
            objective=objective,
            parent_objective=parent_objective,
            parent_key_result=parent_key_result,
        )
        audit_record(
            organization=organization,
            actor=by,
            action="alignment.create",
            target=alignment,
            after=snapshot(alignment),
            source=source,
        )
    return alignment


def alignment_remove(*, alignment: Alignment, by: User | None, source: str = Source.WEB) -> None:
    with transaction.atomic():
        audit_record(
            organization=alignment.organization,
            actor=by,
            action="alignment.delete",
            target=alignment,
            before=snapshot(alignment),
            source=source,
        )
        alignment.delete()


# -- initiatives ------------------------------------------------------------------------


def initiative_create(
    *,
    objective: Objective,
    title: str,
    by: User | None,
    key_result: KeyResult | None = None,
    owner: User | None = None,
    status: str = Initiative.Status.NOT_STARTED,
    due_date: date | None = None,
    source: str = Source.WEB,
) -> Initiative:
    _check_org(objective.organization, owner=owner)
    if key_result is not None and key_result.objective_id != objective.pk:
        raise ValidationError({"key_result": _("The key result belongs to another objective.")})
    initiative = Initiative(
        organization_id=objective.organization_id,
        objective=objective,
        key_result=key_result,
        title=title.strip(),
        owner=owner,
        status=status,
        due_date=due_date,
    )
    if not initiative.title:
        raise ValidationError({"title": _("Give the initiative a title.")})
    initiative.full_clean(exclude=["organization", "objective", "key_result", "owner"])
    with transaction.atomic():
        initiative.save()
        audit_record(
            organization=objective.organization,
            actor=by,
            action="initiative.create",
            target=initiative,
            after=snapshot(initiative),
            source=source,
        )
    return initiative


def initiative_set_status(
    *, initiative: Initiative, status: str, by: User | None, source: str = Source.WEB
) -> Initiative:
    if status not in Initiative.Status.values:
        raise ValidationError(
            {"status": _("“%(status)s” is not an initiative status.") % {"status": status}}
        )
    with transaction.atomic():
        before = snapshot(initiative, ["status"])
        initiative.status = status
        initiative.save(update_fields=["status"])
        audit_record(
            organization=initiative.organization,
            actor=by,
            action="initiative.update",
            target=initiative,
            before=before,
            after=snapshot(initiative, ["status"]),
            source=source,
        )
    return initiative


# -- fiscal years -----------------------------------------------------------------------


def _first_of_month_after(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, 1)


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def fiscal_year_name(*, year: int, start_month: int) -> str:
    """``2025`` for a calendar year; ``FY2025-26`` for one starting in another month."""
    return str(year) if start_month == 1 else f"FY{year}-{(year + 1) % 100:02d}"


def cycle_create_quarters_for_year(
    *,
    organization: Organization,
    year: int,
    by: User | None,
    state: str = Cycle.State.PLANNING,
    source: str = Source.WEB,
) -> tuple[Cycle, list[Cycle]]:
    """Create the fiscal year that starts in ``year`` and its four quarters.

    The year starts on the first day of the organisation's fiscal-year start
    month. All five cycles are created, or none (a name already taken is named).
    """
    if not 1900 <= year <= 9000:
        raise ValidationError(
            {"year": _("%(year)s is not a year Tandem plans for (1900-9000).") % {"year": year}}
        )
    start = date(year, organization.fiscal_year_start_month, 1)
    year_name = fiscal_year_name(year=year, start_month=organization.fiscal_year_start_month)
    names = [year_name] + [f"Q{number} {year_name}" for number in range(1, 5)]
    taken = {
        name.casefold()
        for name in Cycle.objects.filter(organization=organization).values_list("name", flat=True)
    }
    clashes = [name for name in names if name.casefold() in taken]
    if clashes:
        listed = ", ".join(f"“{name}”" for name in clashes)
        text = ngettext("%(listed)s already exists.", "%(listed)s already exist.", len(clashes))
        raise ValidationError({"year": text % {"listed": listed}})
    with transaction.atomic():
        fiscal_year = cycle_create(
            organization=organization,
            name=year_name,
            kind=Cycle.Kind.YEAR,
            start_date=start,
            end_date=_day_before(_first_of_month_after(start, 12)),
            state=state,
            by=by,
            source=source,
        )
        quarters = [
            cycle_create(
                organization=organization,
                name=f"Q{number} {year_name}",
                kind=Cycle.Kind.QUARTER,
                start_date=_first_of_month_after(start, 3 * (number - 1)),
                end_date=_day_before(_first_of_month_after(start, 3 * number)),
                parent=fiscal_year,
                state=state,
                by=by,
                source=source,
            )
            for number in range(1, 5)
        ]
    return fiscal_year, quarters


# -- deletions --------------------------------------------------------------------------


def _refuse_closed(objective: Objective, field: str) -> None:
    if objective.cycle.is_closed:
        raise ValidationError(
            {
                field: ValidationError(
                    _("%(name)s is closed: its objectives and scores are kept.")
                    % {"name": objective.cycle.name},
                    code="closed",
                )
            }
        )


def objective_delete(*, objective: Objective, by: User | None, source: str = Source.API) -> None:
    """Delete an objective of an open cycle with its key results, check-ins and initiatives.

    Closed cycles keep their objectives: their scores are the record of the quarter.
    """
    _refuse_closed(objective, "cycle")
    with transaction.atomic():
        audit_record(
            organization=objective.organization,
            actor=by,
            action="objective.delete",
            target=objective,
            before=snapshot(objective),
            source=source,
        )
        objective.delete()


def key_result_delete(*, key_result: KeyResult, by: User | None, source: str = Source.API) -> None:
    objective = key_result.objective
    _refuse_closed(objective, "objective")
    with transaction.atomic():
        audit_record(
            organization=objective.organization,
            actor=by,
            action="key_result.delete",
            target=key_result,
            before=snapshot(key_result),
            source=source,
        )
        key_result.delete()
        objective_recompute(objective=objective)


def initiative_delete(*, initiative: Initiative, by: User | None, source: str = Source.API) -> None:
    with transaction.atomic():
        audit_record(
            organization=initiative.organization,
            actor=by,
            action="initiative.delete",
            target=initiative,
            before=snapshot(initiative),
            source=source,
        )
        initiative.delete()
