"""The use cases' views to the service's protobuf messages (and request fields back)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from mgov.enforcement.v1 import enforcement_pb2 as pb
from mgov_common.errors import InvalidArgument
from mgov_common.protojson import datetime_to_timestamp
from services.enforcement.domain.evidence import Position
from services.enforcement.domain.inspection import Inspection


ts = datetime_to_timestamp  # the one conversion (mgov_common.protojson), by its short local name


def rfc3339(text: str | None) -> Any:
    return ts(datetime.fromisoformat(text.replace("Z", "+00:00"))) if text else None


def when(msg: Any, field: str) -> datetime | None:
    return getattr(msg, field).ToDatetime(tzinfo=UTC) if msg.HasField(field) else None


def day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{field} is a date (YYYY-MM-DD)", field=field, code="invalid_date") from None


def position_in(msg: Any) -> Position | None:
    return Position(msg.position.latitude, msg.position.longitude, msg.position.accuracy_m) if msg.HasField("position") else None


def subject_fields(s: pb.Subject) -> dict[str, Any]:
    return {"name": s.name, "credit_code": s.credit_code, "address": s.address, "category": s.category,
            "risk_level": s.risk_level or "medium", "contact_phone": s.contact_phone,
            "position": {"latitude": s.position.latitude, "longitude": s.position.longitude, "accuracy_m": s.position.accuracy_m}
            if s.HasField("position") else None}


def subject(v: Any) -> pb.Subject:
    if v is None:
        return pb.Subject()
    pos = pb.Position(latitude=v["latitude"], longitude=v["longitude"]) if v["latitude"] is not None else None
    return pb.Subject(id=str(v["id"]), tenant_id=v["tenant_id"], name=v["name"], credit_code=v["credit_code"], address=v["address"],
                      position=pos, category=v["category"], risk_level=v["risk_level"], contact_phone=v["contact_phone"],
                      last_inspected_date=v["last_inspected"].isoformat() if v["last_inspected"] else "",
                      create_time=ts(v["create_time"]), update_time=ts(v["update_time"]))


def inspector(v: dict[str, Any]) -> pb.Inspector:
    return pb.Inspector(tenant_id=v["tenant_id"], user_id=v["user_id"], certificate=v["certificate"], categories=v["categories"],
                        conflict_subject_ids=v.get("conflicts") or [])


def checklist(v: dict[str, Any]) -> pb.Checklist:
    return pb.Checklist(tenant_id=v["tenant_id"], category=v["category"], version=v["version"],
                        checks=[pb.ChecklistItem(id=i["id"], text=i["text"]) for i in v["items"]])


def plan_fields(p: pb.Plan) -> dict[str, Any]:
    return {"name": p.name, "category": p.category, "ratio_percent": p.ratio_percent, "count": p.count, "start_date": p.start_date,
            "end_date": p.end_date, "exclude_days": p.exclude_days, "publish_within_days": p.publish_within_days,
            "inspector_ids": list(p.inspector_ids)}


def plan(v: dict[str, Any]) -> pb.Plan:
    return pb.Plan(id=str(v["id"]), tenant_id=v["tenant_id"], name=v["name"], category=v["category"], ratio_percent=v["ratio_percent"],
                   count=v["sample_count"], start_date=v["start_date"].isoformat(), end_date=v["end_date"].isoformat(),
                   exclude_days=v["exclude_days"], inspector_ids=v["inspector_ids"], publish_within_days=v["publish_within_days"],
                   status=v["status"], notice_due_time=ts(v["notice_due_time"]), notice_time=ts(v["notice_time"]),
                   create_time=ts(v["create_time"]), progress=v.get("progress") or {})


def draw(v: dict[str, Any]) -> pb.Draw:
    return pb.Draw(draw_id=v["draw_id"], kind=v["kind"], seq=v["seq"], seed=v["seed"], eligible=v["eligible"],
                   picks=[pb.Pick(subject_id=p["subject_id"], inspector_ids=p["inspector_ids"], subject_name=p.get("subject_name", ""),
                                  certificates=p.get("certificates", [])) for p in v["picks"]],
                   unstaffed_subject_ids=v["unstaffed"], hash=v["hash"], current=v.get("current", False), reason=v.get("reason", ""),
                   create_time=rfc3339(v.get("time")))


def verification(v: dict[str, Any]) -> pb.PlanVerification:
    return pb.PlanVerification(plan_id=v["plan_id"], ok=v["ok"], log_breaks=v["log_breaks"],
                               draws=[pb.DrawCheck(draw_id=d["draw_id"], seq=d["seq"] or 0, kind=d["kind"] or "", current=d["current"],
                                                   ok=d["ok"], reason=d["reason"]) for d in v["draws"]])


def inspection(v: dict[str, Any]) -> pb.Inspection:
    i: Inspection = v["inspection"]
    return pb.Inspection(
        id=str(i.id), tenant_id=i.tenant_id, plan_id=str(i.plan_id or ""), subject=subject(v["subject"]), inspector_ids=list(i.inspector_ids),
        certificates=v["certificates"], category=i.category, checklist=[pb.ChecklistItem(id=c["id"], text=c["text"]) for c in i.checklist],
        checklist_version=i.checklist_version, due_date=i.due_date.isoformat(), status=i.status,
        answers={k: pb.ChecklistAnswer(result=a["result"], note=a["note"]) for k, a in i.answers.items()}, outcome=i.outcome,
        rectify_due_date=i.rectify_due_date.isoformat() if i.rectify_due_date else "", outcome_note=i.outcome_note,
        confirmed_by=sorted(i.confirmations), follow_up_of=str(i.follow_up_of or ""), case_id=i.case_id,
        evidence_count=i.evidence_count, evidence_head=i.evidence_head, start_time=ts(i.start_time), complete_time=ts(i.complete_time),
        correction_order_status=(v.get("order") or {}).get("status", ""), correction_order_time=ts((v.get("order") or {}).get("sent_time")),
        representative_signature_sha256=i.representative_signature_sha256)


def entry(e: dict[str, Any]) -> pb.EvidenceEntry:
    pos = e.get("position")
    return pb.EvidenceEntry(seq=e["seq"], kind=e["kind"], content_type=e["content_type"], sha256=e["sha256"], size=e["size"],
                            inspector_id=e["inspector_id"], device_time=rfc3339(e["device_time"]), receive_time=rfc3339(e["receive_time"]),
                            position=pb.Position(**pos) if pos else None, note=e["note"], request_id=e["request_id"],
                            prev_hash=e["prev_hash"], hash=e["hash"])


def answers_in(r: pb.SubmitInspectionRequest) -> dict[str, Any]:
    return {k: {"result": a.result, "note": a.note} for k, a in r.answers.items()}


def team(v: dict[str, Any]) -> pb.TeamPosition:
    i: Inspection = v["inspection"]
    return pb.TeamPosition(
        inspection_id=str(i.id), tenant_id=i.tenant_id, plan_id=str(i.plan_id or ""), subject=subject(v["subject"]), status=i.status,
        due_date=i.due_date.isoformat(), certificates=v["certificates"],
        officers=[pb.OfficerPosition(inspector_id=o["inspector_id"], certificate=o["certificate"], receive_time=ts(o["receive_time"]),
                                     position=pb.Position(latitude=o["latitude"], longitude=o["longitude"], accuracy_m=o["accuracy_m"]))
                  for o in v["officers"]])


def decision(r: Any) -> pb.PenaltyDecision:
    return pb.PenaltyDecision(case_id=r["case_id"], tenant_id=r["tenant_id"], subject_name=r["subject_name"], credit_code=r["credit_code"],
                              decision_number=r["decision_number"], summary=r["summary"], legal_basis=r["legal_basis"],
                              penalty=r["penalty"], decision_date=r["decision_date"].isoformat() if r["decision_date"] else "",
                              status=r["status"], publish_time=ts(r["publish_time"]))
