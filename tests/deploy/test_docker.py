"""The Dockerfile and the compose file, checked statically (no Docker engine here): stages,
the web app built with Node 20, a non-root user, a health check on a path the bridge serves,
and every ``saras`` command line one the CLI takes."""

import re

from dockerfile_parse import DockerfileParser

from tests.deploy.manifests import DEPLOY, check_saras_command, documents

DOCKERFILE = DockerfileParser(str(DEPLOY / "Dockerfile"))
COMPOSE = documents(DEPLOY / "compose.yaml")[0]


def _stages() -> list[tuple[str, list[dict]]]:
    """(stage name, its instructions) in order."""
    stages: list[tuple[str, list[dict]]] = []
    for instruction in DOCKERFILE.structure:
        if instruction["instruction"] == "FROM":
            name = instruction["value"].split(" AS ")[-1] if " AS " in instruction["value"] else ""
            stages.append((name, []))
        elif stages:
            stages[-1][1].append(instruction)
    return stages


def _json_words(value: str) -> list[str]:
    words = re.findall(r'"((?:[^"\\]|\\.)*)"', value)
    assert words, value
    return words


def test_three_stages_the_web_app_built_with_node_20_into_the_runtime():
    stages = _stages()
    names = [name for name, _ in stages]
    assert names == ["web", "python", "runtime"]
    assert DOCKERFILE.parent_images[0].startswith("node:20")
    web = " ".join(i["value"] for i in stages[0][1] if i["instruction"] == "RUN")
    assert "npm ci" in web
    assert "npm run build" in web
    copies = [i["value"] for i in stages[2][1] if i["instruction"] == "COPY"]
    assert "--from=web /app/web/build web/build" in copies
    for value in copies:
        if value.startswith("--from="):
            assert value.split()[0].removeprefix("--from=") in names[:2]


def test_the_runtime_runs_as_a_user_that_is_not_root():
    runtime = _stages()[-1][1]
    (user,) = [i["value"] for i in runtime if i["instruction"] == "USER"]

    assert user.split(":")[0] not in ("root", "0")
    assert any(user.split(":")[0] in i["value"] for i in runtime if i["instruction"] == "RUN")


def test_the_health_check_asks_the_bridge_for_its_liveness(engine):
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from bridge_api.http.app import create_app  # noqa: PLC0415

    (check,) = [i["value"] for i in _stages()[-1][1] if i["instruction"] == "HEALTHCHECK"]
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/\w+)", check)

    assert TestClient(create_app()).get(path).status_code == 200


def test_the_entrypoint_and_default_command_are_saras_serve():
    runtime = _stages()[-1][1]
    (entry,) = [i["value"] for i in runtime if i["instruction"] == "ENTRYPOINT"]
    (command,) = [i["value"] for i in runtime if i["instruction"] == "CMD"]

    assert _json_words(entry) == ["saras"]
    assert _json_words(command)[0] == "serve"
    check_saras_command(_json_words(command))


def test_compose_runs_the_whole_stack_each_saras_process_with_a_real_command():
    services = COMPOSE["services"]
    assert {"postgres", "api", "engine", "worker", "prometheus", "grafana"} <= set(services)
    for name, service in services.items():
        if service.get("image") != "saras:latest":
            continue
        check_saras_command(service["command"])
        health = service.get("healthcheck", {})
        assert health.get("disable") or health.get("test"), name
        for probe in health.get("test", [])[1:2]:
            if probe == "saras":
                check_saras_command(health["test"][2:])


def test_compose_takes_its_secrets_from_the_environment_never_literally():
    text = (DEPLOY / "compose.yaml").read_text()
    for key in (
        "POSTGRES_PASSWORD",
        "SARAS_JWT_SECRET",
        "SARAS_TOKEN_KEY",
        "GF_SECURITY_ADMIN_PASSWORD",
    ):
        (value,) = re.findall(rf"^\s*{key}: (.*)$", text, re.MULTILINE)
        assert value.startswith("${"), key
    for volume in ("./prometheus", "./grafana/provisioning", "./grafana/dashboards"):
        assert (DEPLOY / volume).is_dir()
