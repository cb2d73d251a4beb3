"""`mgov insight rebuild` reads the owners' listings where the running service does, with
the same proof, from the same variables."""

from __future__ import annotations

import pytest

from services.insight.settings import InsightSettings, ListingSettings


def test_the_rebuild_and_the_service_read_the_listings_from_the_same_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MGOV_CATALOG_ADDR", "catalog:1")  # the platform-wide name, when insight has none of its own
    monkeypatch.setenv("MGOV_INSIGHT_WORKFLOW_ADDR", "workflow:2")
    monkeypatch.setenv("MGOV_INSIGHT_PLATFORM_SECRET", "insight-secret")
    service, rebuild = InsightSettings(demo=False, page_token_secret="p" * 32), ListingSettings(demo=False)
    for s in (service, rebuild):
        assert (s.catalog_addr, s.workflow_addr, s.platform_client_secret()) == ("catalog:1", "workflow:2", "insight-secret")


def test_without_a_platform_secret_only_a_demo_platform_derives_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MGOV_INSIGHT_PLATFORM_SECRET", raising=False)
    assert ListingSettings(demo=False).platform_client_secret() is None
    assert ListingSettings(demo=True).platform_client_secret() == InsightSettings(demo=True).platform_client_secret() is not None
