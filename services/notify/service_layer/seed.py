"""The province's base templates (demo mode): every key in-app in Chinese and English,
SMS for what someone must act on, a Hangzhou variant to show inheritance. Idempotent:
a tenant that already has templates is left alone (an admin may have edited them)."""

from __future__ import annotations

from datetime import datetime

from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.categories import TEMPLATE_KEYS
from services.notify.service_layer.context import Context

SEEDER = {"kind": "platform", "id": "notify-seed", "tenant_id": ""}

# key -> (zh title, zh body, en title, en body)
IN_APP = {
    "application.submitted": ("申请已提交", "您的{{ service_name }}申请（{{ case_number }}）已提交，{{ tenant_name }}将尽快受理。",
                              "Application submitted", "Your application for {{ service_name }} ({{ case_number }}) was submitted to {{ tenant_name }}."),
    "application.progressed": ("办理进度更新", "您的申请 {{ case_number }}（{{ service_name }}）已{{ action }}，当前状态：{{ status }}。",
                               "Your case moved on", "Case {{ case_number }} ({{ service_name }}) was {{ action }}; status: {{ status }}."),
    "application.returned": ("请补正材料", "您的申请 {{ case_number }}（{{ service_name }}）需要补正材料：{{ comment }}",
                             "More materials needed", "Case {{ case_number }} ({{ service_name }}) needs more materials: {{ comment }}"),
    "application.completed": ("办件已办结", "您的申请 {{ case_number }}（{{ service_name }}）已办结。{{ comment }}",
                              "Case completed", "Case {{ case_number }} ({{ service_name }}) is completed. {{ comment }}"),
    "application.rejected": ("办件未通过", "您的申请 {{ case_number }}（{{ service_name }}）未予通过：{{ comment }}",
                             "Case rejected", "Case {{ case_number }} ({{ service_name }}) was rejected: {{ comment }}"),
    "task.new": ("新的待办", "{{ service_name }} {{ case_number }} 待处理（{{ status }}）。", "New task",
                 "{{ service_name }} {{ case_number }} awaits you ({{ status }})."),
    "task.assigned": ("办件已分派给您", "{{ service_name }} {{ case_number }} 已分派给您。", "Case assigned to you",
                      "{{ service_name }} {{ case_number }} was assigned to you."),
    "sla.warning": ("办理时限预警", "办件 {{ case_number }}（{{ status }}）将于 {{ due_at }} 到期。", "Deadline approaching",
                    "Case {{ case_number }} ({{ status }}) is due {{ due_at }}."),
    "sla.breached": ("办件已超期", "办件 {{ case_number }}（{{ status }}）已于 {{ due_at }} 超期，请立即处理。", "Deadline missed",
                     "Case {{ case_number }} ({{ status }}) was due {{ due_at }}: act now."),
    "rectification.opened": ("差评整改任务", "办件 {{ case_number }} 收到 {{ score }} 分评价，请于 {{ due_at }} 前完成整改并回访。",
                             "Rectification task", "Case {{ case_number }} was rated {{ score }}; rectify and call back by {{ due_at }}."),
    "notice.published": ("{{ tenant_name }}发布公告", "{{ title }}", "Notice from {{ tenant_name }}", "{{ title }}"),
    "account.sign_in_throttled": ("账号登录提醒", "您的账号刚刚连续 {{ failure_count }} 次密码错误，登录已暂时放慢（最长等待 {{ max_delay_minutes }} 分钟）。如非本人操作，请尽快修改密码。",
                                  "Sign-in attempts on your account", "{{ failure_count }} wrong passwords were just tried on your account, so signing in is slowed for a while (at most {{ max_delay_minutes }} min). If this was not you, change your password."),
    "appointment.reminder": ("预约提醒", "您预约的{{ service_name }}将于{{ reminder }}（{{ start_at }}）在{{ hall_name }}办理，地址：{{ address }}。到场后出示预约码 {{ code }} 签到。",
                             "Appointment reminder", "Your appointment for {{ service_name }} at {{ hall_name }} is {{ reminder }} ({{ start_at }}), {{ address }}. Check in with code {{ code }}."),
    "appointment.cancelled": ("预约已取消", "您在{{ hall_name }}办理{{ service_name }}的预约（{{ start_at }}）已取消。",
                              "Appointment cancelled", "Your appointment for {{ service_name }} at {{ hall_name }} ({{ start_at }}) is cancelled."),
    "appointment.cancelled_by_hall": ("预约因大厅调整被取消", "很抱歉，{{ hall_name }}调整了 {{ start_at }} 的办理安排，您办理{{ service_name }}的预约已取消，请重新预约。{{ note }}",
                                      "Appointment cancelled by the hall", "{{ hall_name }} changed its schedule for {{ start_at }}: your appointment for {{ service_name }} is cancelled; please book again. {{ note }}"),
    "report.dispatched": ("随手拍已派发", "您反映的“{{ service_name }}”问题（{{ case_number }}）已派发至{{ tenant_name }}{{ department }}处理。",
                          "Report dispatched", "Your report ({{ service_name }}, {{ case_number }}) went to {{ tenant_name }}, {{ department }}."),
    "report.info_requested": ("请补充说明", "您反映的问题 {{ case_number }} 需要补充说明：{{ comment }}",
                              "More information needed", "Your report {{ case_number }} needs more information: {{ comment }}"),
    "report.resolved": ("随手拍已办结", "您反映的“{{ service_name }}”问题（{{ case_number }}）已由{{ department }}处理：{{ comment }}",
                        "Report resolved", "Your report ({{ service_name }}, {{ case_number }}) was resolved by {{ department }}: {{ comment }}"),
    "report.closed": ("随手拍未予处理", "您反映的问题 {{ case_number }} 未予处理：{{ comment }}",
                      "Report not taken up", "Your report {{ case_number }} was not taken up: {{ comment }}"),
    "insight.weekly_report": ("{{ tenant_name }}运营周报", "{{ week_start }} 起一周：申请 {{ submitted }} 件，办结 {{ completed }} 件，按时办结率 {{ on_time }}，好差评均分 {{ rating }}，僵尸事项/系统/账号 {{ zombies }} 个。点击查看运营看板。",
                              "Weekly operations report: {{ tenant_name }}", "Week of {{ week_start }}: {{ submitted }} applications, {{ completed }} completed, {{ on_time }} on time, rating {{ rating }}, {{ zombies }} zombies. Open the dashboard."),
    "payment.reconciliation_mismatch": ("对账差异", "{{ bill_date }} 对账发现差异：{{ finding }}（商户订单号 {{ out_trade_no }}），请核查。",
                                        "Reconciliation mismatch", "Reconciliation of {{ bill_date }}: {{ finding }} (out_trade_no {{ out_trade_no }}); please check."),
    "rating.invitation": ("邀请您评价", "您的办件 {{ case_number }}（{{ service_name }}）已办结，欢迎对本次服务进行评价（好差评）。",
                          "Rate our service", "Case {{ case_number }} ({{ service_name }}) is closed: please rate the service."),
}
SMS = {
    "account.sign_in_throttled": "您的账号刚刚连续{{ failure_count }}次密码错误。如非本人操作，请尽快修改密码。",
    "application.returned": "您的申请{{ case_number }}需补正材料，请登录浙里办查看。",
    "application.completed": "您的申请{{ case_number }}（{{ service_name }}）已办结。",
    "application.rejected": "您的申请{{ case_number }}（{{ service_name }}）未予通过，详情请登录浙里办查看。",
    "sla.breached": "办件{{ case_number }}已超期，请立即处理。",
    "appointment.reminder": "您预约的{{ service_name }}将于{{ start_at }}在{{ hall_name }}办理，预约码{{ code }}。",
    "appointment.cancelled_by_hall": "{{ hall_name }}调整了{{ start_at }}的办理安排，您的预约已取消，请重新预约。",
    "report.dispatched": "您反映的问题{{ case_number }}已派发至{{ department }}处理。",
    "report.info_requested": "您反映的问题{{ case_number }}需要补充说明：{{ comment }}。请在随手拍中回复。",
    "report.resolved": "您反映的问题{{ case_number }}已办结，请在随手拍中查看处理结果并评价。",
    "report.closed": "您反映的问题{{ case_number }}未予处理：{{ comment }}",
    "rectification.opened": "办件{{ case_number }}收到差评，请于{{ due_at }}前完成整改。",
}
HANGZHOU_SUBMITTED = ("杭州办事 · 申请已提交", "您的{{ service_name }}申请（{{ case_number }}）已提交至{{ tenant_name }}，可在“我的办件”查看进度。")


