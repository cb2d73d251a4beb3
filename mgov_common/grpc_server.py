"""gRPC server plumbing: domain-error mapping, health that tells the truth, reflection.

Health (grpc.health.v1, `mgov_common.health`) tells ready from degraded: SERVING for the
process ("") and each of its services while the database answers, whatever NATS does.
On shutdown health goes NOT_SERVING first, so load balancers stop sending before the
server stops with a grace period. A database that cannot be reached makes a call
UNAVAILABLE with a retry hint, at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.protobuf import struct_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from mgov.common.v1 import common_pb2
from mgov_common import db, metrics
from mgov_common.auth import TokenVerifier, bearer_token
from mgov_common.health import ReportingHealthServicer
from mgov_common import grpc_tracing
from mgov_common.errors import ERROR_DETAIL_KEY, DomainError, FieldViolation, InvalidArgument, Unauthenticated
from mgov_common.principal import bind, unbind

log = logging.getLogger(__name__)

# Largest message a server accepts or sends (gRPC's default is 4 MB): uploads of 10 MB
# materials travel as one message. Clients (`mgov_common.grpc_client`) allow the same.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


_JSON_TYPES = {"google.protobuf.Struct": "struct_value", "google.protobuf.ListValue": "list_value", "google.protobuf.Value": ""}


def nul_violations(message: Message, prefix: str = "") -> list[FieldViolation]:
    """The string fields of a request (nested, repeated and map ones too) that hold a NUL.

    No text column of PostgreSQL can store U+0000, and no legitimate input has one: a
    request carrying it is INVALID_ARGUMENT naming the field, never an error from deep
    inside a query.
    """
    found: list[FieldViolation] = []

    def check(path: str, value: str) -> None:
        if "\x00" in value:
            found.append(FieldViolation(path, "nul_character", "must not contain NUL (U+0000) characters"))

    def walk_json(value: Any, path: str) -> None:  # google.protobuf.Value: form data and the like
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            check(path, value.string_value)
        elif kind == "struct_value":
            for key, item in value.struct_value.fields.items():
                check(f"{path}.{key}" if path else key, key)
                walk_json(item, f"{path}.{key}" if path else key)
        elif kind == "list_value":
            for i, item in enumerate(value.list_value.values):
                walk_json(item, f"{path}[{i}]")

    full_name = message.DESCRIPTOR.full_name
    if full_name in _JSON_TYPES:
        if full_name == "google.protobuf.Value":
            walk_json(message, prefix.rstrip("."))
        else:
            wrapped = struct_pb2.Value()
            getattr(wrapped, _JSON_TYPES[full_name]).CopyFrom(message)
            walk_json(wrapped, prefix.rstrip("."))
        return found
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if field.type == FieldDescriptor.TYPE_STRING:
            if field.is_repeated:
                for i, item in enumerate(value):
                    check(f"{path}[{i}]", item)
            else:
                check(path, value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                value_field = field.message_type.fields_by_name["value"]
                for key, item in value.items():
                    if isinstance(key, str):
                        check(f"{path}.{key}", key)
                    if value_field.type == FieldDescriptor.TYPE_STRING:
                        check(f"{path}.{key}", item)
                    elif value_field.type == FieldDescriptor.TYPE_MESSAGE:
                        found.extend(nul_violations(item, f"{path}.{key}."))
            elif field.is_repeated:
                for i, item in enumerate(value):
                    found.extend(nul_violations(item, f"{path}[{i}]."))
            else:
                found.extend(nul_violations(value, f"{path}."))
    return found


def _reject_nul(request: Any) -> None:
    if isinstance(request, Message):
        bad = nul_violations(request)
        if bad:
            raise InvalidArgument(f"{bad[0].field} must not contain NUL (U+0000) characters", code="nul_character", violations=bad)


# An error travels in trailing metadata, which gRPC caps (8 KiB soft, 16 KiB hard): past
# that the caller sees RESOURCE_EXHAUSTED instead of the error. Messages echo input (an
# unknown id, a form's keys), so they are clipped to fit.
MAX_ERROR_DETAIL_BYTES = 3072
_MAX_MESSAGE_CHARS, _MAX_FIELD_CHARS, _MAX_DESCRIPTION_CHARS = 300, 100, 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def detail_of(exc: DomainError) -> common_pb2.ErrorDetail:
    """The ErrorDetail of a domain error, clipped to fit in trailing metadata."""
    detail = common_pb2.ErrorDetail(
        code=_clip(exc.code, _MAX_FIELD_CHARS),
        message=_clip(exc.message, _MAX_MESSAGE_CHARS),
        field_violations=[common_pb2.FieldViolation(field=_clip(v.field, _MAX_FIELD_CHARS), code=_clip(v.code, _MAX_FIELD_CHARS),
                                                    description=_clip(v.description, _MAX_DESCRIPTION_CHARS)) for v in exc.violations],
        retry_after_seconds=max(0, int(exc.retry_after_s or 0)),
    )
    while len(detail.field_violations) > 1 and detail.ByteSize() > MAX_ERROR_DETAIL_BYTES:
        del detail.field_violations[-1]
    return detail


def _unavailable_detail(exc: BaseException) -> common_pb2.ErrorDetail | None:
    """The ErrorDetail of a failure worth retrying shortly (UNAVAILABLE), or None: the
    database unreachable, or a service this call needs down or restarting."""
    if db.is_unavailable(exc):
        return common_pb2.ErrorDetail(code="database_unavailable", message="the database is unavailable; try again shortly",
                                      retry_after_seconds=db.RETRY_AFTER_S)
    if isinstance(exc, grpc.aio.AioRpcError) and exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        for key, value in exc.trailing_metadata() or ():
            if key == ERROR_DETAIL_KEY and isinstance(value, bytes):
                detail = common_pb2.ErrorDetail()
                try:
                    detail.ParseFromString(value)
                except Exception:  # noqa: BLE001 - a garbled detail gets the generic one
                    break
                if detail.code:
                    return detail
        return common_pb2.ErrorDetail(code="service_unavailable", message="a service this call needs is unavailable; try again shortly",
                                      retry_after_seconds=1)
    return None


async def _abort_for(exc: BaseException, context: grpc.aio.ServicerContext, method: str) -> None:
    unavailable = _unavailable_detail(exc)
    if unavailable is not None:
        # PostgreSQL or a called service is down or restarting: UNAVAILABLE (503 with
        # Retry-After at the gateway) right away, never an INTERNAL error or a wait.
        log.warning("%s unavailable in %s: %r", unavailable.code, method, exc)
        context.set_trailing_metadata(((ERROR_DETAIL_KEY, unavailable.SerializeToString()),))
        await context.abort(grpc.StatusCode.UNAVAILABLE, unavailable.message)
    if isinstance(exc, DomainError):
        detail = detail_of(exc)
        context.set_trailing_metadata(((ERROR_DETAIL_KEY, detail.SerializeToString()),))
        await context.abort(grpc.StatusCode[exc.status], detail.message)
    log.exception("unhandled error in %s", method)
    context.set_trailing_metadata(((ERROR_DETAIL_KEY, common_pb2.ErrorDetail(code="internal", message="internal error").SerializeToString()),))
    await context.abort(grpc.StatusCode.INTERNAL, "internal error")


def _code_of(context: grpc.aio.ServicerContext, exc: BaseException | None) -> str:
    """The status name a call ended with: what the handler set or aborted with, OK when
    it returned without setting one."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    if exc is None:
        return "OK"
    return "UNKNOWN" if isinstance(exc, Exception) else "CANCELLED"


