"""One SERVER span per HTTP request at the gateway's edge, parent of the RPCs it makes.

A plain ASGI middleware in place of OpenTelemetry's ASGI/FastAPI instrumentation, which
matched the route a second time and made four spans per request ("http receive" and
"http send" among them): a third of a catalogue search's CPU. Here the span starts
before routing with the method as its name and is renamed after it to
`GET /v1/tenants/{tenant_id}/services` (the route's template, never the raw path: ids
and queries stay out of span names); its attributes are the method, route and status.
A caller's W3C `traceparent` header, when present, makes the span its child. Health
probes (`/healthz`, `/readyz`) are not traced.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.metrics import METHODS, UNMATCHED, route_of
from mgov_common.telemetry import context_from_traceparent

UNTRACED_PATHS = frozenset({"/healthz", "/readyz"})
_tracer = trace.get_tracer("mgov.gateway")


def _traceparent(scope: Scope) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == b"traceparent":
            return str(value.decode("latin-1"))
    return None


class TracingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "other"
        incoming = _traceparent(scope)
        parent = context_from_traceparent(incoming) if incoming else None
        status = 500  # what the server answers when the app raises before responding

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with _tracer.start_as_current_span(method, context=parent, kind=SpanKind.SERVER,
                                           record_exception=False, set_status_on_exception=False) as span:
            try:
                await self.app(scope, receive, send_status)
            finally:
                route = route_of(scope)
                span.update_name(f"{method} {route}" if route != UNMATCHED else method)
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
