import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Position(_message.Message):
    __slots__ = ("latitude", "longitude", "accuracy_m")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_M_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    accuracy_m: float
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., accuracy_m: _Optional[float] = ...) -> None: ...

class Subject(_message.Message):
    __slots__ = ("id", "tenant_id", "name", "credit_code", "address", "position", "category", "risk_level", "contact_phone", "last_inspected_date", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PHONE_FIELD_NUMBER: _ClassVar[int]
    LAST_INSPECTED_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    name: str
    credit_code: str
    address: str
    position: Position
    category: str
    risk_level: str
    contact_phone: str
    last_inspected_date: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., credit_code: _Optional[str] = ..., address: _Optional[str] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., category: _Optional[str] = ..., risk_level: _Optional[str] = ..., contact_phone: _Optional[str] = ..., last_inspected_date: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpsertSubjectRequest(_message.Message):
    __slots__ = ("tenant_id", "subject")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    subject: Subject
    def __init__(self, tenant_id: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class GetSubjectRequest(_message.Message):
    __slots__ = ("subject_id",)
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    def __init__(self, subject_id: _Optional[str] = ...) -> None: ...

class SearchSubjectsRequest(_message.Message):
    __slots__ = ("tenant_id", "query", "category", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    query: str
    category: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., query: _Optional[str] = ..., category: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchSubjectsResponse(_message.Message):
    __slots__ = ("subjects", "next_page_token")
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    subjects: _containers.RepeatedCompositeFieldContainer[Subject]
    next_page_token: str
    def __init__(self, subjects: _Optional[_Iterable[_Union[Subject, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Inspector(_message.Message):
    __slots__ = ("tenant_id", "user_id", "certificate", "categories", "conflict_subject_ids")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    user_id: str
    certificate: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    conflict_subject_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant_id: _Optional[str] = ..., user_id: _Optional[str] = ..., certificate: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., conflict_subject_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SetInspectorRequest(_message.Message):
    __slots__ = ("tenant_id", "user_id", "certificate", "categories")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    user_id: str
    certificate: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant_id: _Optional[str] = ..., user_id: _Optional[str] = ..., certificate: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ...) -> None: ...

class ListInspectorsRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class ListInspectorsResponse(_message.Message):
    __slots__ = ("inspectors",)
    INSPECTORS_FIELD_NUMBER: _ClassVar[int]
    inspectors: _containers.RepeatedCompositeFieldContainer[Inspector]
    def __init__(self, inspectors: _Optional[_Iterable[_Union[Inspector, _Mapping]]] = ...) -> None: ...

class DeclareConflictRequest(_message.Message):
    __slots__ = ("subject_id", "reason")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    reason: str
    def __init__(self, subject_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeclareConflictResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChecklistItem(_message.Message):
    __slots__ = ("id", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Checklist(_message.Message):
    __slots__ = ("tenant_id", "category", "version", "checks")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    category: str
    version: int
    checks: _containers.RepeatedCompositeFieldContainer[ChecklistItem]
    def __init__(self, tenant_id: _Optional[str] = ..., category: _Optional[str] = ..., version: _Optional[int] = ..., checks: _Optional[_Iterable[_Union[ChecklistItem, _Mapping]]] = ...) -> None: ...

class PublishChecklistRequest(_message.Message):
    __slots__ = ("tenant_id", "category", "checks")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    category: str
    checks: _containers.RepeatedCompositeFieldContainer[ChecklistItem]
    def __init__(self, tenant_id: _Optional[str] = ..., category: _Optional[str] = ..., checks: _Optional[_Iterable[_Union[ChecklistItem, _Mapping]]] = ...) -> None: ...

class GetChecklistRequest(_message.Message):
    __slots__ = ("tenant_id", "category")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    category: str
    def __init__(self, tenant_id: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("id", "tenant_id", "name", "category", "ratio_percent", "count", "start_date", "end_date", "exclude_days", "inspector_ids", "publish_within_days", "status", "notice_due_time", "notice_time", "create_time", "progress")
    class ProgressEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_DAYS_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    name: str
    category: str
    ratio_percent: int
    count: int
    start_date: str
    end_date: str
    exclude_days: int
    inspector_ids: _containers.RepeatedScalarFieldContainer[str]
    publish_within_days: int
    status: str
    notice_due_time: _timestamp_pb2.Timestamp
    notice_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    progress: _containers.ScalarMap[str, int]
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., ratio_percent: _Optional[int] = ..., count: _Optional[int] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., exclude_days: _Optional[int] = ..., inspector_ids: _Optional[_Iterable[str]] = ..., publish_within_days: _Optional[int] = ..., status: _Optional[str] = ..., notice_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notice_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Mapping[str, int]] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("tenant_id", "plan")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    plan: Plan
    def __init__(self, tenant_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans",)
    PLANS_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[Plan]
    def __init__(self, plans: _Optional[_Iterable[_Union[Plan, _Mapping]]] = ...) -> None: ...

class DrawPlanRequest(_message.Message):
    __slots__ = ("plan_id", "reason")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    reason: str
    def __init__(self, plan_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Pick(_message.Message):
    __slots__ = ("subject_id", "inspector_ids", "subject_name", "certificates")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    inspector_ids: _containers.RepeatedScalarFieldContainer[str]
    subject_name: str
    certificates: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject_id: _Optional[str] = ..., inspector_ids: _Optional[_Iterable[str]] = ..., subject_name: _Optional[str] = ..., certificates: _Optional[_Iterable[str]] = ...) -> None: ...

class Draw(_message.Message):
    __slots__ = ("draw_id", "kind", "seq", "seed", "eligible", "picks", "unstaffed_subject_ids", "hash", "current", "reason", "create_time")
    DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    PICKS_FIELD_NUMBER: _ClassVar[int]
    UNSTAFFED_SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    draw_id: str
    kind: str
    seq: int
    seed: str
    eligible: int
    picks: _containers.RepeatedCompositeFieldContainer[Pick]
    unstaffed_subject_ids: _containers.RepeatedScalarFieldContainer[str]
    hash: str
    current: bool
    reason: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, draw_id: _Optional[str] = ..., kind: _Optional[str] = ..., seq: _Optional[int] = ..., seed: _Optional[str] = ..., eligible: _Optional[int] = ..., picks: _Optional[_Iterable[_Union[Pick, _Mapping]]] = ..., unstaffed_subject_ids: _Optional[_Iterable[str]] = ..., hash: _Optional[str] = ..., current: _Optional[bool] = ..., reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyPlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class DrawCheck(_message.Message):
    __slots__ = ("draw_id", "seq", "kind", "current", "ok", "reason")
    DRAW_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    draw_id: str
    seq: int
    kind: str
    current: bool
    ok: bool
    reason: str
    def __init__(self, draw_id: _Optional[str] = ..., seq: _Optional[int] = ..., kind: _Optional[str] = ..., current: _Optional[bool] = ..., ok: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class PlanVerification(_message.Message):
    __slots__ = ("plan_id", "ok", "draws", "log_breaks")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    DRAWS_FIELD_NUMBER: _ClassVar[int]
    LOG_BREAKS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    ok: bool
    draws: _containers.RepeatedCompositeFieldContainer[DrawCheck]
    log_breaks: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plan_id: _Optional[str] = ..., ok: _Optional[bool] = ..., draws: _Optional[_Iterable[_Union[DrawCheck, _Mapping]]] = ..., log_breaks: _Optional[_Iterable[str]] = ...) -> None: ...

class ChecklistAnswer(_message.Message):
    __slots__ = ("result", "note")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    result: str
    note: str
    def __init__(self, result: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Inspection(_message.Message):
    __slots__ = ("id", "tenant_id", "plan_id", "subject", "inspector_ids", "certificates", "category", "checklist", "checklist_version", "due_date", "status", "answers", "outcome", "rectify_due_date", "outcome_note", "confirmed_by", "follow_up_of", "case_id", "evidence_count", "evidence_head", "start_time", "complete_time", "correction_order_status", "correction_order_time", "representative_signature_sha256")
    class AnswersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ChecklistAnswer
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ChecklistAnswer, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RECTIFY_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_NOTE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_OF_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_HEAD_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_ORDER_STATUS_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_ORDER_TIME_FIELD_NUMBER: _ClassVar[int]
    REPRESENTATIVE_SIGNATURE_SHA256_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    plan_id: str
    subject: Subject
    inspector_ids: _containers.RepeatedScalarFieldContainer[str]
    certificates: _containers.RepeatedScalarFieldContainer[str]
    category: str
    checklist: _containers.RepeatedCompositeFieldContainer[ChecklistItem]
    checklist_version: int
    due_date: str
    status: str
    answers: _containers.MessageMap[str, ChecklistAnswer]
    outcome: str
    rectify_due_date: str
    outcome_note: str
    confirmed_by: _containers.RepeatedScalarFieldContainer[str]
    follow_up_of: str
    case_id: str
    evidence_count: int
    evidence_head: str
    start_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    correction_order_status: str
    correction_order_time: _timestamp_pb2.Timestamp
    representative_signature_sha256: str
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ..., inspector_ids: _Optional[_Iterable[str]] = ..., certificates: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., checklist: _Optional[_Iterable[_Union[ChecklistItem, _Mapping]]] = ..., checklist_version: _Optional[int] = ..., due_date: _Optional[str] = ..., status: _Optional[str] = ..., answers: _Optional[_Mapping[str, ChecklistAnswer]] = ..., outcome: _Optional[str] = ..., rectify_due_date: _Optional[str] = ..., outcome_note: _Optional[str] = ..., confirmed_by: _Optional[_Iterable[str]] = ..., follow_up_of: _Optional[str] = ..., case_id: _Optional[str] = ..., evidence_count: _Optional[int] = ..., evidence_head: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., correction_order_status: _Optional[str] = ..., correction_order_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., representative_signature_sha256: _Optional[str] = ...) -> None: ...

class ListMyInspectionsRequest(_message.Message):
    __slots__ = ("open_only", "page_size")
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    open_only: bool
    page_size: int
    def __init__(self, open_only: _Optional[bool] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListInspectionsResponse(_message.Message):
    __slots__ = ("inspections",)
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    inspections: _containers.RepeatedCompositeFieldContainer[Inspection]
    def __init__(self, inspections: _Optional[_Iterable[_Union[Inspection, _Mapping]]] = ...) -> None: ...

class GetInspectionRequest(_message.Message):
    __slots__ = ("inspection_id",)
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    def __init__(self, inspection_id: _Optional[str] = ...) -> None: ...

class StartInspectionRequest(_message.Message):
    __slots__ = ("inspection_id",)
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    def __init__(self, inspection_id: _Optional[str] = ...) -> None: ...

class AddEvidenceRequest(_message.Message):
    __slots__ = ("inspection_id", "kind", "content", "sha256", "device_time", "position", "note", "request_id")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    kind: str
    content: bytes
    sha256: str
    device_time: _timestamp_pb2.Timestamp
    position: Position
    note: str
    request_id: str
    def __init__(self, inspection_id: _Optional[str] = ..., kind: _Optional[str] = ..., content: _Optional[bytes] = ..., sha256: _Optional[str] = ..., device_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., note: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class EvidenceEntry(_message.Message):
    __slots__ = ("seq", "kind", "content_type", "sha256", "size", "inspector_id", "device_time", "receive_time", "position", "note", "request_id", "prev_hash", "hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    INSPECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TIME_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    kind: str
    content_type: str
    sha256: str
    size: int
    inspector_id: str
    device_time: _timestamp_pb2.Timestamp
    receive_time: _timestamp_pb2.Timestamp
    position: Position
    note: str
    request_id: str
    prev_hash: str
    hash: str
    def __init__(self, seq: _Optional[int] = ..., kind: _Optional[str] = ..., content_type: _Optional[str] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ..., inspector_id: _Optional[str] = ..., device_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., note: _Optional[str] = ..., request_id: _Optional[str] = ..., prev_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class AddEvidenceResponse(_message.Message):
    __slots__ = ("entry", "created")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    entry: EvidenceEntry
    created: bool
    def __init__(self, entry: _Optional[_Union[EvidenceEntry, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ListEvidenceRequest(_message.Message):
    __slots__ = ("inspection_id",)
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    def __init__(self, inspection_id: _Optional[str] = ...) -> None: ...

class ListEvidenceResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[EvidenceEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[EvidenceEntry, _Mapping]]] = ...) -> None: ...

class GetEvidenceFileRequest(_message.Message):
    __slots__ = ("inspection_id", "seq")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    seq: int
    def __init__(self, inspection_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class EvidenceFile(_message.Message):
    __slots__ = ("entry", "content")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    entry: EvidenceEntry
    content: bytes
    def __init__(self, entry: _Optional[_Union[EvidenceEntry, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class VerifyEvidenceRequest(_message.Message):
    __slots__ = ("inspection_id",)
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    def __init__(self, inspection_id: _Optional[str] = ...) -> None: ...

class EvidenceVerification(_message.Message):
    __slots__ = ("inspection_id", "ok", "entries", "broken_seq", "reason")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    BROKEN_SEQ_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    ok: bool
    entries: int
    broken_seq: int
    reason: str
    def __init__(self, inspection_id: _Optional[str] = ..., ok: _Optional[bool] = ..., entries: _Optional[int] = ..., broken_seq: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class SubmitInspectionRequest(_message.Message):
    __slots__ = ("inspection_id", "answers", "outcome", "rectify_due_date", "note", "request_id")
    class AnswersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ChecklistAnswer
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ChecklistAnswer, _Mapping]] = ...) -> None: ...
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RECTIFY_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    answers: _containers.MessageMap[str, ChecklistAnswer]
    outcome: str
    rectify_due_date: str
    note: str
    request_id: str
    def __init__(self, inspection_id: _Optional[str] = ..., answers: _Optional[_Mapping[str, ChecklistAnswer]] = ..., outcome: _Optional[str] = ..., rectify_due_date: _Optional[str] = ..., note: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ConfirmInspectionRequest(_message.Message):
    __slots__ = ("inspection_id", "signature_sha256")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SHA256_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    signature_sha256: str
    def __init__(self, inspection_id: _Optional[str] = ..., signature_sha256: _Optional[str] = ...) -> None: ...

class ListDrawsRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class ListDrawsResponse(_message.Message):
    __slots__ = ("draws",)
    DRAWS_FIELD_NUMBER: _ClassVar[int]
    draws: _containers.RepeatedCompositeFieldContainer[Draw]
    def __init__(self, draws: _Optional[_Iterable[_Union[Draw, _Mapping]]] = ...) -> None: ...

class ReportPositionRequest(_message.Message):
    __slots__ = ("inspection_id", "position")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    position: Position
    def __init__(self, inspection_id: _Optional[str] = ..., position: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class ReportPositionResponse(_message.Message):
    __slots__ = ("receive_time",)
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    receive_time: _timestamp_pb2.Timestamp
    def __init__(self, receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OfficerPosition(_message.Message):
    __slots__ = ("inspector_id", "certificate", "position", "receive_time")
    INSPECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    inspector_id: str
    certificate: str
    position: Position
    receive_time: _timestamp_pb2.Timestamp
    def __init__(self, inspector_id: _Optional[str] = ..., certificate: _Optional[str] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TeamPosition(_message.Message):
    __slots__ = ("inspection_id", "tenant_id", "plan_id", "subject", "status", "due_date", "certificates", "officers")
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    OFFICERS_FIELD_NUMBER: _ClassVar[int]
    inspection_id: str
    tenant_id: str
    plan_id: str
    subject: Subject
    status: str
    due_date: str
    certificates: _containers.RepeatedScalarFieldContainer[str]
    officers: _containers.RepeatedCompositeFieldContainer[OfficerPosition]
    def __init__(self, inspection_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., subject: _Optional[_Union[Subject, _Mapping]] = ..., status: _Optional[str] = ..., due_date: _Optional[str] = ..., certificates: _Optional[_Iterable[str]] = ..., officers: _Optional[_Iterable[_Union[OfficerPosition, _Mapping]]] = ...) -> None: ...

class ListTeamPositionsRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListTeamPositionsResponse(_message.Message):
    __slots__ = ("teams",)
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[TeamPosition]
    def __init__(self, teams: _Optional[_Iterable[_Union[TeamPosition, _Mapping]]] = ...) -> None: ...

class SetPenaltyDecisionRequest(_message.Message):
    __slots__ = ("case_id", "decision_number", "summary", "legal_basis", "penalty")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    decision_number: str
    summary: str
    legal_basis: str
    penalty: str
    def __init__(self, case_id: _Optional[str] = ..., decision_number: _Optional[str] = ..., summary: _Optional[str] = ..., legal_basis: _Optional[str] = ..., penalty: _Optional[str] = ...) -> None: ...

class PenaltyDecision(_message.Message):
    __slots__ = ("case_id", "tenant_id", "subject_name", "credit_code", "decision_number", "summary", "legal_basis", "penalty", "decision_date", "status", "publish_time")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    DECISION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    DECISION_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    tenant_id: str
    subject_name: str
    credit_code: str
    decision_number: str
    summary: str
    legal_basis: str
    penalty: str
    decision_date: str
    status: str
    publish_time: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., subject_name: _Optional[str] = ..., credit_code: _Optional[str] = ..., decision_number: _Optional[str] = ..., summary: _Optional[str] = ..., legal_basis: _Optional[str] = ..., penalty: _Optional[str] = ..., decision_date: _Optional[str] = ..., status: _Optional[str] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPenaltyDecisionsRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPenaltyDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "next_page_token")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[PenaltyDecision]
    next_page_token: str
    def __init__(self, decisions: _Optional[_Iterable[_Union[PenaltyDecision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPenaltyDecisionRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...
