"""Security SMS: notify texts only a normalised mainland mobile number."""

from __future__ import annotations

import asyncio

import pytest

from mgov_common.errors import InvalidArgument
from mgov_common.principal import PLATFORM, Principal
from services.notify.service_layer import security_sms

pytestmark = pytest.mark.unit

IDENTITY = Principal(subject="identity", tenant="zj", kind=PLATFORM)


@pytest.mark.parametrize("phone", ["12900000000", "1390000010", "+8613900000100", "139000001000", ""])
def test_notify_refuses_to_text_a_number_that_is_not_a_normalised_mainland_mobile(phone: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        asyncio.run(security_sms.send(None, IDENTITY, kind="registration_code", phone=phone, code="123456",  # type: ignore[arg-type]
                                      tenant_id="zj", message_id="00000000-0000-4000-8000-000000000001",
                                      expires_in_minutes=10))
    assert refused.value.field == "phone"

