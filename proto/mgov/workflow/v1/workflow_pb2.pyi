import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mgov.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_KIND_UNSPECIFIED: _ClassVar[TaskKind]
    TASK_KIND_CASE: _ClassVar[TaskKind]
    TASK_KIND_RECTIFICATION: _ClassVar[TaskKind]
    TASK_KIND_REPORT: _ClassVar[TaskKind]

class AssigneeFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNEE_FILTER_UNSPECIFIED: _ClassVar[AssigneeFilter]
    ASSIGNEE_FILTER_ME: _ClassVar[AssigneeFilter]
    ASSIGNEE_FILTER_UNASSIGNED: _ClassVar[AssigneeFilter]

class RectificationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECTIFICATION_STATUS_UNSPECIFIED: _ClassVar[RectificationStatus]
    RECTIFICATION_STATUS_OPEN: _ClassVar[RectificationStatus]
    RECTIFICATION_STATUS_CLOSED: _ClassVar[RectificationStatus]

class StatsGroupBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATS_GROUP_BY_UNSPECIFIED: _ClassVar[StatsGroupBy]
    STATS_GROUP_BY_ITEM: _ClassVar[StatsGroupBy]
    STATS_GROUP_BY_DEPARTMENT: _ClassVar[StatsGroupBy]
    STATS_GROUP_BY_TENANT: _ClassVar[StatsGroupBy]
TASK_KIND_UNSPECIFIED: TaskKind
TASK_KIND_CASE: TaskKind
TASK_KIND_RECTIFICATION: TaskKind
TASK_KIND_REPORT: TaskKind
ASSIGNEE_FILTER_UNSPECIFIED: AssigneeFilter
ASSIGNEE_FILTER_ME: AssigneeFilter
ASSIGNEE_FILTER_UNASSIGNED: AssigneeFilter
RECTIFICATION_STATUS_UNSPECIFIED: RectificationStatus
RECTIFICATION_STATUS_OPEN: RectificationStatus
RECTIFICATION_STATUS_CLOSED: RectificationStatus
STATS_GROUP_BY_UNSPECIFIED: StatsGroupBy
STATS_GROUP_BY_ITEM: StatsGroupBy
STATS_GROUP_BY_DEPARTMENT: StatsGroupBy
STATS_GROUP_BY_TENANT: StatsGroupBy

class ListItemUseRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ItemUse(_message.Message):
    __slots__ = ("service_id", "last_submit_time", "case_count")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    CASE_COUNT_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    last_submit_time: _timestamp_pb2.Timestamp
    case_count: int
    def __init__(self, service_id: _Optional[str] = ..., last_submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_count: _Optional[int] = ...) -> None: ...

class ListItemUseResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ItemUse]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[ItemUse, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class State(_message.Message):
    __slots__ = ("name", "label", "sla_days", "terminal", "pauses_clock", "outcome", "awaits_payment")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SLA_DAYS_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_FIELD_NUMBER: _ClassVar[int]
    PAUSES_CLOCK_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    AWAITS_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: _common_pb2.LocalizedText
    sla_days: int
    terminal: bool
    pauses_clock: bool
    outcome: str
    awaits_payment: bool
    def __init__(self, name: _Optional[str] = ..., label: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., sla_days: _Optional[int] = ..., terminal: _Optional[bool] = ..., pauses_clock: _Optional[bool] = ..., outcome: _Optional[str] = ..., awaits_payment: _Optional[bool] = ...) -> None: ...

class Action(_message.Message):
    __slots__ = ("name", "label", "from_states", "to_state", "roles", "comment_required", "materials_required")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    FROM_STATES_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    COMMENT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: _common_pb2.LocalizedText
    from_states: _containers.RepeatedScalarFieldContainer[str]
    to_state: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    comment_required: bool
    materials_required: bool
    def __init__(self, name: _Optional[str] = ..., label: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., from_states: _Optional[_Iterable[str]] = ..., to_state: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., comment_required: _Optional[bool] = ..., materials_required: _Optional[bool] = ...) -> None: ...

class WorkflowDefinition(_message.Message):
    __slots__ = ("id", "tenant_id", "version", "name", "start_state", "states", "actions", "inherited_from", "create_time", "created_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_STATE_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    INHERITED_FROM_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    version: int
    name: _common_pb2.LocalizedText
    start_state: str
    states: _containers.RepeatedCompositeFieldContainer[State]
    actions: _containers.RepeatedCompositeFieldContainer[Action]
    inherited_from: str
    create_time: _timestamp_pb2.Timestamp
    created_by: _common_pb2.Actor
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., version: _Optional[int] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., start_state: _Optional[str] = ..., states: _Optional[_Iterable[_Union[State, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., inherited_from: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class SaveDefinitionRequest(_message.Message):
    __slots__ = ("tenant_id", "definition", "expected_version")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    definition: WorkflowDefinition
    expected_version: int
    def __init__(self, tenant_id: _Optional[str] = ..., definition: _Optional[_Union[WorkflowDefinition, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class GetDefinitionRequest(_message.Message):
    __slots__ = ("tenant_id", "definition_id", "version")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    definition_id: str
    version: int
    def __init__(self, tenant_id: _Optional[str] = ..., definition_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Transition(_message.Message):
    __slots__ = ("seq", "action", "from_state", "to_state", "actor", "comment", "time", "material_ids")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    seq: int
    action: str
    from_state: str
    to_state: str
    actor: _common_pb2.Actor
    comment: str
    time: _timestamp_pb2.Timestamp
    material_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, seq: _Optional[int] = ..., action: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., actor: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., comment: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., material_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MaterialFile(_message.Message):
    __slots__ = ("id", "application_id", "material_code", "filename", "content_type", "sha256", "size_bytes", "storage_key", "uploaded_by", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_CODE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STORAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    application_id: str
    material_code: str
    filename: str
    content_type: str
    sha256: str
    size_bytes: int
    storage_key: str
    uploaded_by: _common_pb2.Actor
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., application_id: _Optional[str] = ..., material_code: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., storage_key: _Optional[str] = ..., uploaded_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("application_id", "score", "comment", "create_time", "rectification_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    score: int
    comment: str
    create_time: _timestamp_pb2.Timestamp
    rectification_id: str
    def __init__(self, application_id: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rectification_id: _Optional[str] = ...) -> None: ...

class Application(_message.Message):
    __slots__ = ("id", "case_number", "tenant_id", "service_id", "service_version", "service_name", "department", "applicant_id", "status", "status_label", "form", "version", "definition_id", "definition_version", "assignee_id", "submit_time", "update_time", "complete_time", "due_time", "state_due_time", "clock_paused", "timeline", "materials", "rating", "available_actions", "applicant_tenant_id", "eligible_roles", "awaits_payment")
    ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_LABEL_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_VERSION_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOCK_PAUSED_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_ROLES_FIELD_NUMBER: _ClassVar[int]
    AWAITS_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    case_number: str
    tenant_id: str
    service_id: str
    service_version: int
    service_name: _common_pb2.LocalizedText
    department: str
    applicant_id: str
    status: str
    status_label: _common_pb2.LocalizedText
    form: _struct_pb2.Struct
    version: int
    definition_id: str
    definition_version: int
    assignee_id: str
    submit_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    state_due_time: _timestamp_pb2.Timestamp
    clock_paused: bool
    timeline: _containers.RepeatedCompositeFieldContainer[Transition]
    materials: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    rating: Rating
    available_actions: _containers.RepeatedScalarFieldContainer[str]
    applicant_tenant_id: str
    eligible_roles: _containers.RepeatedScalarFieldContainer[str]
    awaits_payment: bool
    def __init__(self, id: _Optional[str] = ..., case_number: _Optional[str] = ..., tenant_id: _Optional[str] = ..., service_id: _Optional[str] = ..., service_version: _Optional[int] = ..., service_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., department: _Optional[str] = ..., applicant_id: _Optional[str] = ..., status: _Optional[str] = ..., status_label: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., form: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., version: _Optional[int] = ..., definition_id: _Optional[str] = ..., definition_version: _Optional[int] = ..., assignee_id: _Optional[str] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clock_paused: _Optional[bool] = ..., timeline: _Optional[_Iterable[_Union[Transition, _Mapping]]] = ..., materials: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ..., rating: _Optional[_Union[Rating, _Mapping]] = ..., available_actions: _Optional[_Iterable[str]] = ..., applicant_tenant_id: _Optional[str] = ..., eligible_roles: _Optional[_Iterable[str]] = ..., awaits_payment: _Optional[bool] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("service_id", "service_version", "tenant_id", "form", "material_ids", "request_id")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    service_version: int
    tenant_id: str
    form: _struct_pb2.Struct
    material_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, service_id: _Optional[str] = ..., service_version: _Optional[int] = ..., tenant_id: _Optional[str] = ..., form: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., material_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("application_id",)
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    def __init__(self, application_id: _Optional[str] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("status", "service_id", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: str
    service_id: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[str] = ..., service_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_page_token")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    next_page_token: str
    def __init__(self, applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PerformActionRequest(_message.Message):
    __slots__ = ("application_id", "action", "comment", "expected_version", "material_ids", "request_id", "form")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    action: str
    comment: str
    expected_version: int
    material_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    form: _struct_pb2.Struct
    def __init__(self, application_id: _Optional[str] = ..., action: _Optional[str] = ..., comment: _Optional[str] = ..., expected_version: _Optional[int] = ..., material_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., form: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AddMaterialRequest(_message.Message):
    __slots__ = ("application_id", "material_code", "filename", "content_type", "sha256", "size_bytes", "storage_key", "content", "phone_token")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_CODE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STORAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PHONE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    material_code: str
    filename: str
    content_type: str
    sha256: str
    size_bytes: int
    storage_key: str
    content: bytes
    phone_token: str
    def __init__(self, application_id: _Optional[str] = ..., material_code: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., storage_key: _Optional[str] = ..., content: _Optional[bytes] = ..., phone_token: _Optional[str] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "kind", "application_id", "case_number", "tenant_id", "service_id", "service_name", "department", "status", "assignee_id", "due_time", "create_time", "available_actions", "rectification_id", "overdue", "escalated", "location")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: TaskKind
    application_id: str
    case_number: str
    tenant_id: str
    service_id: str
    service_name: _common_pb2.LocalizedText
    department: str
    status: str
    assignee_id: str
    due_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    available_actions: _containers.RepeatedScalarFieldContainer[str]
    rectification_id: str
    overdue: bool
    escalated: bool
    location: GeoPoint
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., application_id: _Optional[str] = ..., case_number: _Optional[str] = ..., tenant_id: _Optional[str] = ..., service_id: _Optional[str] = ..., service_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., department: _Optional[str] = ..., status: _Optional[str] = ..., assignee_id: _Optional[str] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., available_actions: _Optional[_Iterable[str]] = ..., rectification_id: _Optional[str] = ..., overdue: _Optional[bool] = ..., escalated: _Optional[bool] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("tenant_id", "kind", "assignee", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    kind: TaskKind
    assignee: AssigneeFilter
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., assignee: _Optional[_Union[AssigneeFilter, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ClaimTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class AssignTaskRequest(_message.Message):
    __slots__ = ("task_id", "assignee_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    assignee_id: str
    def __init__(self, task_id: _Optional[str] = ..., assignee_id: _Optional[str] = ...) -> None: ...

class Rectification(_message.Message):
    __slots__ = ("id", "application_id", "tenant_id", "department", "score", "rating_comment", "status", "due_time", "callback", "outcome", "closed_by", "create_time", "close_time", "case_number", "eligible_roles", "assignee_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RATING_COMMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_ROLES_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    application_id: str
    tenant_id: str
    department: str
    score: int
    rating_comment: str
    status: RectificationStatus
    due_time: _timestamp_pb2.Timestamp
    callback: str
    outcome: str
    closed_by: _common_pb2.Actor
    create_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    case_number: str
    eligible_roles: _containers.RepeatedScalarFieldContainer[str]
    assignee_id: str
    def __init__(self, id: _Optional[str] = ..., application_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., department: _Optional[str] = ..., score: _Optional[int] = ..., rating_comment: _Optional[str] = ..., status: _Optional[_Union[RectificationStatus, str]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., callback: _Optional[str] = ..., outcome: _Optional[str] = ..., closed_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_number: _Optional[str] = ..., eligible_roles: _Optional[_Iterable[str]] = ..., assignee_id: _Optional[str] = ...) -> None: ...

class RateApplicationRequest(_message.Message):
    __slots__ = ("application_id", "score", "comment")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    score: int
    comment: str
    def __init__(self, application_id: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class CloseRectificationRequest(_message.Message):
    __slots__ = ("rectification_id", "callback", "outcome")
    RECTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    rectification_id: str
    callback: str
    outcome: str
    def __init__(self, rectification_id: _Optional[str] = ..., callback: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class RatingStats(_message.Message):
    __slots__ = ("key", "label", "count", "average_score", "score_counts", "negative_count", "rectifications_open", "rectifications_closed")
    KEY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SCORE_FIELD_NUMBER: _ClassVar[int]
    SCORE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATIONS_OPEN_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATIONS_CLOSED_FIELD_NUMBER: _ClassVar[int]
    key: str
    label: str
    count: int
    average_score: float
    score_counts: _containers.RepeatedScalarFieldContainer[int]
    negative_count: int
    rectifications_open: int
    rectifications_closed: int
    def __init__(self, key: _Optional[str] = ..., label: _Optional[str] = ..., count: _Optional[int] = ..., average_score: _Optional[float] = ..., score_counts: _Optional[_Iterable[int]] = ..., negative_count: _Optional[int] = ..., rectifications_open: _Optional[int] = ..., rectifications_closed: _Optional[int] = ...) -> None: ...

class GetRatingStatsRequest(_message.Message):
    __slots__ = ("tenant_id", "group_by", "include_subtree", "service_id", "department", "start_time", "end_time")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUBTREE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    group_by: StatsGroupBy
    include_subtree: bool
    service_id: str
    department: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, tenant_id: _Optional[str] = ..., group_by: _Optional[_Union[StatsGroupBy, str]] = ..., include_subtree: _Optional[bool] = ..., service_id: _Optional[str] = ..., department: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetRatingStatsResponse(_message.Message):
    __slots__ = ("stats", "total")
    STATS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[RatingStats]
    total: RatingStats
    def __init__(self, stats: _Optional[_Iterable[_Union[RatingStats, _Mapping]]] = ..., total: _Optional[_Union[RatingStats, _Mapping]] = ...) -> None: ...

class CalendarDay(_message.Message):
    __slots__ = ("date", "working", "name")
    DATE_FIELD_NUMBER: _ClassVar[int]
    WORKING_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    date: str
    working: bool
    name: str
    def __init__(self, date: _Optional[str] = ..., working: _Optional[bool] = ..., name: _Optional[str] = ...) -> None: ...

class HolidayCalendar(_message.Message):
    __slots__ = ("tenant_id", "year", "days", "update_time")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    year: int
    days: _containers.RepeatedCompositeFieldContainer[CalendarDay]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, tenant_id: _Optional[str] = ..., year: _Optional[int] = ..., days: _Optional[_Iterable[_Union[CalendarDay, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetHolidayCalendarRequest(_message.Message):
    __slots__ = ("tenant_id", "year", "days")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    year: int
    days: _containers.RepeatedCompositeFieldContainer[CalendarDay]
    def __init__(self, tenant_id: _Optional[str] = ..., year: _Optional[int] = ..., days: _Optional[_Iterable[_Union[CalendarDay, _Mapping]]] = ...) -> None: ...

class GetHolidayCalendarRequest(_message.Message):
    __slots__ = ("tenant_id", "year")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    year: int
    def __init__(self, tenant_id: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class WorkflowSettings(_message.Message):
    __slots__ = ("tenant_id", "case_number_prefix", "rectification_days", "effective_case_number_prefix", "effective_rectification_days", "phone_reports_per_day", "effective_phone_reports_per_day")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_PREFIX_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_CASE_NUMBER_PREFIX_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_RECTIFICATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PHONE_REPORTS_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_PHONE_REPORTS_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    case_number_prefix: str
    rectification_days: int
    effective_case_number_prefix: str
    effective_rectification_days: int
    phone_reports_per_day: int
    effective_phone_reports_per_day: int
    def __init__(self, tenant_id: _Optional[str] = ..., case_number_prefix: _Optional[str] = ..., rectification_days: _Optional[int] = ..., effective_case_number_prefix: _Optional[str] = ..., effective_rectification_days: _Optional[int] = ..., phone_reports_per_day: _Optional[int] = ..., effective_phone_reports_per_day: _Optional[int] = ...) -> None: ...

class GetWorkflowSettingsRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class UpdateWorkflowSettingsRequest(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: WorkflowSettings
    def __init__(self, settings: _Optional[_Union[WorkflowSettings, _Mapping]] = ...) -> None: ...

class GetRectificationRequest(_message.Message):
    __slots__ = ("rectification_id",)
    RECTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    rectification_id: str
    def __init__(self, rectification_id: _Optional[str] = ...) -> None: ...

class GeoPoint(_message.Message):
    __slots__ = ("lat", "lng")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LNG_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lng: float
    def __init__(self, lat: _Optional[float] = ..., lng: _Optional[float] = ...) -> None: ...

class ReportCategory(_message.Message):
    __slots__ = ("code", "tenant_id", "name", "department", "time_limit_days", "merge_radius_m", "merge_window_h", "anonymous_allowed", "public_results")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    MERGE_RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    MERGE_WINDOW_H_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_RESULTS_FIELD_NUMBER: _ClassVar[int]
    code: str
    tenant_id: str
    name: _common_pb2.LocalizedText
    department: str
    time_limit_days: int
    merge_radius_m: int
    merge_window_h: int
    anonymous_allowed: bool
    public_results: bool
    def __init__(self, code: _Optional[str] = ..., tenant_id: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., department: _Optional[str] = ..., time_limit_days: _Optional[int] = ..., merge_radius_m: _Optional[int] = ..., merge_window_h: _Optional[int] = ..., anonymous_allowed: _Optional[bool] = ..., public_results: _Optional[bool] = ...) -> None: ...

class ReportReporter(_message.Message):
    __slots__ = ("user_id", "phone_masked", "link_time", "score", "comment")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_MASKED_FIELD_NUMBER: _ClassVar[int]
    LINK_TIME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    phone_masked: str
    link_time: _timestamp_pb2.Timestamp
    score: int
    comment: str
    def __init__(self, user_id: _Optional[str] = ..., phone_masked: _Optional[str] = ..., link_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("id", "report_number", "tenant_id", "category", "category_name", "department", "status", "status_label", "location", "address", "description", "anonymous", "version", "create_time", "update_time", "due_time", "state_due_time", "resolve_time", "timeline", "photos", "available_actions", "reporters", "linked", "reopen_count", "result_public", "can_reopen", "can_rate", "reporter_count", "eligible_roles", "public_photo_ids", "access_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_LABEL_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    PHOTOS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    REPORTERS_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    REOPEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    RESULT_PUBLIC_FIELD_NUMBER: _ClassVar[int]
    CAN_REOPEN_FIELD_NUMBER: _ClassVar[int]
    CAN_RATE_FIELD_NUMBER: _ClassVar[int]
    REPORTER_COUNT_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_ROLES_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_PHOTO_IDS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    report_number: str
    tenant_id: str
    category: str
    category_name: _common_pb2.LocalizedText
    department: str
    status: str
    status_label: _common_pb2.LocalizedText
    location: GeoPoint
    address: str
    description: str
    anonymous: bool
    version: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    state_due_time: _timestamp_pb2.Timestamp
    resolve_time: _timestamp_pb2.Timestamp
    timeline: _containers.RepeatedCompositeFieldContainer[Transition]
    photos: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    available_actions: _containers.RepeatedScalarFieldContainer[str]
    reporters: _containers.RepeatedCompositeFieldContainer[ReportReporter]
    linked: bool
    reopen_count: int
    result_public: bool
    can_reopen: bool
    can_rate: bool
    reporter_count: int
    eligible_roles: _containers.RepeatedScalarFieldContainer[str]
    public_photo_ids: _containers.RepeatedScalarFieldContainer[str]
    access_token: str
    def __init__(self, id: _Optional[str] = ..., report_number: _Optional[str] = ..., tenant_id: _Optional[str] = ..., category: _Optional[str] = ..., category_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., department: _Optional[str] = ..., status: _Optional[str] = ..., status_label: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ..., address: _Optional[str] = ..., description: _Optional[str] = ..., anonymous: _Optional[bool] = ..., version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[Transition, _Mapping]]] = ..., photos: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ..., available_actions: _Optional[_Iterable[str]] = ..., reporters: _Optional[_Iterable[_Union[ReportReporter, _Mapping]]] = ..., linked: _Optional[bool] = ..., reopen_count: _Optional[int] = ..., result_public: _Optional[bool] = ..., can_reopen: _Optional[bool] = ..., can_rate: _Optional[bool] = ..., reporter_count: _Optional[int] = ..., eligible_roles: _Optional[_Iterable[str]] = ..., public_photo_ids: _Optional[_Iterable[str]] = ..., access_token: _Optional[str] = ...) -> None: ...

class SubmitReportRequest(_message.Message):
    __slots__ = ("category", "description", "location", "address", "photo_ids", "anonymous", "request_id", "phone_token")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PHOTO_IDS_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    category: str
    description: str
    location: GeoPoint
    address: str
    photo_ids: _containers.RepeatedScalarFieldContainer[str]
    anonymous: bool
    request_id: str
    phone_token: str
    def __init__(self, category: _Optional[str] = ..., description: _Optional[str] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ..., address: _Optional[str] = ..., photo_ids: _Optional[_Iterable[str]] = ..., anonymous: _Optional[bool] = ..., request_id: _Optional[str] = ..., phone_token: _Optional[str] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("report_id", "access_token")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    access_token: str
    def __init__(self, report_id: _Optional[str] = ..., access_token: _Optional[str] = ...) -> None: ...

class ListMyReportsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReportsResponse(_message.Message):
    __slots__ = ("reports", "next_page_token")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[Report]
    next_page_token: str
    def __init__(self, reports: _Optional[_Iterable[_Union[Report, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ActOnReportRequest(_message.Message):
    __slots__ = ("report_id", "action", "comment", "expected_version", "material_ids", "request_id", "result_public", "access_token")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_PUBLIC_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    action: str
    comment: str
    expected_version: int
    material_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    result_public: bool
    access_token: str
    def __init__(self, report_id: _Optional[str] = ..., action: _Optional[str] = ..., comment: _Optional[str] = ..., expected_version: _Optional[int] = ..., material_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., result_public: _Optional[bool] = ..., access_token: _Optional[str] = ...) -> None: ...

class MoveReportRequest(_message.Message):
    __slots__ = ("report_id", "tenant_id", "department", "reason", "expected_version")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    tenant_id: str
    department: str
    reason: str
    expected_version: int
    def __init__(self, report_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., department: _Optional[str] = ..., reason: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ReopenReportRequest(_message.Message):
    __slots__ = ("report_id", "comment", "expected_version", "access_token")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    comment: str
    expected_version: int
    access_token: str
    def __init__(self, report_id: _Optional[str] = ..., comment: _Optional[str] = ..., expected_version: _Optional[int] = ..., access_token: _Optional[str] = ...) -> None: ...

class RateReportRequest(_message.Message):
    __slots__ = ("report_id", "score", "comment", "access_token")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    score: int
    comment: str
    access_token: str
    def __init__(self, report_id: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ..., access_token: _Optional[str] = ...) -> None: ...

class ListReportCategoriesRequest(_message.Message):
    __slots__ = ("tenant_id", "location")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    location: GeoPoint
    def __init__(self, tenant_id: _Optional[str] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ...) -> None: ...

class ListReportCategoriesResponse(_message.Message):
    __slots__ = ("tenant_id", "categories")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    categories: _containers.RepeatedCompositeFieldContainer[ReportCategory]
    def __init__(self, tenant_id: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[ReportCategory, _Mapping]]] = ...) -> None: ...

class SaveReportCategoryRequest(_message.Message):
    __slots__ = ("tenant_id", "category")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    category: ReportCategory
    def __init__(self, tenant_id: _Optional[str] = ..., category: _Optional[_Union[ReportCategory, _Mapping]] = ...) -> None: ...

class TenantBoundary(_message.Message):
    __slots__ = ("tenant_id", "geometry", "source", "update_time", "applied")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    geometry: _struct_pb2.Struct
    source: str
    update_time: _timestamp_pb2.Timestamp
    applied: bool
    def __init__(self, tenant_id: _Optional[str] = ..., geometry: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., applied: _Optional[bool] = ...) -> None: ...

class SetTenantBoundaryRequest(_message.Message):
    __slots__ = ("tenant_id", "geometry", "event_time", "request_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    geometry: _struct_pb2.Struct
    event_time: _timestamp_pb2.Timestamp
    request_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., geometry: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class PublicReport(_message.Message):
    __slots__ = ("id", "tenant_id", "category", "category_name", "status", "status_label", "location", "create_time", "update_time", "result_photo_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_LABEL_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESULT_PHOTO_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    category: str
    category_name: _common_pb2.LocalizedText
    status: str
    status_label: _common_pb2.LocalizedText
    location: GeoPoint
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    result_photo_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., category: _Optional[str] = ..., category_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., status: _Optional[str] = ..., status_label: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result_photo_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListPublicReportsRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPublicReportsResponse(_message.Message):
    __slots__ = ("reports", "next_page_token")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[PublicReport]
    next_page_token: str
    def __init__(self, reports: _Optional[_Iterable[_Union[PublicReport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReportStats(_message.Message):
    __slots__ = ("department", "category", "category_name", "received", "resolved", "within_limit", "overdue", "average_resolve_hours", "average_score", "reopened", "reopen_rate")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_NAME_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    WITHIN_LIMIT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RESOLVE_HOURS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SCORE_FIELD_NUMBER: _ClassVar[int]
    REOPENED_FIELD_NUMBER: _ClassVar[int]
    REOPEN_RATE_FIELD_NUMBER: _ClassVar[int]
    department: str
    category: str
    category_name: _common_pb2.LocalizedText
    received: int
    resolved: int
    within_limit: int
    overdue: int
    average_resolve_hours: float
    average_score: float
    reopened: int
    reopen_rate: float
    def __init__(self, department: _Optional[str] = ..., category: _Optional[str] = ..., category_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., received: _Optional[int] = ..., resolved: _Optional[int] = ..., within_limit: _Optional[int] = ..., overdue: _Optional[int] = ..., average_resolve_hours: _Optional[float] = ..., average_score: _Optional[float] = ..., reopened: _Optional[int] = ..., reopen_rate: _Optional[float] = ...) -> None: ...

class GetReportStatsRequest(_message.Message):
    __slots__ = ("tenant_id", "include_subtree", "start_time", "end_time")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUBTREE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    include_subtree: bool
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, tenant_id: _Optional[str] = ..., include_subtree: _Optional[bool] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetReportStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[ReportStats]
    def __init__(self, stats: _Optional[_Iterable[_Union[ReportStats, _Mapping]]] = ...) -> None: ...

class GetReportPhotoRequest(_message.Message):
    __slots__ = ("report_id", "photo_id", "public_tenant_id", "access_token")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    PHOTO_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    photo_id: str
    public_tenant_id: str
    access_token: str
    def __init__(self, report_id: _Optional[str] = ..., photo_id: _Optional[str] = ..., public_tenant_id: _Optional[str] = ..., access_token: _Optional[str] = ...) -> None: ...

class SetReportPhotoPublicRequest(_message.Message):
    __slots__ = ("report_id", "photo_id", "public")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    PHOTO_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    photo_id: str
    public: bool
    def __init__(self, report_id: _Optional[str] = ..., photo_id: _Optional[str] = ..., public: _Optional[bool] = ...) -> None: ...

class ReportPhoto(_message.Message):
    __slots__ = ("id", "filename", "content_type", "sha256", "content")
    ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    filename: str
    content_type: str
    sha256: str
    content: bytes
    def __init__(self, id: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., sha256: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...
