"""The CloudEvents 1.0 envelope (structured JSON mode).

Platform events have `source` `mgov/<service>` and type
`mgov.<service>.<entity>.<verb>.v<N>`; events of tenant systems have source
`tenant/<tenant>/<system>`. The tenant sits in the `tenant` extension and in a fixed
position of the NATS subject, so permissions and filters can work per tenant.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mgov_common import safejson
from mgov_common.telemetry import current_traceparent

TENANT_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_TOKEN = r"[a-z][a-z0-9_]*"
TYPE_RE = re.compile(rf"^mgov(\.{_TOKEN}){{2,4}}\.v[1-9][0-9]*$")
SOURCE_RE = re.compile(r"^(mgov/[a-z][a-z0-9_-]*|tenant/[a-z][a-z0-9-]{1,30}/[A-Za-z0-9_-]{1,64})$")
TRACEPARENT_RE = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class EnvelopeError(ValueError):
    """The bytes are not a valid envelope; the message names each bad field."""


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: uuid.UUID
    source: str = Field(pattern=SOURCE_RE.pattern)
    type: str = Field(pattern=TYPE_RE.pattern)
    subject: str | None = Field(default=None, max_length=200)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: Any = None
    tenant: str = Field(pattern=TENANT_RE.pattern)
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_RE.pattern)

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must carry a UTC offset (RFC 3339)")
        return value.astimezone(UTC)

    @classmethod
    def new(
        cls,
        *,
        service: str,
        entity: str,
        verb: str,
        tenant: str,
        subject: str | None,
        data: Any,
        version: int = 1,
        source: str | None = None,
        event_id: uuid.UUID | None = None,
        time: datetime | None = None,
    ) -> "CloudEvent":
        """A platform event, stamped with the current trace context."""
        return cls(
            specversion="1.0",
            id=event_id or uuid.uuid4(),
            source=source or f"mgov/{service}",
            type=f"mgov.{service}.{entity}.{verb}.v{version}",
            subject=subject,
            time=time or datetime.now(UTC),
            data=data,
            tenant=tenant,
            traceparent=current_traceparent(),
        )

    @classmethod
    def parse(cls, raw: bytes | str | dict[str, Any], *, max_bytes: int = safejson.MAX_BYTES) -> "CloudEvent":
        """The envelope in `raw`; EnvelopeError for anything else, oversized or too deeply
        nested input included (measured before parsing, see mgov_common.safejson)."""
        try:
            obj = safejson.loads(raw, max_bytes=max_bytes) if isinstance(raw, (bytes, bytearray, str)) else raw
        except safejson.UnsafeJson as exc:
            raise EnvelopeError(f"envelope is {exc}" if exc.code == "not_json" else f"envelope refused: {exc}") from None
        if not isinstance(obj, dict):
            raise EnvelopeError("envelope must be a JSON object")
        try:
            return cls.model_validate(obj)
        except ValidationError as exc:
            raise EnvelopeError(
                "invalid envelope: "
                + "; ".join(f"{'.'.join(map(str, e['loc'])) or 'envelope'}: {e['msg']}" for e in exc.errors())
            ) from None

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @property
    def type_parts(self) -> tuple[str, ...]:
        """('workflow', 'application', 'submitted') for mgov.workflow.application.submitted.v1."""
        return tuple(self.type.split(".")[1:-1])

    def platform_subject(self) -> str:
        """`mgov.evt.<tenant>.<service>.<entity>.<verb>`."""
        return ".".join(("mgov", "evt", self.tenant, *self.type_parts))
