"""The one place where a gRPC status becomes an HTTP status."""

from __future__ import annotations

import grpc

from mgov.common.v1 import common_pb2
from mgov_common.errors import ERROR_DETAIL_KEY

_HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 412,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.CANCELLED: 499,
}
# Codes whose meaning narrows the HTTP status further.
_BY_CODE: dict[str, int] = {"precondition_required": 428, "payload_too_large": 413, "unsupported_media_type": 415,
                            # A page token or size the client got wrong (mgov_common.paging): a bad request.
                            "invalid_page_token": 400, "invalid_page_size": 400,
                            # A corrected form sent with an action that takes none: the request is malformed, not its values.
                            "form_not_allowed": 400}


def error_detail(err: grpc.aio.AioRpcError) -> common_pb2.ErrorDetail:
    for key, value in err.trailing_metadata() or ():
        if key == ERROR_DETAIL_KEY and isinstance(value, bytes):
            detail = common_pb2.ErrorDetail()
            try:
                detail.ParseFromString(value)
            except Exception:  # noqa: BLE001 - a garbled detail is not worth a 500
                break
            return detail
    return common_pb2.ErrorDetail()


def http_status(code: grpc.StatusCode, detail_code: str = "") -> int:
    if detail_code in _BY_CODE:
        return _BY_CODE[detail_code]
    return _HTTP_STATUS.get(code, 500)


def message_too_large(err: grpc.aio.AioRpcError) -> bool:
    """gRPC's own refusal to send a request past the message limit.

    The runtime answers RESOURCE_EXHAUSTED "Sent message larger than max (… vs. …)" with
    no ErrorDetail; as a plain RESOURCE_EXHAUSTED it would read as a 429 with gRPC's
    internal wording. It is the request that is too large: 413.
    """
    return (err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and not error_detail(err).code
            and "message larger than max" in (err.details() or ""))
