"""Gateway settings (env prefix `MGOV_GATEWAY_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mgov_common.settings import PlatformSettings


class GatewaySettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    identity_addr: str = "127.0.0.1:50051"
    catalog_addr: str = "127.0.0.1:50052"
    workflow_addr: str = "127.0.0.1:50053"
    notify_addr: str = "127.0.0.1:50054"
    # Deadline of every gRPC call the gateway makes that does not set its own.
    client_deadline_s: float = Field(default=5.0, gt=0)
    readiness_timeout_s: float = Field(default=1.0, gt=0)
    # The built mobile app served at `/`; empty = the repository's web/dist.
    web_dir: str = ""
