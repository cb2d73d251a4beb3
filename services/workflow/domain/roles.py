"""Role names a definition may name, and what they mean for a case.

Staff roles are held per tenant (identity issues them). `owner` is not a role anyone
holds: it means "the applicant of this case". A tenant system acting on a case of its
own tenant may take every staff action (it is the city's own back office), never an
owner action.
"""

from __future__ import annotations

OWNER = "owner"
CLERK = "clerk"
APPROVER = "approver"
SUPERVISOR = "supervisor"
TENANT_ADMIN = "tenant_admin"
PROVINCE_ADMIN = "province_admin"

STAFF_ROLES = frozenset({CLERK, APPROVER, SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN})
ACTION_ROLES = STAFF_ROLES | {OWNER}
# Who may assign a case to someone, and whose claim an action may override.
MANAGER_ROLES = frozenset({SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN})
# Who is told (escalated to) when an SLA is breached.
ESCALATION_ROLES = (SUPERVISOR,)
# Who sees rating statistics.
STATS_ROLES = frozenset({SUPERVISOR, TENANT_ADMIN, PROVINCE_ADMIN})
# Who maintains definitions, calendars and settings of a tenant.
ADMIN_ROLES = frozenset({TENANT_ADMIN, PROVINCE_ADMIN})
