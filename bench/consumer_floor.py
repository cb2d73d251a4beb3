"""What a lone event costs a consumer that does nothing with it, and what a streaming
pull would save.

    .venv/bin/python -m bench.consumer_floor [--events 1500] [--rounds 3]

At the rate a submission comes (a handful a second to a few hundred), every consumer of
`application.submitted` (notify, the catalogue's use counter, identity's webhook
fan-out, insight) finds one event per fetch, so each pays its fetch loop once per event
whatever its own work. This bench starts an embedded NATS (JetStream, file storage),
publishes `--events` events one at a time, each after the previous one was acked, and
measures the CPU per event of this process (publisher and consumer) and of nats-server:

- **publisher alone**: the events published and not consumed (the part to subtract);
- **fetch per batch (before)**: the consumers' loop before the streaming pull, kept
  here for comparison: a pull request per batch (`fetch(1)`, then the backlog), so a
  pull request per lone event, with a handler that only acks (as identity's fan-out
  does for a tenant with no webhook);
- **platform loop**: `mgov_common.events.consumer.EventConsumer` as it is (a streaming
  pull, `mgov_common.events.pull`), the same handler;
- **streaming pull sketch**: the bare minimum, one pull request for up to 256 messages
  outstanding (expiring after a second, then renewed), each message acked as it
  arrives, no bookkeeping: the floor of any loop.

Variants alternate `--rounds` times; medians. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import nats
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from launcher.embedded import EmbeddedNats
from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.ports import free_port

STREAM = "BENCH_FLOOR"


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _AckOnly(EventConsumer):
    async def handle(self, msg: Msg) -> None:
        await msg.ack()
        self.count("handled")


class _FetchPerBatch(_AckOnly):
    """The loop before the streaming pull: `fetch(1)`, then what else is pending."""

    async def run(self) -> None:
        await self.ensure()
        sub = await self.js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)
        try:
            while True:
                try:
                    msgs = await sub.fetch(1, timeout=1.0)
                    if msgs[-1].metadata.num_pending:
                        try:
                            msgs += await sub.fetch(self.spec.batch - 1, timeout=0.05)
                        except (nats.errors.TimeoutError, TimeoutError):
                            pass
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                await self.handle_batch(msgs)
        finally:
            await sub.unsubscribe()


async def _paced(js: JetStreamContext, subject: str, n: int, consumed: Callable[[int], Awaitable[object]] | None) -> None:
    for i in range(n):
        await js.publish(subject, b'{"x":1}')
        if consumed is not None:
            await consumed(i + 1)


async def _measure(pid: int, js: JetStreamContext, subject: str, n: int, consumed: Callable[[int], Awaitable[object]] | None) -> tuple[float, float]:
    mine, server = _self_cpu(), _proc_cpu(pid)
    await _paced(js, subject, n, consumed)
    return (_self_cpu() - mine) / n * 1e6, (_proc_cpu(pid) - server) / n * 1e6


async def _platform_loop(nc: nats.NATS, js: JetStreamContext, pid: int, name: str, n: int,
                         kind: type[_AckOnly] = _AckOnly) -> tuple[float, float]:
    consumer = kind(None, js, ConsumerSpec(name, [f"floor.{name}"], stream=STREAM, batch=64), None)
    task = asyncio.create_task(consumer.run())
    try:
        await _paced(js, f"floor.{name}", 50, lambda k: consumer.wait_until(lambda c: c.handled >= k))  # warm
        return await _measure(pid, js, f"floor.{name}", n, lambda k: consumer.wait_until(lambda c: c.handled >= k + 50))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _streaming_pull(nc: nats.NATS, js: JetStreamContext, pid: int, name: str, n: int) -> tuple[float, float]:
    await js.add_consumer(STREAM, ConsumerConfig(durable_name=name, filter_subject=f"floor.{name}", ack_policy=AckPolicy.EXPLICIT))
    inbox, queue, progress, acked = nc.new_inbox(), asyncio.Queue[Msg](), asyncio.Event(), [0]

    async def arrived(msg: Msg) -> None:
        await queue.put(msg)

    sub = await nc.subscribe(inbox, cb=arrived)

    async def loop() -> None:
        while True:
            await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{name}", json.dumps({"batch": 256, "expires": 1_000_000_000}).encode(),
                             reply=inbox)
            left = 256
            while left:
                msg = await queue.get()
                if msg.headers and msg.headers.get("Status"):
                    if msg.headers["Status"] == "100":
                        continue
                    break  # the request ended (expired, or the server ended it): ask again
                await msg.ack()
                acked[0] += 1
                left -= 1
                progress.set()

    async def consumed(k: int) -> None:
        while acked[0] < k:
            progress.clear()
            await progress.wait()

    task = asyncio.create_task(loop())
    try:
        await _paced(js, f"floor.{name}", 50, consumed)
        return await _measure(pid, js, f"floor.{name}", n, lambda k: consumed(k + 50))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sub.unsubscribe()


async def run(events: int, rounds: int) -> dict[str, dict[str, float]]:
    root = Path(tempfile.mkdtemp(prefix="mgov-bench-floor-"))
    server = EmbeddedNats(root / "nats", free_port())
    server.start()
    runs: dict[str, list[tuple[float, float]]] = {"publisher alone": [], "fetch per batch": [], "platform loop": [], "streaming sketch": []}
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=STREAM, subjects=["floor.>"]))
        pid = int(server.pid_file.read_text().strip())
        for r in range(rounds):
            runs["publisher alone"].append(await _measure(pid, js, "floor.nobody", events, None))
            runs["fetch per batch"].append(await _platform_loop(nc, js, pid, f"fetch{r}", events, _FetchPerBatch))
            runs["platform loop"].append(await _platform_loop(nc, js, pid, f"loop{r}", events))
            runs["streaming sketch"].append(await _streaming_pull(nc, js, pid, f"stream{r}", events))
        await nc.close()
    finally:
        server.stop()
    return {k: {"client_us": statistics.median(c for c, _ in v), "nats_us": statistics.median(s for _, s in v)} for k, v in runs.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=1500)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    figures = asyncio.run(run(args.events, args.rounds))
    base = figures["publisher alone"]
    print(f"CPU µs per lone event (median of {args.rounds} alternated rounds; consumer = less the publisher alone)")
    print(f"{'variant':<18}{'this process':>14}{'nats-server':>14}{'consumer':>12}{'nats for it':>14}")
    for name, f in figures.items():
        print(f"{name:<18}{f['client_us']:>14.0f}{f['nats_us']:>14.0f}{f['client_us'] - base['client_us']:>12.0f}{f['nats_us'] - base['nats_us']:>14.0f}")
    print("BENCH_JSON " + json.dumps({"consumer_floor": figures, "load": os.getloadavg()[0]}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
