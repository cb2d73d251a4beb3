import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mgov.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TenantLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TENANT_LEVEL_UNSPECIFIED: _ClassVar[TenantLevel]
    TENANT_LEVEL_PROVINCE: _ClassVar[TenantLevel]
    TENANT_LEVEL_CITY: _ClassVar[TenantLevel]
    TENANT_LEVEL_COUNTY: _ClassVar[TenantLevel]

class TenantStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TENANT_STATUS_UNSPECIFIED: _ClassVar[TenantStatus]
    TENANT_STATUS_ACTIVE: _ClassVar[TenantStatus]
    TENANT_STATUS_SUSPENDED: _ClassVar[TenantStatus]

class UserStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_STATUS_UNSPECIFIED: _ClassVar[UserStatus]
    USER_STATUS_ACTIVE: _ClassVar[UserStatus]
    USER_STATUS_LOCKED: _ClassVar[UserStatus]
    USER_STATUS_DISABLED: _ClassVar[UserStatus]

class SystemStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYSTEM_STATUS_UNSPECIFIED: _ClassVar[SystemStatus]
    SYSTEM_STATUS_ACTIVE: _ClassVar[SystemStatus]
    SYSTEM_STATUS_REVOKED: _ClassVar[SystemStatus]
TENANT_LEVEL_UNSPECIFIED: TenantLevel
TENANT_LEVEL_PROVINCE: TenantLevel
TENANT_LEVEL_CITY: TenantLevel
TENANT_LEVEL_COUNTY: TenantLevel
TENANT_STATUS_UNSPECIFIED: TenantStatus
TENANT_STATUS_ACTIVE: TenantStatus
TENANT_STATUS_SUSPENDED: TenantStatus
USER_STATUS_UNSPECIFIED: UserStatus
USER_STATUS_ACTIVE: UserStatus
USER_STATUS_LOCKED: UserStatus
USER_STATUS_DISABLED: UserStatus
SYSTEM_STATUS_UNSPECIFIED: SystemStatus
SYSTEM_STATUS_ACTIVE: SystemStatus
SYSTEM_STATUS_REVOKED: SystemStatus

