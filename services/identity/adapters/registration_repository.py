"""Pending registrations in PostgreSQL (migration 0006): the phone encrypted, the code
hashed, and the counts the registration rate limits are checked against."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from services.identity.adapters.crypto import FieldCipher, Lookup
from services.identity.domain.registrations import PendingRegistration, Purpose, RegistrationStatus


def _aad(registration_id: uuid.UUID) -> str:
    return f"registrations.phone:{registration_id}"


def _contact_aad(pseudonym: str) -> str:
    return f"phone_contacts.phone:{pseudonym}"


class RegistrationRepository:
    def __init__(self, conn: asyncpg.Connection, cipher: FieldCipher, lookup: Lookup) -> None:
        self.conn = conn
        self.cipher = cipher
        self.lookup = lookup

    async def add(self, r: PendingRegistration) -> None:
        key_id, blob = self.cipher.encrypt_text(r.phone, _aad(r.id))
        await self.conn.execute(
            """INSERT INTO registrations (id, tenant_id, name, phone_cipher, phone_key_id, phone_lookup, prefix_lookup, password_hash,
                                          code_hash, attempts, status, source_address, created_at, expires_at, purpose)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
            r.id, r.tenant_id, r.name, blob, key_id, self.lookup.phone(r.phone), self.lookup.phone_prefix(r.phone), r.password_hash,
            r.code_hash, r.attempts, r.status.value, r.source_address, r.created_at, r.expires_at, r.purpose.value)

    async def get_for_update(self, registration_id: uuid.UUID) -> PendingRegistration | None:
        row = await self.conn.fetchrow("SELECT * FROM registrations WHERE id = $1 FOR UPDATE", registration_id)
        if row is None:
            return None
        phone = self.cipher.decrypt_text(row["phone_key_id"], row["phone_cipher"], _aad(row["id"]))
        return PendingRegistration(row["id"], row["tenant_id"], row["name"], phone, row["password_hash"], bytes(row["code_hash"]),
                                   row["source_address"], row["created_at"], row["expires_at"], row["attempts"],
                                   RegistrationStatus(row["status"]), Purpose(row["purpose"]))

    async def save(self, r: PendingRegistration) -> None:
        await self.conn.execute("UPDATE registrations SET attempts = $2, status = $3 WHERE id = $1", r.id, r.attempts, r.status.value)

    async def serialise(self, *keys: str) -> None:
        """Transaction-scoped advisory locks on the rate-limit keys, so concurrent
        registrations from one address or for one prefix count each other."""
        for key in sorted(set(keys)):
            await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", f"registration:{key}")

    async def counts(self, source_address: str, phone: str, since: datetime) -> tuple[int, int, int]:
        """Registrations started since `since`: (from the address, for the phone's prefix, for the phone)."""
        row = await self.conn.fetchrow(
            """SELECT count(*) FILTER (WHERE source_address = $1) AS address,
                      count(*) FILTER (WHERE prefix_lookup = $2) AS prefix,
                      count(*) FILTER (WHERE phone_lookup = $3) AS phone
               FROM registrations WHERE created_at > $4 AND (source_address = $1 OR prefix_lookup = $2)""",
            source_address, self.lookup.phone_prefix(phone), self.lookup.phone(phone), since)
        return row["address"], row["prefix"], row["phone"]

    async def remember_phone(self, pseudonym: str, tenant_id: str, phone: str, now: datetime) -> None:
        """Keep a proven phone (encrypted) under its pseudonym, to reach its holder by SMS."""
        key_id, blob = self.cipher.encrypt_text(phone, _contact_aad(pseudonym))
        await self.conn.execute(
            "INSERT INTO phone_contacts (pseudonym, tenant_id, phone_cipher, phone_key_id, confirmed_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (pseudonym) DO UPDATE SET tenant_id = $2, phone_cipher = $3, phone_key_id = $4, confirmed_at = $5",
            pseudonym, tenant_id, blob, key_id, now)

    async def phones(self, pseudonyms: list[str]) -> list[tuple[str, str, str]]:
        """(pseudonym, tenant, phone) of the proven phones among `pseudonyms`."""
        rows = await self.conn.fetch("SELECT * FROM phone_contacts WHERE pseudonym = ANY($1::text[])", pseudonyms)
        return [(r["pseudonym"], r["tenant_id"], self.cipher.decrypt_text(r["phone_key_id"], r["phone_cipher"], _contact_aad(r["pseudonym"])))
                for r in rows]

    async def reencrypt_phones(self, limit: int = 500) -> int:
        """Rewrite kept phones encrypted under an earlier field key with the current one (`mgov keys reencrypt`)."""
        rows = await self.conn.fetch("SELECT * FROM phone_contacts WHERE phone_key_id <> $1 LIMIT $2 FOR UPDATE", self.cipher.current_id, limit)
        for r in rows:
            aad = _contact_aad(r["pseudonym"])
            key_id, blob = self.cipher.encrypt_text(self.cipher.decrypt_text(r["phone_key_id"], r["phone_cipher"], aad), aad)
            await self.conn.execute("UPDATE phone_contacts SET phone_cipher = $2, phone_key_id = $3 WHERE pseudonym = $1", r["pseudonym"], blob, key_id)
        return len(rows)

    async def prune_phones(self, before: datetime) -> int:
        """Forget phones last proven before `before`: nobody is told of a report that old."""
        return int((await self.conn.execute("DELETE FROM phone_contacts WHERE confirmed_at < $1", before)).split()[-1])

    async def prune(self, before: datetime) -> int:
        return int((await self.conn.execute("DELETE FROM registrations WHERE expires_at < $1", before)).split()[-1])
