"""The OpenAPI document is valid and complete, and its documentation page works offline."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from openapi_spec_validator import validate

from tandem.api.api import api

ERRORS_OF_EVERY_OPERATION = {"401", "403", "404", "422"}


def _document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _api_routes() -> set[tuple[str, str]]:
    """(method, path) of every operation the API's URLs answer, in OpenAPI's spelling.

    Every URL Ninja serves is tried with every method, without a token: an operation
    that exists answers 401, one that does not answers 405.
    """
    client = Client()
    routes = set()
    for pattern in api.urls[0]:
        route = str(pattern.pattern)
        if route in {"", "openapi.json", "docs"}:
            continue
        concrete = "/api/v1/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)
        documented = "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        for method in ("get", "post", "put", "patch", "delete"):
            status = getattr(client, method)(concrete).status_code
            assert status in {401, 405}, (method, concrete, status)
            if status == 401:
                routes.add((method, documented))
    return routes


def test_openapi_document_is_valid() -> None:
    validate(_document())


def test_openapi_document_lists_every_route_of_the_api() -> None:
    document = _document()
    listed = {(m, p) for p, ops in document["paths"].items() for m in ops}
    routes = _api_routes()
    assert len(routes) >= 30
    assert listed == routes


def test_every_operation_documents_its_errors_as_problem_json() -> None:
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert set(answers) >= ERRORS_OF_EVERY_OPERATION, (method, path)
            for status, answer in answers.items():
                if int(status) >= 400:
                    content = answer["content"]["application/problem+json"]
                    assert content["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_writes_document_conflicts_and_updates_document_preconditions() -> None:
    paths = _document()["paths"]
    assert "409" in paths["/api/v1/objectives"]["post"]["responses"]
    for path in (
        "/api/v1/objectives/{objective_id}",
        "/api/v1/key-results/{key_result_id}",
        "/api/v1/kpis/{kpi_id}",
    ):
        patch = paths[path]["patch"]
        assert {"409", "428"} <= set(patch["responses"]), path
        assert "If-Match" in [p["name"] for p in patch["parameters"]], path


def test_every_operation_requires_the_bearer_token() -> None:
    document = _document()
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["security"] == [{"TokenAuth": []}]


def test_numbers_are_documented_as_decimal_strings() -> None:
    schemas = _document()["components"]["schemas"]
    target = schemas["KeyResultOut"]["properties"]["target"]
    assert {"type": "string"} in target["anyOf"] or target.get("type") == "string"


def test_docs_page_loads_no_asset_from_the_internet() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    assert "http://" not in html
    assert "https://" not in html
    for asset in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html):
        assert Client().get(asset).status_code == 200, asset
