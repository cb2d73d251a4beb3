"""`python -m gateway`: serve the mobile API with uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from gateway.app import create_app
from gateway.http_protocol import bounded_head_protocol
from gateway.request_id import RequestIdFilter
from gateway.settings import GatewaySettings
from mgov_common.settings import SettingsError, load_settings
from mgov_common.telemetry import setup_logging, setup_tracing


def main() -> None:
    try:
        settings = load_settings(GatewaySettings)
    except SettingsError as exc:
        raise SystemExit(f"mgov-gateway: {exc}") from None
    setup_logging("gateway", settings.log_level, settings.log_json)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    setup_tracing("gateway")
    app = create_app(settings)
    from mgov_common.ports import PortInUse, ensure_free

    try:
        ensure_free(settings.port, "gateway", settings.host)
    except PortInUse as exc:
        raise SystemExit(f"mgov-gateway: {exc}") from None
    # uvloop and httptools, named rather than left to uvicorn's "auto" (which silently falls back).
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5,
                loop="uvloop",
                http=bounded_head_protocol(settings.max_header_bytes),
                # Forwarded headers only from the configured proxies (uvicorn alone would trust loopback).
                proxy_headers=bool(settings.forwarded_allow_ips.strip()), forwarded_allow_ips=settings.forwarded_allow_ips.strip() or None)


if __name__ == "__main__":
    main()
