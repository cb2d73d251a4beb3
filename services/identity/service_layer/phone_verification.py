"""A phone proven without an account (docs/reports.md, "Reporting without an account").

Where a city takes anonymous 随手拍 reports, a person without an account proves a phone
the way a registration does: a six-digit code by SMS (notify's security SMS), the same
code lifetime, the same bounded tries, and the same rate limits, counted together with
registrations (one table of pending codes, `purpose = phone`). The confirmed code buys a
short-lived phone token (audience `mgov-phone`, never an access token) naming a keyed
pseudonym of the phone and its masked number, which is all the workflow service learns.
Unlike a registration, a registered phone gets its code too: a report is no account, and
the answer is the same either way. The proven phone is kept encrypted under its
pseudonym (`phone_contacts`) so that notify can tell the reporter of their report by SMS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from mgov_common.errors import InvalidArgument, NotFound, Unavailable
from mgov_common.phone import mask_phone, normalize_phone
from services.identity.domain.registrations import PendingRegistration, Purpose, check_code_format, new_code
from services.identity.domain.tenants import Status, check_slug
from services.identity.service_layer.access import actor
from services.identity.service_layer.registration import Registration, Started

PHONE_TOKEN_TTL = timedelta(minutes=30)
# A proven phone is kept this long after its last proof, to tell its holder of their reports by SMS.
PHONE_CONTACT_DAYS = timedelta(days=365)
SMS_KIND = "phone_code"


@dataclass(frozen=True)
class PhoneToken:
    token: str
    expires_in_s: int
    phone_masked: str


class PhoneVerification:
    def __init__(self, registration: Registration) -> None:
        self.registration = registration  # its SMS channel, code policy and rate limits

    async def start(self, tenant_id: str, raw_phone: str, source_address: str) -> Started:
        check_slug(tenant_id, "tenant_id")
        phone = normalize_phone(raw_phone)
        reg = self.registration
        if reg.sms is None:
            raise Unavailable("proving a phone needs the SMS channel, which this deployment lacks", code="sms_unavailable")
        ctx, policy = reg.ctx, reg.policy
        now = ctx.clock()
        address = source_address or "unknown"
        vid, code = uuid.uuid4(), new_code()
        async with ctx.uow() as uow:
            tenant = await uow.tenants.get(tenant_id)
            if tenant is None or tenant.status is not Status.ACTIVE:
                raise InvalidArgument(f"no active tenant {tenant_id!r}", field="tenant_id", code="unknown_tenant")
            await reg.admit(uow, tenant.id, phone, address, source_address, "phone.verify", now)
            await uow.registrations.add(PendingRegistration(
                vid, tenant.id, "", phone, "", ctx.lookup.registration_code(str(vid), code), address, now, now + policy.code_ttl,
                purpose=Purpose.PHONE))
            uow.audit(actor(None, source_address, action="phone.verify_started", actor_kind="anonymous", tenant_id=tenant.id,
                            subject=str(vid)))
            await uow.commit()
        await reg.sms.send(SMS_KIND, phone, code, tenant.id, str(vid), int(policy.code_ttl.total_seconds() // 60))
        return Started(str(vid), int(policy.code_ttl.total_seconds()))

    async def confirm(self, verification_id: str, raw_code: str, source_address: str) -> PhoneToken:
        try:
            vid = uuid.UUID(verification_id)
        except (ValueError, TypeError):
            raise InvalidArgument("not a verification id", field="verification_id", code="invalid_verification_id") from None
        code = check_code_format(raw_code)
        reg = self.registration
        ctx = reg.ctx
        now = ctx.clock()
        async with ctx.uow() as uow:
            pending = await uow.registrations.get_for_update(vid)
            if pending is None or pending.purpose is not Purpose.PHONE:
                raise NotFound("no such verification", field="verification_id", code="verification_not_found")
            ok = pending.try_code(ctx.lookup.registration_code(str(vid), code), now, reg.policy.max_attempts)
            await uow.registrations.save(pending)
            uow.audit(actor(None, source_address, action="phone.verify", outcome="success" if ok else "failure", actor_kind="anonymous",
                            tenant_id=pending.tenant_id, subject=str(vid), details={"attempts": pending.attempts}))
            await uow.commit()
        if not ok:
            left = max(0, reg.policy.max_attempts - pending.attempts)
            raise InvalidArgument(f"wrong code ({left} tries left)" if left else "wrong code; ask for a new one", field="code",
                                  code="invalid_code")
        masked, pseudonym = mask_phone(pending.phone), ctx.lookup.phone_pseudonym(pending.phone)
        async with ctx.uow() as uow:  # to tell the reporter of their reports by SMS (notify asks GetContacts)
            await uow.registrations.remember_phone(pseudonym, pending.tenant_id, pending.phone, now)
            await uow.commit()
        token = await ctx.issuer.issue_phone(pseudonym, pending.tenant_id, masked, now,
                                             int(PHONE_TOKEN_TTL.total_seconds()))
        return PhoneToken(token.token, token.expires_in, masked)
