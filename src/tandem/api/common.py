"""Helpers every router shares: cursor pages, references in bodies, and versions."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from ninja import Header, Query
from pydantic import Field

from tandem.accounts import selectors as accounts
from tandem.accounts.models import Organization, User
from tandem.api.errors import ApiError

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
M = TypeVar("M", bound=Model)

# The parameters every list and every update takes, declared once.
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
IF_MATCH = Header(None, alias="If-Match", description="The ETag read with GET.")

# Ids are 64-bit integers on every database Tandem runs on. A larger number names no
# row, and must not reach the database: SQLite cannot even bind it (a 500, not a 404).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _encode(after: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        after = None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_ID:
        raise ApiError(
            422,
            "cursor: this cursor was not given by Tandem; pass back the `next` of a page.",
            errors=[{"field": "cursor", "message": "Not a cursor given by Tandem."}],
        )
    return after


def paginate(
    rows: QuerySet[M],
    *,
    cursor: str | None,
    limit: int,
    key: str = "pk",
    shape: Callable[[M], Any] | None = None,
) -> dict[str, Any]:
    """One page of ``rows`` (a selector's) in the order of ``key`` (a unique integer
    column), each item passed through ``shape`` when the schema wants more than the row.

    The cursor is the last key seen, so rows added or removed meanwhile never make a
    walk skip or repeat a row, and every page costs the same however deep it is.
    """
    if cursor:
        rows = rows.filter(**{f"{key}__gt": _decode(cursor)})
    items = list(rows.order_by(key)[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    last = getattr(items[-1], key) if items and more else None
    shown = [shape(item) for item in items] if shape is not None else items
    return {"items": shown, "next": _encode(last) if last is not None else None}


def ref(get: Callable[..., M], field: str, pk: int | None, what: str, **scope: Any) -> M | None:
    """The object a body refers to by id, read by the selector that reads it at its own
    address (``get(pk=pk, **scope)``); one it does not find is a 422 naming the field
    (the body is wrong, not the address)."""
    if pk is None:
        return None
    try:
        return get(pk=pk, **scope)
    except Http404:
        raise ApiError(
            422,
            f"{field}: no {what} #{pk} in this organisation.",
            errors=[{"field": field, "message": f"No {what} #{pk} in this organisation."}],
        ) from None


def member(organization: Organization, field: str, pk: int | None) -> User | None:
    return ref(accounts.user_get, field, pk, "person", organization=organization)


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = etag(version)


def expected_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client read, from ``If-Match`` or the body; one is required so
    that an update never silently overwrites someone else's."""
    if if_match:
        text = if_match.strip()
        if text.startswith("W/"):
            text = text[2:]
        text = text.strip('"')
        if not text.isdigit():
            raise ApiError(
                400,
                f"If-Match: “{if_match}” is not an ETag given by Tandem.",
                errors=[{"field": "If-Match", "message": "Send the ETag read with GET."}],
            )
        return int(text)
    if body_version is not None:
        return body_version
    raise ApiError(
        428,
        "Send the version you read, as an If-Match header (its ETag) or a `version` field, "
        "so that an update never overwrites a change you have not seen.",
        errors=[{"field": "version", "message": "Required (or the If-Match header)."}],
    )
