"""Admission of tenant systems' events (mgov_common.ingest_admission) on a real NATS
server: message ids scoped to the tenant and system, quotas per system, refusals
answered to the publisher and recorded in the rejected stream."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import nats.js.errors
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from mgov_common import ingest
from mgov_common.events.streams import INGEST_STREAM, REJECTED_STREAM
from mgov_common.ingest_admission import Admission
from mgov_common.quota import Quotas


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def admission(nc: NATS, js: JetStreamContext, clock: Clock) -> AsyncIterator[Admission]:
    a = Admission(nc, Quotas(events_per_s=2, burst=3, bytes_per_day=4096), clock=clock)
    await a.start()
    try:
        yield a
    finally:
        await a.stop()


def subject(tenant: str, system: str) -> str:
    return ingest.ingest_subject(tenant, system, ingest.NOTICE_PUBLISHED)


async def test_the_same_message_id_from_two_tenants_systems_is_two_events(admission: Admission, js: JetStreamContext, tenant: str) -> None:
    hz, nb = (f"{tenant}a", str(uuid.uuid4())), (f"{tenant}b", str(uuid.uuid4()))
    shared = str(uuid.uuid4())
    first = await js.publish(subject(*hz), b'{"n": 1}', headers={"Nats-Msg-Id": shared})
    other = await js.publish(subject(*nb), b'{"n": 2}', headers={"Nats-Msg-Id": shared})
    again = await js.publish(subject(*hz), b'{"n": 1}', headers={"Nats-Msg-Id": shared})
    assert (first.duplicate, other.duplicate, again.duplicate) == (False, False, True)
    assert first.stream == INGEST_STREAM and other.seq == first.seq + 1
    stored = await js.get_msg(INGEST_STREAM, other.seq)
    assert stored.subject == ingest.accepted_subject(subject(*nb)) and stored.data == b'{"n": 2}'


async def test_a_system_over_its_rate_is_refused_with_the_wait_and_the_refusal_is_recorded(
        admission: Admission, js: JetStreamContext, tenant: str, clock: Clock) -> None:
    system = str(uuid.uuid4())
    for n in range(3):  # the burst
        await js.publish(subject(tenant, system), b"{}", headers={"Nats-Msg-Id": f"e{n}"})
    with pytest.raises(nats.js.errors.APIError) as refused:
        await js.publish(subject(tenant, system), b"{}", headers={"Nats-Msg-Id": "e3"})
    assert refused.value.code == 429 and "2 events per second" in str(refused.value.description)
    other = str(uuid.uuid4())  # another system of the tenant has its own quota
    await js.publish(subject(tenant, other), b"{}")
    clock.now += 0.5  # one token back
    await js.publish(subject(tenant, system), b"{}", headers={"Nats-Msg-Id": "e3"})
    last = await js.get_last_msg(REJECTED_STREAM, f"{ingest.REJECTED_PREFIX}.{tenant}.{system}")
    assert last.headers["Mgov-Error-Code"] == "quota_exceeded" and last.headers["Mgov-Event-Id"] == "e3"


async def test_bytes_per_day_and_size_are_bounded(admission: Admission, nc: NATS, js: JetStreamContext, tenant: str, clock: Clock) -> None:
    system = str(uuid.uuid4())
    await js.publish(subject(tenant, system), b"x" * 3000)
    reply = await nc.request(subject(tenant, system), b"x" * 2000, timeout=5)
    answer = json.loads(reply.data)
    assert (answer["error"]["code"], answer["mgov"]["code"]) == (429, "quota_exceeded") and 0 < answer["mgov"]["retry_after_s"] <= 86400
    clock.now += 86400  # the next UTC day
    await js.publish(subject(tenant, system), b"x" * 2000)
    too_big = await nc.request(subject(tenant, system), b"x" * (ingest.MAX_EVENT_BYTES + 1), timeout=5)
    assert json.loads(too_big.data)["mgov"]["code"] == "payload_too_large"
    last = await js.get_last_msg(REJECTED_STREAM, f"{ingest.REJECTED_PREFIX}.{tenant}.{system}")
    assert last.headers["Mgov-Error-Code"] == "payload_too_large" and len(last.data) == 1024  # only a KiB is kept


async def test_a_subject_naming_no_type_systems_publish_is_refused_at_once(admission: Admission, nc: NATS, js: JetStreamContext,
                                                                         tenant: str) -> None:
    """No service consumes it, so storing it would leave it unread: the system hears why now."""
    system = str(uuid.uuid4())
    unknown = f"{ingest.INGEST_PREFIX}.{tenant}.{system}.anything.else.v1"
    answer = json.loads((await nc.request(unknown, b"{}", headers={"Nats-Msg-Id": "e1"}, timeout=5)).data)
    assert (answer["error"]["code"], answer["mgov"]["code"]) == (422, "unknown_type")
    last = await js.get_last_msg(REJECTED_STREAM, f"{ingest.REJECTED_PREFIX}.{tenant}.{system}")
    assert last.headers["Mgov-Error-Code"] == "unknown_type" and last.headers["Mgov-Original-Subject"] == unknown
    with pytest.raises(nats.js.errors.NotFoundError):
        await js.get_last_msg(INGEST_STREAM, ingest.accepted_subject(unknown))


async def test_every_stream_is_bounded_in_bytes(js: JetStreamContext) -> None:
    from mgov_common.events.streams import platform_streams

    for cfg in platform_streams():
        info = await js.stream_info(cfg.name)
        assert info.config.max_bytes and info.config.max_bytes > 0, cfg.name
