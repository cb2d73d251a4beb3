"""The NotifyService gRPC servicer: proto in, a use case, proto out. No rules here.

Every user-facing RPC acts for the verified principal bound by the server interceptor
(`require_principal()`): the recipient is always the caller.
"""

from __future__ import annotations

from typing import Any

from mgov.notify.v1 import notify_pb2 as pb
from mgov.notify.v1 import notify_pb2_grpc
from mgov_common.errors import InvalidArgument
from mgov_common.principal import require_person, require_principal
from services.notify.entrypoints import convert as c
from services.notify.service_layer import admin, devices, enforcement_sms, inbox, preferences, security_sms
from services.notify.service_layer.context import Context


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def ListNotifications(self, r: pb.ListNotificationsRequest, context: Any) -> pb.ListNotificationsResponse:
        q = inbox.ListQuery(r.unread_only, r.category, r.since_id, r.page_size, r.page_token)
        rows, token, unread = await inbox.list_notifications(self.ctx, require_person(), q)
        return pb.ListNotificationsResponse(notifications=[c.notification_pb(n) for n in rows], next_page_token=token, unread_count=unread)

    async def GetUnreadCount(self, r: pb.GetUnreadCountRequest, context: Any) -> pb.GetUnreadCountResponse:
        return pb.GetUnreadCountResponse(count=await inbox.unread_count(self.ctx, require_person()))

    async def MarkRead(self, r: pb.MarkReadRequest, context: Any) -> pb.MarkReadResponse:
        return pb.MarkReadResponse(updated=await inbox.mark_read(self.ctx, require_person(), list(r.notification_ids), r.all))

    async def RegisterDevice(self, r: pb.RegisterDeviceRequest, context: Any) -> pb.Device:
        p = require_person()
        platform = c.PLATFORM_FROM_PB.get(r.platform)
        if platform is None:
            raise InvalidArgument("platform is one of web, android, ios, harmony", field="platform", code="unknown_platform")
        return c.device_pb(await devices.register(self.ctx, p, platform, r.token, r.name))

    async def UnregisterDevice(self, r: pb.UnregisterDeviceRequest, context: Any) -> pb.UnregisterDeviceResponse:
        await devices.unregister(self.ctx, require_person(), r.device_id)
        return pb.UnregisterDeviceResponse()

    async def ListDevices(self, r: pb.ListDevicesRequest, context: Any) -> pb.ListDevicesResponse:
        return pb.ListDevicesResponse(devices=[c.device_pb(d) for d in await devices.list_devices(self.ctx, require_person())])

    async def GetPushConfig(self, r: pb.GetPushConfigRequest, context: Any) -> pb.GetPushConfigResponse:
        return pb.GetPushConfigResponse(vapid_public_key=devices.push_config(self.ctx))

    async def GetPreferences(self, r: pb.GetPreferencesRequest, context: Any) -> pb.Preferences:
        return c.preferences_pb(await preferences.get(self.ctx, require_person()))

    async def SetPreferences(self, r: pb.SetPreferencesRequest, context: Any) -> pb.Preferences:
        p = require_person()
        want = r.preferences
        channels = []
        for i, cp in enumerate(want.channels):
            channel = c.CHANNEL_FROM_PB.get(cp.channel)
            if channel is None:
                raise InvalidArgument("channel is in_app, push or sms", field=f"preferences.channels[{i}].channel", code="unknown_channel")
            channels.append((cp.category, channel, cp.enabled))
        prefs = await preferences.replace(
            self.ctx, p, channels=channels, quiet_enabled=want.quiet_hours.enabled, quiet_start=want.quiet_hours.start,
            quiet_end=want.quiet_hours.end, locale=want.locale, time_zone=want.time_zone, notice_tenants=list(want.notice_tenant_ids))
        return c.preferences_pb(prefs)

    async def SaveTemplate(self, r: pb.SaveTemplateRequest, context: Any) -> pb.Template:
        t = r.template
        channel = c.CHANNEL_FROM_PB.get(t.channel, "")
        saved = await admin.save_template(self.ctx, require_principal(), r.tenant_id, key=t.key, channel=channel, locale=t.locale,
                                          title=t.title, body=t.body, urgent=t.urgent if t.urgent else None)
        return c.template_pb(saved)

    async def ListDeliveries(self, r: pb.ListDeliveriesRequest, context: Any) -> pb.ListDeliveriesResponse:
        rows, token = await admin.list_deliveries(
            self.ctx, require_principal(), r.tenant_id, notification_id=r.notification_id, recipient_id=r.recipient_id,
            channel=c.CHANNEL_FROM_PB.get(r.channel, ""), status=c.STATUS_FROM_PB.get(r.status, ""), page_size=r.page_size,
            page_token=r.page_token)
        return pb.ListDeliveriesResponse(deliveries=[c.delivery_pb(d) for d in rows], next_page_token=token)

    async def SendSecuritySms(self, r: pb.SendSecuritySmsRequest, context: Any) -> pb.SendSecuritySmsResponse:
        await security_sms.send(self.ctx, require_principal(), kind=r.kind, phone=r.phone, code=r.code, tenant_id=r.tenant_id,
                                message_id=r.message_id, expires_in_minutes=r.expires_in_minutes)
        return pb.SendSecuritySmsResponse()

    async def SendEnforcementSms(self, r: pb.SendEnforcementSmsRequest, context: Any) -> pb.SendEnforcementSmsResponse:
        await enforcement_sms.send(self.ctx, require_principal(), kind=r.kind, phone=r.phone, tenant_id=r.tenant_id,
                                   message_id=r.message_id, subject_name=r.subject_name, due_date=r.due_date, items=list(r.items))
        return pb.SendEnforcementSmsResponse()
