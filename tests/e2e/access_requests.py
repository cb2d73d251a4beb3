"""One concrete request per gateway route, for the access matrix test.

Each request is shaped so that the gateway's own validation passes and the service's
access check is reached: what comes back tells whether the principal was let in
(any answer but 401/403, and not 404 where the resource exists), refused (401/403) or
not shown the resource (404). Requests that a principal is allowed to make may change
state, so they act on resources made for the test (a case, a draft item, a system),
never on the demo data other tests read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class World:
    """What the requests act on, created by the test before the matrix runs."""

    case_id: str
    item_id: str  # a published Hangzhou item with the standard workflow
    draft_id: str  # a Hangzhou item made for the test (its draft is edited, published, retired)
    inherited_id: str  # a province item Hangzhou inherits (opt-out / opt-in)
    system_id: str  # a Hangzhou system made for the test (rotated, revoked)
    staff_id: str  # the Hangzhou clerk
    case_body: dict[str, Any] = field(default_factory=dict)  # a valid application for item_id
    workflow_body: dict[str, Any] = field(default_factory=dict)  # a valid copy of the standard workflow


@dataclass
class Req:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    data: dict[str, str] | None = None
    files: dict[str, Any] | None = None
    # The resource named in the path exists: an allowed caller must not get 404.
    exists: bool = True
    stream: bool = False


MISSING = "00000000-0000-4000-8000-000000000000"
PDF = b"%PDF-1.4\n% a material for the access matrix\n"
HZ_HALL = "2d20050d-bfc7-5990-b932-8c2583b7536d"  # 杭州市民中心政务服务大厅 (demo seed)
HALL_ITEM = "482f791f-ec73-5751-8d4d-887d7dfd4159"  # 个体工商户营业执照办理

# (METHOD, path template) -> the request (made afresh for each principal).
REQUESTS: dict[tuple[str, str], Callable[[World], Req]] = {
    ("GET", "/healthz"): lambda w: Req("GET", "/healthz"),
    ("GET", "/readyz"): lambda w: Req("GET", "/readyz"),
    ("GET", "/openapi.json"): lambda w: Req("GET", "/openapi.json"),
    ("GET", "/docs"): lambda w: Req("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"): lambda w: Req("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"): lambda w: Req("GET", "/redoc"),
    # The web app (its pages and assets; any path the app routes itself).
    ("GET", "/{path:app_path}"): lambda w: Req("GET", "/cases", exists=False),
    ("GET", "/v1/.well-known/jwks.json"): lambda w: Req("GET", "/v1/.well-known/jwks.json"),
    # Registering needs nobody: an invented phone gets a code by SMS (any principal).
    ("POST", "/v1/auth/register"): lambda w: Req("POST", "/v1/auth/register", json={
        "phone": f"137{uuid.uuid4().int % 10**8:08d}", "name": "矩阵测试", "password": "Matrix-test-2026", "tenant_id": "hangzhou"}),
    # Confirming needs nobody either: an unknown registration is 404 to anyone.
    ("POST", "/v1/auth/register/confirm"): lambda w: Req("POST", "/v1/auth/register/confirm", json={
        "registration_id": str(uuid.uuid4()), "code": "123456"}, exists=False),
    # The demo citizen's own credentials (a wrong password would count towards the address's lockout).
    ("POST", "/v1/auth/token"): lambda w: Req("POST", "/v1/auth/token", json={"username": "13900000100", "password": "mgov-demo-2026"}),
    ("POST", "/v1/auth/refresh"): lambda w: Req("POST", "/v1/auth/refresh", json={"refresh_token": "x" * 43}),
    # Signing out of every session (a refresh token alone needs no access token).
    ("POST", "/v1/auth/logout"): lambda w: Req("POST", "/v1/auth/logout", json={"all_sessions": True}),
    ("POST", "/v1/oauth/token"): lambda w: Req("POST", "/v1/oauth/token", data={"grant_type": "client_credentials",
                                                                                "client_id": "nobody", "client_secret": "x"}),
    ("GET", "/v1/me"): lambda w: Req("GET", "/v1/me"),
    ("POST", "/v1/me/national-id"): lambda w: Req("POST", "/v1/me/national-id", json={"national_id": "123", "real_name": "矩阵"}),
    ("GET", "/v1/me/invitations"): lambda w: Req("GET", "/v1/me/invitations"),
    ("POST", "/v1/me/invitations/{invitation_id}/accept"): lambda w: Req("POST", f"/v1/me/invitations/{MISSING}/accept", exists=False),
    ("POST", "/v1/me/invitations/{invitation_id}/decline"): lambda w: Req("POST", f"/v1/me/invitations/{MISSING}/decline", exists=False),
    ("GET", "/v1/me/preferences"): lambda w: Req("GET", "/v1/me/preferences"),
    ("PUT", "/v1/me/preferences"): lambda w: Req("PUT", "/v1/me/preferences", json={}),
    ("GET", "/v1/tenants"): lambda w: Req("GET", "/v1/tenants"),
    ("GET", "/v1/tenants/{tenant_id}"): lambda w: Req("GET", "/v1/tenants/hangzhou"),
    # An existing id: an allowed admin gets 409, so nothing is created.
    ("POST", "/v1/tenants"): lambda w: Req("POST", "/v1/tenants", json={
        "id": "xihu", "name": {"zh": "西湖区"}, "division_code": "330106", "parent_id": "hangzhou"}),
    ("PATCH", "/v1/tenants/{tenant_id}"): lambda w: Req("PATCH", "/v1/tenants/hangzhou", json={"name": {"en": "Hangzhou"}}),
    ("GET", "/v1/tenants/{tenant_id}/staff"): lambda w: Req("GET", "/v1/tenants/hangzhou/staff"),
    # An invitation to the clerk's phone for a role they hold: nothing changes unless accepted.
    ("POST", "/v1/tenants/{tenant_id}/staff"): lambda w: Req("POST", "/v1/tenants/hangzhou/staff", json={
        "phone": "13900000011", "name": "杭州市受理员", "roles": ["clerk"]}),
    ("PUT", "/v1/tenants/{tenant_id}/staff/{user_id}/roles/{role}"): lambda w: Req(
        "PUT", f"/v1/tenants/hangzhou/staff/{w.staff_id}/roles/clerk"),
    # Removing a role the clerk does not hold changes nothing.
    ("DELETE", "/v1/tenants/{tenant_id}/staff/{user_id}/roles/{role}"): lambda w: Req(
        "DELETE", f"/v1/tenants/hangzhou/staff/{w.staff_id}/roles/supervisor"),
    ("GET", "/v1/tenants/{tenant_id}/services"): lambda w: Req("GET", "/v1/tenants/hangzhou/services"),
    ("POST", "/v1/tenants/{tenant_id}/services"): lambda w: Req("POST", "/v1/tenants/hangzhou/services",
                                                                json={"base_item_id": w.item_id, "department": "矩阵测试处"}),
    ("GET", "/v1/services/{service_id}"): lambda w: Req("GET", f"/v1/services/{w.item_id}"),
    ("GET", "/v1/services/{service_id}/versions"): lambda w: Req("GET", f"/v1/services/{w.item_id}/versions"),
    ("PATCH", "/v1/services/{service_id}"): lambda w: Req("PATCH", f"/v1/services/{w.draft_id}", json={"department": "矩阵测试处"}),
    ("PUT", "/v1/services/{service_id}"): lambda w: Req("PUT", f"/v1/services/{w.draft_id}", json={"department": "矩阵测试处"}),
    ("POST", "/v1/services/{service_id}/publish"): lambda w: Req("POST", f"/v1/services/{w.draft_id}/publish"),
    ("POST", "/v1/services/{service_id}/retire"): lambda w: Req("POST", f"/v1/services/{w.draft_id}/retire", json={"reason": "矩阵"}),
    ("POST", "/v1/tenants/{tenant_id}/services/{service_id}/opt-out"): lambda w: Req(
        "POST", f"/v1/tenants/hangzhou/services/{w.inherited_id}/opt-out", json={"reason": "矩阵"}),
    ("DELETE", "/v1/tenants/{tenant_id}/services/{service_id}/opt-out"): lambda w: Req(
        "DELETE", f"/v1/tenants/hangzhou/services/{w.inherited_id}/opt-out"),
    ("GET", "/v1/tenants/{tenant_id}/notices"): lambda w: Req("GET", "/v1/tenants/hangzhou/notices"),
    ("POST", "/v1/tenants/{tenant_id}/notices"): lambda w: Req("POST", "/v1/tenants/hangzhou/notices", json={
        "title": {"zh": "矩阵测试公告"}, "body": {"zh": "正文"}, "category": "announcement"}),
    ("POST", "/v1/applications"): lambda w: Req("POST", "/v1/applications", json=w.case_body),
    ("GET", "/v1/applications"): lambda w: Req("GET", "/v1/applications"),
    ("GET", "/v1/applications/{application_id}"): lambda w: Req("GET", f"/v1/applications/{w.case_id}"),
    # A stale version: an allowed caller gets 412 and the case does not move.
    ("POST", "/v1/applications/{application_id}/actions"): lambda w: Req(
        "POST", f"/v1/applications/{w.case_id}/actions", json={"action": "accept"}, headers={"If-Match": '"999"'}),
    ("POST", "/v1/applications/{application_id}/materials"): lambda w: Req(
        "POST", f"/v1/applications/{w.case_id}/materials", files={"file": ("m.pdf", PDF, "application/pdf")},
        data={"material_code": "id-card"}),
    ("POST", "/v1/materials"): lambda w: Req("POST", "/v1/materials", files={"file": ("m.pdf", PDF, "application/pdf")},
                                             data={"material_code": "id-card"}),
    ("POST", "/v1/applications/{application_id}/rating"): lambda w: Req(
        "POST", f"/v1/applications/{w.case_id}/rating", json={"score": 5, "comment": ""}),
    # 随手拍: a report with a photo id nobody holds (an allowed citizen gets 422), and report ids that do not exist.
    ("POST", "/v1/reports"): lambda w: Req("POST", "/v1/reports", json={
        "category": "rubbish_overflow", "description": "矩阵", "location": {"lat": 30.259, "lng": 120.13}, "photo_ids": [MISSING]}),
    ("GET", "/v1/reports"): lambda w: Req("GET", "/v1/reports"),
    ("GET", "/v1/reports/{report_id}"): lambda w: Req("GET", f"/v1/reports/{MISSING}", exists=False),
    ("POST", "/v1/reports/{report_id}/actions"): lambda w: Req(
        "POST", f"/v1/reports/{MISSING}/actions", json={"action": "accept"}, headers={"If-Match": '"1"'}, exists=False),
    ("POST", "/v1/reports/{report_id}/move"): lambda w: Req(
        "POST", f"/v1/reports/{MISSING}/move", json={"department": "环境卫生管理处", "reason": "x"}, headers={"If-Match": '"1"'}, exists=False),
    ("POST", "/v1/reports/{report_id}/reopen"): lambda w: Req(
        "POST", f"/v1/reports/{MISSING}/reopen", json={"comment": "x"}, headers={"If-Match": '"1"'}, exists=False),
    ("POST", "/v1/reports/{report_id}/rating"): lambda w: Req("POST", f"/v1/reports/{MISSING}/rating", json={"score": 5}, exists=False),
    ("POST", "/v1/reports/{report_id}/photos"): lambda w: Req(
        "POST", f"/v1/reports/{MISSING}/photos", files={"file": ("m.pdf", PDF, "application/pdf")}, exists=False),
    ("GET", "/v1/reports/{report_id}/photos/{photo_id}"): lambda w: Req("GET", f"/v1/reports/{MISSING}/photos/{MISSING}", exists=False),
    ("PUT", "/v1/reports/{report_id}/photos/{photo_id}/public"): lambda w: Req(
        "PUT", f"/v1/reports/{MISSING}/photos/{MISSING}/public", json={"public": True}, exists=False),
    # A code to a fresh phone, from an address of its own (registration's rate limits count it).
    ("POST", "/v1/report-verifications"): lambda w: Req("POST", "/v1/report-verifications", json={
        "phone": f"137{uuid.uuid4().int % 10**8:08d}", "tenant_id": "xihu"}, headers={"X-Forwarded-For": "203.0.113.199"}),
    ("POST", "/v1/report-verifications/confirm"): lambda w: Req("POST", "/v1/report-verifications/confirm", json={
        "verification_id": str(uuid.uuid4()), "code": "123456"}, exists=False),
    ("GET", "/v1/report-map"): lambda w: Req("GET", "/v1/report-map"),
    ("GET", "/v1/report-categories"): lambda w: Req("GET", "/v1/report-categories", params={"tenant_id": "hangzhou"}),
    ("GET", "/v1/tenants/{tenant_id}/reports/public"): lambda w: Req("GET", "/v1/tenants/hangzhou/reports/public"),
    ("GET", "/v1/tenants/{tenant_id}/reports/public/{report_id}/photos/{photo_id}"): lambda w: Req(
        "GET", f"/v1/tenants/hangzhou/reports/public/{MISSING}/photos/{MISSING}", exists=False),
    ("GET", "/v1/tenants/{tenant_id}/report-stats"): lambda w: Req("GET", "/v1/tenants/hangzhou/report-stats"),
    ("PUT", "/v1/tenants/{tenant_id}/report-categories/{code}"): lambda w: Req(
        "PUT", "/v1/tenants/hangzhou/report-categories/matrix_test", json={"name": {"zh": "矩阵测试"}, "department": "矩阵测试处"}),
    # A polygon that crosses itself: an allowed admin gets 422 and Hangzhou keeps its boundary.
    ("PUT", "/v1/tenants/{tenant_id}/boundary"): lambda w: Req("PUT", "/v1/tenants/hangzhou/boundary", json={"geometry": {
        "type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.1], [120.1, 30.0], [120.0, 30.1], [120.0, 30.0]]]}}),
    ("GET", "/v1/tasks"): lambda w: Req("GET", "/v1/tasks"),
    # The clerk claims the case first; others who may act on it then get 409 (already assigned).
    ("POST", "/v1/tasks/{task_id}/claim"): lambda w: Req("POST", f"/v1/tasks/{w.case_id}/claim"),
    ("POST", "/v1/tasks/{task_id}/assign"): lambda w: Req("POST", f"/v1/tasks/{w.case_id}/assign", json={"assignee_id": w.staff_id}),
    ("GET", "/v1/rectifications/{rectification_id}"): lambda w: Req("GET", f"/v1/rectifications/{MISSING}", exists=False),
    ("POST", "/v1/rectifications/{rectification_id}/close"): lambda w: Req(
        "POST", f"/v1/rectifications/{MISSING}/close", json={"callback": "x", "outcome": "y"}, exists=False),
    ("GET", "/v1/tenants/{tenant_id}/workflows/{definition_id}"): lambda w: Req("GET", "/v1/tenants/hangzhou/workflows/standard"),
    # A stale If-Match: an allowed admin gets 412, the definition stays as it is.
    ("PUT", "/v1/tenants/{tenant_id}/workflows/{definition_id}"): lambda w: Req(
        "PUT", "/v1/tenants/hangzhou/workflows/standard", json=w.workflow_body, headers={"If-Match": '"999"'}),
    ("GET", "/v1/tenants/{tenant_id}/calendar/{year}"): lambda w: Req("GET", "/v1/tenants/hangzhou/calendar/2026"),
    ("PUT", "/v1/tenants/{tenant_id}/calendar/{year}"): lambda w: Req("PUT", "/v1/tenants/hangzhou/calendar/2099", json={"days": []}),
    ("GET", "/v1/tenants/{tenant_id}/workflow-settings"): lambda w: Req("GET", "/v1/tenants/hangzhou/workflow-settings"),
    ("PUT", "/v1/tenants/{tenant_id}/workflow-settings"): lambda w: Req("PUT", "/v1/tenants/hangzhou/workflow-settings", json={}),
    ("GET", "/v1/tenants/{tenant_id}/rating-stats"): lambda w: Req("GET", "/v1/tenants/hangzhou/rating-stats"),
    ("GET", "/v1/notifications"): lambda w: Req("GET", "/v1/notifications"),
    ("POST", "/v1/notifications/read-all"): lambda w: Req("POST", "/v1/notifications/read-all"),
    ("POST", "/v1/notifications/{notification_id}/read"): lambda w: Req("POST", f"/v1/notifications/{MISSING}/read", exists=False),
    ("GET", "/v1/notifications/stream"): lambda w: Req("GET", "/v1/notifications/stream", stream=True),
    ("POST", "/v1/devices"): lambda w: Req("POST", "/v1/devices", json={"platform": "android", "token": f"matrix-{uuid.uuid4()}"}),
    ("GET", "/v1/devices"): lambda w: Req("GET", "/v1/devices"),
    ("GET", "/v1/devices/web-push-key"): lambda w: Req("GET", "/v1/devices/web-push-key"),
    ("DELETE", "/v1/devices/{device_id}"): lambda w: Req("DELETE", f"/v1/devices/{MISSING}", exists=False),
    ("POST", "/v1/tenants/{tenant_id}/notification-templates"): lambda w: Req(
        "POST", "/v1/tenants/hangzhou/notification-templates",
        json={"key": "application.returned", "channel": "sms", "locale": "en", "body": "Case {{ case_number }}: {{ comment }}"}),
    ("GET", "/v1/tenants/{tenant_id}/notification-deliveries"): lambda w: Req("GET", "/v1/tenants/hangzhou/notification-deliveries"),
    # An allowed admin registers a system (for notices only) that nothing uses.
    ("POST", "/v1/tenants/{tenant_id}/systems"): lambda w: Req("POST", "/v1/tenants/hangzhou/systems", json={
        "name": f"矩阵-{uuid.uuid4().hex[:8]}", "event_types": ["mgov.notice.published.v1"]}),
    ("GET", "/v1/tenants/{tenant_id}/systems"): lambda w: Req("GET", "/v1/tenants/hangzhou/systems"),
    ("POST", "/v1/tenants/{tenant_id}/systems/{system_id}/rotate"): lambda w: Req(
        "POST", f"/v1/tenants/hangzhou/systems/{w.system_id}/rotate"),
    ("DELETE", "/v1/tenants/{tenant_id}/systems/{system_id}"): lambda w: Req("DELETE", f"/v1/tenants/hangzhou/systems/{w.system_id}"),
    ("GET", "/v1/tenants/{tenant_id}/webhook-deliveries"): lambda w: Req("GET", "/v1/tenants/hangzhou/webhook-deliveries"),
    ("GET", "/v1/tenants/{tenant_id}/rejected-events"): lambda w: Req("GET", "/v1/tenants/hangzhou/rejected-events"),
    # Appointments at the demo Hangzhou hall: requests an allowed caller gets 409 or 422
    # for (a time that starts no slot, an unreadable code), so nothing is booked or moved.
    ("GET", "/v1/halls"): lambda w: Req("GET", "/v1/halls", params={"tenant_id": "hangzhou"}),
    ("POST", "/v1/halls"): lambda w: Req("POST", "/v1/halls", json={"tenant_id": "hangzhou", "name": {"zh": "矩阵测试大厅"}, "windows": 1,
                                                                     "opening_hours": [{"weekday": 1, "open": "12:00", "close": "09:00"}]}),
    ("GET", "/v1/halls/{hall_id}"): lambda w: Req("GET", f"/v1/halls/{HZ_HALL}"),
    ("GET", "/v1/halls/{hall_id}/slots"): lambda w: Req("GET", f"/v1/halls/{HZ_HALL}/slots", params={"service_id": HALL_ITEM}),
    ("POST", "/v1/halls/{hall_id}/slot-capacity"): lambda w: Req("POST", f"/v1/halls/{HZ_HALL}/slot-capacity", json={
        "service_id": HALL_ITEM, "start_time": "2030-01-07T01:07:00Z", "capacity": 0}),
    # A day in the past: an allowed desk gets 409 not_future, nothing closes.
    ("POST", "/v1/halls/{hall_id}/closures"): lambda w: Req("POST", f"/v1/halls/{HZ_HALL}/closures", json={"date": "2020-01-06"}),
    ("POST", "/v1/halls/{hall_id}/check-ins"): lambda w: Req("POST", f"/v1/halls/{HZ_HALL}/check-ins", json={"code": "x"}),
    ("POST", "/v1/halls/{hall_id}/calls"): lambda w: Req("POST", f"/v1/halls/{HZ_HALL}/calls"),
    ("GET", "/v1/halls/{hall_id}/queue"): lambda w: Req("GET", f"/v1/halls/{HZ_HALL}/queue"),
    ("GET", "/v1/halls/{hall_id}/stats"): lambda w: Req("GET", f"/v1/halls/{HZ_HALL}/stats"),
    ("POST", "/v1/appointments"): lambda w: Req("POST", "/v1/appointments", json={
        "hall_id": HZ_HALL, "service_id": HALL_ITEM, "slot_start_time": "2030-01-07T01:07:00Z"}),
    ("GET", "/v1/appointments"): lambda w: Req("GET", "/v1/appointments"),
    ("GET", "/v1/appointments/{appointment_id}"): lambda w: Req("GET", f"/v1/appointments/{MISSING}", exists=False),
    ("POST", "/v1/appointments/{appointment_id}/cancel"): lambda w: Req("POST", f"/v1/appointments/{MISSING}/cancel", exists=False),
    ("POST", "/v1/appointments/{appointment_id}/reschedule"): lambda w: Req(
        "POST", f"/v1/appointments/{MISSING}/reschedule", json={"slot_start_time": "2030-01-07T01:00:00Z"}, exists=False),
    ("GET", "/v1/tenants/{tenant_id}/appointment-rules"): lambda w: Req("GET", "/v1/tenants/hangzhou/appointment-rules"),
    # All zeros: Hangzhou inherits the rules, as it did.
    ("PUT", "/v1/tenants/{tenant_id}/appointment-rules"): lambda w: Req("PUT", "/v1/tenants/hangzhou/appointment-rules", json={}),
    # Payments: no order on the matrix's case (404 for everyone let in), an order that does not exist.
    ("GET", "/v1/applications/{application_id}/payment"): lambda w: Req("GET", f"/v1/applications/{w.case_id}/payment", exists=False),
    ("POST", "/v1/payments/{order_id}/pay"): lambda w: Req("POST", f"/v1/payments/{MISSING}/pay", exists=False),
    # Unsigned: refused by the payment service in the provider's shape ({"code": "FAIL"}), never a caller refusal.
    ("POST", "/v1/payments/notifications/{provider}"): lambda w: Req("POST", "/v1/payments/notifications/wechatpay", json={}),
    ("GET", "/v1/receipts"): lambda w: Req("GET", "/v1/receipts"),
    ("GET", "/v1/receipts/keys"): lambda w: Req("GET", "/v1/receipts/keys"),
    ("POST", "/v1/receipts/verify"): lambda w: Req("POST", "/v1/receipts/verify", json={}),
    ("GET", "/v1/receipts/{receipt_id}"): lambda w: Req("GET", f"/v1/receipts/{MISSING}", exists=False),
    ("GET", "/v1/receipts/{receipt_id}/verify"): lambda w: Req("GET", f"/v1/receipts/{MISSING}/verify", exists=False),
    # Finance staff only (no principal kind here holds the role): Hangzhou's findings are not shown; no such order.
    ("GET", "/v1/tenants/{tenant_id}/reconciliation-findings"): lambda w: Req("GET", "/v1/tenants/hangzhou/reconciliation-findings"),
    ("POST", "/v1/payments/{order_id}/refunds"): lambda w: Req("POST", f"/v1/payments/{MISSING}/refunds", json={"amount_fen": 1},
                                                               headers={"Idempotency-Key": "matrix"}, exists=False),
    # 运营 (insight): Hangzhou's figures are its admins' and supervisors' and those above (the clerk, the citizen: 404).
    ("GET", "/v1/tenants/{tenant_id}/insight/items"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/items"),
    ("GET", "/v1/tenants/{tenant_id}/insight/departments"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/departments"),
    ("GET", "/v1/tenants/{tenant_id}/insight/departments/{department}"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/departments/卡务部"),
    ("GET", "/v1/tenants/{tenant_id}/insight/items/{item_id}"): lambda w: Req("GET", f"/v1/tenants/hangzhou/insight/items/{w.item_id}"),
    ("GET", "/v1/tenants/{tenant_id}/insight/rankings"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/rankings"),
    ("GET", "/v1/tenants/{tenant_id}/insight/daily"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/daily"),
    ("GET", "/v1/tenants/{tenant_id}/insight/zombies"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/zombies"),
    ("GET", "/v1/tenants/{tenant_id}/insight/zombie-actions"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/zombie-actions"),
    ("GET", "/v1/tenants/{tenant_id}/insight/thresholds"): lambda w: Req("GET", "/v1/tenants/hangzhou/insight/thresholds"),
    ("PUT", "/v1/tenants/{tenant_id}/insight/thresholds"): lambda w: Req("PUT", "/v1/tenants/hangzhou/insight/thresholds", json={
        "item_unused_days": 90, "guide_stale_days": 365, "system_silent_days": 30, "account_idle_days": 90}),
    # The wrong action for the kind: 422 for those let in (nothing is retired).
    ("POST", "/v1/tenants/{tenant_id}/insight/zombies/actions"): lambda w: Req("POST", "/v1/tenants/hangzhou/insight/zombies/actions", json={
        "kind": "item_unused", "target_id": MISSING, "action": "revoke_system"}),
    # No such item: 404 for everyone (usage of published items only).
    ("POST", "/v1/insight/usage"): lambda w: Req("POST", "/v1/insight/usage", json={"item_id": MISSING, "kind": "guide_viewed"}, exists=False),
    # Field inspections: Hangzhou's registry (404 for a clerk, who is no enforcement staff), ids that do not exist.
    ("POST", "/v1/tenants/{tenant_id}/subjects"): lambda w: Req("POST", "/v1/tenants/hangzhou/subjects", json={
        "name": "矩阵测试商店", "credit_code": "91350100M000100Y43", "category": "market_food"}),
    ("GET", "/v1/tenants/{tenant_id}/subjects"): lambda w: Req("GET", "/v1/tenants/hangzhou/subjects", params={"q": "矩阵"}),
    ("GET", "/v1/subjects/{subject_id}"): lambda w: Req("GET", f"/v1/subjects/{MISSING}", exists=False),
    ("POST", "/v1/subjects/{subject_id}/conflicts"): lambda w: Req("POST", f"/v1/subjects/{MISSING}/conflicts", json={"reason": "亲属"},
                                                                  exists=False),
    ("PUT", "/v1/tenants/{tenant_id}/inspectors/{user_id}"): lambda w: Req("PUT", f"/v1/tenants/hangzhou/inspectors/{w.staff_id}", json={
        "certificate": "ZJ-MATRIX-0001", "categories": ["matrix_test"]}),
    ("GET", "/v1/tenants/{tenant_id}/inspectors"): lambda w: Req("GET", "/v1/tenants/hangzhou/inspectors"),
    ("POST", "/v1/tenants/{tenant_id}/checklists/{category}"): lambda w: Req("POST", "/v1/tenants/hangzhou/checklists/matrix_test", json={
        "checks": [{"id": "one", "text": "矩阵检查项"}]}),
    ("GET", "/v1/tenants/{tenant_id}/checklists/{category}"): lambda w: Req("GET", "/v1/tenants/hangzhou/checklists/matrix_test"),
    ("POST", "/v1/tenants/{tenant_id}/plans"): lambda w: Req("POST", "/v1/tenants/hangzhou/plans", json={
        "name": "矩阵测试计划", "category": "matrix_test", "count": 1, "start_date": "2030-01-01", "end_date": "2030-01-31"}),
    ("GET", "/v1/tenants/{tenant_id}/plans"): lambda w: Req("GET", "/v1/tenants/hangzhou/plans"),
    ("GET", "/v1/plans/{plan_id}"): lambda w: Req("GET", f"/v1/plans/{MISSING}", exists=False),
    ("POST", "/v1/plans/{plan_id}/draws"): lambda w: Req("POST", f"/v1/plans/{MISSING}/draws", json={}, exists=False),
    ("GET", "/v1/plans/{plan_id}/verification"): lambda w: Req("GET", f"/v1/plans/{MISSING}/verification", exists=False),
    ("GET", "/v1/plans/{plan_id}/draws"): lambda w: Req("GET", f"/v1/plans/{MISSING}/draws", exists=False),
    ("GET", "/v1/inspections"): lambda w: Req("GET", "/v1/inspections"),
    ("GET", "/v1/inspections/{inspection_id}"): lambda w: Req("GET", f"/v1/inspections/{MISSING}", exists=False),
    ("POST", "/v1/inspections/{inspection_id}/start"): lambda w: Req("POST", f"/v1/inspections/{MISSING}/start", exists=False),
    ("POST", "/v1/inspections/{inspection_id}/evidence"): lambda w: Req(
        "POST", f"/v1/inspections/{MISSING}/evidence", headers={"Idempotency-Key": "matrix-evidence"},
        data={"kind": "document", "device_time": "2030-01-07T01:00:00Z"}, files={"file": ("m.pdf", PDF, "application/pdf")}, exists=False),
    ("GET", "/v1/inspections/{inspection_id}/evidence"): lambda w: Req("GET", f"/v1/inspections/{MISSING}/evidence", exists=False),
    ("GET", "/v1/inspections/{inspection_id}/evidence/{seq}/file"): lambda w: Req("GET", f"/v1/inspections/{MISSING}/evidence/1/file",
                                                                                  exists=False),
    ("GET", "/v1/inspections/{inspection_id}/evidence/verification"): lambda w: Req(
        "GET", f"/v1/inspections/{MISSING}/evidence/verification", exists=False),
    ("POST", "/v1/inspections/{inspection_id}/record"): lambda w: Req("POST", f"/v1/inspections/{MISSING}/record", json={
        "answers": {}, "outcome": "pass"}, exists=False),
    ("POST", "/v1/inspections/{inspection_id}/confirmations"): lambda w: Req("POST", f"/v1/inspections/{MISSING}/confirmations", json={},
                                                                              exists=False),
    ("POST", "/v1/inspections/{inspection_id}/positions"): lambda w: Req("POST", f"/v1/inspections/{MISSING}/positions", json={
        "latitude": 30.27, "longitude": 120.15}, exists=False),
    ("GET", "/v1/tenants/{tenant_id}/team-positions"): lambda w: Req("GET", "/v1/tenants/hangzhou/team-positions"),
    ("PUT", "/v1/penalty-cases/{case_id}/decision"): lambda w: Req("PUT", f"/v1/penalty-cases/{MISSING}/decision", json={
        "summary": "矩阵", "legal_basis": "《食品安全法》", "penalty": "警告"}, exists=False),
    ("GET", "/v1/penalty-cases/{case_id}/decision"): lambda w: Req("GET", f"/v1/penalty-cases/{MISSING}/decision", exists=False),
    ("GET", "/v1/tenants/{tenant_id}/penalty-decisions"): lambda w: Req("GET", "/v1/tenants/hangzhou/penalty-decisions"),
    # Not a CloudEvent: an allowed system gets 422.
    ("POST", "/v1/tenants/{tenant_id}/events"): lambda w: Req("POST", "/v1/tenants/hangzhou/events", json={"not": "an event"}),
}
