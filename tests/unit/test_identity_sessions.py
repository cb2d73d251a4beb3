"""Refresh-token families, lockout arithmetic and the audit hash chain (pure)."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.audit import GENESIS, AuditEntry, AuditRecord, next_record, verify_chain
from services.identity.domain.lockout import ThrottlePolicy, retry_after_s
from services.identity.domain.sessions import RefreshSession, RefreshTokenInvalid, RefreshTokenReused

NOW = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
KEY = b"k" * 32


def test_a_refresh_token_rotates_once_and_its_reuse_is_named() -> None:
    first = RefreshSession.start(uuid.uuid4(), NOW, 14 * DAY, 30 * DAY)
    second = first.rotate(NOW + DAY, 14 * DAY)
    assert second.family_id == first.family_id and second.id != first.id and first.rotated_at == NOW + DAY
    with pytest.raises(RefreshTokenReused):
        first.rotate(NOW + 2 * DAY, 14 * DAY)
    assert second.rotate(NOW + 2 * DAY, 14 * DAY).family_id == first.family_id


def test_revoked_and_expired_tokens_are_invalid_but_not_reuse() -> None:
    s = RefreshSession.start(uuid.uuid4(), NOW, DAY, 30 * DAY)
    with pytest.raises(RefreshTokenInvalid) as err:
        s.check_usable(NOW + DAY)
    assert not isinstance(err.value, RefreshTokenReused) and err.value.code == "refresh_token_expired"
    s.revoked_at = NOW
    with pytest.raises(RefreshTokenInvalid) as err:
        s.check_usable(NOW)
    assert not isinstance(err.value, RefreshTokenReused)


def test_a_family_ends_at_its_maximum_however_often_it_is_refreshed() -> None:
    s = RefreshSession.start(uuid.uuid4(), NOW, 14 * DAY, 20 * DAY)
    s2 = s.rotate(NOW + 13 * DAY, 14 * DAY)
    assert s2.expires_at == NOW + 20 * DAY


def test_delays_begin_after_the_free_failures_double_and_stop_at_a_short_cap() -> None:
    p = ThrottlePolicy(threshold=5, address_threshold=10, account_max_delay_s=300, address_max_delay_s=60)
    assert [p.delay_s("account", n) for n in range(4, 16)] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert [p.delay_s("address", n) for n in (9, 10, 11, 15, 16, 17)] == [0, 1, 2, 32, 60, 60]
    assert p.delay_s("account", 10**9) == 300  # however many guesses: never more than the cap
    assert p.next_attempt("account", 4, NOW) is None
    assert p.next_attempt("account", 7, NOW) == NOW + timedelta(seconds=4)
    assert retry_after_s(NOW + timedelta(seconds=10.2), NOW) == 11
    assert retry_after_s(NOW, NOW) == 1


def chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(n):
        entry = AuditEntry("sign_in", "failure" if i % 2 else "success", "user", f"u{i}", "hangzhou", f"u{i}", "198.51.100.7",
                           {"reason": "bad_credentials", "n": i, "名": "张"})
        records.append(next_record(KEY, records[-1] if records else None, NOW + timedelta(microseconds=i), entry))
    return records


def test_an_untouched_chain_verifies() -> None:
    rows = chain(5)
    assert rows[0].seq == 1 and rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].hash
    report = verify_chain(KEY, rows)
    assert (report.ok, report.rows_checked, report.first_broken_seq) == (True, 5, 0)


def test_an_edited_row_is_the_first_broken_link() -> None:
    rows = chain(5)
    rows[2] = replace(rows[2], entry=replace(rows[2].entry, outcome="failure" if rows[2].entry.outcome == "success" else "success"))
    report = verify_chain(KEY, rows)
    assert (report.ok, report.rows_checked, report.first_broken_seq) == (False, 2, 3)
    assert "edited" in report.reason


def test_a_re_hashed_row_breaks_the_next_link() -> None:
    rows = chain(5)
    forged = replace(rows[2].entry, actor_id="someone-else")
    rows[2] = next_record(b"x" * 32, rows[1], rows[2].at, forged)  # attacker without the key
    assert verify_chain(KEY, rows).first_broken_seq == 3
    rows = chain(5)
    rows[2] = next_record(KEY, rows[1], rows[2].at, forged)  # even with the key, the next link breaks
    assert verify_chain(KEY, rows).first_broken_seq == 4


def test_a_deleted_row_and_a_different_key_are_detected() -> None:
    rows = chain(5)
    report = verify_chain(KEY, rows[:2] + rows[3:])
    assert (report.first_broken_seq, report.rows_checked) == (3, 2) and "missing" in report.reason
    assert verify_chain(b"z" * 32, chain(3)).first_broken_seq == 1
