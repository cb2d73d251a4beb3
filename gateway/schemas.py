"""Response schemas of the OpenAPI document, so it says what each route really answers.

Most bodies are `mgov_common.protojson.to_json` of a message, so their schema is built
from the same descriptor the JSON is written from (every field, snake_case, enums as
their slugs, Timestamps as nullable RFC 3339 strings, Struct as an object): the document
cannot drift from the code. Views the gateway shapes itself (identity's tenants, users,
systems) are written out here. `returns(...)` is what a route passes as `responses=`;
`install` in gateway/openapi.py adds the message schemas to `components`.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from mgov_common.protojson import enum_choices

Schema = dict[str, Any]
_COMPONENTS: dict[str, Schema] = {}
_INTS = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64,
         FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64,
         FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_SFIXED64}
TIME: Schema = {"type": ["string", "null"], "format": "date-time", "examples": ["2026-11-30T09:15:52.123Z"]}
TEXT: Schema = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": ["string", "null"]}}, "required": ["zh"]}


def _single(field: FieldDescriptor) -> Schema:
    if field.type == FieldDescriptor.TYPE_ENUM:
        return {"type": ["string", "null"], "enum": [*enum_choices(field.enum_type), None]}
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        name = field.message_type.full_name
        if name == "google.protobuf.Timestamp":
            return dict(TIME)
        if name == "google.protobuf.Struct":
            return {"type": ["object", "null"], "additionalProperties": True}
        return ref(field.message_type)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return {"type": "string", "format": "byte"}
    if field.type in _INTS:
        return {"type": "integer"}
    if field.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return {"type": "number"}
    if field.type == FieldDescriptor.TYPE_BOOL:
        return {"type": "boolean"}
    return {"type": "string"}


def _field(field: FieldDescriptor) -> Schema:
    if field.is_repeated:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            return {"type": "object", "additionalProperties": _single(field.message_type.fields_by_name["value"])}
        return {"type": "array", "items": _single(field)}
    return _single(field)


def message(desc: Descriptor, *, only: tuple[str, ...] | None = None, extra: dict[str, Schema] | None = None) -> Schema:
    """The JSON schema of `to_json` of a `desc` message (optionally some fields, plus `extra`)."""
    fields = [f for f in desc.fields if only is None or f.name in only]
    props = {f.name: _field(f) for f in fields} | (extra or {})
    return {"type": "object", "title": desc.name, "properties": props, "required": sorted(props), "additionalProperties": False}


def ref(desc: Descriptor) -> Schema:
    """A `$ref` to the message's component schema (registered on first use)."""
    name = desc.full_name
    if name not in _COMPONENTS:
        _COMPONENTS[name] = {}  # placeholder first: messages may refer to themselves
        _COMPONENTS[name] = message(desc)
    return {"$ref": f"#/components/schemas/{name}"}


def components() -> dict[str, Schema]:
    return dict(_COMPONENTS)


def obj(title: str, props: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    return {"type": "object", "title": title, "properties": props, "required": sorted(set(props) - set(optional)),
            "additionalProperties": False}


def page(items: Schema, **extra: Schema) -> Schema:
    """The one list envelope: `{items, next_page_token}` ("" on the last page)."""
    return obj("Page", {"items": {"type": "array", "items": items}, "next_page_token": {"type": "string"}, **extra})


def returns(schema: Schema, status: int = 200, description: str = "OK") -> dict[int | str, Any]:
    """`responses=` of a route: its success body is `schema` (application/json)."""
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


def string(*, nullable: bool = False, **more: Any) -> Schema:
    return {"type": ["string", "null"] if nullable else "string", **more}


INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
