"""Use cases that change items: drafts, localisations, publishing, retiring, opting out.

Each handler checks the caller against the tenant tree (`domain/permissions.py`),
loads what it changes with row locks, lets the aggregate apply the rules and commits
once, events included.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mgov_common.events.domain import DomainEvent
from mgov_common.errors import AlreadyExists, InvalidArgument, NotFound, StaleVersion
from mgov_common.ingest import ITEM_UPDATED
from mgov_common.paging import fingerprint
from mgov_common.principal import Principal
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.domain import content as c
from services.catalog.domain.codes import ItemCode
from services.catalog.domain.item import Item
from services.catalog.domain.permissions import actor_of, require_admin
from services.catalog.domain.types import ItemType
from services.catalog.service_layer.views import ItemView, draft_view, version_view


async def tenant_chain(uow: UnitOfWork, tenant_id: str, field: str = "tenant_id") -> list[str]:
    chain = [n.id for n in await uow.tenants.chain(tenant_id)]
    if not chain:
        raise NotFound(f"unknown tenant {tenant_id!r}", code="tenant_not_found", field=field)
    return chain


async def _load(uow: UnitOfWork, item_id: uuid.UUID, field: str = "service_id") -> Item:
    item = await uow.items.get(item_id, for_update=True)
    if item is None:
        raise NotFound(f"no service item {item_id}", code="item_not_found", field=field)
    return item


async def _base_of(uow: UnitOfWork, item: Item) -> Item | None:
    if item.inherited_from is None:
        return None
    return await _load(uow, item.inherited_from, "base_item_id")


async def _admin_of(uow: UnitOfWork, principal: Principal | None, tenant_id: str, grant: str | None = None) -> dict[str, str]:
    return actor_of(require_admin(principal, await tenant_chain(uow, tenant_id), grant))


async def create_draft(
    uow: UnitOfWork, principal: Principal | None, *, tenant_id: str, base_item_id: uuid.UUID | None,
    changes: dict[str, Any], paths: list[str], request_id: str, now: datetime,
) -> ItemView:
    """A new item, a localisation of an ancestor's item, or the next draft of an own item."""
    async with uow:
        chain = await tenant_chain(uow, tenant_id)
        actor = actor_of(require_admin(principal, chain, ITEM_UPDATED))
        # The key is bound to the caller and the body: anyone or anything else reusing it is refused.
        scope = f"create-draft:{tenant_id}"
        print_ = fingerprint(actor["kind"], actor["id"], str(base_item_id), paths, {p: c.get_path(changes, p) for p in paths})
        if request_id:
            seen = await uow.keys.find(scope, request_id)
            if seen is not None:
                if seen["fingerprint"] != print_:
                    raise AlreadyExists("this Idempotency-Key was used with another request", code="idempotency_key_reused", field="request_id")
                item = await _load(uow, uuid.UUID(seen["result_id"]))
                base = await _base_of(uow, item)
                return draft_view(item, base) if item.draft else version_view(item, item.latest)  # type: ignore[arg-type]
        if base_item_id is None:
            item, base = await _new_item(uow, chain, changes, paths, actor, now), None
            await uow.items.add(item)
        else:
            item, base = await _from_base(uow, tenant_id, chain, base_item_id, changes, paths, actor, now)
        if request_id:
            await uow.keys.remember(scope, request_id, print_, str(item.id))
        view = draft_view(item, base)
        await uow.commit()
        return view


async def _new_item(uow: UnitOfWork, chain: list[str], changes: dict[str, Any], paths: list[str], actor: dict[str, str], now: datetime) -> Item:
    item_type = ItemType.parse(changes.get("type"))
    node = (await uow.tenants.chain(chain[0]))[0]
    prefix = f"{node.division_code}-{item_type.code}-"
    code = ItemCode.next(node.division_code, item_type, await uow.items.last_serial(chain[0], prefix))
    content = c.apply_changes(c.empty_content(), changes, paths or list(c.ALL_PATHS))
    return Item.create(tenant_id=chain[0], code=code, content=content, actor=actor, now=now)


async def _from_base(
    uow: UnitOfWork, tenant_id: str, chain: list[str], base_item_id: uuid.UUID, changes: dict[str, Any], paths: list[str],
    actor: dict[str, str], now: datetime,
) -> tuple[Item, Item | None]:
    base = await _load(uow, base_item_id, "base_item_id")
    if base.tenant_id == tenant_id:  # the next version of the tenant's own item
        root = await _base_of(uow, base)
        base.start_next_draft(changes, paths, actor, now, root)
        await uow.items.save(base)
        return base, root
    if base.inherited_from is not None:  # another tenant's localisation: localise its base item
        base = await _load(uow, base.inherited_from, "base_item_id")
    if base.tenant_id not in chain[1:]:
        raise NotFound(f"item {base.code} of {base.tenant_id} is not inherited by {tenant_id}", code="item_not_inherited", field="base_item_id")
    existing = await uow.items.localisation_of(tenant_id, base.id)
    if existing is not None:
        raise AlreadyExists(f"{tenant_id} already localises {base.code} as item {existing.id}; change that one", code="localisation_exists", field="base_item_id")
    item = Item.localise(tenant_id=tenant_id, base=base, changes=changes, paths=paths, actor=actor, now=now)
    await uow.items.add(item)
    return item, base


