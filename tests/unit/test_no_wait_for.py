"""Long-running loops must stop when cancelled.

On Python 3.11 `asyncio.wait_for` returns the awaited result when it completes in the
same loop turn as a cancel of the waiting task, and the cancel is lost: a relay woken by
a NOTIFY just as it was cancelled ran on, and the service's shutdown (and a CI run) hung.
`asyncio.timeout` does not lose it, so the platform's code uses only that.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mgov_common", "services", "gateway", "launcher", "paysim")


def test_the_platform_code_never_uses_asyncio_wait_for() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "_pb2" not in path.name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\basyncio\.wait_for\(|^\s*from asyncio import .*\bwait_for\b", line)
    ]
    assert offenders == []
