"""The mobile API's JSON for payment resources, and the payment stub."""

from __future__ import annotations

import json
from typing import Any

from mgov.payment.v1 import payment_pb2 as pb
from mgov.payment.v1 import payment_pb2_grpc
from mgov_common import protojson

PRIVATE = "private, no-store"


def stub(backends: Any) -> payment_pb2_grpc.PaymentServiceStub:
    return backends.stub("payment", payment_pb2_grpc.PaymentServiceStub)  # type: ignore[no-any-return]


def order_json(o: pb.PaymentOrder) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(o)
    # Amounts are integers of fen, never strings or floats.
    out["amount_fen"], out["refunded_fen"] = int(o.amount_fen), int(o.refunded_fen)
    out["fees"] = [{**f, "amount_fen": int(p.amount_fen)} for f, p in zip(out.get("fees", []), o.fees)]
    return out


def receipt_json(r: pb.Receipt) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(r)
    out["document"] = json.loads(r.document_json) if r.document_json else None
    return out
