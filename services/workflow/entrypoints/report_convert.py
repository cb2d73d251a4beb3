"""Report views <-> mgov.workflow.v1 report messages. What each caller may see of the
reporters is decided here, once: a reporter sees their own entry; handlers see every
reporter with a masked phone, and neither user id nor phone when the report is anonymous
(a reporter without an account: the masked phone only)."""

from __future__ import annotations

from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common.protojson import dict_to_struct
from services.workflow.domain.application import Actor
from services.workflow.domain.reports import Category, Reporter, is_phone_reporter
from services.workflow.entrypoints.convert import actor, material, text, ts
from services.workflow.service_layer import reports
from services.workflow.service_layer.report_places import BoundaryView, PublicItem, StatsRow

_PEOPLE_ACTIONS = ("submit", "link")


def category(c: Category) -> pb.ReportCategory:
    return pb.ReportCategory(code=c.code, tenant_id=c.tenant_id, name=text(c.name), department=c.department,
                             time_limit_days=c.time_limit_days, merge_radius_m=c.merge_radius_m, merge_window_h=c.merge_window_h,
                             anonymous_allowed=c.anonymous_allowed, public_results=c.public_results)


def _reporter(r: Reporter, hide_id: bool) -> pb.ReportReporter:
    """`hide_id`: an anonymous report shown to a handler, who learns neither who nor which
    phone — unless the reporter has no account: then the masked phone is all there is
    (a pseudonym of the phone is nobody's business)."""
    by_phone = is_phone_reporter(r.user_id)
    return pb.ReportReporter(user_id="" if hide_id or by_phone else r.user_id,
                             phone_masked="" if hide_id and not by_phone else r.phone_masked, link_time=ts(r.linked_at),
                             score=r.score or 0, comment=r.comment)


def report(v: reports.ReportView, *, full: bool = True) -> pb.Report:
    a, f, c = v.app, v.facts, v.app.clocks
    staff = bool(v.roles - {reports.REPORTER, "owner"})
    if staff:
        people = [_reporter(r, f.anonymous) for r in f.reporters]
    else:
        people = [_reporter(r, False) for r in f.reporters if r.user_id == v.viewer]
    msg = pb.Report(
        id=str(a.id), report_number=a.case_number, tenant_id=a.tenant_id, category=f.category, category_name=text(a.service_name),
        department=a.department, status=a.status, status_label=text(a.definition.state(a.status).label),
        location=pb.GeoPoint(lat=f.point.lat, lng=f.point.lng), address=f.address, description=f.description, anonymous=f.anonymous,
        version=a.version, create_time=ts(a.submitted_at), update_time=ts(a.updated_at), due_time=ts(c.case_due_at),
        state_due_time=ts(c.state_due_at), resolve_time=ts(f.resolved_at), reporters=people, linked=v.linked,
        reopen_count=f.reopen_count, result_public=f.result_public, can_reopen=reports.can_reopen(v), can_rate=reports.can_rate(v),
        reporter_count=len(f.reporters), eligible_roles=a.eligible_roles, public_photo_ids=sorted(str(m) for m in f.public_photos),
        access_token=v.access_token,
    )
    if full:
        for t in v.timeline:
            who = t.actor
            if (f.anonymous and staff and t.action in _PEOPLE_ACTIONS) or is_phone_reporter(who.id):
                who = Actor(who.kind, "", "")  # a phone's pseudonym is nobody's business
            elif not staff and who.kind == "user" and who.id != v.viewer:
                who = Actor(who.kind, "", who.tenant_id)  # a reporter does not learn other people's ids
            msg.timeline.append(pb.Transition(seq=t.seq, action=t.action, from_state=t.from_state, to_state=t.to_state, actor=actor(who),
                                              comment=t.comment, time=ts(t.at), material_ids=[str(m) for m in t.material_ids]))
        msg.photos.extend(material(m) for m in v.photos)
        msg.available_actions.extend(v.available_actions)
    return msg


def boundary(b: BoundaryView) -> pb.TenantBoundary:
    return pb.TenantBoundary(tenant_id=b.tenant_id, geometry=dict_to_struct(b.geometry), source=b.source, update_time=ts(b.update_time),
                             applied=b.applied)


def public(p: PublicItem) -> pb.PublicReport:
    return pb.PublicReport(id=str(p.id), tenant_id=p.tenant_id, category=p.category, category_name=text(p.name), status=p.status,
                           status_label=text(p.label), location=pb.GeoPoint(lat=p.point.lat, lng=p.point.lng),
                           create_time=ts(p.create_time), update_time=ts(p.update_time), result_photo_ids=p.photo_ids)


def stats(r: StatsRow) -> pb.ReportStats:
    return pb.ReportStats(department=r.department, category=r.category, category_name=text(r.name), received=r.received,
                          resolved=r.resolved, within_limit=r.on_time, overdue=r.overdue, average_resolve_hours=round(r.hours, 2),
                          average_score=round(r.score, 2), reopened=r.reopened,
                          reopen_rate=round(r.reopened / r.resolved, 4) if r.resolved else 0.0)
