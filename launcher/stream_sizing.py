"""The platform's JetStream streams on this machine's disk: sized to fit, refused clearly.

A NATS server lets its streams reserve at most its `max_file_store`, which by default
is 75 % of the disk space free when the server started; a stream whose `max_bytes`
does not fit is refused ("insufficient storage resources available"). The streams'
default limits (3.5 GiB in all) fit a laptop with room to spare, but not a nearly full
disk, nor a test machine running several platforms side by side.

So with embedded servers `mgov up` scales the limits nobody chose down to half the
free space (a floor of 8 MiB each) and hands the services the same figures: each
service brings the streams up to date when it starts, and a larger figure there would
be refused. Limits an operator set (`MGOV_STREAM_MAX_BYTES_*`) are kept as given; if
they do not fit, startup stops at once with a message that names them, instead of
retrying until the ready timeout and ending with the server's terse refusal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import replace

from mgov_common.events.streams import MIB, StreamOptions

log = logging.getLogger("mgov")

# StreamOptions field → the environment variable that sets it.
LIMITS = {
    "events_max_bytes": "MGOV_STREAM_MAX_BYTES_EVENTS",
    "dlq_max_bytes": "MGOV_STREAM_MAX_BYTES_DLQ",
    "ingest_max_bytes": "MGOV_STREAM_MAX_BYTES_INGEST",
    "rejected_max_bytes": "MGOV_STREAM_MAX_BYTES_REJECTED",
}
SHARE_OF_FREE = 0.5
FLOOR = 8 * MIB
# JetStream's error code for a stream that does not fit the server's storage.
NO_STORAGE = 10047


class NoRoomForStreams(RuntimeError):
    """The server has no room for the streams' limits: say which and what to do."""


def total(options: StreamOptions) -> int:
    return sum(int(getattr(options, f)) for f in LIMITS)


def fit_to_disk(options: StreamOptions, free_bytes: int, explicit: Collection[str]) -> StreamOptions:
    """`options` with the limits not named in `explicit` (environment variable names)
    scaled down, in proportion, so that all of them together take at most half of
    `free_bytes`; unchanged when they already fit."""
    chosen = [f for f, env in LIMITS.items() if env in explicit]
    flexible = [f for f in LIMITS if f not in chosen]
    budget = int(free_bytes * SHARE_OF_FREE) - sum(int(getattr(options, f)) for f in chosen)
    asked = sum(int(getattr(options, f)) for f in flexible)
    if not flexible or asked <= budget:
        return options
    scale = max(budget, 0) / asked
    return replace(options, **{f: max(FLOOR, int(getattr(options, f) * scale)) for f in flexible})


def limits_env(options: StreamOptions) -> dict[str, str]:
    """The services' environment for the same limits."""
    return {env: str(int(getattr(options, f))) for f, env in LIMITS.items()}


def describe(options: StreamOptions) -> str:
    parts = ", ".join(f"{f.removesuffix('_max_bytes')} {int(getattr(options, f)) / MIB:.0f} MiB" for f in LIMITS)
    return f"{total(options) / MIB:.0f} MiB in all ({parts})"


def no_room(options: StreamOptions, reason: str) -> NoRoomForStreams:
    names = ", ".join(LIMITS.values())
    return NoRoomForStreams(f"JetStream has no room for the streams: they ask for {describe(options)} and the NATS server "
                            f"refused ({reason}). Free disk space where NATS stores its data, or set lower limits: {names}")


async def ensure_platform_streams(nats_url: str, options: StreamOptions, timeout: float) -> None:
    """Create the streams, waiting for a new cluster to elect its JetStream leader first;
    a refusal for want of storage is final."""
    from nats.js.errors import APIError

    from mgov_common.bus import connect_nats
    from mgov_common.events.streams import ensure_streams
    from mgov_common.retry import Backoff

    nc = await connect_nats(nats_url, "mgov-up")
    try:
        backoff, deadline = Backoff(base=0.1, cap=1.0), time.monotonic() + timeout
        while True:
            try:
                await ensure_streams(nc.jetstream(), options=options)
                return
            except (APIError, TimeoutError) as exc:  # ServiceUnavailableError is an APIError
                if isinstance(exc, APIError) and exc.err_code == NO_STORAGE:
                    raise no_room(options, exc.description or str(exc)) from exc
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JetStream did not accept the streams: {exc}") from exc
            await backoff.sleep()
    finally:
        await nc.close()
