"""Importing a spreadsheet in the browser: upload, preview with every error at its cell,
then commit.

The file is parsed once, on upload, and its cells are kept in the session until the
commit, so the person does not upload it twice and the commit writes exactly what
the preview showed. Viewers cannot import; members import check-ins for the key
results they may check in on; KPI values, and the OKR and KPI sheets kept in another
tool (:mod:`tandem.integrations.sheets`), are for editors, admins and owners.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tandem.access.permissions import VIEWER_REFUSAL, can_edit
from tandem.accounts.models import Membership, Organization, Role, User
from tandem.integrations import files, sheets
from tandem.integrations.files import FileError, Table
from tandem.pages import org_view

UNPROCESSABLE = 422
SESSION_KEY = "tandem_import"
# A spreadsheet larger than this is better imported with `tandem import`.
MAX_UPLOAD = 5 * 1024 * 1024
PREVIEW_ROWS = 100
KIND_CHOICES = [
    ("", gettext_lazy("Tell from the columns")),
    (files.MEASUREMENTS, gettext_lazy("KPI values")),
    (files.CHECKINS, gettext_lazy("Key-result check-ins")),
    (
        sheets.OKR_SHEET,
        gettext_lazy("OKRs: a row per key result (objective, owner, baseline, target…)"),
    ),
    (sheets.KPI_SHEET, gettext_lazy("KPIs: a row per KPI, a column per week")),
]
EDITORS_ONLY = {files.MEASUREMENTS, sheets.OKR_SHEET, sheets.KPI_SHEET}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or Excel (.xlsx); the first row names the columns."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("It holds"), choices=KIND_CHOICES, required=False)


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _require_import(membership: Membership) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)


def _refuse_kind(membership: Membership, kind: str) -> str:
    if kind in EDITORS_ONLY and not can_edit(membership):
        return _(
            "Only editors, admins and owners import KPI values, OKRs and KPIs; members "
            "import check-ins for their key results."
        )
    return ""


def _stored(request: HttpRequest, org: Organization) -> dict[str, Any] | None:
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("organization") != org.pk:
        return None
    return dict(stored)


def _check(org: Organization, user: User, kind: str, table: Table) -> list[dict[str, Any]]:
    try:
        if kind == files.MEASUREMENTS:
            files.measurements_check(organization=org, table=table)
        elif kind == sheets.OKR_SHEET:
            sheets.okr_sheet_check(organization=org, table=table, by=user)
        elif kind == sheets.KPI_SHEET:
            sheets.kpi_sheet_check(organization=org, table=table, by=user)
        else:
            files.checkins_check(organization=org, table=table, by=user)
    except FileError as e:
        return e.errors
    return []


def _preview(
    request: HttpRequest,
    org: Organization,
    stored: dict[str, Any],
    errors: list[dict[str, Any]],
    status: int = 200,
) -> HttpResponse:
    table = Table(header=stored["header"], rows=stored["rows"])
    at_cell: dict[tuple[int, str], list[str]] = {}
    for e in errors:
        if e["row"] is not None and e["row"] >= files.FIRST_ROW:
            at_cell.setdefault((e["row"], e["column"]), []).append(e["message"])
    header_errors = [e for e in errors if e["row"] in (None, 1)]
    bad_rows = {row for row, _ in at_cell}
    shown = []
    for offset, cells in enumerate(table.rows):
        number = offset + files.FIRST_ROW
        if bad_rows and number not in bad_rows:
            continue
        shown.append(
            {
                "number": number,
                "problems": at_cell.get((number, ""), []),
                "cells": [
                    {"value": value, "errors": at_cell.get((number, name), [])}
                    for name, value in zip(table.header, cells, strict=True)
                ],
            }
        )
        if len(shown) >= PREVIEW_ROWS:
            break
    context = {
        "filename": stored["filename"],
        "kind": stored["kind"],
        "kind_label": dict(KIND_CHOICES)[stored["kind"]],
        "header": table.header,
        "rows": shown,
        "total": len(table.rows),
        "bad_row_count": len(bad_rows),
        "error_count": len(errors),
        "header_errors": header_errors,
        "more": len(bad_rows or table.rows) - len(shown),
    }
    return render(request, "web/import_preview.html", context, status=status)


@require_http_methods(["GET", "POST"])
@org_view
def import_upload(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    _require_import(membership)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD:
                raise files.FileError(
                    [
                        {
                            "row": None,
                            "column": "",
                            "message": _("The file is over 5 MB: import it with tandem import."),
                        }
                    ]
                )
            table = files.read_table(upload.name, upload.read())
            kind = form.cleaned_data["kind"] or sheets.looks_like(table) or files.guess_kind(table)
        except FileError as e:
            for error in e.errors:
                form.add_error("file", files.describe(error))
        else:
            refusal = _refuse_kind(membership, kind)
            if refusal:
                form.add_error("kind", refusal)
            else:
                request.session[SESSION_KEY] = {
                    "organization": org.pk,
                    "filename": upload.name,
                    "kind": kind,
                    "header": table.header,
                    "rows": table.rows,
                }
                return redirect("import_preview")
    status = UNPROCESSABLE if request.method == "POST" else 200
    context = {"form": form, "can_import_values": can_edit(membership)}
    return render(request, "web/import.html", context, status=status)


@require_http_methods(["GET"])
@org_view
def import_preview(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    _require_import(membership)
    stored = _stored(request, org)
    if stored is None:
        return redirect("import")
    table = Table(header=stored["header"], rows=stored["rows"])
    return _preview(request, org, stored, _check(org, _user(request), stored["kind"], table))


@require_http_methods(["POST"])
@org_view
def import_commit(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    _require_import(membership)
    stored = _stored(request, org)
    if stored is None:
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("import")
    refusal = _refuse_kind(membership, stored["kind"])
    if refusal:
        raise PermissionDenied(refusal)
    table = Table(header=stored["header"], rows=stored["rows"])
    try:
        if stored["kind"] == files.MEASUREMENTS:
            result = files.measurements_import(organization=org, table=table, by=_user(request))
            summary = _(
                "%(created)s values created, %(updated)s corrected and %(unchanged)s unchanged"
            ) % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        elif stored["kind"] == sheets.OKR_SHEET:
            made = sheets.okr_sheet_import(organization=org, table=table, by=_user(request))
            summary = _(
                "%(objectives)s objectives, %(key_results)s key results and %(check_ins)s "
                "check-ins created"
            ) % {
                "objectives": made.objectives,
                "key_results": made.key_results,
                "check_ins": made.check_ins,
            }
        elif stored["kind"] == sheets.KPI_SHEET:
            made = sheets.kpi_sheet_import(organization=org, table=table, by=_user(request))
            summary = _("%(kpis)s KPIs created and %(values)s values recorded") % {
                "kpis": made.kpis,
                "values": made.values,
            }
        else:
            checked = files.checkins_import(organization=org, table=table, by=_user(request))
            summary = _("%(created)s check-ins created, %(unchanged)s already there") % {
                "created": checked.created,
                "unchanged": checked.unchanged,
            }
    except FileError as e:
        # Something changed since the preview (a KPI archived, a cycle closed).
        return _preview(request, org, stored, e.errors, status=UNPROCESSABLE)
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _("Imported %(filename)s: %(summary)s.")
        % {"filename": stored["filename"], "summary": summary},
    )
    return redirect("import")
