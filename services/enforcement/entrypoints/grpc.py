"""The EnforcementService gRPC servicer: proto in, a use case, proto out. No rules here."""

from __future__ import annotations

import uuid
from typing import Any

from mgov.enforcement.v1 import enforcement_pb2 as pb
from mgov.enforcement.v1 import enforcement_pb2_grpc
from mgov_common import paging
from mgov_common.errors import InvalidArgument
from mgov_common.paging import PageTokens
from mgov_common.principal import require_person
from services.enforcement.entrypoints import convert as c
from services.enforcement.service_layer import decisions, inspections, plans, positions, registry
from services.enforcement.service_layer.context import Context


class EnforcementServicer(enforcement_pb2_grpc.EnforcementServiceServicer):
    def __init__(self, ctx: Context, pages: PageTokens) -> None:
        self.ctx = ctx
        self.pages = pages

    async def UpsertSubject(self, r: pb.UpsertSubjectRequest, context: Any) -> pb.Subject:
        return c.subject(await registry.save_subject(self.ctx, require_person(), r.tenant_id, c.subject_fields(r.subject)))

    async def GetSubject(self, r: pb.GetSubjectRequest, context: Any) -> pb.Subject:
        return c.subject(await registry.get_subject(self.ctx, require_person(), r.subject_id))

    async def SearchSubjects(self, r: pb.SearchSubjectsRequest, context: Any) -> pb.SearchSubjectsResponse:
        principal = require_person()
        query = paging.fingerprint("subjects", r.tenant_id, r.query, r.category, principal.subject)
        after = self.pages.decode(query, r.page_token, (str, uuid.UUID))
        size = paging.page_size(r.page_size)
        rows = await registry.search_subjects(self.ctx, principal, r.tenant_id, r.query, r.category, size + 1,
                                              (after[0], after[1]) if after else None)
        token = self.pages.encode(query, (rows[size - 1]["name"], str(rows[size - 1]["id"]))) if len(rows) > size else ""
        return pb.SearchSubjectsResponse(subjects=[c.subject(v) for v in rows[:size]], next_page_token=token)

    async def SetInspector(self, r: pb.SetInspectorRequest, context: Any) -> pb.Inspector:
        return c.inspector(await registry.set_inspector(self.ctx, require_person(), r.tenant_id, r.user_id, r.certificate, list(r.categories)))

    async def ListInspectors(self, r: pb.ListInspectorsRequest, context: Any) -> pb.ListInspectorsResponse:
        return pb.ListInspectorsResponse(inspectors=[c.inspector(v) for v in await registry.list_inspectors(self.ctx, require_person(), r.tenant_id)])

    async def DeclareConflict(self, r: pb.DeclareConflictRequest, context: Any) -> pb.DeclareConflictResponse:
        await registry.declare_conflict(self.ctx, require_person(), r.subject_id, r.reason)
        return pb.DeclareConflictResponse()

    async def PublishChecklist(self, r: pb.PublishChecklistRequest, context: Any) -> pb.Checklist:
        items = [{"id": i.id, "text": i.text} for i in r.checks]
        return c.checklist(await registry.publish_checklist(self.ctx, require_person(), r.tenant_id, r.category, items))

    async def GetChecklist(self, r: pb.GetChecklistRequest, context: Any) -> pb.Checklist:
        return c.checklist(await registry.get_checklist(self.ctx, require_person(), r.tenant_id, r.category))

    async def CreatePlan(self, r: pb.CreatePlanRequest, context: Any) -> pb.Plan:
        return c.plan(await plans.create_plan(self.ctx, require_person(), r.tenant_id, c.plan_fields(r.plan)))

    async def GetPlan(self, r: pb.GetPlanRequest, context: Any) -> pb.Plan:
        return c.plan(await plans.get_plan(self.ctx, require_person(), r.plan_id))

    async def ListPlans(self, r: pb.ListPlansRequest, context: Any) -> pb.ListPlansResponse:
        rows = await plans.list_plans(self.ctx, require_person(), r.tenant_id, paging.page_size(r.page_size))
        return pb.ListPlansResponse(plans=[c.plan(v) for v in rows])

    async def DrawPlan(self, r: pb.DrawPlanRequest, context: Any) -> pb.Draw:
        return c.draw(await plans.draw(self.ctx, require_person(), r.plan_id, r.reason))

    async def VerifyPlan(self, r: pb.VerifyPlanRequest, context: Any) -> pb.PlanVerification:
        return c.verification(await plans.verify(self.ctx, require_person(), r.plan_id))

    async def ListMyInspections(self, r: pb.ListMyInspectionsRequest, context: Any) -> pb.ListInspectionsResponse:
        rows = await inspections.my_tasks(self.ctx, require_person(), r.open_only, paging.page_size(r.page_size))
        return pb.ListInspectionsResponse(inspections=[c.inspection(v) for v in rows])

    async def GetInspection(self, r: pb.GetInspectionRequest, context: Any) -> pb.Inspection:
        return c.inspection(await inspections.get(self.ctx, require_person(), r.inspection_id))

    async def StartInspection(self, r: pb.StartInspectionRequest, context: Any) -> pb.Inspection:
        return c.inspection(await inspections.start(self.ctx, require_person(), r.inspection_id))

    async def AddEvidence(self, r: pb.AddEvidenceRequest, context: Any) -> pb.AddEvidenceResponse:
        device_time = c.when(r, "device_time")
        if device_time is None:
            raise InvalidArgument("device_time is when the device captured the evidence", field="device_time", code="required")
        entry, created = await inspections.add_evidence(
            self.ctx, require_person(), r.inspection_id, kind=r.kind, content=r.content, sha256=r.sha256, device_time=device_time,
            position=c.position_in(r), note=r.note, request_id=r.request_id)
        return pb.AddEvidenceResponse(entry=c.entry(entry), created=created)

    async def ListEvidence(self, r: pb.ListEvidenceRequest, context: Any) -> pb.ListEvidenceResponse:
        return pb.ListEvidenceResponse(entries=[c.entry(e) for e in await inspections.list_evidence(self.ctx, require_person(), r.inspection_id)])

    async def GetEvidenceFile(self, r: pb.GetEvidenceFileRequest, context: Any) -> pb.EvidenceFile:
        entry, content = await inspections.evidence_file(self.ctx, require_person(), r.inspection_id, r.seq)
        return pb.EvidenceFile(entry=c.entry(entry), content=content)

    async def VerifyEvidence(self, r: pb.VerifyEvidenceRequest, context: Any) -> pb.EvidenceVerification:
        v = await inspections.verify(self.ctx, require_person(), r.inspection_id)
        return pb.EvidenceVerification(inspection_id=v["inspection_id"], ok=v["ok"], entries=v["entries"], broken_seq=v["broken_seq"],
                                       reason=v["reason"])

    async def SubmitInspection(self, r: pb.SubmitInspectionRequest, context: Any) -> pb.Inspection:
        return c.inspection(await inspections.submit(self.ctx, require_person(), r.inspection_id, c.answers_in(r), r.outcome,
                                                     c.day(r.rectify_due_date, "rectify_due_date"), r.note, r.request_id))

    async def ConfirmInspection(self, r: pb.ConfirmInspectionRequest, context: Any) -> pb.Inspection:
        return c.inspection(await inspections.confirm(self.ctx, require_person(), r.inspection_id, r.signature_sha256))

    async def ListDraws(self, r: pb.ListDrawsRequest, context: Any) -> pb.ListDrawsResponse:
        return pb.ListDrawsResponse(draws=[c.draw(v) for v in await plans.list_draws(self.ctx, require_person(), r.plan_id)])

    async def ReportPosition(self, r: pb.ReportPositionRequest, context: Any) -> pb.ReportPositionResponse:
        at = c.position_in(r)
        if at is None:
            raise InvalidArgument("a report carries the position", field="position", code="required")
        return pb.ReportPositionResponse(receive_time=c.ts(await positions.report(self.ctx, require_person(), r.inspection_id, at)))

    async def ListTeamPositions(self, r: pb.ListTeamPositionsRequest, context: Any) -> pb.ListTeamPositionsResponse:
        rows = await positions.teams(self.ctx, require_person(), r.tenant_id, paging.page_size(r.page_size))
        return pb.ListTeamPositionsResponse(teams=[c.team(v) for v in rows])

    async def SetPenaltyDecision(self, r: pb.SetPenaltyDecisionRequest, context: Any) -> pb.PenaltyDecision:
        return c.decision(await decisions.set_decision(self.ctx, require_person(), r.case_id, {
            "decision_number": r.decision_number, "summary": r.summary, "legal_basis": r.legal_basis, "penalty": r.penalty}))

    async def GetPenaltyDecision(self, r: pb.GetPenaltyDecisionRequest, context: Any) -> pb.PenaltyDecision:
        return c.decision(await decisions.get_decision(self.ctx, require_person(), r.case_id))

    async def ListPenaltyDecisions(self, r: pb.ListPenaltyDecisionsRequest, context: Any) -> pb.ListPenaltyDecisionsResponse:
        """Public: no caller needed."""
        query = paging.fingerprint("penalty-decisions", r.tenant_id)
        after = self.pages.decode(query, r.page_token, (paging.timestamp, paging.text))
        size = paging.page_size(r.page_size)
        rows = await decisions.list_public(self.ctx, r.tenant_id, size + 1, (after[0], after[1]) if after else None)
        token = self.pages.encode(query, (rows[size - 1]["publish_time"].isoformat(), rows[size - 1]["case_id"])) if len(rows) > size else ""
        return pb.ListPenaltyDecisionsResponse(decisions=[c.decision(v) for v in rows[:size]], next_page_token=token)
