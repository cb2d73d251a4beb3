"""The gRPC servicer: thin. Takes the verified caller, calls one handler, converts the result.

Domain errors raised below become gRPC statuses in `mgov_common.grpc_server`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from mgov.workflow.v1 import workflow_pb2 as pb
from mgov.workflow.v1 import workflow_pb2_grpc
from mgov_common.principal import current_access_token, current_principal, require_person, require_principal
from mgov_common.protojson import struct_to_dict
from services.workflow.domain.geo import LatLng
from services.workflow.entrypoints import convert, report_convert
from services.workflow.service_layer import admin, applications, inbox, item_use, materials, ratings, report_access, report_photos, report_places, reports
from services.workflow.service_layer.context import Context

_KIND = {pb.TASK_KIND_UNSPECIFIED: "", pb.TASK_KIND_CASE: "case", pb.TASK_KIND_RECTIFICATION: "rectification",
         pb.TASK_KIND_REPORT: "report"}
_ASSIGNEE = {pb.ASSIGNEE_FILTER_UNSPECIFIED: "", pb.ASSIGNEE_FILTER_ME: "me", pb.ASSIGNEE_FILTER_UNASSIGNED: "unassigned"}
_GROUP = {pb.STATS_GROUP_BY_UNSPECIFIED: "item", pb.STATS_GROUP_BY_ITEM: "item", pb.STATS_GROUP_BY_DEPARTMENT: "department",
          pb.STATS_GROUP_BY_TENANT: "tenant"}

Ctx = grpc.aio.ServicerContext


def _time(msg: Any, field: str) -> datetime | None:
    return getattr(msg, field).ToDatetime(tzinfo=UTC) if msg.HasField(field) else None


class WorkflowServicer(workflow_pb2_grpc.WorkflowServiceServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- definitions
    async def SaveDefinition(self, request: pb.SaveDefinitionRequest, context: Ctx) -> pb.WorkflowDefinition:
        draft = convert.definition_from_pb(request.definition, request.tenant_id)
        view = await admin.save_definition(self.ctx, require_principal(), request.tenant_id, draft, request.expected_version)
        return convert.definition_to_pb(view)

    async def GetDefinition(self, request: pb.GetDefinitionRequest, context: Ctx) -> pb.WorkflowDefinition:
        require_principal()
        return convert.definition_to_pb(await admin.get_definition(self.ctx, request.tenant_id, request.definition_id, request.version))

    # -- applications
    async def SubmitApplication(self, request: pb.SubmitApplicationRequest, context: Ctx) -> pb.Application:
        view = await applications.submit(
            self.ctx, require_principal(), service_id=request.service_id, service_version=request.service_version,
            tenant_id=request.tenant_id, form=struct_to_dict(request.form), material_ids=list(request.material_ids),
            request_id=request.request_id, token=current_access_token())
        return convert.application(view)

    async def GetApplication(self, request: pb.GetApplicationRequest, context: Ctx) -> pb.Application:
        return convert.application(await applications.get(self.ctx, require_principal(), request.application_id))

    async def ListApplications(self, request: pb.ListApplicationsRequest, context: Ctx) -> pb.ListApplicationsResponse:
        apps, token = await applications.list_own(self.ctx, require_person(), status=request.status, service_id=request.service_id,
                                                  size=request.page_size, token=request.page_token)
        return pb.ListApplicationsResponse(applications=[convert.application(applications.CaseView(a)) for a in apps], next_page_token=token)

    async def PerformAction(self, request: pb.PerformActionRequest, context: Ctx) -> pb.Application:
        view = await applications.perform(
            self.ctx, require_principal(), application_id=request.application_id, action=request.action, comment=request.comment,
            expected_version=request.expected_version, material_ids=list(request.material_ids), request_id=request.request_id,
            form=struct_to_dict(request.form) if request.HasField("form") else None, token=current_access_token())
        return convert.application(view)

    async def AddMaterial(self, request: pb.AddMaterialRequest, context: Ctx) -> pb.MaterialFile:
        who = (await report_access.phone_principal(self.ctx, request.phone_token))[0] \
            if request.phone_token and current_principal() is None and not request.application_id else require_person()
        row = await materials.add(self.ctx, who, application_id=request.application_id, material_code=request.material_code,
                                  filename=request.filename, content=request.content, sha256=request.sha256)
        return convert.material(row)

    # -- inbox
    async def ListTasks(self, request: pb.ListTasksRequest, context: Ctx) -> pb.ListTasksResponse:
        tasks, token = await inbox.list_tasks(self.ctx, require_person(), tenant_id=request.tenant_id, kind=_KIND.get(request.kind, ""),
                                              assignee=_ASSIGNEE.get(request.assignee, ""), size=request.page_size, token=request.page_token)
        return pb.ListTasksResponse(tasks=[convert.task(t) for t in tasks], next_page_token=token)

    async def ClaimTask(self, request: pb.ClaimTaskRequest, context: Ctx) -> pb.Task:
        return convert.task(await inbox.claim(self.ctx, require_person(), request.task_id))

    async def AssignTask(self, request: pb.AssignTaskRequest, context: Ctx) -> pb.Task:
        return convert.task(await inbox.assign(self.ctx, require_person(), request.task_id, request.assignee_id))

    # -- ratings
    async def RateApplication(self, request: pb.RateApplicationRequest, context: Ctx) -> pb.Rating:
        result = await ratings.rate(self.ctx, require_person(), request.application_id, request.score, request.comment)
        return convert.rating(result)

    async def CloseRectification(self, request: pb.CloseRectificationRequest, context: Ctx) -> pb.Rectification:
        rect = await ratings.close_rectification(self.ctx, require_person(), request.rectification_id, request.callback, request.outcome)
        return convert.rectification(rect)

    async def GetRectification(self, request: pb.GetRectificationRequest, context: Ctx) -> pb.Rectification:
        return convert.rectification(await ratings.get_rectification(self.ctx, require_person(), request.rectification_id))

    async def GetRatingStats(self, request: pb.GetRatingStatsRequest, context: Ctx) -> pb.GetRatingStatsResponse:
        groups, total = await ratings.stats(
            self.ctx, require_principal(), tenant_id=request.tenant_id, group_by=_GROUP.get(request.group_by, "item"),
            include_subtree=request.include_subtree, service_id=request.service_id, department=request.department,
            start=_time(request, "start_time"), end=_time(request, "end_time"))
        return pb.GetRatingStatsResponse(stats=[convert.stats(g) for g in groups], total=convert.stats(total))

    # -- item use (the insight service)
    async def ListItemUse(self, request: pb.ListItemUseRequest, context: Ctx) -> pb.ListItemUseResponse:
        rows, token = await item_use.list_item_use(self.ctx, current_principal(), tenant_id=request.tenant_id,
                                                   page_size=request.page_size, page_token=request.page_token)
        out = pb.ListItemUseResponse(next_page_token=token)
        for r in rows:
            out.items.add(service_id=str(r.service_id), case_count=r.cases).last_submit_time.FromDatetime(r.last_submitted_at)
        return out

    # -- calendar and settings
    async def SetHolidayCalendar(self, request: pb.SetHolidayCalendarRequest, context: Ctx) -> pb.HolidayCalendar:
        view = await admin.set_calendar(self.ctx, require_principal(), request.tenant_id, request.year,
                                        [(d.date, d.working, d.name) for d in request.days])
        return convert.calendar(view)

    async def GetHolidayCalendar(self, request: pb.GetHolidayCalendarRequest, context: Ctx) -> pb.HolidayCalendar:
        require_principal()
        return convert.calendar(await admin.get_calendar(self.ctx, request.tenant_id, request.year))

    async def GetWorkflowSettings(self, request: pb.GetWorkflowSettingsRequest, context: Ctx) -> pb.WorkflowSettings:
        require_principal()
        return convert.settings(await admin.get_settings(self.ctx, request.tenant_id))

    async def UpdateWorkflowSettings(self, request: pb.UpdateWorkflowSettingsRequest, context: Ctx) -> pb.WorkflowSettings:
        s = request.settings
        view = await admin.put_settings(self.ctx, require_principal(), s.tenant_id, s.case_number_prefix or None, s.rectification_days or None,
                                        s.phone_reports_per_day or None)
        return convert.settings(view)

    # -- 随手拍 reports
    async def SubmitReport(self, request: pb.SubmitReportRequest, context: Ctx) -> pb.Report:
        loc = request.location
        kw = dict(category=request.category, description=request.description, address=request.address,
                  lat=loc.lat if request.HasField("location") else float("nan"), lng=loc.lng, photo_ids=list(request.photo_ids),
                  anonymous=request.anonymous, request_id=request.request_id)
        if request.phone_token and current_principal() is None:  # a reporter without an account
            return report_convert.report(await report_access.submit(self.ctx, request.phone_token, **kw))
        return report_convert.report(await reports.submit(self.ctx, require_person(), token=current_access_token(), **kw))  # type: ignore[arg-type]

    async def GetReport(self, request: pb.GetReportRequest, context: Ctx) -> pb.Report:
        if request.access_token and current_principal() is None:
            return report_convert.report(await report_access.get(self.ctx, request.report_id, request.access_token))
        return report_convert.report(await reports.get(self.ctx, require_principal(), request.report_id))

    async def ListMyReports(self, request: pb.ListMyReportsRequest, context: Ctx) -> pb.ListReportsResponse:
        views, token = await reports.list_mine(self.ctx, require_person(), size=request.page_size, token=request.page_token)
        return pb.ListReportsResponse(reports=[report_convert.report(v, full=False) for v in views], next_page_token=token)

    async def ActOnReport(self, request: pb.ActOnReportRequest, context: Ctx) -> pb.Report:
        kw = dict(action=request.action, comment=request.comment, expected_version=request.expected_version,
                  material_ids=list(request.material_ids), request_id=request.request_id,
                  result_public=request.result_public if request.HasField("result_public") else None)
        if request.access_token and current_principal() is None:  # a reporter without an account answers a question
            return report_convert.report(await report_access.act(self.ctx, request.report_id, request.access_token, **kw))  # type: ignore[arg-type]
        return report_convert.report(await reports.act(self.ctx, require_principal(), report_id=request.report_id, **kw))  # type: ignore[arg-type]

    async def MoveReport(self, request: pb.MoveReportRequest, context: Ctx) -> pb.Report:
        view = await reports.move(self.ctx, require_person(), report_id=request.report_id, tenant_id=request.tenant_id,
                                  department=request.department, reason=request.reason, expected_version=request.expected_version)
        return report_convert.report(view)

    async def ReopenReport(self, request: pb.ReopenReportRequest, context: Ctx) -> pb.Report:
        kw = dict(comment=request.comment, expected_version=request.expected_version)
        if request.access_token and current_principal() is None:
            return report_convert.report(await report_access.reopen(self.ctx, request.report_id, request.access_token, **kw))
        return report_convert.report(await reports.reopen(self.ctx, require_person(), report_id=request.report_id, **kw))  # type: ignore[arg-type]

    async def RateReport(self, request: pb.RateReportRequest, context: Ctx) -> pb.Report:
        kw = dict(score=request.score, comment=request.comment)
        if request.access_token and current_principal() is None:
            return report_convert.report(await report_access.rate(self.ctx, request.report_id, request.access_token, **kw))
        return report_convert.report(await reports.rate(self.ctx, require_person(), report_id=request.report_id, **kw))  # type: ignore[arg-type]

    async def ListReportCategories(self, request: pb.ListReportCategoriesRequest, context: Ctx) -> pb.ListReportCategoriesResponse:
        point = LatLng.checked(request.location.lat, request.location.lng) if request.HasField("location") else None
        tenant, cats = await report_places.list_categories(self.ctx, request.tenant_id, point)
        return pb.ListReportCategoriesResponse(tenant_id=tenant, categories=[report_convert.category(c) for c in cats])

    async def SaveReportCategory(self, request: pb.SaveReportCategoryRequest, context: Ctx) -> pb.ReportCategory:
        c = request.category
        raw = {"code": c.code, "name": {"zh": c.name.zh, "en": c.name.en}, "department": c.department,
               "time_limit_days": c.time_limit_days or 5, "merge_radius_m": c.merge_radius_m, "merge_window_h": c.merge_window_h,
               "anonymous_allowed": c.anonymous_allowed, "public_results": c.public_results}
        return report_convert.category(await report_places.save_category(self.ctx, require_principal(), request.tenant_id, raw))

    async def SetTenantBoundary(self, request: pb.SetTenantBoundaryRequest, context: Ctx) -> pb.TenantBoundary:
        view = await report_places.set_boundary(self.ctx, require_principal(), request.tenant_id, struct_to_dict(request.geometry),
                                                _time(request, "event_time"))
        return report_convert.boundary(view)

    async def ListPublicReports(self, request: pb.ListPublicReportsRequest, context: Ctx) -> pb.ListPublicReportsResponse:
        items, token = await report_places.public_feed(self.ctx, request.tenant_id, request.page_size, request.page_token)
        return pb.ListPublicReportsResponse(reports=[report_convert.public(i) for i in items], next_page_token=token)

    async def GetReportStats(self, request: pb.GetReportStatsRequest, context: Ctx) -> pb.GetReportStatsResponse:
        rows = await report_places.stats(self.ctx, require_principal(), request.tenant_id, request.include_subtree,
                                         _time(request, "start_time"), _time(request, "end_time"))
        return pb.GetReportStatsResponse(stats=[report_convert.stats(r) for r in rows])

    async def GetReportPhoto(self, request: pb.GetReportPhotoRequest, context: Ctx) -> pb.ReportPhoto:
        if request.access_token and current_principal() is None and not request.public_tenant_id:
            p = await report_access.photo(self.ctx, request.report_id, request.photo_id, request.access_token)
            return pb.ReportPhoto(id=str(p.id), filename=p.filename, content_type=p.content_type, sha256=p.sha256, content=p.content)
        p = await reports.photo(self.ctx, current_principal(), report_id=request.report_id, photo_id=request.photo_id,
                                public_tenant_id=request.public_tenant_id)
        return pb.ReportPhoto(id=str(p.id), filename=p.filename, content_type=p.content_type, sha256=p.sha256, content=p.content)

    async def SetReportPhotoPublic(self, request: pb.SetReportPhotoPublicRequest, context: Ctx) -> pb.Report:
        view = await report_photos.set_public(self.ctx, require_principal(), report_id=request.report_id, photo_id=request.photo_id,
                                              public=request.public)
        return report_convert.report(view)
