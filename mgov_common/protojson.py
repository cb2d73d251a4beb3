"""Protobuf messages <-> the mobile API's JSON, with field errors instead of exceptions.

`google.protobuf.json_format` speaks proto3 JSON: camelCase names, enum values such
as `ITEM_TYPE_ADMINISTRATIVE_LICENSING`, and a generic error string on bad input. The
API wants snake_case names, short enum values (`administrative_licensing`,
`service_hall`) and, on bad input, a 422 naming each offending field. Both directions
walk the message descriptors, so one function serves every message of every service:

- enum values lose their type prefix and are lower-cased; 0 (`*_UNSPECIFIED`) is `null`;
  input also accepts the full name and any aliases a caller registers (e.g. 行政许可);
- `google.protobuf.Struct` is a JSON object, with integral numbers given back as ints
  (Struct stores every number as a double);
- `google.protobuf.Timestamp` is RFC 3339 UTC with milliseconds (`time_to_json`), unset
  is `null`;
- every field is written, zero values included, so clients see the full shape.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from mgov_common.errors import FieldViolation, InvalidArgument

M = TypeVar("M", bound=Message)
# enum full name -> {accepted input (case-insensitive) -> number}
EnumAliases = Mapping[str, Mapping[str, int]]

_INT_TYPES = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_SFIXED64,
}
_FLOAT_TYPES = {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE}
_INT32_RANGE = (-(2**31), 2**31 - 1)
_INT64_RANGE = (-(2**63), 2**63 - 1)
_STRUCT = struct_pb2.Struct.DESCRIPTOR.full_name
_TIMESTAMP = timestamp_pb2.Timestamp.DESCRIPTOR.full_name


def _enum_prefix(enum: EnumDescriptor) -> str:
    # ItemType -> "ITEM_TYPE_"; values are ITEM_TYPE_ADMINISTRATIVE_LICENSING, ...
    out = []
    for i, ch in enumerate(enum.name):
        if ch.isupper() and i > 0:
            out.append("_")
        out.append(ch.upper())
    return "".join(out) + "_"


def enum_slug(enum: EnumDescriptor, number: int) -> str | None:
    """`administrative_licensing` for ITEM_TYPE_ADMINISTRATIVE_LICENSING; None for 0 or unknown."""
    value = enum.values_by_number.get(number)
    if value is None or number == 0:
        return None
    return value.name.removeprefix(_enum_prefix(enum)).lower()


def enum_number(enum: EnumDescriptor, raw: str, aliases: EnumAliases | None = None) -> int | None:
    """The number of a slug, a full value name or a registered alias; None when unknown."""
    text = raw.strip()
    extra = (aliases or {}).get(enum.full_name, {})
    for key, number in extra.items():
        if key.lower() == text.lower():
            return number
    upper = text.upper()
    for candidate in (_enum_prefix(enum) + upper, upper):
        value = enum.values_by_name.get(candidate)
        if value is not None and value.number != 0:
            return value.number
    return None


def enum_choices(enum: EnumDescriptor) -> list[str]:
    return [s for v in enum.values if (s := enum_slug(enum, v.number))]


def _plain_number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _struct_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return {k: _struct_value(v) for k, v in value.struct_value.fields.items()}
    if kind == "list_value":
        return [_struct_value(v) for v in value.list_value.values]
    if kind == "number_value":
        return _plain_number(value.number_value)
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def struct_to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {k: _struct_value(v) for k, v in struct.fields.items()}


# How deep free-form JSON (forms, form schemas) may nest. Each level is two protobuf
# messages (Value, then Struct or ListValue) and protobuf refuses past 100 in all.
MAX_JSON_DEPTH = 32


def too_deep(data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether objects and arrays in `data` nest more than `limit` deep (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def is_valid_text(value: str) -> bool:
    """False for a string protobuf cannot carry: JSON's `"\\ud800"` decodes to a lone surrogate."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def dict_to_struct(data: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(data)
    return struct


