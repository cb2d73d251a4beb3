"""Tenant systems on a real NATS server that asks identity about each connection (the
auth callout), with identity's handlers over the real PostgreSQL: what a registered
system may do, who is refused, and how revocation and rotation close open connections.

The server's config is the one `mgov up` writes (launcher/nats_auth.py); the callout
responder and the session ender are identity's own adapters, running in the test's
event loop on connections made as identity's and the system account's users.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS

from launcher.embedded import EmbeddedNats
from launcher.nats_auth import SYSTEM_ACCOUNT_USER, NatsAuth, write_config
from mgov_common.ports import free_port
from services.identity.adapters.nats_callout import CalloutResponder
from services.identity.adapters.nats_sessions import BusSessions
from services.identity.service_layer.handlers import Handlers
from services.identity.service_layer.systems import Credentials
from tests.integration.identity_support import Clock, clock, demo, handlers, id_pool, id_schema, sign_in  # noqa: F401

TYPES = ["mgov.notice.published.v1"]


@dataclass
class Bus:
    port: int
    platform: NATS  # the `mgov` platform user: sees everything
    responder: CalloutResponder
    sessions: BusSessions
    auth: NatsAuth

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


@pytest.fixture
async def bus(demo: Handlers, tmp_path: Path) -> AsyncIterator[Bus]:  # noqa: F811
    auth = NatsAuth.make(demo=False)
    server = EmbeddedNats(tmp_path / "nats", free_port())
    server.config = write_config(server.root, "callout-test", auth)
    await asyncio.to_thread(server.start)
    conns: list[NATS] = []
    task = None
    try:
        for user in ("identity", SYSTEM_ACCOUNT_USER, "mgov"):
            conns.append(await nats.connect(auth.url(user, "127.0.0.1", server.port)))
        responder = CalloutResponder(conns[0], auth.issuer_seed, demo.systems.authorize_bus, ttl_s=600)
        task = asyncio.create_task(responder.run())
        await conns[0].flush()
        sessions = BusSessions(conns[1])
        demo.systems.on_credentials_ended = sessions.end
        yield Bus(server.port, conns[2], responder, sessions, auth)
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for c in conns:
            await c.close()
        await asyncio.to_thread(server.stop)


@dataclass
class SystemClient:
    """A tenant system's connection, recording what the server tells it."""

    nc: NATS
    errors: list[str] = field(default_factory=list)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    new_error: asyncio.Event = field(default_factory=asyncio.Event)

    async def next_error(self, contains: str) -> str:
        """The first error the server sent that mentions `contains` (nats-py lower-cases them)."""
        while True:
            found = next((e for e in self.errors if contains.lower() in e.lower()), None)
            if found:
                return found
            self.new_error.clear()
            await asyncio.wait_for(self.new_error.wait(), 10)


async def connect(bus: Bus, user: str, password: str, **extra: Any) -> SystemClient:
    client = SystemClient(None)  # type: ignore[arg-type]

    async def on_error(exc: Exception) -> None:
        client.errors.append(str(exc))
        client.new_error.set()

    async def on_disconnect() -> None:
        client.disconnected.set()

    client.nc = await nats.connect(bus.url, user=user, password=password, inbox_prefix=f"_INBOX.{user}", error_cb=on_error,
                                   disconnected_cb=on_disconnect, connect_timeout=10, **extra)
    return client


async def refused(bus: Bus, user: str, password: str) -> str:
    with pytest.raises(nats.errors.Error) as info:
        await nats.connect(bus.url, user=user, password=password, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=10)
    return str(info.value)


async def register(h: Handlers, tenant: str = "hangzhou", name: str = "bdc") -> tuple[Any, Credentials]:
    admin = await sign_in(h, "13900000010" if tenant == "hangzhou" else "13900000000")
    return await h.systems.register(tenant, name, TYPES, "", admin)


