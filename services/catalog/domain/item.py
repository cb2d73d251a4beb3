"""The service item aggregate: a draft, immutable published versions, retirement.

An item belongs to one tenant. It is either the tenant's own (a base item, whose
content is complete) or a localisation of an ancestor's base item (its content is the
base item's content with the tenant's localised values; only `LOCALISABLE` paths).

Versions: publishing freezes the draft as version n+1, which never changes again; a
change afterwards starts a new draft (`start_next_draft`), and editing a published
version is refused (`version_immutable`, HTTP 409). When a base item publishes a new
version, each published localisation is rebased: a new version of the localisation
with its localised values over the new base content (`rebase`), so a version number
always names exactly one content.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mgov_common.errors import AlreadyExists, Conflict, FieldViolation, InvalidArgument, StaleVersion
from services.catalog.domain import content as c
from services.catalog.domain.codes import ItemCode, item_id
from mgov_common.events.domain import DomainEvent
from services.catalog.domain.types import ItemStatus, ItemType

Actor = dict[str, str]  # {"kind": "user"|"system"|"platform", "id": ..., "tenant_id": ...}


def _digest(*parts: Any) -> str:
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Version:
    """A published version: frozen content (for a localisation, already merged)."""

    number: int
    content: dict[str, Any]
    etag: str
    published_at: datetime
    published_by: Actor
    overrides: dict[str, Any] | None = None  # localisations: {path: value}
    base_version: int | None = None


@dataclass
class Draft:
    """The next version being prepared: full content, or a localisation's overrides."""

    content: dict[str, Any]
    revision: int
    updated_at: datetime
    updated_by: Actor


