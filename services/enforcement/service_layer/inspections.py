"""Inspections on the phone: the pair's tasks, starting, evidence, the record, confirmations.

Evidence is appended under the inspection's row lock: the next entry links to the head
the inspection holds, and the file, the entry and the new head commit together. The
request id (the app's idempotency key) makes a repeated upload answer the entry already
stored, so an upload interrupted after the server committed is never doubled.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date, datetime
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.principal import Principal
from services.enforcement.adapters.uow import UnitOfWork
from services.enforcement.domain.evidence import Position, check_media, new_entry, verify_evidence
from services.enforcement.domain.inspection import Inspection
from mgov_common.materials import check_upload
from services.enforcement.service_layer.context import SUPERVISORS, Context, calendar_of, visible
from services.enforcement.service_layer import orders
from services.enforcement.service_layer.registry import parse_id

MAX_REQUEST_ID = 200
log = logging.getLogger(__name__)


async def load(uow: UnitOfWork, principal: Principal | None, inspection_id: str, *, for_update: bool = False) -> Inspection:
    """The inspection, for its pair or a supervisor of its tenant or above (else NOT_FOUND)."""
    insp = await uow.inspections.get(parse_id(inspection_id, "inspection"), for_update=for_update)
    if insp is None:
        raise NotFound("no such inspection", code="not_found")
    if principal is not None and principal.subject not in insp.inspector_ids:
        await visible(uow, principal, insp.tenant_id, "inspection", SUPERVISORS)
    return insp


async def view(uow: UnitOfWork, insp: Inspection) -> dict[str, Any]:
    subject = await uow.registry.subject(insp.subject_id)
    certs = await uow.registry.certificates(list(insp.inspector_ids))
    order = await uow.orders.get(insp.id) if insp.outcome == "rectify" else None
    return {"inspection": insp, "subject": subject, "certificates": [certs.get(i, "") for i in insp.inspector_ids],
            "order": dict(order) if order else None}


async def get(ctx: Context, principal: Principal, inspection_id: str) -> dict[str, Any]:
    async with ctx.uow(begin=False) as uow:
        return await view(uow, await load(uow, principal, inspection_id))


async def my_tasks(ctx: Context, principal: Principal, open_only: bool, page_size: int) -> list[dict[str, Any]]:
    """The caller's inspections (待办): open ones by due date."""
    async with ctx.uow(begin=False) as uow:
        tenants = sorted(principal.tenants_with("inspector"))
        subtree: set[str] = set()
        for t in tenants:
            subtree.update(await uow.tenants.subtree(t) or [t])
        rows = await uow.inspections.for_inspector(principal.subject, sorted(subtree), open_only, page_size)
        return [await view(uow, i) for i in rows]


async def start(ctx: Context, principal: Principal, inspection_id: str) -> dict[str, Any]:
    async with ctx.uow() as uow:
        insp = await load(uow, principal, inspection_id, for_update=True)
        insp.start(principal.subject, ctx.clock.now())
        await uow.inspections.save(insp)
        out = await view(uow, insp)
        await uow.commit()
    return out


def _kind_check(kind: str, content: bytes, declared_sha256: str) -> tuple[str, str]:
    if kind in ("photo", "document"):
        found, digest, _ = check_upload(content, "evidence", declared_sha256)
        if (kind == "photo") != found.startswith("image/"):
            raise InvalidArgument(f"this file is not a {kind}", field="kind", code="kind_mismatch")
        return found, digest
    if kind in ("video", "audio"):
        return check_media(content, kind, declared_sha256)
    if kind == "signature":  # drawn on the phone's screen: a PNG, checked like any image
        found, digest, _ = check_upload(content, "evidence", declared_sha256)
        if found != "image/png":
            raise InvalidArgument("a signature is a PNG image", field="kind", code="kind_mismatch")
        return found, digest
    raise InvalidArgument("evidence is a photo, video, audio, document or signature", field="kind", code="invalid_kind")


async def add_evidence(ctx: Context, principal: Principal, inspection_id: str, *, kind: str, content: bytes, sha256: str,
                       device_time: datetime, position: Position | None, note: str, request_id: str) -> tuple[dict[str, Any], bool]:
    """(the chain entry, True when new). A repeated request id answers the stored entry."""
    if not request_id or len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument(f"evidence needs an idempotency key (1-{MAX_REQUEST_ID} characters)", field="request_id",
                              code="idempotency_key_required")
    async with ctx.uow() as uow:  # the repeat is answered before the file is checked again
        insp = await load(uow, principal, inspection_id)
        again = await uow.inspections.evidence_by_request(insp.id, request_id)
        if again is not None:
            if again["sha256"] != (sha256 or again["sha256"]).lower():
                raise FailedPrecondition("this idempotency key was used for another file", code="idempotency_key_reused")
            return again, False
    content_type, digest = await asyncio.to_thread(_kind_check, kind, content, sha256)
    async with ctx.uow() as uow:
        insp = await load(uow, principal, inspection_id, for_update=True)
        again = await uow.inspections.evidence_by_request(insp.id, request_id)
        if again is not None:
            return again, False
        insp.accepts_evidence(principal.subject)
        entry = new_entry(seq=insp.evidence_count + 1, prev_hash=insp.evidence_head, inspection_id=str(insp.id), kind=kind,
                          content_type=content_type, sha256=digest, size=len(content), inspector_id=principal.subject,
                          device_time=device_time, receive_time=ctx.clock.now(), position=position, note=note, request_id=request_id)
        await uow.inspections.append_evidence(insp.id, entry, content)
        insp.chained(entry["hash"])
        await uow.inspections.save(insp)
        await uow.commit()
    return entry, True


