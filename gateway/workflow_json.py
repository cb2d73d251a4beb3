"""The mobile API's JSON for workflow resources (cases, tasks, ratings, definitions).

Messages become JSON with `mgov_common.protojson` (snake_case, enums as slugs, `*_time`
timestamps in RFC 3339 UTC with milliseconds; docs/api.md). ETags of cases
are their version, quoted; `If-Match` accepts `"3"`, `W/"3"` or `3`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from gateway import schemas
from gateway.limits import INT64_MAX, version_number
from gateway.problems import Problem
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov.workflow.v1 import workflow_pb2_grpc
from mgov_common import protojson

PRIVATE = "private, no-store"


def stub(backends: Any) -> workflow_pb2_grpc.WorkflowServiceStub:
    return backends.stub("workflow", workflow_pb2_grpc.WorkflowServiceStub)  # type: ignore[no-any-return]


def etag(version: int) -> str:
    return f'"{version}"'


def application_json(app: pb.Application) -> dict[str, Any]:
    body: dict[str, Any] = protojson.to_json(app)
    if not app.HasField("rating"):
        body["rating"] = None
    return body


def task_json(task: pb.Task) -> dict[str, Any]:
    return protojson.to_json(task)  # type: ignore[no-any-return]


def case_response(response: Response, app: pb.Application) -> dict[str, Any]:
    response.headers["ETag"] = etag(app.version)
    response.headers["Cache-Control"] = PRIVATE
    return application_json(app)


def expected_version(if_match: str | None) -> int:
    """The version an If-Match names; 0 when absent (the service answers 428)."""
    if if_match is None or not if_match.strip():
        return 0
    value = if_match.split(",")[0].strip()
    if value == "*":
        raise Problem(428, "precondition_required", "If-Match must name the version (the case's ETag) you are changing")
    version = version_number(value.removeprefix("W/").strip('"'), INT64_MAX)
    if not version:
        raise Problem(412, "stale_version", f"If-Match {value} does not match the case's ETag")
    return version


# The schemas of the views above (the OpenAPI document).
APPLICATION_SCHEMA = schemas.message(pb.Application.DESCRIPTOR, extra={
    "rating": {"anyOf": [schemas.ref(pb.Rating.DESCRIPTOR), {"type": "null"}]}})
# A row of a list: the case without its timeline, materials, actions and form.
APPLICATION_ROW_SCHEMA = schemas.message(pb.Application.DESCRIPTOR, only=tuple(
    f.name for f in pb.Application.DESCRIPTOR.fields if f.name not in ("timeline", "materials", "available_actions", "form")),
    extra={"rating": {"anyOf": [schemas.ref(pb.Rating.DESCRIPTOR), {"type": "null"}]}})
