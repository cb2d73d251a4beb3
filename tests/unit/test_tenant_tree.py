"""Identity's tenant event data is checked field by field, the same in every service."""

from __future__ import annotations

from typing import Any

import pytest

from mgov_common.tenant_tree import BadTenantData, TenantNode, tenant_from_data

CITY = {"id": "hangzhou", "parent_id": "zhejiang", "division_code": "330100", "level": "city",
        "name": {"zh": "杭州市", "en": "Hangzhou"}, "status": "active"}


def test_a_well_formed_tenant_becomes_a_node() -> None:
    assert tenant_from_data(CITY) == TenantNode("hangzhou", "zhejiang", "330100", "city", {"zh": "杭州市", "en": "Hangzhou"}, "active")


def test_the_proto_enum_spelling_of_level_and_status_is_the_same_value() -> None:
    node = tenant_from_data(CITY | {"level": "TENANT_LEVEL_CITY", "status": "TENANT_STATUS_SUSPENDED"})
    assert (node.level, node.status) == ("city", "suspended")


@pytest.mark.parametrize(("change", "field"), [
    ({"level": "district"}, "level"),
    ({"level": None}, "level"),
    ({"status": "deleted"}, "status"),
    ({"id": "Hangzhou!"}, "id"),
    ({"parent_id": "hangzhou"}, "parent_id"),
    ({"parent_id": None}, "province"),
    ({"division_code": "33010"}, "division_code"),
    ({"division_code": 330100}, "division_code"),
    ({"name": "杭州市"}, "name"),
    ({"name": {"zh": "", "en": ""}}, "name.zh"),
    ({"name": {"zh": "杭州市", "en": 7}}, "name.en"),
])
def test_every_field_is_checked(change: dict[str, Any], field: str) -> None:
    with pytest.raises(BadTenantData, match=field):
        tenant_from_data(CITY | change)


def test_a_province_has_no_parent() -> None:
    assert tenant_from_data(CITY | {"id": "zhejiang", "parent_id": None, "level": "province"}).parent_id is None
    with pytest.raises(BadTenantData):
        tenant_from_data(["not", "an", "object"])
