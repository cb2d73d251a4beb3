"""uvicorn's httptools protocol with a bound on the request head (request line + headers).

httptools has no such bound: it buffers a header of any size until its end, and
uvicorn accepted 1 MB of headers. Here the bytes received while a request's head is
still incomplete are counted; past the limit the answer is 431 problem+json and the
connection is closed, so the buffer never holds much more than the limit.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.problems import PROBLEM_JSON, problem_body

log = logging.getLogger(__name__)


class _HeadTooLarge(Exception):
    pass


class BoundedHeadHttpProtocol(HttpToolsProtocol):
    max_head_bytes = 16 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._received = 0  # bytes received while the head is incomplete
        self._parsed = 0  # bytes of request line and headers parsed
        self._too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._received = self._parsed = 0

    def on_url(self, url: bytes) -> None:
        self._parsed += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._parsed > self.max_head_bytes:
            self._too_large = True
            raise _HeadTooLarge  # the parser stops; uvicorn calls send_400_response
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self._send_431()
        else:
            super().send_400_response(msg)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        # A head still incomplete: httptools buffers it whole, so count what came in.
        # (A read that ended one request and began the next counts whole: an
        # overestimate by at most one read.)
        self._received += len(data)
        if self._received > self.max_head_bytes:
            self._too_large = True
            self._send_431()

    def _send_431(self) -> None:
        log.warning("request head too large", extra={"limit_bytes": self.max_head_bytes, "client": self.client})
        detail = f"the request line and headers are larger than {self.max_head_bytes // 1024} KiB"
        raw = json.dumps(problem_body(431, "headers_too_large", detail, "", max_bytes=self.max_head_bytes)).encode()
        head = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: " + PROBLEM_JSON.encode() + b"\r\n"
                b"content-length: " + str(len(raw)).encode() + b"\r\nconnection: close\r\n\r\n")
        self.transport.write(head + raw)
        self.transport.close()


def bounded_head_protocol(max_head_bytes: int) -> type[BoundedHeadHttpProtocol]:
    """The protocol class to give uvicorn (`http=`), with this bound."""
    return type("BoundedHeadHttpProtocol", (BoundedHeadHttpProtocol,), {"max_head_bytes": max_head_bytes})
