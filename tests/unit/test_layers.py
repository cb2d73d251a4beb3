"""Layers keep their imports: a service's domain is pure Python (no gRPC, no database
driver), and every domain error maps to a real gRPC status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from mgov_common import errors

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = sorted(f"services.{p.parent.parent.name}.domain.{p.stem}" for p in ROOT.glob("services/*/domain/*.py") if p.stem != "__init__")


def test_every_domain_module_imports_neither_grpc_nor_the_database_driver() -> None:
    assert len(DOMAINS) > 20
    probe = ("import importlib, sys\n"
             f"for name in {DOMAINS!r}:\n    importlib.import_module(name)\n"
             "print(sorted(m for m in ('grpc', 'asyncpg', 'nats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"domain modules pulled in {out.strip()}"


@pytest.mark.parametrize("cls", [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.DomainError)])
def test_every_domain_error_names_a_grpc_status(cls: type[errors.DomainError]) -> None:
    assert grpc.StatusCode[cls.status] is not grpc.StatusCode.OK
