"""Which service calls which at run time, read from the gRPC stubs each one's code
imports: identity, catalog and workflow never call each other in a cycle (tenant
systems' events reach workflow and catalog through the bus, not from identity)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "catalog", "workflow", "notify")
STUB = re.compile(r"mgov\.(\w+)\.v1 import [^\n]*_pb2_grpc|(\w+)_pb2_grpc\.(\w+)Stub")


def calls(service: str) -> set[str]:
    """The other services whose client stubs `service`'s code imports."""
    found: set[str] = set()
    for path in (ROOT / "services" / service).rglob("*.py"):
        for m in STUB.finditer(path.read_text(encoding="utf-8")):
            target = m.group(1) or m.group(2)
            if target in SERVICES and target != service:
                found.add(target)
    return found


def test_identity_calls_neither_workflow_nor_catalog() -> None:
    assert not calls("identity") & {"workflow", "catalog"}, calls("identity")


def test_identity_catalog_and_workflow_call_each_other_in_no_cycle() -> None:
    graph = {s: calls(s) & {"identity", "catalog", "workflow"} for s in ("identity", "catalog", "workflow")}
    assert graph["workflow"] >= {"catalog", "identity"}, graph  # the reader sees real edges

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph[start])

    assert not [s for s in graph if reaches(s, s)], graph
