"""The app's form checks (web/src/lib/schema.js, run by Node) find exactly the fields the
server's validator (services/workflow/domain/forms.py) refuses, for every seeded form
template and a schema with every supported feature, on valid and invalid values."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from services.workflow.domain.forms import check_form
from tests.app_forms import RICH_SCHEMA

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
RUNNER = """
import { readFileSync } from 'node:fs'
import { payload, validate, formPath } from '%s'
const cases = JSON.parse(readFileSync(0, 'utf8'))
const t = (key) => key
const out = cases.map(([schema, value]) => ({ errors: Object.keys(validate(schema, value, t)).sort(), payload: payload(schema, value) ?? {} }))
process.stdout.write(JSON.stringify(out))
"""

SAMPLES = {"string": "合规的值", "date": "2024-05-01", "number": "12.5", "integer": "3"}
BAD = {  # a value for each keyword, that breaks it
    "minLength": lambda s: "x" * (s["minLength"] - 1) if s["minLength"] > 1 else None,
    "maxLength": lambda s: "长" * (s["maxLength"] + 1),
    "pattern": lambda s: "not-matching",
    "enum": lambda s: "不在列表中",
    "format": lambda s: "2024-02-30",
    "minimum": lambda s: str(s["minimum"] - 1),
    "maximum": lambda s: str(s["maximum"] + 1),
    "exclusiveMinimum": lambda s: str(s["exclusiveMinimum"]),
}


def good_value(s: dict[str, Any]) -> Any:
    if "enum" in s:
        return s["enum"][0]
    if s.get("type") == "boolean":
        return True
    if s.get("type") == "array":
        return [{k: good_value(p) for k, p in s["items"]["properties"].items()}]
    if s.get("pattern") == "^[0-9]{17}[0-9Xx]$":
        return "330106199001011234"
    if s.get("pattern") == "^1[3-9][0-9]{9}$":
        return "13912345678"
    if "pattern" in s and "credit" not in json.dumps(s):
        return {"^[0-9]{12,25}$": "6222020200112233", "^ZL[0-9]{12}\\.[0-9X]$": "ZL202312345678.9"}.get(s["pattern"], "A" * 18)
    if "pattern" in s:
        return "91330106MA2B3C4D5E"
    kind = "date" if s.get("format") == "date" else s.get("type", "string")
    return SAMPLES.get(kind, "值")


def schemas() -> list[dict[str, Any]]:
    forms = json.loads((REPO / "services/catalog/seed/demo_forms.json").read_text())
    catalog = json.loads((REPO / "services/catalog/seed/demo_catalog.json").read_text())
    out = [s for k, s in forms.items() if not k.startswith("_")]
    for item in catalog["items"]:
        if "form_extra" in item:
            merged = copy.deepcopy(forms[item["form"]])
            merged["properties"].update(item["form_extra"].get("properties", {}))
            merged["required"] = merged.get("required", []) + item["form_extra"].get("required", [])
            merged.pop("additionalProperties", None)
            out.append(merged)
    return [*out, RICH_SCHEMA]


def cases() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for schema in schemas():
        valid = {k: good_value(p) for k, p in schema["properties"].items()}
        out.append((schema, valid))
        for key in schema.get("required", []):
            out.append((schema, {k: v for k, v in valid.items() if k != key}))
        for key, prop in schema["properties"].items():
            for keyword, bad in BAD.items():
                if keyword in prop and (keyword != "format" or prop["format"] == "date") and (value := bad(prop)) is not None:
                    out.append((schema, {**valid, key: value}))
    return out


@pytest.mark.skipif(NODE is None, reason="Node is not installed (the app's checks are JavaScript)")
def test_the_app_refuses_exactly_the_fields_the_server_refuses() -> None:
    all_cases = cases()
    script = RUNNER % (REPO / "web/src/lib/schema.js").as_uri()
    run = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps(all_cases, ensure_ascii=False),
                         capture_output=True, text=True, check=True, timeout=60)
    results = json.loads(run.stdout)
    assert len(results) == len(all_cases) > 100
    for (schema, value), result in zip(all_cases, results, strict=True):
        server = sorted({v.field.removeprefix("form.").replace("[", ".").replace("]", "") for v in check_form(schema, result["payload"])})
        assert result["errors"] == server, (schema.get("title"), value)
