#!/usr/bin/env python3
"""Generate the committed gRPC/protobuf Python code from proto/**/*.proto.

    python tools/protogen.py           write generated code into proto/
    python tools/protogen.py --check   exit 1 if the committed code is stale

Every .proto under proto/ is compiled with grpc_tools.protoc (the protoc
bundled with grpcio-tools, plus its google/protobuf includes) into
*_pb2.py, *_pb2.pyi and *_pb2_grpc.py next to the .proto, so that
proto/mgov/<svc>/v1/<svc>_pb2.py imports as mgov.<svc>.v1.<svc>_pb2.
Every package directory of generated code gets an empty __init__.py.

Generation always happens in a temporary directory first; generate mode then
syncs proto/ to it (writing only changed files, removing generated files
whose .proto is gone), and check mode compares byte for byte.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
# Generated code lives only under this package; nothing hand-written goes there.
PACKAGE = "mgov"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def _is_generated_name(name: str) -> bool:
    return name == "__init__.py" or name.endswith(GENERATED_SUFFIXES)


def find_protos(proto_dir: Path = PROTO_DIR) -> list[Path]:
    """Every .proto under proto_dir, as paths relative to it, sorted."""
    return sorted(p.relative_to(proto_dir) for p in proto_dir.rglob("*.proto"))


def generate_into(out_dir: Path, protos: list[Path], proto_dir: Path = PROTO_DIR) -> None:
    """Run protoc over `protos` writing into out_dir, then add __init__.py files."""
    from grpc_tools import protoc  # imported here so --help works without it

    include = importlib.resources.files("grpc_tools") / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{proto_dir}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(p.as_posix() for p in protos),
    ]
    rc = protoc.main(args)
    if rc != 0:
        raise SystemExit(f"protogen: protoc failed with exit code {rc} (see the errors above)")

    # Every directory holding generated modules, and each parent up to the
    # top package, must be a regular package.
    package_dirs: set[Path] = set()
    for f in out_dir.rglob("*.py"):
        d = f.parent
        while d != out_dir:
            package_dirs.add(d)
            d = d.parent
    for d in package_dirs:
        (d / "__init__.py").touch()


def collect(base: Path) -> dict[str, bytes]:
    """Generated files under base/PACKAGE: relative posix path -> bytes."""
    root = base / PACKAGE
    if not root.is_dir():
        return {}
    files: dict[str, bytes] = {}
    for f in sorted(root.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and _is_generated_name(f.name):
            files[f.relative_to(base).as_posix()] = f.read_bytes()
    return files


def fresh() -> tuple[dict[str, bytes], int]:
    protos = find_protos()
    if not protos:
        raise SystemExit(f"protogen: no .proto files under {PROTO_DIR}")
    outside = [p for p in protos if p.parts[0] != PACKAGE]
    if outside:
        raise SystemExit(
            "protogen: .proto files must live under proto/%s/: %s"
            % (PACKAGE, ", ".join(p.as_posix() for p in outside))
        )
    with tempfile.TemporaryDirectory(prefix="mgov-protogen-") as tmp:
        generate_into(Path(tmp), protos)
        return collect(Path(tmp)), len(protos)


def diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> tuple[list[str], list[str], list[str]]:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    stale = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
    return stale, missing, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the committed generated code differs from a fresh generation",
    )
    args = parser.parse_args(argv)

    expected, n_protos = fresh()
    actual = collect(PROTO_DIR)
    stale, missing, extra = diff(expected, actual)

    if args.check:
        if not (stale or missing or extra):
            print(f"protogen: generated code is current ({len(expected)} files from {n_protos} protos)")
            return 0
        print("protogen: generated code under proto/ is out of date with the .proto files.", file=sys.stderr)
        for label, paths in (("stale", stale), ("missing", missing), ("extra", extra)):
            for p in paths:
                print(f"  {label:8} proto/{p}", file=sys.stderr)
        print("Run `python tools/protogen.py` (make proto) and commit the result.", file=sys.stderr)
        return 1

    for rel in missing + stale:
        target = PROTO_DIR / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(expected[rel])
    for rel in extra:
        (PROTO_DIR / rel).unlink()
        print(f"protogen: removed proto/{rel} (no longer generated)")
    print(
        f"protogen: generated {len(expected)} files from {n_protos} protos "
        f"({len(missing)} new, {len(stale)} updated, {len(extra)} removed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
