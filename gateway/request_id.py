"""A request id on every response, 500s included, and in every log line of the request.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses pass through untouched and
so an unexpected exception still gets a problem+json body carrying the id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_HEADER = HEADER.encode()
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
log = logging.getLogger(__name__)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        rid = current_request_id.get()
        if rid and not hasattr(record, "request_id"):
            record.request_id = rid
        return True


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers") or ():
            if name == _HEADER:
                incoming = value.decode("latin-1")  # the last one counts
        request_id = incoming if incoming and _VALID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER]
                headers.append((_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if started:
                raise
            await _send_500(send, request_id, scope.get("path", ""))
        finally:
            current_request_id.reset(token)


async def _send_500(send: Send, request_id: str, path: str) -> None:
    body: dict[str, Any] = {
        "type": "https://mgov.dev/problems/internal",
        "title": "Internal Server Error",
        "status": 500,
        "code": "internal",
        "detail": "an internal error occurred; it has been logged with the request id",
        "instance": path,
        "request_id": request_id,
    }
    raw = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(raw)).encode()), (HEADER.encode(), request_id.encode())],
    })
    await send({"type": "http.response.body", "body": raw})
