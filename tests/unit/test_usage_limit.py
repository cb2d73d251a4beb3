"""Anonymous usage reports (guide views, started forms) are bounded per client address."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.problems import Problem
from gateway.settings import GatewaySettings
from gateway.usage_limit import UsageLimiter
from mgov_common.ports import free_port

ITEM = "0b0f7a52-3f6e-4c55-9a4c-6f1d2f0f4a11"


def test_a_recorded_view_is_not_recorded_again_from_that_address_but_from_another_it_is() -> None:
    limiter = UsageLimiter(per_minute=60, once_per_s=600)
    assert limiter.admit("10.0.0.1", ITEM, "guide_viewed")
    limiter.recorded("10.0.0.1", ITEM, "guide_viewed")
    assert not limiter.admit("10.0.0.1", ITEM, "guide_viewed")
    assert limiter.admit("10.0.0.1", ITEM, "application_started")
    assert limiter.admit("10.0.0.2", ITEM, "guide_viewed")


def test_a_report_that_was_refused_is_not_remembered() -> None:
    limiter = UsageLimiter(per_minute=60, once_per_s=600)
    assert limiter.admit("10.0.0.1", ITEM, "guide_viewed")
    assert limiter.admit("10.0.0.1", ITEM, "guide_viewed")  # the first was never recorded (e.g. unknown item)


def test_past_its_rate_an_address_is_429_with_retry_after_and_others_are_not() -> None:
    limiter = UsageLimiter(per_minute=5, once_per_s=600)
    for n in range(5):
        limiter.admit("10.0.0.1", f"{ITEM[:-2]}{n:02d}", "guide_viewed")
    with pytest.raises(Problem) as refused:
        limiter.admit("10.0.0.1", ITEM, "guide_viewed")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    assert limiter.admit("10.0.0.2", ITEM, "guide_viewed")


@pytest.fixture
def client() -> Iterator[TestClient]:
    closed = f"127.0.0.1:{free_port()}"
    addresses = {name: closed for name in GatewaySettings.model_fields if name.endswith("_addr")}
    app = create_app(GatewaySettings(**addresses, usage_reports_per_minute=3, readiness_timeout_s=0.3))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_the_usage_route_answers_a_flood_from_one_address_with_a_429_problem(client: TestClient) -> None:
    body = {"item_id": ITEM, "kind": "guide_viewed"}
    for _ in range(3):
        assert client.post("/v1/insight/usage", json=body).status_code != 429  # (the backend is down here: 503)
    resp = client.post("/v1/insight/usage", json=body)
    assert resp.status_code == 429 and resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "rate_limited" and int(resp.headers["retry-after"]) >= 1
