"""The mobile app (web/dist, built from web/) served at `/`; the API stays under /v1.

Any path that is not a file of the bundle and has no file extension is a client route of
the single-page app and gets index.html. Hashed assets (`/assets/*`) never change under
their name: cached for a year, immutable. The HTML, the service worker and the manifest
must be revalidated every time (`no-cache`), or a deployed fix would not reach phones.

The build writes each text file also brotli- and gzip-compressed beside it (`x.js.br`,
`x.js.gz`); the one the browser accepts is sent as is, with `Content-Encoding`, so a phone
downloads about a third of the bytes and the gateway spends no CPU compressing.
"""

from __future__ import annotations

import mimetypes
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
# Precompressed siblings, best first: (Content-Encoding token, file suffix).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


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


def accepts(header: str, coding: str) -> bool:
    """Whether an Accept-Encoding header allows `coding` (RFC 9110: `q=0` refuses it, `*`
    stands for any coding not named)."""
    weights: dict[str, float] = {}
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name.strip():
            weights[name.strip()] = weight
    return weights.get(coding, weights.get("*", 0.0)) > 0


def _file(path: Path, relative: str, accept_encoding: str) -> FileResponse:
    guessed, encoded = mimetypes.guess_type(path.name)
    # A `.br`/`.gz` file asked for by its own name is opaque bytes, not the script it holds.
    media_type = MEDIA_TYPES.get(path.suffix) or (None if encoded else guessed) or "application/octet-stream"
    headers = {"Cache-Control": cache_control(relative), **HEADERS}
    siblings = [(coding, path.with_name(path.name + suffix)) for coding, suffix in ENCODINGS]
    siblings = [(coding, sibling) for coding, sibling in siblings if sibling.is_file()]
    if siblings:
        headers["Vary"] = "Accept-Encoding"  # caches must keep one copy per coding
        for coding, sibling in siblings:
            if accepts(accept_encoding, coding):
                return FileResponse(sibling, media_type=media_type, headers={**headers, "Content-Encoding": coding})
    return FileResponse(path, media_type=media_type, headers=headers)


@router.api_route("/{path:app_path}", methods=["GET", "HEAD"])
async def app_shell(path: str, request: Request) -> Response:
    root = web_root(request)
    index = root / "index.html"
    if not index.is_file():
        raise Problem(404, "app_not_built", "the app is not built here: run `make web` (needs Node), or use a checkout with web/dist")
    if path:
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return _file(candidate, candidate.relative_to(root).as_posix(), request.headers.get("accept-encoding", ""))
        if "." in path.rsplit("/", 1)[-1]:
            # A missing file (e.g. an asset of an older build) is a 404, never the HTML.
            raise Problem(404, "not_found", f"no file at {request.url.path}")
    return _file(index, "index.html", request.headers.get("accept-encoding", ""))