def time_to_json(value: datetime) -> str:
    """The API's one timestamp form: RFC 3339, UTC, milliseconds (2026-11-30T09:15:52.123Z)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def timestamp_to_json(ts: timestamp_pb2.Timestamp) -> str | None:
    """`time_to_json` of a Timestamp; an unset one (the epoch) is `null`."""
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return time_to_json(ts.ToDatetime(tzinfo=UTC))


@overload
def datetime_to_timestamp(value: datetime, *, field: str = "time") -> timestamp_pb2.Timestamp: ...


@overload
def datetime_to_timestamp(value: None, *, field: str = "time") -> None: ...


def datetime_to_timestamp(value: datetime | None, *, field: str = "time") -> timestamp_pb2.Timestamp | None:
    """`value` as a Timestamp; a time with no UTC equivalent (0001-01-01T00:00+14:00) is
    InvalidArgument naming `field`."""
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    try:
        # A naive time is UTC, as protobuf's own FromDatetime reads it (not the host's zone).
        ts.FromDatetime(value.astimezone(UTC) if value.tzinfo is not None else value)
    except (OverflowError, ValueError) as exc:
        raise InvalidArgument(f"{field} is out of range", code="out_of_range", field=field) from exc
    return ts


# How `to_json` writes a field, worked out once per message type from its descriptor
# (reading a descriptor's fields, types and options costs more than writing the value).
_PLAIN, _ENUM, _MESSAGE, _BYTES, _OPTIONAL, _REPEATED, _MAP = range(7)
_Plan = tuple[tuple[str, int, Any], ...]
_PLANS: dict[Descriptor, _Plan] = {}


def _value_plan(field: FieldDescriptor) -> tuple[int, Any]:
    """(how, what it needs) for one value of `field`: an enum's slugs by number, a nested
    message's full name."""
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        return _ENUM, {v.number: enum_slug(enum, v.number) for v in enum.values}
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _MESSAGE, None
    if field.type == FieldDescriptor.TYPE_BYTES:
        return _BYTES, None
    return _PLAIN, None


def _plan(descriptor: Descriptor) -> _Plan:
    plan = _PLANS.get(descriptor)
    if plan is not None:
        return plan
    steps: list[tuple[str, int, Any]] = []
    for field in descriptor.fields:
        if field.is_repeated:
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                steps.append((field.name, _MAP, _value_plan(field.message_type.fields_by_name["value"])))
            else:
                steps.append((field.name, _REPEATED, _value_plan(field)))
        elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.full_name in (_STRUCT, _TIMESTAMP):
            steps.append((field.name, _OPTIONAL, None))
        else:
            how, what = _value_plan(field)
            steps.append((field.name, how, what))
    plan = _PLANS[descriptor] = tuple(steps)
    return plan


def _value_to_json(how: int, what: Any, value: Any) -> Any:
    if how == _PLAIN:
        return value
    if how == _MESSAGE:
        return to_json(value)
    if how == _ENUM:
        return what.get(value)  # 0 and unknown numbers: None, as enum_slug
    return base64.b64encode(value).decode()


def to_json(msg: Message) -> Any:
    """A message as the API's JSON (every field written)."""
    descriptor = msg.DESCRIPTOR
    full_name = descriptor.full_name
    if full_name == _STRUCT:
        return struct_to_dict(msg)  # type: ignore[arg-type]
    if full_name == _TIMESTAMP:
        return timestamp_to_json(msg)  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    for name, how, what in _plan(descriptor):
        value = getattr(msg, name)
        if how == _PLAIN:
            out[name] = value
        elif how == _REPEATED:
            out[name] = list(value) if what[0] == _PLAIN else [_value_to_json(what[0], what[1], v) for v in value]
        elif how == _OPTIONAL:
            out[name] = to_json(value) if msg.HasField(name) else None
        elif how == _MAP:
            out[name] = {k: _value_to_json(what[0], what[1], v) for k, v in value.items()}
        else:
            out[name] = _value_to_json(how, what, value)
    return out


