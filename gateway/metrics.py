"""Request metrics of the gateway: `mgov_http_requests_total` and its latency histogram.

A plain ASGI middleware (no per-request objects beyond a closure): it times the request,
takes the status from the response's start, and labels both with the matched route's
template (`/v1/applications/{application_id}`), never the raw path, so one series stands
for every case and a scanner's random paths add none (they count as `unmatched`). The
method is one of the HTTP methods the API knows, or `other`: a client chooses it.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mgov_common import metrics

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(scope: Scope) -> str:
    """The template of the route that handled the request (set by routing on the scope)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request; outermost, so rejections by the request limits
    and errors turned into problem+json count with the status the client saw."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._calls: metrics.Children[Any] = metrics.Children(metrics.HTTP_REQUESTS)
        self._durations: metrics.Children[Any] = metrics.Children(metrics.HTTP_DURATION)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before responding

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_of(scope)
            self._durations.get((route, method)).observe(time.perf_counter() - started)
            self._calls.get((route, method, str(status))).inc()
