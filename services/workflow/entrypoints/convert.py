"""Domain objects and views <-> mgov.workflow.v1 messages."""

from __future__ import annotations

from typing import Any

from mgov.common.v1 import common_pb2
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common.protojson import datetime_to_timestamp, dict_to_struct
from services.workflow.domain.application import Actor
from services.workflow.domain.definition import Action, Definition, State
from services.workflow.domain.rating import Rating, Rectification
from services.workflow.service_layer.admin import CalendarView, DefinitionView, SettingsView
from services.workflow.service_layer.applications import CaseView
from services.workflow.service_layer.inbox import TaskView
from services.workflow.service_layer.ratings import Stats

KIND_TO_PB = {"user": common_pb2.PRINCIPAL_KIND_USER, "system": common_pb2.PRINCIPAL_KIND_SYSTEM, "platform": common_pb2.PRINCIPAL_KIND_PLATFORM}


_TASK_KINDS = {"case": pb.TASK_KIND_CASE, "rectification": pb.TASK_KIND_RECTIFICATION, "report": pb.TASK_KIND_REPORT}

ts = datetime_to_timestamp  # the one conversion (mgov_common.protojson), by its short local name


def text(raw: dict[str, str] | Any) -> common_pb2.LocalizedText:
    raw = raw or {}
    return common_pb2.LocalizedText(zh=raw.get("zh", ""), en=raw.get("en") or "")


def actor(a: Actor | None) -> common_pb2.Actor | None:
    if a is None:
        return None
    return common_pb2.Actor(kind=KIND_TO_PB.get(a.kind, common_pb2.PRINCIPAL_KIND_UNSPECIFIED), id=a.id, tenant_id=a.tenant_id,
                            display_name=a.display_name)


def material(r: Any) -> pb.MaterialFile:
    up = r["uploaded_by"]
    return pb.MaterialFile(
        id=str(r["id"]), application_id=str(r["application_id"] or ""), material_code=r["material_code"], filename=r["filename"],
        content_type=r["content_type"], sha256=r["sha256"], size_bytes=r["size_bytes"], storage_key=r["storage_key"],
        uploaded_by=actor(Actor(up.get("kind", ""), up.get("id", ""), up.get("tenant_id", ""))), create_time=ts(r["created_at"]),
    )


def rating(r: Rating | None) -> pb.Rating | None:
    if r is None:
        return None
    return pb.Rating(application_id=str(r.application_id), score=r.score, comment=r.comment, create_time=ts(r.created_at),
                     rectification_id=str(r.rectification_id or ""))


def application(v: CaseView) -> pb.Application:
    a, c = v.app, v.app.clocks
    state = a.definition.state(a.status)
    return pb.Application(
        id=str(a.id), case_number=a.case_number, tenant_id=a.tenant_id, service_id=str(a.service_id), service_version=a.service_version,
        service_name=text(a.service_name), department=a.department, applicant_id=a.applicant_id, status=a.status,
        status_label=text(state.label), form=dict_to_struct(a.form), version=a.version, definition_id=a.definition.id,
        definition_version=a.definition.version, assignee_id=a.assignee_id or "", submit_time=ts(a.submitted_at),
        update_time=ts(a.updated_at), complete_time=ts(a.completed_at), due_time=ts(c.case_due_at), state_due_time=ts(c.state_due_at),
        clock_paused=c.paused,
        timeline=[pb.Transition(seq=t.seq, action=t.action, from_state=t.from_state, to_state=t.to_state, actor=actor(t.actor),
                                comment=t.comment, time=ts(t.at), material_ids=[str(m) for m in t.material_ids]) for t in v.timeline],
        materials=[material(m) for m in v.materials], rating=rating(v.rating), available_actions=v.available_actions,
        applicant_tenant_id=a.applicant_tenant_id, eligible_roles=a.eligible_roles, awaits_payment=state.awaits_payment,
    )


