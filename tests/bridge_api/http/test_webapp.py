"""The web app under /app/: the redirect from /, the build's files, the shell for client-side
routes with a policy that allows exactly its inline scripts, and a clear page without a build."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bridge_api.config import get_settings

BOOT = 'window.__boot = { base: "/app" }; import("/app/_app/immutable/entry/start.js");'
SHELL = f"""<!doctype html><html><head>
<link rel="modulepreload" href="/app/_app/immutable/entry/start.js">
<script type="module" src="/app/_app/immutable/entry/app.js"></script>
</head><body><div style="display: contents"><script>{BOOT}</script></div></body></html>"""


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "web_dir", tmp_path / "web")
    return tmp_path / "web"


@pytest.fixture
def built(web: Path) -> Path:
    build = web / "build"
    (build / "_app" / "immutable" / "entry").mkdir(parents=True)
    (build / "index.html").write_text(SHELL)
    (build / "_app" / "immutable" / "entry" / "start.js").write_text("export const x = 1;")
    (build / "_app" / "version.json").write_text('{"version":"1"}')
    (build / "robots.txt").write_text("User-agent: *\n")
    (web / "secret.txt").write_text("outside the build")
    return build


def test_the_root_redirects_to_the_app(client: TestClient, web: Path):
    for path in ("/", "/app"):
        response = client.get(path, follow_redirects=False)

        assert response.status_code == 307
        assert response.headers["location"] == "/app/"


def test_without_a_build_the_app_says_how_to_build_it_and_the_api_still_answers(
    client: TestClient, web: Path
):
    page = client.get("/app/portfolio")
    api = client.get("/me")

    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "saras web build" in page.text
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"


def test_client_side_routes_get_the_shell_uncached_with_its_inline_script_hashed(
    client: TestClient, built: Path
):
    expected = "sha256-" + base64.b64encode(hashlib.sha256(BOOT.encode()).digest()).decode()

    for path in ("/app/", "/app/portfolio", "/app/batches/12/live", "/app/kyc?next=/app/"):
        response = client.get(path)

        assert response.status_code == 200, path
        assert response.text == SHELL
        assert response.headers["cache-control"] == "no-cache"
        policy = response.headers["content-security-policy"]
        assert f"script-src 'self' '{expected}';" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy


def test_the_builds_files_are_served_and_only_hashed_assets_cached_for_long(
    client: TestClient, built: Path
):
    asset = client.get("/app/_app/immutable/entry/start.js")
    version = client.get("/app/_app/version.json")
    robots = client.get("/app/robots.txt")

    assert asset.text == "export const x = 1;"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert version.headers["cache-control"] == "no-cache"
    assert robots.text == "User-agent: *\n"


def test_nothing_outside_the_build_is_served(client: TestClient, built: Path):
    for path in ("/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/..%2fsecret.txt"):
        response = client.get(path)

        assert "outside the build" not in response.text, path


def test_api_paths_are_never_shadowed_by_the_app(client: TestClient, built: Path):
    for path in ("/portfolio", "/me", "/smallcases", "/batches/1"):
        response = client.get(path)

        assert response.headers["content-type"].startswith("application/"), path
    assert "'sha256-" not in client.get("/smallcases").headers["content-security-policy"]


def test_a_rebuilt_shell_gets_its_new_hash(client: TestClient, built: Path):
    first = client.get("/app/").headers["content-security-policy"]
    (built / "index.html").write_text(SHELL.replace(BOOT, BOOT + " "))

    second = client.get("/app/").headers["content-security-policy"]

    assert first != second
