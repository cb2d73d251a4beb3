"""随手拍 without an account: a person who proved a phone by SMS code reports, and reads
their report later with a token given once.

Identity proves the phone (a phone token, audience `mgov-phone`, subject
`phone:<pseudonym>`, the masked number); this service never learns the number. Such a
reporter may report only in a category that takes anonymous reports, and the report is
anonymous: handlers see the masked phone and nothing else. The answer carries an access
token bound to the report and to the phone's reporter entry on it (only its SHA-256 is
kept); with it the reporter reads the report, its progress, the result and the photos,
and acts as its reporter: answers a request for information (the first reporter),
rates and reopens it, by the same rules as a reporter with an account. The token
stands for the phone's reporter entry on that report and nothing else: another report
is 404 with it. Each
submission — a merge into an open report or a repeat of the same Idempotency-Key —
gives a new token; earlier ones stay valid. The token is written after the report's
own transaction: should that fail, the report stands and the app's retry with the same
Idempotency-Key answers it again with a token.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from mgov_common.auth import TokenInvalid
from mgov_common.errors import NotFound, PermissionDenied
from mgov_common.principal import PHONE, Principal
from services.workflow.domain.reports import PHONE_REPORTER
from services.workflow.domain.roles import OWNER
from services.workflow.service_layer import reports
from services.workflow.service_layer.applications import parse_id
from services.workflow.service_layer.context import Context
from services.workflow.service_layer.report_places import Photo, read_photo
from services.workflow.service_layer.reports import REPORTER, ReportView, _view

MAX_TOKEN = 200
SUPPLEMENT = "supplement"  # the reporter's answer to a request for information


async def phone_principal(ctx: Context, phone_token: str) -> tuple[Principal, str]:
    """The caller of a phone token, and their masked phone."""
    if ctx.phone_tokens is None:
        raise TokenInvalid("this deployment takes no phone tokens", code="invalid_token")
    claims: dict[str, Any] = await ctx.phone_tokens.claims(phone_token)
    sub, masked = str(claims.get("sub", "")), str(claims.get("phone_masked", ""))
    if claims.get("kind") != PHONE or not sub.startswith(PHONE_REPORTER) or not masked:
        raise TokenInvalid("not a phone token", code="invalid_token")
    return Principal(subject=sub, tenant=str(claims.get("tenant", "")), kind=PHONE, token_id=str(claims.get("jti", ""))), masked


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def submit(ctx: Context, phone_token: str, **kw: Any) -> ReportView:
    principal, masked = await phone_principal(ctx, phone_token)
    view = await reports.submit(ctx, principal, phone_masked=masked, token=None, **kw)
    token = secrets.token_urlsafe(32)
    async with ctx.uow() as uow:
        await uow.reports.add_access_token(_hash(token), view.app.id, principal.subject, ctx.clock.now())
        await uow.commit()
    view.access_token = token
    return view


async def _bound(ctx: Context, uow: Any, report_id: str, token: str) -> tuple[Any, Principal]:
    """The report `token` was given for, and its reporter as a caller (kind PHONE, bound to it)."""
    rid = parse_id(report_id, "report_id")
    row = await uow.reports.access_token(_hash(token)) if 0 < len(token) <= MAX_TOKEN else None
    app = await uow.applications.get(rid) if row is not None and row["application_id"] == rid else None
    if app is None or app.report is None or app.report.reporter(row["reporter_id"]) is None:
        raise NotFound("no such report", code="report_not_found")
    return app, Principal(subject=row["reporter_id"], tenant=app.tenant_id, kind=PHONE)


async def _by_token(ctx: Context, uow: Any, report_id: str, token: str) -> ReportView:
    app, who = await _bound(ctx, uow, report_id, token)
    roles = {REPORTER} | ({OWNER} if app.applicant_id == who.subject else set())
    return await _view(uow, app, roles, who.subject, ctx.clock.now())


async def caller(ctx: Context, report_id: str, token: str) -> Principal:
    """The holder of a report's token, as the caller of a reporter's use case on it."""
    async with ctx.uow() as uow:
        return (await _bound(ctx, uow, report_id, token))[1]


async def get(ctx: Context, report_id: str, token: str) -> ReportView:
    async with ctx.uow() as uow:
        return await _by_token(ctx, uow, report_id, token)


async def act(ctx: Context, report_id: str, token: str, *, action: str, **kw: Any) -> ReportView:
    """Only the reporter's own action: answering a request for information."""
    who = await caller(ctx, report_id, token)
    if action != SUPPLEMENT:
        raise PermissionDenied("with a report's token the reporter answers a request for information only", code="role_not_allowed",
                               field="action")
    return await reports.act(ctx, who, report_id=report_id, action=action, **kw)


async def reopen(ctx: Context, report_id: str, token: str, **kw: Any) -> ReportView:
    return await reports.reopen(ctx, await caller(ctx, report_id, token), report_id=report_id, **kw)


async def rate(ctx: Context, report_id: str, token: str, **kw: Any) -> ReportView:
    return await reports.rate(ctx, await caller(ctx, report_id, token), report_id=report_id, **kw)


async def photo(ctx: Context, report_id: str, photo_id: str, token: str) -> Photo:
    pid = parse_id(photo_id, "photo_id")
    async with ctx.uow() as uow:
        view = await _by_token(ctx, uow, report_id, token)
        return await read_photo(ctx, uow, view.app.id, pid)
