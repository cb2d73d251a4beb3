"""`IngestConsumer` (mgov_common.ingest_consumer) and the systems projection
(mgov_common.systems) against real NATS and PostgreSQL: what admission stored on
`mgov.accepted.<tenant>.<system>.<type>` is applied once as its system, refused events
land in `MGOV_REJECTED` with their code and leave nothing behind, and the projection
keeps the newest registration whatever order identity's events arrive in."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common import ingest
from mgov_common.db import create_pool
from mgov_common.errors import PermissionDenied
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import INGEST_STREAM, REJECTED_STREAM
from mgov_common.ingest_consumer import IngestConsumer
from mgov_common.migrations import migrate
from mgov_common.principal import Principal
from mgov_common.systems import SystemNode, SystemProjection, apply_system_event, parse_system_event, system_data
from tests.conftest import Servers
from tests.integration.test_consumer import consume_until

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOTICE = ingest.NOTICE_PUBLISHED


@pytest.fixture
async def projected(servers: Servers, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    """A schema like a consuming service's: its own table, then the opted-in systems projection."""
    (tmp_path / "0001_applied.sql").write_text("CREATE TABLE applied (event_id uuid, system_id text, grants text[], PRIMARY KEY (event_id, system_id));")
    (tmp_path / "platform.txt").write_text("systems\n")
    schema = f"ic_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, tmp_path)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


def announce(node: SystemNode, verb: str = "registered", at: datetime = T0) -> CloudEvent:
    return CloudEvent.new(service="identity", entity="system", verb=verb, tenant=node.tenant_id, subject=str(node.id),
                          data=system_data(node), time=at)


async def project(pool: asyncpg.Pool, *events: CloudEvent) -> None:
    for e in events:
        async with pool.acquire() as conn, conn.transaction():
            await apply_system_event(conn, e)


def a_system(tenant: str, *types: str, status: str = "active") -> SystemNode:
    return SystemNode(uuid.uuid4(), tenant, f"city-{uuid.uuid4().hex[:6]}", frozenset(types or (NOTICE,)), status, 1)


def notice(node: SystemNode, **changes: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"tenant/{node.tenant_id}/{node.id}", "type": NOTICE,
            "time": T0.isoformat(), "tenant": node.tenant_id, "data": {"title": {"zh": "停水"}, "body": {"zh": "明日停水"}},
            **changes}


async def admit(js: JetStreamContext, node: SystemNode, body: dict[str, Any] | bytes, type_: str = NOTICE) -> None:
    """What admission does with an event it accepts: store it on the accepted subject."""
    raw = body if isinstance(body, bytes) else CloudEvent.parse(body).to_json().encode()
    subject = ingest.accepted_subject(ingest.ingest_subject(node.tenant_id, str(node.id), type_))
    await js.publish(subject, raw, stream=INGEST_STREAM)


async def record(conn: asyncpg.Connection, event: CloudEvent, principal: Principal) -> None:
    await conn.execute("INSERT INTO applied VALUES ($1, $2, $3)", event.id, principal.subject, sorted(principal.grants))
    if event.data["title"]["zh"] == "forbidden":
        raise PermissionDenied("not this one", code="forbidden_here")


