"""What tenant back-office systems may publish (docs/tenant-systems.md).

A system publishes CloudEvents on `mgov.ingest.<tenant>.<system id>.<...>` (over NATS
with its own credentials, or through `POST /v1/tenants/{t}/events`, which publishes
there for it); admission (`ingest_admission`) stores them on `mgov.accepted.<...>`,
and the service that owns each type applies it (`ingest_consumer`: workflow the case
actions, catalog the item updates and notices). The tenant and system of an event are
those of the credential: for NATS the subject (the server allows a system's user only
its own prefix), for HTTP the access token. `check` is the validation every path
shares: envelope, a type the system registered, the JSON Schema of `data`, and no
claim of another tenant or system.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from mgov_common import safejson
from mgov_common.events.envelope import CloudEvent, EnvelopeError

INGEST_PREFIX = "mgov.ingest"
# Where admission (mgov_common.ingest_admission) stores what it accepted: stream MGOV_INGEST.
ACCEPTED_PREFIX = "mgov.accepted"
REJECTED_PREFIX = "mgov.rejected"
# The largest event a system may publish, over NATS and over HTTP alike.
MAX_EVENT_BYTES = 256 * 1024

CASE_STATUS_CHANGED = "mgov.case.status_changed.v1"
ITEM_UPDATED = "mgov.catalog.item.updated.v1"
NOTICE_PUBLISHED = "mgov.notice.published.v1"
# A city's back office acting on a 随手拍 report dispatched to it (docs/reports.md).
REPORT_ACTION = "mgov.report.action.v1"
# A county's or city's boundary changed (GeoJSON): reports are routed by it.
BOUNDARY_UPDATED = "mgov.tenant.boundary.updated.v1"
# A market-supervision (or other) register's subject created or changed: the enforcement
# service's registry of supervised subjects (docs/enforcement.md).
SUBJECT_UPSERTED = "mgov.subject.upserted.v1"

_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_LOCALIZED = {
    "type": "object",
    "required": ["zh"],
    "additionalProperties": False,
    "properties": {"zh": {"type": "string", "minLength": 1, "maxLength": 20000}, "en": {"type": "string", "maxLength": 20000}},
}

# JSON Schemas of `data` per type; the CloudEvent `subject` carries the entity id where one exists.
SCHEMAS: dict[str, dict[str, Any]] = {
    CASE_STATUS_CHANGED: {
        "type": "object",
        "required": ["action"],
        "additionalProperties": False,
        "properties": {
            "action": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
            "comment": {"type": "string", "maxLength": 2000},
            # The case version the system saw; absent = the current one.
            "expected_version": {"type": "integer", "minimum": 1},
        },
    },
    ITEM_UPDATED: {
        "type": "object",
        "required": ["service_id", "fields"],
        "additionalProperties": False,
        "properties": {
            "service_id": {"type": "string", "minLength": 1, "maxLength": 64},
            # Localisable fields of the item, as in the catalogue's JSON (agency, guide.fees, ...).
            "fields": {"type": "object", "minProperties": 1},
            "publish": {"type": "boolean"},
        },
    },
    NOTICE_PUBLISHED: {
        "type": "object",
        "required": ["title", "body"],
        "additionalProperties": False,
        "properties": {"title": _LOCALIZED, "body": _LOCALIZED,
                       # The catalogue's notice categories; absent = announcement.
                       "category": {"enum": ["announcement", "policy", "interpretation", "public_comment", "other"]}},
    },
    REPORT_ACTION: {
        "type": "object",
        "required": ["action"],
        "additionalProperties": False,
        "properties": {
            "action": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
            "comment": {"type": "string", "maxLength": 2000},
            "expected_version": {"type": "integer", "minimum": 1},
            "result_public": {"type": "boolean"},
        },
    },
    BOUNDARY_UPDATED: {
        "type": "object",
        "required": ["geometry"],
        "additionalProperties": False,
        "properties": {
            # GeoJSON, [longitude, latitude]; checked as a polygon by the workflow service.
            "geometry": {"type": "object", "required": ["type", "coordinates"],
                         "properties": {"type": {"enum": ["Polygon", "MultiPolygon"]}, "coordinates": {"type": "array", "minItems": 1}}},
        },
    },
    SUBJECT_UPSERTED: {
        "type": "object",
        "required": ["name", "credit_code", "category"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "credit_code": {"type": "string", "minLength": 18, "maxLength": 18},
            "address": {"type": "string", "maxLength": 300},
            "category": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,39}$"},
            "risk_level": {"enum": ["low", "medium", "high"]},
            "contact_phone": {"type": "string", "maxLength": 20},
            "position": {"type": "object", "required": ["latitude", "longitude"], "additionalProperties": False,
                         "properties": {"latitude": {"type": "number", "minimum": -90, "maximum": 90},
                                        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                                        "accuracy_m": {"type": "number", "minimum": 0, "maximum": 100000}}},
        },
    },
}
INGEST_TYPES = tuple(SCHEMAS)
# Types whose CloudEvent `subject` must name the entity acted on.
SUBJECT_REQUIRED = {CASE_STATUS_CHANGED, REPORT_ACTION}
_VALIDATORS = {t: Draft202012Validator(s) for t, s in SCHEMAS.items()}


class Refused(ValueError):
    """An event that is not accepted; `code` is stable, `status` the HTTP answer."""

    def __init__(self, message: str, code: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def require_granted(event_type: str, allowed_types: frozenset[str] | set[str] | tuple[str, ...]) -> None:
    """Refused unless the system's registration grants `event_type`."""
    if event_type not in allowed_types:
        raise Refused(f"this system is not registered to publish {event_type}", "type_not_allowed", 403)


