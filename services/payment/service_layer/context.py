"""What the payment use cases share: the pool, the clock, the providers, the receipt key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mgov_common.clock import Clock
from mgov_common.paging import PageTokens
from services.payment.adapters.provider import Provider
from services.payment.adapters.uow import UnitOfWork
from services.payment.domain import receipt


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock
    providers: dict[str, Provider]
    receipt_key: Ed25519PrivateKey
    pages: PageTokens
    order_ttl: timedelta = timedelta(days=7)
    # Case outcomes that give the fee back: "rejected" (a terminal rejected state), "withdrawn".
    refund_on: frozenset[str] = frozenset({"rejected", "withdrawn"})
    # A paying order with no news for this long is asked about at the provider.
    stuck_after: timedelta = timedelta(minutes=5)
    # The public base URL receipts' QR codes point at (…/v1/receipts/{id}/verify).
    public_base_url: str = "http://127.0.0.1:8000"
    # Older receipt keys still published (rotation), by key id.
    extra_receipt_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    # Wakes the background worker (a refund to send).
    wake: Callable[[], None] = lambda: None
    # The merchant account of tenants whose tree names none (docs/payments.md).
    default_merchant: str = "wechatpay"

    def uow(self, *, begin: bool = True) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=begin)

    def provider(self, name: str) -> Provider:
        try:
            return self.providers[name]
        except KeyError:
            from services.payment.adapters.provider import ProviderUnavailable

            raise ProviderUnavailable(f"no payment provider {name!r} is configured") from None

    def receipt_keys(self) -> dict[str, Ed25519PublicKey]:
        public = self.receipt_key.public_key()
        return {receipt.key_id(public): public, **self.extra_receipt_keys}
