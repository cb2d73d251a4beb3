"""The pure rules of 随手拍 reports: places, categories, merging, reopening, masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mgov_common.errors import Conflict, InvalidArgument, PermissionDenied
from services.workflow.domain.geo import Boundary, LatLng, distance_m, locate, parse_boundary
from services.workflow.domain.reports import (
    Category, OpenReport, Reporter, ReportFacts, check_reopen, effective_categories, mask_phone, merge_target,
)
from services.workflow.service_layer.seed import demo_reports

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
SQUARE = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]]}


def test_distance_is_great_circle_metres() -> None:
    assert distance_m(LatLng(30.0, 120.0), LatLng(30.001, 120.0)) == pytest.approx(111.2, abs=0.2)
    assert distance_m(LatLng(30.0, 120.0), LatLng(30.0, 120.0)) == 0


def test_the_deepest_boundary_holding_a_point_wins_and_a_point_outside_all_has_none() -> None:
    _, raw = demo_reports("zhejiang")
    depth = {"hangzhou": 2, "ningbo": 2}
    bounds = [Boundary(t, depth.get(t, 3), parse_boundary(g)) for t, g in raw.items()]
    assert locate(LatLng(30.259, 120.13), bounds) == "xihu"
    assert locate(LatLng(30.40, 120.0), bounds) == "yuhang"
    assert locate(LatLng(30.27, 120.25), bounds) == "hangzhou"
    assert locate(LatLng(31.2304, 121.4737), bounds) is None


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": [120, 30]},
    {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.1], [120.1, 30.0], [120.0, 30.1], [120.0, 30.0]]]},  # crosses itself
    {"type": "Polygon", "coordinates": [[[200.0, 30.0], [201.0, 30.0], [201.0, 31.0], [200.0, 30.0]]]},
    {"type": "Polygon", "coordinates": "nonsense"},
    {"type": "Polygon", "coordinates": []},
])
def test_a_boundary_that_is_not_a_valid_polygon_is_refused(geometry: dict) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_boundary(geometry)
    assert refused.value.violations[0].field == "geometry"


def test_a_location_out_of_range_is_refused() -> None:
    for lat, lng in ((91, 0), (0, 181), (float("nan"), 0), (0, float("inf"))):
        with pytest.raises(InvalidArgument):
            LatLng.checked(lat, lng)
    assert LatLng(30.259123, 120.130987).rounded() == LatLng(30.259, 120.131)


def test_categories_are_inherited_the_nearest_definition_winning() -> None:
    province = Category("rubbish_overflow", "zhejiang", {"zh": "垃圾满溢"}, "环境卫生管理处")
    county = Category("rubbish_overflow", "xihu", {"zh": "垃圾满溢"}, "西湖区城管局")
    other = Category("noise", "zhejiang", {"zh": "噪声"}, "生态环境分局")
    got = effective_categories(["xihu", "hangzhou", "zhejiang"], [province, county, other])
    assert got["rubbish_overflow"].department == "西湖区城管局" and got["noise"].tenant_id == "zhejiang"
    assert effective_categories(["yuhang", "hangzhou", "zhejiang"], [province, county])["rubbish_overflow"].tenant_id == "zhejiang"


def test_a_new_report_merges_into_the_nearest_open_one_within_radius_and_window() -> None:
    cat = Category("rubbish_overflow", "zhejiang", {"zh": "垃圾满溢"}, "环卫", merge_radius_m=50, merge_window_h=24)
    here = LatLng(30.259, 120.13)
    near = OpenReport("a", LatLng(30.259 + 20 / 111_195, 120.13), T0 - timedelta(hours=1))
    far = OpenReport("b", LatLng(30.259 + 200 / 111_195, 120.13), T0 - timedelta(hours=1))
    old = OpenReport("c", LatLng(30.259, 120.13), T0 - timedelta(hours=25))
    assert merge_target(cat, here, T0, [far, near, old]) is near
    assert merge_target(cat, here, T0, [far, old]) is None
    off = Category("x_off", "zhejiang", {"zh": "x"}, "d", merge_radius_m=0)
    assert merge_target(off, here, T0, [near]) is None


def test_reopening_is_for_a_reporter_within_7_days_and_before_rating() -> None:
    facts = ReportFacts("rubbish_overflow", "zhejiang", LatLng(30, 120), "", "d", False, [Reporter("u1", "", T0)], resolved_at=T0)
    check_reopen(facts, "resolved", "u1", T0 + timedelta(days=7))
    with pytest.raises(Conflict):
        check_reopen(facts, "resolved", "u1", T0 + timedelta(days=7, seconds=1))
    with pytest.raises(PermissionDenied):
        check_reopen(facts, "resolved", "u2", T0)
    with pytest.raises(Conflict):
        check_reopen(facts, "handling", "u1", T0)
    facts.reporters[0].score = 2
    with pytest.raises(Conflict):
        check_reopen(facts, "resolved", "u1", T0)


def test_handlers_see_a_masked_phone() -> None:
    assert mask_phone("13900000100") == "139****0100"
    assert mask_phone("+86 139-0000-0100") == "139****0100"
    assert mask_phone("") == ""


def test_a_category_is_checked() -> None:
    with pytest.raises(InvalidArgument):
        Category.from_dict({"code": "X", "name": {"zh": "x"}, "department": "d"}, "xihu")
    with pytest.raises(InvalidArgument):
        Category.from_dict({"code": "ok_code", "name": {"zh": "x"}, "department": "d", "merge_radius_m": 5000}, "xihu")
