"""``tandem push``: send KPI values to a Tandem server from anywhere, with an API token.

It needs only this package, not a database or Tandem's settings, so it runs on a
laptop, in a CI job or in a cron entry next to the data::

    export TANDEM_SERVER=https://okr.example.com TANDEM_TOKEN=tdm_...
    tandem push revenue 125000                       # this period's value
    tandem push revenue 118000 --period 2026-10-01   # a past period
    tandem push --file values.csv                    # kpi,period_start,value[,note]

A file is sent in batches of up to 10,000 values through the bulk endpoint, which writes
a batch all or nothing and is idempotent by content: running the same push again (after
a timeout, say) changes nothing and reports the values as unchanged. A batch with a bad
row is refused whole and every bad row is printed with its line in the file; the batches
before it stay written and the command says how far it got.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

BATCH = 10_000
COLUMNS = ("kpi", "period_start", "value", "note")
TIMEOUT = 60.0


class PushError(Exception):
    """Something the person must fix; the message says what."""


@dataclass
class Totals:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, answer: dict[str, Any]) -> None:
        self.created += int(answer.get("created", 0))
        self.updated += int(answer.get("updated", 0))
        self.unchanged += int(answer.get("unchanged", 0))

    def __str__(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem push",
        description="Send KPI values to a Tandem server with an API token "
        "(scope write or measurements).",
    )
    parser.add_argument("kpi", nargs="?", help="The KPI's key (or id).")
    parser.add_argument("value", nargs="?", help="The value, e.g. 125000 or 97.5.")
    parser.add_argument(
        "--period",
        help="The first day of the KPI's period, YYYY-MM-DD (default: the period of today, "
        "as the server counts it).",
    )
    parser.add_argument("--note", default="", help="A note kept with the value.")
    parser.add_argument(
        "--file",
        type=Path,
        help="A CSV file with the columns kpi, period_start, value and optionally note.",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("TANDEM_SERVER", ""),
        help="The server's address, e.g. https://okr.example.com (default: $TANDEM_SERVER).",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("TANDEM_TOKEN", ""),
        help="An API token (default: $TANDEM_TOKEN; prefer the variable: arguments show "
        "in the process list).",
    )
    return parser


class Server:
    def __init__(self, base: str, token: str):
        if not base:
            raise PushError("--server: say which Tandem server (or set TANDEM_SERVER).")
        if not base.startswith(("http://", "https://")):
            raise PushError(f"--server: “{base}” is not an http:// or https:// address.")
        if not token:
            raise PushError("--token: an API token is needed (or set TANDEM_TOKEN).")
        self.client = httpx.Client(
            base_url=base.rstrip("/") + "/api/v1",
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": "tandem-push/1",
                "Accept": "application/json",
            },
            timeout=TIMEOUT,
        )

    def _answer(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success:
            return body
        if isinstance(body, dict):
            raise ProblemError(response.status_code, body)
        raise PushError(
            f"The server answered {response.status_code} {response.reason_phrase} "
            f"to {response.request.method} {response.request.url}."
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise PushError(f"Cannot reach {self.client.base_url}: {error}") from None
        return self._answer(response)

    def kpi(self, given: str) -> dict[str, Any]:
        if given.isdigit():
            try:
                found: dict[str, Any] = self.request("GET", f"/kpis/{given}")
                return found
            except ProblemError as error:
                if error.status != 404:
                    raise
        page = self.request("GET", "/kpis", params={"key": given, "include_archived": "true"})
        items = page.get("items", []) if isinstance(page, dict) else []
        if not items:
            raise PushError(f"kpi: no KPI with the key “{given}” in the token's organisation.")
        first: dict[str, Any] = items[0]
        return first

    def bulk(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("POST", "/measurements/bulk", json={"rows": rows})
        return answer


class ProblemError(PushError):
    """The server refused with an RFC 9457 problem."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(str(problem.get("detail") or problem.get("title") or status))


