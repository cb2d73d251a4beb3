"""What every handler needs, built once by the bootstrap (and by tests, with a manual clock)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg

from mgov_common.errors import InvalidArgument
from services.workflow.adapters.file_store import FileStore, PgFileStore
from services.workflow.adapters.services import ItemFetcher, StaffDirectory
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain.access import TenantTree
from services.workflow.domain.calendar import WorkingCalendar, local_date
from services.workflow.domain.clock import Clock, SystemClock

# Calendar rows loaded around "now": wide enough for any SLA, rectification or re-derivation.
CALENDAR_BEFORE_DAYS = 400
CALENDAR_AFTER_DAYS = 800
DEFAULT_PAGE, MAX_PAGE = 20, 100


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock = field(default_factory=SystemClock)
    files: FileStore = field(default_factory=PgFileStore)
    items: ItemFetcher | None = None
    staff: StaffDirectory | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.pool)


async def calendar_for(uow: UnitOfWork, tree: TenantTree, tenant: str, ctx: Context) -> WorkingCalendar:
    today = local_date(ctx.clock.now())
    return await uow.reference.calendar(tree.ancestors(tenant), today - timedelta(days=CALENDAR_BEFORE_DAYS),
                                        today + timedelta(days=CALENDAR_AFTER_DAYS))


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size must not be negative", code="out_of_range", field="page_size")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)


def encode_token(kind: str, values: list[Any]) -> str:
    raw = json.dumps({"k": kind, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(kind: str, token: str) -> list[Any] | None:
    """The keyset values of a page token made by `encode_token(kind, ...)`; a tampered one is 422."""
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["k"] != kind or not isinstance(data["v"], list) or len(data["v"]) != 2:
            raise ValueError
        uuid.UUID(str(data["v"][1]))
        return data["v"]  # type: ignore[no-any-return]
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise InvalidArgument("the page token is not one this service gave out", code="invalid_page_token", field="page_token") from None
