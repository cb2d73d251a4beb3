"""One demo platform for the e2e tests that only need it running (started once)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

DEMO_PASSWORD = "mgov-demo-2026"


@dataclass
class DemoPlatform:
    base_url: str
    home: Path
    log_dir: Path
    # The platform's embedded PostgreSQL (for CLI commands such as `mgov audit verify`).
    dsn: str = ""
    # The platform's embedded NATS (tests that publish or watch events themselves).
    nats_url: str = ""
    # The pid of `mgov up` (its children are the services).
    pid: int = 0
    # The identity service's gRPC port (tests that need a platform service's token).
    identity_port: int = 0
    # Every port of the platform by name ("GATEWAY", "IDENTITY", ...).
    ports: dict[str, int] = field(default_factory=dict)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=15)

    def register(self, phone: str, password: str, name: str = "测试居民", tenant: str = "hangzhou") -> dict[str, str]:
        """A new citizen's token pair and user id: the form, then the code from the SMS
        (read from the demo outbox of notify's SMS provider, as a person reads their phone).
        Each registration comes from an address of its own (X-Forwarded-For, believed from
        loopback here), so the tests do not share one address's registration limit."""
        import random

        from tests import sms_outbox

        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        with self.client() as c:
            started = c.post("/v1/auth/register", json={"tenant_id": tenant, "phone": phone, "password": password, "name": name},
                             headers={"x-forwarded-for": address})
            assert started.status_code == 202, started.text
            rid = started.json()["registration_id"]
            done = c.post("/v1/auth/register/confirm", json={"registration_id": rid, "code": sms_outbox.registration_code(self.home, rid)})
        assert done.status_code == 200, done.text
        return done.json()  # type: ignore[no-any-return]

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the gateway's /readyz is 200: every service answers the gateway's own
        channels (a service that serves again is not yet reached by a channel that is
        waiting out its reconnect backoff)."""
        import time

        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                resp = httpx.get(f"{self.base_url}/readyz", timeout=5)
                if resp.status_code == 200:
                    return
                last = resp.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise AssertionError(f"the gateway was not ready within {timeout:.0f}s: {last}")

    def sign_in(self, phone: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        """The token pair of a (demo) account, from POST /v1/auth/token."""
        with self.client() as c:
            resp = c.post("/v1/auth/token", json={"username": phone, "password": password})
        assert resp.status_code == 200, resp.text
        return resp.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoPlatform]:
    """`mgov up` in demo mode (seeded tenants, accounts, items) on free ports."""
    from launcher.pg_placement import discard
    from launcher.up import demo_nats_url
    from tests.e2e.test_platform import start, stop, wait_ready

    tmp = tmp_path_factory.mktemp("demo")
    # The tests stand in for a reverse proxy on loopback: X-Forwarded-For gives each
    # attack an address of its own (`mgov up` believes no such header by default).
    # The poison test sends a thousand events at once: a burst above the default quota's.
    p = start(tmp / "home", tmp, MGOV_DEMO="1", MGOV_GATEWAY_FORWARDED_ALLOW_IPS="127.0.0.1", MGOV_INGEST_BURST="5000",
              # Gauges read often enough for the metrics test to see them move.
              MGOV_METRICS_INTERVAL_S="0.5",
              # The weekly 运营 report is looked for every second (it is due at once on a new platform).
              MGOV_INSIGHT_REPORTS_INTERVAL_S="1", MGOV_INSIGHT_GAUGES_INTERVAL_S="0.5")
    try:
        wait_ready(p)
        yield DemoPlatform(p.gateway, p.home, p.home / "logs", f"postgresql://postgres@127.0.0.1:{p.ports['POSTGRES']}/mgov",
                           demo_nats_url(p.ports['NATS']), p.proc.pid, p.ports["IDENTITY"], dict(p.ports))
    finally:
        stop(p, signal.SIGINT)
        discard(p.home / "postgres")
