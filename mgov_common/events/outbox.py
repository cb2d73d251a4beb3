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

from mgov_common import metrics
from mgov_common.events.envelope import CloudEvent
from mgov_common.retry import Backoff
from mgov_common.telemetry import context_from_traceparent, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)
_MAX_LINKS = 128  # OpenTelemetry's default span link limit


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
        batch_size: int = 1024,
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
        # Set once the relay listens for NOTIFY: a commit after this wakes it at once.
        self.ready = asyncio.Event()
        self._progress = asyncio.Event()
        # Fault injection for tests: runs after publishing, before the commit.
        self.after_publish: Callable[[], Awaitable[None]] | None = None

    async def publish_batch(self) -> int:
        """Publish up to one batch; return how many rows were published."""
        async with self.pool.acquire() as conn, conn.transaction():
            # Locked and marked in one statement; the mark commits only after every ack.
            rows = sorted(await conn.fetch(
                "UPDATE outbox o SET published_at = now() FROM (SELECT seq FROM outbox WHERE published_at IS NULL"
                " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) AS due WHERE o.seq = due.seq"
                " RETURNING o.seq, o.id, o.subject, o.payload, o.traceparent",
                self.batch_size,
            ), key=lambda r: r["seq"])
            if not rows:
                return 0
            await self._publish_all(rows)
            if self.after_publish is not None:
                await self.after_publish()
        self.published += len(rows)
        self._progress.set()
        return len(rows)

    async def wait_published(self, count: int, timeout: float = 10.0) -> None:
        """Until this relay has published at least `count` events in all."""
        async with asyncio.timeout(timeout):
            while self.published < count:
                self._progress.clear()
                await self._progress.wait()

    async def _publish_all(self, rows: list[asyncpg.Record]) -> None:
        """Publish a batch pipelined (publish_async, in order on one connection) and wait
        for every ack; any failure rolls the batch back and it is retried, duplicates
        dropped by JetStream. One span per batch, linked to each event's own trace (the
        NATS header carries the event's traceparent, so consumers join that trace)."""
        links = [
            trace.Link(ctx)
            for r in rows[:_MAX_LINKS]
            if r["traceparent"] and (ctx := trace.get_current_span(context_from_traceparent(r["traceparent"])).get_span_context()).is_valid
        ]
        with _tracer.start_as_current_span(
            "publish outbox batch",
            kind=trace.SpanKind.PRODUCER,
            links=links,
            attributes={"messaging.system": "nats", "messaging.batch.message_count": len(rows), "db.schema": self.schema},
        ):
            acks = []
            for row in rows:
                headers = {"Nats-Msg-Id": str(row["id"])}
                if row["traceparent"]:
                    headers["traceparent"] = row["traceparent"]
                acks.append(await self.js.publish_async(row["subject"], row["payload"].encode(), headers=headers))
            async with asyncio.timeout(self.publish_timeout_s):
                await asyncio.gather(*acks)

    async def observe(self) -> None:
        """Set `mgov_outbox_backlog` and `mgov_outbox_oldest_age_seconds` for this schema:
        events stuck in the outbox (NATS away, a relay failing) show here long before
        anyone misses a notification. One query on the partial index of unpublished
        rows, run by the metrics sampler, not per batch."""
        row = await self.pool.fetchrow(
            "SELECT count(*) AS backlog, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS age"
            " FROM outbox WHERE published_at IS NULL", timeout=2.0)
        assert row is not None
        metrics.OUTBOX_BACKLOG.labels(self.schema).set(row["backlog"])
        metrics.OUTBOX_OLDEST_AGE.labels(self.schema).set(max(0.0, float(row["age"])))

    async def prune(self) -> int:
        result = await self.pool.execute(
            "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)", self.retention_s
        )
        return int(result.split()[-1])

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _listen(self, channel: str) -> asyncpg.Connection:
        conn = await self.pool.acquire()
        try:
            await conn.add_listener(channel, self._on_notify)
        except BaseException:
            await self.pool.release(conn)
            raise
        self.ready.set()
        return conn

    @staticmethod
    def _usable(conn: asyncpg.Connection) -> bool:
        try:
            return not conn.is_closed()
        except asyncpg.InterfaceError:  # the pool took it back when the connection was lost
            return False

    async def _drop(self, conn: asyncpg.Connection) -> None:
        self.ready.clear()
        try:
            await self.pool.release(conn)  # the pool replaces a closed connection
        except asyncpg.InterfaceError:
            pass  # already released by the pool

    async def run(self) -> None:
        """Publish until cancelled; errors are logged and retried with backoff. The
        listening connection is made again after the database restarts."""
        channel = f"mgov_outbox_{self.schema}"
        listener: asyncpg.Connection | None = await self._listen(channel)
        backoff = Backoff(base=0.1, cap=5.0)
        loops = 0
        try:
            while True:
                self._wake.clear()
                try:
                    if listener is None or not self._usable(listener):
                        if listener is not None:
                            await self._drop(listener)
                            listener = None
                        listener = await self._listen(channel)
                    n = await self.publish_batch()
                    backoff.reset()
                except Exception as exc:  # noqa: BLE001 - a relay must outlive any failure
                    delay = backoff.next_delay()
                    log.warning("outbox relay failed; retrying", extra={"error": repr(exc), "retry_in_s": delay})
                    await asyncio.sleep(delay)
                    continue
                if n == self.batch_size:
                    continue
                loops += 1
                if loops % 600 == 0:
                    await self.prune()
                try:
                    async with asyncio.timeout(self.poll_interval_s):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            self.ready.clear()
            if listener is not None:
                try:
                    if self._usable(listener):
                        await listener.remove_listener(channel, self._on_notify)
                finally:
                    await self._drop(listener)
