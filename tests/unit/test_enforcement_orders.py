"""The order to correct's facts and text (pure): the failed items with their notes, the
retry delay, the fixed SMS wording and who may ask notify to send it; and the working-day
rule that moves a date falling on a holiday."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mgov_common.errors import PermissionDenied
from mgov_common.principal import Principal, RoleBinding
from mgov_common.working_days import WorkingCalendar
from services.enforcement.domain.outcomes import correction_items, order_retry_delay
from services.notify.service_layer import enforcement_sms

CHECKLIST = [{"id": "licence", "text": "证照公示"}, {"id": "cold", "text": "冷藏温度"}, {"id": "health", "text": "健康证明"}]


def test_an_order_names_each_failed_item_with_its_note_and_no_passed_one() -> None:
    answers = {"licence": {"result": "pass"}, "cold": {"result": "fail", "note": "12℃"}, "health": {"result": "fail", "note": ""}}
    assert correction_items(CHECKLIST, answers) == ["冷藏温度（12℃）", "健康证明"]


def test_a_failed_send_is_retried_later_each_time_up_to_an_hour() -> None:
    delays = [order_retry_delay(n) for n in range(1, 10)]
    assert delays[0] == timedelta(seconds=30) and delays == sorted(delays) and delays[-1] == timedelta(hours=1)


def test_the_sms_text_gives_the_authority_the_subject_the_items_and_the_date() -> None:
    text = enforcement_sms.correction_order_text("浙里办", "西湖区", "某食品店", date(2026, 12, 28), ["冷藏温度（12℃）", "健康证明"])
    assert text.startswith("【浙里办】西湖区责令限期整改通知：某食品店")
    assert "1. 冷藏温度（12℃）；2. 健康证明" in text and "请于2026年12月28日前整改完毕" in text


@pytest.mark.asyncio
async def test_only_the_enforcement_service_may_send_an_enforcement_sms() -> None:
    for who in (Principal(subject="identity", tenant="", kind="platform"), Principal(subject="u1", tenant="xihu",
                                                                      roles=frozenset({RoleBinding("xihu", "supervisor")}))):
        with pytest.raises(PermissionDenied):
            await enforcement_sms.send(None, who, kind="correction_order", phone="13700009000", tenant_id="xihu",  # type: ignore[arg-type]
                                       message_id="", subject_name="x", due_date="2026-12-28", items=["x"])


def test_a_date_on_a_holiday_moves_to_the_first_working_day_after_it() -> None:
    cal = WorkingCalendar({date(2026, 12, 24): False, date(2026, 12, 25): False})
    assert cal.first_working_day_from(date(2026, 12, 24)) == date(2026, 12, 28)
    assert cal.first_working_day_from(date(2026, 12, 23)) == date(2026, 12, 23)


@pytest.mark.asyncio
@pytest.mark.parametrize("change, code", [
    ({"kind": "free_text"}, "unknown_kind"), ({"phone": "0571-88888888"}, "invalid_phone"), ({"message_id": "x"}, "invalid_message_id"),
    ({"due_date": "12/28"}, "invalid_due_date"), ({"items": []}, "invalid_items"), ({"items": ["x"] * 11}, "invalid_items"),
    ({"items": ["\u0007"]}, "invalid_items"), ({"subject_name": " "}, "required"),
])
async def test_an_enforcement_sms_with_a_bad_fact_is_refused_before_anything_is_sent(change: dict[str, object], code: str) -> None:
    from mgov_common.errors import InvalidArgument

    good: dict[str, object] = {"kind": "correction_order", "phone": "13700009000", "tenant_id": "xihu",
                               "message_id": "6f1c1c7e-2b1a-4f0e-9a51-3d1c2b0a9e77", "subject_name": "某食品店", "due_date": "2026-12-28",
                               "items": ["冷藏温度"]}
    with pytest.raises(InvalidArgument) as refused:
        await enforcement_sms.send(None, Principal(subject="enforcement", tenant="", kind="platform"), **{**good, **change})  # type: ignore[arg-type]
    assert refused.value.code == code