async def update_draft(
    uow: UnitOfWork, principal: Principal | None, *, item_id: uuid.UUID, changes: dict[str, Any], paths: list[str],
    replace: bool, etag: str, version: int, now: datetime,
) -> ItemView:
    """Change the draft at `paths`; no paths means a full replacement (every field of an own
    item; for a localisation, the localisable fields that `changes` sets)."""
    async with uow:
        item = await _load(uow, item_id)
        actor = await _admin_of(uow, principal, item.tenant_id, ITEM_UPDATED)
        base = await _base_of(uow, item)
        if not paths:
            replace = True
            paths = list(c.ALL_PATHS) if base is None else [p for p in sorted(c.LOCALISABLE) if c.get_path(changes, p) not in (None, "", 0, [], False)]
        item.edit_draft(changes, paths, actor=actor, now=now, base=base, replace=replace, expected_etag=etag, version=version)
        await uow.items.save(item)
        view = draft_view(item, base)
        await uow.commit()
        return view


async def publish(uow: UnitOfWork, principal: Principal | None, *, item_id: uuid.UUID, etag: str, now: datetime) -> ItemView:
    """Freeze the draft; a base item's published localisations follow it (rebase)."""
    async with uow:
        item = await _load(uow, item_id)
        actor = await _admin_of(uow, principal, item.tenant_id, ITEM_UPDATED)
        if etag and item.draft is not None and etag != item.draft_etag:
            raise StaleVersion("the draft was changed by someone else; reload it", code="stale_etag", field="etag")
        base = await _base_of(uow, item)
        version = item.publish(actor, now, base)
        await uow.items.save(item)
        if item.inherited_from is None and version.number > 1:
            for loc in await uow.items.localisations_of(item.id):
                if loc.rebase(item, actor, now) is not None:
                    await uow.items.save(loc)
        view = version_view(item, version)
        await uow.commit()
        return view


async def retire(uow: UnitOfWork, principal: Principal | None, *, item_id: uuid.UUID, reason: str, now: datetime) -> ItemView:
    """Retire an item; retiring a base item retires its localisations too."""
    async with uow:
        item = await _load(uow, item_id)
        actor = await _admin_of(uow, principal, item.tenant_id)
        item.retire(reason, actor, now)
        await uow.items.save(item)
        if item.inherited_from is None:
            for loc in await uow.items.localisations_of(item.id):
                if loc.status.value != "retired":
                    loc.retire(f"base item {item.code} retired: {reason}".strip(": "), actor, now)
                    await uow.items.save(loc)
        base = await _base_of(uow, item)
        view = version_view(item, item.latest) if item.latest else draft_view(item, base)
        await uow.commit()
        return view


async def opt_out(
    uow: UnitOfWork, principal: Principal | None, *, tenant_id: str, item_id: uuid.UUID, out: bool, reason: str, now: datetime,
) -> bool:
    """Opt `tenant_id` out of (or back into) an inherited item; True when something changed."""
    async with uow:
        chain = await tenant_chain(uow, tenant_id)
        actor = actor_of(require_admin(principal, chain))
        item = await _load(uow, item_id)
        if item.inherited_from is not None:
            item = await _load(uow, item.inherited_from)
        if item.tenant_id == tenant_id:
            raise InvalidArgument(f"{item.code} is {tenant_id}'s own item: retire it instead", code="own_item", field="service_id")
        if item.tenant_id not in chain[1:]:
            raise NotFound(f"item {item.code} is not inherited by {tenant_id}", code="item_not_inherited", field="service_id")
        if len(reason) > 500:
            raise InvalidArgument("at most 500 characters", code="too_long", field="reason")
        changed = await (uow.opt_outs.add(tenant_id, item.id, reason, actor, now) if out else uow.opt_outs.remove(tenant_id, item.id))
        if changed:  # the tenant's effective list changed: item.opted_out / item.opted_in
            uow.record(DomainEvent("item", "opted_out" if out else "opted_in", tenant_id, str(item.id), {
                "tenant_id": tenant_id, "id": str(item.id), "item_tenant_id": item.tenant_id, "code": item.code,
                "reason": reason if out else "", "by": actor,
            }))
        await uow.commit()
        return changed
