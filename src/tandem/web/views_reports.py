"""Pages and files of the reports: the strategic plan, the cycle review's exports, the
scorecard's exports and the meeting presentation.

Every member of the organisation reads them; another organisation's cycle is a 404.
The scorecard's files take the page's own filters (columns, how many, team, tag).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tandem.accounts.models import Membership, Organization, User
from tandem.accounts.orgcache import org_terms
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.columns import granularity_from, periods_from
from tandem.okrs import selectors as okr_selectors
from tandem.pages import apply_service_errors, org_view
from tandem.reports import pdf, permissions, selectors, services, spreadsheets
from tandem.reports.forms import PlanForm
from tandem.terms import terms_of

# The scorecard page's own reading of its filters: the files show the same columns.

UNPROCESSABLE = 422
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _file(content: bytes | str, *, name: str, kind: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    # A PDF opens in the browser's viewer; spreadsheets are saved.
    disposition = "inline" if kind == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{kind}"'
    return response


# -- the strategic plan -------------------------------------------------------------------


@require_GET
@org_view
def plan(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    report = selectors.plan_report(organization=org, membership=membership)
    return render(
        request,
        "web/plan.html",
        {"report": report, "can_edit": permissions.can_edit_plan(membership)},
    )


@require_GET
@org_view
def plan_pdf(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    report = selectors.plan_report(organization=org, membership=membership)
    return _file(pdf.plan_pdf(report), name=f"{org.slug}-strategic-plan", kind="pdf")


@require_http_methods(["GET", "POST"])
@org_view
def plan_edit(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    permissions.require_edit_plan(membership)
    current = selectors.strategic_plan_get(organization=org)
    kpis = selectors.plan_kpi_choices(organization=org)
    chosen = selectors.plan_kpis(plan=current) if current is not None else []
    # A key KPI archived since stays pickable, so saving the plan does not drop it.
    kpis += [kpi for kpi in chosen if kpi not in kpis]
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, kpis=kpis, terms=org_terms(org))
        if form.is_valid():
            try:
                services.strategic_plan_save(
                    organization=org, by=_user(request), **form.service_arguments()
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The strategic plan is saved."))
                return redirect("plan")
        status = UNPROCESSABLE
    else:
        initial = {}
        if current is not None:
            initial = {
                "purpose": current.purpose,
                "values": "\n".join(current.values),
                "bhag": current.bhag,
                "bhag_year": current.bhag_year,
                "long_term_date": current.long_term_date,
                "long_term_targets": "\n".join(current.long_term_targets),
                "annual_targets": "\n".join(current.annual_targets),
                "profit_per_x": current.profit_per_x,
                "key_kpis": [kpi.pk for kpi in chosen],
                "version": current.version,
            }
        form = PlanForm(initial=initial, kpis=kpis, terms=org_terms(org))
    return render(request, "web/plan_edit.html", {"form": form, "plan": current}, status=status)


# -- the cycle review ---------------------------------------------------------------------


@require_GET
@org_view
def cycle_review_export(
    request: HttpRequest, pk: str, kind: str, *, org: Organization, membership: Membership
) -> HttpResponse:
    cycle = okr_selectors.cycle_get(organization=org, pk=pk)
    report = selectors.review_report(organization=org, cycle=cycle, membership=membership)
    name = f"{org.slug}-review-{slugify(cycle.name) or cycle.pk}"
    if kind == "pdf":
        return _file(pdf.review_pdf(report), name=name, kind="pdf")
    scores, calibration = spreadsheets.review_sheets(report)
    if kind == "xlsx":
        return _file(spreadsheets.to_xlsx([scores, calibration]), name=name, kind="xlsx")
    # One table per CSV file: the scores, or the calibration with ?table=calibration.
    table = request.GET.get("table", "scores")
    if table not in {"scores", "calibration"}:
        raise Http404("No such table: ask for table=scores or table=calibration.")
    if table == "calibration":
        return _file(spreadsheets.to_csv(calibration), name=f"{name}-calibration", kind="csv")
    return _file(spreadsheets.to_csv(scores), name=name, kind="csv")


# -- the scorecard ------------------------------------------------------------------------


@require_GET
@org_view
def scorecard_export(
    request: HttpRequest, kind: str, *, org: Organization, membership: Membership
) -> HttpResponse:
    granularity = granularity_from(request.GET.get("granularity", ""))
    periods = periods_from(request.GET.get("periods"))
    team_slug = request.GET.get("team", "")
    team = None
    if team_slug:
        team = next(
            (t for t in okr_selectors.team_list(organization=org) if t.slug == team_slug), None
        )
        if team is None:
            raise Http404("No such team.")
    tag = request.GET.get("tag", "")
    today = org.today()
    board = kpi_selectors.scorecard(
        organization=org,
        granularity=granularity,
        periods=periods,
        team=team,
        tag=tag or None,
        today=today,
    )
    name = f"{org.slug}-scorecard-{today:%Y-%m-%d}"
    if kind == "pdf":
        subtitle = pdf.scorecard_subtitle(
            terms_of(org),
            periods=periods,
            granularity=granularity,
            team=team.name if team is not None else "",
            tag=tag,
        )
        content = pdf.scorecard_pdf(board, organization=org, subtitle=subtitle, today=today)
        return _file(content, name=name, kind="pdf")
    if kind == "xlsx":
        sheet = spreadsheets.scorecard_sheet(board, colours_as_columns=False, words=terms_of(org))
        return _file(spreadsheets.to_xlsx([sheet]), name=name, kind="xlsx")
    sheet = spreadsheets.scorecard_sheet(board, colours_as_columns=True, words=terms_of(org))
    return _file(spreadsheets.to_csv(sheet), name=name, kind="csv")


# -- the meeting presentation -------------------------------------------------------------


@require_GET
@org_view
def present(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    show = selectors.presentation(organization=org, membership=membership)
    # Esc goes back to the page the presentation was opened from, if it is on this site.
    back = request.headers.get("referer", "")
    if not back or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
    return render(
        request,
        "web/present.html",
        {"show": show, "watermelon_text": selectors.WATERMELON_TEXT, "back": back},
    )
