"""Request limits of the real gateway, over raw sockets: bodies and headers are refused
while they arrive, not after the gateway has taken them in whole.

Once an anonymous 300 MB JSON to /v1/auth/register grew the gateway from 90 MB to 988 MB,
a 20 MB body reached gRPC (and came back as a 429), and 1 MB of headers was accepted.
Bodies here are sent without their end (no final chunk, or far less than the declared
length): an answer that arrives at all was given before the body was read whole.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.request_limits import DOCUMENT_MAX_BODY
from gateway.uploads import MAX_BODY_BYTES
from gateway.settings import GatewaySettings
from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_systems_e2e import register, system_token

HZ_ADMIN, CITIZEN = "13900000010", "13900000100"
DEFAULT = GatewaySettings().max_body_bytes
HEAD_LIMIT = GatewaySettings().max_header_bytes


def exchange(p: DemoPlatform, head: str, body: Iterable[bytes] = (), *, end_head: bool = True) -> tuple[int, dict[str, str], bytes]:
    """Send a request head and body parts, then read the answer until the server closes."""
    url = urlsplit(p.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        # The head goes out in one write with the first part: a server that refuses on the
        # head alone has then read everything sent (bytes arriving after it closed would
        # make the client's kernel drop the answer for a reset).
        parts = iter(body)
        sock.sendall(head.replace("\n", "\r\n").encode() + (b"\r\n" if end_head else b"") + next(parts, b""))
        for part in parts:
            sock.sendall(part)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    raw_headers, _, payload = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in raw_headers.split(b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, payload


def problem(answer: tuple[int, dict[str, str], bytes], status: int, code: str) -> dict[str, Any]:
    got, headers, payload = answer
    assert got == status, payload
    assert headers["content-type"] == "application/problem+json" and headers.get("connection") == "close"
    body: dict[str, Any] = json.loads(payload)
    assert body["code"] == code and body["status"] == status
    return body


def chunked(total: int, size: int = 4096) -> Iterable[bytes]:
    """`total` bytes of chunked body, without the final chunk that would end it."""
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield b"%x\r\n" % n + b"x" * n + b"\r\n"
        sent += n


def post(path: str, content_type: str, token: str | None = None, **headers: str) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: gateway", f"Content-Type: {content_type}"]
    lines += [f"Authorization: Bearer {token}"] if token else []
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def citizen(demo_platform: DemoPlatform) -> str:
    return demo_platform.sign_in(CITIZEN)["access_token"]


def test_a_300_mb_declared_body_is_refused_before_it_is_sent(demo_platform: DemoPlatform) -> None:
    answer = exchange(demo_platform, post("/v1/auth/register", "application/json", Content_Length=str(300 * 1024 * 1024)),
                      [b'{"name": "' + b"x" * 1024])
    body = problem(answer, 413, "payload_too_large")
    assert body["max_bytes"] == DEFAULT and body["request_id"]


def test_a_chunked_body_is_refused_at_the_first_chunk_past_the_limit(demo_platform: DemoPlatform) -> None:
    problem(exchange(demo_platform, post("/v1/auth/register", "application/json", Transfer_Encoding="chunked"), chunked(DEFAULT + 4096)),
            413, "payload_too_large")
    problem(exchange(demo_platform, post("/v1/oauth/token", "application/x-www-form-urlencoded", Transfer_Encoding="chunked"),
                     chunked(DEFAULT + 4096)), 413, "payload_too_large")


def test_a_document_route_takes_more_than_the_default_and_no_more_than_its_own(demo_platform: DemoPlatform) -> None:
    admin = demo_platform.sign_in(HZ_ADMIN)["access_token"]
    with demo_platform.client(admin) as c:
        item = {"name": {"zh": "大" * (DEFAULT // 3 + 100)}}  # past the default, within the document limit
        resp = c.post("/v1/tenants/hangzhou/services", json=item)
        assert resp.status_code != 413, resp.text
    answer = exchange(demo_platform, post("/v1/tenants/hangzhou/services", "application/json", admin,
                                          Content_Length=str(DOCUMENT_MAX_BODY + 1)), [b"{"])
    assert problem(answer, 413, "payload_too_large")["max_bytes"] == DOCUMENT_MAX_BODY


def test_an_upload_streams_to_its_own_limit_and_no_further(demo_platform: DemoPlatform, citizen: str) -> None:
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n'
    head = post("/v1/materials", "multipart/form-data; boundary=b", citizen, Transfer_Encoding="chunked")
    # Exactly the limit, then one byte more: the refusal comes at that last byte.
    parts = [b"%x\r\n%s\r\n" % (len(part), part), *chunked(MAX_BODY_BYTES - len(part), 65536), b"1\r\nx\r\n"]
    body = problem(exchange(demo_platform, head, parts), 413, "payload_too_large")
    assert body["max_bytes"] == MAX_BODY_BYTES
    declared = post("/v1/materials", "multipart/form-data; boundary=b", citizen, Content_Length=str(20 * 1024 * 1024))
    problem(exchange(demo_platform, declared, [part]), 413, "payload_too_large")


def test_json_nested_past_the_limit_is_refused_on_every_json_route(demo_platform: DemoPlatform, citizen: str) -> None:
    limit = GatewaySettings().max_json_depth
    with demo_platform.client() as c:
        resp = c.post("/v1/auth/register", content=b"[" * 30_000 + b"]" * 30_000, headers={"content-type": "application/json"})
    assert resp.status_code == 422 and resp.json()["code"] == "json_too_deep", resp.text
    with demo_platform.client(citizen) as c:
        deep = '{"service_id": "x", "form": {"a": ' + "[" * limit + "]" * limit + "}}"
        resp = c.post("/v1/applications", content=deep, headers={"content-type": "application/json"})
    assert resp.status_code == 422 and resp.json()["errors"][0] == {"field": "body", "code": "too_deep", "message": f"at most {limit} levels"}
    # The event route reads its body itself: measured as well.
    admin = demo_platform.sign_in(HZ_ADMIN)["access_token"]
    creds = register(demo_platform, admin)
    token = system_token(demo_platform, creds).json()["access_token"]
    with demo_platform.client(token) as c:
        resp = c.post("/v1/tenants/hangzhou/events", content=b"[" * 20_000 + b"]" * 20_000,
                      headers={"content-type": "application/cloudevents+json"})
    assert resp.status_code == 422 and resp.json()["code"] == "json_too_deep", resp.text


@pytest.mark.parametrize("shape", ["one long header", "many headers", "a long request line", "a head that never ends",
                                   "a live stream's Last-Event-ID"])
def test_request_heads_past_the_limit_are_431(demo_platform: DemoPlatform, shape: str) -> None:
    over = HEAD_LIMIT + 4096
    if shape == "one long header":
        head = f"GET /healthz HTTP/1.1\nHost: gateway\nX-Filler: {'a' * over}\n"
    elif shape == "many headers":
        head = "GET /healthz HTTP/1.1\nHost: gateway\n" + "".join(f"X-F{i}: {'a' * 90}\n" for i in range(over // 96 + 1))
    elif shape == "a live stream's Last-Event-ID":
        head = f"GET /v1/notifications/stream HTTP/1.1\nHost: gateway\nLast-Event-ID: {'a' * over}\n"
    elif shape == "a long request line":
        head = f"GET /healthz?{'a' * over} HTTP/1.1\nHost: gateway\n"
    else:  # no blank line ever comes: answered while the head is still arriving
        head = "GET /healthz HTTP/1.1\nHost: gateway\nX-Filler: "
        rest = HEAD_LIMIT + 1 - len(head.replace("\n", "\r\n"))  # one byte past the limit, and not a byte more
        parts = [b"a" * 1024] * (rest // 1024) + [b"a" * (rest % 1024)]
        body = problem(exchange(demo_platform, head, parts, end_head=False), 431, "headers_too_large")
        assert body["max_bytes"] == HEAD_LIMIT
        return
    body = problem(exchange(demo_platform, head), 431, "headers_too_large")
    assert body["max_bytes"] == HEAD_LIMIT


def test_a_head_within_the_limit_is_served(demo_platform: DemoPlatform) -> None:
    status, _, _ = exchange(demo_platform, f"GET /healthz HTTP/1.1\nHost: gateway\nConnection: close\nX-Filler: {'a' * (HEAD_LIMIT // 2)}\n")
    assert status == 200
