"""Evidence from the phone in the inspection's hash chain, against the real PostgreSQL
and through `mgov evidence verify` as an auditor runs it: three photos verify; editing
one stored byte, deleting one entry or swapping two fails and names the entry; a
repeated upload (same idempotency key) is stored once."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import timedelta

import pytest

from mgov_common.errors import FailedPrecondition
from services.enforcement.domain.evidence import Position
from services.enforcement.service_layer import inspections, plans
from tests import material_samples as samples
from tests.conftest import Servers, repo_root, venv_bin
from tests.integration.enforcement_support import INSPECTORS, T0, XH_SUPERVISOR, Core, core  # noqa: F401

pytestmark = pytest.mark.asyncio


def mgov(servers: Servers, core: Core, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MGOV_")}
    env.update({"MGOV_DATABASE_URL": servers.dsn, "MGOV_DEMO": "0"})
    return subprocess.run([venv_bin("mgov"), *args, "--schema", core.schema], cwd=repo_root(), env=env, capture_output=True,
                          text=True, timeout=60)


async def _inspection_with_photos(core: Core) -> tuple[str, object]:
    plan = await plans.create_plan(core.ctx, XH_SUPERVISOR, "xihu", {"name": "抽查", "category": "market_food", "count": 1,
                                                                    "start_date": "2026-12-01", "end_date": "2026-12-31"})
    pick = (await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"])))["picks"][0]
    who = next(p for p in INSPECTORS if p.subject == pick["inspector_ids"][0])
    insp_id = str(await core.pool.fetchval("SELECT id FROM inspections WHERE plan_id = $1", plan["id"]))
    await inspections.start(core.ctx, who, insp_id)
    for n in range(3):
        entry, new = await inspections.add_evidence(
            core.ctx, who, insp_id, kind="photo", content=samples.png({"Comment": f"现场照片 {n}"}), sha256="",
            device_time=T0 - timedelta(minutes=5 - n), position=Position(30.27, 120.13, 6.0), note=f"照片 {n + 1}", request_id=f"photo-{n}")
        assert new and entry["seq"] == n + 1
    return insp_id, who


async def test_three_photos_verify_and_each_kind_of_tampering_is_named(servers: Servers, core: Core) -> None:
    insp_id, who = await _inspection_with_photos(core)
    ok = mgov(servers, core, "evidence", "verify", insp_id)
    assert ok.returncode == 0 and "3 evidence entries intact" in ok.stdout, ok.stderr

    # one stored byte edited
    original = await core.pool.fetchval("SELECT content FROM evidence_files WHERE inspection_id = $1 AND seq = 2", insp_id)
    edited = original[:100] + bytes([original[100] ^ 1]) + original[101:]
    await core.pool.execute("UPDATE evidence_files SET content = $2 WHERE inspection_id = $1 AND seq = 2", insp_id, edited)
    bad = mgov(servers, core, "evidence", "verify", insp_id)
    assert bad.returncode == 1 and "BROKEN at entry 2: its file was changed" in bad.stderr, bad.stderr
    api = await inspections.verify(core.ctx, who, insp_id)  # the API check says the same
    assert not api["ok"] and api["broken_seq"] == 2
    await core.pool.execute("UPDATE evidence_files SET content = $2 WHERE inspection_id = $1 AND seq = 2", insp_id, original)
    assert mgov(servers, core, "evidence", "verify", insp_id).returncode == 0

    # one entry deleted
    row = await core.pool.fetchrow("DELETE FROM evidence WHERE inspection_id = $1 AND seq = 2 RETURNING inspection_id, seq, request_id, entry, hash", insp_id)
    gone = mgov(servers, core, "evidence", "verify", insp_id)
    assert gone.returncode == 1 and "BROKEN at entry 2: missing" in gone.stderr, gone.stderr
    await core.pool.execute("INSERT INTO evidence (inspection_id, seq, request_id, entry, hash) VALUES ($1, $2, $3, $4, $5)", *row.values())
    assert mgov(servers, core, "evidence", "verify", insp_id).returncode == 0

    # two entries swapped (the first and the third change places)
    await core.pool.execute(
        "UPDATE evidence e SET entry = o.entry, hash = o.hash, request_id = o.request_id || '-swapped'"
        " FROM evidence o WHERE e.inspection_id = $1 AND o.inspection_id = $1 AND e.seq + o.seq = 4 AND e.seq <> o.seq", insp_id)
    swapped = mgov(servers, core, "evidence", "verify", insp_id)
    assert swapped.returncode == 1 and "BROKEN at entry 1:" in swapped.stderr, swapped.stderr


async def test_a_repeated_upload_is_stored_once_and_a_reused_key_for_another_file_is_refused(core: Core) -> None:
    insp_id, who = await _inspection_with_photos(core)
    photo = samples.png({"Comment": "现场照片 0"})
    again, new = await inspections.add_evidence(core.ctx, who, insp_id, kind="photo", content=photo, sha256="",  # type: ignore[arg-type]
                                                device_time=T0, position=None, note="", request_id="photo-0")
    assert not new and again["seq"] == 1
    assert await core.pool.fetchval("SELECT count(*) FROM evidence WHERE inspection_id = $1", insp_id) == 3
    with pytest.raises(FailedPrecondition):
        await inspections.add_evidence(core.ctx, who, insp_id, kind="photo", content=samples.JPEG,  # type: ignore[arg-type]
                                       sha256=hashlib.sha256(samples.JPEG).hexdigest(), device_time=T0, position=None,
                                       note="", request_id="photo-0")


async def test_the_draw_verifies_through_the_cli_and_a_changed_input_fails(servers: Servers, core: Core) -> None:
    plan = await plans.create_plan(core.ctx, XH_SUPERVISOR, "xihu", {"name": "抽查", "category": "market_food", "ratio_percent": 25,
                                                                    "start_date": "2026-12-01", "end_date": "2026-12-31"})
    await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"]))
    ok = mgov(servers, core, "draw", "verify", str(plan["id"]))
    assert ok.returncode == 0 and "1 draw(s) re-run to their recorded results" in ok.stdout, ok.stderr
    await core.pool.execute("UPDATE draws SET entry = jsonb_set(entry, '{inputs,exclude_days}', '0') WHERE plan_id = $1", plan["id"])
    bad = mgov(servers, core, "draw", "verify", str(plan["id"]))
    assert bad.returncode == 1 and "does NOT verify" in bad.stderr and "draw log BROKEN at entry 1" in bad.stderr, bad.stderr
