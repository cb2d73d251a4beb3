"""What a tenant system's event must be (mgov_common.ingest) and the NATS permissions of a system."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from mgov_common import ingest
from services.identity.adapters.nats_auth import public_url, system_permissions
from services.identity.adapters.system_repository import SystemRecord
from services.identity.service_layer.webhooks import sign

SYS = str(uuid.uuid4())
ALL = frozenset(ingest.INGEST_TYPES)


def ev(**over: object) -> dict[str, object]:
    base: dict[str, object] = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"tenant/hangzhou/{SYS}",
                               "type": ingest.CASE_STATUS_CHANGED, "subject": str(uuid.uuid4()), "time": datetime.now(UTC).isoformat(),
                               "data": {"action": "accept", "comment": "ok"}, "tenant": "hangzhou"}
    base.update(over)
    return base


def refused(raw: object, allowed: frozenset[str] = ALL) -> ingest.Refused:
    with pytest.raises(ingest.Refused) as info:
        ingest.check(raw, tenant="hangzhou", system_id=SYS, allowed_types=allowed)  # type: ignore[arg-type]
    return info.value


def test_a_valid_event_is_attributed_to_the_credential() -> None:
    raw = ev()
    del raw["tenant"]  # the tenant comes from the credential
    got = ingest.check(raw, tenant="hangzhou", system_id=SYS, allowed_types=ALL)
    assert got.event.tenant == "hangzhou" and got.system_id == SYS


@pytest.mark.parametrize(("raw", "code", "status"), [
    (ev(tenant="ningbo"), "tenant_mismatch", 403),
    (ev(source=f"tenant/ningbo/{SYS}"), "source_mismatch", 403),
    (ev(source="mgov/workflow"), "source_mismatch", 403),
    (ev(type="mgov.workflow.application.submitted.v1"), "unknown_type", 422),
    (ev(data={"action": "accept", "extra": 1}), "invalid_data", 422),
    (ev(data={"comment": "no action"}), "invalid_data", 422),
    (ev(subject="not-a-case-id"), "invalid_subject", 422),
    (ev(subject=None), "subject_required", 422),
    (ev(specversion="0.3"), "invalid_envelope", 400),
    (b"{not json", "invalid_envelope", 400),
])
def test_refusals_name_the_reason(raw: object, code: str, status: int) -> None:
    if isinstance(raw, dict) and raw.get("subject") is None:
        raw.pop("subject", None)
    err = refused(raw)
    assert (err.code, err.status) == (code, status)


def test_a_type_the_system_did_not_register_is_refused() -> None:
    assert refused(ev(), frozenset({ingest.NOTICE_PUBLISHED})).code == "type_not_allowed"


def test_subjects() -> None:
    subject = ingest.ingest_subject("hangzhou", SYS, ingest.CASE_STATUS_CHANGED)
    assert subject == f"mgov.ingest.hangzhou.{SYS}.case.status_changed.v1"
    assert ingest.parse_ingest_subject(subject) == ("hangzhou", SYS)
    assert ingest.parse_ingest_subject("mgov.evt.hangzhou.x.y") is None


def test_the_subject_names_the_type_that_decides_who_applies_an_event() -> None:
    for event_type in ingest.INGEST_TYPES:
        published = ingest.ingest_subject("hangzhou", SYS, event_type)
        assert ingest.type_of_subject(published) == event_type
        assert ingest.type_of_subject(ingest.accepted_subject(published)) == event_type
    assert ingest.accepted_filter(ingest.CASE_STATUS_CHANGED) == "mgov.accepted.*.*.case.status_changed.v1"
    for subject in (f"mgov.ingest.hangzhou.{SYS}.anything.else.v1", f"mgov.ingest.hangzhou.{SYS}",
                    f"mgov.ingest.hangzhou.{SYS}.case.status_changed.v1.extra", "mgov.evt.hangzhou.case.status_changed.v1"):
        assert ingest.type_of_subject(subject) is None, subject


def test_a_system_user_may_use_only_its_own_subjects() -> None:
    sid = uuid.uuid4()
    s = SystemRecord(sid, "xihu", "x", (ingest.NOTICE_PUBLISHED,), "sys-a", "h", "sys-a", "$2b$10$hash", None, None, None, "active", 1,
                     datetime.now(UTC), None, None)
    assert system_permissions(s) == {"pub": {"allow": [f"mgov.ingest.xihu.{sid}.>"]},
                                     "sub": {"allow": ["mgov.evt.xihu.>", "_INBOX.sys-a.>"]}}


def test_systems_are_told_the_url_without_the_platforms_credentials() -> None:
    assert public_url("nats://mgov:secret@10.0.0.5:4222") == "nats://10.0.0.5:4222"


def test_systems_are_told_every_node_of_a_cluster() -> None:
    cluster = "nats://mgov:s@nats-0.nats:4222, nats://mgov:s@nats-1.nats:4222,tls://mgov:s@[fd00::3]:4223"
    assert public_url(cluster) == "nats://nats-0.nats:4222,nats://nats-1.nats:4222,tls://[fd00::3]:4223"


def test_webhook_signature_covers_timestamp_and_body() -> None:
    assert sign("k", "1700000000", b"{}") != sign("k", "1700000001", b"{}")
    assert sign("k", "1700000000", b"{}").startswith("sha256=") and len(sign("k", "1", b"")) == 7 + 64


def test_a_deeply_nested_event_is_refused_not_a_crash() -> None:
    poison = "[" * 50000 + "]" * 50000
    assert (refused(poison).code, refused(poison).status) == ("json_too_deep", 422)
    # Brackets inside a string are text: this one reaches the schema check, which refuses `x`.
    assert refused(json.dumps(ev(data={"action": "accept", "x": "[" * 10000}))).code == "invalid_data"


def test_an_event_larger_than_the_limit_is_refused_before_parsing() -> None:
    big = ev(data={"action": "accept", "comment": "x" * ingest.MAX_EVENT_BYTES})
    got = refused(json.dumps(big).encode())
    assert (got.code, got.status) == ("payload_too_large", 413)
