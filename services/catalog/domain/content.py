"""The content of an item (its guide and form) as one JSON document, and its rules.

The content is what a version freezes: name, type, agency, department, summary, the
guide (办事指南), keywords, form schema, workflow and identity level. It is kept as a
plain JSON object with the API's shape (snake_case keys, enum slugs), so the database
stores it as JSONB and the gateway shows it unchanged. `validate` is the one place that
decides what a complete, publishable item is; every violation names its field.

Paths such as `agency` or `guide.fees` address content fields; they are the unit of
partial updates and of localisation (a city overrides `LOCALISABLE` paths only).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from mgov_common.errors import FieldViolation, InvalidArgument
from services.catalog.domain.form_schema import check_form_schema, with_property_order
from services.catalog.domain.types import CHANNELS, IDENTITY_LEVELS, MATERIAL_SOURCES, PROCESSING_KINDS, ItemType

TOP_FIELDS = ("name", "type", "agency", "department", "summary", "guide", "keywords", "form_schema", "workflow_id", "required_identity_level")
GUIDE_FIELDS = (
    "legal_basis", "conditions", "materials", "free", "fees", "statutory_limit_days", "promised_limit_days",
    "processing_kind", "channels", "visits", "appointment", "address", "contact", "office_hours", "process_steps",
)
# What a city or county may change of an ancestor's item (its implementation list).
LOCALISABLE = frozenset({
    "agency", "department", "guide.address", "guide.contact", "guide.office_hours",
    "guide.fees", "guide.free", "guide.statutory_limit_days", "guide.promised_limit_days",
})
ALL_PATHS = tuple([f for f in TOP_FIELDS if f != "guide"] + [f"guide.{g}" for g in GUIDE_FIELDS])
WORKFLOW_RE = re.compile(r"^[a-z][a-z0-9_-]{1,62}$")
MATERIAL_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TEXT = 2000
MAX_NAME = 200
MAX_LIST = 50


def empty_text() -> dict[str, str]:
    return {"zh": "", "en": ""}


def empty_content() -> dict[str, Any]:
    return {
        "name": empty_text(), "type": None, "agency": "", "department": "", "summary": empty_text(),
        "guide": {
            "legal_basis": [], "conditions": [], "materials": [], "free": False, "fees": [],
            "statutory_limit_days": 0, "promised_limit_days": 0, "processing_kind": None, "channels": [],
            "visits": 0, "appointment": False, "address": "", "contact": "", "office_hours": "", "process_steps": [],
        },
        "keywords": [], "form_schema": {}, "workflow_id": "", "required_identity_level": "basic",
    }


def with_defaults(content: dict[str, Any]) -> dict[str, Any]:
    """`content` with every missing field at its empty value (for hand-written data)."""
    out = empty_content()
    for key, value in content.items():
        if key == "guide" and isinstance(value, dict):
            out["guide"].update(copy.deepcopy(value))
        else:
            out[key] = copy.deepcopy(value)
    return out


def _check_path(path: str) -> None:
    if path not in ALL_PATHS and path != "guide":
        raise InvalidArgument(f"{path!r} is not a field of a service item", code="unknown_field", field=path)


def get_path(content: dict[str, Any], path: str) -> Any:
    node: Any = content
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return copy.deepcopy(node)


def set_path(content: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        content.setdefault(head, {})
        set_path(content[head], rest, value)
    else:
        content[head] = copy.deepcopy(value)


def apply_changes(base: dict[str, Any], changes: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """`base` with the values of `changes` at `paths` (a path missing from `changes` resets to empty)."""
    out = copy.deepcopy(base)
    empty = empty_content()
    for path in paths:
        _check_path(path)
        value = get_path(changes, path)
        set_path(out, path, value if value is not None else get_path(empty, path))
    return out


def overrides_of(changes: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """The localised values `{path: value}` of `changes`; only LOCALISABLE paths are accepted."""
    bad = [p for p in paths if p not in LOCALISABLE]
    if bad:
        allowed = ", ".join(sorted(LOCALISABLE))
        raise InvalidArgument(
            f"a localisation may change only: {allowed}",
            code="not_localisable",
            violations=[FieldViolation(p, "not_localisable", f"{p} is set by the base item and cannot be localised") for p in bad],
        )
    empty = empty_content()
    return {p: (v if (v := get_path(changes, p)) is not None else get_path(empty, p)) for p in paths}


def localise(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The content a tenant offers: the base item's content with its localised values."""
    out = copy.deepcopy(base)
    for path, value in overrides.items():
        set_path(out, path, value)
    return out


