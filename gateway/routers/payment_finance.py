"""A tenant's money matters, for its finance staff (and those of a tenant above it):
the reconciliation findings (对账差异, late payments) and partial refunds. Another
tenant's finance staff get 404, as for anything that is not theirs."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response
from pydantic import BaseModel, Field

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.limits import INT32_MAX
from gateway.paging import PageSize, PageToken
from gateway.payment_json import PRIVATE, stub
from gateway.schemas import page, ref, returns
from mgov.payment.v1 import payment_pb2 as pb
from mgov_common import protojson
from gateway.identity_views import SLUG

router = APIRouter(prefix="/v1", tags=["finance"])
TenantId = Path(pattern=SLUG, description="tenant slug, e.g. hangzhou")
RefundKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-.:]+$",
                                  description="Your key for this refund: a repeat answers the same refund")]


class RefundBody(BaseModel):
    amount_fen: int = Field(gt=0, le=INT32_MAX, description="What to give back, in fen; at most what was paid and not yet refunded")
    reason: str = Field(default="", max_length=80, description="Shown to the payer by the provider")


def finding_json(f: pb.ReconciliationFinding) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(f)
    out["detail"] = json.loads(f.detail_json) if f.detail_json else {}
    out.pop("detail_json", None)
    return out


def refund_json(r: pb.Refund) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(r)
    out["amount_fen"] = int(r.amount_fen)
    return out


@router.get("/tenants/{tenant_id}/reconciliation-findings", responses=returns(page(ref(pb.ReconciliationFinding.DESCRIPTOR))),
            summary="The tenant's reconciliation findings and late payments, newest first (finance staff)")
async def list_findings(caller: PersonDep, backends: BackendsDep, response: Response, tenant_id: str = TenantId,
                        page_size: PageSize = 0, page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).ListReconciliationFindings(
        pb.ListReconciliationFindingsRequest(tenant_id=tenant_id, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [finding_json(f) for f in resp.items], "next_page_token": resp.next_page_token}


@router.post("/payments/{order_id}/refunds", responses=returns(ref(pb.Refund.DESCRIPTOR)),
             summary="Give back part (or the rest) of a paid fee through the provider (finance staff; Idempotency-Key required)")
async def refund(order_id: str, body: RefundBody, caller: PersonDep, backends: BackendsDep, response: Response,
                 refund_key: RefundKey) -> dict[str, Any]:
    r = await stub(backends).RefundPayment(pb.RefundPaymentRequest(order_id=order_id, amount_fen=body.amount_fen, reason=body.reason,
                                                                   refund_key=refund_key), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return refund_json(r)