class ServerCalls(grpc.aio.ServerInterceptor):
    """Everything around every RPC of a service, in one layer, wrapped once per method.

    For each call, outermost first: a SERVER span, child of the caller's `traceparent`
    and current for the handler (the outbox stamps its events with it); the metrics
    (`mgov_grpc_server_*`: count by status, duration), which see the status the caller
    sees; the caller's bearer token verified locally (JWKS) and the principal bound for
    the handler (`mgov_common.principal.current_principal`) -- a bad token is
    UNAUTHENTICATED before the handler runs, no token means anonymous; requests with a
    NUL in a string refused; `DomainError`s mapped to their status with an ErrorDetail,
    anything else INTERNAL without its text (logged with the trace id).

    One interceptor instead of three (tracing, metrics, errors), and the wrapped handler
    made once per method rather than per call: grpc.aio runs every interceptor's
    `intercept_service` and builds a new method handler on each call, which the
    profile of a catalogue search showed as a fifth of the service's Python time.
    Health and reflection pass untouched (probes every few seconds would drown the
    calls that matter); an unknown method has no handler and is neither counted nor
    kept (its name is the caller's to choose).
    """

    def __init__(self, verifier: TokenVerifier | None = None) -> None:
        self.verifier = verifier
        self._handlers: dict[str, Any] = {}
        self._calls: metrics.Children[Any] = metrics.Children(metrics.GRPC_REQUESTS)
        self._durations: metrics.Children[Any] = metrics.Children(metrics.GRPC_DURATION)

    async def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        wrapped = self._handlers.get(details.method)
        if wrapped is None:
            handler = await continuation(details)
            if handler is None:
                return None
            wrapped = self._handlers[details.method] = self._wrap(details.method, handler) if grpc_tracing.traced(details.method) else handler
        return wrapped

    async def _authenticate(self, context: grpc.aio.ServicerContext) -> tuple[Any, Any]:
        token = bearer_token(context.invocation_metadata())
        if token is None:
            return bind(None, None)
        if self.verifier is None:
            raise Unauthenticated("this service does not accept access tokens")
        return bind(await self.verifier.verify(token), token)

    def _record(self, labels: tuple[str, str], started: float, context: grpc.aio.ServicerContext, exc: BaseException | None) -> None:
        self._durations.get(labels).observe(time.perf_counter() - started)
        self._calls.get((*labels, _code_of(context, exc))).inc()

    def _wrap(self, method: str, handler: Any) -> Any:
        service, _, name = method.lstrip("/").rpartition("/")
        labels = (service, name)
        authenticate, record = self._authenticate, self._record
        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started, failure = time.perf_counter(), None
                with grpc_tracing.server_span(method, context) as span:
                    try:
                        try:
                            bound = await authenticate(context)
                            try:
                                _reject_nul(request)
                                return await inner_uu(request, context)
                            finally:
                                unbind(bound)
                        except Exception as exc:  # noqa: BLE001 - mapped below, never leaked
                            if isinstance(exc, grpc.aio.AbortError):
                                raise
                            await _abort_for(exc, context, method)
                    except BaseException as exc:
                        failure = exc
                        raise
                    finally:
                        record(labels, started, context, failure)
                        grpc_tracing.end_server_span(span, context)

            return grpc.unary_unary_rpc_method_handler(unary_unary, handler.request_deserializer, handler.response_serializer)
        if handler.unary_stream:
            inner_us = handler.unary_stream

            async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started, failure = time.perf_counter(), None
                with grpc_tracing.server_span(method, context) as span:
                    try:
                        try:
                            bound = await authenticate(context)
                            try:
                                _reject_nul(request)
                                async for item in inner_us(request, context):
                                    yield item
                            finally:
                                unbind(bound)
                        except Exception as exc:  # noqa: BLE001 - mapped below, never leaked
                            if isinstance(exc, grpc.aio.AbortError):
                                raise
                            await _abort_for(exc, context, method)
                    except BaseException as exc:
                        failure = exc
                        raise
                    finally:
                        record(labels, started, context, failure)
                        grpc_tracing.end_server_span(span, context)

            return grpc.unary_stream_rpc_method_handler(unary_stream, handler.request_deserializer, handler.response_serializer)
        return handler


