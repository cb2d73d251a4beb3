"""Fixtures of the identity integration tests: a migrated schema of its own per test,
handlers over the real PostgreSQL with a clock the test drives, and cheap argon2."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from mgov_common.db import create_pool
from mgov_common.migrations import migrate
from mgov_common.principal import Principal
from services.identity.bootstrap import MIGRATIONS, build_context, prepare, verifier_for
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from services.identity.service_layer.seed import DEMO_PASSWORD, seed_demo
from services.identity.settings import IdentitySettings
from tests.conftest import Servers

CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, "argon2_parallelism": 1}


def identity_settings(**overrides: Any) -> IdentitySettings:
    return IdentitySettings(**{"demo": True, **CHEAP_ARGON2, **overrides})


class Clock:
    """A clock the test moves by hand (no sleeping for lockouts or expiry)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def id_schema(servers: Servers) -> str:
    name = f"id_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, name, MIGRATIONS)
    return name


@pytest.fixture
async def id_pool(servers: Servers, id_schema: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(servers.dsn, id_schema, min_size=1, max_size=8)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass(frozen=True)
class Sms:
    kind: str
    phone: str
    code: str
    message_id: str


class Phones:
    """The far end of identity's SMS line in these in-process tests: what identity asked
    the notify service to send. (Over gRPC, tests/integration/test_identity_grpc.py and
    the e2e tests read the real path: notify's demo SMS outbox.)"""

    def __init__(self) -> None:
        self.sent: list[Sms] = []

    async def send(self, kind: str, phone: str, code: str, tenant_id: str, message_id: str, expires_in_minutes: int) -> None:
        self.sent.append(Sms(kind, phone, code, message_id))

    def code(self, registration_id: str) -> str:
        [sms] = [s for s in self.sent if s.message_id == registration_id and s.kind in ("registration_code", "phone_code")]
        return sms.code

    def to(self, phone: str) -> list[Sms]:
        return [s for s in self.sent if s.phone == phone]


@pytest.fixture
async def handlers(id_pool: asyncpg.Pool, clock: Clock) -> Handlers:
    h = Handlers.build(build_context(identity_settings(key_cache_s=0), id_pool, clock))
    h.registration.sms = Phones()
    await prepare(h, demo=False)
    return h


def phones(h: Handlers) -> Phones:
    assert isinstance(h.registration.sms, Phones)
    return h.registration.sms


@pytest.fixture
async def demo(handlers: Handlers) -> Handlers:
    """Handlers over a schema holding the demo tree and accounts."""
    await seed_demo(handlers.ctx)
    return handlers


async def sign_in(h: Handlers, phone: str, password: str = DEMO_PASSWORD, address: str = "198.51.100.1") -> Principal:
    """The verified principal of an account, as a service would see it."""
    result = await h.sign_in.authenticate(commands.Authenticate(phone, password, address))
    return await verifier_for(h).verify(result.access.token)


async def register(h: Handlers, phone: str, tenant: str = "hangzhou", password: str = "correct horse 9",
                   address: str = "198.51.100.9") -> str:
    """A citizen's account, registered as a citizen does: the form, then the code the SMS brought."""
    started = await h.registration.start(commands.Register(tenant, phone, password, "测试用户", address))
    result = await h.registration.confirm(commands.ConfirmRegistration(started.registration_id, phones(h).code(started.registration_id),
                                                                       address))
    return result.user_id
