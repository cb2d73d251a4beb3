"""`mgov paysim`, `mgov payment reconcile --date D`, `mgov payment configure TENANT`,
`mgov receipt verify FILE`.

`payment reconcile` works on the payment schema of `MGOV_DATABASE_URL` directly with
the payment service's own settings (the merchant accounts' credentials; in demo mode
the simulator's), so a scheduled job needs no token: it fetches each merchant account's
trade bill of the day (China Standard Time), records the mismatches, prints them as
JSON lines and exits 1 when there are any (the alert). `payment configure` sets a
tenant's merchant account and refund outcomes (inherited by the tenants below it). `receipt verify` checks a receipt file against
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
    pay_sub = pay.add_subparsers(dest="payment_command", required=True)
    rec = pay_sub.add_parser("reconcile", help="compare each merchant account's trade bill of a day with the orders; exit 1 on mismatches")
    rec.add_argument("--date", help="YYYY-MM-DD (default: yesterday, China Standard Time)")
    rec.set_defaults(func=cmd_reconcile)
    conf = pay_sub.add_parser("configure", help="set a tenant's merchant account and refund outcomes (inherited below it)")
    conf.add_argument("tenant")
    conf.add_argument("--merchant", required=True, help="a merchant account of the service's settings (default account: wechatpay)")
    conf.add_argument("--refund-on", default=None,
                      help="comma-separated case outcomes that refund a paid fee: rejected, withdrawn; 'none' for none; omitted: inherited")
    conf.set_defaults(func=cmd_configure)
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
    from services.payment.adapters.provider import ProviderUnavailable
    from services.payment.service_layer.reconcile import CST, reconcile
    from services.payment.settings import PaymentSettings

    day = date.fromisoformat(args.date) if args.date else (datetime.now(timezone.utc).astimezone(CST).date() - timedelta(days=1))

    async def run() -> int:
        settings = load_settings(PaymentSettings)
        pool = await create_pool(settings.require_database_url(), "payment", max_size=2)
        ctx = make_context(settings, SimpleNamespace(pool=pool))  # type: ignore[arg-type]
        findings = []
        failed = False
        try:
            for merchant in sorted(ctx.providers):
                try:
                    findings += await reconcile(ctx, day, merchant)
                except ProviderUnavailable as exc:
                    failed = True
                    print(f"merchant account {merchant}: the bill could not be fetched: {exc}", file=sys.stderr)
        finally:
            for p in ctx.providers.values():
                await p.close()
            await pool.close()
        for f in findings:
            print(json.dumps({"bill_date": day.isoformat(), "kind": f.kind, "out_trade_no": f.out_trade_no, "tenant_id": f.tenant_id,
                              "merchant": f.merchant, **f.detail}, ensure_ascii=False))
        print(f"{len(findings)} mismatch(es) on {day.isoformat()} over {len(ctx.providers)} merchant account(s)", file=sys.stderr)
        return 1 if findings or failed or not ctx.providers else 0

    return asyncio.run(run())


def cmd_configure(args: argparse.Namespace) -> int:
    from mgov_common.db import create_pool
    from mgov_common.errors import DomainError
    from mgov_common.settings import load_settings
    from services.payment.bootstrap import make_context
    from services.payment.service_layer.tenant_settings import configure
    from services.payment.settings import PaymentSettings

    refund_on = None if args.refund_on is None else [] if args.refund_on == "none" else \
        [x.strip() for x in args.refund_on.split(",") if x.strip()]

    async def run() -> int:
        settings = load_settings(PaymentSettings)
        pool = await create_pool(settings.require_database_url(), "payment", max_size=2)
        ctx = make_context(settings, SimpleNamespace(pool=pool))  # type: ignore[arg-type]
        try:
            if args.merchant not in ctx.providers:
                print(f"note: merchant account {args.merchant!r} is not configured in this process's settings", file=sys.stderr)
            resolved = await configure(ctx, args.tenant, args.merchant, refund_on)
        except DomainError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
        finally:
            for p in ctx.providers.values():
                await p.close()
            await pool.close()
        print(json.dumps({"tenant_id": args.tenant, "merchant": resolved.merchant, "refund_on": sorted(resolved.refund_on),
                          "refund_on_from": resolved.refund_on_from or "default"}, ensure_ascii=False))
        return 0

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
