"""The InsightService gRPC servicer: proto in, a use case, proto out. No rules here."""

from __future__ import annotations

from typing import Any


from mgov.insight.v1 import insight_pb2 as pb
from mgov.insight.v1 import insight_pb2_grpc
from mgov_common.protojson import datetime_to_timestamp
from mgov_common.principal import require_person
from services.insight.domain.quality import Quality
from services.insight.domain.zombies import Thresholds, Zombie
from services.insight.service_layer import stats, usage, zombies
from services.insight.service_layer.context import Context


def quality_pb(q: Quality) -> pb.Quality:
    return pb.Quality(**q.__dict__)


def item_pb(x: stats.ItemRow) -> pb.ItemStats:
    return pb.ItemStats(item_id=str(x.item_id), tenant_id=x.tenant_id, code=x.code, name_zh=x.name.get("zh", ""),
                        name_en=x.name.get("en", ""), department=x.department, quality=quality_pb(x.quality))


def department_pb(x: stats.DepartmentRow) -> pb.DepartmentStats:
    return pb.DepartmentStats(tenant_id=x.tenant_id, department=x.department, quality=quality_pb(x.quality),
                              open_cases=x.staffing.open_cases, open_cases_unstaffed=x.staffing.open_cases_unstaffed,
                              staff_able_to_act=x.staffing.staff_able_to_act)


def zombie_pb(z: Zombie) -> pb.Zombie:
    return pb.Zombie(kind=z.kind, tenant_id=z.tenant_id, target_id=z.target_id, name_zh=z.name.get("zh", ""), name_en=z.name.get("en", ""),
                     last_active_time=datetime_to_timestamp(z.last_active), idle_days=z.idle_days, threshold_days=z.threshold_days, action=z.action)


def action_pb(a: zombies.ActionRecord) -> pb.ZombieAction:
    return pb.ZombieAction(id=str(a.id), tenant_id=a.tenant_id, kind=a.kind, target_id=a.target_id, action=a.action, reason=a.reason,
                           outcome=a.outcome, error=a.error, actor_id=a.actor_id, create_time=datetime_to_timestamp(a.create_time))


def thresholds_pb(tenant_id: str, t: Thresholds) -> pb.Thresholds:
    return pb.Thresholds(tenant_id=tenant_id, item_unused_days=t.item_unused_days, guide_stale_days=t.guide_stale_days,
                         system_silent_days=t.system_silent_days, account_idle_days=t.account_idle_days, source_tenant_id=t.source_tenant_id,
                         notice_stale_days=t.notice_stale_days, department_unstaffed_days=t.department_unstaffed_days)


class InsightServicer(insight_pb2_grpc.InsightServiceServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def ListItemStats(self, r: pb.ListStatsRequest, context: Any) -> pb.ListItemStatsResponse:
        rows, nxt = await stats.list_items(self.ctx, require_person(), r.tenant_id, stats.date_range(self.ctx, r.from_date, r.to_date),
                                           r.page_size, r.page_token, r.own_only, r.department)
        return pb.ListItemStatsResponse(items=[item_pb(x) for x in rows], next_page_token=nxt)

    async def ListDepartmentStats(self, r: pb.ListStatsRequest, context: Any) -> pb.ListDepartmentStatsResponse:
        rows, nxt = await stats.list_departments(self.ctx, require_person(), r.tenant_id,
                                                 stats.date_range(self.ctx, r.from_date, r.to_date), r.page_size, r.page_token, r.own_only,
                                                 r.department)
        return pb.ListDepartmentStatsResponse(items=[department_pb(x) for x in rows], next_page_token=nxt)

    async def GetDepartmentStats(self, r: pb.GetDepartmentStatsRequest, context: Any) -> pb.DepartmentStats:
        return department_pb(await stats.get_department(self.ctx, require_person(), r.tenant_id, r.department,
                                                         stats.date_range(self.ctx, r.from_date, r.to_date)))

    async def GetItemStats(self, r: pb.GetItemStatsRequest, context: Any) -> pb.ItemStats:
        return item_pb(await stats.get_item(self.ctx, require_person(), r.tenant_id, r.item_id,
                                            stats.date_range(self.ctx, r.from_date, r.to_date)))

    async def ListRankings(self, r: pb.ListStatsRequest, context: Any) -> pb.ListRankingsResponse:
        rows, nxt = await stats.rankings(self.ctx, require_person(), r.tenant_id, stats.date_range(self.ctx, r.from_date, r.to_date),
                                         r.page_size, r.page_token)
        return pb.ListRankingsResponse(items=[pb.Ranking(rank=x.rank, tenant_id=x.tenant_id, name_zh=x.name.get("zh", ""),
                                                         name_en=x.name.get("en", ""), level=x.level, score=x.score,
                                                         quality=quality_pb(x.quality)) for x in rows], next_page_token=nxt)

    async def ListDailyStats(self, r: pb.ListStatsRequest, context: Any) -> pb.ListDailyStatsResponse:
        rows = await stats.daily(self.ctx, require_person(), r.tenant_id, stats.date_range(self.ctx, r.from_date, r.to_date), r.own_only)
        return pb.ListDailyStatsResponse(items=[pb.DailyStats(date=x.day.isoformat(), quality=quality_pb(x.quality)) for x in rows])

    async def ListZombies(self, r: pb.ListZombiesRequest, context: Any) -> pb.ListZombiesResponse:
        rows, nxt = await zombies.list_zombies(self.ctx, require_person(), r.tenant_id, r.kind, r.page_size, r.page_token)
        return pb.ListZombiesResponse(items=[zombie_pb(z) for z in rows], next_page_token=nxt)

    async def ActOnZombie(self, r: pb.ActOnZombieRequest, context: Any) -> pb.ZombieAction:
        return action_pb(await zombies.act(self.ctx, require_person(), r.tenant_id, r.kind, r.target_id, r.action, r.reason))

    async def ListZombieActions(self, r: pb.ListZombieActionsRequest, context: Any) -> pb.ListZombieActionsResponse:
        rows, nxt = await zombies.list_actions(self.ctx, require_person(), r.tenant_id, r.page_size, r.page_token)
        return pb.ListZombieActionsResponse(items=[action_pb(a) for a in rows], next_page_token=nxt)

    async def GetThresholds(self, r: pb.GetThresholdsRequest, context: Any) -> pb.Thresholds:
        return thresholds_pb(r.tenant_id, await zombies.get_thresholds(self.ctx, require_person(), r.tenant_id))

    async def UpdateThresholds(self, r: pb.Thresholds, context: Any) -> pb.Thresholds:
        t = Thresholds(r.item_unused_days, r.guide_stale_days, r.system_silent_days, r.account_idle_days, "", r.notice_stale_days,
                       r.department_unstaffed_days)
        keep = tuple(f for f in ("notice_stale_days", "department_unstaffed_days") if not r.HasField(f))
        return thresholds_pb(r.tenant_id, await zombies.update_thresholds(self.ctx, require_person(), r.tenant_id, t, keep))

    async def RecordUsage(self, r: pb.RecordUsageRequest, context: Any) -> pb.RecordUsageResponse:
        await usage.record(self.ctx, r.item_id, r.kind)
        return pb.RecordUsageResponse()
