"""Keeps the platform's processes running: start, restart with backoff, stop in order.

The embedded servers (NATS, PostgreSQL) are supervised the same way as the services:
a spec's `prepare` runs before every start (a server clears what its crash left), so
a server that dies comes back on the same data. Restarts wait a capped, jittered
backoff (`mgov_common.retry.Backoff`) that starts over once a child has run a while.

Children run in their own session (the terminal's Ctrl-C reaches only `mgov up`, which
then stops them gateway-first) and get SIGTERM from the kernel if the supervisor
itself dies (PR_SET_PDEATHSIG), so no process is left behind either way.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from mgov_common.retry import Backoff

log = logging.getLogger("mgov.supervisor")

HealthProbe = Callable[[], Awaitable[bool]]
_PR_SET_PDEATHSIG = 1
# A child that ran this long before dying starts its backoff over.
STABLE_AFTER_S = 30.0


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    health: HealthProbe
    log_file: Path
    # Runs (in a thread) before every start; an error there is retried like an exit.
    prepare: Callable[[], None] | None = None
    # subprocess keyword arguments such as user/group (a server run as its system user).
    run_as: dict[str, object] = field(default_factory=dict)
    stop_signal: int = signal.SIGTERM
    stop_grace_s: float = 10.0


@dataclass
class Supervised:
    spec: ProcessSpec
    proc: asyncio.subprocess.Process | None = None
    restarts: int = 0
    stopping: bool = False
    started_at: float = 0.0
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def _spawn(self) -> None:
        if self.spec.prepare is not None:
            await asyncio.to_thread(self.spec.prepare)
        self.spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.spec.log_file, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.spec.argv,
                env=self.spec.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                **self.spec.run_as,  # type: ignore[arg-type]
            )
        finally:
            out.close()
        self.started_at = time.monotonic()

    async def start(self) -> None:
        await self._spawn()
        self._task = asyncio.create_task(self._watch(), name=f"watch-{self.spec.name}")

    async def _watch(self) -> None:
        backoff = Backoff(base=0.5, cap=30.0)
        while True:
            assert self.proc is not None
            reason = f"exited with code {await self.proc.wait()}"
            if self.stopping:
                return
            if time.monotonic() - self.started_at > STABLE_AFTER_S:
                backoff.reset()
            while True:
                self.restarts += 1
                delay = backoff.next_delay()
                log.warning(
                    f"{self.spec.name} {reason}; restarting in {delay:.1f}s "
                    f"(restart #{self.restarts}, log: {self.spec.log_file})"
                )
                await asyncio.sleep(delay)
                if self.stopping:
                    return
                try:
                    await self._spawn()
                    break
                except Exception as exc:  # noqa: BLE001 - a failed start is retried like an exit
                    reason = f"could not start ({exc})"
            log.info(f"{self.spec.name} restarted (pid {self.proc.pid})")

    async def stop(self) -> None:
        grace = self.spec.stop_grace_s
        self.stopping = True
        if self._task is not None:
            self._task.cancel()
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            proc.send_signal(self.spec.stop_signal)
            async with asyncio.timeout(grace):
                await proc.wait()
        except ProcessLookupError:
            return
        except TimeoutError:
            log.warning(f"{self.spec.name} did not stop within {grace:.0f}s; killing it")
            proc.kill()
            await proc.wait()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc and self.proc.returncode is None else None


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Supervised] = []
        self.healthy: set[str] = set()

    async def start(self, spec: ProcessSpec) -> Supervised:
        child = Supervised(spec)
        await child.start()
        self.children.append(child)
        log.info(f"started {spec.name} (pid {child.pid})")
        return child

    async def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {c.spec.name: c for c in self.children if c.spec.name not in self.healthy}
        while pending:
            results = await asyncio.gather(*(c.spec.health() for c in pending.values()), return_exceptions=True)
            for name, ok in zip(list(pending), results, strict=True):
                if ok is True:
                    log.info(f"{name} is healthy")
                    self.healthy.add(name)
                    del pending[name]
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(f"{n} (log: {c.spec.log_file})" for n, c in pending.items())
                raise TimeoutError(f"not healthy after {timeout:.0f}s: {names}")
            await asyncio.sleep(0.1)

    async def stop_all(self) -> None:
        """Stop in reverse start order: the gateway before the services it calls."""
        for child in reversed(self.children):
            await child.stop()
            log.info(f"stopped {child.spec.name}")
        self.children.clear()


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
