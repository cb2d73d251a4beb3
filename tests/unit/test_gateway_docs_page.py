"""`/docs` works without internet: the page refers only to the gateway's own files, and
the gateway serves them (Swagger UI once came from a CDN: a blank page offline)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from mgov_common.ports import free_port


@pytest.fixture
def client() -> Iterator[TestClient]:
    closed = f"127.0.0.1:{free_port()}"
    app = create_app(GatewaySettings(identity_addr=closed, catalog_addr=closed, workflow_addr=closed, notify_addr=closed))
    with TestClient(app) as c:
        yield c


def test_the_docs_page_refers_only_to_local_assets_and_they_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    refs = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
    assert refs, html
    assert not re.search(r"https?://|//[a-z]", html), "the page loads something from another host"
    expected = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",), ".png": ("image/png",),
                ".json": ("application/json",)}
    for ref in refs:
        assert ref.startswith("/"), ref
        asset = client.get(ref)
        kind = ref[ref.rindex("."):]
        assert asset.status_code == 200 and asset.headers["content-type"].split(";")[0] in expected[kind], (ref, asset.headers)
        assert len(asset.content) > 0
    assert any(r.endswith("swagger-ui-bundle.js") for r in refs) and any(r.endswith(".css") for r in refs)
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text


def test_the_oauth2_redirect_is_local_and_redoc_leads_to_docs(client: TestClient) -> None:
    redirect = client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and not re.search(r"https?://", redirect.text)
    redoc = client.get("/redoc", follow_redirects=False)
    assert redoc.status_code == 307 and redoc.headers["location"] == "/docs"
