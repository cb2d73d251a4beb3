"""Which merchant account takes a tenant's fees, and when a paid fee is given back.

Settings are kept per tenant and inherited down the tree (province → city → county):
the nearest tenant with a row decides the merchant; the nearest one that says
`refund_on` decides the refunds. With no row anywhere, the service's defaults apply
(its default merchant account and `MGOV_PAYMENT_REFUND_ON`). Pure: the caller passes
the rows of the tenant's chain, nearest first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgov_common.errors import InvalidArgument

REFUND_OUTCOMES = ("rejected", "withdrawn")
MERCHANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class TenantRow:
    tenant_id: str
    merchant: str
    refund_on: tuple[str, ...] | None  # None: inherited


@dataclass(frozen=True)
class PaymentSettings:
    merchant: str
    refund_on: frozenset[str]
    # The tenants whose rows decided each (empty: the service's default).
    merchant_from: str = ""
    refund_on_from: str = ""


def resolve(chain: Sequence[TenantRow | None], default_merchant: str, default_refund_on: frozenset[str]) -> PaymentSettings:
    """`chain` is the tenant's own row (or None) and its ancestors', nearest first."""
    rows = [r for r in chain if r is not None]
    merchant = next((r for r in rows), None)
    refunds = next((r for r in rows if r.refund_on is not None), None)
    return PaymentSettings(
        merchant.merchant if merchant else default_merchant,
        frozenset(refunds.refund_on or ()) if refunds else default_refund_on,
        merchant.tenant_id if merchant else "",
        refunds.tenant_id if refunds else "",
    )


def check_merchant(name: str) -> str:
    if not MERCHANT_NAME.fullmatch(name):
        raise InvalidArgument("a merchant account's name is 1-32 of a-z, 0-9, _ and -", code="invalid_merchant", field="merchant")
    return name


def check_refund_on(outcomes: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(outcomes) - set(REFUND_OUTCOMES))
    if unknown:
        raise InvalidArgument(f"refund_on takes {', '.join(REFUND_OUTCOMES)}; not {', '.join(unknown)}", code="invalid_refund_on",
                              field="refund_on")
    return tuple(sorted(set(outcomes)))
