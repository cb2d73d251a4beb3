"""A payment order (缴费单) and its state machine.

    created ──pay──▶ paying ──verified payment──▶ paid ──refund──▶ refunding ──▶ refunded
       │                │  ╲──pay again (a new provider transaction)──╱
       │                ├──expire──▶ expired
       └──expire──▶ expired     └──provider says closed/failed──▶ failed

One open order per case (created, paying, paid, refunding), its amount the sum of the
applicant's fees of the case's pinned item version, in integer fen. Each attempt to pay
is a provider transaction of its own (`out_trade_no`); once one is paid the order is
paid, and any other attempt the provider reports paid later is a second payment,
refunded automatically (`DuplicatePayment`). Only a verified provider notification or
query answer moves an order to `paid`; the event it records (`order.paid`) is what makes
the workflow advance the case, written in the same transaction as the change.

An expired (or failed) order stays so: it cannot be paid again, and a payment the
provider reports for it later is a late payment, refunded automatically
(`LatePayment`); a case still awaiting payment gets a new order (`renewed`). Refunds
may be several (partial ones by finance staff, each with its own key), never more in
all than was paid: what is being refunded (`pending_refund_fen`) counts until the
provider confirms it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mgov_common.errors import FailedPrecondition
from mgov_common.events.domain import DomainEvent

CREATED, PAYING, PAID, EXPIRED, FAILED, REFUNDING, REFUNDED = "created", "paying", "paid", "expired", "failed", "refunding", "refunded"
STATUSES = (CREATED, PAYING, PAID, EXPIRED, FAILED, REFUNDING, REFUNDED)
OPEN = (CREATED, PAYING, PAID, REFUNDING)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CREATED: (PAYING, EXPIRED),
    PAYING: (PAYING, PAID, EXPIRED, FAILED),
    PAID: (REFUNDING,),
    REFUNDING: (REFUNDING, REFUNDED, PAID),  # back to paid when the last partial refund completed
    EXPIRED: (), FAILED: (), REFUNDED: (),
}
CURRENCY = "CNY"
APPLICANT = "applicant"


def iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def fees_due(fees: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The fees the applicant pays (payer absent or `applicant`) and their sum in fen."""
    due = [f for f in fees if (f.get("payer") or APPLICANT) == APPLICANT and isinstance(f.get("amount_fen"), int)]
    return due, sum(int(f["amount_fen"]) for f in due)


class DuplicatePayment(Exception):
    """A second provider transaction of an order that is already paid."""


class LatePayment(Exception):
    """A payment of an order that had already expired or failed: given back, not kept."""


