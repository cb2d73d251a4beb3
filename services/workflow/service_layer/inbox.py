"""The staff inbox (mobile office): tasks where the caller's roles may act, claim, assign."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from mgov_common import paging
from mgov_common.errors import Conflict, FailedPrecondition, NotFound, PermissionDenied
from mgov_common.principal import Principal
from mgov_common.principal import current_access_token
from services.workflow.domain import access
from services.workflow.domain.roles import MANAGER_ROLES, SUPERVISOR
from services.workflow.service_layer.applications import parse_id
from services.workflow.service_layer.context import Context, tree_of

KINDS = ("", "case", "rectification")
ASSIGNEE = ("", "me", "unassigned")


@dataclass
class TaskView:
    id: uuid.UUID
    kind: str
    application_id: uuid.UUID
    case_number: str
    tenant_id: str
    service_id: uuid.UUID
    service_name: dict[str, str]
    department: str
    status: str
    assignee_id: str | None
    due_at: datetime | None
    created_at: datetime
    rectification_id: uuid.UUID | None
    overdue: bool
    escalated: bool = False
    available_actions: list[str] = field(default_factory=list)
    location: tuple[float, float] | None = None  # a report's place


async def list_tasks(ctx: Context, principal: Principal, *, tenant_id: str, kind: str, assignee: str, size: int,
                     token: str) -> tuple[list[TaskView], str]:
    limit = paging.page_size(size)
    query = paging.fingerprint("tasks", principal.subject, tenant_id, kind, assignee)
    after = ctx.pages.decode(query, token, (paging.text, uuid.UUID))
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        if tenant_id and not access.staff_roles_in(principal, tenant_id, tree):
            raise PermissionDenied(f"you hold no staff role in {tenant_id}", code="not_staff")
        keys = access.inbox_keys(principal, tree, tenant_id or None)
        if not keys:
            raise PermissionDenied("the inbox is for staff", code="not_staff")
        escalation = sorted({k.split(":", 1)[0] for k in keys if k.endswith(f":{SUPERVISOR}")})
        rows = await uow.tasks.inbox(keys, escalation, kind=kind, assignee=assignee, me=principal.subject,
                                     after=after, limit=limit + 1)
        tasks = []
        for r in rows[:limit]:
            actions: list[str] = []
            if r["kind"] in ("case", "report"):
                defn = await uow.definitions.get(r["definition_tenant"], r["definition_id"], r["definition_version"])
                roles = access.roles_on_case(principal, r["tenant_id"], r["applicant_id"], tree, "report" if r["kind"] == "report" else "application")
                actions = [a.name for a in defn.actions_from(r["status"]) if roles & set(a.roles)]
            tasks.append(TaskView(r["id"], r["kind"], r["application_id"], r["case_number"], r["tenant_id"], r["service_id"],
                                  r["service_name"], r["department"], r["status"], r["assignee_id"], r["due_at"], r["created_at"],
                                  r["rectification_id"], bool(r["due_at"] and r["due_at"] < now), r["escalated"], actions,
                                  (r["lat"], r["lng"]) if r["lat"] is not None else None))
    next_token = ""
    if len(rows) > limit:
        last = tasks[-1]
        next_token = ctx.pages.encode(query, [last.due_at.isoformat() if last.due_at else "infinity", str(last.id)])
    return tasks, next_token


async def claim(ctx: Context, principal: Principal, task_id: str) -> TaskView:
    tid = parse_id(task_id, "task_id")
    if not principal.is_person:
        raise PermissionDenied("only a staff member claims a task", code="user_only")
    actor = access.actor_of(principal)
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        app = await uow.applications.get(tid, for_update=True)
        if app is not None:
            roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree) - {"owner"}
            if not roles:
                raise NotFound("no such task", code="task_not_found")
            loaded = app.version
            app.claim(actor=actor, roles=roles, now=ctx.clock.now())
            await uow.applications.save(app, loaded)
            await uow.commit()
            return _case_task(app, ctx, roles)
        rect = await uow.tasks.rectification(tid, for_update=True)
        roles = access.staff_roles_in(principal, rect.tenant_id, tree) if rect else set()
        if rect is None or not roles & set(rect.eligible_roles):
            raise NotFound("no such task", code="task_not_found")
        if rect.status != "open":
            raise Conflict("the rectification is closed", code="rectification_closed")
        if rect.assignee_id and rect.assignee_id != actor.id:
            raise Conflict("the task is already assigned to someone else", code="already_assigned")
        rect.assignee_id = actor.id
        await uow.tasks.save_rectification(rect)
        app = await uow.applications.get(rect.application_id)
        assert app is not None
        await uow.commit()
        return TaskView(rect.id, "rectification", rect.application_id, rect.case_number, rect.tenant_id, app.service_id, app.service_name,
                        rect.department, rect.status, rect.assignee_id, rect.due_at, rect.created_at, rect.id, rect.due_at < ctx.clock.now())


async def assign(ctx: Context, principal: Principal, task_id: str, assignee_id: str) -> TaskView:
    tid = parse_id(task_id, "task_id")
    if not assignee_id:
        raise FailedPrecondition("name the staff member to assign", code="required", field="assignee_id")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        app = await uow.applications.get(tid, for_update=True)
        roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree) - {"owner"} if app else set()
        if app is None or not roles:
            raise NotFound("no such task", code="task_not_found")
        if not roles & MANAGER_ROLES or not principal.is_person:
            raise PermissionDenied("assigning needs the supervisor or tenant_admin role", code="role_not_allowed")
        if ctx.staff is None:
            raise FailedPrecondition("the staff directory is not reachable", code="staff_directory_unavailable")
        bindings = await ctx.staff.roles_of(assignee_id, current_access_token())
        if bindings is None:
            raise NotFound("no such staff member", code="assignee_not_found", field="assignee_id")
        assignee_roles = {b.role for b in bindings if tree.covers(b.tenant, app.tenant_id)}
        loaded = app.version
        app.assign(actor=access.actor_of(principal), roles=roles, assignee_id=assignee_id, assignee_roles=assignee_roles, now=ctx.clock.now())
        await uow.applications.save(app, loaded)
        await uow.commit()
        return _case_task(app, ctx, roles)


def _case_task(app, ctx: Context, roles: set[str]) -> TaskView:  # type: ignore[no-untyped-def]
    due = app.clocks.state_due_at or app.clocks.case_due_at
    return TaskView(app.id, "case", app.id, app.case_number, app.tenant_id, app.service_id, app.service_name, app.department, app.status,
                    app.assignee_id, due, app.submitted_at, None, bool(due and due < ctx.clock.now()), False, app.available_actions(roles))
