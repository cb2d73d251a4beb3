"""The public catalogue's responses, kept by the gateway until the catalogue changes.

What is kept: the encoded JSON body (and its ETag) of the public reads — a tenant's
service list and search, an item's guide at its latest or a given version, a tenant's
notices — keyed by the request's path and raw query string, which hold everything that
shapes the answer (tenant, search text, filters, page size and token, version). The
answers do not depend on who asks (a signed-in caller sees the same public list; drafts
and admin views are never kept) and each body carries both languages (`{zh, en}`), so
one entry serves everyone; a caller's token is still verified before a kept answer is
given (gateway/cached_reads.py).

Why in the gateway and not in the catalog service: a hit then costs one process a
dictionary lookup and a write of ready bytes, with no gRPC call, no protobuf and no
JSON encoding (those were most of a search's CPU, in the gateway itself); a cache in
the catalog would still pay all of them on every read.

When it is dropped: the catalogue says so. Every replica holds a core NATS
subscription on the catalogue's events (`mgov.evt.*.catalog.>`: items published —
localisations included — retired, opted out or in, notices published) and drops every
entry when one arrives. Everything at once, because lists are effective lists (a
province's item shows in every city and county below it) and a change is rare next to
the reads. A write through this gateway also drops everything as soon as the catalog
has answered it, so a writer reads its own write at once; other replicas follow when
the event arrives. Two things make a response change without an event: the use counts
(each submission) in list order, and the `has_draft` flag of an item; entries
therefore also end at the age the response already allows clients and proxies to keep
it (`Cache-Control: max-age`).

Never stale by a race: `generation` counts every drop; a miss notes it before calling
the catalog and keeps the answer only if no drop happened meanwhile. Never stale by a
lost event: without a live subscription (NATS away, reconnecting) nothing is kept, and
the cache starts empty when the subscription is back.

Memory is bounded by bytes (`MGOV_GATEWAY_CATALOG_CACHE_BYTES`, 0 turns the cache off):
least recently used entries go first; a body larger than an eighth of the bound is never
kept.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from mgov_common.metrics import CATALOG_CACHE_BYTES as CACHE_BYTES
from mgov_common.metrics import CATALOG_CACHE_INVALIDATIONS as CACHE_INVALIDATIONS
from mgov_common.metrics import CATALOG_CACHE_REQUESTS as CACHE_REQUESTS

ENTRY_OVERHEAD = 200  # what an entry costs beside its body: key, object, dict slot


Key = tuple[str, bytes]  # the request's path and raw query string


class Entry:
    """One kept answer: its body, ETag (bare), Cache-Control, end of life (monotonic
    seconds), the route it answers for, and its response headers ready to send."""

    __slots__ = ("body", "etag", "cache_control", "expires", "route", "headers", "not_modified_headers")

    def __init__(self, body: bytes, etag: str, cache_control: str, expires: float, route: Any = None) -> None:
        self.body, self.etag, self.cache_control, self.expires, self.route = body, etag, cache_control, expires, route
        self.not_modified_headers = [(b"etag", f'"{etag}"'.encode()), (b"cache-control", cache_control.encode())]
        self.headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json"), *self.not_modified_headers]

    @property
    def size(self) -> int:
        return len(self.body) + ENTRY_OVERHEAD


def body_etag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


class CatalogCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 8
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self.bytes = 0
        self.generation = 0
        # Only while the invalidation subscription is live (see the module's docstring).
        self.live = False
        self.events = 0
        self._hits, self._misses = CACHE_REQUESTS.labels("hit"), CACHE_REQUESTS.labels("miss")

    @property
    def enabled(self) -> bool:
        return self.live and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Entry | None:
        """The live entry of `key` (counted as a hit or a miss)."""
        entry = self.peek(key)
        if entry is None:
            self._misses.inc()
        return entry

    def peek(self, key: Key) -> Entry | None:
        """The live entry of `key`; only a hit is counted (the middleware's look-up, whose
        miss goes on to the route, which counts it)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        self._hits.inc()
        return entry

    def put(self, key: Key, entry: Entry, generation: int) -> bool:
        """Keep `entry` if the cache is on, nothing was dropped since `generation` was read
        (before the catalog was asked) and the body fits; least recently used go first."""
        if not self.enabled or generation != self.generation or entry.size > self.max_entry_bytes:
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        CACHE_BYTES.set(self.bytes)
        return True

    def _drop(self, key: Key) -> None:
        self.bytes -= self._entries.pop(key).size

    def clear(self, cause: str) -> None:
        self._entries.clear()
        self.bytes = 0
        self.generation += 1
        CACHE_BYTES.set(0)
        CACHE_INVALIDATIONS.labels(cause).inc()

    # -- the invalidation subscription
    def subscribed(self) -> None:
        """The subscription is live (again): start empty, keep from now on."""
        self.clear("subscribed")
        self.live = True

    def unsubscribed(self) -> None:
        """Events may be missed from now on: keep nothing until subscribed again."""
        self.live = False
        self.clear("disconnected")

    def catalogue_changed(self) -> None:
        """A catalogue event arrived."""
        self.clear("event")
        self.events += 1


class CatalogInvalidation:
    """The cache's subscription to the catalogue's events (a `gateway.live.ConnectionListener`).

    Core NATS, not a JetStream consumer: each replica must see every event, only from
    now on, and a gap is handled by starting empty (above), not by replaying."""

    SUBJECT = "mgov.evt.*.catalog.>"

    def __init__(self, cache: CatalogCache) -> None:
        self.cache = cache

    async def attach(self, nc: NATS) -> None:
        await nc.subscribe(self.SUBJECT, cb=self._on_event)
        await nc.flush(timeout=2)  # registered at the server before anything is kept
        self.cache.subscribed()

    def detached(self) -> None:
        self.cache.unsubscribed()

    def reattached(self) -> None:
        self.cache.subscribed()

    async def _on_event(self, msg: Msg) -> None:
        self.cache.catalogue_changed()