def consumer(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> IngestConsumer:
    spec = ConsumerSpec(durable=f"ic-{uuid.uuid4().hex[:8]}", filter_subjects=[f"{ingest.ACCEPTED_PREFIX}.{tenant}.*.notice.published.v1",
                        f"{ingest.ACCEPTED_PREFIX}.{tenant}.*.case.status_changed.v1"], stream=INGEST_STREAM,
                        ack_wait_s=2.0, backoff_s=(0.05,), max_deliver=3)
    return IngestConsumer(pool, js, "test", (NOTICE,), record, spec=spec)


async def rejected(js: JetStreamContext, tenant: str, n: int) -> dict[str, dict[str, str]]:
    sub = await js.pull_subscribe(f"{ingest.REJECTED_PREFIX}.{tenant}.>", stream=REJECTED_STREAM)
    try:
        msgs: list[Msg] = await sub.fetch(n, timeout=5.0)
    finally:
        await sub.unsubscribe()
    return {m.headers["Mgov-Event-Id"]: dict(m.headers) for m in msgs}  # type: ignore[index, arg-type]


async def test_an_admitted_event_is_applied_once_as_its_system(projected: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    node = a_system(tenant, NOTICE, ingest.ITEM_UPDATED)
    await project(projected, announce(node))
    ev = notice(node)
    await admit(js, node, ev)
    await admit(js, node, ev)  # stored twice (another admission message id): applied once
    c = consumer(projected, js, tenant)
    await consume_until(c, lambda n: n.handled + n.skipped == 2)
    assert (c.counts.handled, c.counts.skipped, c.counts.failed) == (1, 1, 0)
    row = await projected.fetchrow("SELECT * FROM applied")
    assert (str(row["event_id"]), row["system_id"], row["grants"]) == (ev["id"], str(node.id), sorted(node.event_types))


async def test_an_event_id_is_scoped_to_its_system(projected: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    first, second = a_system(tenant), a_system(tenant)
    await project(projected, announce(first), announce(second))
    shared = str(uuid.uuid4())
    await admit(js, first, notice(first, id=shared))
    await admit(js, second, notice(second, id=shared))
    c = consumer(projected, js, tenant)
    await consume_until(c, lambda n: n.handled == 2)
    assert await projected.fetchval("SELECT count(DISTINCT system_id) FROM applied WHERE event_id = $1", uuid.UUID(shared)) == 2


async def test_refused_events_are_listed_with_their_reason_and_leave_nothing_behind(
        projected: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    node, revoked, other = a_system(tenant), a_system(tenant, status="revoked"), a_system(tenant, ingest.ITEM_UPDATED)
    await project(projected, announce(node), announce(revoked, "revoked"), announce(other))
    cases = {
        "invalid_data": (node, notice(node, data={"title": {"zh": "x"}})),
        "tenant_mismatch": (node, notice(node, tenant="elsewhere")),
        "source_mismatch": (node, notice(node, source=f"tenant/{tenant}/{uuid.uuid4()}")),
        "unknown_system": (revoked, notice(revoked)),
        "type_not_allowed": (other, notice(other)),
        "forbidden_here": (node, notice(node, data={"title": {"zh": "forbidden"}, "body": {"zh": "x"}})),
    }
    for owner, body in cases.values():
        raw = json.dumps(body).encode()
        await admit(js, owner, raw)
    # A case action stored on the notice subject, and a notice on the case subject (a type this consumer does not apply).
    mismatch = notice(node, type=ingest.CASE_STATUS_CHANGED, subject=str(uuid.uuid4()), data={"action": "accept"})
    await admit(js, node, json.dumps(mismatch).encode())
    not_ours = notice(node)
    await admit(js, node, json.dumps(not_ours).encode(), type_=ingest.CASE_STATUS_CHANGED)
    deep = b"[" * 5000 + b"]" * 5000
    await admit(js, node, deep)
    c = consumer(projected, js, tenant)
    await consume_until(c, lambda n: n.failed == len(cases) + 3)
    listed = await rejected(js, tenant, len(cases) + 3)
    for code, (owner, body) in cases.items():
        assert listed[body["id"]]["Mgov-Error-Code"] == code, (code, listed[body["id"]])
        assert listed[body["id"]]["Mgov-System"] == str(owner.id)
    assert listed[mismatch["id"]]["Mgov-Error-Code"] == "type_mismatch"
    assert listed[not_ours["id"]]["Mgov-Error-Code"] == "unknown_type"
    assert listed[""]["Mgov-Error-Code"] == "json_too_deep"
    assert listed[""]["Mgov-Original-Subject"].startswith(f"{ingest.INGEST_PREFIX}.{tenant}.{node.id}.")
    # The hook's row of the refused event was rolled back with the recorded id: nothing applied.
    assert await projected.fetchval("SELECT count(*) FROM applied") == 0
    assert await projected.fetchval("SELECT count(*) FROM processed_events") == 0


async def test_a_system_not_known_yet_is_waited_for_then_applied(projected: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """Its registration event may arrive after its first event: retried, not refused."""
    node = a_system(tenant)
    ev = notice(node)
    await admit(js, node, ev)
    c = consumer(projected, js, tenant)
    task = asyncio.create_task(c.run())
    try:
        await c.wait_until(lambda n: n.retried >= 1)
        await project(projected, announce(node))
        await c.wait_until(lambda n: n.handled == 1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert c.counts.failed == 0
    assert await projected.fetchval("SELECT system_id FROM applied WHERE event_id = $1", uuid.UUID(ev["id"])) == str(node.id)


async def test_a_system_never_registered_is_refused_after_the_retries(projected: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    node = a_system(tenant)
    ev = notice(node)
    await admit(js, node, ev)
    c = consumer(projected, js, tenant)
    await consume_until(c, lambda n: n.failed == 1)
    assert c.counts.retried == c.spec.max_deliver - 1
    assert (await rejected(js, tenant, 1))[ev["id"]]["Mgov-Error-Code"] == "unknown_system"


async def test_the_projection_keeps_the_newest_registration_and_a_revocation_is_final(projected: asyncpg.Pool, tenant: str) -> None:
    node = a_system(tenant)
    rotated = SystemNode(node.id, tenant, node.name, node.event_types, "active", 2)
    revoked = SystemNode(node.id, tenant, node.name, node.event_types, "revoked", 2)
    await project(projected, announce(node, at=T0), announce(rotated, "updated", T0 + timedelta(minutes=2)),
                  announce(node, "updated", T0 + timedelta(minutes=1)))  # older, arriving late: ignored
    async with projected.acquire() as conn:
        assert await SystemProjection(conn).get(node.id) == rotated
    await project(projected, announce(revoked, "revoked", T0 + timedelta(minutes=3)),
                  announce(rotated, "updated", T0 + timedelta(minutes=4)))  # even a newer one does not bring it back
    async with projected.acquire() as conn:
        stored = await SystemProjection(conn).get(node.id)
        assert stored == revoked and not stored.active
        assert await SystemProjection(conn).get(uuid.uuid4()) is None


async def test_systems_registered_before_the_events_existed_are_announced_once(servers: Servers, tmp_path: Path) -> None:
    """Identity's migration 0009 writes one event per existing system to its outbox, in the
    shape the projection reads: an upgraded platform keeps accepting their events."""
    identity = Path(__file__).resolve().parents[2] / "services" / "identity" / "migrations"
    before = tmp_path / "before"
    before.mkdir()
    for f in identity.glob("*.sql"):
        if f.name < "0009":
            (before / f.name).write_text(f.read_text())
    schema = f"idm_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, before)
    conn = await asyncpg.connect(servers.dsn, server_settings={"search_path": schema})
    try:
        await conn.execute("INSERT INTO tenants (id, division_code, level, name_zh) VALUES ('zhejiang', '330000', 'province', '浙江省')")
        active, revoked = uuid.uuid4(), uuid.uuid4()
        for sid, status in ((active, "active"), (revoked, "revoked")):
            await conn.execute(
                "INSERT INTO systems (id, tenant_id, name, event_types, client_id, client_secret_hash, nats_user, nats_password_hash,"
                " status, credentials_version, created_at) VALUES ($1, 'zhejiang', $2, $3, $4, 'h', $4, 'h', $5, 3, now())",
                sid, f"s-{status}", [NOTICE], f"c-{sid.hex[:8]}", status)
        assert "0009_announce_systems" in await migrate(servers.dsn, schema, identity)
        rows = await conn.fetch("SELECT subject, payload FROM outbox ORDER BY seq")
        assert await migrate(servers.dsn, schema, identity) == []  # once
    finally:
        await conn.close()
    nodes = {}
    for r in rows:
        event = CloudEvent.parse(r["payload"])
        assert r["subject"] == event.platform_subject()
        node = parse_system_event(event)
        nodes[node.id] = node
    assert nodes[active] == SystemNode(active, "zhejiang", "s-active", frozenset({NOTICE}), "active", 3)
    assert nodes[revoked].status == "revoked" and "hash" not in "".join(r["payload"] for r in rows)
