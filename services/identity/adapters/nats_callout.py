"""The NATS auth callout: identity decides, at connect time, who a tenant system is.

Every NATS server (one under `mgov up`, three on Kubernetes) runs with
`authorization { auth_callout { issuer: <account key>, auth_users: [platform users] } }`.
A connection by anyone but the platform's own users is held while the server publishes
an authorization request on `$SYS.REQ.USER.AUTH`; every identity replica subscribes in
one queue group, so exactly one answers, and any one will do (replicas share nothing but
the database). The answer is a JWT signed with the issuer's seed: either a user JWT with
that system's permissions, bound to the connection's one-time nkey and to the asking
server, expiring after `ttl_s`, or an error. No answer within the server's auth timeout
refuses the connection.

Nothing is written to a file and no server reloads: a new system connects at once, a
rotated password opens nothing from the moment it is replaced, and the connections
already open are closed by nats_sessions.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import nkeys
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from services.identity.adapters import nats_jwt
from services.identity.adapters.nats_auth import system_permissions
from services.identity.adapters.system_repository import SystemRecord

log = logging.getLogger(__name__)

CALLOUT_SUBJECT = "$SYS.REQ.USER.AUTH"
QUEUE_GROUP = "mgov-identity-callout"
# The account the systems' users are placed in: the global account, where the platform's
# streams and events live (no `accounts` of its own besides the system account).
SYSTEMS_ACCOUNT = "$G"

Authorize = Callable[[str, str], Awaitable[SystemRecord | None]]


class CalloutResponder:
    """Answers the NATS servers' authorization requests for tenant systems."""

    def __init__(self, nc: NATS, issuer_seed: str, authorize: Authorize, *, ttl_s: int = 3600,
                 max_in_flight: int = 64) -> None:
        self.nc = nc
        self.issuer: nkeys.KeyPair = nats_jwt.key_pair(issuer_seed)
        self.authorize = authorize
        self.ttl_s = ttl_s
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self.answered = 0

    @property
    def issuer_public_key(self) -> str:
        return nats_jwt.public_key(self.issuer)

    async def run(self) -> None:
        """Subscribed for the life of the process (nats-py resubscribes after a reconnect)."""
        sub = await self.nc.subscribe(CALLOUT_SUBJECT, queue=QUEUE_GROUP, cb=self._on_request)
        log.info("answering NATS authorization requests", extra={"issuer": self.issuer_public_key, "queue": QUEUE_GROUP})
        try:
            await asyncio.Future()
        finally:
            for t in list(self._tasks):
                t.cancel()
            try:
                await sub.unsubscribe()
            except Exception:  # noqa: BLE001 - the connection may already be closed
                pass

    async def _on_request(self, msg: Msg) -> None:
        # nats-py runs one subscription's callbacks in turn: each request gets its own task
        # so that one bcrypt check does not hold up the connections behind it.
        await self._slots.acquire()
        task = asyncio.create_task(self._answer(msg))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _answer(self, msg: Msg) -> None:
        if not msg.reply:
            return
        try:
            request = nats_jwt.decode_request(msg.data)
        except ValueError as exc:
            log.warning("malformed NATS authorization request ignored", extra={"error": str(exc)})
            return
        user_nkey, server_id = request["user_nkey"], request["server_id"]["id"]
        opts = request.get("connect_opts") or {}
        user, password = str(opts.get("user") or ""), str(opts.get("pass") or "")
        client = request.get("client_info") or {}
        try:
            system = await self.authorize(user, password) if user and password else None
        except Exception:  # noqa: BLE001 - e.g. the database away: refuse now rather than at the server's timeout
            log.exception("NATS authorization failed; refusing the connection")
            system = None
        if system is None:
            token = nats_jwt.auth_response(self.issuer, user_nkey, server_id, error="unknown user, wrong password or revoked system")
            log.info("NATS connection refused", extra={"nats_user": user[:64], "client_host": client.get("host"),
                                                        "server": request["server_id"].get("name")})
        else:
            user_jwt = nats_jwt.user_jwt(self.issuer, user_nkey, system.nats_user, SYSTEMS_ACCOUNT,
                                         system_permissions(system), self.ttl_s)
            token = nats_jwt.auth_response(self.issuer, user_nkey, server_id, jwt=user_jwt)
            log.info("NATS connection authorized", extra={"nats_user": system.nats_user, "system_id": str(system.id),
                                                           "tenant_id": system.tenant_id, "server": request["server_id"].get("name")})
        await self.nc.publish(msg.reply, token.encode())
        self.answered += 1
