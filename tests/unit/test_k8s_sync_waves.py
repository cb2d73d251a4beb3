"""Argo CD applies each overlay in an order where nothing comes before what it needs.

Argo CD sorts a sync by phase, then sync wave (`argocd.argoproj.io/sync-wave`,
default 0), then kind (its fixed kind order; unknown kinds, such as custom resources,
last), then name; it waits for every object of a wave to be healthy before the next
wave. So an object that merely has to exist first (the Service a StatefulSet names,
the Deployment an HPA scales, a ConfigMap a pod mounts) must come earlier in that
order; one that has to be *ready* first (the database before the migrate Job, the
migrate Job before the services) must be in an earlier wave.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from launcher.topology import SERVICES
from tests.k8s_support import OVERLAYS, containers, get, of_kind, pod_spec, rendered, workloads

WAVE = "argocd.argoproj.io/sync-wave"
HOOK = "argocd.argoproj.io/hook"
PHASES = ("PreSync", "Sync", "PostSync")
# Argo CD's kind order (gitops-engine sync_tasks.go).
KIND_ORDER = (
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
    "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
    "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
    "IngressClass", "Ingress", "APIService",
)


def wave(doc: dict[str, Any]) -> int:
    return int((doc["metadata"].get("annotations") or {}).get(WAVE, "0"))


def sync_key(doc: dict[str, Any]) -> tuple[int, int, int, str]:
    hook = (doc["metadata"].get("annotations") or {}).get(HOOK, "Sync")
    kind = KIND_ORDER.index(doc["kind"]) if doc["kind"] in KIND_ORDER else len(KIND_ORDER)
    return PHASES.index(hook), wave(doc), kind, doc["metadata"]["name"]


def _name(doc: dict[str, Any]) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']} (wave {wave(doc)})"


def _config_refs(workload: dict[str, Any]) -> set[tuple[str, str]]:
    refs: set[tuple[str, str]] = set()
    for c in containers(workload):
        for src in c.get("envFrom", []):
            if "configMapRef" in src:
                refs.add(("ConfigMap", src["configMapRef"]["name"]))
            if "secretRef" in src:
                refs.add(("Secret", src["secretRef"]["name"]))
        for item in c.get("env", []):
            ref = item.get("valueFrom", {})
            if "configMapKeyRef" in ref:
                refs.add(("ConfigMap", ref["configMapKeyRef"]["name"]))
            if "secretKeyRef" in ref:
                refs.add(("Secret", ref["secretKeyRef"]["name"]))
    for v in pod_spec(workload).get("volumes", []):
        sources = v["projected"]["sources"] if "projected" in v else [v]
        for s in sources:
            if "configMap" in s:
                refs.add(("ConfigMap", s["configMap"]["name"]))
            if "secret" in s:
                refs.add(("Secret", s["secret"].get("secretName") or s["secret"].get("name")))
    return refs


def order_violations(docs: list[dict[str, Any]]) -> list[str]:
    """Every place where an object would be applied before what it needs."""
    by_ref = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    problems: list[str] = []

    def exists_before(needed: dict[str, Any], user: dict[str, Any]) -> None:
        if not sync_key(needed) < sync_key(user):
            problems.append(f"{_name(needed)} must be applied before {_name(user)}")

    def ready_before(needed: dict[str, Any], user: dict[str, Any]) -> None:
        if not (sync_key(needed)[:2] < sync_key(user)[:2]):
            problems.append(f"{_name(needed)} must be healthy (an earlier wave) before {_name(user)}")

    for ns in of_kind(docs, "Namespace"):
        for d in docs:
            if d is not ns:
                exists_before(ns, d)
    for sts in of_kind(docs, "StatefulSet"):
        exists_before(by_ref[("Service", sts["spec"]["serviceName"])], sts)
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        exists_before(by_ref[(target["kind"], target["name"])], hpa)
    for w in workloads(docs):
        for ref in _config_refs(w):
            if ref in by_ref:
                exists_before(by_ref[ref], w)
        for policy in of_kind(docs, "NetworkPolicy"):
            exists_before(policy, w)
    for cluster in of_kind(docs, "Cluster"):
        for plugin in cluster["spec"].get("plugins", []):
            name = plugin.get("parameters", {}).get("barmanObjectName")
            if name:
                exists_before(by_ref[("ObjectStore", name)], cluster)
    for backup in of_kind(docs, "ScheduledBackup"):
        ready_before(by_ref[("Cluster", backup["spec"]["cluster"]["name"])], backup)
    for monitor in [*of_kind(docs, "ServiceMonitor"), *of_kind(docs, "PodMonitor")]:
        for target in [d for d in docs if d["kind"] in ("Service", "Deployment", "StatefulSet")]:
            labels = target["metadata"].get("labels", {})
            selector = monitor["spec"].get("selector", {}).get("matchLabels", {})
            if target["kind"] == "Service" and selector and all(labels.get(k) == v for k, v in selector.items()):
                exists_before(target, monitor)
    job = by_ref.get(("Job", "mgov-migrate"))
    if job is not None:
        for store in [*of_kind(docs, "Cluster"), *of_kind(docs, "StatefulSet")]:
            ready_before(store, job)
        for deployment in of_kind(docs, "Deployment"):
            ready_before(job, deployment)
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_argo_cd_applies_nothing_before_what_it_needs(overlay: str) -> None:
    assert order_violations(rendered(overlay)) == []


def _move(docs: list[dict[str, Any]], kind: str, name: str, to_wave: int) -> list[dict[str, Any]]:
    docs = copy.deepcopy(docs)
    get(docs, kind, name)["metadata"].setdefault("annotations", {})[WAVE] = str(to_wave)
    return docs


@pytest.mark.parametrize(
    "kind, name, to_wave, complaint",
    [
        ("Service", "nats-headless", 5, "Service/nats-headless"),
        ("HorizontalPodAutoscaler", "gateway", -5, "Deployment/gateway"),
        ("ConfigMap", "mgov-config", 5, "ConfigMap/mgov-config"),
        ("Job", "mgov-migrate", 5, "Job/mgov-migrate"),
        ("NetworkPolicy", "default-deny", 5, "NetworkPolicy/default-deny"),
        ("StatefulSet", "nats", 0, "StatefulSet/nats"),
    ],
    ids=["headless-service-after-its-statefulset", "hpa-before-its-deployment", "config-after-its-consumers",
         "migrations-after-the-services", "network-policy-late", "nats-with-the-migrations"],
)
def test_the_wave_walk_catches_an_object_applied_before_what_it_needs(kind: str, name: str, to_wave: int, complaint: str) -> None:
    problems = order_violations(_move(rendered("production"), kind, name, to_wave))
    assert any(complaint in p for p in problems), problems


def test_the_migrate_job_is_a_sync_hook_recreated_on_every_sync() -> None:
    job = get(rendered("production"), "Job", "mgov-migrate")
    notes = job["metadata"]["annotations"]
    assert notes[HOOK] == "Sync" and notes["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    assert {d["metadata"]["name"] for d in of_kind(rendered("production"), "Deployment")} == {"gateway", *SERVICES}
