"""The caller's notifications: the inbox, marking read, and the live stream.

`GET /v1/notifications/stream` is Server-Sent Events: `id:` is the notification id,
`event: notification`, `data:` its JSON; a hall queue's new place for one of the caller's
appointments is `event: queue` without an id. A client that reconnects with `Last-Event-ID`
first gets what it missed (from the inbox, oldest first), then live ones; a comment
line every 15 s keeps proxies from closing the connection. The stream ends when the
access token expires (`event: token_expired`): reconnect with a fresh token and the
last id. Browsers' EventSource cannot send an Authorization header; the web app reads
the stream with fetch(), which can.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import grpc
import jwt
import nats.errors
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.notify_json import PRIVATE, notification_json, stub
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from mgov.notify.v1 import notify_pb2 as pb
from gateway.schemas import BOOLEAN, INTEGER, obj, page, ref, returns, string
from mgov.notify.v1 import notify_pb2 as _npb
from mgov_common import safejson

router = APIRouter(prefix="/v1", tags=["notifications"])
HEARTBEAT_S = 15.0
REPLAY_MAX = 500


@router.get("/notifications", responses=returns(page(ref(_npb.Notification.DESCRIPTOR), unread_count=INTEGER)), summary="Your in-app notifications, newest first, with the unread count")
async def list_notifications(
    caller: PersonDep, backends: BackendsDep, response: Response,
    unread_only: bool = False, category: Annotated[str, Query(max_length=40)] = "",
    page_size: PageSize = 0, page_token: PageToken = "",
) -> dict[str, Any]:
    resp = await stub(backends).ListNotifications(pb.ListNotificationsRequest(
        unread_only=unread_only, category=category, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [notification_json(n) for n in resp.notifications], "next_page_token": resp.next_page_token,
            "unread_count": resp.unread_count}


@router.post("/notifications/read-all", responses=returns(obj("MarkedRead", {"updated": INTEGER})), summary="Mark all your notifications read")
async def read_all(caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await stub(backends).MarkRead(pb.MarkReadRequest(all=True), metadata=caller.metadata)
    return {"updated": resp.updated}


@router.post("/notifications/{notification_id}/read", responses=returns(obj("MarkedOneRead", {"id": string(), "read": BOOLEAN, "changed": BOOLEAN})), summary="Mark one of your notifications read (404 for anyone else's)")
async def read_one(notification_id: str, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await stub(backends).MarkRead(pb.MarkReadRequest(notification_ids=[notification_id]), metadata=caller.metadata)
    return {"id": notification_id, "read": True, "changed": resp.updated > 0}


def _sse(n: dict[str, Any]) -> str:
    if n.get("kind") == "queue":
        # A hall queue's place (the appointment service): no `id:`, so Last-Event-ID stays
        # the last notification's and a resume replays notifications only.
        return f"event: queue\ndata: {json.dumps(n, ensure_ascii=False)}\n\n"
    return f"id: {n['id']}\nevent: notification\ndata: {json.dumps(n, ensure_ascii=False)}\n\n"


async def _missed(backends: Any, metadata: Any, last_id: str) -> list[dict[str, Any]]:
    """What came after `last_id` (oldest first); nothing for an id that is not the caller's."""
    out: list[dict[str, Any]] = []
    token = ""
    while len(out) < REPLAY_MAX:
        try:
            resp = await stub(backends).ListNotifications(pb.ListNotificationsRequest(since_id=last_id, page_size=100, page_token=token),
                                                          metadata=metadata)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
                return out  # Last-Event-ID is advisory (an old or foreign id): resume live only
            raise
        out += [notification_json(n) for n in resp.notifications]
        token = resp.next_page_token
        if not token:
            break
    return out


@router.get("/notifications/stream", summary="Your notifications, live, as Server-Sent Events (resumes with Last-Event-ID)",
            response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}},
                                                         429: {"description": "this person already has the most open streams allowed"},
                                                         503: {"description": "live notifications are unavailable for now"}})
async def stream(request: Request, caller: PersonDep, backends: BackendsDep,
                 last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=100)] = None) -> StreamingResponse:
    hub = request.app.state.live
    if not hub.connected:
        raise Problem(503, "live_unavailable", "live notifications are unavailable; try again shortly", headers={"Retry-After": "2"})
    assert caller.principal is not None and caller.token is not None
    expires = float(jwt.decode(caller.token, options={"verify_signature": False}).get("exp", time.time() + 900))
    slot = hub.slots.take(caller.principal.subject)
    if slot is None:
        raise Problem(429, "too_many_streams", f"at most {hub.slots.per_user} live streams at once per person; close another first",
                      headers={"Retry-After": "5"})
    sub: Any = None

    async def close() -> None:
        """Give back the slot and the subscription; safe to call more than once. Called
        when the stream ends, and after the response in any case (a client gone before
        the first byte never starts the stream's generator)."""
        slot.release()
        nonlocal sub
        if sub is not None:
            to_close, sub = sub, None
            try:
                await asyncio.shield(to_close.unsubscribe())
            except Exception:  # noqa: BLE001 - the connection may be gone already
                pass

    try:
        sub = await hub.subscribe(caller.principal.subject)  # before the replay, so nothing falls between
        missed = await _missed(backends, caller.metadata, last_event_id.strip()) if last_event_id and last_event_id.strip() else []
    except (ConnectionError, nats.errors.Error, TimeoutError):
        await close()
        raise Problem(503, "live_unavailable", "live notifications are unavailable; try again shortly", headers={"Retry-After": "2"}) from None
    except BaseException:
        await close()
        raise

    async def events() -> AsyncIterator[str]:
        sent = {n["id"] for n in missed}
        try:
            yield "retry: 3000\n\n"
            for n in missed:
                yield _sse(n)
            while True:
                left = expires - time.time()
                if left <= 0:
                    yield "event: token_expired\ndata: {}\n\n"
                    return
                try:
                    msg = await sub.next_msg(timeout=min(HEARTBEAT_S, left))
                except nats.errors.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                except nats.errors.Error:
                    return  # the connection was replaced or closed: the client reconnects and resumes
                n = safejson.try_loads(msg.data)
                if not isinstance(n, dict) or not n.get("id") or n["id"] in sent:
                    continue
                sent.add(n["id"])
                yield _sse(n)
        finally:
            await close()

    return StreamingResponse(events(), media_type="text/event-stream", background=BackgroundTask(close),
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Connection": "keep-alive"})
