"""The identity service as it runs (`serve` with its bootstrap) over real gRPC, PostgreSQL
and NATS: the contract's status codes and details, JWKS-based local verification by
another process's verifier, and tenant events arriving on JetStream."""

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import jwt
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from gateway.grpc_errors import error_detail
from mgov.common.v1 import common_pb2
from mgov.identity.v1 import identity_pb2 as pb
from mgov.identity.v1 import identity_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.grpc_client import create_channel
from mgov_common.ports import free_port
from services.identity.bootstrap import MIGRATIONS, bootstrap
from services.notify.bootstrap import MIGRATIONS as NOTIFY_MIGRATIONS
from services.notify.bootstrap import bootstrap as notify_bootstrap
from services.notify.settings import NotifySettings
from tests import sms_outbox
from tests.conftest import Servers
from tests.service_runner import serving
from tests.integration.identity_support import identity_settings

PASSWORD = "correct horse 9"


@pytest.fixture
async def database(servers: Servers) -> str:
    """A database of its own: the service's schema is always `identity`, and another test
    may have run the platform on the session's database with other keys."""
    return await servers.new_database("idgrpc")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
async def channel(servers: Servers, database: str, home: Path) -> AsyncIterator[grpc.aio.Channel]:
    """The identity service running (`serve` + its bootstrap, demo mode) and a channel to it,
    with the notify service beside it for registration codes (its demo SMS outbox in `home`)."""
    port, notify_port = free_port(), free_port()
    settings = identity_settings(database_url=database, nats_url=servers.nats_url, port=port, health_interval_s=0.1,
                                 shutdown_grace_s=0.5, throttle_account_max_delay_s=60, key_activation_delay_s=0.5, key_cache_s=0.1,
                                 notify_addr=f"127.0.0.1:{notify_port}", home=home)
    notify = NotifySettings(demo=True, database_url=database, nats_url=servers.nats_url, port=notify_port, home=home,
                            identity_addr=f"127.0.0.1:{port}", health_interval_s=0.1, shutdown_grace_s=0.5, seed_demo=False)
    async with serving(settings, bootstrap, migrations=MIGRATIONS) as running, \
            serving(notify, notify_bootstrap, migrations=NOTIFY_MIGRATIONS):
        channel = create_channel(running.target)
        try:
            yield channel
        finally:
            await channel.close()


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> identity_pb2_grpc.IdentityServiceStub:
    return identity_pb2_grpc.IdentityServiceStub(channel)


def phone() -> str:
    return f"137{random.randrange(10**8):08d}"


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def token_of(stub: identity_pb2_grpc.IdentityServiceStub, number: str, password: str = "mgov-demo-2026") -> str:
    resp = await stub.Authenticate(pb.AuthenticateRequest(phone=number, password=password, source_address="192.0.2.200"))
    return resp.tokens.access_token


async def rpc_error(call: object) -> tuple[grpc.StatusCode, common_pb2.ErrorDetail]:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call  # type: ignore[misc]
    return err.value.code(), error_detail(err.value)


async def register(stub: identity_pb2_grpc.IdentityServiceStub, home: Path, number: str, tenant: str, name: str) -> str:
    """Register as a citizen does: the form, then the code read from the SMS (notify's demo outbox)."""
    started = await stub.Register(pb.RegisterRequest(tenant_id=tenant, phone=number, password=PASSWORD, name=name,
                                                     source_address="192.0.2.150"))
    code = sms_outbox.registration_code(home, started.registration_id)
    done = await stub.ConfirmRegistration(pb.ConfirmRegistrationRequest(registration_id=started.registration_id, code=code))
    return done.user_id


async def test_the_contract_over_grpc(stub: identity_pb2_grpc.IdentityServiceStub, home: Path) -> None:
    number = phone()
    user_id = await register(stub, home, number, "xihu", "王五")
    again = await stub.Register(pb.RegisterRequest(tenant_id="xihu", phone=number, password=PASSWORD, name="王五"))
    assert again.registration_id and again.expires_in_seconds == 600  # the same answer as for a new phone
    assert [m["template"] for m in sms_outbox.to(home, number)] == ["registration_code", "registration_attempt"]
    code, detail = await rpc_error(stub.Register(pb.RegisterRequest(tenant_id="xihu", phone=phone(), password="12345678", name="王五")))
    assert (code, detail.code, detail.field_violations[0].field) == (grpc.StatusCode.INVALID_ARGUMENT, "common_password", "password")

    pair = (await stub.Authenticate(pb.AuthenticateRequest(phone=number, password=PASSWORD))).tokens
    assert pair.token_type == "Bearer" and pair.expires_in == 900 and pair.refresh_expires_in > 0
    me = await stub.GetUser(pb.GetUserRequest(), metadata=bearer(pair.access_token))
    assert (me.id, me.phone, me.tenant_id, me.identity_level) == (user_id, number, "xihu", 1)
    assert [(r.tenant_id, r.role) for r in me.roles] == [("xihu", "citizen")]
    admin = await token_of(stub, "13900000010")
    seen = await stub.GetUser(pb.GetUserRequest(user_id=user_id), metadata=bearer(admin))
    assert seen.phone == number[:3] + "****" + number[-4:]

    code, detail = await rpc_error(stub.GetUser(pb.GetUserRequest(), metadata=bearer(pair.access_token[:-3] + "abc")))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    code, _ = await rpc_error(stub.GetUser(pb.GetUserRequest()))
    assert code == grpc.StatusCode.UNAUTHENTICATED