class Tenant(_message.Message):
    __slots__ = ("id", "name", "division_code", "parent_id", "level", "status", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: _common_pb2.LocalizedText
    division_code: str
    parent_id: str
    level: TenantLevel
    status: TenantStatus
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., division_code: _Optional[str] = ..., parent_id: _Optional[str] = ..., level: _Optional[_Union[TenantLevel, str]] = ..., status: _Optional[_Union[TenantStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("id", "name", "phone", "tenant_id", "roles", "identity_level", "national_id", "status", "create_time", "update_time", "last_sign_in_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SIGN_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    phone: str
    tenant_id: str
    roles: _containers.RepeatedCompositeFieldContainer[_common_pb2.RoleBinding]
    identity_level: _common_pb2.IdentityLevel
    national_id: str
    status: UserStatus
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    last_sign_in_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., tenant_id: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[_common_pb2.RoleBinding, _Mapping]]] = ..., identity_level: _Optional[_Union[_common_pb2.IdentityLevel, str]] = ..., national_id: _Optional[str] = ..., status: _Optional[_Union[UserStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_sign_in_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TokenPair(_message.Message):
    __slots__ = ("access_token", "refresh_token", "token_type", "expires_in", "refresh_expires_in")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    refresh_expires_in: int
    def __init__(self, access_token: _Optional[str] = ..., refresh_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in: _Optional[int] = ..., refresh_expires_in: _Optional[int] = ...) -> None: ...

class Jwk(_message.Message):
    __slots__ = ("kty", "crv", "x", "kid", "alg", "use")
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    USE_FIELD_NUMBER: _ClassVar[int]
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str
    def __init__(self, kty: _Optional[str] = ..., crv: _Optional[str] = ..., x: _Optional[str] = ..., kid: _Optional[str] = ..., alg: _Optional[str] = ..., use: _Optional[str] = ...) -> None: ...

class System(_message.Message):
    __slots__ = ("id", "tenant_id", "name", "event_types", "client_id", "nats_user", "webhook_url", "status", "credentials_version", "create_time", "rotate_time", "revoke_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    NATS_USER_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ROTATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    name: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    client_id: str
    nats_user: str
    webhook_url: str
    status: SystemStatus
    credentials_version: int
    create_time: _timestamp_pb2.Timestamp
    rotate_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., client_id: _Optional[str] = ..., nats_user: _Optional[str] = ..., webhook_url: _Optional[str] = ..., status: _Optional[_Union[SystemStatus, str]] = ..., credentials_version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rotate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SystemCredentials(_message.Message):
    __slots__ = ("client_id", "client_secret", "nats_url", "nats_user", "nats_password", "webhook_secret", "nats_inbox_prefix")
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    NATS_URL_FIELD_NUMBER: _ClassVar[int]
    NATS_USER_FIELD_NUMBER: _ClassVar[int]
    NATS_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_FIELD_NUMBER: _ClassVar[int]
    NATS_INBOX_PREFIX_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    client_secret: str
    nats_url: str
    nats_user: str
    nats_password: str
    webhook_secret: str
    nats_inbox_prefix: str
    def __init__(self, client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., nats_url: _Optional[str] = ..., nats_user: _Optional[str] = ..., nats_password: _Optional[str] = ..., webhook_secret: _Optional[str] = ..., nats_inbox_prefix: _Optional[str] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("tenant_id", "phone", "password", "name", "source_address")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    phone: str
    password: str
    name: str
    source_address: str
    def __init__(self, tenant_id: _Optional[str] = ..., phone: _Optional[str] = ..., password: _Optional[str] = ..., name: _Optional[str] = ..., source_address: _Optional[str] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("user_id", "registration_id", "expires_in_seconds")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    registration_id: str
    expires_in_seconds: int
    def __init__(self, user_id: _Optional[str] = ..., registration_id: _Optional[str] = ..., expires_in_seconds: _Optional[int] = ...) -> None: ...

class ConfirmRegistrationRequest(_message.Message):
    __slots__ = ("registration_id", "code", "source_address", "user_agent")
    REGISTRATION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    registration_id: str
    code: str
    source_address: str
    user_agent: str
    def __init__(self, registration_id: _Optional[str] = ..., code: _Optional[str] = ..., source_address: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class StartPhoneVerificationRequest(_message.Message):
    __slots__ = ("tenant_id", "phone", "source_address")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    phone: str
    source_address: str
    def __init__(self, tenant_id: _Optional[str] = ..., phone: _Optional[str] = ..., source_address: _Optional[str] = ...) -> None: ...

class StartPhoneVerificationResponse(_message.Message):
    __slots__ = ("verification_id", "expires_in_seconds")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    expires_in_seconds: int
    def __init__(self, verification_id: _Optional[str] = ..., expires_in_seconds: _Optional[int] = ...) -> None: ...

class ConfirmPhoneVerificationRequest(_message.Message):
    __slots__ = ("verification_id", "code", "source_address")
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    verification_id: str
    code: str
    source_address: str
    def __init__(self, verification_id: _Optional[str] = ..., code: _Optional[str] = ..., source_address: _Optional[str] = ...) -> None: ...

class ConfirmPhoneVerificationResponse(_message.Message):
    __slots__ = ("phone_token", "expires_in_seconds", "phone_masked")
    PHONE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PHONE_MASKED_FIELD_NUMBER: _ClassVar[int]
    phone_token: str
    expires_in_seconds: int
    phone_masked: str
    def __init__(self, phone_token: _Optional[str] = ..., expires_in_seconds: _Optional[int] = ..., phone_masked: _Optional[str] = ...) -> None: ...

class AuthenticateRequest(_message.Message):
    __slots__ = ("phone", "password", "source_address", "user_agent", "audience")
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    phone: str
    password: str
    source_address: str
    user_agent: str
    audience: str
    def __init__(self, phone: _Optional[str] = ..., password: _Optional[str] = ..., source_address: _Optional[str] = ..., user_agent: _Optional[str] = ..., audience: _Optional[str] = ...) -> None: ...

class AuthenticateResponse(_message.Message):
    __slots__ = ("tokens", "user_id")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    user_id: str
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ..., user_id: _Optional[str] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("refresh_token", "source_address")
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    source_address: str
    def __init__(self, refresh_token: _Optional[str] = ..., source_address: _Optional[str] = ...) -> None: ...

class RefreshResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("refresh_token", "all_sessions", "source_address")
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ALL_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    all_sessions: bool
    source_address: str
    def __init__(self, refresh_token: _Optional[str] = ..., all_sessions: _Optional[bool] = ..., source_address: _Optional[str] = ...) -> None: ...

class RevokeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class SetNationalIdRequest(_message.Message):
    __slots__ = ("user_id", "national_id", "real_name")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    REAL_NAME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    national_id: str
    real_name: str
    def __init__(self, user_id: _Optional[str] = ..., national_id: _Optional[str] = ..., real_name: _Optional[str] = ...) -> None: ...

class CreateStaffRequest(_message.Message):
    __slots__ = ("tenant_id", "phone", "name", "password", "roles")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    phone: str
    name: str
    password: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant_id: _Optional[str] = ..., phone: _Optional[str] = ..., name: _Optional[str] = ..., password: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class StaffInvitation(_message.Message):
    __slots__ = ("id", "tenant_id", "roles", "phone", "status", "create_time", "expire_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    phone: str
    status: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., phone: _Optional[str] = ..., status: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMyInvitationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListMyInvitationsResponse(_message.Message):
    __slots__ = ("invitations",)
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[StaffInvitation]
    def __init__(self, invitations: _Optional[_Iterable[_Union[StaffInvitation, _Mapping]]] = ...) -> None: ...

class AnswerInvitationRequest(_message.Message):
    __slots__ = ("invitation_id", "accept")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    accept: bool
    def __init__(self, invitation_id: _Optional[str] = ..., accept: _Optional[bool] = ...) -> None: ...

class AssignRoleRequest(_message.Message):
    __slots__ = ("user_id", "tenant_id", "role")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    tenant_id: str
    role: str
    def __init__(self, user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class DisableStaffRequest(_message.Message):
    __slots__ = ("user_id", "tenant_id", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    tenant_id: str
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RemoveRoleRequest(_message.Message):
    __slots__ = ("user_id", "tenant_id", "role")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    tenant_id: str
    role: str
    def __init__(self, user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ("root_id", "parent_id", "include_suspended", "page_size", "page_token")
    ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    root_id: str
    parent_id: str
    include_suspended: bool
    page_size: int
    page_token: str
    def __init__(self, root_id: _Optional[str] = ..., parent_id: _Optional[str] = ..., include_suspended: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ("tenants", "next_page_token")
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[Tenant]
    next_page_token: str
    def __init__(self, tenants: _Optional[_Iterable[_Union[Tenant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTenantRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class CreateTenantRequest(_message.Message):
    __slots__ = ("id", "name", "division_code", "parent_id", "level")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: _common_pb2.LocalizedText
    division_code: str
    parent_id: str
    level: TenantLevel
    def __init__(self, id: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., division_code: _Optional[str] = ..., parent_id: _Optional[str] = ..., level: _Optional[_Union[TenantLevel, str]] = ...) -> None: ...

class UpdateTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "tenant", "update_mask")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    tenant: Tenant
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, tenant_id: _Optional[str] = ..., tenant: _Optional[_Union[Tenant, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ListStaffRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListStaffResponse(_message.Message):
    __slots__ = ("users", "next_page_token")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[User]
    next_page_token: str
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ("kid", "published_kids", "activate_time")
    KID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_KIDS_FIELD_NUMBER: _ClassVar[int]
    ACTIVATE_TIME_FIELD_NUMBER: _ClassVar[int]
    kid: str
    published_kids: _containers.RepeatedScalarFieldContainer[str]
    activate_time: _timestamp_pb2.Timestamp
    def __init__(self, kid: _Optional[str] = ..., published_kids: _Optional[_Iterable[str]] = ..., activate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksResponse(_message.Message):
    __slots__ = ("keys", "max_age_seconds")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[Jwk]
    max_age_seconds: int
    def __init__(self, keys: _Optional[_Iterable[_Union[Jwk, _Mapping]]] = ..., max_age_seconds: _Optional[int] = ...) -> None: ...

class RegisterSystemRequest(_message.Message):
    __slots__ = ("tenant_id", "name", "event_types", "webhook_url")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    name: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    webhook_url: str
    def __init__(self, tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., webhook_url: _Optional[str] = ...) -> None: ...

class RegisterSystemResponse(_message.Message):
    __slots__ = ("system", "credentials")
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    system: System
    credentials: SystemCredentials
    def __init__(self, system: _Optional[_Union[System, _Mapping]] = ..., credentials: _Optional[_Union[SystemCredentials, _Mapping]] = ...) -> None: ...

class RotateSystemCredentialsRequest(_message.Message):
    __slots__ = ("tenant_id", "system_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    system_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., system_id: _Optional[str] = ...) -> None: ...

class RevokeSystemRequest(_message.Message):
    __slots__ = ("tenant_id", "system_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    system_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., system_id: _Optional[str] = ...) -> None: ...

class ListSystemsRequest(_message.Message):
    __slots__ = ("tenant_id", "include_revoked", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    include_revoked: bool
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., include_revoked: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSystemsResponse(_message.Message):
    __slots__ = ("systems", "next_page_token")
    SYSTEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    systems: _containers.RepeatedCompositeFieldContainer[System]
    next_page_token: str
    def __init__(self, systems: _Optional[_Iterable[_Union[System, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class IssueSystemTokenRequest(_message.Message):
    __slots__ = ("grant_type", "client_id", "client_secret", "scope", "source_address")
    GRANT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    grant_type: str
    client_id: str
    client_secret: str
    scope: str
    source_address: str
    def __init__(self, grant_type: _Optional[str] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., scope: _Optional[str] = ..., source_address: _Optional[str] = ...) -> None: ...

class WebhookDelivery(_message.Message):
    __slots__ = ("id", "system_id", "tenant_id", "event_id", "event_type", "status", "attempts", "last_status_code", "last_error", "create_time", "next_attempt_time", "deliver_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVER_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    system_id: str
    tenant_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int
    last_error: str
    create_time: _timestamp_pb2.Timestamp
    next_attempt_time: _timestamp_pb2.Timestamp
    deliver_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., system_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., last_status_code: _Optional[int] = ..., last_error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deliver_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListWebhookDeliveriesRequest(_message.Message):
    __slots__ = ("tenant_id", "system_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    system_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., system_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWebhookDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[WebhookDelivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[WebhookDelivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class IssueSystemTokenResponse(_message.Message):
    __slots__ = ("access_token", "token_type", "expires_in", "scope", "system_id", "tenant_id")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    token_type: str
    expires_in: int
    scope: str
    system_id: str
    tenant_id: str
    def __init__(self, access_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in: _Optional[int] = ..., scope: _Optional[str] = ..., system_id: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class IssuePlatformTokenRequest(_message.Message):
    __slots__ = ("service", "client_secret")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    service: str
    client_secret: str
    def __init__(self, service: _Optional[str] = ..., client_secret: _Optional[str] = ...) -> None: ...

class IssuePlatformTokenResponse(_message.Message):
    __slots__ = ("access_token", "token_type", "expires_in")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    token_type: str
    expires_in: int
    def __init__(self, access_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...

class GetContactsRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ("user_id", "name", "phone", "tenant_id", "active")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    name: str
    phone: str
    tenant_id: str
    active: bool
    def __init__(self, user_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., tenant_id: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class GetContactsResponse(_message.Message):
    __slots__ = ("contacts",)
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[Contact]
    def __init__(self, contacts: _Optional[_Iterable[_Union[Contact, _Mapping]]] = ...) -> None: ...

class VerifyAuditChainRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyAuditChainResponse(_message.Message):
    __slots__ = ("ok", "rows_checked", "first_broken_seq", "reason")
    OK_FIELD_NUMBER: _ClassVar[int]
    ROWS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_SEQ_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    rows_checked: int
    first_broken_seq: int
    reason: str
    def __init__(self, ok: _Optional[bool] = ..., rows_checked: _Optional[int] = ..., first_broken_seq: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...