def _text(v: list[FieldViolation], obj: Any, path: str, *, required: bool, limit: int = MAX_TEXT) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("zh", ""), str) or not isinstance(obj.get("en", ""), str):
        v.append(FieldViolation(path, "type", "must be {zh, en}"))
        return
    if required and not obj.get("zh", "").strip():
        v.append(FieldViolation(f"{path}.zh", "required", "the Chinese text is required"))
    for lang in ("zh", "en"):
        if len(obj.get(lang, "")) > limit:
            v.append(FieldViolation(f"{path}.{lang}", "too_long", f"at most {limit} characters"))


def _string(v: list[FieldViolation], obj: Any, path: str, *, required: bool = False, limit: int = MAX_TEXT) -> None:
    if not isinstance(obj, str):
        v.append(FieldViolation(path, "type", "must be a string"))
    elif required and not obj.strip():
        v.append(FieldViolation(path, "required", f"{path} is required"))
    elif len(obj) > limit:
        v.append(FieldViolation(path, "too_long", f"at most {limit} characters"))


def _strings(v: list[FieldViolation], obj: Any, path: str, *, required: bool = False, limit: int = MAX_TEXT) -> None:
    if not isinstance(obj, list) or not all(isinstance(s, str) for s in obj):
        v.append(FieldViolation(path, "type", "must be a list of strings"))
    elif required and not [s for s in obj if s.strip()]:
        v.append(FieldViolation(path, "required", f"{path} needs at least one entry"))
    elif len(obj) > MAX_LIST or any(len(s) > limit for s in obj):
        v.append(FieldViolation(path, "too_long", f"at most {MAX_LIST} entries of {limit} characters"))


def _int(v: list[FieldViolation], obj: Any, path: str, *, low: int, high: int) -> bool:
    if not isinstance(obj, int) or isinstance(obj, bool):
        v.append(FieldViolation(path, "type", "must be an integer"))
        return False
    if not low <= obj <= high:
        v.append(FieldViolation(path, "out_of_range" if obj else "required", f"must be between {low} and {high}"))
        return False
    return True


def _choice(v: list[FieldViolation], obj: Any, path: str, choices: tuple[str, ...]) -> None:
    if obj is None or obj == "":
        v.append(FieldViolation(path, "required", f"{path} is required: one of {', '.join(choices)}"))
    elif obj not in choices:
        v.append(FieldViolation(path, "unknown_value", f"must be one of {', '.join(choices)}"))


def _materials(v: list[FieldViolation], mats: Any) -> None:
    if not isinstance(mats, list):
        v.append(FieldViolation("guide.materials", "type", "must be a list"))
        return
    seen: set[str] = set()
    for i, m in enumerate(mats):
        p = f"guide.materials[{i}]"
        if not isinstance(m, dict):
            v.append(FieldViolation(p, "type", "must be an object"))
            continue
        code = m.get("code", "")
        if not isinstance(code, str) or not MATERIAL_CODE_RE.match(code):
            v.append(FieldViolation(f"{p}.code", "pattern", "a short key such as id-card (a-z, 0-9, - and _)"))
        elif code in seen:
            v.append(FieldViolation(f"{p}.code", "duplicate", f"material code {code!r} is used twice"))
        seen.add(code if isinstance(code, str) else "")
        _text(v, m.get("name"), f"{p}.name", required=True, limit=MAX_NAME)
        _int(v, m.get("copies", 0), f"{p}.copies", low=0, high=99)
        _choice(v, m.get("source"), f"{p}.source", MATERIAL_SOURCES)


# Who pays a fee: the applicant (charged in the app when the case's state awaits payment)
# or another party (listed in the guide, never charged to the applicant).
FEE_PAYERS = ("applicant", "other")


def _fees(v: list[FieldViolation], guide: dict[str, Any]) -> None:
    fees, free = guide.get("fees"), guide.get("free")
    if not isinstance(fees, list) or not isinstance(free, bool):
        v.append(FieldViolation("guide.fees", "type", "fees must be a list and free a boolean"))
        return
    if free and fees:
        v.append(FieldViolation("guide.fees", "conflict", "an item marked free (不收费) lists no fees"))
    if not free and not fees:
        v.append(FieldViolation("guide.fees", "required", "list the fees, or set guide.free (不收费)"))
    for i, fee in enumerate(fees):
        if not isinstance(fee, dict):
            v.append(FieldViolation(f"guide.fees[{i}]", "type", "must be an object"))
            continue
        _text(v, fee.get("name"), f"guide.fees[{i}].name", required=True, limit=MAX_NAME)
        _int(v, fee.get("amount_fen"), f"guide.fees[{i}].amount_fen", low=1, high=10**10)
        if fee.get("payer") not in (None, *FEE_PAYERS):
            v.append(FieldViolation(f"guide.fees[{i}].payer", "unknown_value", f"payer is one of {', '.join(FEE_PAYERS)}"))


