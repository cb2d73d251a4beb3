"""Proto messages <-> the service layer's plain data.

Item content is the same JSON document in the domain and in `ServiceItem` (field names
and enum slugs agree by construction), so `mgov_common.protojson` converts it both
ways; this module adds the item's metadata around it.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

from mgov.catalog.v1 import catalog_pb2 as pb
from mgov.common.v1 import common_pb2
from mgov_common import protojson
from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.principal import PLATFORM, SYSTEM
from services.catalog.domain import content as c
from services.catalog.domain.item import Version
from services.catalog.domain.notice import Notice
from services.catalog.service_layer.views import ItemView

_STATUS = {"draft": pb.ITEM_STATUS_DRAFT, "published": pb.ITEM_STATUS_PUBLISHED, "retired": pb.ITEM_STATUS_RETIRED}
_KIND = {SYSTEM: common_pb2.PRINCIPAL_KIND_SYSTEM, PLATFORM: common_pb2.PRINCIPAL_KIND_PLATFORM}
CONTENT_FIELDS = [f for f in c.TOP_FIELDS]


def parse_id(raw: str, field: str = "service_id") -> uuid.UUID:
    """An item id; a malformed one cannot name an item, so it is 404 like an unknown one."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"no service item {raw!r}", code="item_not_found", field=field) from None


def actor(data: dict[str, str] | None) -> common_pb2.Actor | None:
    if not data:
        return None
    return common_pb2.Actor(kind=_KIND.get(data.get("kind", ""), common_pb2.PRINCIPAL_KIND_USER), id=data.get("id", ""), tenant_id=data.get("tenant_id", ""))


def item_to_proto(view: ItemView) -> pb.ServiceItem:
    msg = protojson.from_json({k: view.content[k] for k in CONTENT_FIELDS if k in view.content}, pb.ServiceItem)
    msg.id, msg.tenant_id, msg.code = str(view.id), view.tenant_id, view.code
    msg.status, msg.version, msg.etag = _STATUS[view.status], view.version, view.etag
    msg.inherited_from = str(view.inherited_from) if view.inherited_from else ""
    msg.localized_fields.extend(view.localized_fields)
    msg.base_version = view.base_version or 0
    msg.use_count, msg.has_draft = view.use_count, view.has_draft
    for name, value in (("create_time", view.create_time), ("update_time", view.update_time), ("publish_time", view.publish_time)):
        if value is not None:
            getattr(msg, name).CopyFrom(protojson.datetime_to_timestamp(value))
    if (a := actor(view.updated_by)) is not None:
        msg.updated_by.CopyFrom(a)
    return msg


class RowCache:
    """Recently built list rows, by everything a row shows that can change.

    Building a `ServiceItem` from JSON costs tens of microseconds per row; a page of 20
    rows would spend most of its time there. Items change rarely, so rows are kept (LRU)
    under a key that changes whenever the row would: the version's etag (content and
    status), the use count, the draft flag and the update time (drafts have no etag).
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[Any, ...], pb.ServiceItem] = OrderedDict()

    def row(self, view: ItemView) -> pb.ServiceItem:
        key = (view.id, view.etag, view.status, view.version, view.use_count, view.has_draft, view.update_time)
        msg = self._rows.get(key)
        if msg is None:
            msg = item_to_proto(view)
            self._rows[key] = msg
            if len(self._rows) > self.size:
                self._rows.popitem(last=False)
        else:
            self._rows.move_to_end(key)
        return msg


def changes_from_proto(item: pb.ServiceItem) -> dict[str, Any]:
    """The content fields of `item` as a JSON document (unset enums are None)."""
    data = protojson.to_json(item)
    return {k: data[k] for k in CONTENT_FIELDS}


def mask_paths(paths: Any) -> list[str]:
    out = []
    for p in paths:
        if p not in c.ALL_PATHS and p != "guide":
            raise InvalidArgument(f"update_mask names {p!r}, which is not a field of a service item", code="unknown_field", field=p)
        out.append(p)
    return out


def version_to_proto(v: Version) -> pb.ItemVersion:
    msg = pb.ItemVersion(version=v.number, etag=v.etag, base_version=v.base_version or 0)
    msg.publish_time.CopyFrom(protojson.datetime_to_timestamp(v.published_at))
    if (a := actor(v.published_by)) is not None:
        msg.published_by.CopyFrom(a)
    return msg


def notice_to_proto(n: Notice) -> pb.Notice:
    msg = pb.Notice(id=str(n.id), tenant_id=n.tenant_id, category=n.category,
                    title=common_pb2.LocalizedText(**n.title), body=common_pb2.LocalizedText(**n.body))
    msg.publish_time.CopyFrom(protojson.datetime_to_timestamp(n.publish_time))
    if (a := actor(n.published_by)) is not None:
        msg.published_by.CopyFrom(a)
    return msg
