"""A list row's listing is parsed only when its row has to be built."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.catalog.entrypoints.mapping import RowCache
from services.catalog.service_layer.views import ListingJson, row_view

pytestmark = pytest.mark.unit

LISTING = {
    "name": {"zh": "个体工商户营业执照办理", "en": "Business licence"}, "type": "administrative_licensing", "agency": "市场监督管理局",
    "department": "登记注册处", "summary": {"zh": "办理营业执照", "en": ""}, "keywords": ["营业执照"], "workflow_id": "standard", "required_identity_level": "basic",
    "guide": {"statutory_limit_days": 15, "promised_limit_days": 3, "processing_kind": "promised", "channels": ["app"], "visits": 0,
              "appointment": False, "free": True},
    "publish_time": "2026-11-01T08:00:00+00:00",
}


def _row(item_id: uuid.UUID) -> dict[str, object]:
    """A row as `adapters/search_sql.py` selects it."""
    now = datetime(2026, 11, 1, 8, tzinfo=UTC)
    return {"id": item_id, "tenant_id": "xihu", "code": "330106-XK-0001", "status": "published", "latest_version": 2, "inherited_from": None,
            "use_count": 7, "has_draft": False, "created_at": now, "updated_at": now, "score": 40, "listing": json.dumps(LISTING, ensure_ascii=False),
            "publish_time": now, "latest_etag": "abc"}


def test_a_row_built_once_is_served_again_without_parsing_its_listing() -> None:
    rows, item_id = RowCache(), uuid.uuid4()
    first = rows.row(row_view(_row(item_id)))  # type: ignore[arg-type]
    assert first.name.zh == "个体工商户营业执照办理" and first.use_count == 7 and first.publish_time.seconds > 0
    again = row_view(_row(item_id))  # type: ignore[arg-type]
    assert rows.row(again) is first
    assert isinstance(again.content, ListingJson) and again.content._data is None  # noqa: SLF001 - never parsed


def test_a_changed_row_is_built_again_from_its_listing() -> None:
    rows, item_id = RowCache(), uuid.uuid4()
    first = rows.row(row_view(_row(item_id)))  # type: ignore[arg-type]
    used = _row(item_id) | {"use_count": 8}
    assert rows.row(row_view(used)).use_count == 8 and rows.row(row_view(used)) is not first  # type: ignore[arg-type]
