"""Users and their role bindings in PostgreSQL, personal numbers encrypted.

Phone and national ID numbers are written only as AES-GCM ciphertext (with the key id)
and as lookup HMACs; the associated data names the column and the user id, so a
ciphertext moved to another row or column does not decrypt.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from mgov_common.errors import AlreadyExists
from mgov_common.principal import RoleBinding
from services.identity.adapters.crypto import FieldCipher, Lookup
from services.identity.domain.users import User, UserStatus

_COLUMNS = ("id, tenant_id, name, phone_cipher, phone_key_id, national_id_cipher, national_id_key_id, real_name,"
            " identity_level, password_hash, status, created_at, updated_at")


def _aad(column: str, user_id: uuid.UUID) -> str:
    return f"users.{column}:{user_id}"


class UserRepository:
    def __init__(self, conn: asyncpg.Connection, cipher: FieldCipher, lookup: Lookup) -> None:
        self.conn = conn
        self.cipher = cipher
        self.lookup = lookup

    async def _user(self, row: asyncpg.Record) -> User:
        uid = row["id"]
        phone = self.cipher.decrypt_text(row["phone_key_id"], row["phone_cipher"], _aad("phone", uid))
        national_id = None
        if row["national_id_cipher"] is not None:
            national_id = self.cipher.decrypt_text(row["national_id_key_id"], row["national_id_cipher"], _aad("national_id", uid))
        roles = await self.conn.fetch("SELECT tenant_id, role FROM role_bindings WHERE user_id = $1", uid)
        return User(uid, row["tenant_id"], row["name"], phone, row["password_hash"], UserStatus(row["status"]),
                    row["identity_level"], national_id, row["real_name"], row["created_at"], row["updated_at"],
                    {RoleBinding(r["tenant_id"], r["role"]) for r in roles})

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1" + (" FOR UPDATE" if for_update else ""), user_id)
        return await self._user(row) if row else None

    async def get_by_phone(self, phone: str, *, for_update: bool = False) -> User | None:
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM users WHERE phone_lookup = $1" + (" FOR UPDATE" if for_update else ""), self.lookup.phone(phone)
        )
        return await self._user(row) if row else None

    async def national_id_owner(self, national_id: str) -> uuid.UUID | None:
        return await self.conn.fetchval("SELECT id FROM users WHERE national_id_lookup = $1", self.lookup.national_id(national_id))

    async def add(self, user: User, granted_by: str | None = None) -> None:
        key_id, blob = self.cipher.encrypt_text(user.phone, _aad("phone", user.id))
        try:
            await self.conn.execute(
                "INSERT INTO users (id, tenant_id, name, phone_lookup, phone_cipher, phone_key_id, identity_level,"
                " password_hash, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                user.id, user.tenant_id, user.name, self.lookup.phone(user.phone), blob, key_id, user.identity_level,
                user.password_hash, user.status.value, user.created_at, user.updated_at,
            )
        except asyncpg.UniqueViolationError:
            raise AlreadyExists("this phone number is already registered", field="phone", code="duplicate_phone") from None
        await self._insert_roles(user.id, user.roles, granted_by, user.updated_at)

    async def _insert_roles(self, user_id: uuid.UUID, roles: set[RoleBinding], granted_by: str | None, at: datetime) -> None:
        if roles:
            await self.conn.executemany(
                "INSERT INTO role_bindings (user_id, tenant_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT DO NOTHING",
                [(user_id, b.tenant, b.role, granted_by, at) for b in roles],
            )

    async def save(self, user: User, granted_by: str | None = None) -> None:
        """Write the mutable fields and bring the role bindings in line with `user.roles`."""
        nid_lookup = nid_key = nid_blob = None
        if user.national_id is not None:
            nid_lookup = self.lookup.national_id(user.national_id)
            nid_key, nid_blob = self.cipher.encrypt_text(user.national_id, _aad("national_id", user.id))
        try:
            await self.conn.execute(
                "UPDATE users SET name = $2, password_hash = $3, status = $4, identity_level = $5, real_name = $6,"
                " national_id_lookup = $7, national_id_cipher = $8, national_id_key_id = $9, updated_at = $10 WHERE id = $1",
                user.id, user.name, user.password_hash, user.status.value, user.identity_level, user.real_name,
                nid_lookup, nid_blob, nid_key, user.updated_at,
            )
        except asyncpg.UniqueViolationError:
            raise AlreadyExists("this ID number belongs to another account", field="national_id", code="duplicate_national_id") from None
        stored = {RoleBinding(r["tenant_id"], r["role"]) for r in
                  await self.conn.fetch("SELECT tenant_id, role FROM role_bindings WHERE user_id = $1", user.id)}
        for gone in stored - user.roles:
            await self.conn.execute("DELETE FROM role_bindings WHERE user_id = $1 AND tenant_id = $2 AND role = $3",
                                    user.id, gone.tenant, gone.role)
        await self._insert_roles(user.id, user.roles - stored, granted_by, user.updated_at)

    async def count_with_role(self, tenant_id: str, role: str) -> int:
        return int(await self.conn.fetchval(
            "SELECT count(*) FROM role_bindings b JOIN users u ON u.id = b.user_id"
            " WHERE b.tenant_id = $1 AND b.role = $2 AND u.status = 'active'", tenant_id, role))

    async def list_staff(self, tenant_id: str, staff_roles: list[str], *, after: tuple[str, uuid.UUID] | None,
                         limit: int) -> list[User]:
        """Users holding a staff role in `tenant_id`, by name then id (keyset `after`)."""
        args: list[object] = [tenant_id, staff_roles, limit]
        cursor = ""
        if after is not None:
            args.extend(after)
            cursor = " AND (u.name, u.id) > ($4, $5)"
        rows = await self.conn.fetch(
            f"SELECT {', '.join('u.' + c.strip() for c in _COLUMNS.split(','))} FROM users u"
            " WHERE EXISTS (SELECT 1 FROM role_bindings b WHERE b.user_id = u.id AND b.tenant_id = $1 AND b.role = ANY($2))"
            f"{cursor} ORDER BY u.name, u.id LIMIT $3",
            *args,
        )
        return [await self._user(r) for r in rows]

    async def with_old_keys(self, limit: int = 500) -> list[User]:
        """Users with a number encrypted under an earlier field key (for re-encryption)."""
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM users WHERE phone_key_id <> $1 OR national_id_key_id <> $1 LIMIT $2 FOR UPDATE",
            self.cipher.current_id, limit,
        )
        return [await self._user(r) for r in rows]

    async def rewrite_phone(self, user: User) -> None:
        key_id, blob = self.cipher.encrypt_text(user.phone, _aad("phone", user.id))
        await self.conn.execute("UPDATE users SET phone_cipher = $2, phone_key_id = $3 WHERE id = $1", user.id, blob, key_id)
