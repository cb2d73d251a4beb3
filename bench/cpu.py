"""CPU milliseconds per request, per platform process: what a request really costs.

Requests per second on a shared, loaded machine say as much about the neighbours as
about the code; the CPU time a fixed load adds to each process does not. So a bench
takes a `CpuMeter` over the process tree of the `mgov up` it started (the launcher,
every service, the gateway, PostgreSQL's postmaster and its backends, nats-server),
snapshots it, runs its fixed load, waits until the event consumers have drained what
the load caused (`wait_drained`), snapshots again, and divides by the requests:

    meter = CpuMeter.of_tree(up.pid, extra={"bare": [bare.pid]})
    idle = meter.idle_rates(3.0)
    before = meter.snapshot()
    ... fixed load of n requests ...
    _loop(wait_drained(nats_url))
    cost = meter.since(before, n, idle)  # CpuCost: {"gateway": 0.41, ..., "total": 0.9}
    print(format_cost_table({"cached read": cost}))

What the platform burns while idle (health checks, metrics samplers, timers: a few
milliseconds a second per process) is not the load's: `idle_rates` measures it, with
nothing running, and `since(..., idle=rates)` subtracts it over the load's wall time.
Without that a slow run (a loaded machine) would charge each request a larger share
of the background.

A process's figure is utime+stime+cutime+cstime from /proc/<pid>/stat: a PostgreSQL
backend that exits during the load hands its time to the postmaster's cutime when it
is reaped, so nothing is lost or counted twice. Processes are grouped by role (the
module a Python process runs, the executable's name otherwise). The tree is walked
again at each snapshot, so backends started during the load are counted too.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
# Display order; roles not listed here come after, alphabetically.
ROLE_ORDER = ("gateway", "identity", "catalog", "workflow", "notify", "postgres", "nats-server", "launcher")


def role_of(cmdline: list[str], name: str) -> str:
    """`python -m services.catalog` -> catalog, `python -m gateway` -> gateway, postgres
    backends (whose title is rewritten to `postgres: ...`) -> postgres."""
    if "-m" in cmdline:
        i = cmdline.index("-m")
        if i + 1 < len(cmdline):
            module = cmdline[i + 1]
            return module.removeprefix("services.").split(".")[0]
    first = Path(cmdline[0]).name if cmdline else name
    if first.startswith("postgres") or name.startswith("postgres"):
        return "postgres"
    if "nats-server" in first or name.startswith("nats-server"):
        return "nats-server"
    if any(Path(a).name == "mgov" for a in cmdline[:2]):
        return "launcher"
    return first or name


def cpu_seconds(pid: int) -> float | None:
    """utime+stime+cutime+cstime of a process (None once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # Fields after the command name (which may contain spaces and parentheses).
    fields = stat[stat.rindex(b")") + 2:].split()
    # state is fields[0]; utime, stime, cutime, cstime are stat fields 14-17.
    return sum(int(f) for f in fields[11:15]) * TICK_S


@dataclass
class CpuCost:
    """CPU milliseconds per request by role, and their `total`."""

    requests: int
    wall_s: float
    ms_per_request: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(self.ms_per_request.values()), 3)

    def as_json(self) -> dict[str, float]:
        return {**self.ms_per_request, "total": self.total}


