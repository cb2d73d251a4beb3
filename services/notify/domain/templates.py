"""Templates: `{{ name }}` placeholders filled from a fixed set of values, nothing else.

The sandbox is the language itself: a template can only name placeholders, so there is
no expression, attribute access, loop or call to escape through (unlike a general
template engine). Saving checks the syntax and that every placeholder is one the key
provides; rendering fails with a reason when a placeholder has no value for this event
(None, e.g. `{{ due_at }}` on a closed case; an empty comment is a value), and the notification is then marked
`validation_failed` instead of sending something broken.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mgov_common.errors import FieldViolation, InvalidArgument
from services.notify.domain.categories import CHANNELS, IN_APP, PUSH, SMS, TEMPLATE_KEYS

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_TITLE = {IN_APP: 200, PUSH: 120, SMS: 0}
MAX_BODY = {IN_APP: 4000, PUSH: 500, SMS: 300}


class RenderError(ValueError):
    """A template could not be rendered for this event; the message is the reason."""


def placeholders(source: str) -> list[str]:
    """The placeholder names of `source`; InvalidArgument-style ValueError on bad syntax."""
    names = _PLACEHOLDER.findall(source)
    rest = _PLACEHOLDER.sub("", source)
    if "{{" in rest or "}}" in rest:
        raise ValueError("a placeholder is written {{ name }} with a plain name (letters, digits, _)")
    return names


@dataclass(frozen=True)
class Template:
    id: uuid.UUID
    tenant_id: str
    key: str
    channel: str
    locale: str
    version: int
    category: str
    title: str
    body: str
    urgent: bool
    created_at: datetime
    created_by: dict[str, Any] = field(default_factory=dict)

    def render(self, values: Mapping[str, Any]) -> tuple[str, str]:
        return render(self.title, values), render(self.body, values)


def render(source: str, values: Mapping[str, Any]) -> str:
    missing: list[str] = []

    def fill(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        if value is None:
            missing.append(m.group(1))
            return ""
        return str(value)

    out = _PLACEHOLDER.sub(fill, source)
    if missing:
        raise RenderError(f"no value for placeholder(s) {', '.join(dict.fromkeys(missing))}")
    return out


def check_template(*, key: str, channel: str, locale: str, title: str, body: str) -> list[FieldViolation]:
    """Every problem of a template about to be saved (empty when it may be saved)."""
    bad: list[FieldViolation] = []
    spec = TEMPLATE_KEYS.get(key)
    if spec is None:
        bad.append(FieldViolation("template.key", "unknown_key", f"unknown key; keys are {', '.join(sorted(TEMPLATE_KEYS))}"))
    if channel not in CHANNELS:
        bad.append(FieldViolation("template.channel", "unknown_channel", f"channel is one of {', '.join(CHANNELS)}"))
    if locale not in LOCALES:
        bad.append(FieldViolation("template.locale", "unknown_locale", f"locale is one of {', '.join(LOCALES)}"))
    if not body.strip():
        bad.append(FieldViolation("template.body", "required", "a template needs a body"))
    if channel in (IN_APP, PUSH) and not title.strip():
        bad.append(FieldViolation("template.title", "required", "in-app and push templates need a title"))
    for name, text in (("title", title), ("body", body)):
        if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text):
            bad.append(FieldViolation(f"template.{name}", "invalid_characters", "no control characters (new lines and tabs are fine)"))
            continue
        limit = (MAX_TITLE if name == "title" else MAX_BODY).get(channel, 4000)
        if channel == SMS and name == "title" and text.strip():
            bad.append(FieldViolation("template.title", "not_allowed", "an SMS has no title"))
        elif limit and len(text) > limit:
            bad.append(FieldViolation(f"template.{name}", "too_long", f"at most {limit} characters for {channel}"))
        try:
            names = placeholders(text)
        except ValueError as exc:
            bad.append(FieldViolation(f"template.{name}", "syntax", str(exc)))
            continue
        if spec is not None:
            for unknown in sorted(set(names) - spec.variables):
                bad.append(FieldViolation(f"template.{name}", "unknown_placeholder",
                                          f"{{{{ {unknown} }}}} is not provided for {key}; use {', '.join(sorted(spec.variables))}"))
    return bad


def require_valid(**template: str) -> None:
    bad = check_template(**template)  # type: ignore[arg-type]
    if bad:
        raise InvalidArgument(f"invalid template: {bad[0].description}", code="invalid_template", violations=bad)


def choose(candidates: Sequence[Template], chain: Sequence[str], channel: str, locale: str) -> Template | None:
    """The template to use, latest version: in the recipient's locale from the nearest
    tenant of `chain` (the tenant first, the province last) that has one, else the same
    in the default locale (an English reader gets the province's English text rather
    than the city's Chinese one). Push falls back to the in-app text."""
    by = {}
    for t in candidates:
        cur = by.get((t.tenant_id, t.channel, t.locale))
        if cur is None or t.version > cur.version:
            by[(t.tenant_id, t.channel, t.locale)] = t
    channels = (channel, IN_APP) if channel == PUSH else (channel,)
    for ch in channels:
        for loc in dict.fromkeys((locale, DEFAULT_LOCALE)):
            for tenant in chain:
                if (tenant, ch, loc) in by:
                    return by[(tenant, ch, loc)]
    return None


def localize(values: Mapping[str, Any], locale: str, zone: Any) -> dict[str, str | None]:
    """Placeholder values as text for one recipient: localized names ({"zh", "en"}) in
    their locale, times in their zone. None stays None (a missing value)."""
    lang = "en" if locale == "en" else "zh"
    out: dict[str, str | None] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            out[name] = str(value.get(lang) or value.get("zh") or value.get("en") or "")
        elif isinstance(value, datetime):
            out[name] = value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, str) and name.endswith("_at") and value:
            try:
                out[name] = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                out[name] = value
        else:
            out[name] = None if value is None else str(value)
    return out