async def list_evidence(ctx: Context, principal: Principal, inspection_id: str) -> list[dict[str, Any]]:
    async with ctx.uow(begin=False) as uow:
        insp = await load(uow, principal, inspection_id)
        return await uow.inspections.evidence(insp.id)


async def evidence_file(ctx: Context, principal: Principal, inspection_id: str, seq: int) -> tuple[dict[str, Any], bytes]:
    async with ctx.uow(begin=False) as uow:
        insp = await load(uow, principal, inspection_id)
        entries = {e["seq"]: e for e in await uow.inspections.evidence(insp.id)}
        content = await uow.inspections.evidence_file(insp.id, seq)
        if seq not in entries or content is None:
            raise NotFound("no such evidence", code="not_found")
        return entries[seq], content


async def verify(ctx: Context, principal: Principal | None, inspection_id: str) -> dict[str, Any]:
    """Walk the evidence chain and hash every stored file again. `principal` None: the CLI."""
    async with ctx.uow(begin=False) as uow:
        insp = await load(uow, principal, inspection_id)
        entries = await uow.inspections.evidence(insp.id)
        files = await uow.inspections.evidence_file_hashes(insp.id)
    breaks = verify_evidence(entries, dict(files), insp.evidence_count, insp.evidence_head)
    return {"inspection_id": str(insp.id), "ok": not breaks, "entries": len(entries),
            "broken_seq": breaks[0].seq if breaks else 0, "reason": str(breaks[0]) if breaks else ""}


async def submit(ctx: Context, principal: Principal, inspection_id: str, answers: Any, outcome: str, rectify_due: date | None,
                 note: str, request_id: str) -> dict[str, Any]:
    async with ctx.uow() as uow:
        insp = await load(uow, principal, inspection_id, for_update=True)
        if rectify_due is not None:  # a date to correct by that is a holiday ends on the next working day
            rectify_due = (await calendar_of(ctx, uow, insp.tenant_id)).first_working_day_from(rectify_due)
        if insp.submit(principal.subject, answers, outcome, rectify_due, note, request_id, ctx.today()):
            await uow.inspections.save(insp)
        out = await view(uow, insp)
        await uow.commit()
    return out


async def confirm(ctx: Context, principal: Principal, inspection_id: str, signature_sha256: str = "") -> dict[str, Any]:
    """One inspector's confirmation, with the representative's signature when they signed
    (its SHA-256 names an evidence entry of kind signature, so the signed image itself is
    in the tamper-evident chain); the second completes the inspection and its outcome:
    the subject is marked inspected; 立案 opens the penalty case (an event the workflow
    service acts on); 责令限期整改's order goes to the subject's phone (queued here, sent
    after the commit) and its follow-up is made by the sweep when its date comes."""
    if signature_sha256 and (len(signature_sha256) != 64 or not all(c in "0123456789abcdef" for c in signature_sha256)):
        raise InvalidArgument("the signature's sha256 is 64 hex digits", field="signature_sha256", code="invalid_sha256")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        insp = await load(uow, principal, inspection_id, for_update=True)
        insp.require_inspector(principal.subject)
        if signature_sha256 and not any(e["kind"] == "signature" and e["sha256"] == signature_sha256
                                        for e in await uow.inspections.evidence(insp.id)):
            raise FailedPrecondition("the signature is not in the inspection's evidence: upload it first (kind signature)",
                                     code="signature_not_in_evidence")
        completed = insp.confirm(principal.subject, now, signature_sha256)
        if completed and insp.outcome == "case":
            subject = await uow.registry.subject(insp.subject_id)
            assert subject is not None
            insp.open_case(subject["name"], subject["credit_code"], await uow.registry.certificates(list(insp.inspector_ids)))
        await uow.inspections.save(insp)
        if completed:
            if insp.outcome == "rectify":
                await uow.orders.add(insp.id, insp.tenant_id, now)
            await uow.registry.mark_inspected(insp.subject_id, ctx.today())
            if insp.plan_id is not None:
                await _plan_progress(ctx, uow, insp.plan_id)
        out = await view(uow, insp)
        await uow.commit()
    if completed and insp.outcome == "rectify":
        try:  # at once; the sweep tries again if this fails
            await orders.send_due(ctx, insp.id)
        except Exception:
            log.exception("the order to correct was not sent now; the sweep will", extra={"inspection_id": str(insp.id)})
    return out


async def _plan_progress(ctx: Context, uow: UnitOfWork, plan_id: uuid.UUID) -> None:
    """When the last inspection of a plan completes, its results notice falls due within
    `publish_within_days` working days (一公开)."""
    open_ = [i for i in await uow.inspections.of_plan(plan_id) if i.status != "completed"]
    plan = await uow.registry.plan(plan_id, for_update=True)
    if plan is None or open_ or plan.notice_due_time is not None:
        return
    due = (await calendar_of(ctx, uow, plan.tenant_id)).due_after(ctx.clock.now(), plan.publish_within_days)
    await uow.registry.set_plan_status(plan_id, plan.status, notice_due=due)

