"""Typed dependencies of the routers.

All `async def`: FastAPI runs a plain `def` dependency in a worker thread, which costs
more than the lookup it does (a thread hop on every request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.backends import Backends
from gateway.settings import GatewaySettings


async def _backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


async def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


BackendsDep = Annotated[Backends, Depends(_backends)]
SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
