"""Enforcement's pure rules: credit codes and their check character, the 双随机 draw as a
re-runnable function of its seed and inputs, hash chains that name the broken entry, and
the inspection's two-officer record."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from mgov_common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.enforcement.domain import draw as d
from services.enforcement.domain.canonical import GENESIS, digest
from services.enforcement.domain.chain import link, verify_chain
from services.enforcement.domain.evidence import Position, check_media, new_entry, verify_evidence
from services.enforcement.domain.inspection import Inspection
from services.enforcement.domain.uscc import check_character, normalize_uscc

SEED = "5e" * 32
T = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "91330106mA2CFTC09x".upper()[:17] + check_character("91330106MA2CFTC09")])
def test_credit_codes_with_the_right_check_character_are_accepted(code: str) -> None:
    assert normalize_uscc(code.lower()) == code.upper()


@pytest.mark.parametrize("code, why", [
    ("91350100M000100Y44", "credit_code_check_failed"),   # a mistyped check character
    ("91350100M000100Y4", "invalid_credit_code"),         # 17 characters
    ("91350100M0001O0Y43", "invalid_credit_code"),        # the letter O is not in the alphabet
    ("913501A0M000100Y43", "invalid_credit_code"),        # the division code has a letter
])
def test_a_wrong_credit_code_is_refused_with_its_reason(code: str, why: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        normalize_uscc(code)
    assert exc.value.code == why


def _inputs(n_subjects: int = 40, **over: object) -> d.DrawInputs:
    subjects = tuple(d.Candidate(f"s{i:02d}", "market_food") for i in range(n_subjects))
    officers = tuple(d.Officer(f"i{k}", f"ZJ-{k:06d}", frozenset({"market_food"}),
                               frozenset({f"s{i:02d}" for i in range(n_subjects) if i % 6 == k}))
                     for k in range(6)) + (d.Officer("x", "ZJ-999999", frozenset({"environment"}), frozenset()),)
    raw = {"category": "market_food", "as_of": date(2026, 11, 30), "exclude_days": 90, "subjects": subjects,
           "officers": officers, "ratio_percent": 25}
    raw.update(over)
    return d.DrawInputs(**raw)  # type: ignore[arg-type]


def test_a_quarter_of_forty_subjects_is_ten_each_with_two_distinct_unconflicted_inspectors_of_the_category() -> None:
    inputs = _inputs()
    result = d.run_draw(SEED, inputs)
    assert len(result.picks) == 10 and len({p.subject_id for p in result.picks}) == 10
    officers = {o.id: o for o in inputs.officers}
    for pick in result.picks:
        a, b = pick.inspector_ids
        assert a != b
        for o in (officers[a], officers[b]):
            assert "market_food" in o.categories and pick.subject_id not in o.conflicts


def test_the_same_seed_and_inputs_give_the_same_draw_and_another_seed_another() -> None:
    inputs = _inputs()
    assert d.run_draw(SEED, inputs) == d.run_draw(SEED, d.DrawInputs.from_json(inputs.to_json()))
    assert d.run_draw(SEED, inputs) != d.run_draw("a1" * 32, inputs)


def test_verification_passes_for_the_recorded_draw_and_fails_for_a_changed_input() -> None:
    inputs = _inputs()
    result = d.run_draw(SEED, inputs)
    assert d.verify_draw(SEED, inputs.to_json(), inputs.digest(), result.to_json()).ok
    changed = inputs.to_json()
    changed["subjects"] = changed["subjects"][1:]  # a subject left out after the draw
    assert not d.verify_draw(SEED, changed, inputs.digest(), result.to_json()).ok
    # even with its digest recomputed, the re-run no longer gives the recorded result
    forged = d.verify_draw(SEED, changed, d.DrawInputs.from_json(changed).digest(), result.to_json())
    assert not forged.ok and "different result" in forged.reason


def test_subjects_inspected_recently_are_left_out_of_the_draw() -> None:
    recent = tuple(d.Candidate(f"s{i:02d}", "market_food", date(2026, 11, 1) if i < 20 else None) for i in range(40))
    result = d.run_draw(SEED, _inputs(subjects=recent))
    assert result.eligible == 20 and len(result.picks) == 5
    assert all(int(p.subject_id[1:]) >= 20 for p in result.picks)


def test_a_subject_every_inspector_but_one_is_conflicted_with_is_not_drawn() -> None:
    officers = (d.Officer("a", "ZJ-000001", frozenset({"market_food"}), frozenset({"s00"})),
                d.Officer("b", "ZJ-000002", frozenset({"market_food"}), frozenset()))
    result = d.run_draw(SEED, _inputs(n_subjects=2, officers=officers, ratio_percent=0, count=2))
    assert [p.subject_id for p in result.picks] == ["s01"] and result.unstaffed == ("s00",)


def test_a_draw_needs_a_ratio_or_a_count_and_two_inspectors() -> None:
    with pytest.raises(InvalidArgument):
        d.run_draw(SEED, _inputs(ratio_percent=0))
    with pytest.raises(FailedPrecondition):
        d.run_draw(SEED, _inputs(officers=(d.Officer("a", "ZJ-000001", frozenset({"market_food"}), frozenset()),)))


def test_the_random_stream_is_uniform_enough_and_reproducible() -> None:
    s1, s2 = d.Stream(SEED), d.Stream(SEED)
    draws = [s1.below(6) for _ in range(6000)]
    assert draws == [s2.below(6) for _ in range(6000)]
    assert all(800 < draws.count(k) < 1200 for k in range(6))


def _chain(n: int) -> list[dict[str, object]]:
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        e = link({"seq": seq, "what": f"draw {seq}"}, prev)
        entries.append(e)
        prev = e["hash"]
    return entries


def test_a_chain_holds_and_an_edit_a_removal_or_a_swap_names_the_entry() -> None:
    entries = _chain(4)
    assert verify_chain(entries, 4, entries[-1]["hash"]) == []  # type: ignore[arg-type]
    edited = [dict(e) for e in entries]
    edited[2]["what"] = "draw 3 changed"
    assert verify_chain(edited)[0].seq == 3
    removed = entries[:1] + [{**e, "seq": e["seq"] - 1} for e in entries[2:]]  # type: ignore[operator]
    assert verify_chain(removed)[0].seq == 2
    assert verify_chain(entries[:1] + entries[2:])[0].seq == 2
    assert verify_chain(entries[:3], 4)[0].seq == 4  # the last one removed: the head knows
    swapped = [entries[0], entries[2], entries[1], entries[3]]
    assert verify_chain(swapped)[0].seq == 2


def _evidence(n: int) -> list[dict[str, object]]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        e = new_entry(seq=seq, prev_hash=prev, inspection_id="i", kind="photo", content_type="image/jpeg",
                      sha256=digest(seq), size=10, inspector_id="a", device_time=T, receive_time=T + timedelta(hours=1),
                      position=Position(30.27, 120.15, 8), note="", request_id=f"k{seq}")
        out.append(e)
        prev = e["hash"]
    return out


def test_evidence_whose_file_changed_is_named() -> None:
    entries = _evidence(3)
    stored = {e["seq"]: e["sha256"] for e in entries}
    assert verify_evidence(entries, stored, 3, entries[-1]["hash"]) == []  # type: ignore[arg-type]
    stored[2] = digest("other bytes")
    assert str(verify_evidence(entries, stored, 3, entries[-1]["hash"])[0]).startswith("entry 2: its file was changed")  # type: ignore[arg-type]
    assert entries[0]["device_time"] == "2026-11-30T02:00:00.000Z" and entries[0]["receive_time"] == "2026-11-30T03:00:00.000Z"


def test_a_position_off_the_globe_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        Position(91, 0)
    with pytest.raises(InvalidArgument):
        Position(float("nan"), 0)


def test_recordings_are_recognised_by_content() -> None:
    assert check_media(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, "video")[0] == "video/mp4"
    with pytest.raises(InvalidArgument):
        check_media(b"<html>", "audio")


def _inspection() -> Inspection:
    return Inspection(uuid.uuid4(), "xihu", None, uuid.uuid4(), ("a", "b"), "market_food",
                      [{"id": "licence", "text": "营业执照公示"}, {"id": "cold", "text": "冷链温度"}], 1, date(2026, 12, 31))


def test_only_the_pair_acts_and_the_record_completes_when_both_confirm() -> None:
    insp = _inspection()
    with pytest.raises(PermissionDenied):
        insp.start("c", T)
    insp.start("a", T)
    answers = {"licence": {"result": "pass"}, "cold": {"result": "fail", "note": "冷柜 9℃"}}
    with pytest.raises(InvalidArgument):
        insp.submit("a", answers, "pass", None, "", "k1", T.date())
    assert insp.submit("a", answers, "rectify", date(2026, 12, 15), "", "k1", T.date())
    assert not insp.submit("a", answers, "rectify", date(2026, 12, 15), "", "k1", T.date())  # the retry
    assert not insp.confirm("a", T) and not insp.confirm("a", T)
    assert insp.confirm("b", T) and insp.status == "completed"
    assert [e.verb for e in insp.events] == ["started", "recorded", "completed"]


def test_every_item_needs_an_answer_and_a_failed_one_a_note() -> None:
    insp = _inspection()
    insp.start("b", T)
    with pytest.raises(InvalidArgument) as exc:
        insp.submit("b", {"licence": {"result": "pass"}}, "pass", None, "", "", T.date())
    assert exc.value.code == "unanswered_items"
    with pytest.raises(InvalidArgument) as exc:
        insp.submit("b", {"licence": {"result": "pass"}, "cold": {"result": "fail"}}, "case", None, "", "", T.date())
    assert exc.value.code == "note_required"


def test_a_position_is_reported_only_by_the_pair_and_only_while_the_inspection_is_under_way() -> None:
    insp = _inspection()
    with pytest.raises(FailedPrecondition) as exc:
        insp.reports_position("a")  # assigned, not started
    assert exc.value.code == "inspection_not_open"
    insp.start("a", T)
    insp.reports_position("b")
    with pytest.raises(PermissionDenied):
        insp.reports_position("c")
    insp.submit("a", {"licence": {"result": "pass"}, "cold": {"result": "pass"}}, "pass", None, "", "k", T.date())
    insp.reports_position("a")  # recorded: still on site
    insp.confirm("a", T)
    insp.confirm("b", T)
    with pytest.raises(FailedPrecondition):
        insp.reports_position("a")


def test_a_signature_is_evidence_of_its_own_kind() -> None:
    entry = new_entry(seq=1, prev_hash=GENESIS, inspection_id="i", kind="signature", content_type="image/png", sha256="0" * 64, size=10,
                      inspector_id="a", device_time=T, receive_time=T, position=None, note="", request_id="k")
    assert entry["kind"] == "signature" and verify_chain([entry], 1, entry["hash"]) == []