# How long a client keeps one connection before resolving the service's replicas again.
MAX_CONNECTION_AGE_S = 300.0
MAX_CONNECTION_AGE_GRACE_S = 30.0


def build_server(
    registrations: Sequence[tuple[Callable[[Any, grpc.aio.Server], None], Any, str]],
    *,
    address: str,
    verifier: TokenVerifier | None = None,
    max_connection_age_s: float = MAX_CONNECTION_AGE_S,
) -> tuple[grpc.aio.Server, ReportingHealthServicer, int]:
    """A grpc.aio server with `ServerCalls` around every RPC (trace span, metrics,
    authentication, error mapping), health and reflection; returns the bound port.

    `registrations` are `(add_XServicer_to_server, servicer, full service name)`.
    Connections end after `max_connection_age_s` (calls in flight get a grace period):
    the client then resolves its target again, so a replica added behind a headless
    Service starts taking calls within that time.
    """
    server = grpc.aio.server(
        interceptors=[ServerCalls(verifier)],
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES), ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.max_connection_age_ms", int(max_connection_age_s * 1000)),
                 ("grpc.max_connection_age_grace_ms", int(MAX_CONNECTION_AGE_GRACE_S * 1000))],
    )
    for add, servicer, _ in registrations:
        add(servicer, server)
    health = ReportingHealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    names = [name for _, _, name in registrations]
    reflection.enable_server_reflection([*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME], server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise OSError(f"cannot listen on {address}: address already in use?") from exc
    if port == 0 and not address.endswith(":0"):
        raise OSError(f"cannot listen on {address}: address already in use")
    return server, health, port
