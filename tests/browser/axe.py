"""axe-core, the accessibility engine, run inside a page the browser tests opened.

``scripts/ensure-axe`` (run by ``make test``) fetches the pinned release from the npm
registry, checks its sha512 and keeps it in the virtual environment; ``TANDEM_AXE``
points at another copy of ``axe.min.js``. Tandem never serves it: the tests evaluate
it in the page, as a person's browser extension would.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

# Violations of these impacts fail a page; "minor" and "moderate" ones are reported by
# axe too but are not held to zero.
FAILING_IMPACTS = ("serious", "critical")


def axe_path() -> Path:
    configured = os.environ.get("TANDEM_AXE")
    if configured:
        return Path(configured)
    return Path(sys.prefix) / "share" / "axe-core" / "axe.min.js"


@cache
def axe_source() -> str:
    path = axe_path()
    if not path.exists():
        pytest.fail(
            f"axe-core is not at {path}: run scripts/ensure-axe (make pytest does), "
            "or set TANDEM_AXE to an axe.min.js"
        )
    return path.read_text(encoding="utf-8")


def axe_violations(page: Any, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds in the page as it is now, every
    ``<details>`` opened first so that what they fold away is checked too. ``exclude``:
    CSS selectors of parts left out (markup that is not Tandem's own)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")
    # Two frames: the page's own script reacts to what opened (tandem.js, wide tables).
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    # What an opened part fetches (the tree's folded branches) is checked once it is in.
    page.wait_for_load_state("networkidle")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate(
        "exclude => axe.run(exclude.length ? {exclude} : document, {resultTypes: ['violations']})",
        list(exclude),
    )
    return [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


def describe(path: str, violations: list[dict[str, Any]]) -> str:
    """One line per violation and up to three of its elements, for a failure message."""
    lines = []
    for violation in violations:
        lines.append(f"{path}: {violation['impact']} {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:3]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'][:300]}")
        if len(violation["nodes"]) > 3:
            lines.append(f"    ... and {len(violation['nodes']) - 3} more")
    return "\n".join(lines)
