"""The one interface every payment provider adapter implements (chosen per tenant).

What the service layer needs from a provider, in the provider's own terms translated
to plain values: start a transaction and get the page the payer confirms it on, ask
for a transaction's state, refund, read a notification (verifying it first), and
fetch a day's bill. Amounts are integer fen everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mgov_common.wechatpay import BillLine


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with an error; safe to retry."""


@dataclass(frozen=True)
class ProviderPayment:
    out_trade_no: str
    transaction_id: str
    trade_state: str  # SUCCESS | NOTPAY | CLOSED | REFUND | PAYERROR | USERPAYING
    amount_fen: int
    currency: str
    success_time: datetime | None
    mchid: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    out_refund_no: str
    out_trade_no: str
    refund_id: str
    status: str  # PROCESSING | SUCCESS | ABNORMAL | CLOSED
    refund_fen: int


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str  # TRANSACTION.SUCCESS | REFUND.SUCCESS | REFUND.ABNORMAL | REFUND.CLOSED
    payment: ProviderPayment | None = None
    refund: ProviderRefund | None = None


class Provider(Protocol):
    name: str

    async def prepay(self, *, out_trade_no: str, description: str, amount_fen: int, expire_time: datetime, client_ip: str) -> str: ...

    async def query(self, out_trade_no: str) -> ProviderPayment | None: ...

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str) -> ProviderRefund: ...

    def read_notification(self, headers: dict[str, str], body: bytes, now: datetime) -> Notification: ...

    async def trade_bill(self, day: date) -> list[BillLine]: ...

    async def close(self) -> None: ...
