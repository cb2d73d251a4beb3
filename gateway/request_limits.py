"""Every request body is bounded at the gateway's door, before anything reads it whole.

- Size: Starlette's `RequestBodyLimitMiddleware` counts every body against
  `GatewaySettings.max_body_bytes` (small); a route that takes more declares it with
  FastAPI's `max_body_size=` (a service item, a workflow, an event from a city system,
  a material upload), which overrides that default for its requests. A declared
  `Content-Length` over the limit is refused before a byte of the body is read; a
  chunked body is counted as it streams and refused at the first chunk over the limit.
- The answer is a 413 problem+json naming the limit, and the connection is closed
  after it, so nothing more of that body is received.
- JSON depth: a JSON body (what FastAPI parses as JSON: `application/json`,
  `application/*+json`) is read whole when the route first asks for it (it is bounded
  by then), and its nesting measured with a flat scan (`mgov_common.safejson`); past
  `max_json_depth` levels it is 422 `json_too_deep` before any parser recurses into it.
- Other bodies (multipart uploads, forms) stream through to the route, counted.

Header size is bounded one layer lower, in the HTTP protocol (gateway/http_protocol.py).
"""

from __future__ import annotations

from email.message import Message as EmailMessage

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import problem_response, send_problem, too_large_detail
from mgov_common import ingest, safejson

KIB = 1024
# What routes that take a whole document (a service item, a workflow, a form) accept.
DOCUMENT_MAX_BODY = 256 * KIB
# An event from a city system (the ingest route's own limit).
EVENT_MAX_BODY = ingest.MAX_EVENT_BYTES


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI parses a body with this content type as JSON (strict content type)."""
    if not content_type:
        return False
    message = EmailMessage()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class JsonBodyTooDeep(HTTPException):
    def __init__(self, max_depth: int) -> None:
        super().__init__(422, f"the JSON body nests deeper than {max_depth} levels")
        self.max_depth = max_depth


class JsonDepthMiddleware:
    """Reads a JSON body whole at the route's first `receive()` and measures its nesting.

    Lazily, so the route's own size limit (set once the request is routed) bounds what
    is read here; the body is then handed on in one piece.
    """

    def __init__(self, app: ASGIApp, *, max_depth: int) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_json(Headers(scope=scope).get("content-type")):
            await self.app(scope, receive, send)
            return
        body: bytes | None = None

        async def measured() -> Message:
            nonlocal body
            if body is not None:
                return await receive()  # after the body: the disconnect, as the server reports it
            chunks: list[bytes] = []
            while True:
                message = await receive()  # counted (and cut off) by the body limit
                if message["type"] != "http.request":
                    return message
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            if safejson.too_deep(body, self.max_depth):
                raise JsonBodyTooDeep(self.max_depth)
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, measured, send)


class TooLargeAnswers:
    """Every 413 is problem+json and ends the connection.

    Starlette's limiter answers a plain-text 413 of its own whenever the body was
    declared (Content-Length) too large, replacing whatever the route answered; that
    one is rewritten here, with the limit the route's 413 handler noted (if the route
    got as far as reading). Closing matters: the body was not read, and a kept-alive
    connection would go on receiving it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def answer(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = Headers(raw=message.get("headers", []))
                if not headers.get("content-type", "").startswith("application/problem+json"):
                    rewriting = True
                    limit = (scope.get("state") or {}).get("max_body_bytes")
                    await send_problem(scope, send, 413, "payload_too_large", too_large_detail(limit), close=True,
                                       **({"max_bytes": limit} if limit else {}))
                    return
                if "connection" not in headers:
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            if rewriting:
                return  # the plain-text body of the answer replaced above
            await send(message)

        await self.app(scope, receive, answer)


def install(app: FastAPI, *, default_max_body: int, max_json_depth: int) -> None:
    """Add the limits (call before the request-id middleware, which must stay outermost)."""

    @app.exception_handler(JsonBodyTooDeep)
    async def _too_deep(request: Request, exc: JsonBodyTooDeep) -> JSONResponse:
        return problem_response(request, 422, "json_too_deep", str(exc.detail),
                                errors=[{"field": "body", "code": "too_deep", "message": f"at most {exc.max_depth} levels"}])

    # Added innermost first: the depth check reads through the size limit.
    app.add_middleware(JsonDepthMiddleware, max_depth=max_json_depth)
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=default_max_body)
    app.add_middleware(TooLargeAnswers)
