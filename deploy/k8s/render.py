"""Render a kustomization of deploy/k8s offline: the subset of kustomize these manifests use.

No kustomize, kubeconform or helm binary can be installed where mgov is built, so the
offline test (tests/unit/test_k8s_manifests.py) renders each overlay with this module
and checks the result. `kubectl apply -k` (kubectl's built-in kustomize) is what
deploys; this renderer must agree with it for every feature used here, and refuses
every feature it does not implement rather than ignoring it:

- `resources`: YAML files (several documents each) and directories holding a
  kustomization, rendered first (a base is complete before an overlay changes it);
- `configMapGenerator` / `secretGenerator` (`literals`, `envs`) only with
  `generatorOptions.disableNameSuffixHash: true` (no name-reference rewriting);
- `patches` with `path` (one strategic-merge document; its target is its own
  kind + name, or `target.kind`/`target.name`);
- `namespace` (also renames Namespace objects, as kustomize does);
- `labels` with `includeSelectors: false` (metadata, and pod templates with
  `includeTemplates: true`); `commonLabels`, which rewrites selectors, is refused;
- `images` (`name`, `newName`, `newTag`, `digest`) and `replicas` (`name`, `count`).

Strategic merge: maps merge, `null` deletes a key, lists of containers, init
containers, env and volumes merge by `name`, `command`/`args`/`accessModes`/
`volumeClaimTemplates` are replaced. Replacing any other existing list of a built-in
kind is refused (kustomize might merge it by a key this renderer does not know).
Custom resources (the CloudNativePG Cluster) get JSON merge patch semantics, as
kustomize gives kinds it has no schema for: maps merge, lists are replaced.

    python deploy/k8s/render.py deploy/k8s/overlays/production > production.yaml
"""

from __future__ import annotations

import base64
import copy
import sys
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

KUSTOMIZATION_KEYS = {
    "apiVersion", "kind", "resources", "namespace", "labels", "images", "replicas",
    "patches", "configMapGenerator", "secretGenerator", "generatorOptions",
}
BUILTIN_API_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2"}
CLUSTER_SCOPED_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "StorageClass"}
TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
REPLICA_KINDS = {"Deployment", "StatefulSet", "ReplicaSet"}
MERGE_BY_NAME = {"containers", "initContainers", "env", "volumes"}
REPLACED_LISTS = {"command", "args", "accessModes", "volumeClaimTemplates"}
# Order of `kubectl apply`: what others depend on first (kustomize's legacy order, abridged).
KIND_ORDER = [
    "Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "Service",
    "StatefulSet", "Deployment", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
]


class RenderError(ValueError):
    """The kustomization uses something this renderer does not implement, or is inconsistent."""


def load_yaml_documents(path: Path) -> list[Doc]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    for d in docs:
        if not isinstance(d, dict) or "kind" not in d or "apiVersion" not in d:
            raise RenderError(f"{path}: every document needs apiVersion and kind")
    return docs


def resource_id(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def is_builtin(doc: Doc) -> bool:
    return doc["apiVersion"] in BUILTIN_API_GROUPS


def _merge(base: Any, patch: Any, *, builtin: bool, where: str) -> Any:
    if not isinstance(patch, dict) or not isinstance(base, dict):
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        if isinstance(key, str) and key.startswith("$"):
            raise RenderError(f"{where}: patch directive {key} is not supported")
        here = f"{where}.{key}"
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, builtin=builtin, where=here)
        elif isinstance(value, list) and isinstance(out.get(key), list) and out[key] and builtin:
            if key in MERGE_BY_NAME:
                out[key] = _merge_named(out[key], value, builtin=builtin, where=here)
            elif key in REPLACED_LISTS:
                out[key] = copy.deepcopy(value)
            else:
                raise RenderError(f"{here}: patching an existing list is not supported here; keep patches simple")
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_named(base: list[Any], patch: list[Any], *, builtin: bool, where: str) -> list[Any]:
    out = [copy.deepcopy(item) for item in base]
    for item in patch:
        if not isinstance(item, dict) or "name" not in item:
            raise RenderError(f"{where}: list items must have a name")
        for i, existing in enumerate(out):
            if existing.get("name") == item["name"]:
                out[i] = _merge(existing, item, builtin=builtin, where=f"{where}[{item['name']}]")
                break
        else:
            out.append(copy.deepcopy(item))
    return out


def strategic_merge(target: Doc, patch: Doc) -> Doc:
    body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
    return _merge(target, body, builtin=is_builtin(target), where=f"{target['kind']}/{target['metadata']['name']}")


