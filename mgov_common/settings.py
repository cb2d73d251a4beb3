"""Settings from the environment with pydantic-settings.

Every process reads the platform-wide `MGOV_*` variables (database, NATS, demo mode,
home directory) and its own prefixed ones (`MGOV_IDENTITY_PORT`, ...). A setting that
holds a secret has no default outside demo mode: a production process that lacks it
refuses to start and names the variable.

Secrets may also come as files, one per setting, named like the variable, in the
directory `MGOV_SECRETS_DIR` (on Kubernetes a Secret mounted as a volume, so that no
secret sits in the process environment, where `/proc/<pid>/environ`, crash reports
and child processes would see it). An environment variable wins over a file. The
database password may be such a file, `MGOV_DATABASE_PASSWORD`: it is put into
`MGOV_DATABASE_URL`, which then carries only the user, host and TLS settings. The NATS
password likewise: `MGOV_NATS_PASSWORD` goes into `MGOV_NATS_URL` (`nats://catalog@nats:4222`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SecretsSettingsSource, SettingsConfigDict

SECRETS_DIR_VAR = "MGOV_SECRETS_DIR"

if TYPE_CHECKING:
    from mgov_common.outbound import OutboundGuard
    from mgov_common.paging import PageTokens


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the environment variable."""


class PlatformSettings(BaseSettings):
    """What every process shares. Prefix `MGOV_`."""

    model_config = SettingsConfigDict(env_prefix="MGOV_", extra="ignore", populate_by_name=True)

    # Aliases pin these to `MGOV_*` even in subclasses with their own prefix.
    home: Path = Field(default=Path(".mgov"), validation_alias=AliasChoices("MGOV_HOME"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("MGOV_DATABASE_URL"))
    nats_url: str | None = Field(default=None, validation_alias=AliasChoices("MGOV_NATS_URL"))
    demo: bool = Field(default=False, validation_alias=AliasChoices("MGOV_DEMO"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("MGOV_LOG_LEVEL"))
    log_json: bool = Field(default=True, validation_alias=AliasChoices("MGOV_LOG_JSON"))
    # Copies of each JetStream stream: 1 on one machine, 3 on a NATS cluster.
    stream_replicas: int = Field(default=1, ge=1, le=5, validation_alias=AliasChoices("MGOV_STREAM_REPLICAS"))
    # Quotas of each tenant system on ingest (mgov_common.quota), over NATS and HTTP alike.
    ingest_events_per_s: float = Field(default=100.0, gt=0, validation_alias=AliasChoices("MGOV_INGEST_EVENTS_PER_S"))
    ingest_burst: int = Field(default=1000, ge=1, validation_alias=AliasChoices("MGOV_INGEST_BURST"))
    ingest_bytes_per_day: int = Field(default=256 * 1024 * 1024, ge=1024, validation_alias=AliasChoices("MGOV_INGEST_BYTES_PER_DAY"))
    # The most each stream keeps, in bytes (reserved by JetStream on disk).
    stream_max_bytes_events: int = Field(default=2048 * 1024 * 1024, ge=1024 * 1024, validation_alias=AliasChoices("MGOV_STREAM_MAX_BYTES_EVENTS"))
    stream_max_bytes_dlq: int = Field(default=256 * 1024 * 1024, ge=1024 * 1024, validation_alias=AliasChoices("MGOV_STREAM_MAX_BYTES_DLQ"))
    stream_max_bytes_ingest: int = Field(default=1024 * 1024 * 1024, ge=1024 * 1024, validation_alias=AliasChoices("MGOV_STREAM_MAX_BYTES_INGEST"))
    stream_max_bytes_rejected: int = Field(default=256 * 1024 * 1024, ge=1024 * 1024,
                                           validation_alias=AliasChoices("MGOV_STREAM_MAX_BYTES_REJECTED"))
    # Where services fetch the JWKS that verifies access tokens.
    identity_addr: str = Field(default="127.0.0.1:50051", validation_alias=AliasChoices("MGOV_IDENTITY_ADDR"))
    # Outbound URLs (webhooks, Web Push endpoints, the SMS gateway) may point at loopback
    # in demo mode while this is on; outside demo mode it has no effect (mgov_common.outbound).
    outbound_allow_loopback: bool = Field(default=True, validation_alias=AliasChoices("MGOV_OUTBOUND_ALLOW_LOOPBACK"))
    # Prometheus metrics on this port (/metrics; mgov_common.metrics); 0 serves none. Each
    # process on one machine needs its own: `mgov up` gives them from MGOV_<PROCESS>_METRICS_PORT.
    metrics_port: int = Field(default=0, ge=0, le=65535, validation_alias=AliasChoices("MGOV_METRICS_PORT"))
    # How often gauges that must be asked for (outbox backlog, consumer lag, DLQ size) are read.
    metrics_interval_s: float = Field(default=5.0, gt=0, validation_alias=AliasChoices("MGOV_METRICS_INTERVAL_S"))
    # Put into database_url's user part when that has no password (usually from a file).
    database_password: SecretStr | None = Field(default=None, validation_alias=AliasChoices("MGOV_DATABASE_PASSWORD"))
    # Put into nats_url's user part the same way: each platform process is its own NATS user.
    nats_password: SecretStr | None = Field(default=None, validation_alias=AliasChoices("MGOV_NATS_PASSWORD"))
    # TLS to NATS: the CA that signed the servers' certificates (their names are checked).
    # Set, every NATS connection of the process uses TLS; unset, plain (loopback, `mgov up`).
    nats_ca_file: Path | None = Field(default=None, validation_alias=AliasChoices("MGOV_NATS_CA_FILE"))

    def nats_options(self) -> dict[str, Any]:
        """Extra nats-py connect options: TLS when a CA is given."""
        if self.nats_ca_file is None:
            return {}
        import ssl

        try:
            ctx = ssl.create_default_context(cafile=str(self.nats_ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise SettingsError(f"MGOV_NATS_CA_FILE: cannot load {self.nats_ca_file}: {exc}") from None
        return {"tls": ctx}

    def outbound_guard(self) -> "OutboundGuard":
        """The guard of every outbound HTTP call: loopback allowed in demo mode only, if at all."""
        from mgov_common.outbound import OutboundGuard

        return OutboundGuard(allow_loopback=self.demo and self.outbound_allow_loopback)

    def page_tokens(self) -> "PageTokens":
        """The signer of this process's page tokens."""
        from mgov_common.paging import PageTokens

        secret = getattr(self, "page_token_secret", None)
        return PageTokens(secret.get_secret_value().encode()) if secret is not None else PageTokens.ephemeral()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        directory = os.environ.get(SECRETS_DIR_VAR)
        if directory:
            if not Path(directory).is_dir():
                raise SettingsError(f"{SECRETS_DIR_VAR}: {directory} is not a directory")
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=directory)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _nats_password_into_url(self) -> "PlatformSettings":
        if self.nats_password is None or not self.nats_url:
            return self
        from mgov_common.bus import with_credentials

        first = urlsplit(self.nats_url.split(",")[0])
        if first.password is not None:
            raise ValueError("MGOV_NATS_URL already holds a password: give it in one place only")
        if not first.username:
            raise ValueError("MGOV_NATS_URL needs a user (nats://catalog@nats:4222) to go with MGOV_NATS_PASSWORD")
        object.__setattr__(self, "nats_url", with_credentials(self.nats_url, first.username, self.nats_password.get_secret_value()))
        return self

    @model_validator(mode="after")
    def _password_into_url(self) -> "PlatformSettings":
        if self.database_password is None or not self.database_url:
            return self
        parts = urlsplit(self.database_url)
        if parts.password is not None:
            raise ValueError("MGOV_DATABASE_URL already holds a password: give it in one place only")
        if not parts.username or not parts.hostname:
            raise ValueError("MGOV_DATABASE_URL needs a user and a host to go with MGOV_DATABASE_PASSWORD")
        password = quote(self.database_password.get_secret_value(), safe="")
        netloc = f"{parts.username}:{password}@{parts.netloc.rpartition('@')[2]}"
        object.__setattr__(self, "database_url", urlunsplit(parts._replace(netloc=netloc)))
        return self

    def stream_options(self) -> Any:
        """The platform streams' limits (mgov_common.events.streams.StreamOptions)."""
        from mgov_common.events.streams import StreamOptions

        return StreamOptions(replicas=self.stream_replicas, events_max_bytes=self.stream_max_bytes_events,
                             dlq_max_bytes=self.stream_max_bytes_dlq, ingest_max_bytes=self.stream_max_bytes_ingest,
                             rejected_max_bytes=self.stream_max_bytes_rejected)

    def ingest_quotas(self) -> Any:
        """Each tenant system's quotas on ingest (mgov_common.quota.Quotas)."""
        from mgov_common.quota import Quotas

        return Quotas(events_per_s=self.ingest_events_per_s, burst=self.ingest_burst, bytes_per_day=self.ingest_bytes_per_day)

    def require_database_url(self) -> str:
        if not self.database_url:
            raise SettingsError("MGOV_DATABASE_URL is not set (e.g. postgresql://user@host:5432/mgov)")
        return self.database_url

    def require_nats_url(self) -> str:
        if not self.nats_url:
            raise SettingsError("MGOV_NATS_URL is not set (e.g. nats://127.0.0.1:4222)")
        return self.nats_url


class ServiceSettings(PlatformSettings):
    """Base for one gRPC service; subclasses set `service_name` and their env prefix.

    Secrets are declared in `secret_fields`; in demo mode each missing one gets a
    value derived from its name (stable, so data encrypted in one demo run can be read
    in the next), outside demo mode a missing one is an error naming the variable.
    """

    service_name: ClassVar[str] = ""
    secret_fields: ClassVar[tuple[str, ...]] = ()

    host: str = "127.0.0.1"
    port: int = 0
    # Deadline given to every outgoing gRPC call that does not set one.
    client_deadline_s: float = Field(default=5.0, gt=0)
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    health_interval_s: float = Field(default=1.0, gt=0)
    db_pool_min: int = 1
    db_pool_max: int = 10
    # Kubernetes runs `mgov migrate` as a Job; a lone process may migrate itself.
    migrate_on_start: bool = False
    # Signs every list's page tokens (HMAC, mgov_common.paging): one platform secret;
    # services with lists name it in `secret_fields` (required outside demo mode).
    page_token_secret: SecretStr | None = Field(default=None, validation_alias=AliasChoices("MGOV_PAGE_TOKEN_SECRET"))

    @model_validator(mode="after")
    def _secrets_present(self) -> "ServiceSettings":
        prefix = self.model_config.get("env_prefix", "")
        for name in self.secret_fields:
            if getattr(self, name, None) is not None:
                continue
            if not self.demo:
                variable = "MGOV_PAGE_TOKEN_SECRET" if name == "page_token_secret" else (prefix + name).upper()
                raise ValueError(f"{variable} is required outside demo mode (set MGOV_DEMO=1 only for local demos)")
            object.__setattr__(self, name, SecretStr(demo_secret(self.service_name, name)))
        return self


def demo_secret(service_name: str, field_name: str) -> str:
    """The stable demo-mode value of a secret setting (never used outside demo mode).

    Exposed so that a service can know, in demo mode only, the secret another service
    derives for itself (identity checks the platform services' client secrets).
    """
    return hashlib.sha256(f"mgov-demo-secret:{service_name}:{field_name}".encode()).hexdigest()


T = TypeVar("T", bound=BaseSettings)


def load_settings(cls: type[T], **overrides: Any) -> T:
    """Build settings, turning pydantic's error into one that names the variables."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        prefix = cls.model_config.get("env_prefix", "")
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            var = f"{prefix}{loc}".upper() if loc else ""
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{var}: {msg}" if var else msg)
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
