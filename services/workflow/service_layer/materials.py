"""Uploading a material: to a case (its applicant or its staff, while it is open) or held
for the caller until they submit. Bytes go to the file store, metadata to `materials`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from mgov_common.errors import Conflict, InvalidArgument, NotFound
from mgov_common.principal import PHONE, USER, Principal
from services.workflow.domain import access
from mgov_common.materials import check_upload
from services.workflow.service_layer.applications import parse_id
from services.workflow.service_layer.context import Context, tree_of


async def add(ctx: Context, principal: Principal, *, application_id: str, material_code: str, filename: str, content: bytes,
              sha256: str) -> dict[str, Any]:
    if not content:
        raise InvalidArgument("send the file's bytes", code="empty_file", field="file")
    kind, digest, name = await asyncio.to_thread(check_upload, content, filename, sha256)
    if len(material_code) > 64:
        raise InvalidArgument("a material code has at most 64 characters", code="too_long", field="material_code")
    actor = access.actor_of(principal)
    app_id = parse_id(application_id, "application_id") if application_id else None
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if app_id is not None:
            tree = await tree_of(ctx, uow)
            app = await uow.applications.get(app_id)
            roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree, app.kind) if app else set()
            if app is None or not roles:
                raise NotFound("no such case", code="application_not_found")
            if app.terminal:
                raise Conflict("the case is closed: no more materials", code="case_closed")
        elif principal.kind not in (USER, PHONE):  # a phone without an account holds report photos
            raise InvalidArgument("materials without a case are held for a signed-in applicant", code="application_required", field="application_id")
        mid = uuid.uuid4()
        row = {
            "id": mid, "application_id": app_id, "owner_id": principal.subject, "material_code": material_code.strip(), "filename": name,
            "content_type": kind, "sha256": digest, "size_bytes": len(content), "storage_key": f"{digest}/{mid}",
            "uploaded_by": actor.to_dict(), "created_at": now,
        }
        await ctx.files.put(uow.conn, row["storage_key"], content)
        await uow.materials.add(row)
        await uow.commit()
    return row
