"""OKRs as code: a cycle's objectives, key results, initiatives, alignments and KPI links
as YAML, and back.

Planning in a text editor and reviewing in version control need two promises: an
export imported again changes nothing (no write, no audit event), and an edit changes
exactly what was edited. Every item carries a stable key derived from its id
(``obj-12``, ``kr-34``, ``ini-5``); an item without one is new. A new item may carry
a key of its own choosing (``growth``) so that other items in the file can align to
it. Removing an objective, key result or initiative from the file does not delete it
(deleting belongs on its page, where its history is shown); the lists of alignments
and guardrails, on the other hand, are the objective's whole list.

All writes go through the services with the source "import", in one transaction.
Errors name the place in the file, e.g. ``objectives[2].key_results[0].target``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from tandem.access.permissions import Viewer, viewer_of, visible_objectives
from tandem.accounts.models import Membership, Organization, Team, User
from tandem.audit.models import Source
from tandem.kpis.models import KPI, ObjectiveKPI
from tandem.kpis.services import key_result_link_kpi, objective_link_kpi, objective_unlink_kpi
from tandem.okrs.models import Alignment, Cycle, Initiative, KeyResult, Objective
from tandem.okrs.selectors import visible_alignments
from tandem.okrs.services import (
    alignment_add,
    alignment_remove,
    initiative_create,
    initiative_set_status,
    key_result_create,
    key_result_update,
    objective_create,
    objective_update,
)
from tandem.validation import decimal_field

FORMAT_VERSION = 1
_KEY = {"objective": "obj", "key_result": "kr", "initiative": "ini"}
_ID_KEY = re.compile(r"(obj|kr|ini)-(\d+)")
OBJECTIVE_KEYS = {
    "key",
    "title",
    "description",
    "kind",
    "owner_team",
    "owner_user",
    "state",
    "private",
    "key_results",
    "initiatives",
    "aligned_to",
    "guardrails",
    "indicators",
}
KEY_RESULT_KEYS = {
    "key",
    "title",
    "kind",
    "unit",
    "currency",
    "baseline",
    "target",
    "owner",
    "weight",
    "kpi",
    "initiatives",
}
INITIATIVE_KEYS = {"key", "title", "owner", "status", "due_date"}


class OkrYamlError(Exception):
    """The file was refused; ``errors`` lists ``{"path": p, "message": m}``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{e['path']}: {e['message']}" for e in errors))


# -- export -----------------------------------------------------------------------------