@dataclass
class Order:
    id: uuid.UUID
    tenant_id: str
    application_id: uuid.UUID
    case_number: str
    applicant_id: str
    service_id: uuid.UUID
    service_version: int
    item_name: dict[str, str]
    fees: list[dict[str, Any]]
    amount_fen: int
    expire_time: datetime
    create_time: datetime
    provider: str = "wechatpay"
    currency: str = CURRENCY
    status: str = CREATED
    paid_out_trade_no: str | None = None
    transaction_id: str | None = None
    paid_time: datetime | None = None
    refunded_fen: int = 0
    # Refunds asked of the provider and not yet confirmed (case and partial refunds).
    pending_refund_fen: int = 0
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def open_for_case(cls, *, case: dict[str, Any], fees: list[dict[str, Any]], item_name: dict[str, str], now: datetime,
                      ttl: timedelta, provider: str) -> "Order":
        due, amount = fees_due(fees)
        if amount <= 0:
            raise FailedPrecondition("the item charges the applicant nothing", code="no_fee_due")
        order = cls(uuid.uuid4(), case["tenant_id"], uuid.UUID(case["application_id"]), case["case_number"], case["applicant_id"],
                    uuid.UUID(case["service_id"]), int(case["service_version"]), item_name, due, amount, now + ttl, now,
                    provider=provider)
        order._record("created")
        return order

    def renewed(self, *, now: datetime, ttl: timedelta, provider: str) -> "Order":
        """The next order of a case whose order expired while it still awaits payment:
        the same fees and amount (the pinned item version), a new expiry."""
        if self.status != EXPIRED:
            raise FailedPrecondition("only an expired order is renewed", code="invalid_order_state")
        order = Order(uuid.uuid4(), self.tenant_id, self.application_id, self.case_number, self.applicant_id, self.service_id,
                      self.service_version, self.item_name, self.fees, self.amount_fen, now + ttl, now, provider=provider)
        order._record("created", renews_order_id=str(self.id))
        return order

    def _move(self, to: str) -> None:
        if to not in TRANSITIONS[self.status]:
            raise FailedPrecondition(f"an order {self.status} cannot become {to}", code="order_not_payable" if to == PAYING else "invalid_order_state")
        self.status = to
        self.version += 1

    def start_paying(self, now: datetime) -> None:
        if self.status in (CREATED, PAYING) and now >= self.expire_time:
            self.expire()
            return
        if self.status == EXPIRED:
            raise FailedPrecondition("the payment order has expired", code="order_expired")
        self._move(PAYING)

    def expire(self) -> None:
        self._move(EXPIRED)
        self._record("expired")

    def fail(self) -> None:
        self._move(FAILED)
        self._record("failed")

    def check_amount(self, amount_fen: int, currency: str) -> str | None:
        """Why a reported payment does not match this order (None when it does)."""
        if currency != self.currency:
            return "currency_mismatch"
        if amount_fen != self.amount_fen:
            return "amount_mismatch"
        return None

    def mark_paid(self, out_trade_no: str, transaction_id: str, paid_time: datetime) -> None:
        """A verified payment of one of this order's transactions. A different transaction
        of an order already paid (or being refunded) is a second payment."""
        if self.paid_out_trade_no == out_trade_no:
            return  # the same payment again (the provider retries): nothing changes
        if self.status in (PAID, REFUNDING, REFUNDED):
            raise DuplicatePayment(out_trade_no)
        if self.status in (EXPIRED, FAILED):
            raise LatePayment(out_trade_no)
        self._move(PAID)
        self.paid_out_trade_no, self.transaction_id, self.paid_time = out_trade_no, transaction_id, paid_time
        self._record("paid")

    def refundable_fen(self) -> int:
        """What may still be given back: paid, less refunded and being refunded."""
        return self.amount_fen - self.refunded_fen - self.pending_refund_fen if self.status in (PAID, REFUNDING) else 0

    def start_refund(self, amount_fen: int, reason: str) -> None:
        if self.status not in (PAID, REFUNDING):
            raise FailedPrecondition(f"an order {self.status} has no payment to refund", code="order_not_paid")
        if not 0 < amount_fen <= self.refundable_fen():
            raise FailedPrecondition("the refund exceeds what was paid and not yet refunded", code="refund_too_large")
        self._move(REFUNDING)
        self.pending_refund_fen += amount_fen
        self._record("refund_requested", refund_fen=amount_fen, reason=reason)

    def complete_refund(self, amount_fen: int) -> None:
        self.refunded_fen += amount_fen
        self.pending_refund_fen = max(0, self.pending_refund_fen - amount_fen)
        self._move(REFUNDED if self.refunded_fen >= self.amount_fen else REFUNDING if self.pending_refund_fen else PAID)
        self._record("refunded", refund_fen=amount_fen)

    def data(self) -> dict[str, Any]:
        return {
            "order_id": str(self.id), "tenant_id": self.tenant_id, "application_id": str(self.application_id),
            "case_number": self.case_number, "applicant_id": self.applicant_id, "service_id": str(self.service_id),
            "service_version": self.service_version, "amount_fen": self.amount_fen, "currency": self.currency,
            "status": self.status, "provider": self.provider, "out_trade_no": self.paid_out_trade_no,
            "transaction_id": self.transaction_id, "paid_at": iso(self.paid_time), "refunded_fen": self.refunded_fen,
            "expire_at": iso(self.expire_time),
        }

    def _record(self, verb: str, **extra: Any) -> None:
        self.events.append(DomainEvent("order", verb, self.tenant_id, str(self.id), {**self.data(), **extra}))
