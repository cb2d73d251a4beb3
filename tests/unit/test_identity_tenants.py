"""The tenant tree's rules and who may administer what (pure)."""

from datetime import UTC, datetime

import pytest

from mgov_common.errors import FailedPrecondition, InvalidArgument
from mgov_common.principal import Principal, RoleBinding
from services.identity.domain import policy
from services.identity.domain.tenants import Level, Status, Tenant

NOW = datetime(2026, 1, 15, tzinfo=UTC)


def tree() -> dict[str, Tenant]:
    zj = Tenant.create(id="zhejiang", name_zh="浙江省", name_en=None, division_code="330000", parent=None, level=None, now=NOW)
    hz = Tenant.create(id="hangzhou", name_zh="杭州市", name_en="Hangzhou", division_code="330100", parent=zj, level=None, now=NOW)
    nb = Tenant.create(id="ningbo", name_zh="宁波市", name_en=None, division_code="330200", parent=zj, level=Level.CITY, now=NOW)
    xh = Tenant.create(id="xihu", name_zh="西湖区", name_en=None, division_code="330106", parent=hz, level=Level.COUNTY, now=NOW)
    hs = Tenant.create(id="haishu", name_zh="海曙区", name_en=None, division_code="330203", parent=nb, level=None, now=NOW)
    return {t.id: t for t in (zj, hz, nb, xh, hs)}


T = tree()
PATHS = {"zhejiang": [T["zhejiang"]], "hangzhou": [T["zhejiang"], T["hangzhou"]], "ningbo": [T["zhejiang"], T["ningbo"]],
         "xihu": [T["zhejiang"], T["hangzhou"], T["xihu"]], "haishu": [T["zhejiang"], T["ningbo"], T["haishu"]]}


def who(*bindings: str) -> Principal:
    return Principal("u1", bindings[0].split(":")[0] if bindings else "hangzhou", frozenset(RoleBinding.decode(b) for b in bindings))


def test_a_new_tenant_records_its_created_event_in_the_shape_the_catalog_consumes() -> None:
    xihu = T["xihu"]
    assert xihu.level is Level.COUNTY and xihu.parent_id == "hangzhou" and xihu.status is Status.ACTIVE
    [event] = xihu.events
    assert (event.verb, event.tenant_id) == ("created", "xihu")
    assert event.data == {"id": "xihu", "parent_id": "hangzhou", "division_code": "330106", "level": "county",
                          "name": {"zh": "西湖区", "en": ""}, "status": "active"}
    assert T["zhejiang"].public()["parent_id"] is None


@pytest.mark.parametrize(("kwargs", "field", "code"), [
    ({"id": "X"}, "id", "invalid_slug"),
    ({"id": "a"}, "id", "invalid_slug"),
    ({"division_code": "330100"}, "division_code", "invalid_division_code"),   # a city's code for a county
    ({"division_code": "320106"}, "division_code", "division_code_outside_parent"),
    ({"division_code": "33010"}, "division_code", "invalid_division_code"),
    ({"level": Level.CITY}, "level", "invalid_level"),
    ({"name_zh": " "}, "name.zh", "required"),
])
def test_invalid_tenants_are_refused_naming_the_field(kwargs: dict, field: str, code: str) -> None:
    args = {"id": "gongshu", "name_zh": "拱墅区", "name_en": None, "division_code": "330105", "parent": T["hangzhou"], "level": None, "now": NOW}
    with pytest.raises(InvalidArgument) as err:
        Tenant.create(**{**args, **kwargs})
    assert (err.value.field, err.value.code) == (field, code)


def test_a_county_has_no_children_and_a_suspended_parent_takes_none() -> None:
    with pytest.raises(InvalidArgument) as err:
        Tenant.create(id="village", name_zh="村", name_en=None, division_code="330106", parent=T["xihu"], level=None, now=NOW)
    assert err.value.field == "parent_id"
    city = tree()["ningbo"]
    city.update(status=Status.SUSPENDED, now=NOW)
    with pytest.raises(FailedPrecondition):
        Tenant.create(id="jiangbei", name_zh="江北区", name_en=None, division_code="330205", parent=city, level=None, now=NOW)


