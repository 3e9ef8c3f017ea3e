"""Errors as ``application/problem+json`` (RFC 9457), each naming the field at fault.

Every refusal of the API goes through here: a service's ``ValidationError`` (422, or
409 for a stale version), Ninja's request validation (422), a missing or bad token
(401), a scope or role that does not allow the call (403), another organisation's
object (404).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The problem types are documented in docs/api.md under these anchors.
TYPE_BASE = "https://tandem.invalid/docs/api#"


class FieldError(Schema):
    field: str
    message: str
    index: int | None = None


class Problem(Schema):
    """An RFC 9457 problem: ``errors`` names each field at fault (and, in a bulk
    request, the index of the row)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _KINDS.get(status, "error")
        self.errors = errors or []


_KINDS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    422: "invalid",
    428: "precondition-required",
}

_ALL = "__all__"


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = {
        "type": TYPE_BASE + (kind or _KINDS.get(status, "error")),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def field_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """``[{field, message}]`` from a service's error; a non-field message has field ``""``."""
    if not hasattr(exc, "error_dict"):
        return [{"field": "", "message": m} for m in exc.messages]
    return [
        {"field": "" if field == _ALL else field, "message": message}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def is_conflict(exc: DjangoValidationError) -> bool:
    if not hasattr(exc, "error_dict"):
        return False
    return any(e.code == "conflict" for e in exc.error_dict.get("version", []))


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0] if errors else None
    if first is None:
        return "The request is not valid."
    where = f"{first['field']}: " if first.get("field") else ""
    more = (
        f" ({len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        if len(errors) > 1
        else ""
    )
    return f"{where}{first['message']}{more}"


def _location(loc: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    """Ninja's ``("body", "payload", "rows", 3, "value")`` as ``{index: 3, field: "value"}``."""
    parts = [p for p in loc[1:] if p not in {"payload", "filters"}]
    if len(parts) >= 2 and parts[0] == "rows" and isinstance(parts[1], int):
        return {"index": parts[1], "field": ".".join(str(p) for p in parts[2:]) or "row"}
    return {"field": ".".join(str(p) for p in parts) or str(loc[0] if loc else "")}


def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [{**_location(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    return problem(422, _summary(errors), errors=errors)


def on_service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = field_errors(exc)
    if is_conflict(exc):
        return problem(409, _summary(errors), errors=errors)
    return problem(422, _summary(errors), errors=errors)


def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = problem(exc.status, exc.detail, kind=exc.kind, errors=exc.errors)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tandem"'
    return response


def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(
        401, "Send a token: Authorization: Bearer tdm_… (create one under Settings, API tokens)."
    )
    response["WWW-Authenticate"] = 'Bearer realm="tandem"'
    return response


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja wraps the body parser's own refusal ("must be a JSON object") in a vaguer one.
    if isinstance(exc.__cause__, ApiError):
        return on_api_error(request, exc.__cause__)
    return problem(exc.status_code, str(exc))


def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, str(exc) or "You may not do this.")


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, "Not found in this organisation.")


def not_allowed_as_problem(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """``view`` with Ninja's plain-text 405 answered as problem JSON, keeping ``Allow``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type") == PROBLEM_CONTENT_TYPE:
            return response
        allowed = response.get("Allow", "")
        answer = problem(405, f"{request.method} is not allowed here; use {allowed}.")
        answer["Allow"] = allowed
        return answer

    return wrapper


@csrf_exempt
def unknown_address(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any address under /api/v1 that is no operation: problem JSON, not the 404 page."""
    return problem(
        404, "There is no such address in the API; the operations are listed in /api/v1/docs."
    )


# Every operation documents these answers besides its success.
READ_ERRORS: dict[int, type[Problem]] = {
    401: Problem,
    403: Problem,
    404: Problem,
    422: Problem,
}
# A body that is not a JSON object is refused with 400 before anything is validated.
WRITE_ERRORS: dict[int, type[Problem]] = {**READ_ERRORS, 400: Problem, 409: Problem}
