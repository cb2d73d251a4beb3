"""What insight reads from the bus: the platform's events (MGOV_EVENTS) and the tenant
systems' accepted events (MGOV_INGEST, only as signs of life). Each handler runs in the
consumer's transaction, which records the event id."""

from __future__ import annotations

from collections.abc import Sequence

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.streams import INGEST_STREAM
from services.insight.service_layer.project import EVENT_SUBJECTS, INGEST_SUBJECTS


def events_spec(durable: str = "insight-events", tenants: Sequence[str] = ("*",)) -> ConsumerSpec:
    """The platform events of `tenants` (all by default)."""
    return ConsumerSpec(durable, [s.replace("mgov.evt.*.", f"mgov.evt.{t}.", 1) for t in tenants for s in EVENT_SUBJECTS])


def ingest_spec(durable: str = "insight-ingest", tenants: Sequence[str] = ("*",)) -> ConsumerSpec:
    """The accepted events of `tenants`' systems (all by default)."""
    subjects = list(INGEST_SUBJECTS) if tuple(tenants) == ("*",) else [f"mgov.accepted.{t}.>" for t in tenants]
    return ConsumerSpec(durable, subjects, stream=INGEST_STREAM)


EVENTS = events_spec()
INGEST = ingest_spec()
