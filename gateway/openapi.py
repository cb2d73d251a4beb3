"""The OpenAPI document says what the gateway really answers on errors.

FastAPI documents its own 422 (`HTTPValidationError`) and every declared error as
`application/json`; the gateway answers every error as RFC 9457
`application/problem+json` (gateway/problems.py). This rewrites each 4xx/5xx response
of the generated document to the one `Problem` schema and adds the errors every route
can give, so clients and contract tests see the real shape. Response bodies come from
gateway/schemas.py (message schemas are added to `components` here).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.problems import PROBLEM_JSON
from gateway.schemas import components as message_schemas

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable, `errors` names invalid fields.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": ["https://mgov.dev/problems/validation_failed"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "examples": ["validation_failed"]},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
_REF = {"$ref": "#/components/schemas/Problem"}
_COMMON = {
    "400": "Malformed request (e.g. the body is not JSON)",
    "413": "The body is larger than this route accepts (`max_bytes`)",
    "422": "Invalid input; `errors` names each field (`json_too_deep`: a JSON body nested too deeply)",
    "431": "The request line and headers are too large",
    "500": "Unexpected error (logged with the request id)",
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _REF}}}


def _generic(response: dict[str, Any]) -> bool:
    """An error response FastAPI wrote (no body, or its validation error): it becomes Problem.
    A route that declares its own error body (the OAuth token endpoint, RFC 6749) keeps it."""
    content = response.get("content") or {}
    return not content or "HTTPValidationError" in str(content)


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        schemas.update(message_schemas())
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, response in list(responses.items()):
                    if status[:1] in ("4", "5") and _generic(response):
                        responses[status] = _problem(response.get("description") or "Error")
                for status, description in _COMMON.items():
                    responses.setdefault(status, _problem(description))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
