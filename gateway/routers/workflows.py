"""Workflow administration of a tenant: definitions, holiday calendar, settings, rating
statistics. Saving a definition validates it (422 naming the problem)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response
from pydantic import BaseModel, Field

from gateway.auth import SignedInDep
from gateway.deps import BackendsDep
from gateway.limits import INT32_MAX, version_number
from gateway.problems import Problem
from gateway.workflow_json import PRIVATE, etag, stub
from gateway.request_limits import DOCUMENT_MAX_BODY
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common import protojson
from gateway.schemas import page, ref, returns

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["workflow admin"])
GROUPS = {"item": pb.STATS_GROUP_BY_ITEM, "department": pb.STATS_GROUP_BY_DEPARTMENT, "tenant": pb.STATS_GROUP_BY_TENANT}
# The years a calendar may be kept for (the workflow service's own bounds).
YearPath = Annotated[int, Path(ge=2000, le=2100, description="a year between 2000 and 2100")]
DEFINITION_EXAMPLE = {
    "name": {"zh": "简易程序"}, "start_state": "submitted",
    "states": [{"name": "submitted", "label": {"zh": "已提交"}, "sla_days": 1}, {"name": "done", "label": {"zh": "已办结"}, "terminal": True}],
    "actions": [{"name": "approve", "from_states": ["submitted"], "to_state": "done", "roles": ["clerk"]}],
}


class CalendarDayBody(BaseModel):
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    working: bool = Field(description="false: a holiday on a weekday; true: a working weekend day (调休)")
    name: str = Field(default="", max_length=100)


class CalendarBody(BaseModel):
    days: list[CalendarDayBody] = Field(max_length=366)


class SettingsBody(BaseModel):
    case_number_prefix: str | None = Field(default=None, description="e.g. HZ; null = inherit")
    rectification_days: int | None = Field(default=None, ge=1, le=60, description="整改 deadline in working days; null = inherit (5)")
    phone_reports_per_day: int | None = Field(default=None, ge=1, le=1000,
                                              description="随手拍 reports a phone without an account files a day here; null = inherit (10)")


def _definition_json(d: pb.WorkflowDefinition, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(d.version)
    return protojson.to_json(d)  # type: ignore[no-any-return]


@router.get("/workflows/{definition_id}", responses=returns(ref(pb.WorkflowDefinition.DESCRIPTOR)), summary="A workflow definition as in force for the tenant (inherited from ancestors)")
async def get_definition(tenant_id: str, definition_id: str, caller: SignedInDep, response: Response, backends: BackendsDep,
                         version: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0) -> dict[str, Any]:
    d = await stub(backends).GetDefinition(pb.GetDefinitionRequest(tenant_id=tenant_id, definition_id=definition_id, version=version),
                                           metadata=caller.metadata)
    return _definition_json(d, response)


@router.put("/workflows/{definition_id}", responses=returns(ref(pb.WorkflowDefinition.DESCRIPTOR)), summary="Save a new version of a workflow definition (validated; If-Match: the version replaced)", max_body_size=DOCUMENT_MAX_BODY)
async def save_definition(tenant_id: str, definition_id: str, caller: SignedInDep, response: Response, backends: BackendsDep,
                          body: Annotated[dict[str, Any], Body(examples=[DEFINITION_EXAMPLE])],
                          if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> dict[str, Any]:
    for read_only in ("id", "tenant_id", "version", "inherited_from", "create_time", "created_by"):
        body.pop(read_only, None)
    draft = protojson.from_json(body, pb.WorkflowDefinition, path="definition")
    draft.id = definition_id
    expected = 0
    if if_match:
        version = version_number(if_match.strip().removeprefix("W/").strip('"'))
        if version is None:
            raise Problem(412, "stale_version", f"If-Match {if_match} is not a version of this definition")
        expected = version
    d = await stub(backends).SaveDefinition(pb.SaveDefinitionRequest(tenant_id=tenant_id, definition=draft, expected_version=expected),
                                            metadata=caller.metadata)
    if d.version == 1:
        response.status_code = 201
    return _definition_json(d, response)


@router.get("/calendar/{year}", responses=returns(ref(pb.HolidayCalendar.DESCRIPTOR)), summary="The tenant's working-day calendar for a year (own days over inherited)")
async def get_calendar(tenant_id: str, year: YearPath, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    cal = await stub(backends).GetHolidayCalendar(pb.GetHolidayCalendarRequest(tenant_id=tenant_id, year=year), metadata=caller.metadata)
    return protojson.to_json(cal)  # type: ignore[no-any-return]


@router.put("/calendar/{year}", responses=returns(ref(pb.HolidayCalendar.DESCRIPTOR)), summary="Replace the tenant's own holidays and adjusted working days of a year", max_body_size=DOCUMENT_MAX_BODY)
async def set_calendar(tenant_id: str, year: YearPath, body: CalendarBody, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    cal = await stub(backends).SetHolidayCalendar(pb.SetHolidayCalendarRequest(
        tenant_id=tenant_id, year=year, days=[pb.CalendarDay(date=d.date, working=d.working, name=d.name) for d in body.days]),
        metadata=caller.metadata)
    return protojson.to_json(cal)  # type: ignore[no-any-return]


@router.get("/workflow-settings", responses=returns(ref(pb.WorkflowSettings.DESCRIPTOR)), summary="Case-number prefix and rectification deadline (own and effective)")
async def get_settings(tenant_id: str, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    s = await stub(backends).GetWorkflowSettings(pb.GetWorkflowSettingsRequest(tenant_id=tenant_id), metadata=caller.metadata)
    return protojson.to_json(s)  # type: ignore[no-any-return]


@router.put("/workflow-settings", responses=returns(ref(pb.WorkflowSettings.DESCRIPTOR)), summary="Set the tenant's case-number prefix and rectification deadline")
async def put_settings(tenant_id: str, body: SettingsBody, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    s = await stub(backends).UpdateWorkflowSettings(pb.UpdateWorkflowSettingsRequest(settings=pb.WorkflowSettings(
        tenant_id=tenant_id, case_number_prefix=body.case_number_prefix or "", rectification_days=body.rectification_days or 0,
        phone_reports_per_day=body.phone_reports_per_day or 0)),
        metadata=caller.metadata)
    return protojson.to_json(s)  # type: ignore[no-any-return]


@router.get("/rating-stats", responses=returns(page(ref(pb.RatingStats.DESCRIPTOR), total=ref(pb.RatingStats.DESCRIPTOR))), summary="好差评 statistics by item, department or tenant")
async def rating_stats(
    tenant_id: str, caller: SignedInDep, response: Response, backends: BackendsDep,
    group_by: Annotated[str, Query(description="item, department or tenant")] = "item",
    include_subtree: bool = False, service_id: Annotated[str, Query(max_length=64)] = "",
    department: Annotated[str, Query(max_length=200)] = "",
    start_time: datetime | None = None, end_time: datetime | None = None,
) -> dict[str, Any]:
    if group_by not in GROUPS:
        raise Problem(422, "validation_failed", "group_by is item, department or tenant",
                      errors=[{"field": "group_by", "code": "unknown_value", "message": "item, department or tenant"}])
    req = pb.GetRatingStatsRequest(tenant_id=tenant_id, group_by=GROUPS[group_by], include_subtree=include_subtree,
                                   service_id=service_id, department=department)
    for field, value in (("start_time", start_time), ("end_time", end_time)):
        if value is not None:
            if value.tzinfo is None:
                raise Problem(422, "validation_failed", f"{field} needs a UTC offset", errors=[{"field": field, "code": "format", "message": "RFC 3339"}])
            getattr(req, field).CopyFrom(protojson.datetime_to_timestamp(value, field=field))
    resp = await stub(backends).GetRatingStats(req, metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [protojson.to_json(s) for s in resp.stats], "next_page_token": "", "total": protojson.to_json(resp.total)}
