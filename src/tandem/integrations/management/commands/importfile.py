"""``tandem import FILE``: KPI values, check-ins, or the OKR and KPI sheets kept in another
tool (:mod:`tandem.integrations.sheets`) from CSV/XLSX, or OKRs from YAML.

All or nothing: a file with any error is refused with every error listed (row and
column, or YAML path) and a non-zero exit, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.access.permissions import can_edit
from tandem.integrations import files, sheets
from tandem.integrations.files import FileError
from tandem.integrations.management.commands._common import (
    Progress,
    membership_of,
    organization_named,
)
from tandem.integrations.okr_yaml import OkrYamlError, okrs_import_yaml

OKRS = "okrs"


class Command(BaseCommand):
    help = (
        "Import a file into an organisation: KPI values or key-result check-ins from CSV or "
        "XLSX, or a cycle's OKRs from YAML (as tandem export writes them). Nothing is "
        "written unless the whole file is right."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv, .xlsx, .yaml or .yml file.")
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument(
            "--as",
            dest="as_email",
            required=True,
            help="E-mail of the member the changes are recorded as.",
        )
        parser.add_argument(
            "--kind",
            choices=[files.MEASUREMENTS, files.CHECKINS, sheets.OKR_SHEET, sheets.KPI_SHEET, OKRS],
            help="What the file holds (default: YAML is OKRs; a CSV/XLSX is told by its header).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        organization = organization_named(options["org"])
        membership = membership_of(organization, options["as_email"])
        kind = options["kind"]
        if kind is None:
            kind = OKRS if path.suffix.lower() in (".yaml", ".yml") else None
        progress = Progress(path.name, self.stderr)
        try:
            if kind == OKRS:
                self.okrs(path, organization, membership, options["dry_run"])
                return
            table = files.read_table(path.name, path.read_bytes())
            progress.say(f"{path.name}: read {len(table.rows)} rows.")
            kind = kind or sheets.looks_like(table) or files.guess_kind(table)
            if kind in (sheets.OKR_SHEET, sheets.KPI_SHEET):
                self.sheet(kind, table, organization, membership, options["dry_run"])
            elif kind == files.MEASUREMENTS:
                if not can_edit(membership):
                    raise CommandError("--as: only editors, admins and owners import KPI values.")
                if options["dry_run"]:
                    files.measurements_check(organization=organization, table=table)
                    self.stdout.write(f"{len(table.rows)} values are right; nothing written.")
                    return
                # One batch, checked whole then written at once: say so before the wait.
                progress.say(f"{path.name}: checking and writing {len(table.rows)} values…")
                result = files.measurements_import(
                    organization=organization, table=table, by=membership.user
                )
                self.stdout.write(
                    f"{result.created} values created, {result.updated} corrected, "
                    f"{result.unchanged} unchanged."
                )
            else:
                if options["dry_run"]:
                    files.checkins_check(organization=organization, table=table, by=membership.user)
                    self.stdout.write(f"{len(table.rows)} check-ins are right; nothing written.")
                    return
                checked = files.checkins_import(
                    organization=organization,
                    table=table,
                    by=membership.user,
                    progress=progress,
                )
                self.stdout.write(
                    f"{checked.created} check-ins created, {checked.unchanged} already there."
                )
        except FileError as e:
            raise CommandError(f"{path.name}: nothing imported.\n{e}") from None

    def sheet(
        self, kind: str, table: files.Table, organization: Any, membership: Any, dry_run: bool
    ) -> None:
        if not can_edit(membership):
            raise CommandError("--as: only editors, admins and owners import OKR and KPI sheets.")
        if kind == sheets.OKR_SHEET:
            run = sheets.okr_sheet_check if dry_run else sheets.okr_sheet_import
        else:
            run = sheets.kpi_sheet_check if dry_run else sheets.kpi_sheet_import
        result = run(organization=organization, table=table, by=membership.user)
        for change in result.changes:
            self.stdout.write(f"  {change}")
        verb = "would be" if dry_run else "were"
        if kind == sheets.OKR_SHEET:
            made = (
                f"{result.objectives} objectives, {result.key_results} key results and "
                f"{result.check_ins} check-ins {verb} created"
            )
        else:
            made = f"{result.kpis} new KPIs and {result.values} values {verb} recorded"
        self.stdout.write(made + ("; nothing written." if dry_run else "."))

    def okrs(self, path: Path, organization: Any, membership: Any, dry_run: bool) -> None:
        if not can_edit(membership):
            raise CommandError("--as: only editors, admins and owners import OKRs.")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{path.name}: the file is not UTF-8 text.") from None
        try:
            result = okrs_import_yaml(
                organization=organization, text=text, by=membership.user, dry_run=dry_run
            )
        except OkrYamlError as e:
            raise CommandError(f"{path.name}: nothing imported.\n{e}") from None
        for change in result.changes:
            self.stdout.write(f"  {change}")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{result.created} items {verb} created, {result.updated} changed, "
            f"{result.unchanged} unchanged" + ("; nothing written." if dry_run else ".")
        )
