"""A streaming pull on a durable JetStream consumer: pull requests that stay open.

The consumers used to ask for every batch with a pull request of its own (`fetch(1)`,
then the backlog with a second, no-wait request). At the rate submissions come, every
consumer of `application.submitted` found one event per request, so each event cost
each consumer a request, its reply and the client's bookkeeping for it, and the server
the same: about as much CPU as the event's own handling in a consumer that only acks.

Here one pull request asks for up to `batch` messages and stays open for `expires_s`;
the server delivers each message as it comes into this subscription's inbox, and a new
request goes out when what is asked for and not yet delivered, plus what is delivered
and not yet taken, falls to half a batch (so a burst never waits for a round trip, and
no more than about a batch and a half is ever held here). `next_batch` hands out what
has arrived, up to `batch` at a time, in delivery order, and when the newest message
says more were already waiting, waits for those too (they are on their way), so a
backlog still comes in full batches. It is still a durable pull
consumer with explicit acks: ordering, redelivery after `ack_wait`, `max_ack_pending`
and several replicas sharing the durable work as before (nats-py's push and ordered
consumers do not fit: a push consumer cannot be shared by replicas without a queue
group and loses flow control, an ordered consumer is ephemeral and unacknowledged).

What ends requests is accounted for: the server's `408 Request Timeout` (expired) and
`409 Leadership Change` say how many messages they had left, and a request is re-sent
at once. A refusal that would only come again (a bad request, a request over the
durable's limits, a durable that is gone) is raised, for the loop's backoff. A request the server forgot without a word (it restarted, the client
reconnected elsewhere) is noticed by its silence: an open request gets an idle
heartbeat every `heartbeat_s`, so `missed` heartbeats without any message mean nothing
is asked for any more, and the loop asks again.

A request lives for less than the durable's `ack_wait` (`for_ack_wait`): the server
redelivers an unacknowledged message only `ack_wait` after it delivered it, so no
request can bring the same message twice, and while the consumer is stuck (say on a
database that is away) no new request goes out: what it holds comes back at most once
or twice meanwhile, and never counts toward `max_deliver` for long.

A consumer may *linger* (`linger_s`, like Kafka's `linger.ms`): when the first message
arrives at an empty hand, the batch is handed out `linger_s` after that arrival or as
soon as it is full, whichever comes first, so under a steady stream of events a
consumer takes several per wake-up (one transaction, one commit) instead of one. The
wait is on the arrival signal with a deadline; a message that already waited that
long while the consumer was busy is handed out at once, and a cancelled wait leaves
what arrived to `stop` (NAKed), so nothing is lost or handled twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

log = logging.getLogger(__name__)

EXPIRES_S = 30.0
HEARTBEAT_S = 1.0
MISSED = 2
# A backlog the server is delivering comes within this of each message; a bound, not a wait.
BACKLOG_GAP_S = 0.05


class PullRefused(Exception):
    """The server refused a pull request (a bad request, a consumer that is gone)."""


class StreamingPull:
    """Open pull requests on one durable and the messages they brought (see the module)."""

    def __init__(self, nc: Client, api_prefix: str, stream: str, durable: str, batch: int, *,
                 expires_s: float = EXPIRES_S, heartbeat_s: float = HEARTBEAT_S, linger_s: float = 0.0) -> None:
        self.nc = nc
        self.batch = max(1, batch)
        self.subject = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self.inbox = nc.new_inbox()
        heartbeat_s = min(heartbeat_s, expires_s / 3)  # the server wants at least two per request
        self.heartbeat_s = heartbeat_s
        self.request = json.dumps({"batch": self.batch, "expires": int(expires_s * 1e9),
                                   "idle_heartbeat": int(heartbeat_s * 1e9)}).encode()
        self.requests = 0  # pull requests sent (for tests and benches)
        self._asked = 0  # messages asked for and not yet delivered nor ended by the server
        self.linger_s = max(0.0, linger_s)
        self._arrived: deque[Msg] = deque()
        self._first_at = 0.0  # when the oldest message held here arrived (loop time)
        self._signal = asyncio.Event()
        self._sub: Subscription | None = None
        self._durable = durable
        self._refused: str | None = None

    @classmethod
    def for_ack_wait(cls, nc: Client, api_prefix: str, stream: str, durable: str, batch: int, ack_wait_s: float, *,
                     linger_s: float = 0.0) -> StreamingPull:
        """Requests that expire before `ack_wait` (see the module)."""
        return cls(nc, api_prefix, stream, durable, batch, expires_s=min(EXPIRES_S, 0.9 * ack_wait_s), linger_s=linger_s)

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(self.inbox, cb=self._on_message)

    async def stop(self) -> None:
        """Stop asking, and give what arrived but was never taken back to the server at
        once (a nak), rather than after its `ack_wait`."""
        left, self._arrived = list(self._arrived), deque()
        try:
            if self._sub is not None:
                await self._sub.unsubscribe()
            for msg in left:
                await msg.nak()
        except Exception:  # noqa: BLE001 - a closed connection: they come back after ack_wait
            pass

    async def _on_message(self, msg: Msg) -> None:
        headers = msg.headers
        status = headers.get("Status") if headers else None
        if not status:
            self._asked = max(0, self._asked - 1)
            if not self._arrived:
                self._first_at = asyncio.get_running_loop().time()
            self._arrived.append(msg)
            self._signal.set()
            return
        if status == "100":
            self._signal.set()  # an idle heartbeat: the requests are alive
            return
        assert headers is not None
        left = headers.get("Nats-Pending-Messages")
        # A request ended: subtract what it had left; without the count, assume nothing is asked.
        self._asked = max(0, self._asked - int(left)) if left and left.isdigit() else 0
        description = headers.get("Description", "")
        # Expired (408), nothing there for a no-wait request (404), a new leader or too many
        # requests waiting for the moment (409): ask again. Anything else (a bad request, a
        # request over the durable's limits, a durable gone or push based) would only be
        # refused again: the loop backs off first.
        if status not in ("404", "408") and not (status == "409" and description in ("Leadership Change", "Exceeded MaxWaiting")):
            self._refused = f"{status} {description}"
        self._signal.set()

    async def _ask_if_low(self) -> None:
        if self._asked + len(self._arrived) <= self.batch // 2:
            await self.nc.publish(self.subject, self.request, reply=self.inbox)
            self._asked += self.batch
            self.requests += 1

    async def _await_backlog(self) -> None:
        """What the newest message says is still pending (in the stream already) and is
        asked for is being delivered now: take it with this batch, up to `batch`, rather
        than split a backlog into batches of what one socket read brought. Only what was
        pending then: a steady stream does not hold a batch back."""
        want = min(self.batch, len(self._arrived) + (self._arrived[-1].metadata.num_pending or 0))
        while len(self._arrived) < want and self._asked > 0:  # still short, and more is on its way
            self._signal.clear()
            try:
                async with asyncio.timeout(BACKLOG_GAP_S):
                    await self._signal.wait()
            except TimeoutError:
                return

    async def wait_held(self, n: int) -> None:
        """Until at least `n` messages have arrived and are not yet handed out (for tests)."""
        while len(self._arrived) < n:
            self._signal.clear()
            await self._signal.wait()

    async def _linger(self) -> None:
        """Until the batch is full or `linger_s` after its first message arrived (see the
        module). It ends early when nothing more is asked for (the requests ended or
        brought all they asked for: the next call asks again) or a request was refused
        (raised on the next call)."""
        if self.linger_s <= 0:
            return
        try:
            async with asyncio.timeout_at(self._first_at + self.linger_s):
                while len(self._arrived) < self.batch and self._asked > 0 and self._refused is None:
                    self._signal.clear()
                    await self._signal.wait()
        except TimeoutError:
            pass

    async def next_batch(self) -> list[Msg]:
        """The messages that have arrived (at least one, at most `batch`), waiting for the
        first; asks again whenever what is asked for runs low or has gone silent."""
        silent = 0
        while True:
            if self._refused is not None:  # not asked again at once: the caller's backoff first
                refused, self._refused = self._refused, None
                raise PullRefused(f"pull request on {self._durable} refused: {refused}")
            await self._ask_if_low()
            if self._arrived:
                await self._linger()
                await self._await_backlog()
                n = min(self.batch, len(self._arrived))
                return [self._arrived.popleft() for _ in range(n)]
            self._signal.clear()
            try:
                async with asyncio.timeout(self.heartbeat_s * 1.5):
                    await self._signal.wait()
                silent = 0
            except TimeoutError:
                silent += 1
                if silent >= MISSED:  # no heartbeat: whatever was asked for is gone (a server restart, a reconnect)
                    self._asked, silent = 0, 0
