"""Which result photos of a report the public map shows: the department marks each one.

A resolution marked public (the handler's `result_public`, else the category's default)
marks all its photos; a handler marks or unmarks one photo at a time afterwards. Only a
photo the department attached to a resolution may be public: a reporter's photos never
(they may show people, number plates, the inside of a home).
"""

from __future__ import annotations

from mgov_common.errors import InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import USER, Principal
from services.workflow.domain import access
from services.workflow.domain.roles import HANDLER_ROLES
from services.workflow.service_layer.applications import parse_id
from services.workflow.service_layer.context import Context
from services.workflow.service_layer.reports import ReportView, _load, _view


async def set_public(ctx: Context, principal: Principal, *, report_id: str, photo_id: str, public: bool) -> ReportView:
    pid = parse_id(photo_id, "photo_id")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        app, roles, _ = await _load(ctx, uow, principal, report_id, for_update=True)
        assert app.report is not None
        if principal.kind != USER or not roles & HANDLER_ROLES:
            raise PermissionDenied("marking photos public is for the staff who handle the report", code="role_not_allowed")
        results = {m for t in await uow.applications.timeline(app.id) if t.to_state == "resolved" for m in t.material_ids}
        if pid not in results:
            if pid in {p["id"] for p in await uow.materials.of_application(app.id)}:
                raise InvalidArgument("only a photo of the department's result may be public", code="not_a_result_photo",
                                      field="photo_id")
            raise NotFound("no such photo", code="photo_not_found")
        await uow.reports.mark_public(app.id, [pid], public, access.actor_of(principal).to_dict(), now)
        app.report.public_photos = (app.report.public_photos | {pid}) if public else (app.report.public_photos - {pid})
        result = await _view(uow, app, roles, principal.subject, now)
        await uow.commit()
    return result
