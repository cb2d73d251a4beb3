"""The JetStream streams every process relies on, created or brought up to date idempotently."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from mgov_common import metrics

log = logging.getLogger(__name__)

EVENTS_STREAM = "MGOV_EVENTS"
DLQ_STREAM = "MGOV_DLQ"
DLQ_SUBJECT_PREFIX = "mgov.dlq"
# What tenant systems published (mgov.ingest.<tenant>.<system>.<...>) and admission
# accepted (stored as mgov.accepted.<...>), and the events of theirs that were refused,
# per tenant (mgov.rejected.<tenant>.<system>), with the reason.
INGEST_STREAM = "MGOV_INGEST"
REJECTED_STREAM = "MGOV_REJECTED"

# Re-sent events (a relay crash between publish and commit) are dropped by JetStream
# when they arrive within this window; the relay retries well within it.
DUPLICATE_WINDOW_S = 600.0
DAY_S = 86400.0


MIB = 1024 * 1024


@dataclass(frozen=True)
class StreamOptions:
    """How long and how much each stream keeps. Every stream is bounded in bytes too:
    the oldest messages go first when one is full. JetStream reserves these
    sizes on disk at creation; the defaults fit a laptop, operators set their own
    (`MGOV_STREAM_MAX_BYTES_*`)."""

    replicas: int = 1
    events_max_age_s: float = 30 * DAY_S
    dlq_max_age_s: float = 90 * DAY_S
    ingest_max_age_s: float = 7 * DAY_S
    rejected_max_age_s: float = 30 * DAY_S
    events_max_bytes: int = 2048 * MIB
    dlq_max_bytes: int = 256 * MIB
    ingest_max_bytes: int = 1024 * MIB
    rejected_max_bytes: int = 256 * MIB


def platform_streams(opts: StreamOptions = StreamOptions()) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=EVENTS_STREAM,
            description="Platform events, mgov.evt.<tenant>.<service>.<entity>.<verb>",
            subjects=["mgov.evt.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=opts.events_max_age_s,
            max_bytes=opts.events_max_bytes,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=opts.replicas,
            discard=DiscardPolicy.OLD,
        ),
        StreamConfig(
            name=DLQ_STREAM,
            description="Messages a consumer gave up on, with the error in headers",
            subjects=[f"{DLQ_SUBJECT_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=opts.dlq_max_age_s,
            max_bytes=opts.dlq_max_bytes,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=opts.replicas,
            discard=DiscardPolicy.OLD,
        ),
        StreamConfig(
            name=INGEST_STREAM,
            description="Admitted events of tenant systems, mgov.accepted.<tenant>.<system>.<...>; Nats-Msg-Id = <tenant>.<system>.<id>",
            subjects=["mgov.accepted.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=opts.ingest_max_age_s,
            max_bytes=opts.ingest_max_bytes,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=opts.replicas,
            discard=DiscardPolicy.OLD,
        ),
        StreamConfig(
            name=REJECTED_STREAM,
            description="Refused events of tenant systems, mgov.rejected.<tenant>.<system>, reason in headers",
            subjects=["mgov.rejected.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=opts.rejected_max_age_s,
            max_bytes=opts.rejected_max_bytes,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=opts.replicas,
            discard=DiscardPolicy.OLD,
        ),
    ]


async def ensure_streams(js: JetStreamContext, configs: list[StreamConfig] | None = None, *,
                         options: StreamOptions | None = None) -> None:
    for cfg in configs or platform_streams(options or StreamOptions()):
        try:
            await js.stream_info(cfg.name)
        except NotFoundError:
            await js.add_stream(cfg)
            log.info("created stream", extra={"stream": cfg.name})
        else:
            await js.update_stream(cfg)


async def observe_dlq(js: JetStreamContext) -> None:
    """Set `mgov_dlq_messages`: the dead-lettered events waiting for someone to look."""
    info = await js.stream_info(DLQ_STREAM)
    metrics.DLQ_MESSAGES.labels(DLQ_STREAM).set(info.state.messages)
