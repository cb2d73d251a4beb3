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
    appointment_addr: str = "127.0.0.1:50055"
    payment_addr: str = "127.0.0.1:50056"
    enforcement_addr: str = "127.0.0.1:50057"
    insight_addr: str = "127.0.0.1:50058"
    # Deadline of every gRPC call the gateway makes that does not set its own.
    client_deadline_s: float = Field(default=5.0, gt=0)
    readiness_timeout_s: float = Field(default=1.0, gt=0)
    # The built mobile app served at `/`; empty = the repository's web/dist.
    web_dir: str = ""
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or networks, "*" for any): the reverse proxy in front of the gateway,
    # e.g. the Kubernetes ingress. Empty (the default, and `mgov up`): the client
    # address is the TCP peer's, whatever a header claims.
    forwarded_allow_ips: str = ""
    # Live notification streams one user may hold open at once on one replica (a phone
    # and a few browser tabs); one more is 429 `too_many_streams`.
    max_streams_per_user: int = Field(default=5, ge=1, le=100)
    # Anonymous usage reports for the operations figures (gateway/usage_limit.py): per
    # client address, at most this many a minute, and one count per item and kind per window.
    usage_reports_per_minute: int = Field(default=60, ge=1, le=10_000)
    usage_report_once_per_s: int = Field(default=600, ge=1, le=86_400)
    # Request limits (gateway/request_limits.py, gateway/http_protocol.py): the body a
    # route accepts unless it declares more, the request line + headers, JSON nesting.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_header_bytes: int = Field(default=16 * 1024, ge=4096)
    max_json_depth: int = Field(default=64, ge=8, le=512)
    # The map under the app's 随手拍 form (GET /v1/report-map): an XYZ tile URL template
    # ({z}/{x}/{y}, optional {s}) and its attribution; empty = no map (a typed address and
    # the phone's location only). The default is OpenStreetMap's public tiles, fit for a
    # demo; a deployment names its own tile server (or a licensed provider's).
    map_tile_url: str = Field(default="https://tile.openstreetmap.org/{z}/{x}/{y}.png", max_length=500)
    map_attribution: str = Field(default="© OpenStreetMap contributors", max_length=300)
    # Bytes of public catalogue responses kept in memory (gateway/catalog_cache.py); 0 = off.
    catalog_cache_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
