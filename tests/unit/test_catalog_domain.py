"""The catalogue's domain rules: item content, codes, versions, localisation, inheritance, permissions."""

import copy
import uuid

import pytest

from mgov_common.errors import AlreadyExists, Conflict, InvalidArgument, PermissionDenied, StaleVersion, Unauthenticated
from mgov_common.ingest import ITEM_UPDATED, NOTICE_PUBLISHED
from services.catalog.domain import content as c
from services.catalog.domain.codes import ItemCode, item_id
from services.catalog.domain.inheritance import Candidate, TenantNode, chain_of, effective
from services.catalog.domain.item import Item
from services.catalog.domain.notice import Notice
from services.catalog.domain.permissions import may_administer, require_admin
from services.catalog.domain.types import ItemType
from tests.catalog_support import CITIZEN, NOW, PROVINCE_ADMIN, admin, content, guide_with, system, user

ACTOR = {"kind": "user", "id": "u1", "tenant_id": "zhejiang"}


def fields(exc: pytest.ExceptionInfo[InvalidArgument]) -> set[str]:
    return {v.field for v in exc.value.violations}


# -- content -------------------------------------------------------------------------

def test_a_complete_item_is_valid_and_normalised() -> None:
    out = c.validate(content(type="行政许可", keywords=[" 证照 ", "证照", ""]))
    assert out["type"] == "administrative_licensing"
    assert out["keywords"] == ["证照"]
    assert out["guide"]["channels"] == ["app", "service_hall"]  # canonical order


def test_every_missing_required_element_is_named() -> None:
    broken = content(name={"zh": "", "en": ""}, agency="", workflow_id="", form_schema={},
                     guide=guide_with(statutory_limit_days=0, channels=[], conditions=[], processing_kind=None, free=False, fees=[]))
    with pytest.raises(InvalidArgument) as exc:
        c.validate(broken)
    assert exc.value.code == "invalid_item"
    assert {"name.zh", "agency", "workflow_id", "form_schema", "guide.statutory_limit_days", "guide.channels",
            "guide.conditions", "guide.processing_kind", "guide.fees"} <= fields(exc)


def test_an_unknown_type_is_named() -> None:
    with pytest.raises(InvalidArgument) as exc:
        c.validate(content(type="行政许可证"))
    assert fields(exc) == {"type"} and exc.value.violations[0].code == "unknown_type"


@pytest.mark.parametrize("raw", ["administrative_licensing", "XK", "xk", "行政许可"])
def test_a_type_is_accepted_as_slug_code_or_chinese_name(raw: str) -> None:
    assert ItemType.parse(raw) is ItemType.ADMINISTRATIVE_LICENSING


