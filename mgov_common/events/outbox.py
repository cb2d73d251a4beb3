"""Transactional outbox: write events beside the state change, publish them afterwards.

`record()` inserts event rows on the caller's connection, inside the caller's
transaction, so an event exists if and only if its state change committed. The
`OutboxRelay` publishes unpublished rows to JetStream with `Nats-Msg-Id` = event id
and marks them published in the same transaction that locked them: a relay killed
after publishing but before committing leaves the rows unpublished, the next relay
publishes them again, and JetStream drops the duplicates. Several relays (replicas)
can run at once: rows are taken with `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from nats.js import JetStreamContext
from opentelemetry import trace

from mgov_common.events.envelope import CloudEvent
from mgov_common.telemetry import context_from_traceparent, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)


async def record(conn: asyncpg.Connection, *events: CloudEvent) -> None:
    """Add events to the outbox on `conn` (call inside the state change's transaction)."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.record must run inside the transaction of the state change")
    await conn.executemany(
        "INSERT INTO outbox (id, subject, type, payload, traceparent) VALUES ($1, $2, $3, $4, $5)",
        [(e.id, e.platform_subject(), e.type, e.to_json(), e.traceparent) for e in events],
    )


class OutboxRelay:
    """Publishes a schema's outbox to JetStream; woken by NOTIFY, with a polling fallback."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        schema: str,
        *,
        batch_size: int = 256,
        poll_interval_s: float = 1.0,
        publish_timeout_s: float = 5.0,
        retention_s: float = 86400.0,
    ) -> None:
        self.pool = pool
        self.js = js
        self.schema = schema
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.publish_timeout_s = publish_timeout_s
        self.retention_s = retention_s
        self._wake = asyncio.Event()
        self.published = 0
        # Fault injection for tests: runs after publishing, before the commit.
        self.after_publish: Callable[[], Awaitable[None]] | None = None

    async def publish_batch(self) -> int:
        """Publish up to one batch; return how many rows were published."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT seq, id, subject, payload, traceparent FROM outbox"
                " WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            if not rows:
                return 0
            # Published concurrently (pipelined on one connection, so stream order is kept);
            # any failure rolls the whole batch back and it is retried, duplicates dropped.
            await asyncio.gather(*(self._publish(r) for r in rows))
            if self.after_publish is not None:
                await self.after_publish()
            await conn.execute("UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows])
        self.published += len(rows)
        return len(rows)

    async def _publish(self, row: asyncpg.Record) -> None:
        headers = {"Nats-Msg-Id": str(row["id"])}
        if row["traceparent"]:
            headers["traceparent"] = row["traceparent"]
        with _tracer.start_as_current_span(
            f"publish {row['subject']}",
            context=context_from_traceparent(row["traceparent"]),
            kind=trace.SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": row["subject"], "messaging.message.id": str(row["id"])},
        ):
            await self.js.publish(row["subject"], row["payload"].encode(), timeout=self.publish_timeout_s, headers=headers)

    async def prune(self) -> int:
        result = await self.pool.execute(
            "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)", self.retention_s
        )
        return int(result.split()[-1])

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled; errors are logged and retried with backoff."""
        listener = await self.pool.acquire()
        channel = f"mgov_outbox_{self.schema}"
        await listener.add_listener(channel, self._on_notify)
        backoff = 0.1
        loops = 0
        try:
            while True:
                self._wake.clear()
                try:
                    n = await self.publish_batch()
                    backoff = 0.1
                except Exception as exc:  # noqa: BLE001 - a relay must outlive any failure
                    log.warning("outbox relay failed; retrying", extra={"error": repr(exc), "retry_in_s": backoff})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if n == self.batch_size:
                    continue
                loops += 1
                if loops % 600 == 0:
                    await self.prune()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
                except TimeoutError:
                    pass
        finally:
            try:
                await listener.remove_listener(channel, self._on_notify)
            finally:
                await self.pool.release(listener)
