"""Fail when the committed app bundle (web/dist) is not what web/ builds.

The gateway serves web/dist to checkouts without Node, so the bundle is committed; this
rebuilds it into a scratch directory with the locked dependencies (web/node_modules from
`npm ci`) and compares every file, like `tools/protogen.py --check` does for generated code.
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def main() -> int:
    vite = WEB / "node_modules" / ".bin" / "vite"
    if not vite.exists():
        print("web-check: web/node_modules is missing; run `cd web && npm ci`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mgov-web-") as tmp:
        out = Path(tmp) / "dist"
        build = subprocess.run([str(vite), "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"], cwd=WEB,
                               capture_output=True, text=True)
        if build.returncode:
            print(build.stdout + build.stderr, file=sys.stderr)
            return build.returncode
        committed, built = files(WEB / "dist"), files(out)
        differ = sorted((committed ^ built) | {f for f in committed & built if not filecmp.cmp(WEB / "dist" / f, out / f, shallow=False)})
    if differ:
        print("web/dist is not what web/ builds; run `make web` and commit web/dist. Differing files:", file=sys.stderr)
        for name in differ:
            print(f"  {name}", file=sys.stderr)
        return 1
    print(f"web-check: web/dist is current ({len(committed)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