def _number(value: Decimal | None) -> int | float | str | None:
    """A stored amount as YAML people write: 100, 12.5; text only where a float would
    not give back exactly the same amount."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else f"{value.normalize():f}"


def _key(kind: str, pk: int) -> str:
    return f"{_KEY[kind]}-{pk}"


def _initiative(initiative: Initiative) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": _key("initiative", initiative.pk),
        "title": initiative.title,
        "status": initiative.status,
    }
    if initiative.owner is not None:
        out["owner"] = initiative.owner.email
    if initiative.due_date is not None:
        out["due_date"] = initiative.due_date.isoformat()
    return out


def okrs_export(
    *, organization: Organization, cycle: Cycle, viewer: Viewer | None = None
) -> dict[str, Any]:
    """The cycle's OKRs as plain data, ready for :func:`yaml.safe_dump`: those ``viewer``
    may see (``None``, the operator acting as the owner: all of them)."""
    objectives = (
        visible_objectives(Objective.objects.filter(organization=organization, cycle=cycle), viewer)
        .select_related("owner_team", "owner_user")
        .prefetch_related(
            "key_results__kpi",
            "key_results__owner",
            "initiatives__owner",
            # A link to a private objective the viewer may not see would tell it exists.
            Prefetch("alignments_up", queryset=visible_alignments(Alignment.objects.all(), viewer)),
            "kpi_links__kpi",
        )
        .order_by("position", "id")
    )
    out = []
    for objective in objectives:
        item: dict[str, Any] = {
            "key": _key("objective", objective.pk),
            "title": objective.title,
        }
        if objective.description:
            item["description"] = objective.description
        item["kind"] = objective.kind
        if objective.owner_team is not None:
            item["owner_team"] = objective.owner_team.slug
        elif objective.owner_user is not None:
            item["owner_user"] = objective.owner_user.email
        item["state"] = objective.state
        if objective.is_private:
            item["private"] = True
        initiatives_by_kr: dict[int | None, list[Initiative]] = {}
        for initiative in objective.initiatives.all():
            initiatives_by_kr.setdefault(initiative.key_result_id, []).append(initiative)
        krs = []
        for kr in objective.key_results.all():
            entry: dict[str, Any] = {"key": _key("key_result", kr.pk), "title": kr.title}
            entry["kind"] = kr.kind
            if kr.is_metric:
                entry["unit"] = kr.unit
                if kr.currency:
                    entry["currency"] = kr.currency
                entry["baseline"] = _number(kr.baseline)
                entry["target"] = _number(kr.target)
            if kr.owner is not None:
                entry["owner"] = kr.owner.email
            entry["weight"] = _number(kr.weight)
            if kr.kpi is not None:
                entry["kpi"] = {"key": kr.kpi.key, "aggregation": kr.kpi_aggregation}
            if kr.pk in initiatives_by_kr:
                entry["initiatives"] = [_initiative(i) for i in initiatives_by_kr[kr.pk]]
            krs.append(entry)
        if krs:
            item["key_results"] = krs
        if None in initiatives_by_kr:
            item["initiatives"] = [_initiative(i) for i in initiatives_by_kr[None]]
        parents = [
            _key("objective", a.parent_objective_id)
            if a.parent_objective_id
            else _key("key_result", a.parent_key_result_id)  # type: ignore[arg-type]
            for a in sorted(objective.alignments_up.all(), key=lambda a: a.pk)
        ]
        if parents:
            item["aligned_to"] = parents
        for role, name in (
            (ObjectiveKPI.Role.GUARDRAIL, "guardrails"),
            ("indicator", "indicators"),
        ):
            keys = sorted(link.kpi.key for link in objective.kpi_links.all() if link.role == role)
            if keys:
                item[name] = keys
        out.append(item)
    return {"version": FORMAT_VERSION, "cycle": cycle.name, "objectives": out}


def okrs_export_yaml(
    *, organization: Organization, cycle: Cycle, viewer: Viewer | None = None
) -> str:
    data = okrs_export(organization=organization, cycle=cycle, viewer=viewer)
    header = (
        f"# Tandem OKRs of {organization.name}, {cycle.name}.\n"
        "# Edit and import with `tandem import`; items without a key are created.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# -- import -----------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)


class _DryRun(Exception):
    pass


class _Refused(Exception):
    """One error at one place; stops applying (the transaction is rolled back)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message


def _service_errors(path: str, error: ValidationError) -> OkrYamlError:
    names = {"owner_team": "owner_team", "owner_user": "owner_user", "is_private": "private"}
    items: list[dict[str, str]] = []
    for name, messages in error.message_dict.items():
        where = (
            path
            if name in ("__all__", "owner", "parent", "objective")
            else (f"{path}.{names.get(name, name)}")
        )
        items.extend({"path": where, "message": m} for m in messages)
    return OkrYamlError(items)


