"""`protojson.to_json` of every message of every service, byte for byte.

Every response of the API that carries a message goes through `to_json`, and it gets
tuned for CPU (a case's answer walks ~40 fields). A tuning must not change a byte a
client sees: each message type of the platform's protos, once empty and once with every
field set (enums known, unknown and zero, timestamps with nanoseconds and unset, a
Struct with nested values, repeated fields with two entries, maps with one, nested messages),
is encoded and compared with `fixtures/protojson_answers.json`.

When an answer is meant to change, record the fixture again and review its diff:
`.venv/bin/python -m tests.unit.test_protojson_answers`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from mgov.appointment.v1 import appointment_pb2
from mgov.catalog.v1 import catalog_pb2
from mgov.common.v1 import common_pb2
from mgov.enforcement.v1 import enforcement_pb2
from mgov.identity.v1 import identity_pb2
from mgov.insight.v1 import insight_pb2
from mgov.notify.v1 import notify_pb2
from mgov.payment.v1 import payment_pb2
from mgov.workflow.v1 import workflow_pb2

from mgov_common import protojson

pytestmark = pytest.mark.unit

FIXTURE = Path(__file__).parent / "fixtures" / "protojson_answers.json"
MODULES = (appointment_pb2, catalog_pb2, common_pb2, enforcement_pb2, identity_pb2, insight_pb2, notify_pb2, payment_pb2, workflow_pb2)
# One key per object: a Struct's and a map's order is protobuf's own (not stable across processes).
FORM = {"form": ["张小明", 36, 0.5, 2.0**60, True, None, ["a", 1], {"x": [2.5, False]}, {"deep": {"deeper": "\u2028\"\\"}}]}


def _messages() -> list[Descriptor]:
    out: list[Descriptor] = []

    def walk(d: Descriptor) -> None:
        if d.GetOptions().map_entry:
            return
        out.append(d)
        for nested in d.nested_types:
            walk(nested)

    for module in MODULES:
        for d in module.DESCRIPTOR.message_types_by_name.values():
            walk(d)
    return sorted(out, key=lambda d: d.full_name)


def _scalar(field: FieldDescriptor, i: int) -> Any:
    t = field.type
    if t == FieldDescriptor.TYPE_STRING:
        return f"{field.name}-{i} 值\"\\"
    if t == FieldDescriptor.TYPE_BYTES:
        return bytes([i, 255, 0, 10])
    if t == FieldDescriptor.TYPE_BOOL:
        return i % 2 == 0
    if t in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return 1.5 + field.number + i
    if t == FieldDescriptor.TYPE_ENUM:
        numbers = sorted(v.number for v in field.enum_type.values)
        return [numbers[-1], 999, numbers[1] if len(numbers) > 1 else 0][i % 3]  # known, unknown, another known
    return field.number * 1000 + i


def _fill(msg: Message, depth: int) -> Message:
    """Every field of `msg` set (nested messages down to `depth`)."""
    full = msg.DESCRIPTOR.full_name
    if full == "google.protobuf.Timestamp":
        msg.seconds, msg.nanos = 1_790_000_000 + depth, 123_456_789  # type: ignore[attr-defined]
        return msg
    if full == "google.protobuf.Struct":
        msg.update(FORM)  # type: ignore[attr-defined]
        return msg
    for field in msg.DESCRIPTOR.fields:
        if field.containing_oneof is not None and field.containing_oneof.fields[0] is not field:
            continue  # one member of each oneof
        target = getattr(msg, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key_f, value_f = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            for i in range(1):
                key = _scalar(key_f, i)
                if value_f.message_type is not None:
                    if depth > 0:
                        _fill(target[key], depth - 1)
                else:
                    target[key] = _scalar(value_f, i)
        elif field.is_repeated:
            for i in range(2):
                if field.message_type is not None:
                    if depth > 0:
                        _fill(target.add(), depth - 1)
                else:
                    target.append(_scalar(field, i))
        elif field.message_type is not None:
            if depth > 0:
                _fill(target, depth - 1)
        else:
            setattr(msg, field.name, _scalar(field, 0))
    return msg


def answers() -> dict[str, str]:
    out: dict[str, str] = {}
    for d in _messages():
        cls = GetMessageClass(d)
        out[f"{d.full_name} empty"] = json.dumps(protojson.to_json(cls()), ensure_ascii=False)
        out[f"{d.full_name} filled"] = json.dumps(protojson.to_json(_fill(cls(), 2)), ensure_ascii=False)
    return out


def test_every_message_encodes_as_recorded() -> None:
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))
    now = answers()
    assert sorted(now) == sorted(recorded), "the set of message types changed: record the fixture again"
    for key in recorded:
        assert now[key] == recorded[key], key


def test_the_fixture_covers_what_a_case_answer_carries() -> None:
    recorded = json.loads(FIXTURE.read_text(encoding="utf-8"))
    case = json.loads(recorded["mgov.workflow.v1.Application filled"])
    assert case["submit_time"] == "2026-09-21T14:13:21.123Z" and case["form"]["form"][-1]["deep"]["deeper"] == "\u2028\"\\"
    assert case["timeline"][0]["actor"]["kind"] is not None and len(case["timeline"]) == 2
    assert json.loads(recorded["mgov.workflow.v1.Application empty"])["submit_time"] is None


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(answers(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {FIXTURE}", file=sys.stderr)
