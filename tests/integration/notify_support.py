"""Fixtures of the notify integration tests, all real: the identity service running on
gRPC (demo mode: the tree, the demo accounts) on a database of its own, a fresh notify
schema per test, local HTTP servers playing an SMS gateway and a Web Push service, and
a clock the test moves by hand (never by sleeping)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import grpc
import http_ece
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.grpc_client import create_channel
from mgov_common.migrations import migrate
from mgov_common.ports import free_port
from mgov_common.principal import Principal, RoleBinding
from mgov_common.settings import demo_secret
from mgov_common.tenants import apply_tenant_event
from services.identity.bootstrap import MIGRATIONS as IDENTITY_MIGRATIONS
from services.identity.bootstrap import bootstrap as identity_bootstrap
from mgov_common.clock import ManualClock
from services.notify.adapters.identity import ContactDirectory, PlatformToken, StaffDirectory
from services.notify.adapters.push import WebPushProvider, parse_vapid_key
from mgov_common.outbound import OutboundGuard
from services.notify.adapters.sms import SIGNATURE_HEADER, TIMESTAMP_HEADER, HttpSmsProvider
from services.notify.bootstrap import MIGRATIONS
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.devices import EndpointPolicy
from services.notify.domain.rate_limit import Bucket
from services.notify.service_layer.context import Context
from services.notify.service_layer.dispatch import Dispatcher
from services.notify.service_layer.seed import seed_demo
from services.notify.service_layer.sender import DeliveryWorker
from tests.conftest import Servers
from tests.service_runner import serving
from tests.integration.identity_support import CHEAP_ARGON2

SMS_SECRET = b"test-sms-gateway-secret-0123456789"
VAPID_KEY = "3f" * 32
TENANTS = [("zhejiang", None, "330000", "province", "浙江省"), ("hangzhou", "zhejiang", "330100", "city", "杭州市"),
           ("ningbo", "zhejiang", "330200", "city", "宁波市"), ("xihu", "hangzhou", "330106", "county", "西湖区")]
# 08:00 on a Monday in Shanghai: outside any usual quiet hours.
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@dataclass
class Identity:
    channel: grpc.aio.Channel
    stub: identity_pb2_grpc.IdentityServiceStub
    users: dict[str, str] = field(default_factory=dict)  # phone -> user id

    async def user_id(self, phone: str) -> str:
        if phone not in self.users:
            resp = await self.stub.Authenticate(identity_pb2.AuthenticateRequest(phone=phone, password="mgov-demo-2026",
                                                                                 source_address="192.0.2.60"))
            self.users[phone] = resp.user_id
        return self.users[phone]


@pytest.fixture(scope="module")
async def identity(servers: Servers) -> AsyncIterator[Identity]:
    """The identity service (`serve`, demo mode) on a database of its own."""
    from services.identity.settings import IdentitySettings

    port = free_port()
    settings = IdentitySettings(demo=True, database_url=await servers.new_database("ntid"), nats_url=servers.nats_url,
                                port=port, health_interval_s=0.2, shutdown_grace_s=0.5, **CHEAP_ARGON2)
    async with serving(settings, identity_bootstrap, migrations=IDENTITY_MIGRATIONS) as running:
        channel = create_channel(running.target)
        try:
            yield Identity(channel, identity_pb2_grpc.IdentityServiceStub(channel))
        finally:
            await channel.close()


class LocalServer:
    """An ASGI app served by uvicorn on a free loopback port, in this event loop."""

    def __init__(self, app: Any, *, lifespan: str = "off") -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=lifespan))
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "LocalServer":
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(200):
            if self.server.started:
                return self
            await asyncio.sleep(0.01)
        raise RuntimeError("local server did not start")

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)


class SmsGateway:
    """Answers from a script (500, 200, 400, …; 200 when it runs out) and keeps every
    request with whether its signature verified."""

    def __init__(self) -> None:
        self.script: deque[int] = deque()
        self.received: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/sms/send", self.send, methods=["POST"])])

    async def send(self, request: Request) -> Response:
        body = await request.body()
        ts = request.headers.get(TIMESTAMP_HEADER, "")
        expected = "v1=" + hmac.new(SMS_SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        self.received.append({"json": json.loads(body), "signature_ok": hmac.compare_digest(expected, request.headers.get(SIGNATURE_HEADER, "")),
                              "key_id": request.headers.get("x-mgov-key-id")})
        status = self.script.popleft() if self.script else 200
        if status < 300:
            return JSONResponse({"message_id": f"gw-{len(self.received)}"}, status_code=status)
        return JSONResponse({"error": "scripted failure"}, status_code=status)


class PushService:
    """A Web Push service: checks the VAPID JWT against the key in the header and keeps
    the decrypted payloads (as a browser would see them)."""

    def __init__(self) -> None:
        self.ua_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"
        self.script: deque[int] = deque()
        self.received: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/push/{sub}", self.push, methods=["POST"])])

    def subscription(self, base_url: str) -> str:
        import base64

        pub = self.ua_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
        return json.dumps({"endpoint": f"{base_url}/push/{uuid.uuid4().hex}", "keys": {"p256dh": b64(pub), "auth": b64(self.auth)}})

    async def push(self, request: Request) -> Response:
        import base64

        auth = request.headers["authorization"]
        t = auth.split("t=", 1)[1].split(",", 1)[0]
        k = auth.split("k=", 1)[1].strip()
        point = base64.urlsafe_b64decode(k + "=" * (-len(k) % 4))
        server_pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        claims = jwt.decode(t, server_pub, algorithms=["ES256"], audience=str(request.base_url).rstrip("/"))
        payload = json.loads(http_ece.decrypt(await request.body(), private_key=self.ua_key, auth_secret=self.auth, version="aes128gcm"))
        self.received.append({"claims": claims, "payload": payload, "headers": dict(request.headers)})
        status = self.script.popleft() if self.script else 201
        return Response(status_code=status, headers={"location": f"/msg/{len(self.received)}"})


@dataclass
class Notify:
    ctx: Context
    dispatcher: Dispatcher
    worker: DeliveryWorker
    clock: ManualClock
    pool: asyncpg.Pool
    schema: str

    async def dispatch(self, kind: str, data: dict[str, Any], *, tenant: str = "hangzhou", event_id: uuid.UUID | None = None,
                       time: datetime | None = None):  # type: ignore[no-untyped-def]
        service, entity, verb = kind.split(".")
        event = CloudEvent.new(service=service, entity=entity, verb=verb, tenant=tenant, subject=data.get("application_id"), data=data,
                               event_id=event_id, time=time or self.clock.now())
        async with self.pool.acquire() as conn, conn.transaction():
            return await self.dispatcher.handle(conn, event)

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self.pool.fetch(sql, *args)


async def project_tenants(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        for tid, parent, code, level, name in TENANTS:
            data = {"id": tid, "parent_id": parent, "division_code": code, "level": level, "name": {"zh": name, "en": ""}, "status": "active"}
            await apply_tenant_event(conn, CloudEvent.new(service="identity", entity="tenant", verb="created", tenant=tid, subject=tid, data=data))


@pytest.fixture
async def sms_gateway() -> AsyncIterator[tuple[SmsGateway, LocalServer]]:
    gw = SmsGateway()
    async with LocalServer(gw.app) as server:
        yield gw, server


@pytest.fixture
async def push_service() -> AsyncIterator[tuple[PushService, LocalServer]]:
    svc = PushService()
    async with LocalServer(svc.app) as server:
        yield svc, server


@pytest.fixture
async def notify(servers: Servers, identity: Identity, sms_gateway: tuple[SmsGateway, LocalServer]) -> AsyncIterator[Notify]:
    schema = f"nt_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=6)
    clock = ManualClock(T0)
    token = PlatformToken(identity.channel, "notify", demo_secret("notify", "platform_secret"))
    policy = EndpointPolicy(allow_loopback_http=True)
    loopback = OutboundGuard(allow_loopback=True)  # what demo mode allows: the test's receivers are on 127.0.0.1
    sms = HttpSmsProvider(f"{sms_gateway[1].url}/sms/send", "test-key", SMS_SECRET, timeout_s=5, guard=loopback)
    web = WebPushProvider(parse_vapid_key(VAPID_KEY), "mailto:ops@example.org", policy, guard=loopback)
    ctx = Context(pool=pool, clock=clock, staff=StaffDirectory(identity.channel, token), contacts=ContactDirectory(identity.channel, token),
                  sms=sms, push=[web], endpoint_policy=policy, outbound=loopback, vapid_public_key=web.public_key,
                  retry=RetryPolicy(timedelta(seconds=30), timedelta(minutes=10), max_attempts=4),
                  rates={"sms": Bucket(100.0, 100.0), "push": Bucket(100.0, 100.0)})
    await project_tenants(pool)
    await seed_demo(ctx, "zhejiang", clock.now())
    try:
        yield Notify(ctx, Dispatcher(ctx), DeliveryWorker(ctx), clock, pool, schema)
    finally:
        await sms.close()
        await web.close()
        await pool.close()


def principal(user_id: str, tenant: str, *roles: str) -> Principal:
    return Principal(user_id, tenant, frozenset(RoleBinding(tenant, r) for r in roles))


def case_data(applicant: str, *, app_id: str | None = None, status: str = "submitted", action: str = "submit", actor: str | None = None,
              roles: tuple[str, ...] = ("clerk",), terminal: bool = False, comment: str = "", tenant: str = "hangzhou",
              assignee: str | None = None, due_at: str | None = "2026-03-05T09:00:00Z") -> dict[str, Any]:
    """The data of a workflow application event (docs/workflow.md)."""
    return {"application_id": app_id or str(uuid.uuid4()), "case_number": f"HZ-2026-{uuid.uuid4().int % 10**6:06d}", "tenant_id": tenant,
            "service_id": str(uuid.uuid4()), "service_version": 1, "service_name": {"zh": "杭州市民卡申领", "en": "Hangzhou citizen card"},
            "department": "市民卡中心", "applicant_id": applicant, "status": status, "previous_status": "", "action": action,
            "actor": {"kind": "user", "id": actor or applicant, "tenant_id": tenant}, "comment": comment, "assignee_id": assignee,
            "eligible_roles": list(roles), "due_at": due_at, "terminal": terminal, "version": 1}
