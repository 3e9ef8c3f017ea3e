"""The isolation matrix's table: every route and API operation, how to address it with
the world's objects, and who may use each verb.

HOW TO ADD A ROUTE (the matrix fails, naming the route, until you do):

1. A page (a name in a ``urls.py``): add ``Page("<url name>", ...)`` to ``PAGES``:
   - ``args``: the URL's keyword arguments, from the world (``tests/security/conftest.py``
     builds one of everything: ``w.objective``, ``w.kr``, ``w.kpi``, ``w.cycle``,
     ``w.team``, ``w.alignment``, ``w.link``, ``w.webhook``, ``w.delivery``...). Add an
     object to ``build_world``/``_extras`` there when yours is missing.
   - ``get`` / ``post``: the roles that may use the verb (``EVERYONE`` = the five roles
     of the organisation, ``WRITERS`` = all but viewers, ``EDITORS`` = owner, admin,
     editor, ``ADMINS`` = owner, admin, ``PUBLIC`` = anyone, signed in or not); leave a
     verb out (``None``) when the route does not answer it.
   - ``data``: the POST body; empty by default. A form error (400/422) counts as
     allowed: the request got past the permission check.
2. An API operation (``/api/v1``, named by its OpenAPI ``operationId``): add
   ``Op("<operationId>", ...)`` to ``OPERATIONS`` with ``args`` (path parameters),
   ``roles`` and a ``body`` that would succeed for an allowed role (the API validates
   the body before the operation checks the role, so an empty body would hide a
   missing check behind a 422).

Expected answers: an allowed role gets 2xx/3xx (or 400/422 for a POST); a role not
allowed gets 403; the outsider (owner of another organisation) gets 404 for any
route naming one of our objects and is otherwise treated as an owner of their own
organisation; anonymous gets a redirect to the login page (401 from the API).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.security.conftest import World

Roles = frozenset[str]
EVERYONE: Roles = frozenset({"owner", "admin", "editor", "member", "viewer"})
WRITERS: Roles = EVERYONE - {"viewer"}
EDITORS: Roles = frozenset({"owner", "admin", "editor"})
ADMINS: Roles = frozenset({"owner", "admin"})
PUBLIC: Roles = EVERYONE | {"outsider", "anonymous"}
# Routes outside the matrix, with the reason.
EXEMPT = {
    "admin": "Django's admin: its own staff permission, tested in tests/test_admin.py",
    "<unnamed ^api/v1/(?P<rest>.*)$>": "the API's problem-JSON 404 for unknown addresses",
    **{
        name: "SCIM: the organisation's provider token, not a session; each organisation's "
        "provider sees only its own people and teams (404), tested in tests/scim"
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
            "<unnamed ^scim/v2/(?P<rest>.*)$>",
        )
    },
}

Args = Callable[[World], dict[str, Any]]


def _none(w: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Page:
    name: str
    args: Args = _none
    get: Roles | None = None
    post: Roles | None = None
    data: Args = _none
    # The route names one of the organisation's objects: the outsider gets 404.
    scoped: bool | None = None
    # What a role not allowed gets: 403, or 404 where the object is someone else's
    # (an API token is its person's alone).
    refused: int = 403

    def names_an_object(self, w: World) -> bool:
        return bool(self.args(w)) if self.scoped is None else self.scoped


def obj(w: World) -> dict[str, Any]:
    return {"pk": w.objective.pk}


def kr(w: World) -> dict[str, Any]:
    return {"pk": w.kr.pk}


def kpi(w: World) -> dict[str, Any]:
    return {"pk": w.kpi.pk}


def cycle(w: World) -> dict[str, Any]:
    return {"pk": w.cycle.pk}


def hook(w: World) -> dict[str, Any]:
    return {"pk": w.webhook.pk}


def delivery(w: World) -> dict[str, Any]:
    return {"pk": w.webhook.pk, "delivery_pk": w.delivery.pk}


PAGES: list[Page] = [
    # -- signing in, public pages -------------------------------------------------------
    Page("login", get=PUBLIC, post=PUBLIC),
    Page("logout", post=PUBLIC),
    # The language menu: a signed-in person's choice goes to their profile, a visitor's
    # to a cookie; nothing of an organisation is named in it.
    Page("language_set", post=PUBLIC, data=lambda w: {"language": "de"}, scoped=False),
    Page("password_reset", get=PUBLIC, post=PUBLIC),
    Page("password_reset_done", get=PUBLIC),
    Page(
        "password_reset_confirm",
        args=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        get=PUBLIC,
        scoped=False,
    ),
    Page("password_reset_complete", get=PUBLIC),
    Page(
        "invitation_accept",
        args=lambda w: {"token": w.invitation_token},
        get=PUBLIC,
        scoped=False,
    ),
    Page("api-v1:openapi-json", get=PUBLIC),
    Page("api-v1:openapi-view", get=PUBLIC),
    Page("favicon", get=PUBLIC),
    # -- everyday pages -----------------------------------------------------------------
    Page("home", get=EVERYONE),
    Page(
        "organization_switch",
        post=EVERYONE,
        data=lambda w: {"organization": w.org.pk},
        scoped=True,
    ),
    Page("teams", get=EVERYONE),
    Page("team", args=lambda w: {"slug": w.team.slug}, get=EVERYONE),
    Page("objective_create", get=WRITERS, post=WRITERS),
    Page("objective", args=obj, get=EVERYONE),
    # The objective is Sales', and the member is in Sales.
    Page("objective_edit", args=obj, get=WRITERS, post=WRITERS),
    Page("key_result_create", args=obj, get=WRITERS, post=WRITERS),
    Page("initiative_create", args=obj, post=WRITERS),
    Page("alignment_add", args=obj, post=WRITERS),
    Page("alignment_remove", args=lambda w: {"pk": w.alignment.pk}, post=WRITERS),
    Page("key_result_edit", args=kr, get=WRITERS, post=WRITERS),
    Page("key_result_check_in", args=kr, post=WRITERS),
    Page("coach_draft", post=EVERYONE),
    # -- cycles and the tree ------------------------------------------------------------
    Page("cycles", get=EVERYONE, post=EDITORS),
    Page("cycle_fiscal_year", post=EDITORS),
    Page("cycle_activate", args=cycle, post=EDITORS),
    Page("cycle_close", args=cycle, get=EDITORS, post=EDITORS),
    Page("cycle_review", args=cycle, get=EVERYONE),
    Page("cycle_tree", args=cycle, get=EVERYONE),
    Page(
        "cycle_tree_branch",
        args=lambda w: {"pk": w.cycle.pk, "objective_pk": w.parent.pk},
        get=EVERYONE,
    ),
    Page(
        "cycle_tree_group",
        args=lambda w: {"pk": w.cycle.pk, "key": f"team-{w.company.pk}"},
        get=EVERYONE,
    ),
    Page("tree", get=EVERYONE),
    # Editors, and the objective's owner: its person or a lead of its team.
    Page("objective_score", args=obj, get=EDITORS, post=EDITORS),
    Page("cycle_coach", args=cycle, get=EVERYONE),
    # -- KPIs and health ----------------------------------------------------------------
    Page("health", get=EVERYONE),
    Page("kpi_promote", args=kpi, get=EDITORS, post=EDITORS),
    Page("kpi_demote", args=kpi, get=EDITORS, post=EDITORS),
    Page("objective_link_kpi", args=obj, get=WRITERS, post=WRITERS),
    Page("objective_unlink_kpi", args=lambda w: {"pk": w.link.pk}, post=WRITERS),
    Page("key_result_link_kpi", args=kr, post=WRITERS),
    Page("scorecard", get=EVERYONE),
    Page("kpis", get=EVERYONE),
    Page("kpi_create", get=EDITORS, post=EDITORS),
    Page("kpi", args=kpi, get=EVERYONE),
    Page("kpi_edit", args=kpi, get=EDITORS, post=EDITORS),
    Page("kpi_archive", args=kpi, post=EDITORS),
    Page("kpi_unarchive", args=kpi, post=EDITORS),
    Page("kpi_target", args=kpi, post=EDITORS),
    # The KPI is Sales': the member enters its values.
    Page("measurement_record", args=kpi, post=WRITERS),
    Page("kpi_source", args=kpi, get=EDITORS, post=ADMINS),
    Page("kpi_source_pull", args=kpi, post=ADMINS),
    Page("kpi_source_delete", args=kpi, post=ADMINS),
    # -- imports, audit, reports --------------------------------------------------------
    Page("import", get=WRITERS, post=WRITERS),
    Page("import_preview", get=WRITERS),
    Page("import_commit", post=WRITERS),
    Page("audit_log", get=ADMINS),
    Page("audit_export", get=ADMINS),
    Page("plan", get=EVERYONE),
    Page("calibration", get=EVERYONE),
    Page("plan_edit", get=ADMINS, post=ADMINS),
    Page("plan_pdf", get=EVERYONE),
    Page("present", get=EVERYONE),
    Page(
        "cycle_review_export",
        args=lambda w: {"pk": w.cycle.pk, "kind": "csv"},
        get=EVERYONE,
    ),
    Page("scorecard_export", args=lambda w: {"kind": "csv"}, get=EVERYONE, scoped=False),
    # -- settings: owners and admins ----------------------------------------------------
    Page("api_tokens", get=EVERYONE, post=EVERYONE),
    Page(
        "api_token_revoke",
        args=lambda w: {"pk": w.member_token.pk},
        post=frozenset({"member"}),
        refused=404,
    ),
    Page("organization_settings", get=ADMINS, post=ADMINS),
    Page("people", get=ADMINS, post=ADMINS),
    Page("person_role", args=lambda w: {"pk": w.viewer_membership.pk}, post=ADMINS),
    Page("person_remove", args=lambda w: {"pk": w.viewer_membership.pk}, post=ADMINS),
    Page("invitation_revoke", args=lambda w: {"pk": w.invitation.pk}, post=ADMINS),
    Page("reminder_settings", get=ADMINS, post=ADMINS),
    Page("scim_tokens", get=ADMINS, post=ADMINS, data=lambda w: {"name": "Okta"}),
    Page("scim_token_revoke", args=lambda w: {"pk": w.scim_token.pk}, post=ADMINS),
    Page("reminder_test", post=ADMINS),
    Page("notification_preferences", get=EVERYONE, post=EVERYONE),
    Page("webhooks", get=ADMINS, post=ADMINS),
    Page("webhook", args=hook, get=ADMINS),
    Page("webhook_ping", args=hook, post=ADMINS),
    Page("webhook_pause", args=hook, post=ADMINS),
    Page("webhook_resume", args=hook, post=ADMINS),
    Page("webhook_rotate", args=hook, post=ADMINS),
    Page("webhook_delete", args=hook, post=ADMINS),
    Page("webhook_delivery", args=delivery, get=ADMINS),
    Page("webhook_redeliver", args=delivery, post=ADMINS),
]


@dataclass(frozen=True)
class Op:
    """One API operation. ``roles`` may call it; ``body`` would succeed for them."""

    operation: str
    roles: Roles
    args: Args = _none
    body: Args | None = None
    # Query string for a GET.
    query: dict[str, Any] = field(default_factory=dict)
    # What a role not allowed gets: 403, or 404 where the object is someone else's.
    refused: int = 403


def objective_id(w: World) -> dict[str, Any]:
    return {"objective_id": w.objective.pk}


def key_result_id(w: World) -> dict[str, Any]:
    return {"key_result_id": w.kr.pk}


def kpi_id(w: World) -> dict[str, Any]:
    return {"kpi_id": w.kpi.pk}


def webhook_id(w: World) -> dict[str, Any]:
    return {"webhook_id": w.webhook.pk}


def viewer_id(w: World) -> dict[str, Any]:
    return {"user_id": w.people["viewer"].pk}


# A public address (no name to resolve): the test never sends anything to it.
HOOK_URL = "https://93.184.215.14/tandem-hook"
SQL_SOURCE = {"kind": "sql", "url": "sqlite:///missing.sqlite3", "query": "SELECT day, n FROM t"}


OPERATIONS: list[Op] = [
    Op("team_list", EVERYONE),
    Op("team_read", EVERYONE, lambda w: {"team_id": w.team.pk}),
    Op("person_list", EVERYONE),
    Op("person_read", EVERYONE, lambda w: {"user_id": w.member.pk}),
    Op("cycle_list", EVERYONE),
    Op("cycle_read", EVERYONE, lambda w: {"cycle_id": w.cycle.pk}),
    Op(
        "cycle_new",
        EDITORS,
        body=lambda w: {"name": "Next", "start_date": "2031-01-01", "end_date": "2031-03-31"},
    ),
    Op("objective_list", EVERYONE),
    Op("objective_read", EVERYONE, objective_id),
    Op(
        "objective_new",
        WRITERS,
        body=lambda w: {"cycle": w.cycle.pk, "title": "Delight customers", "owner_team": w.team.pk},
    ),
    Op(
        "objective_change",
        WRITERS,
        objective_id,
        body=lambda w: {"title": "Renamed", "version": w.objective.version},
    ),
    Op("objective_remove", WRITERS, objective_id),
    Op("key_result_list", EVERYONE),
    Op("key_result_read", EVERYONE, key_result_id),
    Op(
        "key_result_new",
        WRITERS,
        body=lambda w: {
            "objective": w.objective.pk,
            "title": "Ship it",
            "kind": "milestone",
        },
    ),
    Op(
        "key_result_change",
        WRITERS,
        key_result_id,
        body=lambda w: {"title": "Renamed", "version": w.kr.version},
    ),
    Op("key_result_remove", WRITERS, key_result_id),
    Op("checkin_list", EVERYONE, key_result_id),
    Op("checkin_new", WRITERS, key_result_id, body=lambda w: {"value": "10", "confidence": 7}),
    Op("initiative_list", EVERYONE),
    Op("initiative_read", EVERYONE, lambda w: {"initiative_id": w.initiative.pk}),
    Op(
        "initiative_new",
        WRITERS,
        body=lambda w: {"objective": w.objective.pk, "title": "Another"},
    ),
    Op(
        "initiative_change",
        WRITERS,
        lambda w: {"initiative_id": w.initiative.pk},
        body=lambda w: {"status": "in_progress"},
    ),
    Op("initiative_remove", WRITERS, lambda w: {"initiative_id": w.initiative.pk}),
    Op("alignment_list", EVERYONE),
    Op("alignment_read", EVERYONE, lambda w: {"alignment_id": w.alignment.pk}),
    Op(
        "alignment_new",
        WRITERS,
        body=lambda w: {"objective": w.objective.pk, "parent_key_result": w.parent_kr.pk},
    ),
    Op("alignment_remove", WRITERS, lambda w: {"alignment_id": w.alignment.pk}),
    Op("kpi_list", EVERYONE),
    Op("kpi_read", EVERYONE, kpi_id),
    Op("kpi_new", EDITORS, body=lambda w: {"name": "Churn"}),
    Op("kpi_change", EDITORS, kpi_id, body=lambda w: {"name": "Sales", "version": w.kpi.version}),
    Op("measurement_list", EVERYONE, kpi_id),
    Op(
        "measurement_new",
        WRITERS,
        kpi_id,
        body=lambda w: {"period_start": w.week, "value": "5"},
    ),
    Op(
        "measurement_bulk",
        WRITERS,
        body=lambda w: {"rows": [{"kpi": w.kpi.key, "period_start": w.week, "value": "5"}]},
    ),
    Op("cycle_year_new", EDITORS, body=lambda w: {"year": 2031}),
    Op(
        "objective_score_set",
        EDITORS,
        lambda w: {"objective_id": w.closed_objective.pk},
        body=lambda w: {"score": "0.5", "reason": "Signed after the close."},
    ),
    Op("promotion_list", EVERYONE, lambda w: {"kpi_id": w.promoted.pk}),
    Op(
        "kpi_promote",
        EDITORS,
        lambda w: {"kpi_id": w.promotable.pk},
        body=lambda w: {"cycle": w.cycle.pk},
    ),
    Op("kpi_demote", EDITORS, lambda w: {"kpi_id": w.promoted.pk}, body=lambda w: {}),
    Op("objective_kpi_list", EVERYONE, objective_id),
    Op(
        "objective_kpi_new",
        WRITERS,
        objective_id,
        body=lambda w: {"kpi": w.promotable.pk, "role": "indicator"},
    ),
    Op(
        "objective_kpi_remove",
        WRITERS,
        lambda w: {"objective_id": w.objective.pk, "kpi_id": w.kpi.pk},
    ),
    Op("key_result_kpi_set", WRITERS, key_result_id, body=lambda w: {"kpi": w.kpi.pk}),
    Op("plan_read", EVERYONE),
    Op(
        "plan_save",
        ADMINS,
        body=lambda w: {"purpose": "Run IT for every client.", "version": w.plan.version},
    ),
    Op("cycle_start", EDITORS, lambda w: {"cycle_id": w.cycle.pk}),
    Op("cycle_finish", EDITORS, lambda w: {"cycle_id": w.cycle.pk}),
    Op(
        "kpi_target_new",
        EDITORS,
        kpi_id,
        body=lambda w: {"effective_from": w.week, "target": "120"},
    ),
    # -- running the organisation -------------------------------------------------------
    Op("organization_read", EVERYONE),
    Op("organization_change", ADMINS, body=lambda w: {"name": "Acme Corp"}),
    Op("invitation_list", ADMINS),
    Op("invitation_new", ADMINS, body=lambda w: {"email": "someone@acme.test"}),
    Op("invitation_remove", ADMINS, lambda w: {"invitation_id": w.invitation.pk}),
    Op("token_list", EVERYONE),
    Op("token_new", EVERYONE, body=lambda w: {"name": "Nightly load", "scope": "read"}),
    Op(
        "token_remove",
        frozenset({"member"}),
        lambda w: {"token_id": w.member_token.pk},
        refused=404,
    ),
    Op("scim_token_list", ADMINS),
    Op("scim_token_new", ADMINS, body=lambda w: {"name": "Entra"}),
    Op("scim_token_remove", ADMINS, lambda w: {"scim_token_id": w.scim_token.pk}),
    Op("reminders_read", ADMINS),
    Op("reminders_change", ADMINS, body=lambda w: {"digest_enabled": False}),
    Op("scorecard_read", EVERYONE),
    Op("team_new", ADMINS, body=lambda w: {"name": "Research", "parent": None}),
    Op(
        "team_change",
        ADMINS,
        lambda w: {"team_id": w.team.pk},
        body=lambda w: {"name": "Sales and success"},
    ),
    Op("team_remove", ADMINS, lambda w: {"team_id": w.empty_team.pk}),
    Op("person_change", ADMINS, viewer_id, body=lambda w: {"title": "Analyst"}),
    Op("person_remove", ADMINS, viewer_id),
    Op("webhook_list", ADMINS),
    Op(
        "webhook_new",
        ADMINS,
        body=lambda w: {"url": HOOK_URL, "events": ["checkin.created"]},
    ),
    Op("webhook_read", ADMINS, webhook_id),
    Op("webhook_change", ADMINS, webhook_id, body=lambda w: {"description": "Slack relay"}),
    Op("webhook_remove", ADMINS, webhook_id),
    Op("webhook_rotate_secret", ADMINS, webhook_id),
    Op("webhook_ping", ADMINS, webhook_id),
    Op("delivery_list", ADMINS, webhook_id),
    Op(
        "delivery_redeliver",
        ADMINS,
        lambda w: {"webhook_id": w.webhook.pk, "delivery_id": w.delivery.pk},
    ),
    Op("data_source_read", EDITORS, kpi_id),
    Op("data_source_put", ADMINS, kpi_id, body=lambda w: SQL_SOURCE),
    Op("data_source_remove", ADMINS, kpi_id),
    Op("data_source_test", ADMINS, kpi_id, body=lambda w: SQL_SOURCE),
    Op("data_source_pull", ADMINS, kpi_id),
]
