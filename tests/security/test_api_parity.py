"""Everything a page can change, the API can change: every route that answers POST has
an API operation doing the same thing, or is a deliberate exception with its reason.

The routes are the isolation matrix's (``tests/security/routes.py``: a route that takes
a POST lists who may send one, and the matrix checks each of those roles really can);
the operations are the OpenAPI document's. A new form page without an operation fails
``test_every_page_that_writes_has_an_api_operation`` with the line to add.
"""

from __future__ import annotations

from tests.security.routes import PAGES
from tests.security.test_isolation_matrix import api_operations, route_names

# Page route -> the API operations that do what its POST does.
WRITES: dict[str, tuple[str, ...]] = {
    "objective_create": ("objective_new",),
    "objective_edit": ("objective_change",),
    "key_result_create": ("key_result_new",),
    "key_result_edit": ("key_result_change",),
    "key_result_check_in": ("checkin_new",),
    "initiative_create": ("initiative_new",),
    "alignment_add": ("alignment_new",),
    "alignment_remove": ("alignment_remove",),
    "cycles": ("cycle_new",),
    "cycle_activate": ("cycle_start",),
    "cycle_close": ("cycle_finish",),
    "cycle_fiscal_year": ("cycle_year_new",),
    "objective_score": ("objective_score_set",),
    "kpi_promote": ("kpi_promote",),
    "kpi_demote": ("kpi_demote",),
    "objective_link_kpi": ("objective_kpi_new",),
    "objective_unlink_kpi": ("objective_kpi_remove",),
    "key_result_link_kpi": ("key_result_kpi_set",),  # "kpi": null unlinks
    "plan_edit": ("plan_save",),
    "kpi_create": ("kpi_new",),
    "kpi_edit": ("kpi_change",),
    "kpi_archive": ("kpi_change",),  # is_active: false
    "kpi_unarchive": ("kpi_change",),  # is_active: true
    "kpi_target": ("kpi_target_new",),
    "measurement_record": ("measurement_new", "measurement_bulk"),
    "kpi_source": ("data_source_put", "data_source_test"),
    "kpi_source_pull": ("data_source_pull",),
    "kpi_source_delete": ("data_source_remove",),
    "api_tokens": ("token_new",),
    "api_token_revoke": ("token_remove",),
    "scim_tokens": ("scim_token_new",),
    "scim_token_revoke": ("scim_token_remove",),
    "organization_settings": ("organization_change",),
    "people": ("invitation_new",),
    "person_role": ("person_change",),
    "person_remove": ("person_remove",),
    "invitation_revoke": ("invitation_remove",),
    "reminder_settings": ("reminders_change",),
    "webhooks": ("webhook_new",),
    "webhook_ping": ("webhook_ping",),
    "webhook_pause": ("webhook_change",),  # active: false
    "webhook_resume": ("webhook_change",),  # active: true
    "webhook_rotate": ("webhook_rotate_secret",),
    "webhook_delete": ("webhook_remove",),
    "webhook_redeliver": ("delivery_redeliver",),
    "import_commit": ("measurement_bulk",),  # KPI values; OKR files: `tandem import`
}

# Deliberately without an operation, and why.
EXCEPTIONS: dict[str, str] = {
    "login": "signing in makes a browser session; the API is called with a token",
    "logout": "ends a browser session; a token is revoked with token_remove",
    "password_reset": "a browser flow sent by e-mail; a token needs no password",
    "organization_switch": "a token belongs to one organisation; there is nothing to switch",
    "coach_draft": "htmx preview of the coach's advice on a form being typed: writes nothing",
    "import": "uploads a file for the preview page; the API takes the rows themselves "
    "(measurement_bulk), the command line takes files (tandem import)",
    "reminder_test": "sends a test e-mail to the admin at the keyboard: a person's check of "
    "their own mailbox, not something a script does",
    "language_set": "the language the pages are drawn in, a person's own choice in the "
    "browser (or a visitor's cookie); the API answers in JSON, and the organisation's default "
    "language is set with organization_change",
    "notification_preferences": "a person's own choice of e-mails, made by that person in the "
    "browser; tokens often belong to a script's owner, who should not change it by accident",
}


def _posting_routes() -> set[str]:
    existing = set(route_names())
    return {page.name for page in PAGES if page.post is not None and page.name in existing}


def test_every_page_that_writes_has_an_api_operation() -> None:
    missing = sorted(_posting_routes() - set(WRITES) - set(EXCEPTIONS))
    assert not missing, (
        "Pages that take a POST but have no API operation: add the operation and list it "
        "in WRITES (tests/security/test_api_parity.py), or give the reason in EXCEPTIONS:\n"
        + "\n".join(f'    "{name}": ("<operationId>",),' for name in missing)
    )


def test_the_operations_named_exist() -> None:
    operations = {op for op, _, _ in api_operations()}
    unknown = sorted(
        {(page, op) for page, ops in WRITES.items() for op in ops if op not in operations}
    )
    assert not unknown, f"WRITES names operations the API does not have: {unknown}"


def test_the_lists_name_only_routes_that_take_a_post() -> None:
    posting = _posting_routes()
    stale = sorted((set(WRITES) | set(EXCEPTIONS)) - posting)
    assert not stale, f"Listed, but no such route takes a POST (remove them): {stale}"
    overlap = set(WRITES) & set(EXCEPTIONS)
    assert not overlap, f"Listed twice: {sorted(overlap)}"
