"""`mgov audit verify`, `mgov keys rotate|reencrypt`, `mgov identity bootstrap`.

They work on the identity schema of `MGOV_DATABASE_URL` directly, with the identity
service's own settings (`MGOV_IDENTITY_FIELD_KEY`, `..._LOOKUP_KEY`, `..._AUDIT_KEY`;
derived in demo mode, `MGOV_DEMO=1`), so ops can check or rotate without a token.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger("mgov")
T = TypeVar("T")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = sub.add_parser("audit", help="the identity service's security audit log")
    verify = audit.add_subparsers(dest="audit_command", required=True).add_parser(
        "verify", help="walk the hash-chained audit log; exit 1 and name the first broken row")
    verify.set_defaults(func=cmd_audit_verify)

    keys = sub.add_parser("keys", help="identity's token signing keys and field encryption keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    ksub.add_parser("rotate", help="new Ed25519 signing key; the old one verifies until its tokens expire").set_defaults(func=cmd_keys_rotate)
    ksub.add_parser("reencrypt", help="rewrite data encrypted under MGOV_IDENTITY_FIELD_PREVIOUS_KEYS with the current field key").set_defaults(func=cmd_keys_reencrypt)

    ident = sub.add_parser("identity", help="identity administration")
    boot = ident.add_subparsers(dest="identity_command", required=True).add_parser(
        "bootstrap", help="create the province tenant and its first province admin (idempotent); password from "
                          "MGOV_BOOTSTRAP_ADMIN_PASSWORD or a prompt")
    boot.add_argument("--province-id", required=True, help="slug, e.g. zhejiang")
    boot.add_argument("--division-code", required=True, help="GB/T 2260 code, e.g. 330000")
    boot.add_argument("--name-zh", required=True)
    boot.add_argument("--name-en", default="")
    boot.add_argument("--admin-phone", required=True)
    boot.add_argument("--admin-name", required=True)
    boot.set_defaults(func=cmd_identity_bootstrap)


def _run(work: Callable[..., Awaitable[T]]) -> T:
    from mgov_common.db import create_pool
    from mgov_common.settings import load_settings
    from services.identity.bootstrap import build_context
    from services.identity.service_layer.handlers import Handlers
    from services.identity.settings import IdentitySettings

    settings = load_settings(IdentitySettings)
    dsn = settings.require_database_url()

    async def main() -> T:
        pool = await create_pool(dsn, "identity", min_size=1, max_size=2)
        try:
            return await work(Handlers.build(build_context(settings, pool)))
        finally:
            await pool.close()

    return asyncio.run(main())


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def wrapper(args: argparse.Namespace) -> int:
        import asyncpg

        from mgov_common.errors import DomainError
        from mgov_common.settings import SettingsError

        try:
            return fn(args)
        except SettingsError as exc:
            log.error(str(exc))
            return 2
        except DomainError as exc:
            log.error(f"{exc.code}: {exc.message}")
            return 1
        except (OSError, asyncpg.PostgresError) as exc:
            log.error(f"cannot use the identity database: {exc}")
            return 2

    return wrapper


@_guard
def cmd_audit_verify(args: argparse.Namespace) -> int:
    report = _run(lambda h: h.keys.verify_audit(None, cli=True))
    if report.ok:
        print(f"audit chain intact: {report.rows_checked} rows verified")
        return 0
    print(f"audit chain BROKEN at row {report.first_broken_seq}: {report.reason} "
          f"({report.rows_checked} rows before it verify)")
    return 1


@_guard
def cmd_keys_rotate(args: argparse.Namespace) -> int:
    rotation = _run(lambda h: h.keys.rotate(None, cli=True))
    print(f"new signing key {rotation.kid}, published now, signing from {rotation.activates_at.isoformat(timespec='seconds')}")
    print(f"published keys: {', '.join(rotation.published)}; the replaced key stays published until its tokens expire")
    return 0


@_guard
def cmd_keys_reencrypt(args: argparse.Namespace) -> int:
    count = _run(lambda h: h.keys.reencrypt())
    print(f"re-encrypted {count} record(s) with the current field key")
    return 0


@_guard
def cmd_identity_bootstrap(args: argparse.Namespace) -> int:
    from services.identity.service_layer.commands import DemoAccount
    from services.identity.service_layer.seed import TenantSeed, ensure

    password = os.environ.get("MGOV_BOOTSTRAP_ADMIN_PASSWORD") or getpass.getpass("password of the province admin: ")
    province = TenantSeed(args.province_id, None, args.division_code, args.name_zh, args.name_en)
    admin = DemoAccount(args.admin_phone, args.admin_name, args.province_id, ("province_admin",))
    result = _run(lambda h: ensure(h.ctx, (province,), (admin,), password, by="bootstrap"))
    print(f"province {args.province_id}: {result.tenants_created} tenant(s) and {result.users_created} admin(s) created, "
          f"{result.roles_added} role(s) added")
    return 0
