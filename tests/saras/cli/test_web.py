"""``saras web build`` (npm run only when the sources changed, a note and exit 0 without
Node.js) and ``saras web openapi`` (the same bytes every time; --check finds a stale file)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge_api.config import get_settings
from saras.cli import app

runner = CliRunner()

FAKE_NPM = """#!/bin/sh
echo "npm $*" >> "$NPM_LOG"
case "$1" in
  ci|install) mkdir -p node_modules && echo '{}' > node_modules/.package-lock.json ;;
  run) mkdir -p build && echo '<!doctype html><script>boot()</script>' > build/index.html ;;
esac
"""


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    web = tmp_path / "web"
    (web / "src" / "routes").mkdir(parents=True)
    (web / "package.json").write_text('{"name": "app"}')
    (web / "package-lock.json").write_text("{}")
    (web / "src" / "routes" / "+page.svelte").write_text("<h1>Saras</h1>")
    monkeypatch.setenv("SARAS_WEB_DIR", str(web))
    get_settings.cache_clear()
    yield web
    get_settings.cache_clear()


def _path_with(tmp_path: Path, node_version: str | None) -> str:
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    if node_version is not None:
        _tool(tools, "node", f"#!/bin/sh\necho {node_version}\n")
        _tool(tools, "npm", FAKE_NPM)
    return f"{tools}:/usr/bin:/bin" if node_version is not None else str(tools)


def test_without_node_the_build_is_skipped_with_one_line_and_exit_0(web: Path, tmp_path: Path):
    result = runner.invoke(app, ["web", "build"], env={"PATH": _path_with(tmp_path, None)})

    assert result.exit_code == 0, result.output
    assert "install Node.js 20 or later" in result.output
    assert "/docs still work" in result.output
    assert not (web / "build").exists()


def test_an_old_node_is_treated_as_missing(web: Path, tmp_path: Path):
    result = runner.invoke(app, ["web", "build"], env={"PATH": _path_with(tmp_path, "v18.19.0")})

    assert result.exit_code == 0, result.output
    assert "Node.js 18 on PATH" in result.output
    assert not (web / "build").exists()


def test_the_build_installs_builds_then_is_skipped_until_a_source_changes(
    web: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    log = tmp_path / "npm.log"
    env = {"PATH": _path_with(tmp_path, "v20.20.2"), "NPM_LOG": str(log)}
    monkeypatch.setenv("NPM_LOG", str(log))

    first = runner.invoke(app, ["web", "build"], env=env)
    calls_after_first = log.read_text().splitlines()
    second = runner.invoke(app, ["web", "build"], env=env)
    calls_after_second = log.read_text().splitlines()
    later = time.time() + 5
    os.utime(web / "src" / "routes" / "+page.svelte", (later, later))
    third = runner.invoke(app, ["web", "build"], env=env)

    assert first.exit_code == 0, first.output
    assert [c.split()[:2] for c in calls_after_first] == [["npm", "ci"], ["npm", "run"]]
    assert (web / "build" / "index.html").is_file()
    assert second.exit_code == 0
    assert "nothing to build" in second.output
    assert calls_after_second == calls_after_first
    assert third.exit_code == 0
    assert [c.split()[:2] for c in log.read_text().splitlines()[2:]] == [["npm", "run"]]


def test_a_failing_npm_fails_the_command(web: Path, tmp_path: Path):
    tools = tmp_path / "tools"
    tools.mkdir()
    _tool(tools, "node", "#!/bin/sh\necho v20.1.0\n")
    _tool(tools, "npm", "#!/bin/sh\nexit 7\n")

    result = runner.invoke(app, ["web", "build"], env={"PATH": str(tools)})

    assert result.exit_code == 2
    assert "failed (exit 7)" in result.output


def test_the_openapi_document_is_deterministic_and_checked_for_staleness(tmp_path: Path):
    path = tmp_path / "api" / "openapi.json"

    first = runner.invoke(app, ["web", "openapi", str(path)])
    text = path.read_text()
    second = runner.invoke(app, ["web", "openapi", str(path)])
    again = path.read_text()
    fresh = runner.invoke(app, ["web", "openapi", str(path), "--check"])
    path.write_text(text.replace('"/portfolio"', '"/portfolio-old"'))
    stale = runner.invoke(app, ["web", "openapi", str(path), "--check"])

    assert first.exit_code == 0
    assert second.exit_code == 0
    assert again == text
    assert text.endswith("}\n")
    document = json.loads(text)
    assert "/portfolio" in document["paths"]
    assert "/app/{path}" not in document["paths"]
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert fresh.exit_code == 0
    assert stale.exit_code == 1
    assert "stale" in stale.output
