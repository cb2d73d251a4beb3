"""Serving a public catalogue read from the gateway's cache (gateway/catalog_cache.py).

Two ways in, one key (the request's path and its raw query string):

- the route (`cached(...)`): on a miss it asks the catalog through `produce`, answers
  and keeps the answer (its encoded body, an `ETag` — the resource's, or a hash of the
  body — and its `Cache-Control`); a caller with a token comes this way, so the token is
  verified first as on every route;
- `CachedReadsMiddleware`, for an anonymous GET without a body (the app's public
  reads): a kept answer is written straight from the middleware stack, without routing,
  query parsing or dependencies. A key is only ever kept by its route, after FastAPI
  validated that very query, so the same request meets the same answer either way. It
  sits inside the request-id, metrics and tracing middlewares and names the route it
  answers for, so every request is still counted and traced under its route template.

A matching `If-None-Match` gets 304 with no body, from the cache or not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.catalog_cache import CatalogCache, Entry, Key, body_etag

IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]
Produce = Callable[[], Awaitable[tuple[Any, str | None]]]


async def _catalog_cache(request: Request) -> CatalogCache:
    return request.app.state.catalog_cache  # type: ignore[no-any-return]


CatalogCacheDep = Annotated[CatalogCache, Depends(_catalog_cache)]


def key_of(scope: Scope) -> Key:
    return scope["path"], scope["query_string"]


def encode(data: Any) -> bytes:
    """JSON exactly as Starlette's JSONResponse writes it."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


def matches(if_none_match: str | bytes | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weakly compared, `*` matches all)."""
    if not if_none_match:
        return False
    if isinstance(if_none_match, bytes):
        if_none_match = if_none_match.decode("latin-1")
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/").strip('"') == etag for t in tags)


def respond(entry: Entry, if_none_match: str | None) -> Response:
    headers = {"ETag": f'"{entry.etag}"', "Cache-Control": entry.cache_control}
    if matches(if_none_match, entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


async def cached(cache: CatalogCache, request: Request, cache_control: str, max_age_s: float, if_none_match: str | None,
                 produce: Produce) -> Response:
    """The kept answer for this request, or `produce`'s (kept unless the cache was dropped meanwhile).

    `produce` gives the body as a JSON value, or as bytes already encoded as `encode` would."""
    key = key_of(request.scope)
    if cache.enabled:
        entry = cache.get(key)
        if entry is not None:
            return respond(entry, if_none_match)
    generation = cache.generation  # before asking: a drop meanwhile makes the answer unkeepable
    data, etag = await produce()
    body = data if isinstance(data, bytes) else encode(data)
    entry = Entry(body, etag or body_etag(body), cache_control, time.monotonic() + max_age_s, request.scope.get("route"))
    cache.put(key, entry, generation)
    return respond(entry, if_none_match)


class CachedReadsMiddleware:
    """Answers an anonymous, bodiless GET from the catalogue cache when it holds the answer."""

    def __init__(self, app: ASGIApp, cache: Callable[[], CatalogCache | None]) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = self.cache() if scope["type"] == "http" and scope["method"] == "GET" else None
        if cache is None or not cache.enabled:
            await self.app(scope, receive, send)
            return
        if_none_match = None
        for name, value in scope["headers"]:
            if name in (b"authorization", b"content-length", b"transfer-encoding"):
                await self.app(scope, receive, send)  # a token to verify, or a body: the route decides
                return
            if name == b"if-none-match":
                if_none_match = value
        entry = cache.peek(key_of(scope))
        if entry is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = entry.route  # for the metrics' and the span's route template
        if matches(if_none_match, entry.etag):
            await send({"type": "http.response.start", "status": 304, "headers": entry.not_modified_headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body})
