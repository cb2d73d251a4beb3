"""`mgov paysim`, `mgov payment reconcile --date D`, `mgov receipt verify FILE`.

`payment reconcile` works on the payment schema of `MGOV_DATABASE_URL` directly with
the payment service's own settings (the merchant's credentials; in demo mode the
simulator's), so a scheduled job needs no token: it fetches the provider's trade bill
of the day (China Standard Time), records the mismatches, prints them as JSON lines and
exits 1 when there are any (the alert). `receipt verify` checks a receipt file against
the keys the platform publishes (`GET /v1/receipts/keys`, or a JWKS file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sim = sub.add_parser("paysim", help="run the payment provider simulator (WeChat Pay API v3; demo and tests)")
    sim.set_defaults(func=cmd_paysim)
    pay = sub.add_parser("payment", help="payment operations")
    rec = pay.add_subparsers(dest="payment_command", required=True).add_parser(
        "reconcile", help="compare the provider's trade bill of a day with the orders; exit 1 on mismatches")
    rec.add_argument("--date", help="YYYY-MM-DD (default: yesterday, China Standard Time)")
    rec.set_defaults(func=cmd_reconcile)
    receipt = sub.add_parser("receipt", help="electronic receipts")
    ver = receipt.add_subparsers(dest="receipt_command", required=True).add_parser(
        "verify", help="check a receipt file's signature; exit 1 when it does not verify")
    ver.add_argument("file")
    ver.add_argument("--keys", default="", help="JWKS file or URL (default: $MGOV_GATEWAY_URL/v1/receipts/keys)")
    ver.set_defaults(func=cmd_receipt_verify)


def cmd_paysim(args: argparse.Namespace) -> int:
    from paysim.__main__ import main

    main()
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    from mgov_common.db import create_pool
    from mgov_common.settings import load_settings
    from services.payment.bootstrap import make_context
    from services.payment.service_layer.reconcile import CST, reconcile
    from services.payment.settings import PaymentSettings

    day = date.fromisoformat(args.date) if args.date else (datetime.now(timezone.utc).astimezone(CST).date() - timedelta(days=1))

    async def run() -> int:
        settings = load_settings(PaymentSettings)
        pool = await create_pool(settings.require_database_url(), "payment", max_size=2)
        ctx = make_context(settings, SimpleNamespace(pool=pool))  # type: ignore[arg-type]
        try:
            findings = await reconcile(ctx, day)
        finally:
            for p in ctx.providers.values():
                await p.close()
            await pool.close()
        for f in findings:
            print(json.dumps({"bill_date": day.isoformat(), "kind": f.kind, "out_trade_no": f.out_trade_no, "tenant_id": f.tenant_id,
                              **f.detail}, ensure_ascii=False))
        print(f"{len(findings)} mismatch(es) on {day.isoformat()}", file=sys.stderr)
        return 1 if findings else 0

    return asyncio.run(run())


def cmd_receipt_verify(args: argparse.Namespace) -> int:
    import os

    import httpx

    from services.payment.domain import receipt

    source = args.keys or f"{os.environ.get('MGOV_GATEWAY_URL', 'http://127.0.0.1:8000').rstrip('/')}/v1/receipts/keys"
    if source.startswith(("http://", "https://")):
        jwks = httpx.get(source, timeout=10).json()
    else:
        jwks = json.loads(Path(source).read_text())
    keys = {str(k.get("kid")): receipt.public_from_jwk(k) for k in jwks.get("keys", [])}
    ok, why, document = receipt.verify_file(Path(args.file).read_bytes(), keys)
    if ok and document is not None:
        print(f"valid: receipt {document.get('receipt_id')} for {document.get('amount_fen')} fen, case {document.get('case_number')}")
        return 0
    print(f"NOT valid: {why}", file=sys.stderr)
    return 1
