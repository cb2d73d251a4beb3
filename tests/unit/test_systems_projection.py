"""The systems projection's parser (mgov_common.systems): identity's system events are
read field by field, and one that breaks a rule is refused naming the field, the same
way in workflow and catalog."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mgov_common import ingest
from mgov_common.events.envelope import CloudEvent
from mgov_common.systems import BadSystemEvent, SystemNode, parse_system_event, system_data, system_from_data

pytestmark = pytest.mark.unit

SID = uuid.uuid4()
NODE = SystemNode(SID, "hangzhou", "不动产登记系统", frozenset({ingest.CASE_STATUS_CHANGED, ingest.NOTICE_PUBLISHED}), "active", 2)


def system_event(verb: str = "updated", *, tenant: str = "hangzhou", subject: str | None = str(SID), **changes: Any) -> CloudEvent:
    return CloudEvent.new(service="identity", entity="system", verb=verb, tenant=tenant, subject=subject,
                          data={**system_data(NODE), **changes})


def test_what_identity_publishes_is_read_back_as_the_same_system() -> None:
    assert system_from_data(system_data(NODE)) == NODE
    assert parse_system_event(system_event("registered")) == NODE
    revoked = parse_system_event(system_event("revoked", status="revoked"))
    assert revoked.status == "revoked" and not revoked.active


def test_the_data_carries_no_secret() -> None:
    assert set(system_data(NODE)) == {"id", "tenant_id", "name", "event_types", "status", "credentials_version"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"id": "sys-1"}, "id"),
    ({"id": None}, "id"),
    ({"tenant_id": "Hangzhou!"}, "tenant_id"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"event_types": []}, "event_types"),
    ({"event_types": ["mgov.workflow.application.submitted.v1"]}, "event_types"),
    ({"event_types": [ingest.CASE_STATUS_CHANGED, ingest.CASE_STATUS_CHANGED]}, "event_types"),
    ({"event_types": ingest.CASE_STATUS_CHANGED}, "event_types"),
    ({"status": "suspended"}, "status"),
    ({"credentials_version": 0}, "credentials_version"),
    ({"credentials_version": "2"}, "credentials_version"),
    ({"credentials_version": True}, "credentials_version"),
])
def test_every_field_is_checked_and_a_bad_one_is_named(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(BadSystemEvent, match=field):
        parse_system_event(system_event(**changes))


def test_data_that_is_no_object_is_refused() -> None:
    with pytest.raises(BadSystemEvent, match="object"):
        system_from_data(["not", "an", "object"])


def test_the_envelope_must_agree_with_the_data() -> None:
    with pytest.raises(BadSystemEvent, match="published for ningbo"):
        parse_system_event(system_event(tenant="ningbo"))
    with pytest.raises(BadSystemEvent, match="subject"):
        parse_system_event(system_event(subject=str(uuid.uuid4())))
    with pytest.raises(BadSystemEvent, match="cannot carry status"):
        parse_system_event(system_event("revoked"))  # still "active"
    with pytest.raises(BadSystemEvent, match="cannot carry status"):
        parse_system_event(system_event("updated", status="revoked"))
    tenant_event = CloudEvent.new(service="identity", entity="tenant", verb="updated", tenant="hangzhou", subject=str(SID),
                                  data=system_data(NODE))
    with pytest.raises(BadSystemEvent, match="not an identity system event"):
        parse_system_event(tenant_event)
