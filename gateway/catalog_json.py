"""The mobile API's JSON for catalogue resources, to and from `mgov.catalog.v1` messages.

Item bodies carry the item's content fields (name, type, agency, ..., guide,
form_schema) in the shape of docs/catalog.md; enums are slugs, and `type` also accepts
the two-letter code and the Chinese name (行政许可). Writable fields are the content
fields (plus `base_item_id` on creation); anything else in a body is a 422 naming it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from mgov.catalog.v1 import catalog_pb2 as pb
from gateway import schemas
from gateway.cached_reads import encode as encode_json
from mgov_common import protojson
from mgov_common.errors import InvalidArgument
from mgov_common.item_json import ALIASES, CONTENT_FIELDS, ITEM_TYPES, TYPE_ENUM, parse_item_fields

LIST_GUIDE_FIELDS = ("statutory_limit_days", "promised_limit_days", "processing_kind", "channels", "visits", "appointment", "free")
LIST_FIELDS = ("id", "tenant_id", "code", "name", "type", "agency", "department", "summary", "keywords", "workflow_id",
               "required_identity_level", "status", "version", "inherited_from", "use_count", "publish_time")


def item_type_number(raw: str, field: str = "type") -> int:
    number = protojson.enum_number(TYPE_ENUM, raw, ALIASES)
    if number is None:
        raise InvalidArgument(f"unknown item type {raw!r}; one of: {', '.join(ITEM_TYPES)} (or 行政许可 ..., XK ...)", code="unknown_type", field=field)
    return number


def enum_number(enum: Any, raw: str, field: str) -> int:
    number = protojson.enum_number(enum, raw)
    if number is None:
        raise InvalidArgument(f"{field} is one of: {', '.join(protojson.enum_choices(enum))}", code="unknown_value", field=field)
    return number


def _type_label(slug: str | None) -> dict[str, str] | None:
    if slug not in ITEM_TYPES:
        return None
    code, zh, en = ITEM_TYPES[slug]
    return {"code": code, "zh": zh, "en": en}


def item_json(msg: pb.ServiceItem) -> dict[str, Any]:
    """The full representation of one item (GET /v1/services/{id})."""
    data = protojson.to_json(msg)
    out: dict[str, Any] = {k: data[k] for k in ("id", "tenant_id", "code")}
    for k in CONTENT_FIELDS:
        out[k] = data[k]
        if k == "type":
            out["type_label"] = _type_label(data["type"])
    out.update(
        status=data["status"], version=data["version"], inherited_from=data["inherited_from"] or None,
        localized_fields=data["localized_fields"], base_version=data["base_version"] or None,
        create_time=data["create_time"], update_time=data["update_time"], publish_time=data["publish_time"],
    )
    if msg.status == pb.ITEM_STATUS_DRAFT or msg.has_draft:
        out["has_draft"] = msg.has_draft or msg.status == pb.ITEM_STATUS_DRAFT
    if msg.status == pb.ITEM_STATUS_DRAFT:
        out["updated_by"] = data["updated_by"]
    return out


_ROWS: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], bytes]] = OrderedDict()
_ROWS_MAX = 4096


def _list_row(msg: pb.ServiceItem, admin: bool) -> tuple[dict[str, Any], bytes]:
    """A row and its JSON encoding, from a small LRU of recent rows.

    The key holds everything a row shows that can change (etag = content and status,
    use count, draft flag, update time); rows are shared, so callers must not mutate them.
    """
    key = (msg.id, msg.etag, msg.status, msg.version, msg.use_count, msg.has_draft, msg.update_time.seconds, msg.update_time.nanos, admin)
    row = _ROWS.get(key)
    if row is None:
        data = _list_item_json(msg, admin)
        row = _ROWS[key] = (data, encode_json(data))
        if len(_ROWS) > _ROWS_MAX:
            _ROWS.popitem(last=False)
    else:
        _ROWS.move_to_end(key)
    return row


def list_item_json(msg: pb.ServiceItem, *, admin: bool = False) -> dict[str, Any]:
    """One row of a list (no materials, no form schema); shared, not to be mutated."""
    return _list_row(msg, admin)[0]


def list_page_json(services: Iterable[pb.ServiceItem], next_page_token: str, *, admin: bool = False) -> bytes:
    """A page of rows, encoded: the very bytes `gateway.cached_reads.encode` gives for
    `{"items": [list_item_json(s) ...], "next_page_token": ...}`.

    A list is the gateway's hottest uncached answer, and most of its rows were shown
    before: each row's encoding is kept with the row, and the page is those encodings
    joined as the encoder would join them (compact separators, keys in this order), so a
    page costs no JSON encoding of rows seen before."""
    rows = b",".join([_list_row(msg, admin)[1] for msg in services])
    return b'{"items":[' + rows + b'],"next_page_token":' + encode_json(next_page_token) + b"}"


def _list_item_json(msg: pb.ServiceItem, admin: bool) -> dict[str, Any]:
    data = protojson.to_json(msg)
    out = {k: data[k] for k in LIST_FIELDS}
    out["type_label"] = _type_label(data["type"])
    out["inherited_from"] = out["inherited_from"] or None
    out["guide"] = {k: data["guide"][k] for k in LIST_GUIDE_FIELDS}
    if admin:
        out["has_draft"] = data["has_draft"]
    return out


def parse_item_body(body: dict[str, Any], *, extra: tuple[str, ...] = ()) -> tuple[pb.ServiceItem, list[str]]:
    """The item of a request body and the paths it sets (`name`, `guide.fees`, ...)."""
    return parse_item_fields(body, extra=extra)


def notice_json(msg: pb.Notice) -> dict[str, Any]:
    data = protojson.to_json(msg)
    return {k: data[k] for k in ("id", "tenant_id", "title", "body", "category", "publish_time")}


# The schemas of the views above (the OpenAPI document).
_TYPE_LABEL = {"type": ["object", "null"], "properties": {"code": schemas.string(), "zh": schemas.string(), "en": schemas.string()}}
ITEM_SCHEMA = schemas.message(
    pb.ServiceItem.DESCRIPTOR,
    only=("id", "tenant_id", "code", *CONTENT_FIELDS, "status", "version", "inherited_from", "localized_fields", "base_version",
          "create_time", "update_time", "publish_time"),
    extra={"type_label": _TYPE_LABEL, "has_draft": schemas.BOOLEAN, "inherited_from": schemas.string(nullable=True),
           "base_version": {"type": ["integer", "null"]}, "updated_by": schemas.ref(pb.ServiceItem.DESCRIPTOR.fields_by_name["updated_by"].message_type)},
) | {"title": "ServiceItemView"}
ITEM_SCHEMA["required"] = [k for k in ITEM_SCHEMA["required"] if k not in ("has_draft", "updated_by")]
LIST_ITEM_SCHEMA = schemas.message(pb.ServiceItem.DESCRIPTOR, only=LIST_FIELDS, extra={
    "type_label": _TYPE_LABEL, "has_draft": schemas.BOOLEAN, "inherited_from": schemas.string(nullable=True),
    "guide": schemas.message(pb.ServiceGuide.DESCRIPTOR, only=LIST_GUIDE_FIELDS),
}) | {"title": "ServiceItemRow"}
LIST_ITEM_SCHEMA["required"] = [k for k in LIST_ITEM_SCHEMA["required"] if k != "has_draft"]
NOTICE_SCHEMA = schemas.message(pb.Notice.DESCRIPTOR, only=("id", "tenant_id", "title", "body", "category", "publish_time"))
