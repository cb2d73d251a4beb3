"""Schemathesis over every route of a running demo platform, as each kind of principal:
0 server errors. A separate, bounded run (`make fuzz`), not part of `make test`.

Each principal gets its own `schemathesis run` (the real CLI) against the OpenAPI
document of the gateway, with its bearer token on every request and
`not_a_server_error` as the check; examples per operation come from
`MGOV_FUZZ_EXAMPLES` (default 25). The live stream (`/v1/notifications/stream`) is
left out: it answers 200 and stays open, which a fuzzer reads as a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import venv_bin
from tests.e2e.conftest import DemoPlatform, demo_platform  # noqa: F401 - the fixture

EXAMPLES = int(os.environ.get("MGOV_FUZZ_EXAMPLES", "25"))
PHONES = {"citizen": "13900000100", "staff": "13900000011", "admin": "13900000010"}
TYPES = ["mgov.case.status_changed.v1", "mgov.catalog.item.updated.v1", "mgov.notice.published.v1"]


def _token(p: DemoPlatform, who: str) -> str | None:
    if who == "anonymous":
        return None
    if who == "system":
        admin = p.sign_in(PHONES["admin"])["access_token"]
        with p.client(admin) as c:
            creds = c.post("/v1/tenants/hangzhou/systems", json={"name": f"fuzz-{uuid.uuid4().hex[:8]}", "event_types": TYPES}).json()
        with p.client() as c:
            return c.post("/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"],  # type: ignore[no-any-return]
                                                    "client_secret": creds["client_secret"]}).json()["access_token"]
    return p.sign_in(PHONES[who])["access_token"]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff", "admin", "system"])
def test_no_server_error_on_any_route(demo_platform: DemoPlatform, who: str, tmp_path: Path) -> None:  # noqa: F811
    token = _token(demo_platform, who)
    report = tmp_path / "run.ndjson"
    cmd = [venv_bin("schemathesis"), "run", f"{demo_platform.base_url}/openapi.json", "--checks", "not_a_server_error",
           "--max-examples", str(EXAMPLES), "--seed", "2026", "--request-timeout", "20", "--no-color",
           "--exclude-path", "/v1/notifications/stream", "--report", "ndjson", "--report-ndjson-path", str(report)]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    out = run.stdout + run.stderr
    cases = re.search(r"Test cases:\s*\n\s*(.+)", out)
    print(f"\n[fuzz {who}] test cases: {cases.group(1).strip() if cases else '?'}")
    assert run.returncode == 0 and cases and "failed" not in cases.group(1), out[-6000:]
