"""The REST API ``/api/v1``: one NinjaAPI, its routers, and errors as problem JSON."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation
from ninja.parser import Parser

from tandem.api import conditional, errors
from tandem.api.auth import TokenAuth
from tandem.api.routes_admin import router as admin_router
from tandem.api.routes_integrations import router as integrations_router
from tandem.api.routes_kpis import router as kpis_router
from tandem.api.routes_links import router as links_router
from tandem.api.routes_okrs import router as okrs_router
from tandem.api.routes_org import router as org_router
from tandem.api.routes_plan import router as plan_router
from tandem.scim.api import router as scim_router


class DecimalParser(Parser):
    """Read JSON numbers as decimals: 0.1 stays 0.1, never 0.1000000000000000055."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.ApiError(400, f"The body is not valid JSON: {exc}.") from None
        if not isinstance(data, dict):
            raise errors.ApiError(400, "The body must be a JSON object.")
        return data


class TandemSwagger(Swagger):
    """Swagger UI in a page that says its language and has a main landmark."""

    template = "api/swagger.html"


class TandemAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                callback = conditional.conditional(pattern.callback)
                pattern.callback = errors.not_allowed_as_problem(callback)
        return urls

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Short, stable names (objective_new) make readable generated clients.
        return operation.view_func.__name__

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """Ninja's document, with error answers typed as the problem JSON they are."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {
                            errors.PROBLEM_CONTENT_TYPE: content["application/json"]
                        }
        return schema


def refuse_unknown_query_parameters(view: Callable[..., Any]) -> Callable[..., Any]:
    """A misspelt filter (``?cylce=3``) is refused with 422 naming it, instead of quietly
    answering the whole unfiltered list as if it were what was asked for."""
    known = set(inspect.signature(view).parameters)

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        unknown = sorted(set(request.GET) - known)
        if unknown:
            raise errors.ApiError(
                422,
                f"{unknown[0]}: this operation takes no such parameter (see /api/v1/docs).",
                errors=[{"field": name, "message": "Not a parameter."} for name in unknown],
            )
        return view(request, *args, **kwargs)

    return checked


api = TandemAPI(
    title="Tandem API",
    version="1",
    description=(
        "OKRs and KPIs of one organisation. Authenticate with `Authorization: Bearer "
        "tdm_…`. Numbers are decimals written as JSON strings. Errors are "
        "`application/problem+json` (RFC 9457). See docs/api.md."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    parser=DecimalParser(),
    # Swagger UI from Ninja's own static files ("ninja" is an installed app): Tandem
    # runs air-gapped. No online validator badge either.
    docs=TandemSwagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_decorator(refuse_unknown_query_parameters)
api.exception_handler(errors.ApiError)(errors.on_api_error)
api.exception_handler(NinjaValidationError)(errors.on_request_invalid)
api.exception_handler(DjangoValidationError)(errors.on_service_invalid)
api.exception_handler(AuthenticationError)(errors.on_authentication)
api.exception_handler(HttpError)(errors.on_http_error)
api.exception_handler(PermissionDenied)(errors.on_permission_denied)
api.exception_handler(Http404)(errors.on_not_found)

api.add_router("/", org_router)
api.add_router("/", okrs_router)
api.add_router("/", kpis_router)
api.add_router("/", admin_router)
api.add_router("/", integrations_router)
api.add_router("/", links_router)
api.add_router("/", plan_router)
api.add_router("/", scim_router)
