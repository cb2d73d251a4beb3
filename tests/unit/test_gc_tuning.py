"""A serving process freezes its startup heap so full collections stop walking it."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

PROBE = """
import gc
from mgov_common.gc_tuning import YOUNG_THRESHOLD, freeze_startup_heap
import gateway.app  # a realistic startup heap: FastAPI, pydantic, protobuf, grpc
assert gc.get_freeze_count() == 0
freeze_startup_heap()
print(gc.get_freeze_count(), gc.get_threshold()[0] == YOUNG_THRESHOLD)
"""


def test_freezing_the_startup_heap_leaves_no_startup_object_to_scan() -> None:
    # In a child process: freezing the test runner's own heap would change every test after.
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60).stdout.split()
    frozen, raised = int(out[0]), out[1]
    assert frozen > 10_000  # the imported modules' objects, now in the permanent generation
    assert raised == "True"


def test_the_gateway_and_every_service_freeze_once_serving() -> None:
    import inspect

    from gateway import app
    from mgov_common import runtime

    # Called after startup work (the server started, the gateway's backends made), not at import.
    assert "freeze_startup_heap()" in inspect.getsource(runtime.serve)
    assert "freeze_startup_heap()" in inspect.getsource(app.create_app)