def ingest_subject(tenant: str, system_id: str, event_type: str) -> str:
    """`mgov.ingest.<tenant>.<system>.<type tokens>`, e.g. ...case.status_changed.v1."""
    return f"{INGEST_PREFIX}.{tenant}.{system_id}.{event_type.removeprefix('mgov.')}"


def parse_ingest_subject(subject: str) -> tuple[str, str] | None:
    """(tenant, system id) of an ingest or accepted subject, None when it is neither."""
    parts = subject.split(".")
    if len(parts) < 5 or parts[0] != "mgov" or parts[1] not in ("ingest", "accepted"):
        return None
    return parts[2], parts[3]


def type_of_subject(subject: str) -> str | None:
    """The event type an ingest or accepted subject names (`...case.status_changed.v1` →
    `mgov.case.status_changed.v1`), None when it names no type systems publish. The
    type decides which service applies the event (`ingest_consumer`)."""
    parts = subject.split(".")
    if parse_ingest_subject(subject) is None or len(parts) < 6:
        return None
    event_type = "mgov." + ".".join(parts[4:])
    return event_type if event_type in SCHEMAS else None


def accepted_filter(event_type: str) -> str:
    """The accepted subjects of one type, every tenant and system: a consumer's filter."""
    return f"{ACCEPTED_PREFIX}.*.*.{event_type.removeprefix('mgov.')}"


def accepted_subject(subject: str) -> str:
    """mgov.ingest.<t>.<s>.<...> → mgov.accepted.<t>.<s>.<...> (where it is stored)."""
    return ACCEPTED_PREFIX + subject.removeprefix(INGEST_PREFIX)


def published_subject(subject: str) -> str:
    """mgov.accepted.<t>.<s>.<...> → the subject the system published on."""
    return INGEST_PREFIX + subject.removeprefix(ACCEPTED_PREFIX) if subject.startswith(ACCEPTED_PREFIX + ".") else subject


def source_of(tenant: str, system_id: str) -> str:
    return f"tenant/{tenant}/{system_id}"


@dataclass(frozen=True)
class Accepted:
    event: CloudEvent
    tenant: str
    system_id: str


def parse(raw: bytes | bytearray | str) -> Any:
    """The JSON of an event, refused when larger than MAX_EVENT_BYTES or deeper than
    safejson.MAX_DEPTH (measured before parsing) or not JSON."""
    try:
        return safejson.loads(raw, max_bytes=MAX_EVENT_BYTES)
    except safejson.UnsafeJson as exc:
        if exc.code == "too_large":
            raise Refused(f"an event is at most {MAX_EVENT_BYTES // 1024} KiB", "payload_too_large", 413) from None
        if exc.code == "too_deep":
            raise Refused(f"the event {exc}", "json_too_deep", 422) from None
        raise Refused(f"envelope is {exc}", "invalid_envelope", 400) from None


def check(raw: bytes | bytearray | str | dict[str, Any], *, tenant: str, system_id: str, allowed_types: frozenset[str] | set[str] | tuple[str, ...]) -> Accepted:
    """Validate an event of system `system_id` of `tenant` (both from the credential)."""
    obj = parse(raw) if isinstance(raw, (bytes, bytearray, str)) else raw
    if isinstance(obj, dict):
        claimed = obj.get("tenant")
        if claimed is not None and claimed != tenant:
            raise Refused(f"the event claims tenant {claimed!r}; this credential is of {tenant!r}", "tenant_mismatch", 403)
        src = obj.get("source")
        if isinstance(src, str) and src.startswith("tenant/") and src != source_of(tenant, system_id):
            raise Refused(f"source must be {source_of(tenant, system_id)!r} (the credential's), not {src!r}", "source_mismatch", 403)
        if "tenant" not in obj:
            obj = {**obj, "tenant": tenant}
    try:
        event = CloudEvent.parse(obj)
    except EnvelopeError as exc:
        raise Refused(str(exc), "invalid_envelope", 400) from None
    if event.source != source_of(tenant, system_id):
        raise Refused(f"source must be {source_of(tenant, system_id)!r}", "source_mismatch", 403)
    if event.type not in SCHEMAS:
        raise Refused(f"{event.type} is not an event type systems publish ({', '.join(INGEST_TYPES)})", "unknown_type", 422)
    require_granted(event.type, allowed_types)
    if event.type in SUBJECT_REQUIRED and not event.subject:
        raise Refused(f"{event.type} needs `subject` (the case id)", "subject_required", 422)
    if event.type in (CASE_STATUS_CHANGED, REPORT_ACTION):
        try:
            uuid.UUID(str(event.subject))
        except ValueError:
            raise Refused("subject must be the case (application) or report id", "invalid_subject", 422) from None
    errors = sorted(_VALIDATORS[event.type].iter_errors(event.data), key=lambda e: list(e.path))
    if errors:
        detail = "; ".join(f"data{''.join(f'[{p!r}]' for p in e.path)}: {e.message}" for e in errors[:5])
        raise Refused(f"data does not match the schema of {event.type}: {detail}", "invalid_data", 422)
    return Accepted(event, tenant, system_id)


def TENANT_OK(value: str) -> bool:  # noqa: N802 - reads like the constant pattern it checks
    from mgov_common.events.envelope import TENANT_RE

    return bool(TENANT_RE.match(value))
