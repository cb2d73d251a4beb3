"""运营 figures of a tenant and its subtree, for its administrators and supervisors.

    GET  /v1/tenants/{t}/insight/items        funnel and quality per item (format=csv: a spreadsheet; department=: one department's)
    GET  /v1/tenants/{t}/insight/items/{id}   one item of the subtree
    GET  /v1/tenants/{t}/insight/departments  the same per department, with open cases and staff able to act
    GET  /v1/tenants/{t}/insight/departments/{department}   one department of the tenant itself
    GET  /v1/tenants/{t}/insight/rankings     the tenant's children ranked (docs/insight.md)
    GET  /v1/tenants/{t}/insight/daily        the subtree's figures day by day (a trend)
    GET  /v1/tenants/{t}/insight/zombies      what looks dead under the thresholds (kinds: docs/insight.md)
    POST /v1/tenants/{t}/insight/zombies/actions   retire an item / revoke a system / disable an account, audited
    GET  /v1/tenants/{t}/insight/zombie-actions    the actions taken
    GET|PUT /v1/tenants/{t}/insight/thresholds
    POST /v1/insight/usage                     the app: a guide viewed, an application form started

A tenant the caller may not see is 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, PersonDep
from gateway.deps import BackendsDep
from gateway.insight_json import PRIVATE, stub, to_csv, to_json
from gateway.paging import PageSize, PageToken
from gateway.schemas import page, ref, returns
from gateway.usage_limit import UsageLimiterDep
from mgov.insight.v1 import insight_pb2 as pb

router = APIRouter(prefix="/v1", tags=["insight"])
Day = Annotated[str, Query(pattern=r"^$|^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD (China time); default: the last 30 days")]
Format = Annotated[Literal["json", "csv"], Query(description="csv: every page as one spreadsheet (at most 10,000 rows)")]
Department = Annotated[str, Query(max_length=100, description="only this department's (its exact name)")]
CSV_MAX_PAGES = 20


class ZombieActionBody(BaseModel):
    kind: Literal["item_unused", "guide_stale", "system_silent", "account_idle"]
    target_id: str = Field(min_length=1, max_length=64)
    action: Literal["retire_item", "revoke_system", "disable_account"]
    reason: str = Field(default="", max_length=500)


class ThresholdsBody(BaseModel):
    item_unused_days: int = Field(ge=0, le=3650)
    guide_stale_days: int = Field(ge=0, le=3650)
    system_silent_days: int = Field(ge=0, le=3650)
    account_idle_days: int = Field(ge=0, le=3650)
    # Left out: the value in force is kept.
    notice_stale_days: int | None = Field(default=None, ge=0, le=3650)
    department_unstaffed_days: int | None = Field(default=None, ge=0, le=3650)


class UsageBody(BaseModel):
    item_id: str = Field(min_length=1, max_length=64)
    kind: Literal["guide_viewed", "application_started"]


async def _listing(fetch: Callable[[int, str], Awaitable[Any]], page_size: int, page_token: str, fmt: str, name: str,
                   response: Response) -> Any:
    """One page as JSON, or (format=csv) the pages one after another as a CSV file."""
    if fmt == "json":
        resp = await fetch(page_size, page_token)
        response.headers["Cache-Control"] = PRIVATE
        return {"items": [to_json(x) for x in resp.items], "next_page_token": resp.next_page_token}
    rows: list[dict[str, Any]] = []
    token = page_token
    for _ in range(CSV_MAX_PAGES):
        resp = await fetch(500, token)
        rows += [to_json(x) for x in resp.items]
        token = resp.next_page_token
        if not token:
            break
    return PlainTextResponse(to_csv(rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": PRIVATE})


@router.get("/tenants/{tenant_id}/insight/items", responses=returns(page(ref(pb.ItemStats.DESCRIPTOR))), response_model=None,
            summary="Funnel and quality per item of the tenant and its subtree")
async def items(tenant_id: str, caller: PersonDep, backends: BackendsDep, response: Response, from_date: Day = "", to_date: Day = "",
                own_only: bool = False, department: Department = "", page_size: PageSize = 0, page_token: PageToken = "",
                format: Format = "json") -> Any:
    async def fetch(size: int, token: str) -> Any:
        return await stub(backends).ListItemStats(pb.ListStatsRequest(tenant_id=tenant_id, from_date=from_date, to_date=to_date,
                                                                      own_only=own_only, department=department, page_size=size,
                                                                      page_token=token),
                                                  metadata=caller.metadata)
    return await _listing(fetch, page_size, page_token, format, f"{tenant_id}-items", response)


@router.get("/tenants/{tenant_id}/insight/departments", responses=returns(page(ref(pb.DepartmentStats.DESCRIPTOR))),
            response_model=None, summary="Funnel and quality per department of the tenant and its subtree")
async def departments(tenant_id: str, caller: PersonDep, backends: BackendsDep, response: Response, from_date: Day = "",
                      to_date: Day = "", own_only: bool = False, department: Department = "", page_size: PageSize = 0,
                      page_token: PageToken = "", format: Format = "json") -> Any:
    async def fetch(size: int, token: str) -> Any:
        return await stub(backends).ListDepartmentStats(pb.ListStatsRequest(tenant_id=tenant_id, from_date=from_date, to_date=to_date,
                                                                            own_only=own_only, department=department, page_size=size,
                                                                            page_token=token),
                                                        metadata=caller.metadata)
    return await _listing(fetch, page_size, page_token, format, f"{tenant_id}-departments", response)


@router.get("/tenants/{tenant_id}/insight/departments/{department}", responses=returns(ref(pb.DepartmentStats.DESCRIPTOR)),
            summary="One department of the tenant itself: its figures, open cases and the staff able to act on them")
async def department(tenant_id: str, department: Annotated[str, Path(min_length=1, max_length=100)], caller: PersonDep,
                     backends: BackendsDep, response: Response, from_date: Day = "", to_date: Day = "") -> dict[str, Any]:
    found = await stub(backends).GetDepartmentStats(pb.GetDepartmentStatsRequest(tenant_id=tenant_id, department=department,
                                                                                 from_date=from_date, to_date=to_date),
                                                    metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return to_json(found)


@router.get("/tenants/{tenant_id}/insight/items/{item_id}", responses=returns(ref(pb.ItemStats.DESCRIPTOR)),
            summary="One item of the tenant's subtree: its funnel and quality")
async def item(tenant_id: str, item_id: Annotated[str, Path(max_length=64)], caller: PersonDep, backends: BackendsDep,
               response: Response, from_date: Day = "", to_date: Day = "") -> dict[str, Any]:
    found = await stub(backends).GetItemStats(pb.GetItemStatsRequest(tenant_id=tenant_id, item_id=item_id, from_date=from_date,
                                                                     to_date=to_date), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return to_json(found)


@router.get("/tenants/{tenant_id}/insight/rankings", responses=returns(page(ref(pb.Ranking.DESCRIPTOR))), response_model=None,
            summary="The tenant's cities or counties ranked on on-time rate, satisfaction and online share")
async def rankings(tenant_id: str, caller: PersonDep, backends: BackendsDep, response: Response, from_date: Day = "",
                   to_date: Day = "", page_size: PageSize = 0, page_token: PageToken = "", format: Format = "json") -> Any:
    async def fetch(size: int, token: str) -> Any:
        return await stub(backends).ListRankings(pb.ListStatsRequest(tenant_id=tenant_id, from_date=from_date, to_date=to_date,
                                                                     page_size=size, page_token=token), metadata=caller.metadata)
    return await _listing(fetch, page_size, page_token, format, f"{tenant_id}-rankings", response)


@router.get("/tenants/{tenant_id}/insight/daily", responses=returns(page(ref(pb.DailyStats.DESCRIPTOR))), response_model=None,
            summary="The figures of each day of the range over the tenant's subtree, oldest first (a trend; one page)")
async def daily(tenant_id: str, caller: PersonDep, backends: BackendsDep, response: Response, from_date: Day = "", to_date: Day = "",
                own_only: bool = False, format: Format = "json") -> Any:
    async def fetch(size: int, token: str) -> Any:
        return await stub(backends).ListDailyStats(pb.ListStatsRequest(tenant_id=tenant_id, from_date=from_date, to_date=to_date,
                                                                       own_only=own_only), metadata=caller.metadata)
    return await _listing(fetch, 0, "", format, f"{tenant_id}-daily", response)


@router.get("/tenants/{tenant_id}/insight/zombies", responses=returns(page(ref(pb.Zombie.DESCRIPTOR))), response_model=None,
            summary="Unused items, stale guides and notices, silent systems, idle staff accounts and unstaffed departments under the thresholds")
async def zombies(tenant_id: str, caller: PersonDep, backends: BackendsDep, response: Response,
                  kind: Annotated[str, Query(max_length=32)] = "", page_size: PageSize = 0, page_token: PageToken = "",
                  format: Format = "json") -> Any:
    async def fetch(size: int, token: str) -> Any:
        return await stub(backends).ListZombies(pb.ListZombiesRequest(tenant_id=tenant_id, kind=kind, page_size=size, page_token=token),
                                                metadata=caller.metadata)
    return await _listing(fetch, page_size, page_token, format, f"{tenant_id}-zombies", response)


@router.post("/tenants/{tenant_id}/insight/zombies/actions", responses=returns(ref(pb.ZombieAction.DESCRIPTOR), 201), status_code=201,
             summary="Act on a zombie: retire the item, revoke the system or disable the account (with your own authority there; audited)")
async def act(tenant_id: str, body: ZombieActionBody, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    done = await stub(backends).ActOnZombie(pb.ActOnZombieRequest(tenant_id=tenant_id, kind=body.kind, target_id=body.target_id,
                                                                  action=body.action, reason=body.reason), metadata=caller.metadata)
    return to_json(done)


@router.get("/tenants/{tenant_id}/insight/zombie-actions", responses=returns(page(ref(pb.ZombieAction.DESCRIPTOR))),
            summary="The actions taken from the zombie list of the tenant's subtree, newest first")
async def actions(tenant_id: str, caller: PersonDep, backends: BackendsDep, response: Response, page_size: PageSize = 0,
                  page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).ListZombieActions(pb.ListZombieActionsRequest(tenant_id=tenant_id, page_size=page_size,
                                                                              page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(x) for x in resp.items], "next_page_token": resp.next_page_token}


@router.get("/tenants/{tenant_id}/insight/thresholds", responses=returns(ref(pb.Thresholds.DESCRIPTOR)),
            summary="The zombie thresholds in force for the tenant (its own, an ancestor's, or the defaults)")
async def thresholds(tenant_id: str, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).GetThresholds(pb.GetThresholdsRequest(tenant_id=tenant_id), metadata=caller.metadata))


@router.put("/tenants/{tenant_id}/insight/thresholds", responses=returns(ref(pb.Thresholds.DESCRIPTOR)),
            summary="Set the tenant's zombie thresholds (for it and the tenants below without their own)")
async def set_thresholds(tenant_id: str, body: ThresholdsBody, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).UpdateThresholds(pb.Thresholds(tenant_id=tenant_id, **body.model_dump(exclude_none=True)), metadata=caller.metadata))


@router.post("/insight/usage", status_code=204, summary="The app reports a guide viewed or an application form started")
async def usage(body: UsageBody, caller: CallerDep, backends: BackendsDep, limiter: UsageLimiterDep) -> Response:
    if not limiter.admit(caller.source_address, body.item_id, body.kind):
        return Response(status_code=204)  # counted already from this address (gateway/usage_limit.py)
    await stub(backends).RecordUsage(pb.RecordUsageRequest(item_id=body.item_id, kind=body.kind), metadata=caller.metadata)
    limiter.recorded(caller.source_address, body.item_id, body.kind)
    return Response(status_code=204)
