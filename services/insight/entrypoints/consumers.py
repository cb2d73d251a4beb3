"""What insight reads from the bus: the platform's events (MGOV_EVENTS) and the tenant
systems' accepted events (MGOV_INGEST, only as signs of life). Each handler runs in the
consumer's transaction, which records the event id."""

from __future__ import annotations

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.streams import INGEST_STREAM
from services.insight.service_layer.project import EVENT_SUBJECTS, INGEST_SUBJECTS

EVENTS = ConsumerSpec("insight-events", list(EVENT_SUBJECTS))
INGEST = ConsumerSpec("insight-ingest", list(INGEST_SUBJECTS), stream=INGEST_STREAM)
