"""The organisation's audit log: every change, who made it, when, through what, and how.

Owners and admins read it (others get a 403 saying so); events of another
organisation never appear, whatever the filters. Reads go through
:mod:`tandem.audit.selectors`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tandem.accounts.models import Membership, Organization, Role
from tandem.audit import selectors
from tandem.audit.models import AuditEvent, Source
from tandem.audit.wording import tell
from tandem.pages import org_view

AUDIT_ROLES = {Role.OWNER, Role.ADMIN}
# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def require_audit(membership: Membership) -> None:
    if membership.role not in AUDIT_ROLES:
        raise PermissionDenied(_("Only owners and admins can read the audit log."))


class AuditFilterForm(forms.Form):
    actor = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=gettext_lazy("Who")
    )
    action = forms.CharField(
        required=False,
        max_length=60,
        label=gettext_lazy("Action"),
        help_text=gettext_lazy("The start of an action, e.g. objective. or checkin.create"),
    )
    target_type = forms.ChoiceField(required=False, label=gettext_lazy("Object"))
    source = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("Any")), *Source.choices],
        label=gettext_lazy("Through"),
    )
    since = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = selectors.audit_actors(organization=organization)
        self.fields["actor"].choices = [("", gettext_lazy("Anyone"))] + [  # type: ignore[attr-defined]
            (str(p.pk), p.full_name or p.email) for p in people
        ]
        self.fields["target_type"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("Any")),
            *selectors.audit_target_types(organization=organization),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", gettext_lazy("The end date is before the start date."))
        return data

    def filters(self) -> selectors.AuditFilters:
        data = self.cleaned_data
        return selectors.AuditFilters(
            actor_id=data.get("actor"),
            action=(data.get("action") or "").strip(),
            target_type=data.get("target_type") or "",
            source=data.get("source") or "",
            since=data.get("since"),
            until=data.get("until"),
        )


def _form(request: HttpRequest, organization: Organization) -> AuditFilterForm:
    form = AuditFilterForm(request.GET or None, organization=organization)
    if form.is_bound:
        form.is_valid()
    return form


def _filters(form: AuditFilterForm) -> selectors.AuditFilters:
    # A filter with an error is ignored, and said so next to its field, rather than
    # showing an empty log.
    if not form.is_bound:
        return selectors.AuditFilters()
    for name in list(form.errors):
        form.cleaned_data.pop(name, None)
    return form.filters()


@require_GET
@org_view
def audit_log(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    require_audit(membership)
    form = _form(request, org)
    page = selectors.audit_page(
        organization=org, filters=_filters(form), cursor=request.GET.get("after", "")
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "web/audit_log.html",
        {
            "form": form,
            "page": page,
            "entries": tell(page.entries, organization=org),
            "query": query.urlencode(),
            "is_later_page": bool(request.GET.get("after")),
        },
    )


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterator[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "when (UTC)",
            "who",
            "e-mail",
            "through",
            "action",
            "object type",
            "object id",
            "object",
            "changes",
        ]
    )
    sources = dict(Source.choices)
    for event in events:
        changes = "; ".join(
            f"{c.field}: {c.before} → {c.after}" for c in selectors.changes_of(event)
        )
        actor = event.actor
        yield writer.writerow(
            [
                event.at.astimezone(dt.UTC).isoformat(),
                _cell(actor.full_name if actor else "Tandem"),
                _cell(actor.email if actor else ""),
                sources.get(event.source, event.source),
                _cell(event.action),
                event.target_type,
                event.target_id,
                _cell(event.target_repr),
                _cell(changes),
            ]
        )


@require_GET
@org_view  # type: ignore[arg-type]  # a streaming response is not an HttpResponse subclass
def audit_export(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> StreamingHttpResponse:
    require_audit(membership)
    filters = _filters(_form(request, org))
    events = selectors.audit_rows(organization=org, filters=filters)
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv")
    stamp = timezone.now().astimezone(org.tz).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-audit-{stamp}.csv"'
    return response
