"""The gateway's catalogue cache: bounded by bytes, least recently used out first, never
keeping an answer that a drop may have made stale, nothing kept without its events."""

from __future__ import annotations

import time

import pytest

from gateway.catalog_cache import ENTRY_OVERHEAD, CatalogCache, Entry

pytestmark = pytest.mark.unit


def entry(size: int, ttl: float = 60.0, etag: str = "e") -> Entry:
    return Entry(b"x" * (size - ENTRY_OVERHEAD), etag, "public, max-age=30", time.monotonic() + ttl)


def live(max_bytes: int) -> CatalogCache:
    cache = CatalogCache(max_bytes)
    cache.subscribed()
    return cache


def key(i: int) -> tuple[str, bytes]:
    return (f"/v1/tenants/t{i}/services", b"q=x")


def test_memory_stays_within_the_bound_and_the_least_recently_used_go_first() -> None:
    cache = live(10_000)
    for i in range(100):
        assert cache.put(key(i), entry(1000), cache.generation)
        assert cache.bytes <= 10_000
        if i == 5:
            assert cache.get(key(0)) is not None  # used: it outlives 1..5
    assert len(cache) == 10 and cache.bytes == 10_000
    assert cache.get(key(99)) is not None and cache.get(key(1)) is None


def test_a_body_larger_than_an_eighth_of_the_bound_is_never_kept() -> None:
    cache = live(8_000)
    assert not cache.put(key(1), entry(1_001), cache.generation)
    assert cache.put(key(2), entry(1_000), cache.generation)
    assert cache.bytes == 1_000


def test_an_answer_asked_for_before_a_drop_is_not_kept() -> None:
    cache = live(100_000)
    generation = cache.generation  # a miss notes it, then asks the catalog ...
    cache.catalogue_changed()  # ... while an event drops everything
    assert not cache.put(key(1), entry(1000), generation)
    assert cache.get(key(1)) is None
    assert cache.put(key(1), entry(1000), cache.generation)


def test_an_event_drops_every_entry_and_counts() -> None:
    cache = live(100_000)
    for i in range(5):
        cache.put(key(i), entry(1000), cache.generation)
    cache.catalogue_changed()
    assert len(cache) == 0 and cache.bytes == 0 and cache.events == 1


def test_nothing_is_kept_without_a_live_subscription_and_it_restarts_empty() -> None:
    cache = CatalogCache(100_000)
    assert not cache.enabled and not cache.put(key(1), entry(1000), cache.generation)
    cache.subscribed()
    assert cache.put(key(1), entry(1000), cache.generation)
    cache.unsubscribed()  # events may be missed from now on
    assert not cache.enabled and len(cache) == 0
    assert not cache.put(key(2), entry(1000), cache.generation)
    cache.subscribed()
    assert cache.enabled and len(cache) == 0


def test_a_cache_of_zero_bytes_is_off() -> None:
    assert not live(0).enabled


def test_an_entry_past_its_age_is_not_served() -> None:
    cache = live(100_000)
    cache.put(key(1), entry(1000, ttl=-1), cache.generation)
    assert cache.get(key(1)) is None and cache.bytes == 0


def test_keys_differ_by_path_and_query() -> None:
    cache = live(100_000)
    cache.put(("/v1/tenants/xihu/services", b"q=a"), entry(1000, etag="xihu-a"), cache.generation)
    cache.put(("/v1/tenants/ningbo/services", b"q=a"), entry(1000, etag="ningbo-a"), cache.generation)
    cache.put(("/v1/tenants/xihu/services", b"q=b"), entry(1000, etag="xihu-b"), cache.generation)
    assert [cache.get(k).etag for k in (("/v1/tenants/xihu/services", b"q=a"), ("/v1/tenants/ningbo/services", b"q=a"),  # type: ignore[union-attr]
                                         ("/v1/tenants/xihu/services", b"q=b"))] == ["xihu-a", "ningbo-a", "xihu-b"]
