"""The mobile app (web/dist, built from web/) served at `/`; the API stays under /v1.

Any path that is not a file of the bundle and has no file extension is a client route of
the single-page app and gets index.html. Hashed assets (`/assets/*`) never change under
their name: cached for a year, immutable. The HTML, the service worker and the manifest
must be revalidated every time (`no-cache`), or a deployed fix would not reach phones.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from gateway.problems import Problem


class AppPath(Convertor[str]):
    """Any path outside /v1: API paths never reach the app, whatever routes come later."""

    regex = r"(?!v1(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("app_path", AppPath())
router = APIRouter(include_in_schema=False)

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SHORT = "public, max-age=3600"
# Files whose names do not change between builds: always revalidated.
FIXED_NAMES = {"index.html", "sw.js", "registerSW.js", "manifest.webmanifest", "push-sw.js"}
MEDIA_TYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript; charset=utf-8"}
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def web_root(request: Request) -> Path:
    configured = request.app.state.settings.web_dir
    return Path(configured).resolve() if configured else DEFAULT_DIR


def cache_control(relative: str) -> str:
    name = relative.rsplit("/", 1)[-1]
    if relative.startswith("assets/"):
        return IMMUTABLE
    if name in FIXED_NAMES or name.startswith("workbox-"):
        return REVALIDATE
    return SHORT


def _file(path: Path, relative: str) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix), headers={"Cache-Control": cache_control(relative), **HEADERS})


@router.api_route("/{path:app_path}", methods=["GET", "HEAD"])
async def app_shell(path: str, request: Request) -> Response:
    root = web_root(request)
    index = root / "index.html"
    if not index.is_file():
        raise Problem(404, "app_not_built", "the app is not built here: run `make web` (needs Node), or use a checkout with web/dist")
    if path:
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return _file(candidate, candidate.relative_to(root).as_posix())
        if "." in path.rsplit("/", 1)[-1]:
            # A missing file (e.g. an asset of an older build) is a 404, never the HTML.
            raise Problem(404, "not_found", f"no file at {request.url.path}")
    return _file(index, "index.html")
