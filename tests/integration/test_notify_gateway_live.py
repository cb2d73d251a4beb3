"""The gateway's live stream over a real uvicorn server and a real NATS server: the
gateway starts while NATS is away (the stream answers 503 meanwhile, startup and
/readyz are unaffected), connects when NATS comes, and streams what any process
publishes on the user's live subject: the way several gateway replicas share notify."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import nats
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.app import create_app
from gateway.settings import GatewaySettings
from launcher.embedded import EmbeddedNats
from mgov_common.auth import JwksCache, TokenVerifier
from mgov_common.live import live_subject
from mgov_common.ports import free_port
from tests.integration.notify_support import LocalServer

KEY = Ed25519PrivateKey.generate()
KID = "test-key"


async def jwks() -> dict:
    raw = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": KID, "alg": "EdDSA", "use": "sig"}]}


def token(user: str) -> str:
    now = int(time.time())
    claims = {"iss": "mgov-identity", "aud": "mgov", "sub": user, "tenant": "hangzhou", "roles": ["hangzhou:citizen"], "kind": "user",
              "lvl": 1, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 300}
    return jwt.encode(claims, KEY, algorithm="EdDSA", headers={"kid": KID})


async def test_the_stream_waits_for_nats_without_holding_up_the_gateway_then_streams_what_notify_publishes(tmp_path: Path) -> None:
    nats_port = free_port()
    unreachable = f"127.0.0.1:{free_port()}"
    settings = GatewaySettings(nats_url=f"nats://127.0.0.1:{nats_port}", identity_addr=unreachable, catalog_addr=unreachable,
                               workflow_addr=unreachable, notify_addr=unreachable)
    app = create_app(settings)
    user = str(uuid.uuid4())
    headers = {"authorization": f"Bearer {token(user)}"}
    server = None
    async with LocalServer(app, lifespan="on") as gateway:  # NATS is not running: startup completes anyway
        app.state.verifier = TokenVerifier(JwksCache(jwks))
        async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 503  # the services, as before: NATS plays no part
            refused = await client.get("/v1/notifications/stream", headers=headers)
            assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
            assert refused.json()["code"] == "live_unavailable"
            assert (await client.get("/v1/notifications/stream")).status_code == 401

            server = EmbeddedNats(tmp_path / "nats", nats_port)
            await asyncio.to_thread(server.start)
            try:
                for _ in range(200):
                    if app.state.live.connected:
                        break
                    await asyncio.sleep(0.05)
                assert app.state.live.connected
                publisher = await nats.connect(server.url)  # another process: notify, on any replica
                try:
                    async with client.stream("GET", "/v1/notifications/stream", headers=headers) as resp:
                        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
                        lines = resp.aiter_lines()
                        assert await anext(lines) == "retry: 3000"
                        other = live_subject(str(uuid.uuid4()))
                        n = {"id": str(uuid.uuid4()), "title": "申请已提交", "body": "HZ-2026-000001", "recipient_id": user}

                        async def publish() -> None:
                            # Repeated until it shows: a connection made while the NATS server
                            # is still starting may not be routed yet (notify's, in the platform,
                            # is made long before); the test reads the first that arrives.
                            while True:
                                await publisher.publish(other, json.dumps({**n, "id": "someone-elses"}).encode())
                                await publisher.publish(live_subject(user), json.dumps(n, ensure_ascii=False).encode())
                                await publisher.flush()
                                await asyncio.sleep(0.2)

                        publishing = asyncio.create_task(publish())
                        got = []
                        try:
                            async for line in lines:
                                if line.startswith(("id:", "event:", "data:")):
                                    got.append(line)
                                if line.startswith("data:"):
                                    break
                        finally:
                            publishing.cancel()
                        assert got == [f"id: {n['id']}", "event: notification", f"data: {json.dumps(n, ensure_ascii=False)}"]
                finally:
                    await publisher.close()
            finally:
                await asyncio.to_thread(server.stop)


async def test_one_person_may_hold_only_a_few_streams_open(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats", free_port())
    await asyncio.to_thread(server.start)
    unreachable = f"127.0.0.1:{free_port()}"
    settings = GatewaySettings(nats_url=server.url, identity_addr=unreachable, catalog_addr=unreachable, workflow_addr=unreachable,
                               notify_addr=unreachable, max_streams_per_user=2)
    app = create_app(settings)
    user, other = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        async with LocalServer(app, lifespan="on") as gateway:
            app.state.verifier = TokenVerifier(JwksCache(jwks))
            hub = app.state.live
            for _ in range(200):
                if hub.connected:
                    break
                await asyncio.sleep(0.05)
            assert hub.connected

            async def opened(client: httpx.AsyncClient, who: str) -> Any:
                stream = client.stream("GET", "/v1/notifications/stream", headers={"authorization": f"Bearer {token(who)}"})
                resp = await stream.__aenter__()
                assert resp.status_code == 200
                lines = resp.aiter_lines()  # kept with the stream: dropping the iterator closes the response
                assert await anext(lines) == "retry: 3000"
                return stream, lines

            async with httpx.AsyncClient(base_url=gateway.url, timeout=10, limits=httpx.Limits(max_connections=10)) as client:
                first, second = await opened(client, user), await opened(client, user)
                assert hub.slots.open_for(user) == 2, hub.slots._open
                refused = await client.get("/v1/notifications/stream", headers={"authorization": f"Bearer {token(user)}"})
                assert refused.status_code == 429 and refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["code"] == "too_many_streams" and refused.headers["retry-after"] == "5"
                theirs = await opened(client, other)  # the cap is per person
                await first[0].__aexit__(None, None, None)
                # The slot comes back once the gateway sees the client go (polled, bounded).
                for _ in range(200):
                    if hub.slots.open_for(user) < 2:
                        break
                    await asyncio.sleep(0.05)
                assert hub.slots.open_for(user) == 1
                again = await opened(client, user)
                for stream, _ in (second, theirs, again):
                    await stream.__aexit__(None, None, None)
            for _ in range(200):
                if hub.slots.open_for(user) == hub.slots.open_for(other) == 0:
                    break
                await asyncio.sleep(0.05)
            assert hub.slots.open_for(user) == hub.slots.open_for(other) == 0  # nothing leaks
    finally:
        await asyncio.to_thread(server.stop)
