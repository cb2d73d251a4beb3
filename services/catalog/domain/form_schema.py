"""The application form of an item is a JSON Schema; a broken one must never be published.

Workflow validates citizens' forms against it, so it is checked here against
its meta-schema (draft 2020-12 unless the schema names another with `$schema`), must
describe a JSON object, and must stay small. Errors name the path inside the schema,
e.g. `form_schema.properties.name.type`.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError

from mgov_common.errors import FieldViolation

MAX_BYTES = 64 * 1024
DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _path(prefix: str, parts: Any) -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def check_form_schema(schema: Any, field: str = "form_schema") -> list[FieldViolation]:
    """Violations of `schema` as an application-form schema; empty when it is fine."""
    if not isinstance(schema, dict) or not schema:
        return [FieldViolation(field, "required", "the application form (a JSON Schema object) is required")]
    if len(json.dumps(schema, ensure_ascii=False).encode()) > MAX_BYTES:
        return [FieldViolation(field, "too_large", f"the form schema must stay under {MAX_BYTES // 1024} KiB")]
    dialect = schema.get("$schema", DEFAULT_DIALECT)
    if not isinstance(dialect, str):
        return [FieldViolation(f"{field}.$schema", "invalid_schema", "$schema must be a URI string")]
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator_cls.check_schema(schema)
    except SchemaError as exc:
        return [FieldViolation(_path(field, exc.path), "invalid_schema", f"not a valid JSON Schema: {exc.message}")]
    if schema.get("type") != "object":
        return [FieldViolation(f"{field}.type", "invalid_schema", 'an application form is a JSON object: the schema needs "type": "object"')]
    return []


ORDER_KEY = "x-property-order"


def with_property_order(schema: Any) -> Any:
    """`schema` with `x-property-order` on every object schema that lists properties.

    The gRPC contract carries the form as a `google.protobuf.Struct`, a map that does not
    keep key order, yet a form is shown in the order its author wrote the fields. JSON
    Schema ignores unknown keywords, so the order is recorded as an annotation (an
    existing one is kept) and clients render `properties` in that order.
    """
    if isinstance(schema, list):
        return [with_property_order(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: with_property_order(v) if k in ("properties", "items", "$defs", "definitions", "allOf", "anyOf", "oneOf") else v
           for k, v in schema.items()}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: with_property_order(v) for k, v in schema["properties"].items()}
        out.setdefault(ORDER_KEY, list(schema["properties"]))
    return out

