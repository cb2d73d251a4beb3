"""Push devices of the signed-in user (`POST /v1/devices`) and the Web Push key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.notify_json import PRIVATE, device_json, stub
from gateway.problems import Problem
from mgov.notify.v1 import notify_pb2 as pb
from mgov_common import protojson
from gateway.schemas import obj, page, ref, returns, string
from mgov.notify.v1 import notify_pb2 as _npb

router = APIRouter(prefix="/v1", tags=["devices"])


class DeviceIn(BaseModel):
    platform: str = Field(max_length=20, description="web, android, ios or harmony")
    token: Annotated[str, Field(min_length=1, max_length=4096,
                                description="the vendor push token, or for web the Push API subscription as JSON")]
    name: str = Field(default="", max_length=100, description="shown in the device list, e.g. 'Mate 60'")


@router.post("/devices", responses=returns(ref(_npb.Device.DESCRIPTOR), 201), status_code=201, summary="Register (or refresh) a push token for you")
async def register(body: DeviceIn, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    platform = protojson.enum_number(pb.DevicePlatform.DESCRIPTOR, body.platform) if body.platform else None
    if platform is None:
        raise Problem(422, "unknown_platform", "platform is one of web, android, ios, harmony",
                      errors=[{"field": "platform", "code": "unknown_platform", "message": "one of web, android, ios, harmony"}])
    device = await stub(backends).RegisterDevice(pb.RegisterDeviceRequest(platform=platform, token=body.token, name=body.name),
                                                 metadata=caller.metadata)
    response.headers["Location"] = f"/v1/devices/{device.id}"
    response.headers["Cache-Control"] = PRIVATE
    return device_json(device)


@router.get("/devices", responses=returns(page(ref(_npb.Device.DESCRIPTOR))), summary="Your registered devices")
async def list_devices(caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    resp = await stub(backends).ListDevices(pb.ListDevicesRequest(), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [device_json(d) for d in resp.devices], "next_page_token": ""}


@router.get("/devices/web-push-key", responses=returns(obj("PushConfig", {"vapid_public_key": string()})), summary="The VAPID public key (applicationServerKey) for Web Push subscriptions")
async def web_push_key(backends: BackendsDep, response: Response) -> dict[str, str]:
    resp = await stub(backends).GetPushConfig(pb.GetPushConfigRequest())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return {"vapid_public_key": resp.vapid_public_key}


@router.delete("/devices/{device_id}", status_code=204, response_class=Response, summary="Forget one of your devices")
async def unregister(device_id: str, caller: PersonDep, backends: BackendsDep) -> Response:
    await stub(backends).UnregisterDevice(pb.UnregisterDeviceRequest(device_id=device_id), metadata=caller.metadata)
    return Response(status_code=204)
