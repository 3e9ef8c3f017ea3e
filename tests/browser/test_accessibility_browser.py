"""Every page of the demo organisation, checked by axe-core: no serious or critical
violation; every chart has its data table.

The pages come from the URL configuration: each named route is in ``VISITS`` (how to
open it on the demo) or is not a page, for the reason in ``NOT_PAGES`` (or because it
answers POST only, as the isolation matrix's table in ``tests/security/routes.py``
says). A new route fails ``test_every_route_is_visited_or_is_not_a_page`` until it is
placed in one of them. docs/development.md says how.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tandem.accounts import services as accounts
from tandem.accounts import tokens
from tandem.accounts.models import Role, Team, User
from tandem.demo import builder as demo
from tandem.integrations.pulls import data_source_save
from tandem.kpis import services as kpi_services
from tandem.kpis.models import KPI
from tandem.okrs.models import Cycle, Objective
from tandem.scim.services import scim_token_create
from tandem.webhooks.models import Delivery, Subscription
from tests.browser.axe import axe_violations, describe
from tests.conftest import PASSWORD
from tests.security.routes import PAGES as MATRIX_PAGES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WATERMELON = "Turn more free trials into paying clients"
RED_KPI = "Report turnaround time (days)"


@dataclass
class Demo:
    """The demo organisation, with the few objects it lacks that a page needs."""

    summary: demo.DemoSummary
    viewer: User
    quarter: Cycle
    closed: Cycle
    objective: Objective
    closed_objective: Objective
    kpis: list[KPI]
    promoted: KPI
    sourced: KPI
    webhook: Subscription
    delivery: Delivery
    invitation_token: str
    reset_path: str

    @property
    def org(self) -> Any:
        return self.summary.organization


def _build_demo() -> Demo:
    summary = demo.demo_load(password=PASSWORD)
    org, owner = summary.organization, summary.owner
    quarter = Cycle.objects.get(organization=org, kind=Cycle.Kind.QUARTER, state=Cycle.State.ACTIVE)
    closed = (
        Cycle.objects.filter(organization=org, state=Cycle.State.CLOSED)
        .order_by("-end_date")
        .first()
    )
    assert closed is not None
    kpis = list(KPI.objects.filter(organization=org).order_by("pk"))
    red = next(k for k in kpis if k.name == RED_KPI)
    kpi_services.kpi_promote(kpi=red, cycle=quarter, by=owner)
    sourced = next(k for k in kpis if k != red)
    data_source_save(
        kpi=sourced,
        by=owner,
        data={"kind": "sql", "url": "sqlite:///missing.sqlite3", "query": "SELECT day, n FROM t"},
    )
    webhook = Subscription.objects.create(
        organization=org, url="https://hooks.northwind.example/tandem", secret="s" * 40, events=[]
    )
    delivery = Delivery.objects.create(
        organization=org, subscription=webhook, event="ping", payload={"event": "ping"}
    )
    invitation = accounts.invitation_create(
        organization=org, email="newcomer@northwind.example", role=Role.MEMBER, by=owner
    )
    scim_token_create(organization=org, name="Okta", by=owner)
    viewer = User.objects.get(memberships__organization=org, memberships__role=Role.VIEWER)
    reset_path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
            "token": default_token_generator.make_token(owner),
        },
    )
    return Demo(
        summary=summary,
        viewer=viewer,
        quarter=quarter,
        closed=closed,
        objective=Objective.objects.get(organization=org, title=WATERMELON),
        closed_objective=Objective.objects.filter(cycle=closed).order_by("pk").first(),  # type: ignore[arg-type]
        kpis=kpis,
        promoted=red,
        sourced=sourced,
        webhook=webhook,
        delivery=delivery,
        invitation_token=tokens.invitation_token(invitation),
        reset_path=reset_path,
    )


Paths = Callable[[Demo], list[str]]


def at(name: str, **kwargs: Callable[[Demo], Any]) -> Paths:
    return lambda d: [reverse(name, kwargs={k: f(d) for k, f in kwargs.items()})]


def _import_preview(page: Any, base: str, d: Demo) -> None:
    """The preview is reached by uploading a file: the shipped example OKR sheet."""
    page.goto(f"{base}{reverse('import')}")
    page.get_by_label("File", exact=True).set_input_files(
        str(ROOT / "docs" / "examples" / "okrs.csv")
    )
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(f"**{reverse('import_preview')}")


@dataclass(frozen=True)
class Visit:
    name: str
    paths: Paths | None = None
    # Pages reached through a form rather than by their address.
    open: Callable[[Any, str, Demo], None] | None = None
    who: str = "owner"  # "owner", "viewer" or "anonymous"
    status: int = 200
    # The address moves on (a password-reset link drops its token from the address).
    redirects: bool = False
    # Parts of the page axe leaves out, with the reason in a comment at the visit.
    exclude: tuple[str, ...] = ()

    def addresses(self, d: Demo) -> list[str]:
        if self.paths is not None:
            return self.paths(d)
        return [reverse(self.name)]


def _kpi(d: Demo) -> int:
    return d.kpis[0].pk


VISITS: list[Visit] = [
    # -- signing in: nobody signed in ---------------------------------------------------
    Visit("login", who="anonymous"),
    Visit("password_reset", who="anonymous"),
    Visit("password_reset_done", who="anonymous"),
    Visit("password_reset_confirm", lambda d: [d.reset_path], who="anonymous", redirects=True),
    Visit("password_reset_complete", who="anonymous"),
    Visit(
        "invitation_accept",
        at("invitation_accept", token=lambda d: d.invitation_token),
        who="anonymous",
    ),
    # -- everyday pages -----------------------------------------------------------------
    Visit("home"),
    Visit("teams"),
    Visit(
        "team",
        lambda d: [
            reverse("team", args=[slug])
            for slug in Team.objects.filter(organization=d.org).values_list("slug", flat=True)
        ],
    ),
    Visit("objective_create"),
    Visit(
        "objective",
        lambda d: [
            reverse("objective", args=[d.objective.pk]),
            reverse("objective", args=[d.closed_objective.pk]),
        ],
    ),
    Visit("objective_edit", at("objective_edit", pk=lambda d: d.objective.pk)),
    Visit("key_result_create", at("key_result_create", pk=lambda d: d.objective.pk)),
    Visit(
        "key_result_edit",
        at("key_result_edit", pk=lambda d: d.objective.key_results.earliest("pk").pk),
    ),
    Visit("objective_link_kpi", at("objective_link_kpi", pk=lambda d: d.objective.pk)),
    Visit("objective_score", at("objective_score", pk=lambda d: d.closed_objective.pk)),
    # -- cycles and the tree ------------------------------------------------------------
    Visit("cycles"),
    Visit("cycle_close", at("cycle_close", pk=lambda d: d.quarter.pk)),
    Visit("cycle_review", at("cycle_review", pk=lambda d: d.closed.pk)),
    Visit("cycle_coach", at("cycle_coach", pk=lambda d: d.quarter.pk)),
    Visit(
        "cycle_tree",
        lambda d: [
            reverse("cycle_tree", args=[d.quarter.pk]),
            reverse("cycle_tree", args=[d.closed.pk]),
        ],
    ),
    Visit("tree"),
    Visit("calibration"),
    # -- KPIs and health ----------------------------------------------------------------
    Visit("health"),
    Visit("scorecard"),
    Visit("kpis"),
    Visit("kpi_create"),
    # Every KPI of the demo: the promoted, the corrected, monthly and weekly ones.
    Visit("kpi", lambda d: [reverse("kpi", args=[k.pk]) for k in d.kpis]),
    Visit("kpi_edit", at("kpi_edit", pk=_kpi)),
    Visit("kpi_promote", at("kpi_promote", pk=lambda d: d.kpis[1].pk)),
    Visit("kpi_demote", at("kpi_demote", pk=lambda d: d.promoted.pk)),
    Visit(
        "kpi_source",
        lambda d: [
            reverse("kpi_source", args=[d.sourced.pk]),
            reverse("kpi_source", args=[d.promoted.pk]),
        ],
    ),
    # -- imports, audit, reports --------------------------------------------------------
    Visit("import"),
    Visit("import_preview", open=_import_preview),
    Visit("audit_log", lambda d: ["/audit/", "/audit/?action=checkin."]),
    Visit("plan"),
    Visit("plan_edit"),
    Visit("present"),
    # -- settings -----------------------------------------------------------------------
    Visit("organization_settings"),
    Visit("people"),
    Visit("api_tokens"),
    Visit("scim_tokens"),
    Visit("reminder_settings"),
    Visit("notification_preferences"),
    Visit("webhooks"),
    Visit("webhook", at("webhook", pk=lambda d: d.webhook.pk)),
    Visit(
        "webhook_delivery",
        at("webhook_delivery", pk=lambda d: d.webhook.pk, delivery_pk=lambda d: d.delivery.pk),
    ),
    # The API's documentation: Tandem's page around Swagger UI, whose own widget (shipped
    # by Django Ninja, its colours and its nested controls) is not Tandem's markup.
    Visit("api-v1:openapi-view", who="anonymous", exclude=("#swagger-ui",)),
]

# Pages that are no route: what a refusal and a missing page look like.
ERROR_VISITS: list[Visit] = [
    Visit("403", lambda d: [reverse("audit_log")], who="viewer", status=403),
    Visit("404", lambda d: ["/objectives/999999999/"], status=404),
]

# Routes that are not pages a person reads, and why. Routes that answer POST only are
# taken from the isolation matrix's table (their ``get`` is None) and need no line here.
NOT_PAGES = {
    "admin": "Django's admin, for the operators' staff accounts (docs/operations.md)",
    "api-v1": "the JSON API (docs/api.md); its documentation page is visited above",
    "favicon": "the icon, not a page",
    "audit_export": "a CSV file",
    "plan_pdf": "a PDF file",
    "cycle_review_export": "a PDF, CSV or Excel file",
    "scorecard_export": "a PDF, CSV or Excel file",
    "cycle_tree_branch": "a part of the tree page, fetched when a branch opens; checked there",
    "cycle_tree_group": "a part of the tree page, fetched when a group opens; checked there",
    **{
        name: "SCIM, JSON for an identity provider (docs/api.md)"
        for name in (
            "scim_users",
            "scim_user",
            "scim_groups",
            "scim_group",
            "scim_service_provider_config",
            "scim_resource_types",
            "scim_resource_type",
            "scim_schemas",
            "scim_schema",
        )
    },
}


def _route_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner in NOT_PAGES:
                # A whole namespace that is not pages, save the ones visited.
                visited = {v.name for v in VISITS}
                yield from (n for n in _route_names(pattern.url_patterns, inner) if n in visited)
                continue
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_route_is_visited_or_is_not_a_page() -> None:
    post_only = {page.name for page in MATRIX_PAGES if page.get is None}
    visited = {visit.name for visit in VISITS}
    missing = sorted(
        name
        for name in set(_route_names(get_resolver().url_patterns))
        if name not in visited and name not in NOT_PAGES and name not in post_only
    )
    assert not missing, (
        "Routes neither visited by the accessibility test nor listed as not pages "
        "(tests/browser/test_accessibility_browser.py VISITS or NOT_PAGES):\n"
        + "\n".join(f'    Visit("{name}", at("{name}", pk=...)),' for name in missing)
    )
    # A page that also answers GET is never waved through as POST-only.
    assert not (visited & post_only), visited & post_only


# -- the browser ----------------------------------------------------------------------------


@pytest.fixture
def northwind(transactional_db: None) -> Demo:
    return _build_demo()


class Browsers:
    """One signed-in browser context per person the visits need."""

    def __init__(self, browser: Any, base: str, d: Demo, width: int = 1280) -> None:
        self.browser, self.base, self.demo = browser, base, d
        self.width = width
        self.pages: dict[str, Any] = {}
        self.contexts: list[Any] = []

    def page(self, who: str) -> Any:
        if who not in self.pages:
            context = self.browser.new_context(viewport={"width": self.width, "height": 900})
            self.contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(15_000)
            if who != "anonymous":
                user = self.demo.summary.owner if who == "owner" else self.demo.viewer
                page.goto(f"{self.base}/login/")
                page.get_by_label("E-mail").fill(user.email)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url(f"{self.base}/")
            self.pages[who] = page
        return self.pages[who]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(browser: Any, live_server: Any, northwind: Demo) -> Iterator[Browsers]:
    opened = Browsers(browser, live_server.url, northwind)
    yield opened
    opened.close()


def _each_page(browsers: Browsers, visits: list[Visit]) -> Iterator[tuple[str, Visit, Any]]:
    """Open every address of ``visits``; yield it with the page, checked to be the one
    asked for (its status, no redirect elsewhere)."""
    base, d = browsers.base, browsers.demo
    for visit in visits:
        page = browsers.page(visit.who)
        if visit.open is not None:
            visit.open(page, base, d)
            yield visit.name, visit, page
            continue
        for path in visit.addresses(d):
            response = page.goto(f"{base}{path}")
            assert response is not None, path
            assert response.status == visit.status, (path, response.status)
            if not visit.redirects:
                assert page.url.split("#")[0] == f"{base}{path}", (path, page.url)
            yield path, visit, page


# A desktop and a phone: the phone's layout folds the navigation, turns the scorecard
# into cards and scrolls wide tables inside their cards.
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_no_page_has_a_serious_or_critical_accessibility_violation(
    browser: Any, live_server: Any, northwind: Demo, width: int
) -> None:
    browsers = Browsers(browser, live_server.url, northwind, width=width)
    found: list[str] = []
    checked = 0
    try:
        for path, visit, page in _each_page(browsers, VISITS + ERROR_VISITS):
            violations = axe_violations(page, exclude=visit.exclude)
            checked += 1
            if violations:
                found.append(describe(path, violations))
    finally:
        browsers.close()
    assert checked > 60, checked  # every team, KPI and settings page of the demo
    assert not found, "\n".join(found)


def test_a_table_wider_than_a_phone_scrolls_by_keyboard(
    browser: Any, live_server: Any, northwind: Demo
) -> None:
    """On a phone a KPI's data table (ARR's millions are wide) scrolls inside its card;
    with no link in it, the card takes the focus so that the arrow keys scroll it, and
    gives the focus up once the table fits."""
    arr = next(k for k in northwind.kpis if k.name == "Annual recurring revenue (ARR)")
    browsers = Browsers(browser, live_server.url, northwind, width=390)
    try:
        page = browsers.page("owner")
        page.goto(f"{live_server.url}{reverse('kpi', args=[arr.pk])}")
        page.locator("details.data-table > summary").first.click()
        scroller = page.locator("details.data-table[open] .table-scroll").first
        page.wait_for_function(
            "el => el.getAttribute('tabindex') === '0'", arg=scroller.element_handle()
        )
        assert scroller.get_attribute("role") == "region"
        assert scroller.get_attribute("aria-label")  # the table's caption
        scroller.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("End")
        page.wait_for_function("el => el.scrollLeft > 0", arg=scroller.element_handle())
        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_function("el => !el.hasAttribute('tabindex')", arg=scroller.element_handle())
        assert scroller.get_attribute("role") is None
    finally:
        browsers.close()


def test_the_tree_s_opened_branches_have_no_serious_or_critical_violation(
    browsers: Browsers,
) -> None:
    page = browsers.page("owner")
    page.goto(f"{browsers.base}{reverse('tree')}")
    # Open every branch and group the page folds, as far down as they go.
    for _ in range(6):
        closed = page.locator("details:not([open])")
        if closed.count() == 0:
            break
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")
        page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    assert not violations, describe("/tree/ opened", violations)


# Every drawing in a page is either hidden from screen readers (an icon; a scorecard
# sparkline, whose row is its data) or a chart with a table of its numbers.
CHART_TABLES = """() => [...document.querySelectorAll('svg:not([aria-hidden=true])')].map(svg => {
  const ids = [svg.getAttribute('aria-details'), svg.getAttribute('aria-describedby')]
    .filter(Boolean).join(' ').split(/\\s+/).filter(Boolean);
  const referenced = ids.map(id => document.getElementById(id)).filter(Boolean);
  const figure = svg.closest('figure');
  const holders = [...referenced, ...(figure ? [figure] : [])];
  const table = holders
    .map(el => el.tagName === 'TABLE' ? el : el.querySelector('table'))
    .find(Boolean);
  return {
    chart: svg.getAttribute('role') === 'img'
      ? svg.getAttribute('aria-labelledby') || svg.outerHTML.slice(0, 80)
      : 'no role=img: ' + svg.outerHTML.slice(0, 80),
    rows: table ? table.querySelectorAll('tbody tr').length : -1,
    headers: table ? table.querySelectorAll('th').length : 0,
  };
})"""


def test_every_chart_on_the_demo_pages_has_its_data_table(browsers: Browsers) -> None:
    charts = 0
    without: list[str] = []
    for path, _visit, page in _each_page(browsers, VISITS):
        for chart in page.evaluate(CHART_TABLES):
            charts += 1
            if chart["rows"] < 1 or chart["headers"] < 1 or chart["chart"].startswith("no role"):
                without.append(f"{path}: {chart['chart']}")
    # The objective pages' key-result histories and every KPI's trend at least.
    assert charts >= len(browsers.demo.kpis), charts
    assert not without, "Charts without a data table:\n" + "\n".join(without)
