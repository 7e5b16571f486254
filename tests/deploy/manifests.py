"""Reading ``deploy/`` as the tools would: every YAML file, the manifests as kustomize renders
them (namespace, labels and image names applied; kustomize itself is not installed here), the
``saras`` command lines they run, and the bridge's routes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import typer.main
import yaml

from bridge_api.config import REPOSITORY

DEPLOY = REPOSITORY / "deploy"
K8S = DEPLOY / "k8s"
ELSEWHERE: set[str] = set()
"""Subcommands another branch adds (ops-notify: `saras worker`): checked fully once merged."""
CLUSTER_SCOPED = {"Namespace"}


def documents(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of a file (empty ones dropped)."""
    with path.open() as text:
        return [doc for doc in yaml.safe_load_all(text) if doc]


def kustomization() -> dict[str, Any]:
    """``deploy/k8s/kustomization.yaml``."""
    (doc,) = documents(K8S / "kustomization.yaml")
    return doc


def rendered() -> list[dict[str, Any]]:
    """Every resource as ``kubectl apply -k deploy/k8s`` would send it."""
    plan = kustomization()
    images = {i["name"]: f"{i['newName']}:{i['newTag']}" for i in plan.get("images", [])}
    labels: dict[str, str] = {}
    for entry in plan.get("labels", []):
        labels.update(entry["pairs"])
    out = []
    for name in plan["resources"]:
        for doc in documents(K8S / name):
            resource = copy.deepcopy(doc)
            meta = resource.setdefault("metadata", {})
            if resource["kind"] not in CLUSTER_SCOPED:
                meta["namespace"] = plan["namespace"]
            meta["labels"] = {**meta.get("labels", {}), **labels}
            for container in containers(resource):
                container["image"] = images.get(container["image"], container["image"])
            out.append(resource)
    return out


def pod_spec(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template's spec of a workload, if it is one."""
    template = resource.get("spec", {}).get("template")
    return template["spec"] if template else None


def containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers (init containers too) of a workload."""
    spec = pod_spec(resource) or {}
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def saras_cli() -> Any:
    """The ``saras`` command as its click (typer's own copy) sees it."""
    from saras.cli import app  # noqa: PLC0415

    return typer.main.get_command(app)


def check_saras_command(arguments: list[str]) -> None:
    """Parse ``saras <arguments>`` as the command line would, without running it: every
    subcommand must exist and every option must be one it takes (raises otherwise)."""
    command = saras_cli()
    parent = command.make_context("saras", [], resilient_parsing=True)
    rest = list(arguments)
    while hasattr(command, "get_command"):  # a group
        name = rest.pop(0)
        found = command.get_command(parent, name)
        if found is None:
            if name in ELSEWHERE:
                return
            raise AssertionError(f"saras has no command {name!r} ({arguments})")
        command = found
        parent = command.make_context(name, [], parent=parent, resilient_parsing=True)
    command.make_context(command.name or "", rest, parent=parent.parent)
