"""The gateway serves the mobile app at `/` with the right cache headers; /v1 stays the API."""

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.routers.web_app import DEFAULT_DIR
from gateway.settings import GatewaySettings
from mgov_common.ports import free_port

pytestmark = pytest.mark.unit


def client_for(web_dir: Path | str) -> TestClient:
    closed = f"127.0.0.1:{free_port()}"
    settings = GatewaySettings(identity_addr=closed, catalog_addr=closed, workflow_addr=closed, notify_addr=closed,
                               readiness_timeout_s=0.3, web_dir=str(web_dir))
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "index-AbC123.js").write_text("console.log(1)")
    (tmp_path / "sw.js").write_text("self.x=1")
    (tmp_path / "manifest.webmanifest").write_text("{}")
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "icon-192.png").write_bytes(b"\x89PNG")
    (tmp_path.parent / "secret.txt").write_text("outside")
    return tmp_path


@pytest.fixture
def client(bundle: Path) -> Iterator[TestClient]:
    with client_for(bundle) as c:
        yield c


def test_the_root_and_client_routes_get_the_app_shell_revalidated_every_time(client: TestClient) -> None:
    for path in ("/", "/items/abc", "/applications/123", "/me/preferences"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.headers["cache-control"] == "no-cache"
        assert "<title>app</title>" in resp.text


def test_hashed_assets_are_immutable_and_the_service_worker_and_manifest_are_not(client: TestClient) -> None:
    asset = client.get("/assets/index-AbC123.js")
    assert asset.status_code == 200 and asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith("text/javascript")
    assert client.get("/sw.js").headers["cache-control"] == "no-cache"
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["cache-control"] == "no-cache" and manifest.headers["content-type"] == "application/manifest+json"
    assert client.get("/icons/icon-192.png").headers["cache-control"] == "public, max-age=3600"


def test_a_browser_gets_the_precompressed_copy_it_accepts_best_first(bundle: Path) -> None:
    script = "console.log('the app')"
    (bundle / "assets" / "app-Zz9.js").write_text(script)
    (bundle / "assets" / "app-Zz9.js.br").write_bytes(b"brotli bytes")
    (bundle / "assets" / "app-Zz9.js.gz").write_bytes(gzip.compress(script.encode()))
    with client_for(bundle) as c:
        with c.stream("GET", "/assets/app-Zz9.js", headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as br:
            assert br.headers["content-encoding"] == "br" and b"".join(br.iter_raw()) == b"brotli bytes"
        assert br.headers["content-type"].startswith("text/javascript") and br.headers["vary"] == "Accept-Encoding"
        assert br.headers["cache-control"] == "public, max-age=31536000, immutable"
        gz = c.get("/assets/app-Zz9.js", headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip" and gz.text == script  # the client inflates it
        refused = c.get("/assets/app-Zz9.js", headers={"Accept-Encoding": "*, br;q=0"})
        assert refused.headers["content-encoding"] == "gzip"
        plain = c.get("/assets/app-Zz9.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == script and plain.headers["vary"] == "Accept-Encoding"


def test_the_app_shell_of_a_client_route_comes_compressed_too(bundle: Path) -> None:
    (bundle / "index.html.gz").write_bytes(gzip.compress((bundle / "index.html").read_bytes()))
    with client_for(bundle) as c:
        resp = c.get("/items/abc", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["content-encoding"] == "gzip" and "<title>app</title>" in resp.text
    assert resp.headers["cache-control"] == "no-cache" and resp.headers["content-type"].startswith("text/html")


def test_a_compressed_copy_asked_for_by_name_is_opaque_bytes(bundle: Path) -> None:
    (bundle / "assets" / "index-AbC123.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    with client_for(bundle) as c:
        resp = c.get("/assets/index-AbC123.js.gz", headers={"Accept-Encoding": "identity"})
    assert resp.headers["content-type"] == "application/octet-stream" and "content-encoding" not in resp.headers


def test_a_missing_file_is_a_404_problem_not_the_html(client: TestClient) -> None:
    resp = client.get("/assets/index-OLD.js")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_paths_cannot_climb_out_of_the_bundle(client: TestClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        resp = client.get(path)
        assert "outside" not in resp.text, path


def test_the_api_keeps_its_own_404_problems(client: TestClient) -> None:
    resp = client.get("/v1/nowhere")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_without_a_built_app_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        resp = c.get("/")
    assert resp.status_code == 404 and resp.json()["code"] == "app_not_built"


def test_the_repository_carries_a_built_app_with_its_manifest_and_service_worker() -> None:
    assert (DEFAULT_DIR / "index.html").is_file()
    assert (DEFAULT_DIR / "sw.js").is_file()
    assert (DEFAULT_DIR / "manifest.webmanifest").is_file()


def test_the_committed_bundle_carries_compressed_copies_of_what_the_first_screen_loads() -> None:
    html = (DEFAULT_DIR / "index.html").read_text()
    first = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', html)
    assert first, "index.html loads no assets"
    for name in ["index.html", *first]:
        raw = (DEFAULT_DIR / name).read_bytes()
        if len(raw) < 1024:
            continue
        assert gzip.decompress((DEFAULT_DIR / f"{name}.gz").read_bytes()) == raw, name
        assert (DEFAULT_DIR / f"{name}.br").stat().st_size < len(raw), name


def test_the_stylesheets_that_block_the_first_paint_carry_no_inline_font() -> None:
    html = (DEFAULT_DIR / "index.html").read_text()
    sheets = re.findall(r'<link rel="stylesheet"[^>]+href="/(assets/[^"]+\.css)"', html)
    assert sheets, "index.html links no stylesheet"
    for sheet in sheets:
        assert "data:font" not in (DEFAULT_DIR / sheet).read_text(), f"{sheet} inlines a font: every first paint waits for it"
