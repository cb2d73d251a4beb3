"""Rows and domain objects to proto messages (and the enum names both ways)."""

from __future__ import annotations

from mgov.common.v1 import common_pb2
from mgov.notify.v1 import notify_pb2 as pb
from mgov_common.protojson import datetime_to_timestamp, dict_to_struct
from services.notify.adapters.deliveries import Delivery
from services.notify.adapters.devices import Device
from services.notify.adapters.inbox import Notification
from services.notify.domain.preferences import Preferences
from services.notify.domain.templates import Template

CHANNEL_TO_PB = {"in_app": pb.NOTIFICATION_CHANNEL_IN_APP, "push": pb.NOTIFICATION_CHANNEL_PUSH, "sms": pb.NOTIFICATION_CHANNEL_SMS}
CHANNEL_FROM_PB = {v: k for k, v in CHANNEL_TO_PB.items()}
PLATFORM_TO_PB = {"web": pb.DEVICE_PLATFORM_WEB, "android": pb.DEVICE_PLATFORM_ANDROID, "ios": pb.DEVICE_PLATFORM_IOS,
                  "harmony": pb.DEVICE_PLATFORM_HARMONY}
PLATFORM_FROM_PB = {v: k for k, v in PLATFORM_TO_PB.items()}
STATUS_TO_PB = {s: getattr(pb, f"DELIVERY_STATUS_{s.upper()}") for s in (
    "created", "sending", "delivered", "temporary_failure", "permanent_failure", "technical_failure", "validation_failed")}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def notification_pb(n: Notification) -> pb.Notification:
    msg = pb.Notification(id=str(n.id), recipient_id=n.recipient_id, tenant_id=n.tenant_id, category=n.category, title=n.title,
                          body=n.body, link=n.link, data=dict_to_struct(n.data), read=n.read_at is not None,
                          create_time=datetime_to_timestamp(n.created_at), event_id=str(n.event_id), locale=n.locale)
    if n.read_at is not None:
        msg.read_time.CopyFrom(datetime_to_timestamp(n.read_at))
    return msg


def device_pb(d: Device) -> pb.Device:
    return pb.Device(id=str(d.id), user_id=d.user_id, platform=PLATFORM_TO_PB[d.platform], token=d.token, name=d.name,
                     create_time=datetime_to_timestamp(d.created_at), last_seen_time=datetime_to_timestamp(d.last_seen_at))


def preferences_pb(p: Preferences) -> pb.Preferences:
    quiet = pb.QuietHours(enabled=p.quiet is not None, start=p.quiet.start.strftime("%H:%M") if p.quiet else "",
                          end=p.quiet.end.strftime("%H:%M") if p.quiet else "")
    return pb.Preferences(
        channels=[pb.ChannelPreference(category=c, channel=CHANNEL_TO_PB[ch], enabled=on) for c, ch, on in p.channel_list()],
        quiet_hours=quiet, locale=p.locale, time_zone=p.time_zone, notice_tenant_ids=list(p.notice_tenants),
    )


_KIND = {"user": common_pb2.PRINCIPAL_KIND_USER, "system": common_pb2.PRINCIPAL_KIND_SYSTEM, "platform": common_pb2.PRINCIPAL_KIND_PLATFORM}


def template_pb(t: Template) -> pb.Template:
    return pb.Template(id=str(t.id), tenant_id=t.tenant_id, key=t.key, channel=CHANNEL_TO_PB[t.channel], locale=t.locale,
                       version=t.version, category=t.category, title=t.title, body=t.body, urgent=t.urgent,
                       create_time=datetime_to_timestamp(t.created_at),
                       created_by=common_pb2.Actor(kind=_KIND.get(str(t.created_by.get("kind")), 0), id=str(t.created_by.get("id", "")), tenant_id=str(t.created_by.get("tenant_id", ""))))


def delivery_pb(d: Delivery) -> pb.Delivery:
    msg = pb.Delivery(id=str(d.id), notification_id=str(d.notification_id or ""), recipient_id=d.recipient_id, tenant_id=d.tenant_id,
                      channel=CHANNEL_TO_PB[d.channel], destination=d.destination, status=STATUS_TO_PB[d.status], attempts=d.attempts,
                      last_error=d.last_error, provider_message_id=d.provider_message_id,
                      create_time=datetime_to_timestamp(d.created_at), update_time=datetime_to_timestamp(d.updated_at))
    if d.next_attempt_at is not None and d.status not in ("delivered", "permanent_failure", "technical_failure", "validation_failed"):
        msg.next_attempt_time.CopyFrom(datetime_to_timestamp(d.next_attempt_at))
    return msg
