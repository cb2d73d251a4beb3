"""The caller's push devices: register (or refresh), list, remove."""

from __future__ import annotations

import uuid

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.outbound import OutboundRefused
from mgov_common.principal import Principal
from services.notify.adapters.devices import Device
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.devices import check_device, parse_web_subscription
from services.notify.service_layer.context import Context


async def register(ctx: Context, p: Principal, platform: str, token: str, name: str) -> Device:
    token = check_device(platform, token, ctx.endpoint_policy)
    if platform == "web":
        try:
            await ctx.outbound.check(parse_web_subscription(token).endpoint)
        except OutboundRefused:
            raise InvalidArgument("the push endpoint must be an https URL of a public push service", field="token",
                                  code="invalid_token") from None
    name = (name or "").strip()
    if len(name) > 100:
        raise InvalidArgument("a device name has at most 100 characters", field="name", code="too_long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidArgument("a device name may not contain control characters", field="name", code="invalid_characters")
    async with UnitOfWork(ctx.pool) as uow:
        device = await uow.devices.upsert(user_id=p.subject, platform=platform, token=token, name=name, now=ctx.clock.now())
        await uow.commit()
    return device


async def unregister(ctx: Context, p: Principal, device_id: str) -> None:
    try:
        did = uuid.UUID(device_id)
    except ValueError:
        raise InvalidArgument("not a device id", field="device_id", code="invalid_id") from None
    async with UnitOfWork(ctx.pool) as uow:
        if not await uow.devices.delete(did, p.subject) and await uow.devices.exists(did):
            raise NotFound("no such device", field="device_id", code="device_not_found")
        await uow.commit()


async def list_devices(ctx: Context, p: Principal) -> list[Device]:
    async with UnitOfWork(ctx.pool) as uow:
        return await uow.devices.of_user(p.subject)


def push_config(ctx: Context) -> str:
    if not ctx.vapid_public_key:
        raise FailedPrecondition("web push is not configured", code="web_push_disabled")
    return ctx.vapid_public_key
