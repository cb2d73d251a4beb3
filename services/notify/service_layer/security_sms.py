"""Security SMS for identity: registration codes, codes proving a phone without an
account (随手拍 reports), and the warning to a registered
phone's holder that someone tried to register with their number.

Sent at once through the SMS provider and never stored: a code must not outlive the
message (the deliveries table keeps rendered texts for the delivery log). Only the
identity service may ask (a platform token with subject `identity`). The texts are
fixed here, not tenant templates: a template an admin can edit must never see a code.
"""

from __future__ import annotations

import logging
import re
import uuid

from mgov_common.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from mgov_common.phone import is_mobile, mask_phone
from mgov_common.principal import PLATFORM, Principal
from services.notify.adapters.sms import SmsMessage
from services.notify.domain.delivery import Outcome
from services.notify.service_layer.context import Context

log = logging.getLogger(__name__)

KINDS = {
    "registration_code": "您的注册验证码为{code}，{minutes}分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。",
    "phone_code": "您的随手拍验证码为{code}，{minutes}分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。",
    "registration_attempt": "有人尝试用您的手机号注册账号。您已注册，无需再注册；如非本人操作，请忽略本短信，您的账号安全未受影响。",
}
_CODE = re.compile(r"^[0-9]{6}$")


async def send(ctx: Context, p: Principal, *, kind: str, phone: str, code: str, tenant_id: str, message_id: str,
               expires_in_minutes: int) -> None:
    if p.kind != PLATFORM or p.subject != "identity":
        raise PermissionDenied("only the identity service sends security SMS", code="forbidden")
    text = KINDS.get(kind)
    if text is None:
        raise InvalidArgument(f"kind is one of {', '.join(KINDS)}", field="kind", code="unknown_kind")
    if not is_mobile(phone):
        raise InvalidArgument("a mainland mobile number of 11 digits", field="phone", code="invalid_phone")
    if kind in ("registration_code", "phone_code") and not _CODE.match(code):
        raise InvalidArgument("a code is six digits", field="code", code="invalid_code")
    if ctx.sms is None:
        raise FailedPrecondition("this deployment has no SMS channel", code="sms_disabled")
    try:
        mid = str(uuid.UUID(message_id))
    except ValueError:
        raise InvalidArgument("message_id is a UUID", field="message_id", code="invalid_message_id") from None
    content = f"【{ctx.sms_sign_name}】" + text.format(code=code, minutes=max(1, expires_in_minutes))
    result = await ctx.sms.send(SmsMessage(mid, phone, ctx.sms_sign_name, kind, content, tenant_id))
    if result.outcome is not Outcome.OK:
        log.warning("security SMS not sent", extra={"kind": kind, "to": mask_phone(phone), "outcome": result.outcome.value})
        raise Unavailable("the SMS could not be sent; try again shortly", code="sms_unavailable")
