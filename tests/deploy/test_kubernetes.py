"""The Kubernetes manifests, validated offline: each resource against Kubernetes's own schema
(kubernetes-validate, strict), and against Saras: probes on paths the bridge serves, commands
the ``saras`` CLI takes, no secret in the repository, every workload probed and bounded."""

import urllib.request

import kubernetes_validate
import pytest
from fastapi.testclient import TestClient

from bridge_api.http.app import create_app
from bridge_api.observability.exposition import serve_process_metrics
from tests.deploy.manifests import (
    K8S,
    check_saras_command,
    containers,
    documents,
    kustomization,
    pod_spec,
    rendered,
)

KUBERNETES = "1.37.0"
RESOURCES = rendered()


def _named(kind: str, name: str) -> dict:
    (found,) = [r for r in RESOURCES if r["kind"] == kind and r["metadata"]["name"] == name]
    return found


def test_kustomize_installs_every_manifest_in_the_folder():
    listed = set(kustomization()["resources"])

    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize(
    "resource", RESOURCES, ids=[f"{r['kind']}/{r['metadata']['name']}" for r in RESOURCES]
)
def test_each_resource_matches_the_kubernetes_schema(resource):
    kubernetes_validate.validate(resource, KUBERNETES, strict=True)


def test_the_processes_the_issue_names_are_there_and_scaled_as_it_says():
    kinds = {(r["kind"], r["metadata"]["name"]) for r in RESOURCES}
    for name in ("saras-api", "saras-worker", "saras-engine"):
        assert ("Deployment", name) in kinds
    for name in ("saras-api", "saras-worker"):
        assert ("HorizontalPodAutoscaler", name) in kinds
        assert ("PodDisruptionBudget", name) in kinds
    assert ("HorizontalPodAutoscaler", "saras-engine") not in kinds, "one trader, never scaled"
    assert {"Ingress", "NetworkPolicy", "ConfigMap", "Namespace", "Job"} <= {k for k, _ in kinds}


def test_the_engine_is_one_leader_and_a_standby_on_another_node():
    engine = _named("Deployment", "saras-engine")
    spec = pod_spec(engine)

    assert engine["spec"]["replicas"] == 2
    assert engine["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
    (rule,) = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert rule["topologyKey"] == "kubernetes.io/hostname"
    assert rule["labelSelector"]["matchLabels"] == engine["spec"]["selector"]["matchLabels"]


def test_autoscalers_budgets_and_services_point_at_real_pods():
    deployments = {
        r["metadata"]["name"]: r["spec"]["template"]["metadata"]["labels"]
        for r in RESOURCES
        if r["kind"] == "Deployment"
    }
    for resource in RESOURCES:
        if resource["kind"] == "HorizontalPodAutoscaler":
            assert resource["spec"]["scaleTargetRef"]["name"] in deployments
        selector = resource.get("spec", {}).get("selector")
        if resource["kind"] in ("PodDisruptionBudget", "Service"):
            wanted = selector.get("matchLabels", selector)
            assert any(wanted.items() <= labels.items() for labels in deployments.values()), (
                resource["metadata"]["name"]
            )


def test_every_container_is_probed_bounded_and_not_root():
    for resource in RESOURCES:
        spec = pod_spec(resource)
        if spec is None:
            continue
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        for container in containers(resource):
            assert {"requests", "limits"} <= set(container["resources"])
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            if resource["kind"] != "Job":
                assert "readinessProbe" in container, resource["metadata"]["name"]


def test_http_probes_ask_for_paths_the_processes_serve(engine):
    """Each probe's path, asked of the bridge (on the tests' database) or of the engine's
    metrics server, answers 200."""
    bridge = TestClient(create_app())
    server, port = serve_process_metrics(0, "127.0.0.1")
    asked = set()
    try:
        for resource in RESOURCES:
            for container in containers(resource):
                ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
                for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                    probe = container.get(kind, {}).get("httpGet")
                    if probe is None:
                        continue
                    asked.add(probe["path"])
                    if ports[probe["port"]] == 8000:
                        assert bridge.get(probe["path"]).status_code == 200, probe
                    else:  # the engine's metrics port
                        url = f"http://127.0.0.1:{port}{probe['path']}"
                        with urllib.request.urlopen(url, timeout=60) as answer:
                            assert answer.status == 200
    finally:
        server.shutdown()
    assert asked == {"/healthz", "/readyz", "/metrics"}


def test_every_command_and_exec_probe_is_a_saras_command_line():
    checked = 0
    for resource in RESOURCES:
        for container in containers(resource):
            assert container["image"].startswith("ghcr.io/saras/saras:")
            check_saras_command(container["args"])
            checked += 1
            for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
                command = container.get(kind, {}).get("exec", {}).get("command")
                if command:
                    assert command[0] == "saras"
                    check_saras_command(command[1:])
    assert checked >= 4


def test_a_command_the_cli_does_not_take_is_caught():
    with pytest.raises(AssertionError, match="no command"):
        check_saras_command(["engine", "fly"])
    with pytest.raises(Exception, match="--warp"):
        check_saras_command(["engine", "run", "--warp"])


def test_no_secret_is_in_the_repository():
    for path in K8S.glob("*.yaml"):
        for doc in documents(path):
            if doc.get("kind") == "Secret":
                assert not doc.get("data"), path
                assert not doc.get("stringData"), path
    for resource in RESOURCES:
        for container in containers(resource):
            for variable in container.get("env", []):
                sensitive = any(
                    word in variable["name"] for word in ("SECRET", "KEY", "PASSWORD", "URL")
                )
                if sensitive:
                    assert "value" not in variable, variable
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "saras-secrets"
    config = _named("ConfigMap", "saras-config")["data"]
    assert not any(word in key for key in config for word in ("SECRET", "PASSWORD", "TOKEN"))
