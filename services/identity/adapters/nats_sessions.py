"""Closing a tenant system's open NATS connections, on every server of the cluster.

A user JWT from the auth callout is valid until it expires; revoking or rotating a
system must not wait for that. Identity holds a connection as a user of the NATS system
account and uses the servers' own monitoring requests:

1. `$SYS.REQ.SERVER.PING.CONNZ` with `{"user": <system's NATS user>}` goes to every
   server; each answers with its open connections of that user (id, start time);
2. `$SYS.REQ.SERVER.<server id>.KICK` with `{"cid": ...}` closes each one that was opened
   before the credentials ended (a revoked system: all of them).

A kicked client reconnects; the callout refuses it (revoked, or the old password). Run
right after the change commits, and again by the sweep (bootstrap) for every change
within the user JWTs' lifetime, so a kick lost to a crash or a NATS blip still happens,
and a connection that was being authorized while the change committed (its start time
is before the change) is caught too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError

log = logging.getLogger(__name__)

PING_CONNZ = "$SYS.REQ.SERVER.PING.CONNZ"
KICK = "$SYS.REQ.SERVER.{}.KICK"


def _start_time(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


class BusSessions:
    """Ends NATS connections through the system account (`nc` is a system-account user)."""

    def __init__(self, nc: NATS, *, quiet_s: float = 0.5, most_s: float = 3.0) -> None:
        self.nc = nc
        # Every server answers a PING; gather until none has answered for `quiet_s`.
        self.quiet_s = quiet_s
        self.most_s = most_s
        self.kicked = 0

    async def _connz(self, user: str) -> list[dict[str, object]]:
        inbox = self.nc.new_inbox()
        replies: asyncio.Queue[bytes] = asyncio.Queue()

        async def collect(msg: object) -> None:
            await replies.put(msg.data)  # type: ignore[attr-defined]

        sub = await self.nc.subscribe(inbox, cb=collect)
        try:
            await self.nc.publish(PING_CONNZ, json.dumps({"user": user, "limit": 100_000}).encode(), reply=inbox)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.most_s
            answers: list[dict[str, object]] = []
            while (left := deadline - loop.time()) > 0:
                try:
                    async with asyncio.timeout(min(left, self.quiet_s if answers else self.most_s)):
                        data = await replies.get()
                except TimeoutError:
                    break
                try:
                    answers.append(json.loads(data))
                except ValueError:
                    continue
            return answers
        finally:
            await sub.unsubscribe()

    async def end(self, user: str, opened_before: datetime | None) -> int:
        """Close `user`'s connections opened before `opened_before` (None: all); how many."""
        kicked = 0
        for answer in await self._connz(user):
            server = answer.get("server") if isinstance(answer.get("server"), dict) else None
            data = answer.get("data") if isinstance(answer.get("data"), dict) else None
            if server is None or data is None:
                log.warning("unexpected CONNZ answer", extra={"error": str(answer.get("error"))[:200]})
                continue
            for conn in data.get("connections") or []:  # type: ignore[union-attr]
                started = _start_time(conn.get("start", ""))
                if opened_before is not None and started is not None and started >= opened_before:
                    continue  # opened with the new credentials
                try:
                    reply = await self.nc.request(KICK.format(server["id"]), json.dumps({"cid": conn["cid"]}).encode(), timeout=2)
                except (NatsError, TimeoutError) as exc:
                    log.warning("could not close a NATS connection", extra={"nats_user": user, "error": repr(exc)})
                    continue
                error = json.loads(reply.data).get("error")
                if error:  # e.g. it closed meanwhile
                    log.info("NATS connection not kicked", extra={"nats_user": user, "error": str(error)[:200]})
                    continue
                kicked += 1
                log.info("NATS connection closed", extra={"nats_user": user, "server": server.get("name"), "cid": conn["cid"]})
        self.kicked += kicked
        return kicked
