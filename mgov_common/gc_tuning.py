"""Garbage collection tuned for a long-running server process.

A service or gateway process starts with some 100,000 long-lived objects (modules,
protobuf descriptors, FastAPI's routes and models, pydantic validators). CPython's
collector still walks all of them in every full (generation 2) collection, which the
default thresholds trigger every few thousand requests: measured, ~9 % of the gateway's
CPU under load was `gc_collect_main`, a full collection costing 50-140 ms on the 2-core
build machine. And at the default generation-0 threshold (700 allocations) the objects
of the ~50 requests in flight survive young collections, get promoted and are then
found dead only by the next full one.

`freeze_startup_heap()`, called once the process is serving, moves everything alive
into the permanent generation (`gc.freeze()`: never scanned again; startup objects live
as long as the process anyway) and raises the young threshold so that a request's
garbage dies young. Reference counting still frees almost everything at once; only
cycles wait for a collection, and memory stays bounded by the thresholds.
"""

from __future__ import annotations

import gc

# Allocations (net of deallocations) of container objects between young collections.
YOUNG_THRESHOLD = 20_000
MIDDLE_THRESHOLD = 10  # young collections between generation-1 collections (CPython's default)
OLD_THRESHOLD = 10  # generation-1 collections between full ones (CPython's default)


def freeze_startup_heap() -> None:
    """Collect once, freeze what survived, then collect young garbage less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
