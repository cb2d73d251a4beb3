"""Application forms are checked against the item version's JSON Schema (draft 2020-12).

Every error is reported with its path (`form.applicant.name`), so the app can put it
next to the field: the gateway answers 422 with one entry per field.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema

from mgov_common.errors import FieldViolation, InvalidArgument

MAX_ERRORS = 50
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def _path(parts: Any) -> str:
    out = "form"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


_VALIDATORS: dict[Any, Any] = {}
_MAX_CACHED = 1024


def _validator(schema: dict[str, Any], key: Any) -> Any:
    """A validator for `schema`, kept under `key` (an immutable item version) when given."""
    if key is not None and key in _VALIDATORS:
        return _VALIDATORS[key]
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    if key is not None:
        if len(_VALIDATORS) >= _MAX_CACHED:
            _VALIDATORS.clear()
        _VALIDATORS[key] = validator
    return validator


def check_form(schema: dict[str, Any], form: Any, key: Any = None) -> list[FieldViolation]:
    if not isinstance(form, dict):
        return [FieldViolation("form", "type", "the form is a JSON object")]
    if not schema:
        return []
    validator = _validator(schema, key)
    out: list[FieldViolation] = []
    for err in sorted(validator.iter_errors(form), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        if err.validator == "required" and (m := _REQUIRED.match(err.message)):
            path.append(m.group(1))
        out.append(FieldViolation(_path(path), str(err.validator), err.message))
        if len(out) >= MAX_ERRORS:
            break
    return out


def validate_form(schema: dict[str, Any], form: Any, key: Any = None) -> dict[str, Any]:
    violations = check_form(schema, form, key)
    if violations:
        fields = ", ".join(v.field for v in violations[:5])
        raise InvalidArgument(f"the form is invalid: {fields}", code="validation_failed", violations=violations)
    return form  # type: ignore[no-any-return]
