"""The zombie list of a tenant's subtree, the tenants' thresholds, and the actions taken
from the list (each one recorded in `zombie_actions`, refused ones too)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

import grpc

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.paging import fingerprint, page_size, text
from mgov_common.principal import Principal, current_access_token
from services.insight.adapters.owners import OwnerRefused
from services.insight.domain import zombies as z
from services.insight.domain.zombies import Thresholds, Zombie
from services.insight.service_layer.context import Context, require_admin, visible_subtree

log = logging.getLogger(__name__)
MAX_REASON = 500


def _own(r) -> Thresholds:  # type: ignore[no-untyped-def]
    return Thresholds(r["item_unused_days"], r["guide_stale_days"], r["system_silent_days"], r["account_idle_days"], r["tenant_id"],
                      r["notice_stale_days"], r["department_unstaffed_days"])


async def _thresholds(conn, tenants: list[str], parents: dict[str, str | None]) -> dict[str, Thresholds]:  # type: ignore[no-untyped-def]
    """The effective thresholds of each tenant in `tenants` (its own, else its nearest ancestor's)."""
    own = {r["tenant_id"]: _own(r) for r in await conn.fetch("SELECT * FROM thresholds")}
    return {t: z.threshold_for(z.chain(t, parents), own) for t in tenants}


async def find(ctx: Context, tenants: list[str], now: datetime, kind: str = "") -> list[Zombie]:
    """Every zombie of `tenants`, ordered by kind, tenant and target."""
    async with ctx.uow(begin=False) as uow:
        nodes = await uow.tenants.all()
        parents = {n.id: n.parent_id for n in nodes}
        limits = await _thresholds(uow.conn, tenants, parents)
        found: list[Zombie | None] = []
        if kind in ("", "item_unused", "guide_stale"):
            for r in await uow.conn.fetch("SELECT * FROM items WHERE status = 'published' AND tenant_id = ANY($1::text[])", tenants):
                t, name = r["tenant_id"], dict(r["name"])
                if kind in ("", "item_unused"):
                    last = max(x for x in (r["last_application_at"], r["first_published_at"]) if x is not None)
                    found.append(z.idle("item_unused", t, str(r["id"]), name, last, now, limits[t]))
                if kind in ("", "guide_stale"):
                    found.append(z.idle("guide_stale", t, str(r["id"]), name, r["reviewed_at"], now, limits[t]))
        if kind in ("", "system_silent"):
            for r in await uow.conn.fetch("SELECT * FROM systems WHERE status = 'active' AND tenant_id = ANY($1::text[])", tenants):
                last = r["last_seen_at"] or r["registered_at"]
                found.append(z.idle("system_silent", r["tenant_id"], r["id"], {"zh": r["name"], "en": r["name"]}, last, now,
                                    limits[r["tenant_id"]]))
        if kind in ("", "account_idle"):
            for r in await uow.conn.fetch("SELECT * FROM accounts WHERE NOT disabled AND tenant_id = ANY($1::text[])", tenants):
                last = r["last_sign_in_at"] or r["created_at"]  # never signed in: idle since it was made
                if last is not None:
                    found.append(z.idle("account_idle", r["tenant_id"], str(r["user_id"]), {"zh": r["name"], "en": r["name"]},
                                        last, now, limits[r["tenant_id"]]))
        if kind in ("", "notice_stale"):
            for r in await uow.conn.fetch("SELECT DISTINCT ON (tenant_id) * FROM notices WHERE tenant_id = ANY($1::text[]) "
                                          "ORDER BY tenant_id, published_at DESC, id", tenants):
                found.append(z.idle("notice_stale", r["tenant_id"], str(r["id"]), dict(r["title"]), r["published_at"], now,
                                    limits[r["tenant_id"]]))
            # A tenant that publishes items but never published a notice: silent since its first item appeared.
            for r in await uow.conn.fetch("SELECT tenant_id, min(first_published_at) AS since FROM items WHERE status = 'published' "
                                          "AND tenant_id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.tenant_id = items.tenant_id) "
                                          "GROUP BY tenant_id", tenants):
                found.append(z.idle("notice_stale", r["tenant_id"], r["tenant_id"], z.NO_NOTICE, r["since"], now, limits[r["tenant_id"]]))
        if kind in ("", "department_unstaffed"):
            found += await _unstaffed(uow.conn, tenants, parents, frozenset(n.id for n in nodes if n.level == "province"), now, limits)
    order = {k: i for i, k in enumerate(z.KINDS)}
    return sorted((x for x in found if x is not None), key=lambda x: (order[x.kind], x.tenant_id, x.target_id))


async def _unstaffed(conn, tenants: list[str], parents: dict[str, str | None], provinces: frozenset[str], now: datetime,  # type: ignore[no-untyped-def]
                     limits: dict[str, Thresholds]) -> list[Zombie | None]:
    """Departments with an open case that no active staff account can act on (accounts as
    identity last listed them or their last sign-in showed them)."""
    cases = await conn.fetch("SELECT tenant_id, department, eligible_roles, coalesce(state_since, submitted_at) AS since FROM cases "
                             "WHERE finished_at IS NULL AND tenant_id = ANY($1::text[])", tenants)
    if not cases:
        return []
    staff = [r["roles"] for r in await conn.fetch("SELECT roles FROM accounts WHERE NOT disabled")]
    waits = z.oldest_waits((c["tenant_id"], c["department"], c["since"]) for c in cases
                           if z.stranded(c["eligible_roles"], z.chain(c["tenant_id"], parents), provinces, staff))
    return [z.idle("department_unstaffed", t, dep, {"zh": dep, "en": dep}, since, now, limits[t]) for (t, dep), since in sorted(waits.items())]


async def list_zombies(ctx: Context, principal: Principal, tenant_id: str, kind: str, size: int, token: str) -> tuple[list[Zombie], str]:
    if kind and kind not in z.KINDS:
        raise InvalidArgument(f"kind is one of {', '.join(z.KINDS)}", field="kind", code="invalid_kind")
    limit = page_size(size)
    async with ctx.uow(begin=False) as uow:
        tenants = await visible_subtree(uow, principal, tenant_id)
    query = fingerprint("insight.zombies", tenant_id, kind, principal.subject)
    pos = ctx.pages.decode(query, token, (text, text, text))
    order = {k: i for i, k in enumerate(z.KINDS)}
    rows = await find(ctx, tenants, ctx.clock.now(), kind)
    if pos is not None:
        if pos[0] not in order:
            raise InvalidArgument("the page token is invalid", field="page_token", code="invalid_page_token")
        key = (order[pos[0]], pos[1], pos[2])
        rows = [x for x in rows if (order[x.kind], x.tenant_id, x.target_id) > key]
    page = rows[:limit]
    nxt = ctx.pages.encode(query, [page[-1].kind, page[-1].tenant_id, page[-1].target_id]) if len(rows) > limit else ""
    return page, nxt


# -- thresholds
async def get_thresholds(ctx: Context, principal: Principal, tenant_id: str) -> Thresholds:
    async with ctx.uow(begin=False) as uow:
        await visible_subtree(uow, principal, tenant_id)
        parents = {n.id: n.parent_id for n in await uow.tenants.all()}
        return (await _thresholds(uow.conn, [tenant_id], parents))[tenant_id]


async def update_thresholds(ctx: Context, principal: Principal, tenant_id: str, t: Thresholds, keep: tuple[str, ...] = ()) -> Thresholds:
    """Set the tenant's own thresholds; the fields named in `keep` keep the value in force."""
    async with ctx.uow() as uow:
        await require_admin(uow, principal, tenant_id)
        if keep:
            parents = {n.id: n.parent_id for n in await uow.tenants.all()}
            current = (await _thresholds(uow.conn, [tenant_id], parents))[tenant_id]
            t = replace(t, **{name: getattr(current, name) for name in keep})
        for name in z.THRESHOLD_FIELDS:
            if not 0 <= getattr(t, name) <= 3650:
                raise InvalidArgument(f"{name} is 0 to 3650", field=name, code="invalid_threshold")
        await uow.conn.execute(
            "INSERT INTO thresholds (tenant_id, item_unused_days, guide_stale_days, system_silent_days, account_idle_days, notice_stale_days, "
            "department_unstaffed_days, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id) DO UPDATE "
            "SET item_unused_days = $2, guide_stale_days = $3, system_silent_days = $4, account_idle_days = $5, notice_stale_days = $6, "
            "department_unstaffed_days = $7, updated_at = $8, updated_by = $9",
            tenant_id, t.item_unused_days, t.guide_stale_days, t.system_silent_days, t.account_idle_days, t.notice_stale_days,
            t.department_unstaffed_days, ctx.clock.now(), principal.subject)
        await uow.commit()
    return replace(t, source_tenant_id=tenant_id)


# -- actions
@dataclass(frozen=True)
class ActionRecord:
    id: uuid.UUID
    tenant_id: str
    kind: str
    target_id: str
    action: str
    reason: str
    outcome: str
    error: str
    actor_id: str
    create_time: datetime


async def _record(ctx: Context, principal: Principal, tenant_id: str, kind: str, target: str, action: str, reason: str,
                  outcome: str, error: str) -> ActionRecord:
    rec = ActionRecord(uuid.uuid4(), tenant_id, kind, target, action, reason, outcome, error[:500], principal.subject, ctx.clock.now())
    async with ctx.uow() as uow:
        await uow.conn.execute(
            "INSERT INTO zombie_actions (id, tenant_id, kind, target_id, action, reason, outcome, error, actor_id, actor_tenant, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", rec.id, rec.tenant_id, kind, target, action, reason, outcome,
            rec.error, principal.subject, principal.tenant, rec.create_time)
        await uow.commit()
    return rec


async def act(ctx: Context, principal: Principal, tenant_id: str, kind: str, target_id: str, action: str, reason: str) -> ActionRecord:
    """Do `action` to a zombie in the tenant's subtree, with the caller's own token at the
    owning service (which decides whether the caller may); audited whatever the outcome."""
    async with ctx.uow(begin=False) as uow:  # who asks first: a tenant one may not see is 404 whatever the body
        tenants = await require_admin(uow, principal, tenant_id)
    if kind not in z.KINDS or not z.ACTIONS[kind] or action != z.ACTIONS[kind]:
        raise InvalidArgument(f"the action on a {kind or 'zombie'} is {z.ACTIONS.get(kind) or 'none'}", field="action", code="invalid_action")
    if len(reason) > MAX_REASON:
        raise InvalidArgument(f"reason is at most {MAX_REASON} characters", field="reason", code="too_long")
    listed = [x for x in await find(ctx, tenants, ctx.clock.now(), kind) if x.target_id == target_id]
    if not listed:
        raise NotFound(f"no {kind} zombie {target_id!r} in {tenant_id}", code="zombie_not_found")
    if ctx.actions is None:
        raise FailedPrecondition("this insight service has no connection to the owning services", code="actions_unavailable")
    token = current_access_token()
    owner = listed[0].tenant_id  # the zombie's own tenant, not the path's (the owner audits the tenant it names)
    try:
        if action == "retire_item":
            await ctx.actions.retire_item(target_id, reason or "僵尸事项清理 (insight)", token)
        elif action == "disable_account":
            await ctx.actions.disable_account(owner, target_id, reason or "僵尸账户清理 (insight)", token)
        else:
            await ctx.actions.revoke_system(owner, target_id, token)
    except OwnerRefused as refused:
        await _record(ctx, principal, tenant_id, kind, target_id, action, reason, "failure", str(refused))
        raise refused.error from None
    except grpc.aio.AioRpcError as exc:
        await _record(ctx, principal, tenant_id, kind, target_id, action, reason, "failure", f"{exc.code().name}: {exc.details()}")
        raise
    rec = await _record(ctx, principal, tenant_id, kind, target_id, action, reason, "success", "")
    log.info("zombie action taken", extra={"action": action, "target": target_id, "tenant": tenant_id})
    return rec


async def list_actions(ctx: Context, principal: Principal, tenant_id: str, size: int, token: str) -> tuple[list[ActionRecord], str]:
    limit = page_size(size)
    query = fingerprint("insight.actions", tenant_id, principal.subject)
    pos = ctx.pages.decode(query, token, (text, uuid.UUID))
    async with ctx.uow(begin=False) as uow:
        tenants = await visible_subtree(uow, principal, tenant_id)
        after = (datetime.fromisoformat(pos[0]), pos[1]) if pos else None
        rows = await uow.conn.fetch(
            "SELECT * FROM zombie_actions WHERE tenant_id = ANY($1::text[]) AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) "
            "ORDER BY created_at DESC, id DESC LIMIT $4", tenants, after[0] if after else None, after[1] if after else uuid.UUID(int=0), limit + 1)
    out = [ActionRecord(r["id"], r["tenant_id"], r["kind"], r["target_id"], r["action"], r["reason"], r["outcome"], r["error"],
                        r["actor_id"], r["created_at"]) for r in rows[:limit]]
    nxt = ctx.pages.encode(query, [out[-1].create_time.isoformat(), str(out[-1].id)]) if len(rows) > limit else ""
    return out, nxt