@dataclass
class Item:
    id: uuid.UUID
    tenant_id: str
    code: str
    type: ItemType
    inherited_from: uuid.UUID | None
    status: ItemStatus
    latest_version: int
    created_at: datetime
    updated_at: datetime
    use_count: int = 0
    latest: Version | None = None
    draft: Draft | None = None
    retired_at: datetime | None = None
    # Changes for the repository and the outbox.
    new_versions: list[Version] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)
    draft_changed: bool = False
    public_content: dict[str, Any] | None = None  # what lists and search show, when it changed

    # -- creation -------------------------------------------------------------------

    @classmethod
    def create(cls, *, tenant_id: str, code: ItemCode, content: dict[str, Any], actor: Actor, now: datetime) -> "Item":
        """A brand-new base item of `tenant_id`, as a complete draft."""
        valid = c.validate(content)
        if valid["type"] != code.type.slug:
            raise InvalidArgument("the item code's type does not match the item type", code="invalid_code", field="type")
        item = cls(item_id(tenant_id, str(code)), tenant_id, str(code), code.type, None, ItemStatus.DRAFT, 0, now, now)
        item._set_draft(valid, actor, now)
        item.public_content = valid
        return item

    @classmethod
    def localise(cls, *, tenant_id: str, base: "Item", changes: dict[str, Any], paths: list[str], actor: Actor, now: datetime) -> "Item":
        """A localisation of `base` for a descendant `tenant_id` (the caller checked the tree)."""
        if base.is_localisation:
            raise InvalidArgument("localise the base item, not another tenant's localisation", code="not_a_base_item", field="base_item_id")
        if base.tenant_id == tenant_id:
            raise InvalidArgument("an item cannot localise an item of its own tenant", code="own_item", field="base_item_id")
        base_content = base.require_published_content()
        overrides = c.overrides_of(changes, paths)
        merged = c.validate(c.localise(base_content, overrides))
        item = cls(item_id(tenant_id, base.code), tenant_id, base.code, base.type, base.id, ItemStatus.DRAFT, 0, now, now)
        item._set_draft(overrides, actor, now)
        item.public_content = merged
        return item

    # -- reading --------------------------------------------------------------------

    @property
    def is_localisation(self) -> bool:
        return self.inherited_from is not None

    def require_published_content(self) -> dict[str, Any]:
        if self.status == ItemStatus.RETIRED:
            raise Conflict(f"item {self.code} is retired", code="item_retired", field="base_item_id")
        if self.latest is None:
            raise Conflict(f"item {self.code} has no published version", code="not_published", field="base_item_id")
        return self.latest.content

    def draft_content(self, base: "Item | None") -> dict[str, Any]:
        """The draft as it would be published (a localisation merged over its base)."""
        if self.draft is None:
            raise Conflict("the item has no draft", code="no_draft")
        if not self.is_localisation:
            return self.draft.content
        assert base is not None and base.id == self.inherited_from
        return c.localise(base.require_published_content(), self.draft.content)

    @property
    def draft_etag(self) -> str:
        assert self.draft is not None
        return _digest(str(self.id), "draft", self.draft.revision, self.draft.content)

    @property
    def localized_fields(self) -> list[str]:
        if self.draft is not None and self.is_localisation:
            return sorted(self.draft.content)
        return sorted((self.latest.overrides or {}) if self.latest else {})

    # -- changes --------------------------------------------------------------------

    def _set_draft(self, content: dict[str, Any], actor: Actor, now: datetime) -> None:
        revision = self.draft.revision + 1 if self.draft else 1
        self.draft = Draft(content, revision, now, actor)
        self.draft_changed = True
        self.updated_at = now

    def _check_type(self, content: dict[str, Any]) -> None:
        if content.get("type") != self.type.slug:
            raise InvalidArgument(
                f"the type of {self.code} is {self.type.slug} ({self.type.zh}); create a new item for another type",
                code="type_immutable", field="type",
            )

    def start_next_draft(self, changes: dict[str, Any], paths: list[str], actor: Actor, now: datetime, base: "Item | None") -> None:
        """A new draft from the latest published version with `changes` at `paths`."""
        if self.status == ItemStatus.RETIRED:
            raise Conflict(f"item {self.code} is retired", code="item_retired")
        if self.draft is not None:
            raise AlreadyExists(f"item {self.code} already has a draft (version {self.latest_version + 1}); edit it", code="draft_exists")
        if self.latest is None:
            raise Conflict("the item has never been published; edit its draft", code="no_published_version")
        if self.is_localisation:
            overrides = dict(self.latest.overrides or {})
            overrides.update(c.overrides_of(changes, paths))
            assert base is not None
            c.validate(c.localise(base.require_published_content(), overrides))
            self._set_draft(overrides, actor, now)
        else:
            updated = c.validate(c.apply_changes(self.latest.content, changes, paths))
            self._check_type(updated)
            self._set_draft(updated, actor, now)

    def edit_draft(
        self, changes: dict[str, Any], paths: list[str], *, actor: Actor, now: datetime, base: "Item | None",
        replace: bool = False, expected_etag: str = "", version: int = 0,
    ) -> None:
        """Set `paths` of the draft from `changes`; with `replace`, every other field returns
        to empty (own item) or to the base item's value (a localisation drops its other
        localised values)."""
        if version and version <= self.latest_version:
            raise Conflict(f"version {version} of {self.code} is published and immutable; create a new draft", code="version_immutable", field="version")
        if self.draft is None:
            raise Conflict(f"{self.code} has no draft: published versions are immutable; create a new draft to change it", code="version_immutable")
        if version and version != self.latest_version + 1:
            raise InvalidArgument(f"the draft of {self.code} is version {self.latest_version + 1}", code="unknown_version", field="version")
        if expected_etag and expected_etag != self.draft_etag:
            raise StaleVersion("the draft was changed by someone else; reload it", code="stale_etag", field="etag")
        if self.is_localisation:
            assert base is not None
            overrides = {**({} if replace else self.draft.content), **c.overrides_of(changes, paths)}
            merged = c.validate(c.localise(base.require_published_content(), overrides))
            self._set_draft(overrides, actor, now)
        else:
            start = c.empty_content() if replace else self.draft.content
            merged = c.validate(c.apply_changes(start, changes, paths))
            self._check_type(merged)
            self._set_draft(merged, actor, now)
        if self.latest is None:
            self.public_content = merged

    def publish(self, actor: Actor, now: datetime, base: "Item | None") -> Version:
        """Freeze the draft as the next version; records item.published."""
        if self.status == ItemStatus.RETIRED:
            raise Conflict(f"item {self.code} is retired", code="item_retired")
        if self.draft is None:
            raise Conflict(f"{self.code} has no draft to publish", code="no_draft")
        if self.is_localisation:
            assert base is not None
            content = c.validate(self.draft_content(base))
            version = self._freeze(content, actor, now, overrides=dict(self.draft.content), base_version=base.latest_version)
        else:
            version = self._freeze(c.validate(self.draft.content), actor, now)
        self.draft = None
        self.draft_changed = True
        return version

    def rebase(self, base: "Item", actor: Actor, now: datetime) -> Version | None:
        """After `base` published a new version: a new version of this localisation over it.

        Localised values that the new base makes invalid (e.g. a promised limit above a
        lowered statutory one) are dropped: the base's rules are law. None when the
        localisation has nothing published to rebase.
        """
        if self.latest is None or self.status != ItemStatus.PUBLISHED or base.latest is None:
            return None
        overrides = dict(self.latest.overrides or {})
        dropped: list[str] = []
        for _ in range(len(overrides) + 1):
            try:
                content = c.validate(c.localise(base.latest.content, overrides))
                break
            except InvalidArgument as exc:
                bad = {p for p in overrides if any(v.field == p or v.field.startswith(p + "[") or v.field.startswith(p + ".") for v in exc.violations)}
                if not bad:
                    return None
                dropped += sorted(bad)
                overrides = {p: v for p, v in overrides.items() if p not in bad}
        else:
            return None
        return self._freeze(content, actor, now, overrides=overrides, base_version=base.latest_version, dropped=dropped)

    def _freeze(self, content: dict[str, Any], actor: Actor, now: datetime, *, overrides: dict[str, Any] | None = None,
                base_version: int | None = None, dropped: list[str] | None = None) -> Version:
        number = self.latest_version + 1
        version = Version(number, content, _digest(str(self.id), number, content), now, actor, overrides, base_version)
        self.latest, self.latest_version = version, number
        self.status = ItemStatus.PUBLISHED
        self.updated_at = now
        self.new_versions.append(version)
        self.public_content = content
        self.events.append(DomainEvent("item", "published", self.tenant_id, str(self.id), self.published_data(version, dropped or [])))
        return version

    def retire(self, reason: str, actor: Actor, now: datetime) -> None:
        if self.status == ItemStatus.RETIRED:
            raise Conflict(f"item {self.code} is already retired", code="item_retired")
        if len(reason) > 500:
            raise InvalidArgument("at most 500 characters", code="too_long", violations=[FieldViolation("reason", "too_long", "at most 500 characters")])
        self.status = ItemStatus.RETIRED
        self.retired_at = self.updated_at = now
        self.events.append(DomainEvent("item", "retired", self.tenant_id, str(self.id), {
            "id": str(self.id), "tenant_id": self.tenant_id, "code": self.code, "version": self.latest_version,
            "inherited_from": str(self.inherited_from) if self.inherited_from else None, "reason": reason, "retired_by": actor,
        }))

    def published_data(self, version: Version, dropped: list[str]) -> dict[str, Any]:
        """item.published: what workflow needs to take applications against this version."""
        content, guide = version.content, version.content["guide"]
        return {
            "id": str(self.id), "tenant_id": self.tenant_id, "code": self.code, "version": version.number, "etag": version.etag,
            "name": content["name"], "type": content["type"], "agency": content["agency"], "department": content["department"],
            "workflow_id": content["workflow_id"], "required_identity_level": content["required_identity_level"],
            "statutory_limit_days": guide["statutory_limit_days"], "promised_limit_days": guide["promised_limit_days"],
            "processing_kind": guide["processing_kind"],
            "materials": [{"code": m["code"], "required": bool(m.get("required"))} for m in guide["materials"]],
            "form_schema": content["form_schema"],
            "fees": [{"name": f.get("name"), "amount_fen": f.get("amount_fen"), "basis": f.get("basis", ""),
                      "payer": f.get("payer") or "applicant"} for f in guide.get("fees") or []],
            "inherited_from": str(self.inherited_from) if self.inherited_from else None,
            "base_version": version.base_version, "localized_fields": sorted(version.overrides or {}),
            "dropped_localized_fields": dropped,
            "published_at": version.published_at.isoformat(), "published_by": version.published_by,
        }
