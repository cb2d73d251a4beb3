"""The shared unit of work (mgov_common.uow) against real PostgreSQL: a change and its
events commit together, and leaving without `commit()` — or by an exception — keeps
neither."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import asyncpg
import pytest

from mgov_common.events.domain import DomainEvent
from mgov_common.uow import HasEvents, UnitOfWork


@dataclass
class Note:
    id: str
    events: list[DomainEvent] = field(default_factory=list)


class NoteUnitOfWork(UnitOfWork):
    """A service's own unit: only its repository (here a table) and its aggregates."""

    service = "example"

    def bind(self, conn: asyncpg.Connection) -> None:
        self.seen: list[Note] = []

    def aggregates(self) -> Iterable[HasEvents]:
        return self.seen

    async def add(self, note_id: str, tenant: str) -> None:
        await self.conn.execute("INSERT INTO notes (id) VALUES ($1)", note_id)
        note = Note(note_id)
        note.events.append(DomainEvent("note", "created", tenant, note_id, {"id": note_id}))
        self.seen.append(note)


@pytest.fixture
async def notes(pool: asyncpg.Pool) -> asyncpg.Pool:
    await pool.execute("CREATE TABLE notes (id text PRIMARY KEY)")
    return pool


async def stored(pool: asyncpg.Pool) -> tuple[list[str], list[dict[str, object]]]:
    ids = [r["id"] for r in await pool.fetch("SELECT id FROM notes ORDER BY id")]
    events = [{**json.loads(r["payload"]), "nats_subject": r["subject"]} for r in await pool.fetch("SELECT subject, payload FROM outbox ORDER BY seq")]
    return ids, events


async def test_a_committed_unit_stores_the_change_with_its_events_as_cloud_events(notes: asyncpg.Pool, tenant: str) -> None:
    async with NoteUnitOfWork(notes) as uow:
        await uow.add("n1", tenant)
        uow.record(DomainEvent("note", "pinned", tenant, "n1", {"id": "n1"}))
        await uow.commit()
    ids, events = await stored(notes)
    assert ids == ["n1"]
    assert [(e["nats_subject"], e["type"], e["source"], e["tenant"], e["data"]) for e in events] == [
        (f"mgov.evt.{tenant}.example.note.pinned", "mgov.example.note.pinned.v1", "mgov/example", tenant, {"id": "n1"}),
        (f"mgov.evt.{tenant}.example.note.created", "mgov.example.note.created.v1", "mgov/example", tenant, {"id": "n1"}),
    ]


async def test_leaving_the_block_without_commit_rolls_back_the_change_and_its_events(notes: asyncpg.Pool, tenant: str) -> None:
    async with NoteUnitOfWork(notes) as uow:
        await uow.add("n1", tenant)
        uow.record(DomainEvent("note", "pinned", tenant, "n1", {}))
    assert await stored(notes) == ([], [])


async def test_an_exception_rolls_back_the_change_and_its_events(notes: asyncpg.Pool, tenant: str) -> None:
    with pytest.raises(LookupError):
        async with NoteUnitOfWork(notes) as uow:
            await uow.add("n1", tenant)
            raise LookupError("the handler failed")
    assert await stored(notes) == ([], [])


async def test_a_unit_that_never_began_a_transaction_cannot_commit(notes: asyncpg.Pool, tenant: str) -> None:
    async with NoteUnitOfWork(notes, begin=False) as uow:
        assert await uow.conn.fetchval("SELECT count(*) FROM notes") == 0
        with pytest.raises(RuntimeError, match="never began"):
            await uow.commit()
        await uow.begin()
        await uow.add("n1", tenant)
        await uow.commit()
    assert (await stored(notes))[0] == ["n1"]


async def test_a_joined_unit_writes_its_events_in_the_owners_transaction(notes: asyncpg.Pool, tenant: str) -> None:
    async with notes.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        uow = NoteUnitOfWork.joining(conn)
        async with uow:
            await uow.add("n1", tenant)
            await uow.commit()
        await tx.rollback()  # the owner decides: its rollback takes the events too
    assert await stored(notes) == ([], [])
    async with notes.acquire() as conn, conn.transaction():
        async with NoteUnitOfWork.joining(conn) as uow:
            await uow.add("n2", tenant)
            await uow.commit()
    ids, events = await stored(notes)
    assert ids == ["n2"] and [e["nats_subject"] for e in events] == [f"mgov.evt.{tenant}.example.note.created"]
