"""Role names (held per tenant) and which of them admins hand out."""

from __future__ import annotations

from mgov_common.errors import InvalidArgument

CITIZEN = "citizen"
CLERK = "clerk"
APPROVER = "approver"
SUPERVISOR = "supervisor"
TENANT_ADMIN = "tenant_admin"
PROVINCE_ADMIN = "province_admin"
# Routes citizen reports (随手拍) between departments and tenants.
DISPATCHER = "dispatcher"
# Finance staff: reconciliation findings and refunds of a tenant's payments.
FINANCE = "finance"
# Field inspections (移动执法监管): holds an enforcement certificate; drawn for inspections.
INSPECTOR = "inspector"

ALL_ROLES = (CITIZEN, CLERK, APPROVER, SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN, DISPATCHER, FINANCE, INSPECTOR)
# Roles of civil servants; `citizen` comes only from registration.
STAFF_ROLES = frozenset({CLERK, APPROVER, SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN, DISPATCHER, FINANCE, INSPECTOR})
ADMIN_ROLES = frozenset({TENANT_ADMIN, PROVINCE_ADMIN})


def check_staff_role(role: str, field: str = "role") -> str:
    """A role an admin may grant; `citizen` and unknown names are INVALID_ARGUMENT."""
    if role == CITIZEN:
        raise InvalidArgument("citizen is held by registering, not granted", field=field, code="not_grantable")
    if role not in STAFF_ROLES:
        raise InvalidArgument(f"unknown role {role!r}; staff roles are {', '.join(sorted(STAFF_ROLES))}", field=field, code="unknown_role")
    return role
