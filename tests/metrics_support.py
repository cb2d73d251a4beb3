"""Reading a process's /metrics the way Prometheus does (its own text parser)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Samples:
    """Every sample on `127.0.0.1:port/metrics`, by (sample name, labels)."""
    resp = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain"), resp.text[:200]
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(resp.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def wait_for_samples(port: int, condition: Callable[[Samples], bool], what: str, timeout: float = 20) -> Samples:
    """Scrape until `condition` holds (gauges are refreshed periodically, counters once
    the work they count has committed)."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(port)
        if condition(samples):
            return samples
        assert time.monotonic() < deadline, f"never seen on :{port}: {what}"
        time.sleep(0.1)
