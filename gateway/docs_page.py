"""`/docs` (Swagger UI) from the gateway's own files, never from a CDN.

FastAPI's default page loads Swagger UI from a public CDN: without internet (a
government intranet, a network behind a national firewall) it is a blank page. The
files come pinned with the `swagger-ui-bundle-v2` package and are served under
`/docs/assets/`. `/redoc` (whose script would come from a CDN too) leads to `/docs`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS, ASSETS, OAUTH2_REDIRECT = "/docs", "/docs/assets", "/docs/oauth2-redirect"


def install(app: FastAPI) -> None:
    """Serve the docs page (create the app with `docs_url=None, redoc_url=None`)."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui-assets")

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} · Swagger UI",
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon-32x32.png", oauth2_redirect_url=OAUTH2_REDIRECT)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        return RedirectResponse(DOCS)