async def test_throttling_is_resource_exhausted_with_a_retry_delay(stub: identity_pb2_grpc.IdentityServiceStub, home: Path) -> None:
    number = phone()
    await register(stub, home, number, "hangzhou", "赵六")
    for i in range(5):
        code, detail = await rpc_error(stub.Authenticate(pb.AuthenticateRequest(phone=number, password="nope nope", source_address=f"192.0.2.{i}")))
        assert (code, detail.code) == (grpc.StatusCode.UNAUTHENTICATED, "invalid_credentials")
    code, detail = await rpc_error(stub.Authenticate(pb.AuthenticateRequest(phone=number, password=PASSWORD, source_address="192.0.2.9")))
    assert (code, detail.code) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "sign_in_throttled")
    assert 0 < detail.retry_after_seconds <= 60


async def test_the_21st_registration_from_one_address_is_resource_exhausted(stub: identity_pb2_grpc.IdentityServiceStub) -> None:
    for _ in range(20):
        await stub.Register(pb.RegisterRequest(tenant_id="hangzhou", phone=phone(), password=PASSWORD, name="钱七",
                                               source_address="192.0.2.77"))
    code, detail = await rpc_error(stub.Register(pb.RegisterRequest(tenant_id="hangzhou", phone=phone(), password=PASSWORD,
                                                                     name="钱七", source_address="192.0.2.77")))
    assert (code, detail.code, detail.retry_after_seconds) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "registration_rate_limited", 3600)


async def test_another_service_verifies_tokens_locally_from_the_jwks(stub: identity_pb2_grpc.IdentityServiceStub, channel: grpc.aio.Channel) -> None:
    fetches = 0
    fetch = identity_jwks_fetcher(channel)

    async def counted() -> dict:
        nonlocal fetches
        fetches += 1
        return dict(await fetch())

    # As in production, the activation delay (0.5 s here, 30 s by default) exceeds the
    # service's key cache plus the verifier's minimum refresh interval (0.3 s here, 5 s).
    verifier = TokenVerifier(JwksCache(counted, min_refresh_interval_s=0.3))
    tokens = [await token_of(stub, "13900000011") for _ in range(3)]
    principals = [await verifier.verify(t) for t in tokens]
    assert {p.tenant for p in principals} == {"hangzhou"} and all(p.has_role("clerk", "hangzhou") for p in principals)
    assert fetches == 1  # cached: no call to identity per token
    rotation = await stub.RotateSigningKey(pb.RotateSigningKeyRequest(), metadata=bearer(await token_of(stub, "13900000000")))
    assert rotation.kid in rotation.published_kids and rotation.activate_time.seconds > 0
    await asyncio.sleep(0.6)  # the service's activation delay, shortened for the test
    fresh = await token_of(stub, "13900000011")
    assert jwt.get_unverified_header(fresh)["kid"] == rotation.kid
    assert (await verifier.verify(fresh)).has_role("clerk", "hangzhou")  # unknown kid: one refresh picks it up
    assert (await verifier.verify(tokens[0])).subject == principals[0].subject  # the old key still verifies
    assert fetches == 2
    jwks = await stub.GetJwks(pb.GetJwksRequest())
    assert {k.kid for k in jwks.keys} >= {rotation.kid} and len(jwks.keys) >= 2 and jwks.max_age_seconds > 0


async def test_tenant_changes_reach_jetstream(stub: identity_pb2_grpc.IdentityServiceStub, js: JetStreamContext) -> None:
    slug = f"t{random.randrange(16**8):08x}"
    code = f"3301{random.randrange(20, 100):02d}"
    sub = await js.subscribe(f"mgov.evt.{slug}.identity.tenant.>", config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    try:
        admin = await token_of(stub, "13900000000")
        created = await stub.CreateTenant(pb.CreateTenantRequest(
            id=slug, name=common_pb2.LocalizedText(zh="测试区"), division_code=code, parent_id="hangzhou"), metadata=bearer(admin))
        assert created.level == pb.TENANT_LEVEL_COUNTY
        await stub.UpdateTenant(pb.UpdateTenantRequest(tenant_id=slug, tenant=pb.Tenant(status=pb.TENANT_STATUS_SUSPENDED),
                                                       update_mask=FieldMask(paths=["status"])), metadata=bearer(admin))
        code_, detail = await rpc_error(stub.UpdateTenant(pb.UpdateTenantRequest(
            tenant_id=slug, update_mask=FieldMask(paths=["division_code"])), metadata=bearer(admin)))
        assert (code_, detail.field_violations[0].field) == (grpc.StatusCode.INVALID_ARGUMENT, "update_mask")
        messages = [await sub.next_msg(timeout=5) for _ in range(2)]
    finally:
        await sub.unsubscribe()
    bodies = [json.loads(m.data) for m in messages]
    assert [m.subject for m in messages] == [f"mgov.evt.{slug}.identity.tenant.created", f"mgov.evt.{slug}.identity.tenant.updated"]
    assert bodies[0]["type"] == "mgov.identity.tenant.created.v1" and bodies[0]["tenant"] == slug
    assert bodies[0]["data"] == {"id": slug, "parent_id": "hangzhou", "division_code": code, "level": "county",
                                 "name": {"zh": "测试区", "en": ""}, "status": "active"}
    assert bodies[1]["data"]["status"] == "suspended"
    assert messages[0].headers and messages[0].headers.get("Nats-Msg-Id") == bodies[0]["id"]
