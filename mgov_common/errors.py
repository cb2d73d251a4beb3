"""Domain errors shared by every service (pure: no gRPC, so domains can raise them).

Each class names its canonical status (`status`: the gRPC / Google API status name,
e.g. "NOT_FOUND"). Services raise these from their domain and service layers; the
gRPC interceptor in `mgov_common.grpc_server` turns them into that gRPC status with the
error's `code` in the trailing metadata, and the gateway turns the status into
problem+json (gateway/grpc_errors.py). The transport mapping lives there, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str  # dotted path, e.g. "phone" or "form.applicant.name"
    code: str  # stable, e.g. "required", "pattern"
    description: str


class DomainError(Exception):
    """Base of every expected, user-facing failure.

    `code` is a stable machine-readable identifier (it becomes the problem+json
    `code`), `field` names the offending input when there is one.
    """

    status: str = "FAILED_PRECONDITION"  # the canonical status name (a grpc.StatusCode member)
    code: str = "failed_precondition"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        violations: Sequence[FieldViolation] = (),
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # Seconds until a retry may succeed (rate limits, lockouts): `Retry-After`.
        self.retry_after_s = retry_after_s
        if code is not None:
            self.code = code
        self.violations = list(violations)
        if field is not None:
            self.violations.insert(0, FieldViolation(field, self.code, message))

    @property
    def field(self) -> str | None:
        return self.violations[0].field if self.violations else None


class InvalidArgument(DomainError):
    status = "INVALID_ARGUMENT"
    code = "invalid_argument"


class NotFound(DomainError):
    status = "NOT_FOUND"
    code = "not_found"


class AlreadyExists(DomainError):
    status = "ALREADY_EXISTS"
    code = "already_exists"


class PermissionDenied(DomainError):
    status = "PERMISSION_DENIED"
    code = "permission_denied"


class Unauthenticated(DomainError):
    status = "UNAUTHENTICATED"
    code = "unauthenticated"


class FailedPrecondition(DomainError):
    status = "FAILED_PRECONDITION"
    code = "failed_precondition"


class Conflict(DomainError):
    """The resource's current state forbids the action (HTTP 409)."""

    status = "FAILED_PRECONDITION"
    code = "conflict"


class PreconditionRequired(DomainError):
    """An update came without the version it expects to change (HTTP 428)."""

    status = "FAILED_PRECONDITION"
    code = "precondition_required"


class StaleVersion(DomainError):
    """A concurrent change won: the expected version is no longer current (HTTP 412)."""

    status = "ABORTED"
    code = "stale_version"


class ResourceExhausted(DomainError):
    status = "RESOURCE_EXHAUSTED"
    code = "rate_limited"


class Unavailable(DomainError):
    """A dependency outside the platform (an SMS gateway) did not answer: try again (HTTP 503)."""

    status = "UNAVAILABLE"
    code = "unavailable"


# Trailing-metadata key of the serialized mgov.common.v1.ErrorDetail.
ERROR_DETAIL_KEY = "mgov-error-bin"
