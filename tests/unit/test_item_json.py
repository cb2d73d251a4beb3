"""One dialect for service items' JSON: the mobile API's item bodies and tenant systems'
`item.updated` fields go through the same parser, so one accepts what the other does."""

from __future__ import annotations

import uuid

import pytest

from gateway.catalog_json import parse_item_body
from mgov.catalog.v1 import catalog_pb2 as pb
from mgov_common import ingest
from mgov_common.errors import InvalidArgument
from mgov_common.events.envelope import CloudEvent
from mgov_common.item_json import parse_item_fields
from mgov_common.principal import SYSTEM, Principal
from services.catalog.entrypoints.ingest import update_item

pytestmark = pytest.mark.unit

FIELDS = {"type": "行政许可", "agency": "西湖区市场监督管理局", "guide": {"promised_limit_days": 3, "fees": []}}


def test_the_api_and_the_ingest_read_the_same_fields_the_same_way() -> None:
    item, paths = parse_item_fields(FIELDS, path="fields")
    assert (item, paths) == parse_item_body(FIELDS)
    assert item.type == pb.ITEM_TYPE_ADMINISTRATIVE_LICENSING and item.guide.promised_limit_days == 3
    assert paths == ["type", "agency", "guide.promised_limit_days", "guide.fees"]


@pytest.mark.parametrize("fields", [
    {"promisedLimitDays": 3},  # proto3 JSON's camelCase is not the API's dialect
    {"type": "no_such_type"},
    {"guide": {"promised_limit_days": "three"}},
    {"status": "published"},  # not a writable content field
])
def test_what_the_api_refuses_the_ingest_refuses_too(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        parse_item_body(fields)
    with pytest.raises(InvalidArgument) as refused:
        parse_item_fields(fields, path="fields")
    assert all(v.field.startswith("fields") for v in refused.value.violations)


async def test_a_tenant_systems_item_update_with_bad_fields_is_refused_naming_them() -> None:
    event = CloudEvent.new(service="tenant", entity="item", verb="updated", tenant="xihu", subject=None,
                           data={"service_id": str(uuid.uuid4()), "fields": {"promisedLimitDays": 3}},
                           source="tenant/xihu/sys-1")
    system = Principal(subject="sys-1", tenant="xihu", kind=SYSTEM, grants=frozenset({ingest.ITEM_UPDATED}))
    # No unit of work at all: the refusal comes before the catalogue is touched.
    with pytest.raises(ingest.Refused, match="fields.promisedLimitDays") as refused:
        await update_item(None, system, event, event.time)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_data"
