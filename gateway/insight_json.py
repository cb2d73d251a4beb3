"""The mobile API's JSON for insight resources, CSV export, and the insight stub."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from google.protobuf.message import Message

from mgov.insight.v1 import insight_pb2 as pb
from mgov.insight.v1 import insight_pb2_grpc
from mgov_common import protojson

PRIVATE = "private, no-store"
# A CSV cell starting with one of these is a formula to a spreadsheet: it is quoted with "'".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def stub(backends: Any) -> insight_pb2_grpc.InsightServiceStub:
    return backends.stub("insight", insight_pb2_grpc.InsightServiceStub)  # type: ignore[no-any-return]


def quality_json(q: pb.Quality) -> dict[str, Any]:
    """Counts as integers, rates as numbers (-1: no data), rounded for reading."""
    out: dict[str, Any] = {}
    for field in pb.Quality.DESCRIPTOR.fields:
        value = getattr(q, field.name)
        out[field.name] = round(value, 4) if isinstance(value, float) else int(value)
    return out


def to_json(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(message)
    if hasattr(message, "quality"):
        out["quality"] = quality_json(message.quality)  # type: ignore[attr-defined]
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: the quality's figures as columns of their own."""
    flat = {k: v for k, v in row.items() if k != "quality"}
    flat.update(row.get("quality") or {})
    return flat


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    flat = [flatten(r) for r in rows]
    buf = io.StringIO()
    if flat:
        writer = csv.DictWriter(buf, fieldnames=list(flat[0]), extrasaction="ignore")
        writer.writeheader()
        for r in flat:
            writer.writerow({k: _cell(v) for k, v in r.items()})
    return "\ufeff" + buf.getvalue()  # the BOM makes spreadsheet programs read UTF-8 (Chinese names)