@dataclass
class CpuMeter:
    """The processes to meter: the tree under `root` plus `extra` pids by role."""

    root: int | None = None
    extra: Mapping[str, Iterable[int]] = field(default_factory=dict)

    @classmethod
    def of_tree(cls, root: int, extra: Mapping[str, Iterable[int]] | None = None) -> CpuMeter:
        return cls(root, {k: list(v) for k, v in (extra or {}).items()})

    def processes(self) -> dict[int, str]:
        """pid -> role of every live process metered now."""
        found: dict[int, str] = {}
        if self.root is not None:
            try:
                top = psutil.Process(self.root)
                for proc in [top, *top.children(recursive=True)]:
                    try:
                        found[proc.pid] = role_of(proc.cmdline(), proc.name())
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
            except psutil.NoSuchProcess:
                pass
        for role, pids in self.extra.items():
            for pid in pids:
                found[pid] = role
        return found

    def snapshot(self) -> dict[int, tuple[str, float]]:
        snap: dict[int, tuple[str, float]] = {}
        for pid, role in self.processes().items():
            cpu = cpu_seconds(pid)
            if cpu is not None:
                snap[pid] = (role, cpu)
        snap[-1] = ("_wall", time.monotonic())
        return snap

    def idle_rates(self, seconds: float) -> dict[str, float]:
        """CPU seconds per second by role with no load (call with nothing running)."""
        before = self.snapshot()
        time.sleep(seconds)
        cost = self.since(before, 1)
        return {role: ms / 1000 / cost.wall_s for role, ms in cost.ms_per_request.items()}

    def since(self, before: dict[int, tuple[str, float]], requests: int, idle: Mapping[str, float] | None = None) -> CpuCost:
        """CPU ms per request by role between `before` and now, less the idle rate of
        each role (`idle_rates`) over the same wall time.

        A pid present only now started during the load and counts from zero; a pid gone
        by now was reaped and its time is in its parent's cutime (the delta of the
        parent covers it, minus what it had used before, subtracted here)."""
        after = self.snapshot()
        wall = after[-1][1] - before[-1][1]
        by_role: dict[str, float] = {}
        for pid, (role, cpu) in after.items():
            if pid == -1:
                continue
            by_role[role] = by_role.get(role, 0.0) + cpu - before.get(pid, (role, 0.0))[1]
        for pid, (role, cpu) in before.items():
            if pid != -1 and pid not in after:
                by_role[role] = by_role.get(role, 0.0) - cpu
        idle = idle or {}
        ms = {role: round(max(0.0, s - idle.get(role, 0.0) * wall) * 1000 / max(1, requests), 3) for role, s in by_role.items()}
        ordered = {r: ms[r] for r in ROLE_ORDER if r in ms}
        ordered.update({r: ms[r] for r in sorted(ms) if r not in ordered})
        return CpuCost(requests, round(wall, 3), ordered)


async def wait_drained(nats_url: str, *, timeout: float = 60.0, settle_s: float = 0.3) -> bool:
    """Until every JetStream consumer of every stream has nothing pending or unacknowledged
    in two successive looks `settle_s` apart (outbox relays may still be publishing what
    the load wrote). False when `timeout` passes first."""
    import nats

    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        js = nc.jsm()
        deadline = time.monotonic() + timeout
        quiet = 0
        last: tuple[int, ...] | None = None
        while time.monotonic() < deadline:
            pending = 0
            seqs: list[int] = []
            for stream in await js.streams_info():
                seqs.append(stream.state.last_seq)
                for consumer in await js.consumers_info(stream.config.name):
                    pending += (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
            state = tuple(seqs)
            quiet = quiet + 1 if pending == 0 and state == last else 0
            if quiet >= 2:
                return True
            last = state
            await asyncio.sleep(settle_s)
        return False
    finally:
        await nc.close()


def format_cost_table(costs: Mapping[str, CpuCost], reference: Mapping[str, CpuCost] | None = None) -> str:
    """Roles as rows, one column per measurement (and per reference), CPU ms per request."""
    columns = {**costs, **(reference or {})}
    roles: list[str] = []
    for cost in columns.values():
        roles += [r for r in cost.ms_per_request if r not in roles]
    width = max([14, *(len(n) for n in columns)])
    lines = [f"  {'CPU ms/request':<14} " + " ".join(f"{n:>{width}}" for n in columns)]
    for role in roles:
        cells = [f"{c.ms_per_request[role]:>{width}.3f}" if role in c.ms_per_request else f"{'-':>{width}}" for c in columns.values()]
        lines.append(f"  {role:<14} " + " ".join(cells))
    lines.append(f"  {'total':<14} " + " ".join(f"{c.total:>{width}.3f}" for c in columns.values()))
    return "\n".join(lines)
