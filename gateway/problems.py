"""RFC 9457 problem+json for every error the gateway answers, 404s and validation included."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import Scope, Send

from gateway.grpc_errors import error_detail, http_status, message_too_large
from mgov_common.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://mgov.dev/problems/"


class Problem(Exception):
    """Raise from a route to answer a problem; `code` becomes the stable `type`."""

    def __init__(self, status: int, code: str, detail: str, *, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra


def problem_body(status: int, code: str, detail: str, instance: str, request_id: str | None = None, *,
                 errors: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
        "status": status,
        "code": code,
        "detail": detail,
        "instance": instance,
    }
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(request: Request, status: int, code: str, detail: str, *, errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = problem_body(status, code, detail, request.url.path, getattr(request.state, "request_id", None), errors=errors, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_problem(scope: Scope, send: Send, status: int, code: str, detail: str, *, close: bool = False,
                       errors: list[dict[str, str]] | None = None, **extra: Any) -> None:
    """Answer a problem from ASGI middleware, before (or instead of) the app.

    `close` ends the connection after the answer: for a request whose body was not read,
    so the server does not go on receiving (and discarding) what the client still sends.
    """
    request_id = (scope.get("state") or {}).get("request_id")
    raw = json.dumps(problem_body(status, code, detail, scope.get("path", ""), request_id, errors=errors, **extra)).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(raw)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def too_large_detail(limit: int | None) -> str:
    if not limit:
        return "the request body is larger than this route accepts"
    size = f"{limit // 1048576} MiB" if limit % 1048576 == 0 else f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit} bytes"
    return f"the request body is larger than the {size} this route accepts"


_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large", 415: "unsupported_media_type", 429: "rate_limited"}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.code, exc.detail, errors=exc.errors, headers=exc.headers, **exc.extra)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        status = http_status(grpc.StatusCode[exc.status], exc.code)
        errors = [{"field": v.field, "code": v.code, "message": v.description} for v in exc.violations]
        headers = {"WWW-Authenticate": 'Bearer realm="mgov"'} if status == 401 else None
        if status == 429:
            headers = {"Retry-After": str(max(1, int(exc.retry_after_s or 1)))}
        return problem_response(request, status, exc.code, exc.message, errors=errors or None, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 413 and exc.detail == "Content Too Large":  # Starlette's body limit, from the route's receive()
            limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
            request.state.max_body_bytes = limit  # for gateway.request_limits.TooLargeAnswers
            return problem_response(request, 413, "payload_too_large", too_large_detail(limit), headers={"Connection": "close"}, max_bytes=limit)
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.method} {request.url.path}"
        return problem_response(request, exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            kind = err.get("type", "invalid")
            if kind == "json_invalid":
                return problem_response(request, 400, "malformed_json", f"the request body is not valid JSON: {err.get('ctx', {}).get('error', '')}".rstrip(": "))
            errors.append({"field": _field_path(tuple(err.get("loc", ()))), "code": kind, "message": err.get("msg", "")})
        fields = ", ".join(e["field"] for e in errors)
        return problem_response(request, 422, "validation_failed", f"invalid input: {fields}", errors=errors)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def _grpc(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        if message_too_large(exc):
            log.warning("request past the gRPC message limit", extra={"grpc_details": exc.details(), "path": request.url.path})
            return problem_response(request, 413, "payload_too_large", "the request is larger than the service accepts")
        detail = error_detail(exc)
        status = http_status(exc.code(), detail.code)
        code = detail.code or exc.code().name.lower()
        if status >= 500:
            log.warning("backend call failed", extra={"grpc_status": exc.code().name, "path": request.url.path})
        message = detail.message or exc.details() or exc.code().name
        if exc.code() == grpc.StatusCode.UNAVAILABLE:
            message = "a backend service is unavailable; try again shortly"
        errors = [{"field": v.field, "code": v.code, "message": v.description} for v in detail.field_violations]
        headers = {"Retry-After": str(max(1, detail.retry_after_seconds))} if status in (429, 503) else None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="mgov"'}
        return problem_response(request, status, code, message, errors=errors or None, headers=headers)

    @app.exception_handler(UnicodeEncodeError)
    async def _unencodable(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # JSON may escape a lone surrogate ("\ud800"), which no protobuf string can carry;
        # the JSON readers name the field, this catches any text that slipped past them.
        return problem_response(request, 422, "invalid_unicode", "text must be valid Unicode: a lone surrogate (e.g. \\ud800) cannot be stored",
                                errors=[{"field": "body", "code": "invalid_unicode", "message": "no lone surrogates"}])
    # Anything unexpected is answered by gateway.request_id.RequestIdMiddleware (500, with the id).
