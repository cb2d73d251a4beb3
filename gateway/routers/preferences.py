"""The signed-in user's notification preferences: channel switches per category, quiet
hours, locale, time zone and the tenants whose notices they follow. PUT replaces them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.notify_json import PRIVATE, preferences_json, stub
from mgov.notify.v1 import notify_pb2 as pb
from mgov_common import protojson
from gateway.schemas import ref, returns
from mgov.notify.v1 import notify_pb2 as _npb

router = APIRouter(prefix="/v1", tags=["preferences"])

EXAMPLE = {"channels": [{"category": "case_progress", "channel": "push", "enabled": False}],
           "quiet_hours": {"enabled": True, "start": "22:00", "end": "07:00"}, "locale": "zh-CN", "time_zone": "Asia/Shanghai",
           "notice_tenant_ids": ["hangzhou"]}


@router.get("/me/preferences", responses=returns(ref(_npb.Preferences.DESCRIPTOR)), summary="Your notification preferences (every category and channel, defaults included)")
async def get_preferences(caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    prefs = await stub(backends).GetPreferences(pb.GetPreferencesRequest(), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return preferences_json(prefs)


@router.put("/me/preferences", responses=returns(ref(_npb.Preferences.DESCRIPTOR)), summary="Replace your notification preferences (in-app case outcomes stay on: 409)")
async def put_preferences(caller: PersonDep, backends: BackendsDep, response: Response,
                          body: dict[str, Any] = Body(..., examples=[EXAMPLE])) -> dict[str, Any]:
    wanted = protojson.from_json(body, pb.Preferences)
    prefs = await stub(backends).SetPreferences(pb.SetPreferencesRequest(preferences=wanted), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return preferences_json(prefs)