def _generate(spec: Doc, kind: str, directory: Path, options: Doc) -> Doc:
    unknown = set(spec) - {"name", "literals", "envs", "type"}
    if unknown:
        raise RenderError(f"{kind} generator {spec.get('name')}: unsupported fields {sorted(unknown)}")
    if not options.get("disableNameSuffixHash"):
        raise RenderError("generators need generatorOptions.disableNameSuffixHash: true (no name-reference rewriting here)")
    pairs: dict[str, str] = {}
    lines = list(spec.get("literals", []))
    for env_file in spec.get("envs", []):
        lines += [ln for ln in (directory / env_file).read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for line in lines:
        key, sep, value = line.partition("=")
        if not sep:
            raise RenderError(f"{kind} generator {spec['name']}: {line!r} is not KEY=VALUE")
        pairs[key.strip()] = value
    doc: Doc = {"apiVersion": "v1", "kind": kind, "metadata": {"name": spec["name"]}}
    if kind == "Secret":
        doc["type"] = spec.get("type", "Opaque")
        doc["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in pairs.items()}
    else:
        doc["data"] = pairs
    for field in ("labels", "annotations"):
        if options.get(field):
            doc["metadata"][field] = dict(options[field])
    return doc


def _set_image(container: Doc, images: list[Doc]) -> None:
    ref = container.get("image", "")
    name, digest = ref.split("@", 1) if "@" in ref else (ref, None)
    tag = None
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    for img in images:
        if img["name"] != name:
            continue
        new = img.get("newName", name)
        if img.get("digest"):
            container["image"] = f"{new}@{img['digest']}"
        elif img.get("newTag"):
            container["image"] = f"{new}:{img['newTag']}"
        else:
            container["image"] = new + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
        return


def _walk_containers(node: Any) -> list[Doc]:
    found: list[Doc] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found += [c for c in value if isinstance(c, dict)]
            else:
                found += _walk_containers(value)
    elif isinstance(node, list):
        for item in node:
            found += _walk_containers(item)
    return found


def render(directory: str | Path) -> list[Doc]:
    """The documents `kubectl kustomize DIRECTORY` would print, for the subset above."""
    directory = Path(directory)
    kfile = directory / "kustomization.yaml"
    if not kfile.is_file():
        raise RenderError(f"{directory}: no kustomization.yaml")
    k = yaml.safe_load(kfile.read_text(encoding="utf-8")) or {}
    unknown = set(k) - KUSTOMIZATION_KEYS
    if unknown:
        raise RenderError(f"{kfile}: unsupported kustomization fields {sorted(unknown)}")

    docs: list[Doc] = []
    for entry in k.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else load_yaml_documents(path)

    options = k.get("generatorOptions", {}) or {}
    if set(options) - {"disableNameSuffixHash", "labels", "annotations"}:
        raise RenderError(f"{kfile}: unsupported generatorOptions {sorted(options)}")
    for field, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for spec in k.get(field, []):
            docs.append(_generate(spec, kind, directory, options))

    by_id: dict[tuple[str, str], int] = {}
    for i, d in enumerate(docs):
        if resource_id(d) in by_id:
            raise RenderError(f"{directory}: {resource_id(d)} is defined twice")
        by_id[resource_id(d)] = i

    for p in k.get("patches", []):
        if set(p) - {"path", "target"}:
            raise RenderError(f"{kfile}: only `path` (+ `target` kind/name) patches are supported")
        patch_docs = load_yaml_documents(directory / p["path"])
        if len(patch_docs) != 1:
            raise RenderError(f"{p['path']}: one strategic-merge patch per file")
        patch = patch_docs[0]
        target = p.get("target") or {}
        if set(target) - {"kind", "name"}:
            raise RenderError(f"{p['path']}: target supports kind and name only")
        rid = (target.get("kind", patch["kind"]), target.get("name", patch.get("metadata", {}).get("name")))
        if rid not in by_id:
            raise RenderError(f"{p['path']}: no resource {rid[0]}/{rid[1]} to patch")
        docs[by_id[rid]] = strategic_merge(docs[by_id[rid]], patch)

    namespace = k.get("namespace")
    if namespace:
        for d in docs:
            if d["kind"] == "Namespace":
                d["metadata"]["name"] = namespace
            elif d["kind"] not in CLUSTER_SCOPED_KINDS:
                d["metadata"]["namespace"] = namespace

    for group in k.get("labels", []):
        if set(group) - {"pairs", "includeSelectors", "includeTemplates"}:
            raise RenderError(f"{kfile}: unsupported labels fields {sorted(group)}")
        if group.get("includeSelectors"):
            raise RenderError(f"{kfile}: labels with includeSelectors are not supported (selectors are immutable)")
        for d in docs:
            d["metadata"].setdefault("labels", {}).update(group["pairs"])
            if group.get("includeTemplates") and d["kind"] in TEMPLATE_KINDS:
                d["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {}).update(group["pairs"])

    images = k.get("images", [])
    for img in images:
        if set(img) - {"name", "newName", "newTag", "digest"}:
            raise RenderError(f"{kfile}: unsupported images fields {sorted(img)}")
    if images:
        for d in docs:
            for c in _walk_containers(d.get("spec")):
                _set_image(c, images)

    for r in k.get("replicas", []):
        matches = [d for d in docs if d["kind"] in REPLICA_KINDS and d["metadata"]["name"] == r["name"]]
        if not matches:
            raise RenderError(f"{kfile}: replicas for {r['name']}, which is not a Deployment or StatefulSet here")
        for d in matches:
            d["spec"]["replicas"] = int(r["count"])

    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return sorted(docs, key=lambda d: rank.get(d["kind"], len(rank)))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python deploy/k8s/render.py DIRECTORY", file=sys.stderr)
        return 2
    try:
        docs = render(argv[0])
    except RenderError as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
