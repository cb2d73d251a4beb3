"""The rendered overlays pass the real tools: Kubernetes' own schemas and checkov.

- kubernetes-validate (strict: no unknown fields) for every Kubernetes version the
  deployment supports;
- custom resources (CloudNativePG, the Barman Cloud plugin, the Prometheus operator)
  against their projects' own CRD schemas (tests/k8s_crds), strictly, for the oldest
  supported release and a recent one.
- checkov's Kubernetes policies, offline (`--skip-download`), from its own virtualenv
  (`make install`; its pins conflict with pytest's). A failed check passes only when
  docs/deploy.md lists it, with the reason, for that overlay; a listed check that no
  longer fails must leave the list.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import kubernetes_validate.utils
import pytest

from tests.k8s_support import DOCS, OVERLAYS, ROOT, rendered, rendered_text

CRD_SCHEMAS = ROOT / "tests" / "k8s_crds"

# Kubernetes minor versions the manifests support: 1.30 brings the `sleep` preStop
# action on by default; 1.37 is the newest schema kubernetes-validate carries.
SUPPORTED_VERSIONS = tuple(f"1.{minor}.0" for minor in range(30, 38))
BUILT_IN_GROUPS = ("v1", "apps/", "batch/", "policy/", "autoscaling/", "networking.k8s.io/")

# kubernetes-validate re-reads its 2 MB definitions file for every object; read each
# schema file once per session instead (same files, same validation).
kubernetes_validate.utils.schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)


def test_the_supported_versions_are_ones_kubernetes_validate_knows() -> None:
    known = {kubernetes_validate.utils.major_minor(v) for v in kubernetes_validate.utils.all_versions()}
    assert {kubernetes_validate.utils.major_minor(v) for v in SUPPORTED_VERSIONS} <= known
    assert "Kubernetes **1.30 to 1.37**" in DOCS.read_text(encoding="utf-8"), "docs/deploy.md states the supported versions"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_built_in_object_is_valid_for_every_supported_kubernetes_version(overlay: str) -> None:
    docs = rendered(overlay)
    built_in = [d for d in docs if d["apiVersion"] == "v1" or d["apiVersion"].startswith(BUILT_IN_GROUPS)]
    assert len(built_in) > 20
    for version in SUPPORTED_VERSIONS:
        for doc in built_in:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{overlay} on {version}: {doc['kind']}/{doc['metadata']['name']}: {exc.message} at {'.'.join(str(p) for p in exc.path)}")


def _strict(schema: Any) -> Any:
    """An object schema with listed properties admits no other field (the API server
    would prune it silently; `kubectl apply --validate=strict` refuses it)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@functools.cache
def crd_schemas() -> dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]:
    """(apiVersion, kind) -> [(source, strict schema)] from tests/k8s_crds."""
    found: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted(CRD_SCHEMAS.glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        found.setdefault((entry["apiVersion"], entry["kind"]), []).append((entry["source"], _strict(entry["schema"])))
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_custom_resource_is_valid_for_its_operators_supported_releases(overlay: str) -> None:
    custom = [d for d in rendered(overlay) if not (d["apiVersion"] == "v1" or d["apiVersion"].startswith(BUILT_IN_GROUPS))]
    assert {d["kind"] for d in custom} >= {"Cluster"}
    for doc in custom:
        releases = crd_schemas().get((doc["apiVersion"], doc["kind"]))
        assert releases, f"{doc['kind']} ({doc['apiVersion']}): no schema in tests/k8s_crds"
        for source, schema in releases:
            error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(doc))
            assert error is None, f"{overlay}: {doc['kind']}/{doc['metadata']['name']} against {source}: {error.message} at {'.'.join(map(str, error.absolute_path))}"


def test_the_crd_check_refuses_an_unknown_field() -> None:
    (cluster,) = [d for d in rendered("production") if d["kind"] == "Cluster"]
    cluster["spec"]["managed"]["roles"][0]["superUser"] = False  # the field is `superuser`
    for _, schema in crd_schemas()[("postgresql.cnpg.io/v1", "Cluster")]:
        assert jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(cluster)) is not None


# ---------------------------------------------------------------------------------
# checkov

CHECKOV = Path(sys.prefix) / "checkov" / "bin" / "checkov"
_LISTED = re.compile(r"^\|\s*`(CKV2?_K8S_\d+)`[^|]*\|\s*([a-z, ]+?)\s*\|", re.M)


def documented_exceptions() -> set[tuple[str, str]]:
    """(check id, overlay) pairs that docs/deploy.md lists as deliberately failing."""
    guide = DOCS.read_text(encoding="utf-8")
    return {(check, overlay.strip()) for check, overlays in _LISTED.findall(guide) for overlay in overlays.split(",")}


@pytest.fixture(scope="session")
def checkov_failures(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    """Run checkov once over every overlay's render: (check id, overlay) -> resources."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make install` builds checkov's virtualenv")
    scan = tmp_path_factory.mktemp("checkov")
    for overlay in OVERLAYS:
        (scan / f"{overlay}.yaml").write_text(rendered_text(overlay), encoding="utf-8")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(scan), "--framework", "kubernetes", "--skip-download", "--quiet", "--compact", "-o", "json"],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports: Any = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failures: dict[tuple[str, str], list[str]] = {}
    passed = 0
    for report in reports:
        assert not report.get("summary", {}).get("parsing_errors"), report["summary"]
        passed += report.get("summary", {}).get("passed", 0)
        for check in report["results"]["failed_checks"]:
            overlay = Path(check["file_path"]).stem
            failures.setdefault((check["check_id"], overlay), []).append(check["resource"])
    assert passed > 100, "checkov scanned nothing: did the render reach it?"
    return failures


def test_checkov_finds_nothing_that_the_guide_does_not_list_and_justify(checkov_failures: dict[tuple[str, str], list[str]]) -> None:
    listed = documented_exceptions()
    unlisted = {key: resources for key, resources in checkov_failures.items() if key not in listed}
    assert not unlisted, f"fix these or list them with a reason in docs/deploy.md: {unlisted}"


def test_every_check_the_guide_lists_as_failing_still_fails(checkov_failures: dict[tuple[str, str], list[str]]) -> None:
    stale = documented_exceptions() - set(checkov_failures)
    assert not stale, f"these pass now: remove them from docs/deploy.md's list: {sorted(stale)}"
    assert all(overlay in OVERLAYS for _, overlay in documented_exceptions())