class _Reader:
    def __init__(self, aliases: EnumAliases | None) -> None:
        self.aliases = aliases
        self.violations: list[FieldViolation] = []

    def bad(self, path: str, code: str, message: str) -> None:
        self.violations.append(FieldViolation(path, code, message))

    def scalar(self, field: FieldDescriptor, raw: Any, path: str) -> tuple[bool, Any]:
        t = field.type
        if t == FieldDescriptor.TYPE_STRING:
            if not isinstance(raw, str):
                self.bad(path, "type", "must be a string")
                return False, None
            if not is_valid_text(raw):
                self.bad(path, "invalid_unicode", "must be valid Unicode text (no lone surrogates)")
                return False, None
            return True, raw
        if t == FieldDescriptor.TYPE_BOOL:
            if not isinstance(raw, bool):
                self.bad(path, "type", "must be true or false")
                return False, None
            return True, raw
        if t in _INT_TYPES:
            if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())):
                self.bad(path, "type", "must be an integer")
                return False, None
            lo, hi = _INT32_RANGE if field.cpp_type == FieldDescriptor.CPPTYPE_INT32 else _INT64_RANGE
            if field.cpp_type in (FieldDescriptor.CPPTYPE_UINT32, FieldDescriptor.CPPTYPE_UINT64):
                lo = 0
            if not lo <= int(raw) <= hi:
                self.bad(path, "out_of_range", f"must be between {lo} and {hi}")
                return False, None
            return True, int(raw)
        if t in _FLOAT_TYPES:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                self.bad(path, "type", "must be a number")
                return False, None
            return True, float(raw)
        if t == FieldDescriptor.TYPE_ENUM:
            number = enum_number(field.enum_type, raw, self.aliases) if isinstance(raw, str) else None
            if number is None:
                self.bad(path, "unknown_value", f"must be one of: {', '.join(enum_choices(field.enum_type))}")
                return False, None
            return True, number
        self.bad(path, "unsupported", "this field cannot be set from JSON")
        return False, None

    def message(self, msg: Message, data: Any, path: str) -> None:
        desc: Descriptor = msg.DESCRIPTOR
        if desc.full_name == _STRUCT:
            if not isinstance(data, dict):
                self.bad(path or "body", "type", "must be a JSON object")
                return
            if too_deep(data):
                self.bad(path or "body", "too_deep", f"must not nest objects and arrays more than {MAX_JSON_DEPTH} deep")
                return
            try:
                msg.update(data)  # type: ignore[attr-defined]
            except (ValueError, TypeError) as exc:
                self.bad(path or "body", "type", f"not representable: {exc}")
            return
        if desc.full_name == _TIMESTAMP:
            if not isinstance(data, str):
                self.bad(path, "type", "must be an RFC 3339 time")
                return
            try:
                when = datetime.fromisoformat(data.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    raise ValueError("no UTC offset")
                msg.FromDatetime(when.astimezone(UTC))  # type: ignore[attr-defined]
            except (ValueError, OverflowError):
                self.bad(path, "format", "must be an RFC 3339 time with a UTC offset")
            return
        if not isinstance(data, dict):
            self.bad(path or "body", "type", "must be a JSON object")
            return
        for key, raw in data.items():
            sub = f"{path}.{key}" if path else key
            field = desc.fields_by_name.get(key)
            if field is None:
                self.bad(sub, "unknown_field", "is not a field of this resource")
                continue
            if raw is None:
                continue  # null = unset (zero value)
            self.field(msg, field, raw, sub)

    def field(self, msg: Message, field: FieldDescriptor, raw: Any, path: str) -> None:
        if field.is_repeated:
            if not isinstance(raw, list):
                self.bad(path, "type", "must be a list")
                return
            target = getattr(msg, field.name)
            for i, item in enumerate(raw):
                if field.type == FieldDescriptor.TYPE_MESSAGE:
                    self.message(target.add(), item, f"{path}[{i}]")
                else:
                    ok, value = self.scalar(field, item, f"{path}[{i}]")
                    if ok:
                        target.append(value)
            return
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            self.message(getattr(msg, field.name), raw, path)
            if field.message_type.full_name == _STRUCT and isinstance(raw, dict) and not raw:
                getattr(msg, field.name).SetInParent()
            return
        ok, value = self.scalar(field, raw, path)
        if ok:
            setattr(msg, field.name, value)


def from_json(data: Any, cls: type[M], *, aliases: EnumAliases | None = None, path: str = "") -> M:
    """Build `cls` from API JSON; every bad field is named in one InvalidArgument (HTTP 422)."""
    msg = cls()
    reader = _Reader(aliases)
    reader.message(msg, data, path)
    if reader.violations:
        fields = ", ".join(v.field for v in reader.violations[:5])
        raise InvalidArgument(f"invalid input: {fields}", code="validation_failed", violations=reader.violations)
    return msg
