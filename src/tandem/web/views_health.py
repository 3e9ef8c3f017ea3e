"""The company health page, promoting a red KPI into an OKR and demoting it back, and
linking KPIs to objectives as guardrails, indicators or the value of a key result.

Views are thin: reads go through :mod:`tandem.insights.selectors` and the KPI and
OKR selectors (another organisation's KPI or objective is a 404), writes through
:mod:`tandem.kpis.services`, whose field errors are shown on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.access import permissions
from tandem.accounts.models import Membership, Organization, Role, User
from tandem.formatting import input_value
from tandem.insights import selectors as insights
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpi_services
from tandem.kpis.models import KPI, ObjectiveKPI
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.pages import apply_service_errors, org_view

UNPROCESSABLE = 422


def periods_text(count: int, frequency: str) -> str:
    """``count`` periods of a KPI of ``frequency``: "3 weeks", "1 month"."""
    if frequency == "daily":
        text = ngettext("%(count)s day", "%(count)s days", count)
    elif frequency == "weekly":
        text = ngettext("%(count)s week", "%(count)s weeks", count)
    elif frequency == "monthly":
        text = ngettext("%(count)s month", "%(count)s months", count)
    elif frequency == "quarterly":
        text = ngettext("%(count)s quarter", "%(count)s quarters", count)
    else:
        text = ngettext("%(count)s period", "%(count)s periods", count)
    return text % {"count": count}


# -- forms ------------------------------------------------------------------------------


class PromoteForm(forms.Form):
    # An id, not a choice: a cycle closed since the form was shown must reach the
    # service, which says why it refuses it.
    cycle = forms.IntegerField(
        label=gettext_lazy("Cycle"),
        widget=forms.Select,
        help_text=gettext_lazy("The cycle the new objective belongs to."),
    )
    title = forms.CharField(label=gettext_lazy("Objective"), max_length=200)
    target = forms.DecimalField(
        label=gettext_lazy("Target"),
        required=False,
        max_digits=20,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy(
            "Where the key result takes the KPI. Empty: the KPI's target "
            "(for a KPI kept within a range, the nearest edge of the range)."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Becomes the objective's description and stays in the KPI's history."
        ),
    )

    def __init__(self, *args: Any, cycles: list[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["cycle"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [(c.pk, f"{c.name} ({c.get_state_display().lower()})") for c in cycles]


class DemoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why the KPI no longer needs an OKR; kept in its history."),
    )


class LinkKPIForm(forms.Form):
    kpi = forms.TypedChoiceField(label=gettext_lazy("KPI"), coerce=int)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=ObjectiveKPI.Role.choices,
        initial=ObjectiveKPI.Role.GUARDRAIL,
        help_text=gettext_lazy(
            "A guardrail must stay healthy while the objective is pursued; "
            "an indicator should move with it."
        ),
    )

    def __init__(self, *args: Any, kpis: list[KPI], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kpi"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", gettext_lazy("Choose a KPI"))] + [(k.pk, k.name) for k in kpis]


class KeyResultKPIForm(forms.Form):
    kpi = forms.TypedChoiceField(
        label=gettext_lazy("KPI"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text="",
    )
    aggregation = forms.ChoiceField(
        label=gettext_lazy("Value"),
        # The labels stay lazy: read when the form is drawn, in the reader's language.
        choices=[
            (str(value), label)
            for value, label in KeyResult._meta.get_field("kpi_aggregation").flatchoices
        ],
    )

    def __init__(self, *args: Any, kpis: list[KPI], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kpi"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", gettext_lazy("None: checked in by hand"))] + [
            (k.pk, k.name) for k in kpis
        ]


def _key_result_form(kr: KeyResult, kpis: list[KPI], data: Any = None) -> KeyResultKPIForm:
    return KeyResultKPIForm(
        data,
        kpis=kpis,
        prefix=f"kr{kr.pk}",
        initial={"kpi": kr.kpi_id or "", "aggregation": kr.kpi_aggregation},
    )


def kpi_forms_for(
    *,
    organization: Organization,
    objective: Objective,
    kpis: list[KPI] | None = None,
    link_form: LinkKPIForm | None = None,
    bound: tuple[KeyResult, KeyResultKPIForm] | None = None,
) -> dict[str, Any]:
    """The link form and one form per metric key result (only those can read a KPI),
    with ``bound`` (a submitted form and its key result) in place of its empty form."""
    kpis = kpis if kpis is not None else insights.kpi_choices(organization=organization)
    key_results = [kr for kr in objective.key_results.all() if kr.is_metric]
    if bound is not None and bound[0].pk not in {kr.pk for kr in key_results}:
        # A submitted form always comes back with its errors, even for a milestone.
        key_results.append(bound[0])
    kr_forms = [
        (kr, bound[1] if bound and bound[0].pk == kr.pk else _key_result_form(kr, kpis))
        for kr in key_results
    ]
    return {
        "link_form": link_form or LinkKPIForm(kpis=kpis),
        "kr_forms": kr_forms,
        "kpis": kpis,
    }


# -- who may promote and demote ----------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _lead_team_ids(request: HttpRequest, org: Organization, membership: Membership) -> set[int]:
    if permissions.can_edit(membership) or membership.role == Role.VIEWER:
        return set()
    return okr_selectors.lead_team_ids_of(organization=org, user=_user(request))


def _require_manage_kpi(
    request: HttpRequest, org: Organization, membership: Membership, kpi: KPI
) -> None:
    permissions.require_manage_kpi(membership, kpi, _lead_team_ids(request, org, membership))


# -- the health page ----------------------------------------------------------------------


@require_GET
@org_view
def health(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    report = insights.company_health(organization=org, viewer=permissions.viewer_of(membership))
    return render(
        request,
        "web/health.html",
        {
            "report": report,
            "can_manage_all": permissions.can_edit(membership),
            "lead_team_ids": _lead_team_ids(request, org, membership),
            "red_periods": org.promote_after_red_periods,
            "green_periods": org.demote_after_green_periods,
        },
    )


# -- promote and demote -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@org_view
def kpi_promote(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    kpi = kpi_selectors.kpi_get(organization=org, pk=pk)
    _require_manage_kpi(request, org, membership, kpi)
    draft = insights.promotion_draft(kpi=kpi)
    status = 200
    if request.method == "POST":
        form = PromoteForm(request.POST, cycles=draft.cycles)
        if form.is_valid():
            data = form.cleaned_data
            cycle = okr_selectors.cycle_list(organization=org).filter(pk=data["cycle"]).first()
            if cycle is None:
                form.add_error("cycle", gettext_lazy("Choose a cycle of this organisation."))
            else:
                try:
                    promotion = kpi_services.kpi_promote(
                        kpi=kpi,
                        cycle=cycle,
                        by=_user(request),
                        title=data["title"],
                        target=data["target"],
                        reason=data["reason"],
                    )
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("“%(kpi)s” is now an OKR in %(name)s: “%(objective)s”.")
                        % {"kpi": kpi, "name": cycle.name, "objective": promotion.objective},
                    )
                    return redirect("objective", pk=promotion.objective_id)
        status = UNPROCESSABLE
    else:
        reason = ""
        if draft.red_run:
            run = periods_text(draft.red_run, kpi.frequency)
            reason = _("%(kpi)s has been red for %(run)s in a row.") % {"kpi": kpi.name, "run": run}
        form = PromoteForm(
            initial={
                "cycle": draft.default_cycle.pk if draft.default_cycle else None,
                "title": _("Get %(kpi)s back on target") % {"kpi": kpi.name},
                "target": input_value(draft.default_goal),
                "reason": reason,
            },
            cycles=draft.cycles,
        )
    return render(
        request,
        "web/kpi_promote.html",
        {
            "kpi": kpi,
            "draft": draft,
            "form": form,
            "red_run": periods_text(draft.red_run, kpi.frequency),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@org_view
def kpi_demote(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    kpi = kpi_selectors.kpi_get(organization=org, pk=pk)
    _require_manage_kpi(request, org, membership, kpi)
    promotion = insights.open_promotion_of(kpi=kpi)
    if promotion is None:
        messages.info(
            request,
            _("“%(kpi)s” is not promoted to an OKR: there is nothing to demote.") % {"kpi": kpi},
        )
        return redirect("health")
    status = 200
    if request.method == "POST":
        form = DemoteForm(request.POST)
        if form.is_valid():
            try:
                kpi_services.kpi_demote(
                    promotion=promotion, by=_user(request), note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("“%(kpi)s” is a plain KPI again; the objective “%(objective)s” is closed.")
                    % {"kpi": kpi, "objective": promotion.objective},
                )
                return redirect("health")
        status = UNPROCESSABLE
    else:
        form = DemoteForm()
    draft = insights.promotion_draft(kpi=kpi)
    return render(
        request,
        "web/kpi_demote.html",
        {
            "kpi": kpi,
            "promotion": promotion,
            "draft": draft,
            "form": form,
            "green_run": periods_text(draft.green_run, kpi.frequency),
            "green_needed": periods_text(org.demote_after_green_periods, kpi.frequency),
        },
        status=status,
    )


# -- KPIs linked to an objective ------------------------------------------------------------


def _objective_url(objective_id: int) -> str:
    return reverse("objective", args=[objective_id]) + "#kpis"


def _objective_kpis_page(
    request: HttpRequest,
    *,
    org: Organization,
    objective: Objective,
    link_form: LinkKPIForm | None = None,
    bound: tuple[KeyResult, KeyResultKPIForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = kpi_forms_for(organization=org, objective=objective, link_form=link_form, bound=bound)
    context.update(
        {
            "objective": objective,
            "signals": insights.objective_signals(organization=org, objectives=[objective]),
            "can_edit": True,
        }
    )
    return render(request, "web/health_objective_kpis.html", context, status=status)


@require_http_methods(["GET", "POST"])
@org_view
def objective_link_kpi(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    objective = okr_selectors.objective_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, objective)
    if request.method != "POST":
        return _objective_kpis_page(request, org=org, objective=objective)
    kpis = insights.kpi_choices(organization=org)
    form = LinkKPIForm(request.POST, kpis=kpis)
    if form.is_valid():
        kpi = next(k for k in kpis if k.pk == form.cleaned_data["kpi"])
        role = form.cleaned_data["role"]
        try:
            kpi_services.objective_link_kpi(
                objective=objective, kpi=kpi, by=_user(request), role=role
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            text = (
                _("“%(kpi)s” is now a guardrail of this objective.")
                if role == ObjectiveKPI.Role.GUARDRAIL
                else _("“%(kpi)s” is now an indicator of this objective.")
            )
            messages.success(request, text % {"kpi": kpi})
            return redirect(_objective_url(objective.pk))
    return _objective_kpis_page(
        request, org=org, objective=objective, link_form=form, status=UNPROCESSABLE
    )


@require_POST
@org_view
def objective_unlink_kpi(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    link = insights.objective_kpi_get(organization=org, pk=pk)
    viewer = permissions.viewer_of(membership)
    permissions.require_edit_objective(viewer, link.objective)
    objective_id, kpi = link.objective_id, link.kpi
    kpi_services.objective_unlink_kpi(link=link, by=_user(request))
    messages.success(request, _("“%(kpi)s” is no longer linked to this objective.") % {"kpi": kpi})
    return redirect(_objective_url(objective_id))


@require_POST
@org_view
def key_result_link_kpi(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    viewer = permissions.viewer_of(membership)
    kr = okr_selectors.key_result_get(organization=org, pk=pk, viewer=viewer)
    permissions.require_edit_objective(viewer, kr.objective)
    kpis = insights.kpi_choices(organization=org)
    form = _key_result_form(kr, kpis, request.POST)
    if form.is_valid():
        chosen = form.cleaned_data["kpi"]
        kpi = next((k for k in kpis if k.pk == chosen), None)
        try:
            kpi_services.key_result_link_kpi(
                key_result=kr,
                kpi=kpi,
                by=_user(request),
                aggregation=form.cleaned_data["aggregation"],
            )
        except ValidationError as error:
            apply_service_errors(form, error, aliases={"kpi_aggregation": "aggregation"})
        else:
            if kpi is None:
                messages.success(request, _("“%(kr)s” is checked in by hand again.") % {"kr": kr})
            else:
                messages.success(
                    request,
                    _("“%(kr)s” now reads its value from “%(kpi)s”.") % {"kr": kr, "kpi": kpi},
                )
            return redirect(_objective_url(kr.objective_id))
    objective = okr_selectors.objective_get(organization=org, pk=kr.objective_id)
    return _objective_kpis_page(
        request, org=org, objective=objective, bound=(kr, form), status=UNPROCESSABLE
    )
