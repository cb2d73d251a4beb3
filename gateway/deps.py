"""Typed dependencies of the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.backends import Backends
from gateway.settings import GatewaySettings


def _backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


BackendsDep = Annotated[Backends, Depends(_backends)]
SettingsDep = Annotated[GatewaySettings, Depends(_settings)]
