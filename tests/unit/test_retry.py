"""The one retry rhythm: capped exponential backoff with full jitter."""

import random

import pytest

from mgov_common.retry import Backoff


def test_delays_grow_exponentially_up_to_the_cap_and_never_exceed_it() -> None:
    b = Backoff(base=0.5, cap=4.0, rng=random.Random(1))
    ceilings = []
    for _ in range(8):
        ceilings.append(b.ceiling())
        assert 0.0 <= b.next_delay() <= ceilings[-1]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]


def test_jitter_spreads_delays_across_the_whole_range() -> None:
    delays = []
    for seed in range(200):
        b = Backoff(base=1.0, cap=1.0, rng=random.Random(seed))
        delays.append(b.next_delay())
    assert min(delays) < 0.1 and max(delays) > 0.9
    assert len(set(delays)) == len(delays)


def test_reset_starts_again_from_base() -> None:
    b = Backoff(base=0.1, cap=10.0)
    for _ in range(5):
        b.next_delay()
    assert b.ceiling() == pytest.approx(3.2)
    b.reset()
    assert b.ceiling() == pytest.approx(0.1)


def test_a_long_outage_does_not_overflow() -> None:
    b = Backoff(base=0.1, cap=30.0)
    b.attempt = 10_000
    assert b.ceiling() == 30.0
    assert 0.0 <= b.next_delay() <= 30.0


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(base=0, cap=1)
    with pytest.raises(ValueError):
        Backoff(base=2, cap=1)
