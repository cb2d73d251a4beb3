"""Citizens' accounts: reading a user, adding a national ID number (registration: `registration.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mgov_common.errors import AlreadyExists, FieldViolation, InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import Principal
from services.identity.domain import policy
from services.identity.domain.national_id import normalize_national_id
from services.identity.domain.users import User, check_name
from services.identity.service_layer import commands
from services.identity.service_layer.access import actor, parse_user_id, signed_in, signed_in_person
from services.identity.service_layer.context import Context

T = TypeVar("T")


class Validation:
    """Collects every field error of a request, so one answer names them all."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except InvalidArgument as exc:
            self.violations.extend(exc.violations)
            return None

    def raise_if_any(self) -> None:
        if len(self.violations) == 1:
            only = self.violations[0]
            raise InvalidArgument(only.description, code=only.code, violations=self.violations)
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"invalid input: {fields}", code="validation_failed", violations=self.violations)


class Accounts:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def get_user(self, user_id: str, principal: Principal | None) -> User:
        p = signed_in(principal) if user_id else signed_in_person(principal)
        uid = parse_user_id(user_id or p.subject)
        async with self.ctx.uow() as uow:
            user = await uow.users.get(uid)
            if user is None:
                raise NotFound("no such user", field="user_id", code="user_not_found")
            if str(uid) != p.subject:
                paths = [await uow.tenants.path(t) for t in sorted({user.tenant_id} | {b.tenant for b in user.roles})]
                if not policy.may_view_user(p, str(uid), [path for path in paths if path]):
                    raise PermissionDenied("you may not see this user", code="forbidden")
        return user

    async def set_national_id(self, cmd: commands.SetNationalId, principal: Principal | None) -> User:
        p = signed_in_person(principal)
        if cmd.user_id and cmd.user_id != p.subject:
            raise PermissionDenied("only the user themselves may add their ID number", field="user_id")
        now = self.ctx.clock()
        v = Validation()
        national_id = v.check(lambda: normalize_national_id(cmd.national_id, today=now.date()))
        v.check(lambda: check_name(cmd.real_name, "real_name"))
        v.raise_if_any()
        assert national_id is not None
        async with self.ctx.uow() as uow:
            user = await uow.users.get(parse_user_id(p.subject), for_update=True)
            if user is None:
                raise NotFound("no such user", field="user_id", code="user_not_found")
            owner = await uow.users.national_id_owner(national_id)
            if owner is not None and owner != user.id:
                raise AlreadyExists("this ID number belongs to another account", field="national_id", code="duplicate_national_id")
            user.set_national_id(national_id, cmd.real_name, now)
            await uow.users.save(user)
            uow.audit(actor(p, action="user.real_name", tenant_id=user.tenant_id, subject=str(user.id), details={"level": 2}))
            await uow.commit()
        return user