def _rows_of(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row of the CSV with its line number, columns named as in an import."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise PushError(f"--file: cannot read {path}: {error.strerror}.") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [c.strip().lower().replace(" ", "_") for c in next(reader, [])]
            if not header:
                raise PushError(f"--file: {path} is empty; its first line names the columns.")
            unknown = [c for c in header if c not in COLUMNS]
            missing = [c for c in COLUMNS[:3] if c not in header]
            if unknown or missing:
                parts = []
                if missing:
                    parts.append("missing " + ", ".join(missing))
                if unknown:
                    parts.append("unknown " + ", ".join(unknown))
                raise PushError(
                    f"--file: line 1: {'; '.join(parts)}; the columns are kpi, period_start, "
                    "value and optionally note."
                )
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                row = dict(zip(header, (c.strip() for c in cells), strict=False))
                yield reader.line_num, {k: row.get(k, "") for k in COLUMNS if k in header}
        except UnicodeDecodeError:
            raise PushError(f"--file: {path} is not UTF-8 text; save it as CSV UTF-8.") from None
        except csv.Error as error:
            raise PushError(f"--file: line {reader.line_num}: {error}.") from None


def _batches(path: Path) -> Iterator[tuple[list[int], list[dict[str, str]]]]:
    lines: list[int] = []
    rows: list[dict[str, str]] = []
    for line, row in _rows_of(path):
        lines.append(line)
        rows.append(row)
        if len(rows) == BATCH:
            yield lines, rows
            lines, rows = [], []
    if rows:
        yield lines, rows


def _explain(error: ProblemError, lines: Sequence[int] | None = None) -> str:
    out = [f"The server refused it ({error.status}): {error}"]
    for item in error.problem.get("errors", []) or []:
        index = item.get("index")
        where = []
        if index is not None:
            where.append(f"line {lines[index]}" if lines else f"row {index}")
        if item.get("field"):
            where.append(str(item["field"]))
        out.append(f"  {', '.join(where) or 'batch'}: {item.get('message', '')}")
    return "\n".join(out)


def push_file(server: Server, path: Path, out: TextIO) -> Totals:
    totals = Totals()
    sent = 0
    for number, (lines, rows) in enumerate(_batches(path), start=1):
        try:
            totals.add(server.bulk(rows))
        except ProblemError as error:
            done = f" The {sent} values before line {lines[0]} were written." if sent else ""
            message = _explain(error, lines) + "\nNothing of this batch was written." + done
            raise PushError(message) from None
        sent += len(rows)
        out.write(f"batch {number}: {sent} values sent ({totals})\n")
        out.flush()
    if not sent:
        raise PushError(f"--file: {path} has a header but no values under it.")
    return totals


def push_value(
    server: Server, kpi: str, value: str, period: str | None, note: str, out: TextIO
) -> Totals:
    found = server.kpi(kpi)
    period_start = period or str(found.get("current_period_start") or "")
    if not period_start:
        raise PushError("--period: the server did not say the current period; give --period.")
    row = {"kpi": str(found["id"]), "period_start": period_start, "value": value, "note": note}
    try:
        answer = server.bulk([row])
    except ProblemError as error:
        raise PushError(_explain(error)) from None
    totals = Totals()
    totals.add(answer)
    outcome = next(
        (word for word in ("created", "updated", "unchanged") if answer.get(word)), "sent"
    )
    out.write(f"{found['name']} {period_start}: {value} {outcome}\n")
    return totals


def main(
    argv: Sequence[str],
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    args = _parser().parse_args(list(argv))
    try:
        if args.file and (args.kpi or args.value):
            raise PushError("Give either a KPI and a value, or --file, not both.")
        if not args.file and (not args.kpi or args.value is None):
            raise PushError("Give a KPI and a value (tandem push revenue 125000), or --file.")
        server = Server(args.server, args.token)
        if args.file:
            totals = push_file(server, args.file, out)
            out.write(f"Done: {totals}.\n")
        else:
            push_value(server, args.kpi, args.value, args.period, args.note, out)
    except PushError as error:
        err.write(f"tandem push: {error}\n")
        return 1
    return 0
