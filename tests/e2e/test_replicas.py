"""`mgov up --replicas 2`: two copies of every service and of the gateway on a NATS
cluster of three, and everything the single-copy platform does still holds.

One platform for the module (demo mode, free loopback ports, every process with its
own metrics port). Which copy did the work is read from each copy's own /metrics.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from launcher.pg_placement import discard
from launcher.topology import SERVICES
from launcher.up import demo_nats_url
from mgov_common.ports import free_port
from tests.conftest import repo_root, venv_bin
from tests.e2e.test_notify_e2e import FORM, Stream
from tests.e2e.test_platform import Platform, stop
from tests.metrics_support import Samples, scrape

CITIZEN, PASSWORD = "13900000100", "mgov-demo-2026"
PROCESSES = ("gateway", *SERVICES)


@dataclass
class Replicated:
    p: Platform
    gateways: list[str]
    ports: dict[str, list[int]]  # "gateway", "identity", ..., "nats", "*_metrics"
    nats_url: str
    token: str
    service_id: str

    def client(self, gateway: int = 0) -> httpx.Client:
        return httpx.Client(base_url=self.gateways[gateway], headers={"authorization": f"Bearer {self.token}"}, timeout=15)

    def apply(self, gateway: int = 0) -> dict[str, object]:
        with self.client(gateway) as c:
            resp = c.post("/v1/applications", json={"service_id": self.service_id, "form": FORM},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
        assert resp.status_code == 201, resp.text
        return resp.json()  # type: ignore[no-any-return]


def _free_ports(n: int, taken: set[int]) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        port = free_port()
        if port not in taken:
            taken.add(port)
            ports.append(port)
    return ports


def _wait_ready(urls: list[str], proc: subprocess.Popen[str], output: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        assert proc.poll() is None, f"mgov up exited with {proc.returncode}:\n{output.read_text()}"
        assert time.monotonic() < deadline, f"not ready within {timeout}s: {pending}\n{output.read_text()[-3000:]}"
        try:
            if httpx.get(f"{pending[0]}/readyz", timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    tmp = tmp_path_factory.mktemp("replicas")
    home = tmp / "home"
    taken: set[int] = set()
    ports = {name: _free_ports(2, taken) for name in PROCESSES}
    ports.update({f"{name}_metrics": _free_ports(2, taken) for name in PROCESSES})
    ports.update(nats=_free_ports(3, taken), nats_route=_free_ports(3, taken), postgres=_free_ports(1, taken))
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL", "MGOV_DEMO")}
    env.update({f"MGOV_{name.upper()}_PORT": ",".join(map(str, p)) for name, p in ports.items()})
    env.update(MGOV_HOME=str(home), MGOV_DEMO="1", MGOV_READY_TIMEOUT="150",
               # Small streams: JetStream reserves their size on every node's disk.
               MGOV_STREAM_MAX_BYTES_EVENTS=str(64 << 20), MGOV_STREAM_MAX_BYTES_INGEST=str(32 << 20),
               MGOV_STREAM_MAX_BYTES_DLQ=str(16 << 20), MGOV_STREAM_MAX_BYTES_REJECTED=str(16 << 20))
    output = tmp / "mgov-up.out"
    proc = subprocess.Popen([venv_bin("mgov"), "up", "--replicas", "2"], cwd=repo_root(), env=env,
                            stdout=output.open("w"), stderr=subprocess.STDOUT, text=True)
    gateways = [f"http://127.0.0.1:{p}" for p in ports["gateway"]]
    p = Platform(proc, home, gateways[0], {}, output)
    try:
        _wait_ready(gateways, proc, output)
        with httpx.Client(base_url=gateways[0], timeout=15) as c:
            token = c.post("/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD}).json()["access_token"]
            found = c.get("/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}).json()["items"]
        service_id = next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领")
        nats_url = ",".join(demo_nats_url(port) for port in ports["nats"])
        yield Replicated(p, gateways, ports, nats_url, token, service_id)
    finally:
        stop(p, signal.SIGINT)
        discard(home / "postgres")


def _sum(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and all((k, want) in ls for k, want in labels.items()))


def _per_replica(r: Replicated, process: str, name: str, **labels: str) -> list[float]:
    return [_sum(scrape(port), name, **labels) for port in r.ports[f"{process}_metrics"]]


def test_mgov_up_with_two_replicas_runs_two_copies_of_everything_on_three_nats_nodes(replicated: Replicated) -> None:
    names = [" ".join(c.cmdline()) for c in psutil.Process(replicated.p.proc.pid).children()]
    assert sum("nats-server" in n for n in names) == 3
    for name in SERVICES:
        assert sum(n.endswith(f"-m services.{name}") for n in names) == 2, names
    assert sum(n.endswith("-m gateway") for n in names) == 2

    async def replicas() -> dict[str, int]:
        import nats

        from mgov_common.bus import nats_servers
        from mgov_common.events.streams import EVENTS_STREAM, INGEST_STREAM

        nc = await nats.connect(nats_servers(replicated.nats_url))
        try:
            js = nc.jetstream()
            return {s: (await js.stream_info(s)).config.num_replicas for s in (EVENTS_STREAM, INGEST_STREAM)}
        finally:
            await nc.close()

    assert set(asyncio.run(replicas()).values()) == {3}


def test_one_gateway_spreads_its_calls_over_both_copies_of_a_service(replicated: Replicated) -> None:
    rpcs = dict(name="mgov_grpc_server_requests_total", service="mgov.workflow.v1.WorkflowService", method="ListApplications")
    before = _per_replica(replicated, "workflow", **rpcs)
    calls = 20
    with replicated.client(0) as c:
        for _ in range(calls):
            assert c.get("/v1/applications", params={"page_size": 1}).status_code == 200
    after = _per_replica(replicated, "workflow", **rpcs)
    shares = [a - b for a, b in zip(after, before, strict=True)]
    assert sum(shares) == calls, shares
    # Round robin over two ready connections: each copy takes about half.
    assert min(shares) >= calls // 4, shares


def test_a_case_submitted_through_one_gateway_reaches_the_phone_connected_to_the_other(replicated: Replicated) -> None:
    phone = Stream(replicated.gateways[1], replicated.token)
    phone.start()
    try:
        assert phone.opened.wait(15) and phone.status == 200
        case = replicated.apply(gateway=0)
        live = phone.next(lambda n: str(case["case_number"]) in n["body"])
        assert live["json"]["link"] == f"/applications/{case['id']}"
    finally:
        phone.close()


def _notifications_per_case(r: Replicated) -> dict[str, int]:
    counts: dict[str, int] = {}
    token = ""
    with r.client(1) as c:
        while True:
            body = c.get("/v1/notifications", params={"page_size": 100, "page_token": token}).json()
            for n in body["items"]:
                link = str(n.get("link", ""))
                if link.startswith("/applications/"):
                    counts[link.removeprefix("/applications/")] = counts.get(link.removeprefix("/applications/"), 0) + 1
            token = body.get("next_page_token", "")
            if not token:
                return counts


def test_the_copies_of_a_consumer_share_its_events_and_each_event_is_handled_once(replicated: Replicated) -> None:
    handled = dict(name="mgov_consumer_messages_total", consumer="notify-events", outcome="handled")
    before = _per_replica(replicated, "notify", **handled)
    cases = [str(replicated.apply(gateway=i % 2)["id"]) for i in range(12)]
    deadline = time.monotonic() + 60
    while True:
        counts = _notifications_per_case(replicated)
        if all(counts.get(c, 0) >= 1 for c in cases):
            break
        assert time.monotonic() < deadline, {c: counts.get(c, 0) for c in cases}
        time.sleep(0.2)
    assert [counts[c] for c in cases] == [1] * len(cases)
    shares = [a - b for a, b in zip(_per_replica(replicated, "notify", **handled), before, strict=True)]
    assert sum(shares) >= len(cases) and min(shares) > 0, shares


async def _breaches(nats_url: str, application_id: str, settle_s: float) -> list[dict[str, object]]:
    """Every sla.breached event of the case on the stream, read until none came for `settle_s`."""
    import nats

    from mgov_common.bus import nats_servers

    nc = await nats.connect(nats_servers(nats_url))
    try:
        sub = await nc.jetstream().subscribe("mgov.evt.hangzhou.workflow.sla.breached", ordered_consumer=True)
        found = []
        while True:
            try:
                msg = await sub.next_msg(timeout=settle_s)
            except nats.errors.TimeoutError:
                return found
            event = json.loads(msg.data)
            if event["subject"] == application_id:
                found.append(event)
    finally:
        await nc.close()


def test_a_due_timer_fires_once_with_two_workflow_copies(replicated: Replicated) -> None:
    case = replicated.apply()
    fired_by_before = _per_replica(replicated, "workflow", "mgov_sla_breaches_total")
    clock = replicated.p.home / "workflow-clock.json"
    clock.write_text(json.dumps({"offset_s": 60 * 86400}))  # every process of this home: sixty days ahead
    try:
        deadline = time.monotonic() + 60
        events: list[dict[str, object]] = []
        while len(events) < 2:  # the state's and the case's
            assert time.monotonic() < deadline, events
            events = asyncio.run(_breaches(replicated.nats_url, str(case["id"]), settle_s=0.5))
        # Several timer rounds of both copies later, still one event per timer.
        events = asyncio.run(_breaches(replicated.nats_url, str(case["id"]), settle_s=3.0))
        assert sorted(e["data"]["scope"] for e in events) == ["case", "state"]  # type: ignore[index]
        fired = [a - b for a, b in zip(_per_replica(replicated, "workflow", "mgov_sla_breaches_total"), fired_by_before, strict=True)]
        assert sum(fired) >= 2, fired  # (every case of the module breached too; none twice, as above)
    finally:
        clock.unlink(missing_ok=True)


def test_killing_a_nats_node_leaves_publishing_working(replicated: Replicated) -> None:
    async def leader_port() -> int:
        import nats

        from mgov_common.bus import nats_servers
        from mgov_common.events.streams import EVENTS_STREAM

        nc = await nats.connect(nats_servers(replicated.nats_url))
        try:
            info = await nc.jetstream().stream_info(EVENTS_STREAM)
            assert info.cluster is not None and info.cluster.leader
            return int(info.cluster.leader.removeprefix("mgov-"))
        finally:
            await nc.close()

    port = asyncio.run(leader_port())
    [node] = [c for c in psutil.Process(replicated.p.proc.pid).children()
              if "nats-server" in " ".join(c.cmdline()) and f"-p {port} " in " ".join(c.cmdline()) + " "]
    node.kill()  # the events stream's leader, kill -9; the case below is submitted at once
    case = replicated.apply(gateway=1)  # its event: outbox → relay → the stream → notify

    deadline = time.monotonic() + 60
    while _notifications_per_case(replicated).get(str(case["id"]), 0) < 1:
        assert time.monotonic() < deadline, "the case's notification never came after a NATS node died"
        time.sleep(0.2)
