"""asyncpg repository of items: heads, drafts and append-only versions.

`get(..., for_update=True)` locks the head row, so two admins publishing the same item
serialise instead of both minting version n+1 (the primary key would refuse the second
anyway). `save` writes what the aggregate changed: the head (with the list and search
columns when the public content changed), the draft, and new versions, which are only
ever inserted.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from mgov_common.errors import AlreadyExists
from services.catalog.adapters import search_sql
from services.catalog.domain.item import Draft, Item, Version
from services.catalog.domain.types import ItemStatus, ItemType

_SELECT = """
SELECT i.*, v.content AS v_content, v.overrides AS v_overrides, v.base_version AS v_base_version, v.etag AS v_etag,
       v.published_at AS v_published_at, v.published_by AS v_published_by,
       d.content AS d_content, d.revision AS d_revision, d.updated_at AS d_updated_at, d.updated_by AS d_updated_by
  FROM items i
  LEFT JOIN item_versions v ON v.item_id = i.id AND v.version = i.latest_version
  LEFT JOIN item_drafts d ON d.item_id = i.id
"""
LISTING_GUIDE = ("statutory_limit_days", "promised_limit_days", "processing_kind", "channels", "visits", "appointment", "free")
LISTING_TOP = ("name", "type", "agency", "department", "summary", "keywords", "workflow_id", "required_identity_level")


def version_from_row(row: asyncpg.Record, prefix: str = "") -> Version:
    return Version(
        number=row[f"{prefix}version"] if not prefix else row["latest_version"],
        content=row[f"{prefix}content"],
        etag=row[f"{prefix}etag"],
        published_at=row[f"{prefix}published_at"],
        published_by=row[f"{prefix}published_by"],
        overrides=row[f"{prefix}overrides"],
        base_version=row[f"{prefix}base_version"],
    )


def _item_from_row(row: asyncpg.Record) -> Item:
    return Item(
        id=row["id"], tenant_id=row["tenant_id"], code=row["code"], type=ItemType.parse(row["type"]),
        inherited_from=row["inherited_from"], status=ItemStatus(row["status"]), latest_version=row["latest_version"],
        created_at=row["created_at"], updated_at=row["updated_at"], use_count=row["use_count"], retired_at=row["retired_at"],
        latest=version_from_row(row, "v_") if row["v_content"] is not None else None,
        draft=Draft(row["d_content"], row["d_revision"], row["d_updated_at"], row["d_updated_by"]) if row["d_content"] is not None else None,
    )


def listing_of(content: dict[str, Any], publish_time: str | None) -> dict[str, Any]:
    """What a list shows of an item (no materials, no form)."""
    out = {k: content[k] for k in LISTING_TOP}
    out["guide"] = {k: content["guide"][k] for k in LISTING_GUIDE}
    out["publish_time"] = publish_time
    return out


def _search_columns(item: Item, content: dict[str, Any]) -> list[Any]:
    name = content["name"]
    text = " ".join([name["zh"], name.get("en", ""), *content["keywords"], item.code])
    publish = item.latest.published_at.isoformat() if item.latest else None
    return [name["zh"], name.get("en", ""), content["agency"], content["department"], content["guide"]["channels"], text, listing_of(content, publish)]


class ItemRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seen: dict[uuid.UUID, Item] = {}

    def _track(self, item: Item) -> Item:
        self.seen[item.id] = item
        return item

    async def get(self, item_id: uuid.UUID, *, for_update: bool = False) -> Item | None:
        if for_update:
            await self._lock("WHERE id = $1", item_id)
        row = await self.conn.fetchrow(_SELECT + " WHERE i.id = $1", item_id)
        return self._track(_item_from_row(row)) if row else None

    async def _lock(self, where: str, *args: object) -> None:
        """Lock head rows first, then read them with a fresh statement.

        One `SELECT ... JOIN ... FOR UPDATE` is not enough under READ COMMITTED: after
        waiting for the lock PostgreSQL re-reads the locked row but keeps the joined draft
        and version rows of its old snapshot, so a second publisher would publish the
        draft the first one had just published. The next statement sees the committed state.
        """
        await self.conn.execute(f"SELECT 1 FROM items {where} ORDER BY id FOR UPDATE", *args)

    async def localisation_of(self, tenant_id: str, base_id: uuid.UUID) -> Item | None:
        row = await self.conn.fetchrow(_SELECT + " WHERE i.tenant_id = $1 AND i.inherited_from = $2", tenant_id, base_id)
        return self._track(_item_from_row(row)) if row else None

    async def localisations_of(self, base_id: uuid.UUID) -> list[Item]:
        """Every localisation of a base item, locked (they are about to be rebased or retired)."""
        await self._lock("WHERE inherited_from = $1", base_id)
        rows = await self.conn.fetch(_SELECT + " WHERE i.inherited_from = $1 ORDER BY i.id", base_id)
        return [self._track(_item_from_row(r)) for r in rows]

    async def code_taken(self, tenant_id: str, code: str) -> bool:
        return bool(await self.conn.fetchval("SELECT true FROM items WHERE tenant_id = $1 AND code = $2", tenant_id, code))

    async def last_serial(self, tenant_id: str, prefix: str) -> int:
        """The highest serial of the tenant's own codes starting with `prefix` (e.g. 330100-XK-)."""
        # Serialise allocation per (tenant, prefix) until the transaction ends.
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"catalog-code:{tenant_id}:{prefix}")
        value = await self.conn.fetchval(
            "SELECT max(substr(code, length($2) + 1)::int) FROM items WHERE tenant_id = $1 AND inherited_from IS NULL AND code LIKE $2 || '%'",
            tenant_id, prefix,
        )
        return int(value or 0)

    async def version(self, item_id: uuid.UUID, number: int) -> Version | None:
        row = await self.conn.fetchrow("SELECT * FROM item_versions WHERE item_id = $1 AND version = $2", item_id, number)
        return version_from_row(row) if row else None

    async def versions(self, item_id: uuid.UUID) -> list[Version]:
        rows = await self.conn.fetch("SELECT * FROM item_versions WHERE item_id = $1 ORDER BY version DESC", item_id)
        return [version_from_row(r) for r in rows]

    async def add(self, item: Item) -> None:
        assert item.public_content is not None
        cols = _search_columns(item, item.public_content)
        try:
            await self.conn.execute(
                "INSERT INTO items (id, tenant_id, code, type, inherited_from, status, latest_version, use_count, created_at, updated_at,"
                " name_zh, name_en, agency, department, channels, search_text, listing)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                item.id, item.tenant_id, item.code, item.type.slug, item.inherited_from, item.status.value, item.latest_version,
                item.created_at, item.updated_at, *cols,
            )
        except asyncpg.UniqueViolationError:
            # Lost a race with a concurrent creation of the same code or localisation.
            raise AlreadyExists(f"{item.tenant_id} already has item {item.code}", code="item_exists", field="base_item_id" if item.inherited_from else "type") from None
        item.public_content = None
        self._track(item)
        await self._save_parts(item)

    async def save(self, item: Item) -> None:
        await self.conn.execute(
            "UPDATE items SET status = $2, latest_version = $3, updated_at = $4, retired_at = $5 WHERE id = $1",
            item.id, item.status.value, item.latest_version, item.updated_at, item.retired_at,
        )
        if item.public_content is not None:
            await self.conn.execute(
                "UPDATE items SET name_zh = $2, name_en = $3, agency = $4, department = $5, channels = $6, search_text = $7, listing = $8 WHERE id = $1",
                item.id, *_search_columns(item, item.public_content),
            )
            item.public_content = None
        await self._save_parts(item)

    async def _save_parts(self, item: Item) -> None:
        # Versions first: the draft they were frozen from is deleted right after.
        for v in item.new_versions:
            await self.conn.execute(
                "INSERT INTO item_versions (item_id, version, content, overrides, base_version, etag, published_at, published_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                item.id, v.number, v.content, v.overrides, v.base_version, v.etag, v.published_at, v.published_by,
            )
        item.new_versions = []
        if item.draft_changed:
            if item.draft is None:
                await self.conn.execute("DELETE FROM item_drafts WHERE item_id = $1", item.id)
            else:
                d = item.draft
                await self.conn.execute(
                    "INSERT INTO item_drafts (item_id, content, revision, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)"
                    " ON CONFLICT (item_id) DO UPDATE SET content = $2, revision = $3, updated_at = $4, updated_by = $5",
                    item.id, d.content, d.revision, d.updated_at, d.updated_by,
                )
            item.draft_changed = False

    async def search(self, criteria: search_sql.Criteria) -> list[asyncpg.Record]:
        sql, args = search_sql.build(criteria)
        return await self.conn.fetch(sql, *args)

    async def add_use(self, item_id: uuid.UUID, n: int = 1) -> bool:
        return (await self.conn.execute("UPDATE items SET use_count = use_count + $2 WHERE id = $1", item_id, n)) == "UPDATE 1"