async def test_a_registered_system_connects_with_exactly_its_permissions(demo: Handlers, bus: Bus) -> None:  # noqa: F811
    system, creds = await register(demo)
    client = await connect(bus, creds.nats_user, creds.nats_password)
    try:
        # Publishes on its own ingest subjects reach the platform...
        own = bus.platform.new_inbox()
        seen = await bus.platform.subscribe(f"mgov.ingest.hangzhou.{system.id}.>")
        await bus.platform.flush()
        await client.nc.publish(f"mgov.ingest.hangzhou.{system.id}.notice.published.v1", b"{}")
        await client.nc.flush(timeout=10)  # the server has it (and sent no error)
        msg = await seen.next_msg(timeout=10)
        assert msg.subject.endswith(".notice.published.v1")
        # ...anything else is refused by the server: another system's subjects, events, JetStream's API.
        for subject in (f"mgov.ingest.hangzhou.{own}.x", "mgov.evt.hangzhou.workflow.case.submitted", "$JS.API.STREAM.LIST"):
            await client.nc.publish(subject, b"{}")
            assert "permissions violation for publish" in await client.next_error(subject)
        # It hears its tenant's events and may not listen to another tenant's.
        events = await client.nc.subscribe("mgov.evt.hangzhou.>")
        await client.nc.flush()
        await bus.platform.publish("mgov.evt.hangzhou.catalog.item.published", b'{"n": 1}')
        await bus.platform.flush(timeout=10)
        assert json.loads((await events.next_msg(timeout=10)).data) == {"n": 1}
        await client.nc.subscribe("mgov.evt.ningbo.>")
        assert "permissions violation for subscription" in await client.next_error("mgov.evt.ningbo.>")
        await client.nc.subscribe("mgov.>")
        assert "permissions violation for subscription" in await client.next_error('"mgov.>"')
        # Nor read the callout requests, which carry other systems' passwords.
        await client.nc.subscribe("$SYS.REQ.USER.AUTH")
        assert "permissions violation for subscription" in await client.next_error("$SYS.REQ.USER.AUTH")
    finally:
        await client.nc.close()


async def test_identitys_system_account_user_may_only_list_and_close_connections(bus: Bus) -> None:
    client = await connect(bus, SYSTEM_ACCOUNT_USER, bus.auth.passwords[SYSTEM_ACCOUNT_USER])
    try:
        for subject in ("$SYS.REQ.SERVER.PING.RELOAD", "$SYS.REQ.ACCOUNT.$G.DISCONNECT"):
            await client.nc.publish(subject, b"")
            assert "permissions violation for publish" in await client.next_error(subject)
    finally:
        await client.nc.close()


async def test_a_wrong_password_an_unknown_user_and_a_revoked_system_are_refused(demo: Handlers, bus: Bus) -> None:  # noqa: F811
    system, creds = await register(demo)
    assert "Authorization Violation" in await refused(bus, creds.nats_user, creds.nats_password + "x")
    assert "Authorization Violation" in await refused(bus, "sys-00000000000000000000", creds.nats_password)
    assert "Authorization Violation" in await refused(bus, "catalog", "not the platform's password")
    await demo.systems.revoke("hangzhou", str(system.id), await sign_in(demo, "13900000010"))
    assert "Authorization Violation" in await refused(bus, creds.nats_user, creds.nats_password)


async def test_revocation_closes_the_systems_open_connections(demo: Handlers, bus: Bus) -> None:  # noqa: F811
    system, creds = await register(demo)
    other_system, other = await register(demo, name="other")
    client = await connect(bus, creds.nats_user, creds.nats_password, max_reconnect_attempts=1, reconnect_time_wait=0.1)
    bystander = await connect(bus, other.nats_user, other.nats_password)
    try:
        await demo.systems.revoke("hangzhou", str(system.id), await sign_in(demo, "13900000010"))
        await asyncio.wait_for(client.disconnected.wait(), 10)
        # Its reconnect is refused by the callout; the other system's connection stays.
        await client.next_error("authorization violation")
        assert bystander.nc.is_connected and not bystander.disconnected.is_set()
        await bystander.nc.flush(timeout=5)
    finally:
        await client.nc.close()
        await bystander.nc.close()


async def test_rotation_closes_connections_opened_with_the_old_password_only(demo: Handlers, bus: Bus, clock: Clock) -> None:  # noqa: F811
    system, old = await register(demo)
    before = await connect(bus, old.nats_user, old.nats_password, max_reconnect_attempts=1, reconnect_time_wait=0.1)
    clock.now = datetime.now(UTC)  # the rotation's time is the test clock's
    _, new = await demo.systems.rotate("hangzhou", str(system.id), await sign_in(demo, "13900000010"))
    try:
        await asyncio.wait_for(before.disconnected.wait(), 10)
        assert "Authorization Violation" in await refused(bus, old.nats_user, old.nats_password)
        after = await connect(bus, new.nats_user, new.nats_password)
        try:
            # Closing again (as the sweep does) leaves the connection made with the new password.
            assert await bus.sessions.end(new.nats_user, clock.now) == 0
            await after.nc.flush(timeout=5)
            assert not after.disconnected.is_set()
        finally:
            await after.nc.close()
    finally:
        await before.nc.close()


