"""Proto <-> JSON mapping, vocabularies that must agree, and the demo seed data."""

from collections import Counter

import pytest

from gateway.catalog_json import ITEM_TYPES, item_json, list_item_json, parse_item_body
from mgov.catalog.v1 import catalog_pb2 as pb
from mgov.common.v1 import common_pb2
from mgov_common import protojson
from mgov_common.errors import InvalidArgument
from services.catalog.domain import content as c
from services.catalog.domain.codes import ItemCode
from services.catalog.domain.types import CHANNELS, IDENTITY_LEVELS, MATERIAL_SOURCES, PROCESSING_KINDS, ItemType
from services.catalog.entrypoints.mapping import changes_from_proto
from services.catalog.service_layer.seed import load_demo
from tests.catalog_support import TREE, content

# -- JSON <-> proto ----------------------------------------------------------------------

def test_item_json_round_trips_through_the_proto_unchanged() -> None:
    original = c.validate(content(type="administrative_filing"))
    msg = protojson.from_json(original, pb.ServiceItem)
    assert msg.type == pb.ITEM_TYPE_ADMINISTRATIVE_FILING and msg.guide.channels[0] == pb.CHANNEL_APP
    again = changes_from_proto(msg)
    assert again == original  # integers in the form schema stay integers
    assert isinstance(again["form_schema"]["properties"]["applicant_name"]["maxLength"], int)


def test_a_request_body_names_every_bad_field() -> None:
    body = {"type": "无此类型", "guide": {"channels": ["app", "fax"], "visits": "two", "free": "yes"}, "keywords": "证照", "id": "x"}
    with pytest.raises(InvalidArgument) as exc:
        parse_item_body(body)
    assert [v.field for v in exc.value.violations] == ["id"]  # read-only fields first
    del body["id"]
    with pytest.raises(InvalidArgument) as exc:
        parse_item_body(body)
    assert {v.field for v in exc.value.violations} == {"type", "guide.channels[1]", "guide.visits", "guide.free", "keywords"}


def test_a_body_gives_its_paths_and_chinese_type_names_are_understood() -> None:
    item, paths = parse_item_body({"type": "行政许可", "agency": "x", "guide": {"fees": [], "promised_limit_days": 2}})
    assert item.type == pb.ITEM_TYPE_ADMINISTRATIVE_LICENSING
    assert paths == ["type", "agency", "guide.fees", "guide.promised_limit_days"]


def test_the_api_representation_of_an_item() -> None:
    msg = protojson.from_json(c.validate(content()), pb.ServiceItem)
    msg.id, msg.status, msg.version, msg.etag = "id-1", pb.ITEM_STATUS_PUBLISHED, 3, "e"
    full = item_json(msg)
    assert full["type"] == "public_service" and full["type_label"] == {"code": "GG", "zh": "公共服务", "en": "Public service"}
    assert full["status"] == "published" and full["inherited_from"] is None and full["guide"]["materials"][0]["source"] == "electronic_license"
    assert "etag" not in full and "use_count" not in full
    row = list_item_json(msg)
    assert "form_schema" not in row and set(row["guide"]) == {"statutory_limit_days", "promised_limit_days", "processing_kind", "channels", "visits", "appointment", "free"}


# -- vocabularies agree everywhere ---------------------------------------------------------

def test_domain_gateway_and_proto_vocabularies_agree() -> None:
    assert {t.slug: (t.code, t.zh, t.en) for t in ItemType} == ITEM_TYPES
    assert protojson.enum_choices(pb.ItemType.DESCRIPTOR) == [t.slug for t in ItemType]
    assert protojson.enum_choices(pb.Channel.DESCRIPTOR) == list(CHANNELS)
    assert protojson.enum_choices(pb.ProcessingKind.DESCRIPTOR) == list(PROCESSING_KINDS)
    assert protojson.enum_choices(pb.MaterialSource.DESCRIPTOR) == list(MATERIAL_SOURCES)
    assert protojson.enum_choices(common_pb2.IdentityLevel.DESCRIPTOR) == list(IDENTITY_LEVELS)
    guide_fields = {f.name for f in pb.ServiceGuide.DESCRIPTOR.fields}
    assert guide_fields == set(c.GUIDE_FIELDS)
    assert set(c.TOP_FIELDS) <= {f.name for f in pb.ServiceItem.DESCRIPTOR.fields}


# -- demo seed -------------------------------------------------------------------------------

def test_the_demo_catalogue_is_complete_and_valid() -> None:
    doc = load_demo()
    divisions = {tid: code for tid, _, code, _ in TREE}
    items = doc["items"]
    assert len(items) >= 30
    assert Counter(ItemType.parse(i["content"]["type"]) for i in items).keys() == set(ItemType)
    codes = {i["code"]: i for i in items}
    assert len(codes) == len(items)
    for spec in items:
        valid = c.validate(spec["content"])  # every item is publishable, form schema included
        code = ItemCode.parse(spec["code"])
        assert code.division == divisions[spec["tenant"]] and code.type.slug == valid["type"], spec["code"]
        # Items with fees the applicant pays online use the workflow with a 待缴费 state.
        charged = any((f.get("payer") or "applicant") == "applicant" for f in valid["guide"]["fees"])
        assert valid["workflow_id"] == ("with-fee" if charged else "standard") and valid["form_schema"]["properties"], spec["code"]
    localising = Counter(loc["tenant"] for loc in doc["localisations"])
    assert {"hangzhou", "ningbo", "xihu"} <= set(localising) and len(doc["localisations"]) >= 5
    for loc in doc["localisations"] + doc["opt_outs"]:
        assert codes[loc["base"]]["tenant"] == "zhejiang"
    assert {i["tenant"] for i in items} == {t[0] for t in TREE}  # every tenant has own items
