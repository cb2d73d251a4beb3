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

class NotificationChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_CHANNEL_UNSPECIFIED: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_IN_APP: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_PUSH: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_SMS: _ClassVar[NotificationChannel]

class DevicePlatform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEVICE_PLATFORM_UNSPECIFIED: _ClassVar[DevicePlatform]
    DEVICE_PLATFORM_WEB: _ClassVar[DevicePlatform]
    DEVICE_PLATFORM_ANDROID: _ClassVar[DevicePlatform]
    DEVICE_PLATFORM_IOS: _ClassVar[DevicePlatform]
    DEVICE_PLATFORM_HARMONY: _ClassVar[DevicePlatform]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_CREATED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_TEMPORARY_FAILURE: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PERMANENT_FAILURE: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_TECHNICAL_FAILURE: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_VALIDATION_FAILED: _ClassVar[DeliveryStatus]
NOTIFICATION_CHANNEL_UNSPECIFIED: NotificationChannel
NOTIFICATION_CHANNEL_IN_APP: NotificationChannel
NOTIFICATION_CHANNEL_PUSH: NotificationChannel
NOTIFICATION_CHANNEL_SMS: NotificationChannel
DEVICE_PLATFORM_UNSPECIFIED: DevicePlatform
DEVICE_PLATFORM_WEB: DevicePlatform
DEVICE_PLATFORM_ANDROID: DevicePlatform
DEVICE_PLATFORM_IOS: DevicePlatform
DEVICE_PLATFORM_HARMONY: DevicePlatform
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_CREATED: DeliveryStatus
DELIVERY_STATUS_SENDING: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_TEMPORARY_FAILURE: DeliveryStatus
DELIVERY_STATUS_PERMANENT_FAILURE: DeliveryStatus
DELIVERY_STATUS_TECHNICAL_FAILURE: DeliveryStatus
DELIVERY_STATUS_VALIDATION_FAILED: DeliveryStatus

class SendEnforcementSmsRequest(_message.Message):
    __slots__ = ("kind", "phone", "tenant_id", "message_id", "subject_name", "due_date", "items")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    phone: str
    tenant_id: str
    message_id: str
    subject_name: str
    due_date: str
    items: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[str] = ..., phone: _Optional[str] = ..., tenant_id: _Optional[str] = ..., message_id: _Optional[str] = ..., subject_name: _Optional[str] = ..., due_date: _Optional[str] = ..., items: _Optional[_Iterable[str]] = ...) -> None: ...

class SendEnforcementSmsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendSecuritySmsRequest(_message.Message):
    __slots__ = ("kind", "phone", "code", "tenant_id", "message_id", "expires_in_minutes")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    kind: str
    phone: str
    code: str
    tenant_id: str
    message_id: str
    expires_in_minutes: int
    def __init__(self, kind: _Optional[str] = ..., phone: _Optional[str] = ..., code: _Optional[str] = ..., tenant_id: _Optional[str] = ..., message_id: _Optional[str] = ..., expires_in_minutes: _Optional[int] = ...) -> None: ...

class SendSecuritySmsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Notification(_message.Message):
    __slots__ = ("id", "recipient_id", "tenant_id", "category", "title", "body", "link", "data", "read", "read_time", "create_time", "event_id", "locale")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    id: str
    recipient_id: str
    tenant_id: str
    category: str
    title: str
    body: str
    link: str
    data: _struct_pb2.Struct
    read: bool
    read_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    event_id: str
    locale: str
    def __init__(self, id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., link: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., read: _Optional[bool] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ..., locale: _Optional[str] = ...) -> None: ...

