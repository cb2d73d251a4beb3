"""The staff inbox (mobile office): tasks, claim, assign, rectification tasks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from gateway.auth import StaffDep
from gateway.deps import BackendsDep
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from gateway.workflow_json import PRIVATE, stub, task_json
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common import protojson
from gateway.schemas import page, ref, returns

router = APIRouter(prefix="/v1", tags=["tasks"])

KINDS = {"": pb.TASK_KIND_UNSPECIFIED, "case": pb.TASK_KIND_CASE, "rectification": pb.TASK_KIND_RECTIFICATION, "report": pb.TASK_KIND_REPORT}
ASSIGNEES = {"": pb.ASSIGNEE_FILTER_UNSPECIFIED, "me": pb.ASSIGNEE_FILTER_ME, "unassigned": pb.ASSIGNEE_FILTER_UNASSIGNED}


class AssignBody(BaseModel):
    assignee_id: str = Field(min_length=1, max_length=64, description="A staff member of the task's tenant who may act on it")


class CloseBody(BaseModel):
    callback: str = Field(min_length=1, max_length=2000, description="回访: how the citizen was called back")
    outcome: str = Field(min_length=1, max_length=2000, description="整改结果: what was changed")


def _choice(value: str, choices: dict[str, int], field: str) -> int:
    if value not in choices:
        allowed = ", ".join(c for c in choices if c)
        raise Problem(422, "validation_failed", f"{field} is one of {allowed}", errors=[{"field": field, "code": "unknown_value", "message": allowed}])
    return choices[value]


@router.get("/tasks", responses=returns(page(ref(pb.Task.DESCRIPTOR))), summary="Your inbox: cases your roles may act on now, and rectification tasks, by due time")
async def list_tasks(
    caller: StaffDep, response: Response, backends: BackendsDep,
    tenant_id: Annotated[str, Query(max_length=31, description="Limit to one tenant (and its subtree)")] = "",
    kind: Annotated[str, Query(description="case or rectification")] = "",
    assignee: Annotated[str, Query(description="me or unassigned")] = "",
    page_size: PageSize = 0, page_token: PageToken = "",
) -> dict[str, Any]:
    resp = await stub(backends).ListTasks(pb.ListTasksRequest(
        tenant_id=tenant_id, kind=_choice(kind, KINDS, "kind"), assignee=_choice(assignee, ASSIGNEES, "assignee"),
        page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [task_json(t) for t in resp.tasks], "next_page_token": resp.next_page_token}


@router.post("/tasks/{task_id}/claim", responses=returns(ref(pb.Task.DESCRIPTOR)), summary="Take an unassigned task")
async def claim(task_id: str, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return task_json(await stub(backends).ClaimTask(pb.ClaimTaskRequest(task_id=task_id), metadata=caller.metadata))


@router.post("/tasks/{task_id}/assign", responses=returns(ref(pb.Task.DESCRIPTOR)), summary="Assign a case to a staff member (supervisor, tenant_admin)")
async def assign(task_id: str, body: AssignBody, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    task = await stub(backends).AssignTask(pb.AssignTaskRequest(task_id=task_id, assignee_id=body.assignee_id), metadata=caller.metadata)
    return task_json(task)


@router.get("/rectifications/{rectification_id}", responses=returns(ref(pb.Rectification.DESCRIPTOR)), summary="A rectification task (整改)")
async def get_rectification(rectification_id: str, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    rect = await stub(backends).GetRectification(pb.GetRectificationRequest(rectification_id=rectification_id), metadata=caller.metadata)
    return protojson.to_json(rect)  # type: ignore[no-any-return]


@router.post("/rectifications/{rectification_id}/close", responses=returns(ref(pb.Rectification.DESCRIPTOR)), summary="Close a rectification with the callback and the outcome")
async def close_rectification(rectification_id: str, body: CloseBody, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    rect = await stub(backends).CloseRectification(pb.CloseRectificationRequest(
        rectification_id=rectification_id, callback=body.callback, outcome=body.outcome), metadata=caller.metadata)
    return protojson.to_json(rect)  # type: ignore[no-any-return]