@pytest.mark.parametrize(("schema", "field"), [
    ({"type": "objekt"}, "form_schema.type"),
    ({"type": "object", "properties": {"name": {"type": "strin"}}}, "form_schema.properties.name.type"),
    ({"type": "object", "required": "name"}, "form_schema.required"),
    ({"type": "array"}, "form_schema.type"),
    ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"a": {"minLength": -1}}}, "form_schema.properties.a.minLength"),
])
def test_an_invalid_form_schema_is_refused_naming_the_path_inside_it(schema: dict, field: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        c.validate(content(form_schema=schema))
    assert field in fields(exc)


def test_time_limits_must_be_consistent() -> None:
    with pytest.raises(InvalidArgument) as exc:
        c.validate(content(guide=guide_with(statutory_limit_days=5, promised_limit_days=8)))
    assert exc.value.violations[0].code == "exceeds_statutory"
    with pytest.raises(InvalidArgument) as exc:
        c.validate(content(guide=guide_with(processing_kind="instant", promised_limit_days=3)))
    assert exc.value.violations[0].code == "instant_item"


def test_fees_or_an_explicit_free_are_required() -> None:
    with pytest.raises(InvalidArgument) as exc:
        c.validate(content(guide=guide_with(free=False, fees=[])))
    assert fields(exc) == {"guide.fees"}
    fee = {"name": {"zh": "工本费", "en": ""}, "amount_fen": 1000, "basis": "", "description": ""}
    assert c.validate(content(guide=guide_with(free=False, fees=[fee])))["guide"]["fees"][0]["amount_fen"] == 1000
    with pytest.raises(InvalidArgument):
        c.validate(content(guide=guide_with(free=True, fees=[fee])))


def test_legal_basis_is_required_except_for_public_services() -> None:
    c.validate(content(type="public_service", guide=guide_with(legal_basis=[])))
    with pytest.raises(InvalidArgument) as exc:
        c.validate(content(type="administrative_licensing", guide=guide_with(legal_basis=[])))
    assert fields(exc) == {"guide.legal_basis"}


def test_only_localisable_fields_may_be_localised() -> None:
    assert c.overrides_of({"agency": "西湖区局", "guide": {"fees": []}}, ["agency", "guide.fees"]) == {"agency": "西湖区局", "guide.fees": []}
    with pytest.raises(InvalidArgument) as exc:
        c.overrides_of({"name": {"zh": "改名"}, "guide": {"materials": []}}, ["name", "guide.materials", "agency"])
    assert fields(exc) == {"name", "guide.materials"}


# -- codes ---------------------------------------------------------------------------

def test_item_codes_are_division_type_and_serial() -> None:
    code = ItemCode.parse("330100-XK-0007")
    assert (code.division, code.type, code.serial) == ("330100", ItemType.ADMINISTRATIVE_LICENSING, 7)
    assert str(ItemCode.next("330106", ItemType.PUBLIC_SERVICE, 41)) == "330106-GG-0042"
    for bad in ("330100-XX-0001", "33010-XK-0001", "330100-XK-0000", "330100-XK-1"):
        with pytest.raises(InvalidArgument):
            ItemCode.parse(bad)
    assert item_id("hangzhou", "330000-XK-0001") == item_id("hangzhou", "330000-XK-0001") != item_id("xihu", "330000-XK-0001")


# -- versions ------------------------------------------------------------------------

def new_item(tenant: str = "zhejiang", code: str = "330000-GG-0001", **changes: object) -> Item:
    return Item.create(tenant_id=tenant, code=ItemCode.parse(code), content=content(**changes), actor=ACTOR, now=NOW)


def test_publishing_freezes_a_version_and_a_change_makes_a_new_draft() -> None:
    item = new_item()
    v1 = item.publish(ACTOR, NOW, None)
    assert (v1.number, item.status.value, item.draft) == (1, "published", None)
    with pytest.raises(Conflict) as exc:
        item.edit_draft({"agency": "新机构"}, ["agency"], actor=ACTOR, now=NOW, base=None)
    assert exc.value.code == "version_immutable"
    item.start_next_draft({"agency": "新机构"}, ["agency"], ACTOR, NOW, None)
    with pytest.raises(Conflict) as exc:  # naming the published version explicitly
        item.edit_draft({"agency": "x"}, ["agency"], actor=ACTOR, now=NOW, base=None, version=1)
    assert exc.value.code == "version_immutable"
    with pytest.raises(AlreadyExists):
        item.start_next_draft({}, [], ACTOR, NOW, None)
    v2 = item.publish(ACTOR, NOW, None)
    assert v2.number == 2 and v2.content["agency"] == "新机构"
    assert v1.content["agency"] == "测试市数据资源管理局" and v1.etag != v2.etag
    assert [e.verb for e in item.events] == ["published", "published"]
    data = item.events[-1].data
    assert (data["version"], data["workflow_id"], data["promised_limit_days"], data["code"]) == (2, "standard", 5, "330000-GG-0001")
    assert data["form_schema"]["type"] == "object"


def test_a_stale_etag_and_a_type_change_are_refused() -> None:
    item = new_item()
    etag = item.draft_etag
    item.edit_draft({"agency": "a"}, ["agency"], actor=ACTOR, now=NOW, base=None, expected_etag=etag)
    with pytest.raises(StaleVersion):
        item.edit_draft({"agency": "b"}, ["agency"], actor=ACTOR, now=NOW, base=None, expected_etag=etag)
    with pytest.raises(InvalidArgument) as exc:
        item.edit_draft({"type": "administrative_filing"}, ["type"], actor=ACTOR, now=NOW, base=None)
    assert exc.value.code == "type_immutable"


def test_a_replacement_resets_fields_it_does_not_give() -> None:
    item = new_item()
    full = content(agency="替换后的机构")
    item.edit_draft(full, list(c.ALL_PATHS), actor=ACTOR, now=NOW, base=None, replace=True)
    assert item.draft is not None and item.draft.content["agency"] == "替换后的机构"
    with pytest.raises(InvalidArgument) as exc:
        item.edit_draft({"name": {"zh": "只有名字", "en": ""}}, ["name"], actor=ACTOR, now=NOW, base=None, replace=True)
    assert "agency" in fields(exc)


def test_a_localisation_overrides_only_its_fields_and_follows_new_base_versions() -> None:
    base = new_item()
    base.publish(ACTOR, NOW, None)
    loc = Item.localise(tenant_id="xihu", base=base, changes={"agency": "西湖区局", "guide": {"promised_limit_days": 2}},
                        paths=["agency", "guide.promised_limit_days"], actor=ACTOR, now=NOW)
    assert (loc.code, loc.inherited_from, loc.type) == (base.code, base.id, base.type)
    lv1 = loc.publish(ACTOR, NOW, base)
    assert lv1.content["agency"] == "西湖区局" and lv1.content["guide"]["promised_limit_days"] == 2
    assert lv1.content["name"] == base.latest.content["name"] and lv1.base_version == 1  # type: ignore[union-attr]
    base.start_next_draft({"name": {"zh": "测试事项（新）", "en": ""}}, ["name"], ACTOR, NOW, None)
    base.publish(ACTOR, NOW, None)
    lv2 = loc.rebase(base, ACTOR, NOW)
    assert lv2 is not None and (lv2.number, lv2.base_version) == (2, 2)
    assert lv2.content["name"]["zh"] == "测试事项（新）" and lv2.content["agency"] == "西湖区局"
    assert lv1.content["name"]["zh"] == "测试事项办理"  # the old version is untouched


def test_a_rebase_drops_localised_values_the_new_base_makes_invalid() -> None:
    base = new_item()
    base.publish(ACTOR, NOW, None)
    loc = Item.localise(tenant_id="xihu", base=base, changes={"agency": "西湖区局", "guide": {"promised_limit_days": 15}},
                        paths=["agency", "guide.promised_limit_days"], actor=ACTOR, now=NOW)
    loc.publish(ACTOR, NOW, base)
    base.start_next_draft({"guide": guide_with(statutory_limit_days=10, promised_limit_days=5)}, ["guide"], ACTOR, NOW, None)
    base.publish(ACTOR, NOW, None)
    v = loc.rebase(base, ACTOR, NOW)
    assert v is not None and v.overrides == {"agency": "西湖区局"}
    assert v.content["guide"]["promised_limit_days"] == 5
    assert loc.events[-1].data["dropped_localized_fields"] == ["guide.promised_limit_days"]


def test_a_localisation_of_a_localisation_or_of_an_unpublished_item_is_refused() -> None:
    base = new_item()
    with pytest.raises(Conflict):
        Item.localise(tenant_id="xihu", base=base, changes={}, paths=[], actor=ACTOR, now=NOW)
    base.publish(ACTOR, NOW, None)
    loc = Item.localise(tenant_id="hangzhou", base=base, changes={}, paths=[], actor=ACTOR, now=NOW)
    loc.publish(ACTOR, NOW, base)
    with pytest.raises(InvalidArgument):
        Item.localise(tenant_id="xihu", base=loc, changes={}, paths=[], actor=ACTOR, now=NOW)


def test_retiring_records_the_event_once() -> None:
    item = new_item()
    item.publish(ACTOR, NOW, None)
    item.retire("事项取消", ACTOR, NOW)
    with pytest.raises(Conflict):
        item.retire("again", ACTOR, NOW)
    with pytest.raises(Conflict):
        item.start_next_draft({}, [], ACTOR, NOW, None)
    assert [e.verb for e in item.events] == ["published", "retired"] and item.events[-1].data["reason"] == "事项取消"


# -- inheritance ----------------------------------------------------------------------

NODES = [TenantNode("zhejiang", None, "330000", "province", {}), TenantNode("hangzhou", "zhejiang", "330100", "city", {}),
         TenantNode("ningbo", "zhejiang", "330200", "city", {}), TenantNode("xihu", "hangzhou", "330106", "county", {})]
P = uuid.uuid4()  # a province item
L_HZ, L_XH, L_NB = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def test_the_chain_runs_from_the_tenant_up_to_the_province() -> None:
    assert chain_of("xihu", NODES) == ["xihu", "hangzhou", "zhejiang"]
    assert chain_of("nowhere", NODES) == []


@pytest.mark.parametrize(("tenant", "candidates", "opt_outs", "expected"), [
    ("xihu", [("zhejiang", P)], [], {P}),  # inherited as is
    ("xihu", [("zhejiang", P), ("hangzhou", L_HZ)], [], {L_HZ}),  # the city's localisation reaches the county
    ("xihu", [("zhejiang", P), ("hangzhou", L_HZ), ("xihu", L_XH)], [], {L_XH}),  # the nearest wins
    ("xihu", [("zhejiang", P), ("ningbo", L_NB)], [], {P}),  # another city's localisation is invisible
    ("xihu", [("zhejiang", P)], [("hangzhou", P)], set()),  # the city's opt-out covers its counties
    ("xihu", [("zhejiang", P), ("xihu", L_XH)], [("hangzhou", P)], {L_XH}),  # ... unless the county localises
    ("hangzhou", [("zhejiang", P), ("hangzhou", L_HZ)], [("hangzhou", P)], set()),  # an opt-out beats the same tenant's localisation
    ("zhejiang", [("zhejiang", P), ("hangzhou", L_HZ)], [("hangzhou", P)], {P}),  # the province is not affected by cities
])
def test_the_nearest_decision_on_the_way_up_decides(tenant: str, candidates: list, opt_outs: list, expected: set) -> None:
    lineage = {P: P, L_HZ: P, L_XH: P, L_NB: P}
    cands = [Candidate(i, t, lineage[i]) for t, i in candidates]
    assert effective(chain_of(tenant, NODES), cands, [(t, i) for t, i in opt_outs]) == expected


# -- permissions -----------------------------------------------------------------------

def test_who_may_administer_a_tenants_catalogue() -> None:
    xihu, hangzhou, ningbo = ["xihu", "hangzhou", "zhejiang"], ["hangzhou", "zhejiang"], ["ningbo", "zhejiang"]
    assert may_administer(admin("hangzhou"), hangzhou)
    assert not may_administer(admin("hangzhou"), ningbo)  # another city
    assert not may_administer(admin("hangzhou"), xihu)  # its county has its own admin
    assert may_administer(PROVINCE_ADMIN, xihu) and may_administer(PROVINCE_ADMIN, ["zhejiang"])
    assert not may_administer(user("hangzhou", "province_admin"), ningbo)  # a province role held in a city means nothing above it
    assert not may_administer(CITIZEN, hangzhou) and not may_administer(user("hangzhou", "clerk", "approver"), hangzhou)
    assert not may_administer(system("xihu"), xihu) and not may_administer(system("xihu"), hangzhou)


def test_a_system_may_do_in_the_catalogue_only_what_its_registration_grants() -> None:
    xihu, hangzhou = ["xihu", "hangzhou", "zhejiang"], ["hangzhou", "zhejiang"]
    items_only = system("xihu", ITEM_UPDATED)
    assert may_administer(items_only, xihu, ITEM_UPDATED) and not may_administer(items_only, hangzhou, ITEM_UPDATED)
    assert not may_administer(items_only, xihu, NOTICE_PUBLISHED)  # not registered for notices
    assert not may_administer(items_only, xihu)  # retiring, opting out: no grant covers them
    with pytest.raises(PermissionDenied):
        require_admin(items_only, xihu, NOTICE_PUBLISHED)
    with pytest.raises(PermissionDenied):
        require_admin(CITIZEN, hangzhou)
    with pytest.raises(Unauthenticated):
        require_admin(None, hangzhou)


# -- notices ---------------------------------------------------------------------------

def test_a_notice_needs_a_title_a_known_category_and_no_future_time() -> None:
    from datetime import timedelta

    n = Notice.publish(tenant_id="hangzhou", title={"zh": " 通知 "}, body={"zh": "正文"}, category="announcement", publish_time=None, actor=ACTOR, now=NOW)
    assert n.title == {"zh": "通知", "en": ""} and n.publish_time == NOW and n.events[0].verb == "published"
    with pytest.raises(InvalidArgument) as exc:
        Notice.publish(tenant_id="hangzhou", title={"zh": ""}, body={"zh": "x"}, category="gossip", publish_time=NOW + timedelta(days=1), actor=ACTOR, now=NOW)
    assert {v.field for v in exc.value.violations} == {"title.zh", "category", "publish_time"}


def test_content_helpers_do_not_share_state() -> None:
    base = content()
    changed = c.apply_changes(base, {"guide": {"address": "新地址"}}, ["guide.address"])
    assert base["guide"]["address"] == "测试大厅" and changed["guide"]["address"] == "新地址"
    merged = c.localise(base, {"guide.fees": [{"x": 1}]})
    merged["guide"]["fees"][0]["x"] = 2
    assert copy.deepcopy(base) == content()


def test_the_form_keeps_the_order_its_author_gave_the_fields() -> None:
    schema = {"type": "object", "properties": {"z_name": {"type": "string"}, "a_phone": {"type": "string"},
                                               "address": {"type": "object", "properties": {"street": {}, "city": {}}}}}
    out = c.validate(content(form_schema=schema))["form_schema"]
    assert out["x-property-order"] == ["z_name", "a_phone", "address"]
    assert out["properties"]["address"]["x-property-order"] == ["street", "city"]
    assert c.validate(content(form_schema={**schema, "x-property-order": ["a_phone"]}))["form_schema"]["x-property-order"] == ["a_phone"]
