"""A background loop of a service that dies is logged with its traceback and restarted,
never a silent end and never a reason to stop serving (mgov_common.runtime.keep_running)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from mgov_common.retry import Backoff
from mgov_common.runtime import keep_running


async def test_a_loop_that_raises_or_returns_is_logged_and_started_again(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []
    third = asyncio.Event()

    async def loop() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RecursionError("maximum recursion depth exceeded")
        if len(runs) == 2:
            return
        third.set()
        await asyncio.Event().wait()

    caplog.set_level(logging.ERROR, logger="mgov_common.runtime")
    task = asyncio.create_task(keep_running("consumer-x", loop, backoff=Backoff(base=0.001, cap=0.002)))
    try:
        await asyncio.wait_for(third.wait(), 5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled(), "cancellation (shutdown) passes through"
    died, ended = caplog.records[0], caplog.records[1]
    assert died.getMessage() == "background task died; restarting it" and died.exc_info and died.exc_info[0] is RecursionError
    assert ended.getMessage() == "background task ended; restarting it"
