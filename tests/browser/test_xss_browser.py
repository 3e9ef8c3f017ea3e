"""Script in names and texts stays text, in a real Chromium, on every page showing it.

Every text a person can type that other people then see (objective and key result
titles, check-in notes, initiative titles, KPI names, team names, people's names,
cycle names, the strategic plan) is set to a payload that would run if a page
inserted it as markup: a ``<script>``, an attribute breaking out into an ``<img
onerror>``, a ``javascript:`` URL, and Django template syntax. Each page must show the
payload as text, run none of it (``window.__xss`` stays undefined) and open no dialog.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounts import services as accounts
from tandem.accounts.models import Role
from tandem.api.services import api_token_create
from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tandem.reports.services import strategic_plan_save
from tests.conftest import PASSWORD, Cast

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss=1</script>"
ATTRIBUTE = '"><img src=x onerror="window.__xss=1">'
URL = "javascript:window.__xss=1"
TEMPLATE = "{{ request.user.password }}{% now 'Y' %}"
SVG = "<svg onload=window.__xss=1>"


def payload(label: str, attack: str) -> str:
    return f"{label} {attack}"


OBJECTIVE = payload("Objective", SCRIPT)
KEY_RESULT = payload("Key result", ATTRIBUTE)
NOTE = payload("Note", f'<a href="{URL}">click</a> {TEMPLATE}')
INITIATIVE = payload("Initiative", SVG)
KPI_NAME = payload("KPI", ATTRIBUTE)
TEAM = payload("Team", SCRIPT)
PERSON = payload("Person", ATTRIBUTE)
CYCLE = payload("Cycle", TEMPLATE)
OLD_OBJECTIVE = payload("Last quarter's objective", ATTRIBUTE)
PURPOSE = payload("Purpose", SCRIPT)
VALUE = payload("Value", ATTRIBUTE)
BHAG = payload("BHAG", TEMPLATE)
TARGET = payload("Target", f"{URL} {SVG}")


def plant(cast: Cast) -> dict[str, Any]:
    """Every payload, where a person could have typed it."""
    owner = cast.owner
    person = accounts.user_create(email="p@acme.test", full_name=PERSON, password=PASSWORD)
    accounts.membership_add(organization=cast.org, user=person, role=Role.MEMBER, by=owner)
    team = accounts.team_create(organization=cast.org, name=TEAM, parent=cast.company, by=owner)
    accounts.team_add_member(team=team, user=person, is_lead=True, by=owner)
    objective = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=team, by=owner, title=OBJECTIVE
    )
    kr = okrs.key_result_create(
        objective=objective,
        title=KEY_RESULT,
        baseline=Decimal(0),
        target=Decimal(10),
        owner=person,
        by=owner,
    )
    okrs.key_result_check_in(key_result=kr, by=person, value="4", confidence=6, note=NOTE)
    okrs.initiative_create(objective=objective, title=INITIATIVE, owner=person, by=owner)
    okrs.alignment_add(objective=objective, parent_objective=cast.objective, by=owner)
    kpi = kpis.kpi_create(
        organization=cast.org,
        name=KPI_NAME,
        key="xss",
        owner_team=team,
        target="100",
        yellow="80",
        by=owner,
    )
    today = cast.org.today()
    monday = today - dt.timedelta(days=today.weekday())
    for week in range(1, 4):
        kpis.measurement_record(
            kpi=kpi, period_start=monday - dt.timedelta(weeks=week), value="50", by=owner
        )
    kpis.objective_link_kpi(objective=objective, kpi=kpi, role="guardrail", by=owner)
    # A closed cycle, for the calibration page: its scores are history.
    end = cast.cycle.start_date - dt.timedelta(days=1)
    cycle = okrs.cycle_create(
        organization=cast.org,
        name=CYCLE,
        start_date=end - dt.timedelta(days=89),
        end_date=end,
        state=Cycle.State.ACTIVE,
        by=owner,
    )
    okrs.objective_create(
        organization=cast.org, cycle=cycle, owner_team=team, by=owner, title=OLD_OBJECTIVE
    )
    okrs.cycle_close(cycle=cycle, by=owner)
    strategic_plan_save(
        organization=cast.org,
        by=owner,
        purpose=PURPOSE,
        values=[VALUE],
        bhag=BHAG,
        annual_targets=[TARGET],
        profit_per_x=payload("Profit", SCRIPT),
        key_kpis=[kpi],
    )
    return {"objective": objective, "kr": kr, "kpi": kpi, "team": team, "cycle": cycle}


# (page, the URL's arguments, the payloads it must show as text)
PAGES: list[tuple[str, Any, list[str]]] = [
    ("home", lambda p, c: {}, []),
    ("team", lambda p, c: {"slug": p["team"].slug}, [TEAM, OBJECTIVE]),
    (
        "objective",
        lambda p, c: {"pk": p["objective"].pk},
        [OBJECTIVE, KEY_RESULT, NOTE, INITIATIVE, KPI_NAME, TEAM],
    ),
    ("tree", lambda p, c: {}, [OBJECTIVE]),
    ("cycle_tree", lambda p, c: {"pk": c.cycle.pk}, [OBJECTIVE]),
    ("cycles", lambda p, c: {}, [CYCLE]),
    ("cycle_review", lambda p, c: {"pk": c.cycle.pk}, [OBJECTIVE, TEAM]),
    ("cycle_review", lambda p, c: {"pk": p["cycle"].pk}, [CYCLE, OLD_OBJECTIVE]),
    ("scorecard", lambda p, c: {}, [KPI_NAME]),
    ("kpis", lambda p, c: {}, [KPI_NAME]),
    ("kpi", lambda p, c: {"pk": p["kpi"].pk}, [KPI_NAME]),
    ("health", lambda p, c: {}, [KPI_NAME]),
    ("plan", lambda p, c: {}, [PURPOSE, VALUE, BHAG, TARGET, KPI_NAME]),
    ("present", lambda p, c: {}, [OBJECTIVE]),
    ("calibration", lambda p, c: {}, [TEAM, CYCLE]),
    ("audit_log", lambda p, c: {}, [OBJECTIVE, PERSON]),
    ("people", lambda p, c: {}, [PERSON]),
]
# What would run had a payload been inserted as markup rather than text.
RUNNABLE = """() => [
    ...[...document.querySelectorAll("script:not([src])")]
        .filter((s) => s.textContent.includes("__xss")).map(() => "script"),
    ...[...document.querySelectorAll("[onerror], [onload]")].map((e) => e.tagName),
    ...[...document.querySelectorAll("a[href]")]
        .filter((a) => a.getAttribute("href").trim().toLowerCase().startsWith("javascript:"))
        .map(() => "javascript: link"),
]"""


def test_every_page_shows_the_payloads_as_text_and_runs_none(
    page: Any, live_server: Any, cast: Cast, log_in: Any
) -> None:
    planted = plant(cast)
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    log_in(cast.owner)
    problems = []
    for name, args, shown in PAGES:
        url = reverse(name, kwargs=args(planted, cast))
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, f"{url}: {response.status}"
        page.wait_for_load_state("load")
        if page.evaluate("typeof window.__xss") != "undefined":
            problems.append(f"{url}: a payload ran")
        # Hidden text counts (a check-in's history is folded away): it is text all the same.
        text = page.locator("body").text_content() or ""
        missing = [p for p in shown if p not in text]
        if missing:
            problems.append(f"{url}: not shown as text: {missing}")
        planted_markup = page.evaluate(RUNNABLE)
        if planted_markup:
            problems.append(f"{url}: payload markup in the page: {planted_markup}")
    assert not dialogs, f"dialogs opened: {dialogs}"
    assert not problems, "\n".join(problems)


def test_the_api_returns_the_payloads_as_json_data(cast: Cast, transactional_db: None) -> None:
    planted = plant(cast)
    _, secret = api_token_create(
        user=cast.owner,
        organization=cast.org,
        name="xss",
        scope="read",
        expires_on=None,
        by=cast.owner,
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    for url, field, expected in [
        (f"/api/v1/objectives/{planted['objective'].pk}", "title", OBJECTIVE),
        (f"/api/v1/key-results/{planted['kr'].pk}", "title", KEY_RESULT),
        (f"/api/v1/kpis/{planted['kpi'].pk}", "name", KPI_NAME),
        (f"/api/v1/teams/{planted['team'].pk}", "name", TEAM),
        (f"/api/v1/cycles/{planted['cycle'].pk}", "name", CYCLE),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].split(";")[0] == "application/json", url
        assert json.loads(response.content)[field] == expected, url
    checkins = client.get(f"/api/v1/key-results/{planted['kr'].pk}/check-ins")
    assert checkins["Content-Type"].split(";")[0] == "application/json"
    assert NOTE in [c["note"] for c in checkins.json()["items"]]
