"""A simulated city back-office system: a separate process speaking NATS (nats-py) with
the credentials the platform issued it, driven by the test over stdin/stdout.

    python -m tests.e2e.city_system '{"url": ..., "user": ..., "password": ..., "inbox_prefix": ...}'

Each stdin line is a JSON command, answered by one JSON line:
    {"op": "publish", "subject": s, "event": {...}}        JetStream publish, Nats-Msg-Id = event id
    {"op": "publish_raw", "subject": s, "data": text}       JetStream publish of any bytes (no message id)
    {"op": "publish_many", "subject": s, "events": [...]}   one publish per event, in order; the count of acks
    {"op": "subscribe", "subject": s}                      core subscription; a refusal comes back as an error
    {"op": "next", "timeout": t}                           the next message of any subscription
    {"op": "wait_error", "contains": text, "timeout": t}   the first async error containing `text`
    {"op": "wait_disconnected", "timeout": t}
    {"op": "connect_fresh"}                                a new connection with the same credentials
    {"op": "quit"}
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import nats
from nats.aio.msg import Msg


async def main(cfg: dict[str, Any]) -> None:
    errors: asyncio.Queue[str] = asyncio.Queue()
    seen_errors: list[str] = []
    messages: asyncio.Queue[Msg] = asyncio.Queue()
    disconnected = asyncio.Event()

    async def on_error(exc: Exception) -> None:
        seen_errors.append(str(exc))
        await errors.put(str(exc))

    async def on_disconnect() -> None:
        disconnected.set()

    async def on_msg(msg: Msg) -> None:
        await messages.put(msg)

    def options(**extra: Any) -> dict[str, Any]:
        return {"servers": [cfg["url"]], "user": cfg["user"], "password": cfg["password"], "inbox_prefix": cfg["inbox_prefix"],
                "name": "city-system", "connect_timeout": 3, **extra}

    nc = await nats.connect(**options(error_cb=on_error, disconnected_cb=on_disconnect, allow_reconnect=True,
                                      max_reconnect_attempts=3, reconnect_time_wait=0.2))
    js = nc.jetstream(timeout=5)
    out = sys.stdout
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)  # commands carry whole payloads
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    while line := await reader.readline():
        cmd = json.loads(line)
        op = cmd["op"]
        res: dict[str, Any]
        try:
            if op == "publish":
                ev = cmd["event"]
                ack = await js.publish(cmd["subject"], json.dumps(ev).encode(), headers={"Nats-Msg-Id": ev["id"]})
                res = {"ok": True, "seq": ack.seq, "duplicate": bool(ack.duplicate)}
            elif op == "publish_raw":
                ack = await js.publish(cmd["subject"], cmd["data"].encode())
                res = {"ok": True, "seq": ack.seq}
            elif op == "publish_many":
                for ev in cmd["events"]:
                    await js.publish(cmd["subject"], json.dumps(ev).encode(), headers={"Nats-Msg-Id": ev["id"]})
                res = {"ok": True, "published": len(cmd["events"])}
            elif op == "subscribe":
                await nc.subscribe(cmd["subject"], cb=on_msg)
                await nc.flush(timeout=5)
                res = {"ok": True}
            elif op == "next":
                msg = await asyncio.wait_for(messages.get(), cmd.get("timeout", 10))
                res = {"ok": True, "subject": msg.subject, "data": json.loads(msg.data)}
            elif op == "wait_error":
                want = cmd["contains"].lower()  # nats-py lower-cases the server's -ERR text
                found = next((e for e in seen_errors if want in e.lower()), None)
                while found is None:
                    e = await asyncio.wait_for(errors.get(), cmd.get("timeout", 10))
                    found = e if want in e.lower() else None
                res = {"ok": True, "error": found}
            elif op == "wait_disconnected":
                await asyncio.wait_for(disconnected.wait(), cmd.get("timeout", 10))
                res = {"ok": True, "errors": seen_errors[-3:]}
            elif op == "connect_fresh":
                other = await nats.connect(**options(allow_reconnect=False, max_reconnect_attempts=0))
                await other.close()
                res = {"ok": True}
            elif op == "quit":
                break
            else:
                res = {"ok": False, "error": f"unknown op {op}"}
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the test
            res = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(res) + "\n")
        out.flush()
    try:
        await asyncio.wait_for(nc.close(), 2)
    except Exception:  # noqa: BLE001 - a revoked connection is already closed
        pass


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
