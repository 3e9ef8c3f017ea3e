"""The page of a KPI's scheduled pull: admins and owners set it up, test it and pull now;
editors see how it goes; other roles are refused; another organisation's KPI is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from tandem.access.permissions import VIEWER_REFUSAL, can_edit, can_manage_sources
from tandem.accounts.models import Membership, Organization, Role, User
from tandem.integrations.forms import DataSourceForm
from tandem.integrations.pulls import (
    Preview,
    PullError,
    data_source_delete,
    data_source_draft,
    data_source_save,
    pull_preview,
    pull_run,
)
from tandem.integrations.selectors import data_source_of
from tandem.kpis.models import KPI
from tandem.kpis.selectors import kpi_get
from tandem.pages import apply_service_errors, org_view


def _require_see(membership: Membership) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_edit(membership):
        raise PermissionDenied(_("Only editors, admins and owners can see how a KPI's pull goes."))


def _require_manage(membership: Membership) -> None:
    _require_see(membership)
    if not can_manage_sources(membership):
        raise PermissionDenied(
            _("Only admins and owners can set up a KPI's pull: it holds passwords and tokens.")
        )


def _page(
    request: HttpRequest,
    *,
    kpi: KPI,
    membership: Membership,
    form: DataSourceForm | None = None,
    preview: Preview | None = None,
    status: int = 200,
) -> HttpResponse:
    source = data_source_of(kpi=kpi)
    manage = can_manage_sources(membership)
    if manage and form is None:
        form = DataSourceForm(source=source)
    context: dict[str, Any] = {
        "kpi": kpi,
        "source": source,
        "form": form if manage else None,
        "can_manage": manage,
        "preview": preview,
    }
    return render(request, "web/kpi_source.html", context, status=status)


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@require_http_methods(["GET", "POST"])
@org_view
def kpi_source(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    kpi = kpi_get(organization=org, pk=pk)
    if request.method == "GET":
        _require_see(membership)
        return _page(request, kpi=kpi, membership=membership)
    _require_manage(membership)
    form = DataSourceForm(request.POST, source=data_source_of(kpi=kpi))
    testing = "test" in request.POST
    if form.is_valid():
        try:
            if testing:
                draft = data_source_draft(kpi=kpi, data=form.cleaned_data)
                return _page(
                    request,
                    kpi=kpi,
                    membership=membership,
                    form=form,
                    preview=pull_preview(source=draft),
                )
            data_source_save(kpi=kpi, by=_user(request), data=form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(
                request,
                _("The pull of “%(kpi)s” is saved; it runs at the worker's next turn.")
                % {"kpi": kpi},
            )
            return redirect("kpi_source", pk=kpi.pk)
    return _page(request, kpi=kpi, membership=membership, form=form, status=422)


@require_POST
@org_view
def kpi_source_pull(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    """Pull now, in the request, so the admin sees the outcome at once."""
    kpi = kpi_get(organization=org, pk=pk)
    _require_manage(membership)
    source = data_source_of(kpi=kpi)
    if source is None:
        messages.error(request, _("“%(kpi)s” has no pull to run yet.") % {"kpi": kpi})
        return redirect("kpi_source", pk=kpi.pk)
    try:
        result = pull_run(source=source, by=_user(request))
    except PullError as e:
        messages.error(request, _("The pull failed: %(e)s") % {"e": e})
    else:
        messages.success(
            request,
            ngettext(
                "Pulled %(count)s value: %(created)s new, %(updated)s changed, "
                "%(unchanged)s unchanged.",
                "Pulled %(count)s values: %(created)s new, %(updated)s changed, "
                "%(unchanged)s unchanged.",
                result.total,
            )
            % {
                "count": result.total,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return redirect("kpi_source", pk=kpi.pk)


@require_POST
@org_view
def kpi_source_delete(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    kpi = kpi_get(organization=org, pk=pk)
    _require_manage(membership)
    source = data_source_of(kpi=kpi)
    if source is not None:
        data_source_delete(data_source=source, by=_user(request))
        messages.success(
            request, _("“%(kpi)s” is no longer pulled; its values stay.") % {"kpi": kpi}
        )
    return redirect("kpi", pk=kpi.pk)