async def test_the_sweep_closes_what_a_lost_kick_left_open(demo: Handlers, bus: Bus, clock: Clock) -> None:  # noqa: F811
    system, creds = await register(demo)
    client = await connect(bus, creds.nats_user, creds.nats_password, max_reconnect_attempts=1, reconnect_time_wait=0.1)
    try:
        demo.systems.on_credentials_ended = None  # identity died between the commit and the kick
        clock.now = datetime.now(UTC)
        await demo.systems.revoke("hangzhou", str(system.id), await sign_in(demo, "13900000010"))
        await client.nc.flush(timeout=5)
        assert not client.disconnected.is_set()
        ended = await demo.systems.credentials_ended_since(clock.now.replace(year=clock.now.year - 1))
        assert ended == [(creds.nats_user, None)]
        for user, opened_before in ended:
            assert await bus.sessions.end(user, opened_before) == 1
        await asyncio.wait_for(client.disconnected.wait(), 10)
    finally:
        await client.nc.close()


@dataclass
class Cluster:
    ports: list[int]
    platform: NATS  # on the second server: messages cross a route to reach it
    sessions: BusSessions


async def servers_answering(nc: NATS) -> set[str]:
    """The ids of the servers that answer a system-account CONNZ ping now (routes formed)."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish("$SYS.REQ.SERVER.PING.CONNZ", b'{"limit": 1}', reply=inbox)
    ids: set[str] = set()
    try:
        while True:
            msg = await sub.next_msg(timeout=0.5)
            ids.add(json.loads(msg.data)["server"]["id"])
    except nats.errors.TimeoutError:
        return ids
    finally:
        await sub.unsubscribe()


@pytest.fixture
async def cluster(demo: Handlers, tmp_path: Path) -> AsyncIterator[Cluster]:  # noqa: F811
    """Three NATS servers routed to each other; identity's callout connected to the first only."""
    auth = NatsAuth.make(demo=False)
    ports, routes = [free_port() for _ in range(3)], [free_port() for _ in range(3)]
    servers = []
    for i, port in enumerate(ports):
        block = (f'cluster {{ name: "callout-test", listen: "127.0.0.1:{routes[i]}", '
                 f'routes: {json.dumps([f"nats-route://127.0.0.1:{r}" for j, r in enumerate(routes) if j != i])} }}\n')
        server = EmbeddedNats(tmp_path / f"nats-{i}", port)
        server.config = write_config(server.root, f"callout-{i}", auth, block)
        servers.append(server)
    conns: list[NATS] = []
    task = None
    try:
        for server in servers:
            await asyncio.to_thread(server.start)
        identity = await nats.connect(auth.url("identity", "127.0.0.1", ports[0]))
        system_account = await nats.connect(auth.url(SYSTEM_ACCOUNT_USER, "127.0.0.1", ports[0]))
        platform = await nats.connect(auth.url("mgov", "127.0.0.1", ports[1]))
        conns += [identity, system_account, platform]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while len(await servers_answering(system_account)) < 3:
            assert loop.time() < deadline, "the three servers did not form a cluster"
        task = asyncio.create_task(CalloutResponder(identity, auth.issuer_seed, demo.systems.authorize_bus, ttl_s=600).run())
        await identity.flush()
        sessions = BusSessions(system_account)
        demo.systems.on_credentials_ended = sessions.end
        yield Cluster(ports, platform, sessions)
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for c in conns:
            await c.close()
        for server in servers:
            await asyncio.to_thread(server.stop)


async def test_on_a_cluster_of_three_every_node_applies_the_permissions_and_revocation_closes_them_all(
        demo: Handlers, cluster: Cluster) -> None:  # noqa: F811
    system, creds = await register(demo)
    other_tenant, _ = await register(demo, tenant="ningbo")
    heard = await cluster.platform.subscribe(f"mgov.ingest.hangzhou.{system.id}.>")
    await cluster.platform.flush()
    clients = []
    try:
        for port in cluster.ports:  # the callout of the second and third travels over a route to identity
            bus = Bus(port, cluster.platform, None, cluster.sessions, None)  # type: ignore[arg-type]
            client = await connect(bus, creds.nats_user, creds.nats_password, max_reconnect_attempts=1, reconnect_time_wait=0.1)
            clients.append(client)
            await client.nc.publish(f"mgov.ingest.hangzhou.{system.id}.notice.published.v1", str(port).encode())
            await client.nc.flush(timeout=10)
            assert (await heard.next_msg(timeout=10)).data == str(port).encode()
            await client.nc.publish(f"mgov.ingest.ningbo.{other_tenant.id}.notice.published.v1", b"{}")
            assert "permissions violation for publish" in await client.next_error(f"mgov.ingest.ningbo.{other_tenant.id}")
            await client.nc.subscribe("mgov.evt.ningbo.>")
            assert "permissions violation for subscription" in await client.next_error("mgov.evt.ningbo.>")
            assert "Authorization Violation" in await refused(bus, creds.nats_user, "wrong")
        await demo.systems.revoke("hangzhou", str(system.id), await sign_in(demo, "13900000010"))
        for client in clients:
            await asyncio.wait_for(client.disconnected.wait(), 10)
    finally:
        for client in clients:
            await client.nc.close()