def _guide(v: list[FieldViolation], g: Any, item_type: ItemType | None) -> None:
    if not isinstance(g, dict):
        v.append(FieldViolation("guide", "type", "must be an object"))
        return
    _strings(v, g.get("legal_basis"), "guide.legal_basis", required=item_type not in (None, ItemType.PUBLIC_SERVICE))
    _strings(v, g.get("conditions"), "guide.conditions", required=True)
    _strings(v, g.get("process_steps"), "guide.process_steps")
    _materials(v, g.get("materials"))
    _fees(v, g)
    _choice(v, g.get("processing_kind"), "guide.processing_kind", PROCESSING_KINDS)
    statutory_ok = _int(v, g.get("statutory_limit_days"), "guide.statutory_limit_days", low=1, high=365)
    promised_ok = _int(v, g.get("promised_limit_days"), "guide.promised_limit_days", low=0, high=365)
    if statutory_ok and promised_ok:
        statutory, promised = g["statutory_limit_days"], g["promised_limit_days"]
        if promised > statutory:
            v.append(FieldViolation("guide.promised_limit_days", "exceeds_statutory", f"the promised limit ({promised}) exceeds the statutory limit ({statutory})"))
        if g.get("processing_kind") == "instant" and promised != 0:
            v.append(FieldViolation("guide.promised_limit_days", "instant_item", "an instant item (即办件) is decided on the spot: promised_limit_days is 0"))
        if g.get("processing_kind") == "promised" and promised == 0:
            v.append(FieldViolation("guide.promised_limit_days", "required", "a promised item (承诺件) needs a promised limit of at least one working day"))
    channels = g.get("channels")
    if not isinstance(channels, list) or not channels:
        v.append(FieldViolation("guide.channels", "required", f"at least one of {', '.join(CHANNELS)}"))
    elif any(c not in CHANNELS for c in channels):
        v.append(FieldViolation("guide.channels", "unknown_value", f"channels are {', '.join(CHANNELS)}"))
    _int(v, g.get("visits", 0), "guide.visits", low=0, high=9)
    for key in ("address", "contact", "office_hours"):
        _string(v, g.get(key, ""), f"guide.{key}")
    if not isinstance(g.get("appointment", False), bool):
        v.append(FieldViolation("guide.appointment", "type", "must be true or false"))


def validate(content: dict[str, Any]) -> dict[str, Any]:
    """The content, normalised, if it is a complete item; otherwise InvalidArgument naming every problem."""
    v: list[FieldViolation] = []
    item_type: ItemType | None = None
    try:
        item_type = ItemType.parse(content.get("type"))
    except InvalidArgument as exc:
        v.extend(exc.violations)
    _text(v, content.get("name"), "name", required=True, limit=MAX_NAME)
    _text(v, content.get("summary", empty_text()), "summary", required=False)
    _string(v, content.get("agency"), "agency", required=True, limit=MAX_NAME)
    _string(v, content.get("department"), "department", required=True, limit=MAX_NAME)
    _strings(v, content.get("keywords", []), "keywords", limit=50)
    _guide(v, content.get("guide"), item_type)
    v.extend(check_form_schema(content.get("form_schema")))
    wf = content.get("workflow_id")
    if not isinstance(wf, str) or not WORKFLOW_RE.match(wf):
        v.append(FieldViolation("workflow_id", "required" if not wf else "pattern", "the workflow id, e.g. standard"))
    if content.get("required_identity_level", "basic") not in IDENTITY_LEVELS:
        v.append(FieldViolation("required_identity_level", "unknown_value", f"one of {', '.join(IDENTITY_LEVELS)}"))
    unknown = [k for k in content if k not in TOP_FIELDS]
    v.extend(FieldViolation(k, "unknown_field", "is not a field of a service item") for k in unknown)
    if v:
        raise InvalidArgument(f"the item is incomplete or invalid: {', '.join(x.field for x in v[:6])}", code="invalid_item", violations=v)
    out = copy.deepcopy(content)
    out["type"] = item_type.slug if item_type else None
    out.setdefault("required_identity_level", "basic")
    out["keywords"] = list(dict.fromkeys(k.strip() for k in out.get("keywords", []) if k.strip()))
    out["guide"]["channels"] = [c for c in CHANNELS if c in out["guide"]["channels"]]
    out["form_schema"] = with_property_order(out["form_schema"])
    return out