class Device(_message.Message):
    __slots__ = ("id", "user_id", "platform", "token", "name", "create_time", "last_seen_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    platform: DevicePlatform
    token: str
    name: str
    create_time: _timestamp_pb2.Timestamp
    last_seen_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., platform: _Optional[_Union[DevicePlatform, str]] = ..., token: _Optional[str] = ..., name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChannelPreference(_message.Message):
    __slots__ = ("category", "channel", "enabled")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    category: str
    channel: NotificationChannel
    enabled: bool
    def __init__(self, category: _Optional[str] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., enabled: _Optional[bool] = ...) -> None: ...

class QuietHours(_message.Message):
    __slots__ = ("enabled", "start", "end")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    start: str
    end: str
    def __init__(self, enabled: _Optional[bool] = ..., start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("channels", "quiet_hours", "locale", "time_zone", "notice_tenant_ids")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TENANT_IDS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[ChannelPreference]
    quiet_hours: QuietHours
    locale: str
    time_zone: str
    notice_tenant_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, channels: _Optional[_Iterable[_Union[ChannelPreference, _Mapping]]] = ..., quiet_hours: _Optional[_Union[QuietHours, _Mapping]] = ..., locale: _Optional[str] = ..., time_zone: _Optional[str] = ..., notice_tenant_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Template(_message.Message):
    __slots__ = ("id", "tenant_id", "key", "channel", "locale", "version", "category", "title", "body", "urgent", "create_time", "created_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    URGENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    key: str
    channel: NotificationChannel
    locale: str
    version: int
    category: str
    title: str
    body: str
    urgent: bool
    create_time: _timestamp_pb2.Timestamp
    created_by: _common_pb2.Actor
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., key: _Optional[str] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., locale: _Optional[str] = ..., version: _Optional[int] = ..., category: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., urgent: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("id", "notification_id", "recipient_id", "tenant_id", "channel", "destination", "status", "attempts", "last_error", "provider_message_id", "next_attempt_time", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    notification_id: str
    recipient_id: str
    tenant_id: str
    channel: NotificationChannel
    destination: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    provider_message_id: str
    next_attempt_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., notification_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., destination: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., provider_message_id: _Optional[str] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("unread_only", "category", "since_id", "page_size", "page_token")
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SINCE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unread_only: bool
    category: str
    since_id: str
    page_size: int
    page_token: str
    def __init__(self, unread_only: _Optional[bool] = ..., category: _Optional[str] = ..., since_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token", "unread_count")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    next_page_token: str
    unread_count: int
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unread_count: _Optional[int] = ...) -> None: ...

class GetUnreadCountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetUnreadCountResponse(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("notification_ids", "all")
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("updated",)
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    updated: int
    def __init__(self, updated: _Optional[int] = ...) -> None: ...

class RegisterDeviceRequest(_message.Message):
    __slots__ = ("platform", "token", "name")
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    platform: DevicePlatform
    token: str
    name: str
    def __init__(self, platform: _Optional[_Union[DevicePlatform, str]] = ..., token: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class UnregisterDeviceRequest(_message.Message):
    __slots__ = ("device_id",)
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    def __init__(self, device_id: _Optional[str] = ...) -> None: ...

class UnregisterDeviceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetPreferencesRequest(_message.Message):
    __slots__ = ("preferences",)
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    preferences: Preferences
    def __init__(self, preferences: _Optional[_Union[Preferences, _Mapping]] = ...) -> None: ...

class SaveTemplateRequest(_message.Message):
    __slots__ = ("tenant_id", "template")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    template: Template
    def __init__(self, tenant_id: _Optional[str] = ..., template: _Optional[_Union[Template, _Mapping]] = ...) -> None: ...

class ListDevicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDevicesResponse(_message.Message):
    __slots__ = ("devices",)
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    devices: _containers.RepeatedCompositeFieldContainer[Device]
    def __init__(self, devices: _Optional[_Iterable[_Union[Device, _Mapping]]] = ...) -> None: ...

class GetPushConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPushConfigResponse(_message.Message):
    __slots__ = ("vapid_public_key",)
    VAPID_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    vapid_public_key: str
    def __init__(self, vapid_public_key: _Optional[str] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("tenant_id", "notification_id", "recipient_id", "channel", "status", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    notification_id: str
    recipient_id: str
    channel: NotificationChannel
    status: DeliveryStatus
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., notification_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
