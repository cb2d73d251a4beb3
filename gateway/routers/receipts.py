"""Electronic receipts (电子票据): yours, their verification (public: the receipt's QR
code leads there) and the public keys that verify them offline."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.paging import PageSize, PageToken
from gateway.payment_json import PRIVATE, receipt_json, stub
from gateway.schemas import obj, page, ref, returns, string
from mgov.payment.v1 import payment_pb2 as pb

router = APIRouter(prefix="/v1", tags=["receipts"])
RECEIPT_FILE_MAX_BODY = 64 * 1024


def _verification(v: pb.VerifyReceiptResponse) -> dict[str, Any]:
    out: dict[str, Any] = {"valid": v.valid, "reason": v.reason}
    if v.HasField("receipt"):
        out["receipt"] = receipt_json(v.receipt)
    return out


@router.get("/receipts", responses=returns(page(ref(pb.Receipt.DESCRIPTOR))), summary="Your receipts, newest first")
async def list_receipts(caller: PersonDep, backends: BackendsDep, response: Response, page_size: PageSize = 0,
                        page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).ListReceipts(pb.ListReceiptsRequest(page_size=page_size, page_token=page_token),
                                             metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [receipt_json(r) for r in resp.items], "next_page_token": resp.next_page_token}


@router.get("/receipts/keys", responses=returns(obj("Jwks", {"keys": string()})), summary="The public keys (JWKS, Ed25519) that verify receipts")
async def receipt_keys(backends: BackendsDep, response: Response) -> dict[str, Any]:
    resp = await stub(backends).GetReceiptKeys(pb.GetReceiptKeysRequest())
    response.headers["Cache-Control"] = "public, max-age=300"
    return json.loads(resp.jwks_json)  # type: ignore[no-any-return]


@router.post("/receipts/verify", responses=returns(obj("ReceiptVerification", {"valid": string(), "reason": string()})),
             summary="Check a receipt file (its JSON as the body)", max_body_size=RECEIPT_FILE_MAX_BODY)
async def verify_file(request: Request, backends: BackendsDep) -> dict[str, Any]:
    body = await request.body()
    return _verification(await stub(backends).VerifyReceipt(pb.VerifyReceiptRequest(file=body or b"{}")))


@router.get("/receipts/{receipt_id}", responses=returns(ref(pb.Receipt.DESCRIPTOR)), summary="One of your receipts")
async def get_receipt(receipt_id: str, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    r = await stub(backends).GetReceipt(pb.GetReceiptRequest(receipt_id=receipt_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return receipt_json(r)


@router.get("/receipts/{receipt_id}/verify", responses=returns(obj("ReceiptVerification", {"valid": string(), "reason": string()})),
            summary="Check a stored receipt's signature (public)")
async def verify_stored(receipt_id: str, backends: BackendsDep) -> dict[str, Any]:
    return _verification(await stub(backends).VerifyReceipt(pb.VerifyReceiptRequest(receipt_id=receipt_id)))
