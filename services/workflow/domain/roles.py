"""Role names a definition may name, and what they mean for a case.

Staff roles are held per tenant (identity issues them). `owner` is not a role anyone
holds: it means "the applicant of this case". A tenant system registered for case
actions takes, on cases of its own tenant, the actions of the case handlers
(HANDLER_ROLES) — never an owner action, never an administrator's.
"""

from __future__ import annotations

OWNER = "owner"
CLERK = "clerk"
APPROVER = "approver"
SUPERVISOR = "supervisor"
TENANT_ADMIN = "tenant_admin"
PROVINCE_ADMIN = "province_admin"
# Not a person's role: the payment service, taking a state's action once its fee is paid.
PAYMENT = "payment"

STAFF_ROLES = frozenset({CLERK, APPROVER, SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN})
ACTION_ROLES = STAFF_ROLES | {OWNER, PAYMENT}
# Roles that handle cases; a tenant system's case actions are limited to theirs.
HANDLER_ROLES = frozenset({CLERK, APPROVER, SUPERVISOR})
# Who may assign a case to someone, and whose claim an action may override.
MANAGER_ROLES = frozenset({SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN})
# Who is told (escalated to) when an SLA is breached.
ESCALATION_ROLES = (SUPERVISOR,)
# Who sees rating statistics.
STATS_ROLES = frozenset({SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN})
# Who maintains definitions, calendars and settings of a tenant.
ADMIN_ROLES = frozenset({TENANT_ADMIN, PROVINCE_ADMIN})