async def seed_demo(ctx: Context, province: str, now: datetime) -> int:
    made = 0
    async with UnitOfWork(ctx.pool) as uow:
        if await uow.templates.count(province) == 0:
            for key, (zh_t, zh_b, en_t, en_b) in IN_APP.items():
                spec = TEMPLATE_KEYS[key]
                for locale, title, body in (("zh-CN", zh_t, zh_b), ("en", en_t, en_b)):
                    await uow.templates.add(tenant_id=province, key=key, channel="in_app", locale=locale, category=spec.category,
                                              title=title, body=body, urgent=spec.urgent, now=now, created_by=SEEDER)
                    made += 1
            for key, body in SMS.items():
                spec = TEMPLATE_KEYS[key]
                await uow.templates.add(tenant_id=province, key=key, channel="sms", locale="zh-CN", category=spec.category,
                                          title="", body=body, urgent=spec.urgent, now=now, created_by=SEEDER)
                made += 1
        elif not await uow.templates.candidates("report.resolved", [province]):
            made += await _add_missing(uow, province, now, [k for k in IN_APP if k.startswith("report.")])
        if await uow.templates.count(province) and not await uow.templates.candidates("insight.weekly_report", [province]):
            made += await _add_missing(uow, province, now, ["insight.weekly_report"])
        if await uow.templates.count(province) and not any(t.channel == "sms" for t in await uow.templates.candidates("report.dispatched", [province])):
            for key in ("report.dispatched", "report.info_requested", "report.closed"):  # SMS to reporters without an account
                spec = TEMPLATE_KEYS[key]
                await uow.templates.add(tenant_id=province, key=key, channel="sms", locale="zh-CN", category=spec.category,
                                        title="", body=SMS[key], urgent=spec.urgent, now=now, created_by=SEEDER)
                made += 1
        if province == "zhejiang" and await uow.templates.count("hangzhou") == 0:
            await uow.templates.add(tenant_id="hangzhou", key="application.submitted", channel="in_app", locale="zh-CN",
                                      category=TEMPLATE_KEYS["application.submitted"].category, title=HANGZHOU_SUBMITTED[0],
                                      body=HANGZHOU_SUBMITTED[1], urgent=False, now=now, created_by=SEEDER)
            made += 1
        await uow.commit()
    return made


async def _add_missing(uow: UnitOfWork, province: str, now: datetime, keys: list[str]) -> int:
    """Templates of keys added since a home was first seeded (its other templates are left alone)."""
    made = 0
    for key in keys:
        spec = TEMPLATE_KEYS[key]
        zh_t, zh_b, en_t, en_b = IN_APP[key]
        for locale, title, body in (("zh-CN", zh_t, zh_b), ("en", en_t, en_b)):
            await uow.templates.add(tenant_id=province, key=key, channel="in_app", locale=locale, category=spec.category,
                                    title=title, body=body, urgent=spec.urgent, now=now, created_by=SEEDER)
            made += 1
        if key in SMS:
            await uow.templates.add(tenant_id=province, key=key, channel="sms", locale="zh-CN", category=spec.category,
                                    title="", body=SMS[key], urgent=spec.urgent, now=now, created_by=SEEDER)
            made += 1
    return made