class _Importer:
    def __init__(self, organization: Organization, by: User | None) -> None:
        self.org = organization
        self.by = by
        self.errors: list[dict[str, str]] = []
        self.result = ImportResult()
        self.teams = {t.slug: t for t in Team.objects.filter(organization=organization)}
        self.people = {
            m.user.email.lower(): m.user
            for m in Membership.objects.filter(organization=organization).select_related("user")
        }
        self.kpis = {k.key: k for k in KPI.objects.filter(organization=organization)}
        # The importing person's rights apply: a private objective they may not see is
        # unknown to the file, as it is to their pages. No person: the operator.
        membership = (
            Membership.objects.filter(organization=organization, user=by).first() if by else None
        )
        self.viewer = viewer_of(membership) if membership is not None else None
        # Items of the file by key: filled while checking, for alignments to refer to.
        self.labels: dict[str, tuple[str, str]] = {}

    def bad(self, path: str, message: str) -> None:
        self.errors.append({"path": path, "message": message})

    # -- checking the shape, before anything is written ---------------------------------

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.bad(path, "Expected a mapping of fields (name: value).")
            return None
        for name in value:
            if name not in allowed:
                self.bad(
                    f"{path}.{name}", f"Unknown field; the fields are {', '.join(sorted(allowed))}."
                )
        return value

    def items(self, data: dict[str, Any], name: str, path: str) -> list[Any]:
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(f"{path}.{name}", "Expected a list.")
            return []
        return value

    def text(self, data: dict[str, Any], name: str, path: str, required: bool = False) -> str:
        value = data.get(name)
        where = f"{path}.{name}" if path else name  # the file's own fields: "cycle"
        if value is None:
            if required:
                self.bad(where, "This field is required.")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.bad(where, "Expected text.")
            return ""
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL cannot store it; a "\0" escape is never meant.
            self.bad(where, "Text cannot hold a NUL character (\\0).")
            return ""
        return str(value).strip()

    def choice(
        self, data: dict[str, Any], name: str, path: str, choices: list[str], default: str
    ) -> str:
        value = self.text(data, name, path) or default
        if value not in choices:
            self.bad(f"{path}.{name}", f"“{value}” is not one of {', '.join(choices)}.")
        return value

    def amount(self, data: dict[str, Any], name: str, path: str) -> Decimal | None:
        value = data.get(name)
        try:
            return decimal_field(name, value)
        except ValidationError as e:
            self.bad(f"{path}.{name}", e.message_dict[name][0])
            return None

    def person(self, data: dict[str, Any], name: str, path: str) -> User | None:
        email = self.text(data, name, path)
        if not email:
            return None
        user = self.people.get(email.lower())
        if user is None:
            self.bad(f"{path}.{name}", f"No member {email} in {self.org.name}.")
        return user

    def existing(
        self, data: dict[str, Any], path: str, kind: str, rows: dict[int, Any]
    ) -> tuple[str, Any]:
        """The item's key, and the stored item it names (or None for a new one)."""
        key = self.text(data, "key", path)
        if not key:
            return "", None
        if key in self.labels:
            self.bad(f"{path}.key", f"The key {key} is also used at {self.labels[key][0]}.")
        self.labels[key] = (path, kind)
        match = _ID_KEY.fullmatch(key)
        if match is None:
            return key, None
        if match.group(1) != _KEY[kind]:
            self.bad(f"{path}.key", f"{key} is not the key of a {kind.replace('_', ' ')}.")
            return key, None
        found = rows.get(int(match.group(2)))
        if found is None:
            self.bad(f"{path}.key", f"No {kind.replace('_', ' ')} {key} here.")
        return key, found

    # -- applying ---------------------------------------------------------------------

    def run(self, text: str, cycle: Cycle | None, apply: bool) -> ImportResult:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "file"
            raise OkrYamlError(
                [{"path": where, "message": f"Not valid YAML: {getattr(e, 'problem', e)}."}]
            ) from None
        root = self.mapping(data, "(file)", {"version", "cycle", "objectives"})
        if root is None:
            raise OkrYamlError(self.errors)
        cycle_name = self.text(root, "cycle", "", required=cycle is None)
        if cycle is None and cycle_name:
            cycle = Cycle.objects.filter(organization=self.org, name=cycle_name).first()
            if cycle is None:
                self.bad("cycle", f"No cycle “{cycle_name}” in {self.org.name}.")
        elif cycle is not None and cycle_name and cycle_name != cycle.name:
            self.bad("cycle", f"The file is for “{cycle_name}”, not “{cycle.name}”.")
        if root.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            self.bad("version", f"This Tandem reads version {FORMAT_VERSION} files.")
        if self.errors or cycle is None:
            raise OkrYamlError(self.errors)
        plan = self.check(root, cycle)
        if self.errors:
            raise OkrYamlError(self.errors)
        try:
            with transaction.atomic():
                for step in plan:
                    step()
                self.link_pass()
                if not apply:
                    # A dry run goes through the services too, so that it finds what
                    # only they check (a target equal to its baseline), then undoes it.
                    raise _DryRun
        except _Refused as e:
            raise OkrYamlError([{"path": e.path, "message": e.message}]) from None
        except _DryRun:
            pass
        return self.result

    def check(self, root: dict[str, Any], cycle: Cycle) -> list[Callable[[], None]]:
        self.cycle = cycle
        stored = {
            o.pk: o
            for o in visible_objectives(
                Objective.objects.filter(organization=self.org, cycle=cycle), self.viewer
            ).select_related("cycle", "organization", "owner_team", "owner_user")
        }
        self.krs = {
            kr.pk: kr
            for kr in visible_objectives(
                KeyResult.objects.filter(organization=self.org), self.viewer, "objective__"
            ).select_related("objective__cycle", "objective__organization", "kpi", "owner")
        }
        self.initiatives = {
            i.pk: i
            for i in visible_objectives(
                Initiative.objects.filter(organization=self.org), self.viewer, "objective__"
            ).select_related("owner")
        }
        self.all_objectives = set(
            visible_objectives(
                Objective.objects.filter(organization=self.org), self.viewer
            ).values_list("pk", flat=True)
        )
        steps: list[Callable[[], None]] = []
        self.links: list[tuple[str, dict[str, Any], list[str], list[str], list[str]]] = []
        self.made: dict[str, Objective | KeyResult] = {}
        for i, raw in enumerate(self.items(root, "objectives", "")):
            steps.append(self.check_objective(raw, f"objectives[{i}]", stored))
        # Every reference is known only once every item was read.
        for path, _, aligned, guardrails, indicators in self.links:
            for j, ref in enumerate(aligned):
                self.check_reference(ref, f"{path}.aligned_to[{j}]")
            for name, keys in (("guardrails", guardrails), ("indicators", indicators)):
                for j, ref in enumerate(keys):
                    if ref not in self.kpis:
                        self.bad(f"{path}.{name}[{j}]", f"No KPI with the key “{ref}”.")
        return steps

    def check_reference(self, ref: str, path: str) -> None:
        if ref in self.labels and self.labels[ref][1] in ("objective", "key_result"):
            return
        match = _ID_KEY.fullmatch(ref)
        if match and match.group(1) == "obj" and int(match.group(2)) in self.all_objectives:
            return
        if match and match.group(1) == "kr" and int(match.group(2)) in self.krs:
            return
        self.bad(path, f"No objective or key result “{ref}”.")

    def strings(self, data: dict[str, Any], name: str, path: str) -> list[str]:
        out = []
        for j, value in enumerate(self.items(data, name, path)):
            if not isinstance(value, str):
                self.bad(f"{path}.{name}[{j}]", "Expected a key.")
            else:
                out.append(value.strip())
        return out

    def check_objective(
        self, raw: Any, path: str, stored: dict[int, Objective]
    ) -> Callable[[], None]:
        data = self.mapping(raw, path, OBJECTIVE_KEYS) or {}
        key, objective = self.existing(data, path, "objective", stored)
        wanted: dict[str, Any] = {
            "title": self.text(data, "title", path, required=True),
            "description": self.text(data, "description", path),
            "kind": self.choice(
                data, "kind", path, Objective.Kind.values, Objective.Kind.ASPIRATIONAL
            ),
            "state": self.choice(
                data, "state", path, Objective.State.values, Objective.State.ACTIVE
            ),
            "is_private": data.get("private", False) is True,
            "owner_team": None,
            "owner_user": self.person(data, "owner_user", path),
        }
        if not isinstance(data.get("private", False), bool):
            self.bad(f"{path}.private", "Expected true or false.")
        slug = self.text(data, "owner_team", path)
        if slug:
            wanted["owner_team"] = self.teams.get(slug)
            if wanted["owner_team"] is None:
                self.bad(f"{path}.owner_team", f"No team “{slug}” in {self.org.name}.")
        if not slug and not data.get("owner_user"):
            self.bad(
                path,
                "Give the objective an owner_team (a team's slug) or an owner_user (an e-mail).",
            )
        kr_steps = [
            self.check_key_result(r, f"{path}.key_results[{j}]", objective)
            for j, r in enumerate(self.items(data, "key_results", path))
        ]
        initiative_steps = [
            self.check_initiative(r, f"{path}.initiatives[{j}]", objective, None)
            for j, r in enumerate(self.items(data, "initiatives", path))
        ]
        aligned = self.strings(data, "aligned_to", path)
        guardrails = self.strings(data, "guardrails", path)
        indicators = self.strings(data, "indicators", path)

        def apply() -> None:
            nonlocal objective
            if objective is None:
                objective = self.call(
                    path,
                    objective_create,
                    organization=self.org,
                    cycle=self.cycle,
                    by=self.by,
                    title=wanted["title"],
                    description=wanted["description"],
                    kind=wanted["kind"],
                    state=wanted["state"],
                    is_private=wanted["is_private"],
                    owner_team=wanted["owner_team"],
                    owner_user=wanted["owner_user"] if wanted["owner_team"] is None else None,
                    source=Source.IMPORT,
                )
                self.result.created += 1
                self.result.changes.append(f"created objective “{objective}”")
            else:
                if wanted["owner_team"] is not None:
                    wanted["owner_user"] = None
                changes = {
                    name: value
                    for name, value in wanted.items()
                    if getattr(objective, name) != value
                }
                self.update(path, objective, changes, objective_update, "objective")
            if key:
                self.made[key] = objective
            for kr_step in kr_steps:
                kr_step(objective)
            for initiative_step in initiative_steps:
                initiative_step(objective, None)
            self.pending_links.append((path, objective, aligned, guardrails, indicators))

        self.links.append((path, data, aligned, guardrails, indicators))
        return apply

    def check_key_result(
        self, raw: Any, path: str, objective: Objective | None
    ) -> Callable[[Objective], None]:
        data = self.mapping(raw, path, KEY_RESULT_KEYS) or {}
        mine = {
            pk: kr
            for pk, kr in self.krs.items()
            if objective is not None and kr.objective_id == objective.pk
        }
        key, kr = self.existing(data, path, "key_result", mine)
        kind = self.choice(data, "kind", path, KeyResult.Kind.values, KeyResult.Kind.METRIC)
        wanted: dict[str, Any] = {
            "title": self.text(data, "title", path, required=True),
            "kind": kind,
            "unit": self.choice(data, "unit", path, KeyResult.Unit.values, KeyResult.Unit.NUMBER),
            "currency": self.text(data, "currency", path).upper(),
            "baseline": self.amount(data, "baseline", path),
            "target": self.amount(data, "target", path),
            "owner": self.person(data, "owner", path),
            "weight": self.amount(data, "weight", path),
        }
        if wanted["weight"] is None and data.get("weight") in (None, ""):
            wanted["weight"] = Decimal(1)
        if kind == KeyResult.Kind.MILESTONE:
            wanted["baseline"] = wanted["target"] = None
        link = data.get("kpi")
        kpi: KPI | None = None
        aggregation = "last"
        if link is not None:
            link_map = self.mapping(link, f"{path}.kpi", {"key", "aggregation"}) or {}
            kpi_key = self.text(link_map, "key", f"{path}.kpi", required=True)
            kpi = self.kpis.get(kpi_key)
            if kpi_key and kpi is None:
                self.bad(f"{path}.kpi.key", f"No KPI with the key “{kpi_key}”.")
            aggregation = self.choice(
                link_map, "aggregation", f"{path}.kpi", ["last", "sum", "average"], "last"
            )
        initiative_steps = [
            self.check_initiative(r, f"{path}.initiatives[{j}]", objective, kr)
            for j, r in enumerate(self.items(data, "initiatives", path))
        ]

        def apply(parent: Objective) -> None:
            nonlocal kr
            if kr is None:
                kr = self.call(
                    path,
                    key_result_create,
                    objective=parent,
                    by=self.by,
                    source=Source.IMPORT,
                    **wanted,
                )
                self.result.created += 1
                self.result.changes.append(f"created key result “{kr}”")
            else:
                changes = {n: v for n, v in wanted.items() if getattr(kr, n) != v}
                kr = self.update(path, kr, changes, key_result_update, "key result")
            assert kr is not None
            if (kr.kpi_id, kr.kpi_aggregation if kr.kpi_id else "last") != (
                kpi.pk if kpi else None,
                aggregation,
            ):
                self.call(
                    f"{path}.kpi",
                    key_result_link_kpi,
                    key_result=kr,
                    kpi=kpi,
                    aggregation=aggregation,
                    by=self.by,
                    source=Source.IMPORT,
                )
                self.result.updated += 1
                self.result.changes.append(f"linked key result “{kr}” to {kpi or 'no KPI'}")
            if key:
                self.made[key] = kr
            for initiative_step in initiative_steps:
                initiative_step(parent, kr)

        return apply

    def check_initiative(
        self, raw: Any, path: str, objective: Objective | None, kr: KeyResult | None
    ) -> Callable[[Objective, KeyResult | None], None]:
        data = self.mapping(raw, path, INITIATIVE_KEYS) or {}
        key, initiative = self.existing(data, path, "initiative", self.initiatives)
        title = self.text(data, "title", path, required=True)
        status = self.choice(
            data, "status", path, Initiative.Status.values, Initiative.Status.NOT_STARTED
        )
        owner = self.person(data, "owner", path)
        due: dt.date | None = None
        raw_due = data.get("due_date")
        if isinstance(raw_due, dt.date):
            due = raw_due
        elif raw_due not in (None, ""):
            try:
                due = dt.date.fromisoformat(str(raw_due))
            except ValueError:
                self.bad(f"{path}.due_date", f"“{raw_due}” is not a date written YYYY-MM-DD.")
        if initiative is not None:
            if (
                objective is None
                or initiative.objective_id != objective.pk
                or (initiative.key_result_id != (kr.pk if kr else None))
            ):
                self.bad(f"{path}.key", f"{key} belongs elsewhere; move initiatives in Tandem.")
            for name, value in (("title", title), ("owner", owner), ("due_date", due)):
                if getattr(initiative, name) != value:
                    self.bad(
                        f"{path}.{name}",
                        "An initiative's title, owner and due date are changed on its page; "
                        "an import changes its status only.",
                    )

        def apply(parent: Objective, parent_kr: KeyResult | None) -> None:
            if initiative is None:
                made = self.call(
                    path,
                    initiative_create,
                    objective=parent,
                    key_result=parent_kr,
                    title=title,
                    owner=owner,
                    status=status,
                    due_date=due,
                    by=self.by,
                    source=Source.IMPORT,
                )
                self.result.created += 1
                self.result.changes.append(f"created initiative “{made}”")
            elif initiative.status != status:
                self.call(
                    f"{path}.status",
                    initiative_set_status,
                    initiative=initiative,
                    status=status,
                    by=self.by,
                    source=Source.IMPORT,
                )
                self.result.updated += 1
                self.result.changes.append(f"set initiative “{initiative}” to {status}")
            else:
                self.result.unchanged += 1

        return apply

    def call(self, path: str, service: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return service(**kwargs)
        except ValidationError as e:
            error = _service_errors(path, e).errors[0]
            raise _Refused(error["path"], error["message"]) from None

    def update(
        self,
        path: str,
        item: Any,
        changes: dict[str, Any],
        service: Callable[..., Any],
        kind: str,
    ) -> Any:
        if not changes:
            self.result.unchanged += 1
            return item
        argument = "objective" if kind == "objective" else "key_result"
        updated = self.call(
            path, service, **{argument: item}, by=self.by, source=Source.IMPORT, **changes
        )
        self.result.updated += 1
        self.result.changes.append(f"changed {', '.join(sorted(changes))} of {kind} “{updated}”")
        return updated

    def resolve(self, ref: str) -> tuple[Objective | None, KeyResult | None]:
        made = self.made.get(ref)
        if isinstance(made, Objective):
            return made, None
        if isinstance(made, KeyResult):
            return None, made
        match = _ID_KEY.fullmatch(ref)
        assert match is not None
        if match.group(1) == "obj":
            return Objective.objects.get(organization=self.org, pk=int(match.group(2))), None
        return None, KeyResult.objects.get(organization=self.org, pk=int(match.group(2)))

    def link_pass(self) -> None:
        """Alignments and KPI links, once every objective and key result exists."""
        for path, objective, aligned, guardrails, indicators in self.pending_links:
            current = {
                (a.parent_objective_id, a.parent_key_result_id): a
                # Links to objectives the importing person does not see are not theirs
                # to keep or remove: the file could not name them.
                for a in visible_alignments(
                    Alignment.objects.filter(objective=objective), self.viewer
                )
            }
            wanted = set()
            for j, ref in enumerate(aligned):
                parent, parent_kr = self.resolve(ref)
                pair = (parent.pk if parent else None, parent_kr.pk if parent_kr else None)
                wanted.add(pair)
                if pair not in current:
                    self.call(
                        f"{path}.aligned_to[{j}]",
                        alignment_add,
                        objective=objective,
                        parent_objective=parent,
                        parent_key_result=parent_kr,
                        by=self.by,
                        source=Source.IMPORT,
                    )
                    self.result.created += 1
                    self.result.changes.append(f"aligned “{objective}” to {ref}")
            for pair, alignment in current.items():
                if pair not in wanted:
                    alignment_remove(alignment=alignment, by=self.by, source=Source.IMPORT)
                    self.result.updated += 1
                    self.result.changes.append(f"removed an alignment of “{objective}”")
            links = {link.kpi.key: link for link in objective.kpi_links.select_related("kpi")}
            for role, name, keys in (
                (ObjectiveKPI.Role.GUARDRAIL, "guardrails", guardrails),
                (ObjectiveKPI.Role.INDICATOR, "indicators", indicators),
            ):
                for j, kpi_key in enumerate(keys):
                    link = links.get(kpi_key)
                    if link is not None and link.role == role:
                        continue
                    if link is not None:
                        objective_unlink_kpi(link=link, by=self.by, source=Source.IMPORT)
                    self.call(
                        f"{path}.{name}[{j}]",
                        objective_link_kpi,
                        objective=objective,
                        kpi=self.kpis[kpi_key],
                        role=role,
                        by=self.by,
                        source=Source.IMPORT,
                    )
                    self.result.created += 1
                    self.result.changes.append(f"linked {kpi_key} to “{objective}” as {role}")
            for kpi_key, link in links.items():
                if kpi_key not in guardrails and kpi_key not in indicators:
                    objective_unlink_kpi(link=link, by=self.by, source=Source.IMPORT)
                    self.result.updated += 1
                    self.result.changes.append(f"unlinked {kpi_key} from “{objective}”")

    pending_links: list[tuple[str, Objective, list[str], list[str], list[str]]]


def okrs_import_yaml(
    *,
    organization: Organization,
    text: str,
    by: User | None,
    cycle: Cycle | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Create and update a cycle's OKRs from YAML, all or nothing.

    The cycle is the one the file names, or ``cycle`` (which the file, if it names
    one, must match). ``dry_run`` checks the file and writes nothing.
    """
    importer = _Importer(organization, by)
    importer.pending_links = []
    return importer.run(text, cycle, apply=not dry_run)
