"""The metrics every process registers are the ones docs/deploy.md documents (and the
dashboard reads), and the gateway labels requests by route template, bounded."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from gateway.metrics import MetricsMiddleware
from mgov_common import metrics

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (type, labels) from the guide's metrics table."""
    rows = re.findall(r"^\|\s*`(mgov_[a-z0-9_]+)`\s*\|\s*(\w+)\s*\|([^|]*)\|", DOCS.read_text(encoding="utf-8"), re.M)
    return {name: (kind, tuple(re.findall(r"`(\w+)`", labels))) for name, kind, labels in rows}


def registered() -> dict[str, tuple[str, tuple[str, ...]]]:
    found = {}
    for metric in metrics.ALL:
        kind = metric._type  # noqa: SLF001 - prometheus_client keeps type and labels private
        name = metric._name + ("_total" if kind == "counter" else "")  # noqa: SLF001
        found[name] = (kind, tuple(metric._labelnames))  # noqa: SLF001
    return found


def test_every_documented_metric_is_registered_with_its_type_and_labels() -> None:
    docs = documented()
    assert len(docs) == 21
    assert registered() == docs


def test_the_process_registry_holds_every_platform_metric_and_no_other() -> None:
    names = {m.name for m in REGISTRY.collect() if m.name.startswith("mgov_")}
    assert {n.removesuffix("_total") for n in documented()} == names


def app() -> FastAPI:
    application = FastAPI()

    @application.get("/v1/cases/{case_id}")
    async def case(case_id: str) -> dict[str, str]:
        return {"id": case_id}

    @application.post("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    application.add_middleware(MetricsMiddleware)
    return application


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def request(method: str, path: str) -> int:
    transport = httpx.ASGITransport(app=app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return (await client.request(method, path)).status_code


async def test_a_request_is_counted_under_its_route_template_never_its_path() -> None:
    before = sample("mgov_http_requests_total", route="/v1/cases/{case_id}", method="GET", status="200")
    assert await request("GET", "/v1/cases/c-8f1e") == 200
    assert sample("mgov_http_requests_total", route="/v1/cases/{case_id}", method="GET", status="200") == before + 1
    assert sample("mgov_http_request_duration_seconds_count", route="/v1/cases/{case_id}", method="GET") >= 1
    assert not any("c-8f1e" in str(s.labels) for m in REGISTRY.collect() for s in m.samples)


@pytest.mark.parametrize("method, path, route, label, status", [
    ("GET", "/wp-admin/x.php", "unmatched", "GET", "404"),
    ("PROPFIND", "/v1/cases/1", "/v1/cases/{case_id}", "other", "405"),
    ("POST", "/v1/boom", "/v1/boom", "POST", "500"),
])
async def test_unknown_paths_and_methods_and_crashes_fall_into_bounded_labels(method: str, path: str, route: str, label: str,
                                                                             status: str) -> None:
    before = sample("mgov_http_requests_total", route=route, method=label, status=status)
    assert str(await request(method, path)) == status
    assert sample("mgov_http_requests_total", route=route, method=label, status=status) == before + 1


def test_metrics_are_served_on_their_port_and_off_at_port_zero() -> None:
    from mgov_common.ports import free_port

    assert metrics.serve(0) is None
    port = free_port()
    stop = metrics.serve(port)
    assert stop is not None
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "# TYPE mgov_outbox_backlog gauge" in body and "_created" not in body
        with pytest.raises(OSError, match="MGOV_METRICS_PORT"):
            metrics.serve(port)
    finally:
        stop()


async def test_the_gateway_serves_metrics_on_their_own_port_for_its_lifetime_not_on_the_api() -> None:
    from gateway.app import create_app
    from gateway.settings import GatewaySettings
    from mgov_common.ports import free_port, is_listening

    port = free_port()
    gateway = create_app(GatewaySettings(metrics_port=port))
    async with gateway.router.lifespan_context(gateway):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as scraper:
            assert "# TYPE mgov_http_requests_total counter" in (await scraper.get("/metrics")).text
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
            assert "mgov_http_requests_total" not in (await api.get("/metrics")).text
    assert not is_listening(port)
