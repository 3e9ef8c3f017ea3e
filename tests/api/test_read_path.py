"""The API reads only through the selectors the pages use: no route builds a query.

import-linter cannot forbid ``django.db`` alone (it sees external packages whole), so
this test reads the routes' source instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tandem.api
import tandem.scim

# The API's routers: its own, and the SCIM tokens' one (the SCIM protocol is not /api/v1).
ROUTES = [
    *sorted(Path(tandem.api.__file__).parent.glob("routes_*.py")),
    Path(tandem.scim.__file__).parent / "api.py",
]


def _reads_of_its_own(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in {"get_object_or_404", "get_list_or_404"}:
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            ("django.db", "django.shortcuts")
        ):
            found.append(f"line {node.lineno}: from {node.module} import ...")
    return found


def test_there_are_routes_to_check() -> None:
    assert len(ROUTES) >= 7


@pytest.mark.parametrize("path", ROUTES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_routes_read_through_selectors(path: Path) -> None:
    assert _reads_of_its_own(ast.parse(path.read_text())) == []


def test_the_check_finds_a_route_that_queries_itself() -> None:
    source = (
        "from django.shortcuts import get_object_or_404\n"
        "def team_read(request, team_id):\n"
        "    return get_object_or_404(Team.objects.filter(organization=org), pk=team_id)\n"
    )
    assert len(_reads_of_its_own(ast.parse(source))) == 3