def test_updates_record_one_event_with_the_new_state_and_none_when_nothing_changes() -> None:
    hz = tree()["hangzhou"]
    hz.events.clear()
    assert hz.update(name_zh="杭州市", now=NOW) == []
    assert hz.events == []
    assert hz.update(name_en="Hangzhou City", set_en=True, status=Status.SUSPENDED, now=NOW) == ["name.en", "status"]
    [event] = hz.events
    assert event.verb == "updated" and event.data["name"] == {"zh": "杭州市", "en": "Hangzhou City"} and event.data["status"] == "suspended"


def test_the_province_cannot_be_suspended() -> None:
    with pytest.raises(FailedPrecondition):
        tree()["zhejiang"].update(status=Status.SUSPENDED, now=NOW)


def test_a_province_admin_administers_the_whole_tree() -> None:
    admin = who("zhejiang:province_admin")
    assert all(policy.administers(admin, p) for p in PATHS.values())
    assert policy.may_grant(admin, PATHS["zhejiang"], "province_admin")
    assert not policy.may_grant(admin, PATHS["hangzhou"], "province_admin")  # only in the province
    assert policy.may_create_child(admin, PATHS["zhejiang"]) and policy.may_create_child(admin, PATHS["ningbo"])


def test_a_city_admin_administers_its_city_and_counties_but_no_other_tenant() -> None:
    admin = who("hangzhou:tenant_admin")
    assert policy.administers(admin, PATHS["hangzhou"]) and policy.administers(admin, PATHS["xihu"])
    for other in ("zhejiang", "ningbo", "haishu"):
        assert not policy.administers(admin, PATHS[other])
        assert not policy.may_grant(admin, PATHS[other], "clerk")
    assert policy.may_grant(admin, PATHS["xihu"], "tenant_admin")
    assert not policy.may_grant(admin, PATHS["hangzhou"], "province_admin")
    assert not policy.may_grant(admin, PATHS["hangzhou"], "citizen")
    assert policy.may_create_child(admin, PATHS["hangzhou"]) and not policy.may_create_child(admin, PATHS["ningbo"])
    assert not policy.may_create_child(admin, PATHS["zhejiang"])  # no cities


def test_a_county_admin_administers_only_its_county() -> None:
    admin = who("xihu:tenant_admin")
    assert policy.administers(admin, PATHS["xihu"])
    assert not policy.administers(admin, PATHS["hangzhou"])
    assert not policy.may_create_child(admin, PATHS["xihu"])


def test_tenant_updates_names_by_own_admin_status_only_from_above() -> None:
    own = who("xihu:tenant_admin")
    assert policy.may_update(own, PATHS["xihu"], status_change=False)
    assert not policy.may_update(own, PATHS["xihu"], status_change=True)
    city = who("hangzhou:tenant_admin")
    assert policy.may_update(city, PATHS["xihu"], status_change=True)
    assert not policy.may_update(city, PATHS["hangzhou"], status_change=True)
    assert not policy.may_update(city, PATHS["haishu"], status_change=False)


def test_clerks_and_approvers_administer_nothing() -> None:
    for role in ("clerk", "approver", "supervisor", "citizen"):
        p = who(f"hangzhou:{role}")
        assert not policy.administers(p, PATHS["hangzhou"]) and not policy.may_create_child(p, PATHS["hangzhou"])


def test_who_may_see_a_user() -> None:
    paths = [PATHS["hangzhou"]]
    assert policy.may_view_user(Principal("u9", "hangzhou"), "u9", paths)
    assert policy.may_view_user(who("hangzhou:clerk"), "u9", paths)
    assert policy.may_view_user(who("zhejiang:province_admin"), "u9", paths)
    assert not policy.may_view_user(who("ningbo:clerk"), "u9", paths)
    assert not policy.may_view_user(who("hangzhou:citizen"), "u9", paths)
    assert not policy.may_view_user(None, "u9", paths)


def test_services_can_require_the_real_name_level() -> None:
    from mgov_common.errors import PermissionDenied, Unauthenticated
    from mgov_common.principal import REAL_NAME, bind, require_identity_level, unbind

    for principal, outcome in ((None, Unauthenticated), (Principal("u1", "hangzhou", identity_level=1), PermissionDenied),
                               (Principal("u1", "hangzhou", identity_level=2), None)):
        bound = bind(principal, "token" if principal else None)
        try:
            if outcome is None:
                assert require_identity_level(REAL_NAME) is principal
            else:
                with pytest.raises(outcome) as err:
                    require_identity_level(REAL_NAME)
                if outcome is PermissionDenied:
                    assert err.value.code == "identity_level_required"
        finally:
            unbind(bound)
