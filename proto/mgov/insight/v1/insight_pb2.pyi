import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListStatsRequest(_message.Message):
    __slots__ = ("tenant_id", "from_date", "to_date", "page_size", "page_token", "own_only", "department")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OWN_ONLY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    from_date: str
    to_date: str
    page_size: int
    page_token: str
    own_only: bool
    department: str
    def __init__(self, tenant_id: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., own_only: _Optional[bool] = ..., department: _Optional[str] = ...) -> None: ...

class Quality(_message.Message):
    __slots__ = ("guide_views", "started", "submitted", "completed", "rejected", "withdrawn", "abandonment_rate", "median_working_days", "p90_working_days", "on_time_rate", "supplement_rate", "ratings", "rating_average", "negative_share", "rectifications_open", "rectifications_overdue", "online_share", "sla_breaches")
    GUIDE_VIEWS_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    ABANDONMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    P90_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    SUPPLEMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    RATING_AVERAGE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_SHARE_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATIONS_OPEN_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATIONS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ONLINE_SHARE_FIELD_NUMBER: _ClassVar[int]
    SLA_BREACHES_FIELD_NUMBER: _ClassVar[int]
    guide_views: int
    started: int
    submitted: int
    completed: int
    rejected: int
    withdrawn: int
    abandonment_rate: float
    median_working_days: float
    p90_working_days: float
    on_time_rate: float
    supplement_rate: float
    ratings: int
    rating_average: float
    negative_share: float
    rectifications_open: int
    rectifications_overdue: int
    online_share: float
    sla_breaches: int
    def __init__(self, guide_views: _Optional[int] = ..., started: _Optional[int] = ..., submitted: _Optional[int] = ..., completed: _Optional[int] = ..., rejected: _Optional[int] = ..., withdrawn: _Optional[int] = ..., abandonment_rate: _Optional[float] = ..., median_working_days: _Optional[float] = ..., p90_working_days: _Optional[float] = ..., on_time_rate: _Optional[float] = ..., supplement_rate: _Optional[float] = ..., ratings: _Optional[int] = ..., rating_average: _Optional[float] = ..., negative_share: _Optional[float] = ..., rectifications_open: _Optional[int] = ..., rectifications_overdue: _Optional[int] = ..., online_share: _Optional[float] = ..., sla_breaches: _Optional[int] = ...) -> None: ...

class ItemStats(_message.Message):
    __slots__ = ("item_id", "tenant_id", "code", "name_zh", "name_en", "department", "quality")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    tenant_id: str
    code: str
    name_zh: str
    name_en: str
    department: str
    quality: Quality
    def __init__(self, item_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., department: _Optional[str] = ..., quality: _Optional[_Union[Quality, _Mapping]] = ...) -> None: ...

class ListItemStatsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ItemStats]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[ItemStats, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DepartmentStats(_message.Message):
    __slots__ = ("tenant_id", "department", "quality", "open_cases", "open_cases_unstaffed", "staff_able_to_act")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_UNSTAFFED_FIELD_NUMBER: _ClassVar[int]
    STAFF_ABLE_TO_ACT_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    department: str
    quality: Quality
    open_cases: int
    open_cases_unstaffed: int
    staff_able_to_act: int
    def __init__(self, tenant_id: _Optional[str] = ..., department: _Optional[str] = ..., quality: _Optional[_Union[Quality, _Mapping]] = ..., open_cases: _Optional[int] = ..., open_cases_unstaffed: _Optional[int] = ..., staff_able_to_act: _Optional[int] = ...) -> None: ...

class GetDepartmentStatsRequest(_message.Message):
    __slots__ = ("tenant_id", "department", "from_date", "to_date")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    department: str
    from_date: str
    to_date: str
    def __init__(self, tenant_id: _Optional[str] = ..., department: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ...) -> None: ...

class GetItemStatsRequest(_message.Message):
    __slots__ = ("tenant_id", "item_id", "from_date", "to_date")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    item_id: str
    from_date: str
    to_date: str
    def __init__(self, tenant_id: _Optional[str] = ..., item_id: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ...) -> None: ...

class ListDepartmentStatsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[DepartmentStats]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[DepartmentStats, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Ranking(_message.Message):
    __slots__ = ("rank", "tenant_id", "name_zh", "name_en", "level", "score", "quality")
    RANK_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    rank: int
    tenant_id: str
    name_zh: str
    name_en: str
    level: str
    score: float
    quality: Quality
    def __init__(self, rank: _Optional[int] = ..., tenant_id: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., level: _Optional[str] = ..., score: _Optional[float] = ..., quality: _Optional[_Union[Quality, _Mapping]] = ...) -> None: ...

class ListRankingsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Ranking]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[Ranking, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListZombiesRequest(_message.Message):
    __slots__ = ("tenant_id", "kind", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    kind: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., kind: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Zombie(_message.Message):
    __slots__ = ("kind", "tenant_id", "target_id", "name_zh", "name_en", "last_active_time", "idle_days", "threshold_days", "action")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    IDLE_DAYS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_DAYS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    tenant_id: str
    target_id: str
    name_zh: str
    name_en: str
    last_active_time: _timestamp_pb2.Timestamp
    idle_days: int
    threshold_days: int
    action: str
    def __init__(self, kind: _Optional[str] = ..., tenant_id: _Optional[str] = ..., target_id: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., last_active_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idle_days: _Optional[int] = ..., threshold_days: _Optional[int] = ..., action: _Optional[str] = ...) -> None: ...

class DailyStats(_message.Message):
    __slots__ = ("date", "quality")
    DATE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    date: str
    quality: Quality
    def __init__(self, date: _Optional[str] = ..., quality: _Optional[_Union[Quality, _Mapping]] = ...) -> None: ...

class ListDailyStatsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[DailyStats]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[DailyStats, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListZombiesResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Zombie]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[Zombie, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ActOnZombieRequest(_message.Message):
    __slots__ = ("tenant_id", "kind", "target_id", "action", "reason")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    kind: str
    target_id: str
    action: str
    reason: str
    def __init__(self, tenant_id: _Optional[str] = ..., kind: _Optional[str] = ..., target_id: _Optional[str] = ..., action: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ZombieAction(_message.Message):
    __slots__ = ("id", "tenant_id", "kind", "target_id", "action", "reason", "outcome", "error", "actor_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    kind: str
    target_id: str
    action: str
    reason: str
    outcome: str
    error: str
    actor_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., kind: _Optional[str] = ..., target_id: _Optional[str] = ..., action: _Optional[str] = ..., reason: _Optional[str] = ..., outcome: _Optional[str] = ..., error: _Optional[str] = ..., actor_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListZombieActionsRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListZombieActionsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ZombieAction]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[ZombieAction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetThresholdsRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class Thresholds(_message.Message):
    __slots__ = ("tenant_id", "item_unused_days", "guide_stale_days", "system_silent_days", "account_idle_days", "source_tenant_id", "notice_stale_days", "department_unstaffed_days")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_UNUSED_DAYS_FIELD_NUMBER: _ClassVar[int]
    GUIDE_STALE_DAYS_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_SILENT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_IDLE_DAYS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_STALE_DAYS_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_UNSTAFFED_DAYS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    item_unused_days: int
    guide_stale_days: int
    system_silent_days: int
    account_idle_days: int
    source_tenant_id: str
    notice_stale_days: int
    department_unstaffed_days: int
    def __init__(self, tenant_id: _Optional[str] = ..., item_unused_days: _Optional[int] = ..., guide_stale_days: _Optional[int] = ..., system_silent_days: _Optional[int] = ..., account_idle_days: _Optional[int] = ..., source_tenant_id: _Optional[str] = ..., notice_stale_days: _Optional[int] = ..., department_unstaffed_days: _Optional[int] = ...) -> None: ...

class RecordUsageRequest(_message.Message):
    __slots__ = ("item_id", "kind")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    kind: str
    def __init__(self, item_id: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class RecordUsageResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