def task(t: TaskView) -> pb.Task:
    return pb.Task(
        id=str(t.id), kind=_TASK_KINDS[t.kind], application_id=str(t.application_id),
        case_number=t.case_number, tenant_id=t.tenant_id, service_id=str(t.service_id), service_name=text(t.service_name),
        department=t.department, status=t.status, assignee_id=t.assignee_id or "", due_time=ts(t.due_at), create_time=ts(t.created_at),
        available_actions=t.available_actions, rectification_id=str(t.rectification_id or ""), overdue=t.overdue, escalated=t.escalated,
        location=pb.GeoPoint(lat=t.location[0], lng=t.location[1]) if t.location else None,
    )


def rectification(r: Rectification) -> pb.Rectification:
    return pb.Rectification(
        id=str(r.id), application_id=str(r.application_id), tenant_id=r.tenant_id, department=r.department, score=r.score,
        rating_comment=r.rating_comment, status=pb.RECTIFICATION_STATUS_OPEN if r.status == "open" else pb.RECTIFICATION_STATUS_CLOSED,
        due_time=ts(r.due_at), callback=r.callback, outcome=r.outcome, closed_by=actor(r.closed_by), create_time=ts(r.created_at),
        close_time=ts(r.closed_at), case_number=r.case_number, eligible_roles=r.eligible_roles, assignee_id=r.assignee_id or "",
    )


def stats(s: Stats) -> pb.RatingStats:
    return pb.RatingStats(key=s.key, label=s.label, count=s.count, average_score=s.average, score_counts=s.score_counts,
                          negative_count=s.negative, rectifications_open=s.open, rectifications_closed=s.closed)


def definition_to_pb(v: DefinitionView) -> pb.WorkflowDefinition:
    d = v.definition
    return pb.WorkflowDefinition(
        id=d.id, tenant_id=d.tenant_id, version=d.version, name=text(d.name), start_state=d.start_state,
        states=[pb.State(name=s.name, label=text(s.label), sla_days=s.sla_days, terminal=s.terminal, pauses_clock=s.pauses_clock,
                         outcome=s.outcome, awaits_payment=s.awaits_payment) for s in d.states],
        actions=[pb.Action(name=a.name, label=text(a.label), from_states=a.from_states, to_state=a.to_state, roles=a.roles,
                           comment_required=a.comment_required, materials_required=a.materials_required) for a in d.actions],
        inherited_from=d.inherited_from, create_time=ts(v.created_at), created_by=actor(v.created_by),
    )


def _label(t: common_pb2.LocalizedText) -> dict[str, str]:
    return {"zh": t.zh, "en": t.en} if t.en else {"zh": t.zh}


def definition_from_pb(d: pb.WorkflowDefinition, tenant_id: str) -> Definition:
    return Definition(
        id=d.id.strip(), tenant_id=tenant_id, version=0, name=_label(d.name), start_state=d.start_state.strip(),
        states=tuple(State(s.name, _label(s.label), s.sla_days, s.terminal, s.pauses_clock, s.outcome, s.awaits_payment) for s in d.states),
        actions=tuple(Action(a.name, tuple(a.from_states), a.to_state, tuple(a.roles), _label(a.label), a.comment_required,
                             a.materials_required) for a in d.actions),
    )


def calendar(v: CalendarView) -> pb.HolidayCalendar:
    return pb.HolidayCalendar(tenant_id=v.tenant_id, year=v.year, update_time=ts(v.updated_at),
                              days=[pb.CalendarDay(date=d.isoformat(), working=w, name=n) for d, w, n in v.days])


def settings(v: SettingsView) -> pb.WorkflowSettings:
    return pb.WorkflowSettings(tenant_id=v.tenant_id, case_number_prefix=v.case_prefix or "", rectification_days=v.rectification_days or 0,
                               effective_case_number_prefix=v.effective_case_prefix,
                               effective_rectification_days=v.effective_rectification_days,
                               phone_reports_per_day=v.phone_reports_per_day or 0,
                               effective_phone_reports_per_day=v.effective_phone_reports_per_day)
