"""All handlers of the service, built over one context."""

from __future__ import annotations

from dataclasses import dataclass

from services.identity.service_layer.accounts import Accounts
from services.identity.service_layer.context import Context
from services.identity.service_layer.invitations import Invitations
from services.identity.service_layer.keys import Keys
from services.identity.service_layer.phone_verification import PhoneVerification
from services.identity.service_layer.platform import PlatformClients
from services.identity.service_layer.registration import Registration
from services.identity.service_layer.sign_in import SignIn
from services.identity.service_layer.staff import Staff
from services.identity.service_layer.systems import Systems
from services.identity.service_layer.tenants import Tenants


@dataclass(frozen=True)
class Handlers:
    ctx: Context
    accounts: Accounts
    sign_in: SignIn
    staff: Staff
    tenants: Tenants
    keys: Keys
    platform: PlatformClients
    systems: Systems
    invitations: Invitations
    registration: Registration
    phone: PhoneVerification

    @classmethod
    def build(cls, ctx: Context) -> "Handlers":
        registration = Registration(ctx)
        return cls(ctx, Accounts(ctx), SignIn(ctx), Staff(ctx), Tenants(ctx), Keys(ctx), PlatformClients(ctx), Systems(ctx),
                   Invitations(ctx), registration, PhoneVerification(registration))
