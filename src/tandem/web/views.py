"""Tandem's everyday pages: home, teams, objectives, and the inline check-in.

Views are thin: they read through the selectors (scoped to the organisation, so
another organisation's object is a 404), check :mod:`tandem.access.permissions`,
and write through the services. Statuses come from the stored progress and the
cycle's pace; nothing here walks the tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.access import permissions
from tandem.accounts.middleware import SESSION_KEY
from tandem.accounts.models import Membership, Organization, User
from tandem.accounts.orgcache import org_terms
from tandem.audit.selectors import objective_activity
from tandem.audit.wording import tell
from tandem.coach_text import suggestions
from tandem.domain.status import live_status
from tandem.formatting import input_value
from tandem.insights.selectors import objective_signals
from tandem.okrs import selectors
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.pages import apply_service_errors, org_view
from tandem.web import charts, insights
from tandem.web.forms import (
    AlignmentForm,
    CheckInForm,
    InitiativeForm,
    KeyResultForm,
    KeyResultFormSet,
    ObjectiveForm,
)

UNPROCESSABLE = 422


# -- helpers ----------------------------------------------------------------------------


def _expected(cycle: Cycle, organization: Organization) -> Decimal:
    # The cycle's organisation is the request's: reuse it instead of reading it again.
    cycle.organization = organization
    return cycle.expected_progress(timezone.now())


def _annotate(
    objectives: Iterable[Objective],
    *,
    organization: Organization,
    membership: Membership,
    team_ids: set[int],
    expected: Decimal,
) -> None:
    """Attach the live status and the check-in permission the templates show."""
    thresholds = organization.status_thresholds
    for objective in objectives:
        objective.organization = organization
        objective.live_status = objective.status(expected=expected)  # type: ignore[attr-defined]
        objective.expected = expected  # type: ignore[attr-defined]
        for kr in objective.key_results.all():
            kr.live_status = live_status(  # type: ignore[attr-defined]
                progress=kr.progress,
                expected=expected,
                started=kr.last_checkin_at is not None,
                confidence=kr.last_confidence,
                thresholds=thresholds,
            )
            kr.can_check_in = (  # type: ignore[attr-defined]
                not objective.cycle.is_closed
                and objective.state not in (Objective.State.CLOSED, Objective.State.DROPPED)
                and permissions.can_check_in(membership, kr, team_ids)
            )


def _plain(value: Decimal | None) -> str:
    """A stored decimal as a person typed it: 100.0000 -> 100."""
    return input_value(value)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback


def _label(form: CheckInForm, field: str) -> str:
    """How a field is named in a sentence about it: "Value: ", or nothing for the form."""
    if field not in form.fields:
        return ""
    return f"{form.fields[field].label or field.capitalize()}: "


def _cycle_from_query(request: HttpRequest, organization: Organization) -> Cycle | None:
    raw = request.GET.get("cycle", "")
    if raw:
        if not raw.isdigit():
            raise Http404("No such cycle.")
        return selectors.cycle_get(organization=organization, pk=raw)
    return selectors.current_cycle(organization=organization)


def _editable_objective(org: Organization, membership: Membership, pk: int) -> Objective:
    """The objective at ``pk`` once this person may change it: 404 when they may not
    see it, 403 when they may see but not change it."""
    viewer = permissions.viewer_of(membership)
    objective = selectors.objective_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, objective)
    return objective


# -- organisation -----------------------------------------------------------------------


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("organization"),
        user=request.user,
        organization_id=request.POST.get("organization") or 0,
    )
    request.session[SESSION_KEY] = membership.organization_id
    messages.success(
        request, _("You are now working in %(name)s.") % {"name": membership.organization.name}
    )
    return redirect("home")


# -- home and teams ---------------------------------------------------------------------


@require_GET
@org_view
def home(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    viewer = permissions.viewer_of(membership)
    cycle = selectors.current_cycle(organization=org)
    mine: list[Objective] = []
    teams: list[Objective] = []
    if cycle is not None:
        # An objective appears once on the page (its rows carry element ids): the
        # person's own first, then their teams' others.
        mine, teams = selectors.objectives_for_home(
            organization=org, user=user, cycle=cycle, viewer=viewer
        )
        _annotate(
            [*mine, *teams],
            organization=org,
            membership=membership,
            team_ids=set(viewer.team_ids),
            expected=_expected(cycle, org),
        )
        # The same signals as the team page, read in bulk for every objective shown.
        _forecast([*mine, *teams], org=org, cycle=cycle)
    return render(
        request,
        "web/home.html",
        {
            "cycle": cycle,
            "my_objectives": mine,
            "team_objectives": teams,
            "signals": objective_signals(organization=org, objectives=[*mine, *teams]),
            "can_edit": permissions.can_create_objectives(membership),
            "next_url": request.get_full_path(),
        },
    )


@require_GET
@org_view
def team_list(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    return render(request, "web/team_list.html", {"teams": selectors.team_list(organization=org)})


@require_GET
@org_view
def team_detail(
    request: HttpRequest, slug: str, *, org: Organization, membership: Membership
) -> HttpResponse:
    team = selectors.team_get(organization=org, slug=slug)
    viewer = permissions.viewer_of(membership)
    cycle = _cycle_from_query(request, org)
    objectives: list[Objective] = []
    if cycle is not None:
        objectives = selectors.objectives_for_team(
            organization=org, team=team, cycle=cycle, viewer=viewer
        )
        _annotate(
            objectives,
            organization=org,
            membership=membership,
            team_ids=set(viewer.team_ids),
            expected=_expected(cycle, org),
        )
        _forecast(objectives, org=org, cycle=cycle)
    return render(
        request,
        "web/team.html",
        {
            "team": team,
            "parent_team": team.parent if team.parent_id else None,
            "children": selectors.team_children(organization=org, team=team),
            "cycle": cycle,
            "cycles": selectors.cycle_list(organization=org),
            "objectives": objectives,
            "signals": objective_signals(organization=org, objectives=objectives),
            "can_edit": permissions.may_own(viewer, owner_team_id=team.pk, owner_user_id=None),
            "next_url": request.get_full_path(),
        },
    )


def _forecast(objectives: list[Objective], *, org: Organization, cycle: Cycle) -> None:
    """Attach the forecasts of ``objectives`` (all in ``cycle``) for the templates."""
    cycle.organization = org
    histories = selectors.checkin_histories(
        organization=org,
        cycle=cycle,
        key_results=[kr for o in objectives for kr in o.key_results.all()],
    )
    insights.attach_forecasts(objectives, cycle=cycle, histories=histories, now=timezone.now())


# -- check-in ---------------------------------------------------------------------------


def _render_kr_row(
    request: HttpRequest,
    *,
    kr: KeyResult,
    org: Organization,
    membership: Membership,
    team_ids: set[int],
    form: CheckInForm | None,
    saved: bool,
    status: int,
) -> HttpResponse:
    # The key result was read for this person already: its objective is one they see.
    objective = selectors.objective_get(organization=org, pk=kr.objective_id)
    kr.objective = objective
    # One key result, read fresh, in place of the prefetched list the templates iterate.
    objective._prefetched_objects_cache = {"key_results": [kr]}  # type: ignore[attr-defined]
    _annotate(
        [objective],
        organization=org,
        membership=membership,
        team_ids=team_ids,
        expected=_expected(objective.cycle, org),
    )
    _forecast([objective], org=org, cycle=objective.cycle)
    context = {
        "kr": kr,
        "objective": objective,
        "form": form,
        "saved": saved,
        "oob": True,
        "next_url": _safe_next(request, reverse("objective", args=[objective.pk])),
    }
    html = render_to_string("web/_kr_row.html", context, request=request)
    html += render_to_string("web/_objective_progress.html", context, request=request)
    return HttpResponse(html, status=status)


@require_POST
@org_view
def key_result_check_in(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    kr = selectors.key_result_get(organization=org, pk=pk, viewer=viewer)
    user: User = request.user  # type: ignore[assignment]
    team_ids = set(viewer.team_ids)
    permissions.require_check_in(membership, kr, team_ids)
    form = CheckInForm(request.POST)
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            okrs.key_result_check_in(
                key_result=kr,
                by=user,
                value=data["value"] if kr.is_metric else None,
                done=bool(data["done"]) if not kr.is_metric else None,
                confidence=data["confidence"],
                note=data["note"],
            )
            saved = True
        except ValidationError as exc:
            apply_service_errors(form, exc)
    fallback = reverse("objective", args=[kr.objective_id])
    if request.htmx:  # type: ignore[attr-defined]
        return _render_kr_row(
            request,
            kr=kr,
            org=org,
            membership=membership,
            team_ids=team_ids,
            form=None if saved else form,
            saved=saved,
            status=200 if saved else UNPROCESSABLE,
        )
    # Without JavaScript: a plain POST that comes back to the page it came from.
    if saved:
        messages.success(request, _("Checked in on “%(title)s”.") % {"title": kr.title})
    else:
        problems = [
            f"{_label(form, field)}{message}"
            for field, errors in form.errors.items()
            for message in errors
        ]
        messages.error(
            request,
            _("Check-in on “%(title)s” not saved. ") % {"title": kr.title} + " ".join(problems),
        )
    return HttpResponseRedirect(_safe_next(request, fallback))


# -- objective page ---------------------------------------------------------------------


def _history_chart(kr: KeyResult, cycle: Cycle, now: dt.datetime) -> dict[str, Any]:
    forecast: insights.KeyResultForecast | None = getattr(kr, "forecast", None)
    band = None
    if (
        forecast is not None
        and forecast.forecast.value is not None
        and not forecast.forecast.too_little_history
        and now < cycle.bounds()[1]
    ):
        assert forecast.forecast.low is not None
        assert forecast.forecast.high is not None
        band = charts.ForecastBand(
            start=charts.Point(forecast.start_at, forecast.start_value),
            value=forecast.forecast.value,
            low=forecast.forecast.low,
            high=forecast.forecast.high,
        )
    checkins = list(kr.checkins.all())
    start, end = cycle.bounds()
    if kr.is_metric:
        assert kr.baseline is not None
        assert kr.target is not None
        baseline, target = kr.baseline, kr.target
        points = [charts.Point(c.created_at, c.value) for c in checkins if c.value is not None]
    else:
        baseline, target = Decimal(0), Decimal(1)
        points = [
            charts.Point(c.created_at, Decimal(1 if c.done else 0))
            for c in checkins
            if c.done is not None
        ]
    svg = charts.progress_chart(
        points=points,
        start=start,
        end=end,
        baseline=baseline,
        target=target,
        now=now,
        title=_("%(title)s: value over time against the pace line") % {"title": kr.title},
        chart_id=f"kr-{kr.pk}-chart",
        forecast=band,
    )
    return {"kr": kr, "svg": svg, "checkins": checkins}


def _objective_page(
    request: HttpRequest,
    *,
    org: Organization,
    membership: Membership,
    pk: int,
    initiative_form: InitiativeForm | None = None,
    alignment_form: AlignmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    objective = selectors.objective_page(organization=org, pk=pk, viewer=viewer)
    if objective.owner_team is not None:
        # The navigation highlights the owner team's item (when it is one of the viewer's).
        request.nav_team = objective.owner_team.slug  # type: ignore[attr-defined]
    now = timezone.now()
    objective.cycle.organization = org
    _annotate(
        [objective],
        organization=org,
        membership=membership,
        team_ids=set(viewer.team_ids),
        expected=objective.cycle.expected_progress(now),
    )
    _forecast([objective], org=org, cycle=objective.cycle)
    findings = insights.coach_findings(
        objective,
        cycle=objective.cycle,
        owner_counts=selectors.owner_objective_counts(
            organization=org, cycle=objective.cycle, viewer=viewer
        ),
        aligned=bool(objective.alignments_up.all()),
        now=now,
    )
    key_results = list(objective.key_results.all())
    can_edit = permissions.can_edit_objective(viewer, objective)
    if can_edit:
        people = list(selectors.people_of(organization=org))
        words = org_terms(org)
        initiative_form = initiative_form or InitiativeForm(
            key_results=key_results, people=people, terms=words
        )
        alignment_form = alignment_form or AlignmentForm(
            terms=words,
            candidates=selectors.alignment_candidates(objective=objective, viewer=viewer),
        )
    return render(
        request,
        "web/objective.html",
        {
            "objective": objective,
            "cycle": objective.cycle,
            "key_results": key_results,
            "histories": [_history_chart(kr, objective.cycle, now) for kr in key_results],
            "alignments_up": list(objective.alignments_up.all()),
            "alignments_down": list(objective.alignments_down.all()),
            "alignments_through_krs": list(
                selectors.objective_children_through_key_results(objective=objective, viewer=viewer)
            ),
            "initiatives": list(objective.initiatives.all()),
            "signals": objective_signals(organization=org, objectives=[objective]),
            "findings": suggestions(findings, org_terms(org)),
            "activity": tell(
                objective_activity(organization=org, objective=objective), organization=org
            ),
            "can_edit": can_edit,
            "initiative_form": initiative_form,
            "alignment_form": alignment_form,
            "next_url": request.get_full_path(),
        },
        status=status,
    )


@require_GET
@org_view
def objective_detail(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    return _objective_page(request, org=org, membership=membership, pk=pk)


@require_POST
@org_view
def initiative_create(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    objective = _editable_objective(org, membership, pk)
    form = InitiativeForm(
        request.POST,
        terms=org_terms(org),
        key_results=list(objective.key_results.all()),
        people=list(selectors.people_of(organization=org)),
    )
    if form.is_valid():
        try:
            okrs.initiative_create(objective=objective, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("Initiative “%(title)s” added.") % {"title": form.cleaned_data["title"]}
            )
            return redirect("objective", pk=objective.pk)
    return _objective_page(
        request,
        org=org,
        membership=membership,
        pk=objective.pk,
        initiative_form=form,
        status=UNPROCESSABLE,
    )


@require_POST
@org_view
def alignment_add(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    objective = selectors.objective_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, objective)
    form = AlignmentForm(
        request.POST,
        terms=org_terms(org),
        candidates=selectors.alignment_candidates(objective=objective, viewer=viewer),
    )
    if form.is_valid():
        parent_objective, parent_key_result = form.cleaned_data["parent"]
        try:
            okrs.alignment_add(
                objective=objective,
                by=request.user,  # type: ignore[arg-type]
                parent_objective=parent_objective,
                parent_key_result=parent_key_result,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("“%(objective)s” now contributes to “%(value)s”.")
                % {"objective": objective, "value": parent_objective or parent_key_result},
            )
            return redirect("objective", pk=objective.pk)
    return _objective_page(
        request,
        org=org,
        membership=membership,
        pk=objective.pk,
        alignment_form=form,
        status=UNPROCESSABLE,
    )


@require_POST
@org_view
def alignment_remove(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    alignment = selectors.alignment_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, alignment.objective)
    objective_pk = alignment.objective_id
    okrs.alignment_remove(alignment=alignment, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Alignment removed."))
    return HttpResponseRedirect(_safe_next(request, reverse("objective", args=[objective_pk])))


# -- create and edit --------------------------------------------------------------------


class _Rollback(Exception):
    """Undo an objective whose key results did not all pass: all or nothing."""


def _require_private_in_sight(
    viewer: permissions.Viewer, data: dict[str, Any], *, pk: int | None = None
) -> None:
    """Refuse to mark private an objective its author would then no longer see (a plain
    member of the owning team): it would vanish from their pages on saving."""
    if not data["is_private"]:
        return
    owner_team, owner_user = data["owner"]
    draft = Objective(pk=pk, is_private=True, owner_team=owner_team, owner_user=owner_user)
    if not permissions.can_see_objective(viewer, draft):
        raise ValidationError(
            {
                "is_private": _(
                    "You would no longer see it: a private objective of %(owner)s is seen "
                    "only by its owner, its team's leads, the owners of its key results and "
                    "admins."
                )
                % {"owner": owner_team or owner_user}
            }
        )


def _objective_form_kwargs(
    org: Organization, *, include_cycle: int | None = None
) -> dict[str, Any]:
    cycles = selectors.cycle_list(organization=org).exclude(state=Cycle.State.CLOSED)
    if include_cycle is not None:
        cycles = selectors.cycle_list(organization=org).filter(
            ~Q(state=Cycle.State.CLOSED) | Q(pk=include_cycle)
        )
    return {
        "teams": list(selectors.team_list(organization=org)),
        "people": list(selectors.people_of(organization=org)),
        "cycles": cycles,
        "terms": org_terms(org),
    }


@require_http_methods(["GET", "POST"])
@org_view
def objective_create(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    if not permissions.can_create_objectives(membership):
        raise PermissionDenied(permissions.VIEWER_REFUSAL)
    kwargs = _objective_form_kwargs(org)
    people = kwargs["people"]
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        form = ObjectiveForm(request.POST, **kwargs)
        formset = KeyResultFormSet(
            request.POST, prefix="kr", form_kwargs={"people": people, "terms": kwargs["terms"]}
        )
        formset_valid = formset.is_valid()
        if form.is_valid():
            owner_team, owner_user = form.cleaned_data["owner"]
            viewer = permissions.viewer_of(membership)
            permissions.require_create_objective(
                viewer, owner_team=owner_team, owner_user=owner_user
            )
            # Even when a key result is malformed the others go through the services
            # (and are rolled back), so that every error shows on the first submit.
            objective = _create_objective_with_key_results(
                form, formset, org=org, user=user, viewer=viewer, formset_valid=formset_valid
            )
            if objective is not None:
                messages.success(
                    request, _("Objective “%(title)s” created.") % {"title": objective.title}
                )
                return redirect("objective", pk=objective.pk)
        status = UNPROCESSABLE
    else:
        initial: dict[str, Any] = {}
        team_slug = request.GET.get("team", "")
        team = next((t for t in kwargs["teams"] if t.slug == team_slug), None)
        if team is not None:
            initial["owner"] = f"team:{team.pk}"
        cycle_id = request.GET.get("cycle", "")
        if cycle_id.isdigit():
            initial["cycle"] = int(cycle_id)
        else:
            current = selectors.current_cycle(organization=org)
            if current is not None and not current.is_closed:
                initial["cycle"] = current.pk
        form = ObjectiveForm(initial=initial, **kwargs)
        formset = KeyResultFormSet(
            prefix="kr", form_kwargs={"people": people, "terms": kwargs["terms"]}
        )
        status = 200
    return render(
        request,
        "web/objective_form.html",
        {"form": form, "formset": formset, "creating": True},
        status=status,
    )


def _create_objective_with_key_results(
    form: ObjectiveForm,
    formset: Any,
    *,
    org: Organization,
    user: User,
    viewer: permissions.Viewer,
    formset_valid: bool,
) -> Objective | None:
    data = form.cleaned_data
    owner_team, owner_user = data["owner"]
    try:
        _require_private_in_sight(viewer, data)
        with transaction.atomic():
            objective = okrs.objective_create(
                organization=org,
                cycle=data["cycle"],
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                owner_team=owner_team,
                owner_user=owner_user,
                is_private=data["is_private"],
                by=user,
            )
            failed = not formset_valid
            for kr_form in formset.filled_forms():
                if not kr_form.is_valid():
                    continue
                try:
                    okrs.key_result_create(
                        objective=objective, by=user, **kr_form.service_arguments()
                    )
                except ValidationError as exc:
                    apply_service_errors(kr_form, exc, aliases={"objective": "__all__"})
                    failed = True
            if failed:
                raise _Rollback
    except _Rollback:
        form.add_error(None, _("Nothing was saved: correct the key results marked below."))
        return None
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    return objective


@require_http_methods(["GET", "POST"])
@org_view
def objective_edit(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    objective = selectors.objective_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, objective)
    kwargs = _objective_form_kwargs(org, include_cycle=objective.cycle_id)
    if request.method == "POST":
        form = ObjectiveForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            owner_team, owner_user = data["owner"]
            # Handing the objective over: the new owner must be one this person may choose.
            permissions.require_create_objective(
                viewer, owner_team=owner_team, owner_user=owner_user
            )
            try:
                _require_private_in_sight(viewer, data, pk=objective.pk)
                okrs.objective_update(
                    objective=objective,
                    by=request.user,  # type: ignore[arg-type]
                    version=data["version"],
                    title=data["title"],
                    description=data["description"],
                    kind=data["kind"],
                    owner_team=owner_team,
                    owner_user=owner_user,
                    cycle=data["cycle"],
                    is_private=data["is_private"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Objective “%(title)s” saved.") % {"title": data["title"]}
                )
                return redirect("objective", pk=objective.pk)
        status = UNPROCESSABLE
    else:
        owner = (
            f"team:{objective.owner_team_id}"
            if objective.owner_team_id
            else f"user:{objective.owner_user_id}"
        )
        form = ObjectiveForm(
            initial={
                "title": objective.title,
                "description": objective.description,
                "kind": objective.kind,
                "owner": owner,
                "cycle": objective.cycle_id,
                "is_private": objective.is_private,
                "version": objective.version,
            },
            **kwargs,
        )
        status = 200
    return render(
        request,
        "web/objective_form.html",
        {"form": form, "objective": objective, "creating": False},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@org_view
def key_result_create(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    objective = _editable_objective(org, membership, pk)
    people = list(selectors.people_of(organization=org))
    if request.method == "POST":
        form = KeyResultForm(request.POST, people=people, terms=org_terms(org))
        if form.is_valid():
            try:
                kr = okrs.key_result_create(
                    objective=objective,
                    by=request.user,  # type: ignore[arg-type]
                    **form.service_arguments(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Key result “%(title)s” added.") % {"title": kr.title})
                return redirect("objective", pk=objective.pk)
        status = UNPROCESSABLE
    else:
        form = KeyResultForm(people=people, terms=org_terms(org))
        status = 200
    return render(
        request,
        "web/key_result_form.html",
        {"form": form, "objective": objective, "creating": True},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@org_view
def key_result_edit(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    kr = selectors.key_result_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, kr.objective)
    people = list(selectors.people_of(organization=org))
    if request.method == "POST":
        form = KeyResultForm(request.POST, people=people, terms=org_terms(org))
        if form.is_valid():
            try:
                okrs.key_result_update(
                    key_result=kr,
                    by=request.user,  # type: ignore[arg-type]
                    version=form.cleaned_data["version"],
                    **form.service_arguments(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Key result “%(title)s” saved.") % {"title": form.cleaned_data["title"]},
                )
                return redirect("objective", pk=kr.objective_id)
        status = UNPROCESSABLE
    else:
        form = KeyResultForm(
            terms=org_terms(org),
            initial={
                "title": kr.title,
                "kind": kr.kind,
                "unit": kr.unit,
                "currency": kr.currency,
                "baseline": _plain(kr.baseline),
                "target": _plain(kr.target),
                "owner": str(kr.owner_id or ""),
                "weight": _plain(kr.weight),
                "version": kr.version,
            },
            people=people,
        )
        status = 200
    return render(
        request,
        "web/key_result_form.html",
        {"form": form, "objective": kr.objective, "key_result": kr, "creating": False},
        status=status,
    )
