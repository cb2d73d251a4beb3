"""`mgov draw verify <plan>` and `mgov evidence verify <inspection>`.

Both read the enforcement schema of `MGOV_DATABASE_URL` directly, so an auditor needs
no token and trusts no running service: `draw verify` re-runs every draw of the plan
from its recorded seed and inputs and walks the tenant's hash-chained draw log;
`evidence verify` walks the inspection's evidence chain and hashes every stored file
again. Exit 0 when everything holds, 1 (naming the first broken entry) when not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from typing import Any


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    draw = sub.add_parser("draw", help="双随机 draws of inspection plans")
    dv = draw.add_subparsers(dest="draw_command", required=True).add_parser(
        "verify", help="re-run a plan's draws from their recorded seeds and inputs; exit 1 when one differs")
    dv.add_argument("plan")
    dv.add_argument("--schema", default="enforcement", help="the enforcement service's schema (default: enforcement)")
    dv.set_defaults(func=cmd_draw_verify)
    ev = sub.add_parser("evidence", help="evidence chains of inspections")
    evv = ev.add_subparsers(dest="evidence_command", required=True).add_parser(
        "verify", help="walk an inspection's evidence chain and hash its files; exit 1 and name the broken entry")
    evv.add_argument("inspection")
    evv.add_argument("--schema", default="enforcement", help="the enforcement service's schema (default: enforcement)")
    evv.set_defaults(func=cmd_evidence_verify)


def _run(schema: str, work: Any) -> dict[str, Any]:
    from mgov_common.clock import SystemClock
    from mgov_common.db import create_pool
    from mgov_common.settings import load_settings
    from services.enforcement.service_layer.context import Context
    from services.enforcement.settings import EnforcementSettings

    # The commands list nothing and call no service, so neither secret is needed here.
    settings = load_settings(EnforcementSettings, page_token_secret=secrets.token_hex(32), platform_secret=secrets.token_hex(32))

    async def main() -> dict[str, Any]:
        pool = await create_pool(settings.require_database_url(), schema, min_size=1, max_size=2)
        try:
            result: dict[str, Any] = await work(Context(pool, SystemClock()))
            return result
        finally:
            await pool.close()

    return asyncio.run(main())


def cmd_draw_verify(args: argparse.Namespace) -> int:
    from mgov_common.errors import NotFound
    from services.enforcement.service_layer import plans

    try:
        report = _run(args.schema, lambda ctx: plans.verify(ctx, None, args.plan))
    except NotFound:
        print(f"no such plan: {args.plan}", file=sys.stderr)
        return 1
    for d in report["draws"]:
        print(json.dumps(d, ensure_ascii=False))
    for b in report["log_breaks"]:
        print(f"draw log BROKEN at {b}", file=sys.stderr)
    if report["ok"]:
        print(f"plan {report['plan_id']}: {len(report['draws'])} draw(s) re-run to their recorded results; the draw log holds")
        return 0
    bad = [d for d in report["draws"] if not d["ok"]]
    for d in bad:
        print(f"draw {d['seq']} ({d['draw_id']}) does NOT verify: {d['reason']}", file=sys.stderr)
    return 1


def cmd_evidence_verify(args: argparse.Namespace) -> int:
    from mgov_common.errors import NotFound
    from services.enforcement.service_layer import inspections

    try:
        report = _run(args.schema, lambda ctx: inspections.verify(ctx, None, args.inspection))
    except NotFound:
        print(f"no such inspection: {args.inspection}", file=sys.stderr)
        return 1
    if report["ok"]:
        print(f"inspection {report['inspection_id']}: {report['entries']} evidence entries intact")
        return 0
    print(f"evidence chain BROKEN at {report['reason']}", file=sys.stderr)
    return 1
