"""The OpenAPI contract (issue 12, defect 7): every operation declares the
error answers it can give, with the shared error body, and no two schemas
share a name (django-ninja keeps the last one silently, so an operation
would be documented with another one's fields)."""

from __future__ import annotations

import json

import pytest
from ninja.openapi.schema import OpenAPISchema

from dieuphoi.api.urls import api

ERRORS = {"400", "401", "403", "404", "422"}


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _ref(response) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return (schema or {}).get("$ref", "").rsplit("/", 1)[-1] or None


def _takes_version(spec, operation) -> bool:
    body = operation.get("requestBody", {}).get("content", {})
    for media in body.values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        if "version" in schema.get("properties", {}):
            return True
    return False


def test_every_operation_declares_its_errors_with_the_error_schema(spec):
    missing = []
    for label, operation in _operations(spec):
        responses = operation["responses"]
        for status in sorted(ERRORS - set(responses)):
            missing.append(f"{label}: no {status}")
        for status in ERRORS & set(responses):
            if _ref(responses[status]) != "ErrorOut":
                missing.append(f"{label}: {status} is not ErrorOut")
        if _takes_version(spec, operation):
            if "409" not in responses:
                missing.append(f"{label}: takes a version, no 409")
            elif _ref(responses["409"]) != "ConflictOut":
                missing.append(f"{label}: 409 is not ConflictOut")
    assert not missing, "\n".join(missing)


def test_error_schemas_have_code_message_and_errors(spec):
    schemas = spec["components"]["schemas"]
    assert set(schemas["ErrorOut"]["properties"]) == {"code", "message", "errors"}
    assert "current_version" in schemas["ConflictOut"]["properties"]


def test_no_two_schemas_share_a_name(monkeypatch):
    seen: dict[str, set[str]] = {}
    original = OpenAPISchema.add_schema_definitions

    def record(self, definitions):
        for name, definition in definitions.items():
            seen.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
        return original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    api.get_openapi_schema()
    clashes = sorted(name for name, defs in seen.items() if len(defs) > 1)
    assert not clashes, f"schema names used by different schemas: {clashes}"
    assert "AgencyOut" in seen
    assert "RegistryAgencyOut" in seen


def test_operation_ids_are_unique(spec):
    ids = [op["operationId"] for _label, op in _operations(spec)]
    assert len(ids) == len(set(ids))


def test_unknown_paths_and_query_parameters_answer_the_error_body(client):
    response = client.get("/api/v1/tasks/-1")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = client.get("/api/v1/teams?lead_agncy=5")
    # Unknown parameters are refused before authentication is checked.
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lead_agncy", "reason": "Unknown query parameter."}
    ]
