"""What a principal holds: a tenant system's rights are its registration's grants, never roles."""

from __future__ import annotations

import pytest

from mgov_common.auth import principal_from_claims
from mgov_common.errors import PermissionDenied, Unauthenticated
from mgov_common.ingest import CASE_STATUS_CHANGED, NOTICE_PUBLISHED
from mgov_common.principal import SYSTEM, Principal, RoleBinding, bind, require_person, require_platform_service, unbind
from services.workflow.domain import access
from services.workflow.domain.access import TenantNode, TenantTree

TREE = TenantTree([TenantNode("zhejiang", None, "330000", "province"), TenantNode("hangzhou", "zhejiang", "330100", "city"),
                   TenantNode("ningbo", "zhejiang", "330200", "city")])


def system(tenant: str, *grants: str) -> Principal:
    return Principal(subject="sys-1", tenant=tenant, kind=SYSTEM, grants=frozenset(grants))


def test_a_system_registered_for_case_actions_handles_its_own_tenants_cases_and_nothing_more() -> None:
    hz = system("hangzhou", CASE_STATUS_CHANGED)
    assert access.roles_on_case(hz, "hangzhou", "citizen-1", TREE) == {"clerk", "approver", "supervisor"}
    assert access.roles_on_case(hz, "ningbo", "citizen-1", TREE) == set()
    assert access.staff_roles_in(hz, "hangzhou", TREE) == set()  # no admin, no statistics, no inbox


def test_a_system_without_the_case_grant_has_no_rights_on_cases() -> None:
    assert access.roles_on_case(system("hangzhou", NOTICE_PUBLISHED), "hangzhou", "citizen-1", TREE) == set()


def test_grants_come_only_with_a_system_token() -> None:
    base = {"sub": "u1", "tenant": "hangzhou", "jti": "j", "grants": [CASE_STATUS_CHANGED]}
    assert principal_from_claims({**base, "kind": "system"}).grants == {CASE_STATUS_CHANGED}
    assert principal_from_claims({**base, "kind": "user"}).grants == frozenset()  # a person's rights are their roles


def test_only_a_person_passes_require_person() -> None:
    person = Principal(subject="u1", tenant="hangzhou", roles=frozenset({RoleBinding("hangzhou", "citizen")}))
    for who, ok in ((person, True), (system("hangzhou", CASE_STATUS_CHANGED), False), (Principal("notify", "", kind="platform"), False)):
        tokens = bind(who, "t")
        try:
            if ok:
                assert require_person() is who
            else:
                with pytest.raises(PermissionDenied):
                    require_person()
        finally:
            unbind(tokens)


def test_only_the_named_platform_service_without_a_tenant_passes_require_platform_service() -> None:
    insight = Principal("insight", "", kind="platform")
    assert require_platform_service("insight", "the listing", insight) is insight
    person = Principal(subject="insight", tenant="hangzhou", roles=frozenset({RoleBinding("hangzhou", "province_admin")}))
    for who in (Principal("notify", "", kind="platform"), Principal("insight", "hangzhou", kind="platform"), person,
                system("hangzhou", CASE_STATUS_CHANGED)):
        with pytest.raises(PermissionDenied, match="only the insight service reads the listing"):
            require_platform_service("insight", "the listing", who)
    with pytest.raises(Unauthenticated):  # anonymous: no principal bound
        require_platform_service("insight", "the listing", None)
