"""What the use cases hand back: one representation of an item at one version (or its draft).

The entrypoint turns an `ItemView` into the proto `ServiceItem`; keeping the view plain
data keeps the service layer free of generated code.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.catalog.domain.item import Item, Version
from services.catalog.domain.types import ItemStatus


@dataclass(frozen=True)
class ItemView:
    id: uuid.UUID
    tenant_id: str
    code: str
    status: str  # draft | published | retired
    version: int
    content: Mapping[str, Any]  # full content; in lists only the listing fields
    etag: str
    inherited_from: uuid.UUID | None
    localized_fields: list[str]
    base_version: int | None
    use_count: int
    has_draft: bool
    create_time: datetime | None
    update_time: datetime | None
    publish_time: datetime | None
    updated_by: dict[str, str] | None


def served_etag(version_etag: str, status: str) -> str:
    """A retired item shows the same content under another status: another representation."""
    return version_etag if status == ItemStatus.PUBLISHED.value else hashlib.sha256(f"{version_etag}:{status}".encode()).hexdigest()[:20]


def version_view(item: Item, version: Version) -> ItemView:
    status = item.status.value
    return ItemView(
        item.id, item.tenant_id, item.code, status, version.number, version.content, served_etag(version.etag, status),
        item.inherited_from, sorted(version.overrides or {}), version.base_version, item.use_count, item.draft is not None,
        item.created_at, item.updated_at, version.published_at, version.published_by,
    )


def draft_view(item: Item, base: Item | None) -> ItemView:
    """The draft; a retired item that was never published shows as retired."""
    assert item.draft is not None
    status = ItemStatus.RETIRED.value if item.status == ItemStatus.RETIRED else ItemStatus.DRAFT.value
    return ItemView(
        item.id, item.tenant_id, item.code, status, item.latest_version + 1, item.draft_content(base), item.draft_etag,
        item.inherited_from, item.localized_fields, base.latest_version if base else None, item.use_count, True,
        item.created_at, item.draft.updated_at, None, item.draft.updated_by,
    )


class ListingJson(Mapping[str, Any]):
    """A list row's listing as PostgreSQL sent it (JSON text), parsed on first use.

    A page's rows are mostly answered from the entrypoint's cache of built rows, keyed
    by the row's columns; parsing every row's listing anyway was a twentieth of the
    catalog's CPU in a search."""

    __slots__ = ("_text", "_data")

    def __init__(self, text: str) -> None:
        self._text = text
        self._data: dict[str, Any] | None = None

    def _parsed(self) -> dict[str, Any]:
        if self._data is None:
            self._data = json.loads(self._text)
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())


def row_view(row: asyncpg.Record) -> ItemView:
    """A list row (see `adapters/search_sql.py`): the listing columns only."""
    listing = ListingJson(row["listing"])
    version = row["latest_version"] or 1
    etag = served_etag(row["latest_etag"], row["status"]) if row["latest_etag"] else ""
    return ItemView(
        row["id"], row["tenant_id"], row["code"], row["status"], version, listing, etag, row["inherited_from"], [], None,
        row["use_count"], row["has_draft"], row["created_at"], row["updated_at"],
        row["publish_time"], None,
    )
